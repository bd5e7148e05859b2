// confd's creator page: plain JavaScript, no build step, no inline
// script (the server's Content-Security-Policy forbids it).  Every text
// from the server goes into the page through textContent, never HTML.
'use strict';

const S = { name: null, csrf: null, conf: null, ws: null, part: [] };
const $ = (id) => document.getElementById(id);

function status(msg) { $('status').textContent = msg || ''; }

function el(tag, props, ...kids) {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const k of kids) e.append(k);
  return e;
}

function enc(s) { return encodeURIComponent(s); }

async function api(method, path, body) {
  const h = {};
  if (S.csrf) h['X-CSRF-Token'] = S.csrf;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const r = await fetch('/api/v1' + path, {
    method, headers: h, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let j = null;
  try { j = await r.json(); } catch (e) { j = null; }
  if (r.status === 401 && path !== '/login' && path !== '/session') {
    showLogin('Your session ended; log in again.');
  }
  return { status: r.status, ok: r.ok, json: j };
}

// API errors go next to the field they name, else under the form
function clearErrors(form) {
  for (const e of form.querySelectorAll('.error')) e.textContent = '';
  for (const i of form.querySelectorAll('[aria-invalid]')) {
    i.removeAttribute('aria-invalid');
  }
}

function showError(form, res) {
  const j = res.json || {};
  const msg = j.error || ('error ' + res.status);
  let slot = j.field ? form.querySelector(
    '[data-error-for="' + CSS.escape(j.field) + '"]') : null;
  if (slot) {
    const input = form.querySelector('[name="' + CSS.escape(j.field) + '"]');
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  } else {
    slot = form.querySelector('[data-error-for=""]');
  }
  slot.textContent = msg;
}

function showLogin(msg) {
  S.name = S.csrf = null;
  closeRoster();
  $('who').hidden = true;
  $('confs-view').hidden = true;
  $('conf-view').hidden = true;
  $('login-view').hidden = false;
  status(msg || '');
  $('login-name').focus();
}

function loggedIn(j) {
  S.name = j.name;
  S.csrf = j.csrf;
  $('who-name').textContent = 'Logged in as ' + j.name;
  $('who').hidden = false;
  $('login-view').hidden = true;
  showConfs();
}

// ---- conferences ----

async function showConfs() {
  closeRoster();
  S.conf = null;
  $('conf-view').hidden = true;
  $('confs-view').hidden = false;
  const r = await api('GET', '/conferences');
  const ul = $('conf-list');
  ul.replaceChildren();
  if (!r.ok) return;
  for (const c of r.json.conferences) {
    const b = el('button', { type: 'button', className: 'link' },
                 c.uri + (c.subject ? ' — ' + c.subject : ''));
    b.addEventListener('click', () => showConf(c.uri));
    ul.append(el('li', {}, b, el('span', { className: 'muted' },
                                  ' (' + c.access + ')')));
  }
  if (!r.json.conferences.length) {
    ul.append(el('li', { className: 'muted' }, 'No conferences yet.'));
  }
}

function fillPolicy(c) {
  const f = $('policy-form');
  f.subject.value = c.subject;
  f.creator.value = c.creator;
  f.open.checked = c.open;
  f.anonymous.checked = c.anonymous;
  f.srtp.value = c.srtp;
  f.floor_pres.value = c.floor_pres;
  f.floor_pres_max.value = c.floor_pres_max;
  f.floor_audio.value = c.floor_audio;
  f.notify_smime.checked = c.notify_smime;
  $('conf-delete').hidden = c.access !== 'owner';
}

async function showConf(uri) {
  const r = await api('GET', '/conferences/' + enc(uri));
  if (!r.ok) { status((r.json && r.json.error) || 'cannot open'); return; }
  S.conf = uri;
  $('confs-view').hidden = true;
  $('conf-view').hidden = false;
  $('conf-uri').textContent = uri;
  fillPolicy(r.json);
  clearErrors($('policy-form'));
  await loadParts();
  openRoster();
  $('conf-h').focus();
}

async function loadParts() {
  const r = await api('GET', '/conferences/' + enc(S.conf) + '/participants');
  const tb = $('part-list');
  tb.replaceChildren();
  if (!r.ok) return;
  S.part = r.json.participants;
  for (const p of S.part) {
    const role = el('select');
    role.setAttribute('aria-label', 'Role of ' + p.sip_uri);
    for (const o of ['participant', 'chair']) {
      role.append(el('option', { selected: o === p.role }, o));
    }
    role.addEventListener('change', async () => {
      const res = await api('PATCH', '/conferences/' + enc(S.conf) +
                            '/participants/' + enc(p.sip_uri),
                            { role: role.value });
      status(res.ok ? 'Role of ' + p.sip_uri + ' is ' + role.value
             : (res.json && res.json.error) || 'failed');
    });
    const rm = el('button', { type: 'button', className: 'danger' },
                  'Remove');
    rm.setAttribute('aria-label', 'Remove ' + p.sip_uri);
    rm.addEventListener('click', () => removePart(p.sip_uri));
    tb.append(el('tr', {},
      el('td', {}, p.sip_uri), el('td', {}, p.kms_uid), el('td', {}, role),
      el('td', {}, p.has_password ? 'set' : '—'), el('td', {}, rm)));
  }
}

async function removePart(uri) {
  const kick = $('part-kick').checked ? '?kick=1' : '';
  const r = await api('DELETE', '/conferences/' + enc(S.conf) +
                      '/participants/' + enc(uri) + kick);
  status(r.ok ? uri + ' removed' : (r.json && r.json.error) || 'failed');
  await loadParts();
}

// ---- live roster ----

function closeRoster() {
  if (S.ws) { S.ws.onclose = null; S.ws.close(); S.ws = null; }
  $('roster').replaceChildren();
  $('floors').replaceChildren();
}

function openRoster() {
  closeRoster();
  const conf = S.conf;
  const ws = new WebSocket('wss://' + location.host + '/api/v1/conferences/' +
                           enc(conf) + '/roster/ws');
  S.ws = ws;
  $('live-state').textContent = 'Connecting…';
  ws.onmessage = (ev) => {
    try { renderRoster(JSON.parse(ev.data)); } catch (e) { /* ignore */ }
  };
  ws.onclose = () => {
    $('live-state').textContent = 'Live view disconnected; retrying…';
    setTimeout(() => { if (S.conf === conf && S.ws === ws) openRoster(); },
               2000);
  };
}

async function live(action, body) {
  const r = await api('POST', '/conferences/' + enc(S.conf) + '/live/' +
                      action, body);
  status(r.ok ? action + ' done' : (r.json && r.json.error) || 'failed');
  return r;
}

function actionButton(label, who, fn) {
  const b = el('button', { type: 'button' }, label);
  b.setAttribute('aria-label', label + ' ' + who);
  b.addEventListener('click', fn);
  return b;
}

function renderRoster(r) {
  const ul = $('roster');
  ul.replaceChildren();
  $('live-state').textContent = r.participants.length
    ? r.participants.length + ' in the call' : 'Nobody is in the call.';
  for (const p of r.participants) {
    const media = p.media.map((m) => m.type + ' (' + m.keying + ')').join(', ');
    const talk = el('span', { className: p.talking ? 'talk on' : 'talk' },
                    p.talking ? 'talking' : 'quiet');
    const li = el('li', { className: 'part' },
      el('strong', {}, p.uri), ' ', talk,
      el('span', { className: 'muted' }, ' ' + p.status +
         (p.muted ? ', muted' : '') + ' — ' + media));
    li.dataset.uri = p.uri;
    const acts = el('div', { className: 'actions' });
    acts.append(actionButton(p.muted ? 'Unmute' : 'Mute', p.uri,
      () => live(p.muted ? 'unmute' : 'mute', { target: p.uri })));
    acts.append(actionButton('Hang up', p.uri,
      () => live('kick', { target: p.uri })));
    for (const f of r.floors) {
      const holds = f.holders.includes(p.uri);
      acts.append(actionButton((holds ? 'Revoke ' : 'Grant ') + f.name +
        ' floor', p.uri, () => live('floor', {
          target: p.uri, floor: f.name, action: holds ? 'revoke' : 'grant',
        })));
    }
    li.append(acts);
    ul.append(li);
  }
  const fl = $('floors');
  fl.replaceChildren();
  for (const f of r.floors) {
    const q = f.queue.map((x) => x.uri + ' (' + x.status + ')').join(', ');
    fl.append(el('p', { className: 'floor' },
      el('strong', {}, f.name + ' floor'), ' (' + f.policy + '): ',
      'held by ' + (f.holders.join(', ') || 'nobody') +
      (q ? '; waiting: ' + q : '')));
  }
}

// ---- forms ----

function formJSON(form, names) {
  const o = {};
  for (const n of names) {
    const i = form.elements[n];
    if (!i) continue;
    if (i.type === 'checkbox') o[n] = i.checked;
    else if (i.type === 'number') o[n] = Number(i.value);
    else if (i.value !== '' || n === 'subject' || n === 'creator') {
      o[n] = i.value;
    }
  }
  return o;
}

function onSubmit(id, fn) {
  $(id).addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(ev.target);
    await fn(ev.target);
  });
}

