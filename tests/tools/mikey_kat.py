#!/usr/bin/env python3
"""Known-answer values for tests/unit/test_mikey.c.

Written from RFC 3830 4.1 and RFC 6043 5.1 / 6.2 / A.2 / 12.1 with
Python's hmac and hashlib and `openssl enc -aes-128-ctr / -aes-256-ctr`,
independently of keying/mikey/.
Prints the C header tests/unit/test_mikey_kat.h:

    python3 tests/tools/mikey_kat.py > tests/unit/test_mikey_kat.h

With "check DIR PSK_HEX REQ_PRF XFER_PRF" it instead reads the MIKEY
messages tests/tools/mikey_e2e.c dumped (MIKEY_DUMP=DIR) and checks them
with the same independent code: each message is in one suite (its V MAC
and KEMAC encryption those of its HDR PRF, RFC 6043 12.1), the request
and transfer messages are in the suites expected, and the focus's own
exchanges with kmsd (PSK_HEX is the focus's PSK) carry the right MACs
and KEMACs whose keys are the suite's length.  Exit status 0 when all
holds.
"""
import hashlib
import hmac
import os
import struct
import subprocess
import sys


def p_fn(h, hlen, s, label, m):
    """RFC 3830 4.1.2: P(s, label, m); A_0 = label, A_i = HMAC(s, A_i-1)"""
    out, a = b"", label
    for _ in range(m):
        a = hmac.new(s, a, h).digest()
        out += hmac.new(s, a + label, h).digest()
    return out


