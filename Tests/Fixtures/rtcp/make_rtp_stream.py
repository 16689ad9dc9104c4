#!/usr/bin/env python3
"""An 8 kHz PCMU stream for tshark's RTP stream analysis (an independent RFC 3550 jitter/loss oracle).
Packet i (i = 0..1499) carries seq (65000 + i) mod 65536 (it wraps), timestamp 4294900000 + 160 i mod 2^32
(it wraps), is sent at 20 ms * i and arrives after 30 ms + (i * 7919 mod 20000) us. Packets with
i mod 37 == 11 are lost. RTPStreamOracleTests rebuilds the same stream in Swift.
    python3 make_rtp_stream.py && tshark -r rtp-stream.pcap -d udp.port==5004,rtp -q -z rtp,streams
"""
import struct

def pcap(records):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, (t_us, data) in enumerate(records):
        udp = struct.pack("!HHHH", 40000, 5004, 8 + len(data), 0) + data
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                         bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
        frame = b"\0" * 12 + b"\x08\x00" + ip + udp
        out += struct.pack("<IIII", 1767225600 + t_us // 1000000, t_us % 1000000, len(frame), len(frame)) + frame
    return out

records = []
for i in range(1500):
    if i % 37 == 11:
        continue
    seq = (65000 + i) % 65536
    ts = (4294900000 + 160 * i) % (1 << 32)
    arrival = 20000 * i + 30000 + (i * 7919) % 20000
    data = struct.pack("!BBHII", 0x80, 0, seq, ts, 0x5A3C1F02) + b"\xff" * 160
    records.append((arrival, data))
records.sort(key=lambda r: r[0])  # reordering by arrival time, as a capture would show it
with open("rtp-stream.pcap", "wb") as f:
    f.write(pcap(records))
