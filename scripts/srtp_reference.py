#!/usr/bin/env python3
"""Independent SRTP/SRTCP protect transform (RFC 3711 AES-CM + HMAC-SHA1, RFC 7714 AES-GCM),
written from the RFCs over Python's `cryptography` package. SRTPSessionTests runs it to check
libsrtp2's output byte for byte.

Before doing anything it checks itself against RFC 3711 Appendix B.2 (AES-CM keystream) and
B.3 (key derivation); exit status 3 means those known answers did not come out.

usage: srtp_reference.py rtp|rtcp SUITE MASTER_KEY_AND_SALT_HEX PACKET_HEX INDEX
  INDEX: the rollover counter for RTP, the SRTCP index for RTCP. Prints the protected packet in hex.
"""
import hashlib
import hmac
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SUITES = {  # name: (cipher key bytes, master salt bytes, RTP tag bytes, GCM?)
    "AES_CM_128_HMAC_SHA1_80": (16, 14, 10, False),
    "AES_CM_128_HMAC_SHA1_32": (16, 14, 4, False),
    "AES_192_CM_HMAC_SHA1_80": (24, 14, 10, False),
    "AES_192_CM_HMAC_SHA1_32": (24, 14, 4, False),
    "AES_256_CM_HMAC_SHA1_80": (32, 14, 10, False),
    "AES_256_CM_HMAC_SHA1_32": (32, 14, 4, False),
    "AEAD_AES_128_GCM": (16, 12, 16, True),
    "AEAD_AES_256_GCM": (32, 12, 16, True),
}


def aes_block(key, block):
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def aes_ctr(key, iv16, data):
    enc = Cipher(algorithms.AES(key), modes.CTR(iv16)).encryptor()
    return enc.update(data) + enc.finalize()


def derive(master_key, master_salt, label, length):
    """RFC 3711 §4.3 with key_derivation_rate 0: x = label at octet 7 XOR salt; AES-CM keystream
    from IV = x * 2^16. A 12-octet (GCM) salt is the high part of the 14-octet field (RFC 7714 §11)."""
    x = bytearray(master_salt.ljust(14, b"\0") + b"\0\0")
    x[7] ^= label
    return aes_ctr(master_key, bytes(x), bytes(length))


def self_test():
    k = bytes.fromhex("2B7E151628AED2A6ABF7158809CF4F3C")
    stream = aes_ctr(k, bytes.fromhex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"), bytes(48))
    b2 = ("E03EAD0935C95E80E166B16DD92B4EB4" "D23513162B02D0F72A43A2FE4A5F97AB"
          "41E95B3BB0A2E8DD477901E4FCA894C0")
    mk = bytes.fromhex("E1F97A0D3E018BE0D64FA32C06DE4139")
    ms = bytes.fromhex("0EC675AD498AFEEBB6960B3AABE6")
    ok = (stream == bytes.fromhex(b2)
          and derive(mk, ms, 0, 16) == bytes.fromhex("C61E7A93744F39EE10734AFE3FF7A087")
          and derive(mk, ms, 2, 14) == bytes.fromhex("30CBBC08863D8C85D49DB34A9AE1")
          and derive(mk, ms, 1, 20) == bytes.fromhex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"))
    if not ok:
        sys.exit(3)


def rtp_header_length(p):
    n = 12 + 4 * (p[0] & 0x0F)
    if p[0] & 0x10:
        n += 4 + 4 * int.from_bytes(p[n + 2:n + 4], "big")
    return n


def protect_rtp(suite, key, salt, packet, roc):
    klen, _, tag, gcm = SUITES[suite]
    ssrc = packet[8:12]
    seq = packet[2:4]
    h = rtp_header_length(packet)
    header, payload = packet[:h], packet[h:]
    if gcm:
        sk, ss = derive(key, salt, 0, klen), derive(key, salt, 2, 12)
        iv = bytes(a ^ b for a, b in zip(b"\0\0" + ssrc + roc.to_bytes(4, "big") + seq, ss))
        return header + AESGCM(sk).encrypt(iv, payload, header)
    sk, sa, ss = derive(key, salt, 0, klen), derive(key, salt, 1, 20), derive(key, salt, 2, 14)
    index = (roc << 16) | int.from_bytes(seq, "big")
    iv = bytearray(ss + b"\0\0")
    for i, b in enumerate(ssrc):
        iv[4 + i] ^= b
    for i, b in enumerate(index.to_bytes(6, "big")):
        iv[8 + i] ^= b
    out = header + aes_ctr(sk, bytes(iv), payload)
    mac = hmac.new(sa, out + roc.to_bytes(4, "big"), hashlib.sha1).digest()
    return out + mac[:tag]


def protect_rtcp(suite, key, salt, packet, index):
    klen, _, _, gcm = SUITES[suite]
    ssrc = packet[4:8]
    e_index = (0x80000000 | index).to_bytes(4, "big")
    if gcm:
        sk, ss = derive(key, salt, 3, klen), derive(key, salt, 5, 12)
        iv = bytes(a ^ b for a, b in zip(b"\0\0" + ssrc + b"\0\0" + index.to_bytes(4, "big"), ss))
        return packet[:8] + AESGCM(sk).encrypt(iv, packet[8:], packet[:8] + e_index) + e_index
    sk, sa, ss = derive(key, salt, 3, klen), derive(key, salt, 4, 20), derive(key, salt, 5, 14)
    iv = bytearray(ss + b"\0\0")
    for i, b in enumerate(ssrc):
        iv[4 + i] ^= b
    for i, b in enumerate(index.to_bytes(6, "big")):
        iv[8 + i] ^= b
    out = packet[:8] + aes_ctr(sk, bytes(iv), packet[8:]) + e_index
    # SRTCP always carries an 80-bit tag, also for the _32 suites (RFC 3711 §5.2, RFC 4568 §6.2).
    return out + hmac.new(sa, out, hashlib.sha1).digest()[:10]


def main():
    self_test()
    kind, suite, material, packet, index = sys.argv[1:6]
    klen, slen, _, _ = SUITES[suite]
    material = bytes.fromhex(material)
    key, salt = material[:klen], material[klen:klen + slen]
    packet = bytes.fromhex(packet)
    protect = protect_rtp if kind == "rtp" else protect_rtcp
    print(protect(suite, key, salt, packet, int(index)).hex())


if __name__ == "__main__":
    main()