onSubmit('login-form', async (f) => {
  const r = await api('POST', '/login', {
    name: f.name.value, password: f.password.value });
  f.password.value = '';
  if (r.ok) loggedIn(r.json); else showError(f, r);
});

onSubmit('create-form', async (f) => {
  const r = await api('POST', '/conferences', formJSON(f, ['uri', 'subject']));
  if (!r.ok) { showError(f, r); return; }
  f.reset();
  status('Conference ' + r.json.uri + ' created');
  showConf(r.json.uri);
});

onSubmit('policy-form', async (f) => {
  const r = await api('PATCH', '/conferences/' + enc(S.conf), formJSON(f, [
    'subject', 'creator', 'open', 'anonymous', 'srtp', 'floor_pres',
    'floor_pres_max', 'floor_audio', 'notify_smime']));
  if (!r.ok) { showError(f, r); return; }
  fillPolicy(r.json);
  status('Policy saved');
});

onSubmit('part-form', async (f) => {
  const r = await api('POST', '/conferences/' + enc(S.conf) + '/participants',
                      formJSON(f, ['sip_uri', 'kms_uid', 'role', 'password']));
  if (!r.ok) { showError(f, r); return; }
  f.sip_uri.value = f.kms_uid.value = f.password.value = '';
  status(r.json.sip_uri + ' added');
  await loadParts();
  f.sip_uri.focus();
});

onSubmit('dial-form', async (f) => {
  const r = await live('dialout', { target: f.target.value });
  if (!r.ok) showError(f, r);
});

$('refer').addEventListener('click', async () => {
  const f = $('dial-form');
  clearErrors(f);
  const r = await live('refer', { target: f.target.value });
  if (!r.ok) showError(f, r);
});

$('conf-delete').addEventListener('click', async () => {
  if (!window.confirm('Delete ' + S.conf + ' and its list?')) return;
  const r = await api('DELETE', '/conferences/' + enc(S.conf));
  if (r.ok) { status(S.conf + ' deleted'); showConfs(); }
  else showError($('policy-form'), r);
});

$('back').addEventListener('click', showConfs);

$('logout').addEventListener('click', async () => {
  await api('POST', '/logout');
  showLogin('Logged out.');
});

$('conf-h').tabIndex = -1;

(async () => {
  const r = await api('GET', '/session');
  if (r.ok && r.json.csrf) loggedIn(r.json); else showLogin();
})();