def prf(kind, inkey, label, outlen):
    h, hlen = (hashlib.sha1, 20) if kind == 0 else (hashlib.sha256, 32)
    m = -(-outlen * 8 // (hlen * 8))
    res = bytes(m * hlen)
    for i in range(0, len(inkey), 32):        # 256-bit blocks s_i
        p = p_fn(h, hlen, inkey[i:i + 32], label, m)
        res = bytes(x ^ y for x, y in zip(res, p))
    return res[:outlen]


# RFC 6043 12.1 suites by PRF: (hash, V MAC alg, MAC length, KEMAC Encr
# alg, key length)
SUITES = {0: (hashlib.sha1, 1, 20, 1, 16), 1: (hashlib.sha256, 2, 32, 3, 32)}
AUTH, ENCR, SALT = 0x2D22AC75, 0x150533E1, 0x29B88916


def aes_ctr(key, iv, data):
    alg = "-aes-128-ctr" if len(key) == 16 else "-aes-256-ctr"
    return subprocess.run(["openssl", "enc", alg, "-nopad", "-K", key.hex(),
                           "-iv", iv.hex()], input=data,
                          capture_output=True, check=True).stdout


def walk(b):
    """RFC 3830 6 / RFC 6043 6: HDR, CS map, then the payload chain.
    Returns (hdr dict, [(type, offset, length, fields)])."""
    g16 = lambda o: struct.unpack(">H", b[o:o + 2])[0]
    hdr = dict(dt=b[1], prf=b[3] & 0x7f, csb=struct.unpack(">I", b[4:8])[0],
               ncs=b[8], map=b[9])
    pos = 10
    if hdr["map"] == 2:                     # GENERIC-ID
        for _ in range(hdr["ncs"]):
            pos += 3 + (b[pos + 2] & 0x7f)
            pos += 2 + g16(pos)
            pos += 1 + b[pos]
    elif hdr["ncs"]:
        raise ValueError("map")
    pt, out = b[2], []
    while pt:
        p = pos
        f = {}
        if pt == 5:                          # T
            n = 2 + (8 if b[p + 1] in (0, 1) else 4)
            f["t"] = b[p + 2:p + n].ljust(8, b"\0")
        elif pt == 11:                       # RAND
            n = 2 + b[p + 1]
        elif pt == 15:                       # RANDR
            n = 3 + b[p + 2]
            f["role"], f["data"] = b[p + 1], b[p + 3:p + n]
        elif pt == 14:                       # IDR
            n = 5 + g16(p + 3)
            f["role"], f["data"] = b[p + 1], b[p + 5:p + n]
        elif pt == 6:                        # ID
            n = 4 + g16(p + 2)
        elif pt == 13:                       # TR
            n = 3 + (8 if b[p + 2] in (0, 1) else 4)
        elif pt == 10:                       # SP
            n = 5 + g16(p + 3)
        elif pt == 1:                        # KEMAC
            n = 4 + g16(p + 2)
            f["encr"], f["data"], f["mac"] = b[p + 1], b[p + 4:p + n], b[p + n]
            n += 1 + {0: 0, 1: 20, 2: 32}[b[p + n]]
        elif pt == 9:                        # V
            f["alg"] = b[p + 1]
            n = 2 + {1: 20, 2: 32}[b[p + 1]]
        elif pt == 12:                       # ERR
            n = 4
        elif pt in (16, 17):                 # TP, TICKET
            f["prf"] = b[p + 5] >> 1
            n = 10 + g16(p + 8)
            if pt == 17:
                n += 2 + g16(p + n)
                n += 2 + g16(p + n)
        elif pt == 21:                       # General Extension
            n = 4 + g16(p + 2)
        else:
            raise ValueError("payload %d" % pt)
        if p + n > len(b):
            raise ValueError("overrun")
        out.append((pt, p, n, f))
        pt = b[p]
        pos = p + n
    if pos != len(b):
        raise ValueError("trailing bytes")
    return hdr, out


def first(pls, pt, role=None):
    for t, p, n, f in pls:
        if t == pt and (role is None or f.get("role") == role):
            return f
    return None


def check(d, psk, req_prf, xfer_prf):
    ok = True
    msgs = {}
    for name in sorted(os.listdir(d)):
        b = open(os.path.join(d, name), "rb").read()
        hdr, pls = walk(b)
        msgs[name] = (b, hdr, pls)
        if hdr["dt"] == 6:                    # Error: no MAC
            continue
        h, mac, ml, encr, kl = SUITES[hdr["prf"]]
        good = True
        for t, p, n, f in pls:
            if t == 9 and f["alg"] != mac:
                good = False
            if t == 1 and (f["encr"] != encr or f["mac"] != 0):
                good = False
            if t == 17 and f["prf"] != hdr["prf"]:
                good = False
        want = req_prf if name[0] in "12" else xfer_prf
        good &= hdr["prf"] == want
        print("  %-16s PRF %d, one suite: %s" % (name, hdr["prf"],
                                                 "ok" if good else "NO"))
        ok &= good

    # the focus's exchanges with kmsd, verified with its PSK
    for init, resp, rrole in (("1_request_init", "2_request_resp", 1),
                              ("4_resolve_init", "5_resolve_resp", 2)):
        bi, hi, pi = msgs[init]
        br, hr, pr = msgs[resp]
        h, mac, ml, encr, kl = SUITES[hi["prf"]]
        rnd = first(pi, 15, rrole)["data"]
        ri, rr = (rnd, b"") if rrole == 1 else (b"", rnd)
        ids = first(pi, 14, rrole)["data"] + first(pi, 14, 3)["data"]
        good = hr["prf"] == hi["prf"]
        for direction, b, cover in ((1, bi, ids), (2, br, bi)):
            t = (b"\xff" + u32(hi["csb"]) + u8(direction) + rnd_(ri) +
                 rnd_(rr))
            key = prf(hi["prf"], psk, u32(AUTH) + t, ml)
            good &= hmac.compare_digest(
                hmac.new(key, b[:-ml] + cover, h).digest(), b[-ml:])
        # the KEMAC opens, and its keys are the suite's length
        km = first(pr, 1)
        ek = prf(hi["prf"], psk, u32(ENCR) + t, kl)
        sk = prf(hi["prf"], psk, u32(SALT) + t, 14)
        x = b"\x00\x00" + u32(hr["csb"]) + first(pr, 5)["t"]
        iv = bytes(a ^ c for a, c in zip(sk, x)) + b"\x00\x00"
        pt = aes_ctr(ek, iv, km["data"])
        pos, lens = 0, []
        try:
            while pos + 4 <= len(pt):        # RFC 3830 6.13 Key data
                typ, kv = pt[pos + 1] >> 4, pt[pos + 1] & 15
                klen = struct.unpack(">H", pt[pos + 2:pos + 4])[0]
                lens.append(klen)
                pos += 4 + klen
                if typ in (1, 3, 5):         # with a salt
                    pos += 2 + struct.unpack(">H", pt[pos:pos + 2])[0]
                if kv == 1:                  # SPI
                    pos += 1 + pt[pos]
        except (IndexError, struct.error):
            pos = -1                         # wrong key: garbage
        good &= pos == len(pt) and len(lens) >= 2 and \
            all(n == SUITES[hi["prf"]][4] for n in lens)
        print("  %s/%s MACs, KEMAC keys %s: %s" %
              (init, resp, lens, "ok" if good else "NO"))
        ok &= good
    return ok


def rnd_(r):
    return struct.pack(">B", len(r)) + r


def u8(v): return struct.pack(">B", v)
def u16(v): return struct.pack(">H", v)
def u32(v): return struct.pack(">I", v)
def rnd(r): return u8(len(r)) + r


if len(sys.argv) == 6 and sys.argv[1] == "check":
    sys.exit(0 if check(sys.argv[2], bytes.fromhex(sys.argv[3]),
                        int(sys.argv[4]), int(sys.argv[5])) else 1)

TGK = bytes(range(0x20, 0x40))
RI = bytes(range(0xa0, 0xb0))
RR = bytes(range(0xc0, 0xd0))
CSB = 0x11223344
ID = b"sip:focus@conf.example.org"
C = dict(TEK=0x2AD01C64, SALT_T=0x39A2C14B, ENCR=0x150533E1,
         AUTH=0x2D22AC75, SALT=0x29B88916, MPKR_F=0x2B288856,
         TGK_F=0x1512B54A, MPKI=0x220E99A2, MPKR=0x1F4D675B)

vals = {}
key80 = bytes((i * 7 + 3) & 0xff for i in range(80))
label = b"label:" + bytes(range(40))
vals["PRF_KEY"] = key80
vals["PRF_LABEL"] = label
vals["PRF1_OUT50"] = prf(0, key80, label, 50)
vals["PRF256_OUT70"] = prf(1, key80, label, 70)
vals["PRF1_K16_OUT16"] = prf(0, key80[:16], label, 16)
vals["TGK"] = TGK
vals["RAND_I"] = RI
vals["RAND_R"] = RR
vals["ID_HEX"] = ID

# RFC 3830 4.1.3: constant || cs_id || csb_id || RAND
t = u8(1) + u32(CSB) + RI
vals["3830_TEK"] = prf(0, TGK, u32(C["TEK"]) + t, 16)
vals["3830_SALT"] = prf(0, TGK, u32(C["SALT_T"]) + t, 14)
# RFC 3830 4.1.4: constant || 0xFF || csb_id || RAND
t = b"\xff" + u32(CSB) + RI
vals["3830_AUTH"] = prf(0, TGK, u32(C["AUTH"]) + t, 20)
vals["3830_ENCR"] = prf(0, TGK, u32(C["ENCR"]) + t, 16)
# RFC 6043 5.1.2
t = b"\xff" + u32(CSB) + b"\x01" + rnd(RI) + u8(0)
vals["6043_AUTH_INIT"] = prf(1, TGK, u32(C["AUTH"]) + t, 32)
t = b"\xff" + u32(CSB) + b"\x02" + rnd(RI) + rnd(RR)
vals["6043_AUTH_RESP"] = prf(1, TGK, u32(C["AUTH"]) + t, 32)
vals["6043_SALT_RESP"] = prf(1, TGK, u32(C["SALT"]) + t, 14)
# RFC 6043 5.1.1
t = b"\xff" + u32(0xffffffff) + b"\x00" + u16(len(ID)) + ID + rnd(RR)
vals["6043_MPKR_F"] = prf(1, TGK, u32(C["MPKR_F"]) + t, 32)
vals["6043_TGK_F"] = prf(1, TGK, u32(C["TGK_F"]) + t, 32)
# RFC 6043 5.1.3
t = u8(2) + u32(0xffffffff) + b"\x03" + rnd(RI) + rnd(RR)
vals["6043_TEK"] = prf(1, TGK, u32(C["TEK"]) + t, 32)
# RFC 6043 A.2.1, A.2.2 and the Vr key (DESIGN.md)
t = b"\xff" + u32(0xffffffff) + b"\x05" + rnd(RI)
vals["6043_TPK_ENCR"] = prf(1, TGK, u32(C["ENCR"]) + t, 16)
t = b"\xff" + u32(0xffffffff) + b"\x06" + rnd(RI)
vals["6043_MPKI"] = prf(1, TGK, u32(C["MPKI"]) + t, 32)
vals["6043_MPKR"] = prf(1, TGK, u32(C["MPKR"]) + t, 32)
t = b"\xff" + u32(0xffffffff) + b"\x04"
vals["6043_VR"] = prf(1, TGK, u32(C["AUTH"]) + t, 32)

# RFC 3830 4.2.3 AES-CM: IV = (S XOR (0x0000 || CSB ID || T)) || 0x0000
salt = bytes(range(0x50, 0x5e))
T = 0xe1e2e3e4e5e6e7e8
x = b"\x00\x00" + u32(CSB) + struct.pack(">Q", T)
iv = bytes(a ^ b for a, b in zip(salt, x)) + b"\x00\x00"
pt = b"\xa5" * 40
ct = subprocess.run(["openssl", "enc", "-aes-128-ctr", "-nopad", "-K",
                     TGK[:16].hex(), "-iv", iv.hex()], input=pt,
                    capture_output=True, check=True).stdout
vals["CM_SALT"] = salt
vals["CM_CT"] = ct

# RFC 6043 12.1 suites: one PRF, MAC and KEMAC encryption per message.
# 128-bit: MIKEY-1, HMAC-SHA-1-160, AES-CM-128 with 128-bit keys;
# 256-bit: PRF-HMAC-SHA-256, HMAC-SHA-256-256, AES-CM-256.  The
# response keys of RFC 6043 5.1.2 for each, a V MAC over a message
# and two identities (RFC 6043 5.5), and AES-CM-256 (RFC 6043 6.2).
TGK16 = TGK[:16]
MSG = bytes(range(0x01, 0x41))
IDI = b"sip:alice@example.org"
IDK = b"kms.example.org"
t = b"\xff" + u32(CSB) + b"\x02" + rnd(RI) + rnd(RR)
a128 = prf(0, TGK16, u32(C["AUTH"]) + t, 20)
vals["S128_AUTH"] = a128
vals["S128_ENCR"] = prf(0, TGK16, u32(C["ENCR"]) + t, 16)
vals["S128_SALT"] = prf(0, TGK16, u32(C["SALT"]) + t, 14)
vals["S128_MAC"] = hmac.new(a128, MSG + IDI + IDK, hashlib.sha1).digest()
a256 = prf(1, TGK, u32(C["AUTH"]) + t, 32)
vals["S256_ENCR"] = prf(1, TGK, u32(C["ENCR"]) + t, 32)
vals["S256_MAC"] = hmac.new(a256, MSG + IDI + IDK,
                            hashlib.sha256).digest()
vals["MSG"] = MSG
vals["IDI"] = IDI
vals["IDK"] = IDK
# 128-bit suite TEK (5.1.3) and MPKi (A.2.2) from 128-bit keys
t = u8(2) + u32(0xffffffff) + b"\x03" + rnd(RI) + rnd(RR)
vals["S128_TEK"] = prf(0, TGK16, u32(C["TEK"]) + t, 16)
t = b"\xff" + u32(0xffffffff) + b"\x06" + rnd(RI)
vals["S128_MPKI"] = prf(0, TGK16, u32(C["MPKI"]) + t, 16)

ct = subprocess.run(["openssl", "enc", "-aes-256-ctr", "-nopad", "-K",
                     TGK.hex(), "-iv", iv.hex()], input=pt,
                    capture_output=True, check=True).stdout
vals["CM256_CT"] = ct

print("/* Generated by tests/tools/mikey_kat.py; do not edit. */")
for k, v in vals.items():
    print('#define KAT_%s "%s"' % (k, v.hex()))
print("#define KAT_CM_T 0x%xull" % T)
