#!/usr/bin/env python3
"""Known-answer values for tests/unit/test_mikey.c.

Written from RFC 3830 4.1 and RFC 6043 5.1 / 6.2 / A.2 / 12.1 with
Python's hmac and hashlib and `openssl enc -aes-128-ctr / -aes-256-ctr`,
independently of keying/mikey/.
Prints the C header tests/unit/test_mikey_kat.h:

    python3 tests/tools/mikey_kat.py > tests/unit/test_mikey_kat.h
"""
import hashlib
import hmac
import struct
import subprocess


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


def u8(v): return struct.pack(">B", v)
def u16(v): return struct.pack(">H", v)
def u32(v): return struct.pack(">I", v)
def rnd(r): return u8(len(r)) + r


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
