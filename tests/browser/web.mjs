// The creator page in a real browser (Debian's chromium, driven by
// playwright-core): tests/integ/web_browser.sh runs it twice.
//
//   node web.mjs main    log in with the keyboard, create a conference,
//                        set its policy, add two participants with the
//                        form; a SIP client (confd-ua, spawned here) dials
//                        in and the roster shows it within a second with
//                        its keying; grant it the floor from the page and
//                        its BFCP client sees Granted; remove it from the
//                        page and it gets BYE; screenshot
//   node web.mjs after   (after kill -9 and a restart) the conference and
//                        its list are still there; screenshot
//
// Environment: WEB_URL, WEB_SPKI (base64 SHA-256 of confd's public key:
// the one certificate chromium accepts), WEB_OUT (screenshots), WEB_TMP,
// ROOM, UA1, UA2, UA_LOG, UA_CMD (JSON argv of the SIP client).
// Prints PASS/FAIL lines.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const E = process.env;
const mode = process.argv[2];
let failed = 0;

function check(name, ok, detail) {
  if (ok) console.log('PASS web_browser.' + name);
  else {
    failed++;
    console.log('FAIL web_browser.' + name + (detail ? ' -- ' + detail : ''));
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function launch(tag) {
  const dir = fs.mkdtempSync(path.join(E.WEB_TMP, 'chromium-' + tag + '-'));
  const args = ['--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
    '--ignore-certificate-errors-spki-list=' + E.WEB_SPKI];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  // a phone-sized screen: the page must be usable there
  return chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium', headless: true, args,
    viewport: { width: 390, height: 844 },
  });
}

async function login(page) {
  await page.goto(E.WEB_URL);
  await page.waitForSelector('#login-name', { state: 'visible' });
  // keyboard only: type, Tab, type, Enter
  await page.focus('#login-name');
  await page.keyboard.type('alice');
  await page.keyboard.press('Tab');
  await page.keyboard.type('alice-pw');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#confs-view', { state: 'visible' });
}

async function waitFile(file, re, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if (re.test(fs.readFileSync(file, 'utf8'))) return true;
    } catch (e) { /* not yet */ }
    await sleep(50);
  }
  return false;
}

