#!/usr/bin/env python3
"""Builds the RTP/RTCP byte strings used by RTPWireTests from the RFC field layouts (RFC 3550 §5.1,
§6.4-6.7; RFC 3611 §4.4, 4.5, 4.7; RFC 4585 §6.2.1), independently of the Swift code, and writes them
both as hex (rtcp-fixtures.hex) and as a pcap (rtcp-fixtures.pcap, UDP 127.0.0.1 -> :5005 for RTCP,
:5004 for RTP) so that tshark can decode them:
    tshark -r rtcp-fixtures.pcap -d udp.port==5005,rtcp -d udp.port==5004,rtp -T json > tshark-decode.json
"""
import struct

def rtcp_header(padding, count, pt, body_len):
    assert body_len % 4 == 0
    return struct.pack("!BBH", 0x80 | (0x20 if padding else 0) | count, pt, (4 + body_len) // 4 - 1)

def report_block(ssrc, fraction, cum_lost, ext_seq, jitter, lsr, dlsr):
    return struct.pack("!IB3sIIII", ssrc, fraction, (cum_lost & 0xFFFFFF).to_bytes(3, "big"), ext_seq, jitter, lsr, dlsr)

def sr(ssrc, ntp_sec, ntp_frac, rtp_ts, pkts, octets, blocks):
    body = struct.pack("!IIIIII", ssrc, ntp_sec, ntp_frac, rtp_ts, pkts, octets) + b"".join(blocks)
    return rtcp_header(False, len(blocks), 200, len(body)) + body

def rr(ssrc, blocks, pad=0):
    body = struct.pack("!I", ssrc) + b"".join(blocks)
    if pad:
        body += b"\0" * (pad - 1) + bytes([pad])
    return rtcp_header(pad > 0, len(blocks), 201, len(body)) + body

def sdes(chunks):
    body = b""
    for ssrc, items in chunks:
        c = struct.pack("!I", ssrc)
        for t, v in items:
            v = v.encode()
            c += bytes([t, len(v)]) + v
        c += b"\0"
        while len(c) % 4:
            c += b"\0"
        body += c
    return rtcp_header(False, len(chunks), 202, len(body)) + body

def bye(ssrcs, reason=None):
    body = b"".join(struct.pack("!I", s) for s in ssrcs)
    if reason is not None:
        r = reason.encode()
        body += bytes([len(r)]) + r
        while len(body) % 4:
            body += b"\0"
    return rtcp_header(False, len(ssrcs), 203, len(body)) + body

def app(subtype, ssrc, name, data):
    body = struct.pack("!I4s", ssrc, name.encode()) + data
    return rtcp_header(False, subtype, 204, len(body)) + body

def xr(ssrc, blocks):
    body = struct.pack("!I", ssrc) + b"".join(blocks)
    return rtcp_header(False, 0, 207, len(body)) + body

def xr_block(bt, ts, content):
    return struct.pack("!BBH", bt, ts, len(content) // 4) + content

def xr_rrt(sec, frac):
    return xr_block(4, 0, struct.pack("!II", sec, frac))

def xr_dlrr(items):
    return xr_block(5, 0, b"".join(struct.pack("!III", *i) for i in items))

def xr_voip(ssrc, loss, discard, bd, gd, bdur, gdur, rtd, esd, sig, noise, rerl, gmin, r, extr, moslq, moscq, rxc, jbn, jbm, jba):
    content = struct.pack("!IBBBBHHHHbbBBBBBBBBHHH", ssrc, loss, discard, bd, gd, bdur, gdur, rtd, esd,
                          sig, noise, rerl, gmin, r, extr, moslq, moscq, rxc, 0, jbn, jbm, jba)
    return xr_block(7, 0, content)

def nack(sender, media, pid, blp):
    body = struct.pack("!IIHH", sender, media, pid, blp)
    return rtcp_header(False, 1, 205, len(body)) + body

def pli(sender, media):
    body = struct.pack("!II", sender, media)
    return rtcp_header(False, 1, 206, len(body)) + body

def rtp(pt, marker, seq, ts, ssrc, csrcs=(), ext=None, payload=b""):
    b0 = 0x80 | (0x10 if ext else 0) | len(csrcs)
    h = struct.pack("!BBHII", b0, (0x80 if marker else 0) | pt, seq, ts, ssrc)
    h += b"".join(struct.pack("!I", c) for c in csrcs)
    if ext:
        profile, data = ext
        h += struct.pack("!HH", profile, len(data) // 4) + data
    return h + payload

fixtures = {
    # Linphone-style SR + SDES (CNAME, TOOL) compound.
    "linphone_sr_sdes": sr(0x5A3C1F02, 0xEB2A4C10, 0x8F5C28F6, 0x0001F400, 1502, 240320,
                           [report_block(0x1B2C3D4E, 12, 37, 0x00011F40, 84, 0x4C108F5C, 0x00013333)])
                        + sdes([(0x5A3C1F02, [(1, "linphone@192.168.1.20"), (6, "Linphone Desktop/5.2.0 (belle-sip/5.2.0)")])]),
    # RR with two report blocks (one with negative cumulative loss from duplicates) + SDES CNAME.
    "rr_two_blocks": rr(0x0A0B0C0D, [report_block(0x11111111, 0, 0, 0x0002FFFE, 160, 0xABCD1234, 65536),
                                     report_block(0x22222222, 64, -3, 0x00000100, 2, 0, 0)])
                     + sdes([(0x0A0B0C0D, [(1, "rx@example.org")])]),
    # XR: receiver reference time, DLRR with two items, VoIP metrics.
    "xr_voip_rrt_dlrr": xr(0x0A0B0C0D, [xr_rrt(0xEB2A4C20, 0x40000000),
                                        xr_dlrr([(0x5A3C1F02, 0x4C108F5C, 0x00008000), (0x11111111, 0x12345678, 0x00010000)]),
                                        xr_voip(0x5A3C1F02, 13, 5, 80, 2, 120, 4500, 42, 65, -23, -67, 127, 16, 88, 127, 41, 40, 0x68, 40, 80, 200)]),
    # BYE with reason, APP, and an RTPFB generic NACK (type 205, not decoded: passthrough).
    "bye_app_nack": rr(0x0A0B0C0D, []) + nack(0x0A0B0C0D, 0x5A3C1F02, 1000, 0x0005)
                    + app(3, 0x0A0B0C0D, "PLII", b"\x01\x02\x03\x04\x05\x06\x07\x08")
                    + bye([0x0A0B0C0D, 0x0E0F1011], "session ended"),
    # Reduced-size RTCP (RFC 5506): a lone PSFB PLI.
    "reduced_size_pli": pli(0x0A0B0C0D, 0x5A3C1F02),
    # RR with 8 padding octets (padding only in the last packet of a compound).
    "rr_padded": rr(0x0A0B0C0D, [report_block(0x33333333, 255, 0x7FFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 1, 2)], pad=8),
}
rtp_fixtures = {
    # PCMU packet, no CSRC/extension.
    "rtp_pcmu": rtp(0, True, 65535, 0xFFFFFF60, 0x5A3C1F02, payload=b"\xff" * 160),
    # Mixer output: 2 CSRCs and a one-byte header extension (RFC 8285, audio level id 1).
    "rtp_csrc_ext": rtp(111, False, 4242, 960000, 0xDEADBEEF, (0x01020304, 0x05060708),
                        (0xBEDE, b"\x10\x85\x00\x00"), b"\x00" * 20),
}

with open("rtcp-fixtures.hex", "w") as f:
    for name, data in list(fixtures.items()) + list(rtp_fixtures.items()):
        f.write(f"{name} {data.hex()}\n")

def pcap(packets):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, (port, data) in enumerate(packets):
        udp = struct.pack("!HHHH", 40000, port, 8 + len(data), 0) + data
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0, bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
        frame = b"\0" * 12 + b"\x08\x00" + ip + udp
        out += struct.pack("<IIII", 1767225600 + i, 0, len(frame), len(frame)) + frame
    return out

with open("rtcp-fixtures.pcap", "wb") as f:
    f.write(pcap([(5005, d) for d in fixtures.values()] + [(5004, d) for d in rtp_fixtures.values()]))
