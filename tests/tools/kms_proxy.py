#!/usr/bin/env python3
"""A misbehaving KMS in front of a real one, for fault tests.

    kms_proxy.py MODE LISTEN_PORT PEM KMS_PORT

Listens with TLS on 127.0.0.1:LISTEN_PORT with the certificate and key
in PEM (kmsd's own, so the focus's kms_fingerprint pin still holds) and
serves each HTTP POST by MODE:
  delay:S   forwards it to kmsd on 127.0.0.1:KMS_PORT, answers S seconds
            after the request arrived (a slow KMS);
  garbage   answers 200 application/mikey with random bytes;
  http500   answers 500 Internal Server Error;
  close     accepts TLS, reads the request, closes without a word.
Every request is handled on its own (asyncio): fifty at once all wait
their S seconds together, as fifty callers at a slow KMS would.
Loopback only.  Prints "listening" once it accepts.
"""
import asyncio
import os
import ssl
import sys


async def read_request(reader):
    head = await reader.readuntil(b'\r\n\r\n')
    clen = 0
    for line in head.split(b'\r\n'):
        if line.lower().startswith(b'content-length:'):
            clen = int(line.split(b':', 1)[1])
    body = await reader.readexactly(clen) if clen else b''
    return head, body


async def forward(head, body, kport):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    r, w = await asyncio.open_connection('127.0.0.1', kport, ssl=ctx)
    w.write(head + body)
    await w.drain()
    data = b''
    while True:
        chunk = await r.read(65536)
        if not chunk:
            break
        data += chunk
        # one response: headers and Content-Length of body
        i = data.find(b'\r\n\r\n')
        if i >= 0:
            clen = 0
            for line in data[:i].split(b'\r\n'):
                if line.lower().startswith(b'content-length:'):
                    clen = int(line.split(b':', 1)[1])
            if len(data) >= i + 4 + clen:
                break
    w.close()
    return data


def reply(code, reason, body, ctype='application/mikey'):
    return (('HTTP/1.1 %d %s\r\nContent-Type: %s\r\n'
             'Content-Length: %d\r\nConnection: close\r\n\r\n')
            % (code, reason, ctype, len(body))).encode() + body


async def handle(reader, writer, mode, kport):
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    try:
        head, body = await read_request(reader)
        if mode.startswith('delay:'):
            resp = await forward(head, body, kport)
            rest = float(mode[6:]) - (loop.time() - t0)
            if rest > 0:
                await asyncio.sleep(rest)
        elif mode == 'garbage':
            resp = reply(200, 'OK', os.urandom(64 + os.urandom(1)[0]))
        elif mode == 'http500':
            resp = reply(500, 'Internal Server Error', b'', 'text/plain')
        else:                                   # close
            resp = b''
        if resp:
            writer.write(resp)
            await writer.drain()
    except Exception:
        pass
    finally:
        writer.close()


async def main(argv):
    mode, port, pem, kport = argv[1], int(argv[2]), argv[3], int(argv[4])
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pem)
    srv = await asyncio.start_server(
        lambda r, w: handle(r, w, mode, kport), '127.0.0.1', port,
        ssl=ctx, backlog=256)
    print('listening', flush=True)
    async with srv:
        await srv.serve_forever()


if __name__ == '__main__':
    if len(sys.argv) != 5:
        sys.stderr.write(__doc__)
        sys.exit(2)
    asyncio.run(main(sys.argv))