async function main() {
  const ctx = await launch('main');
  const page = ctx.pages()[0] || await ctx.newPage();
  page.setDefaultTimeout(10000);
  const errors = [];
  // script errors and CSP violations; not the 4xx answers the test
  // provokes on purpose (chromium logs each as a failed resource)
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      errors.push(m.text());
    }
  });

  await login(page);
  check('log in with the keyboard', await page.isVisible('#who'));

  // a wrong field: the API's error shows next to it
  await page.fill('#create-uri', 'sip:room@elsewhere.test');
  await page.click('#create-form button[type=submit]');
  const uriErr = page.locator('#create-form [data-error-for="uri"]');
  await uriErr.waitFor({ state: 'visible' });
  check('API error shown next to its field',
    (await uriErr.textContent()).includes('sip: URI') &&
    (await page.getAttribute('#create-uri', 'aria-invalid')) === 'true');

  await page.fill('#create-uri', E.ROOM);
  await page.fill('#create-subject', 'Browser test');
  await page.click('#create-form button[type=submit]');
  await page.waitForSelector('#conf-view', { state: 'visible' });
  check('create a conference', (await page.textContent('#conf-uri')) === E.ROOM);

  // policy: open (the test client has no asserted identity), a
  // chair-moderated presentation floor
  await page.check('#pol-open');
  await page.selectOption('#pol-srtp', 'optional');
  await page.selectOption('#pol-floor-pres', 'chair');
  await page.click('#policy-form button[type=submit]');
  await page.waitForFunction(() =>
    document.getElementById('status').textContent === 'Policy saved');
  check('edit the policy', true);

  for (const [uri, role] of [[E.UA1, 'participant'], [E.UA2, 'chair']]) {
    await page.fill('#part-uri', uri);
    await page.selectOption('#part-role', role);
    await page.click('#part-form button[type=submit]');
    await page.waitForSelector(`#part-list td:text-is("${uri}")`);
  }
  check('add two participants with the form',
    (await page.locator('#part-list tr').count()) === 2);

  // a duplicate: 409 shown at the field
  await page.fill('#part-uri', E.UA1);
  await page.click('#part-form button[type=submit]');
  const dup = page.locator('#part-form [data-error-for="sip_uri"]');
  await dup.waitFor({ state: 'visible' });
  check('duplicate participant shown at its field',
    (await dup.textContent()).includes('already'));
  await page.fill('#part-uri', '');

  // the SIP client dials in; the roster must show it within a second
  const log = fs.openSync(E.UA_LOG, 'w');
  const cmd = JSON.parse(E.UA_CMD);
  const t0 = Date.now();
  const ua = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', log, log] });
  const uaExit = new Promise((r) => ua.on('exit', (code) => r(code)));
  const row = page.locator('#roster li', { hasText: E.UA1 });
  let shown = false;
  try {
    await row.waitFor({ state: 'visible', timeout: 5000 });
    shown = true;
  } catch (e) { /* reported below */ }
  const dt = Date.now() - t0;
  check('roster shows the SIP client within a second (' + dt + ' ms)',
    shown && dt < 1000, 'after ' + dt + ' ms');
  const text = shown ? await row.textContent() : '';
  check('roster shows its keying (audio sdes, bfcp tls-fingerprint)',
    text.includes('audio (sdes)') && text.includes('bfcp (tls-fingerprint)'),
    text);

  // its BFCP client asks for the presentation floor (chair-moderated:
  // Pending); the page grants it
  const waiting = await page.waitForFunction((u) =>
    document.getElementById('floors').textContent.includes(u + ' (pending)'),
  E.UA1, { timeout: 4000 }).then(() => true, () => false);
  check('the floor queue shows the pending request', waiting,
    await page.textContent('#floors'));
  await page.click(`button[aria-label="Grant presentation floor ${E.UA1}"]`);
  check('the BFCP client sees the grant',
    await waitFile(E.UA_LOG, /FloorRequestStatus.*status=Granted/, 3000),
    fs.readFileSync(E.UA_LOG, 'utf8').slice(-400));
  const held = await page.waitForFunction((u) =>
    document.getElementById('floors').textContent.includes('held by ' + u),
  E.UA1, { timeout: 2000 }).then(() => true, () => false);
  check('the page shows the new holder', held);

  await page.screenshot({ path: path.join(E.WEB_OUT, 'web_browser_live.png'),
    fullPage: true });

  // remove it from the list (and the call): the client gets BYE
  await page.click(`button[aria-label="Remove ${E.UA1}"]`);
  const code = await Promise.race([uaExit, sleep(8000).then(() => 'timeout')]);
  fs.closeSync(log);
  const out = fs.readFileSync(E.UA_LOG, 'utf8');
  check('removed participant gets BYE', /ended_by=peer/.test(out),
    'exit ' + code + ': ' + out.slice(-300));
  const gone = await row.waitFor({ state: 'detached', timeout: 2000 })
    .then(() => true, () => false);
  check('and leaves the roster', gone);
  check('no script errors or CSP violations on the page', errors.length === 0,
    errors.join('; '));
  await page.screenshot({ path: path.join(E.WEB_OUT, 'web_browser.png'),
    fullPage: true });
  await ctx.close();
}

async function after() {
  const ctx = await launch('after');
  const page = ctx.pages()[0] || await ctx.newPage();
  page.setDefaultTimeout(10000);
  await login(page);
  const item = page.locator('#conf-list button', { hasText: E.ROOM });
  check('after kill -9: the conference is listed',
    await item.count() === 1);
  await item.click();
  await page.waitForSelector('#conf-view', { state: 'visible' });
  await page.waitForSelector(`#part-list td:text-is("${E.UA2}")`);
  const rows = await page.locator('#part-list tr').allTextContents();
  check('after kill -9: the list is as left',
    rows.length === 1 && rows[0].includes(E.UA2), rows.join(' | '));
  check('after kill -9: the policy is as left',
    await page.isChecked('#pol-open') &&
    (await page.inputValue('#pol-floor-pres')) === 'chair');
  await page.screenshot({ path: path.join(E.WEB_OUT,
    'web_browser_restarted.png'), fullPage: true });
  await ctx.close();
}

try {
  await (mode === 'after' ? after() : main());
} catch (e) {
  check('ran to the end', false, String(e).slice(0, 500));
}
process.exit(failed ? 1 : 0);
