#!/usr/bin/env python3
"""Memory and heap allocations of transcoded calls in a running rtprelayd (PCMU caller <-> Opus callee).

    bench/transcode-probe.sh            # wrapper: builds the LD_PRELOAD counter, starts the daemon, runs this

Sets up CALLS calls over ng with `codec: {mask: [all], transcode: [opus]}` and an Opus-only answer, then for
WINDOW seconds every caller sends 20 ms PCMU packets and every callee sends back the Opus packets the relay gave
it (re-stamped as its own stream), so both directions run real codecs. PLAIN=1 leaves out the codec options
(a plain relayed call, for comparison). Prints the daemon's RSS before and after
the calls were set up (memory per call) and, with ALLOC_PROBE_FILE, the media workers' allocations per packet.
"""
import math, os, random, select, socket, struct, sys, time

NG = ("127.0.0.1", int(os.environ.get("NG_PORT", "22400")))
CALLS = int(os.environ.get("CALLS", "50"))
WINDOW = float(os.environ.get("WINDOW", "5"))
PID = int(os.environ["RELAY_PID"])
PROBE = os.environ.get("ALLOC_PROBE_FILE")

def bencode(v):
    if isinstance(v, int): return b"i%de" % v
    if isinstance(v, str): v = v.encode()
    if isinstance(v, bytes): return b"%d:%s" % (len(v), v)
    if isinstance(v, list): return b"l" + b"".join(bencode(x) for x in v) + b"e"
    return b"d" + b"".join(bencode(k) + bencode(v[k]) for k in sorted(v)) + b"e"

ng = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ng.settimeout(3)
def command(d):
    cookie = b"p%d" % random.randrange(1 << 30)
    ng.sendto(cookie + b" " + bencode(d), NG)
    while True:
        data, _ = ng.recvfrom(65535)
        if data.startswith(cookie + b" "): return data.decode(errors="replace")

def sdp(port, media):
    return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" + \
        "m=audio %d RTP/AVP %s\r\na=sendrecv\r\na=ptime:20\r\n" % (port, media)

def port_in(reply):
    i = reply.index("m=audio ")
    return int(reply[i + 8:].split(" ", 1)[0])

def rss_kib():
    for line in open("/proc/%d/status" % PID):
        if line.startswith("VmRSS:"): return int(line.split()[1])

def probe():
    if not PROBE: return (0, 0)
    with open(PROBE, "rb") as f: return struct.unpack("<QQ", f.read(16))

def ulaw(sample):
    sign = 0x80 if sample < 0 else 0
    s = min(32635, abs(sample)) + 132
    exp = 7
    while exp > 0 and not (s & (0x4000 >> (7 - exp))): exp -= 1
    mant = (s >> (exp + 3)) & 0x0F
    return ~(sign | (exp << 4) | mant) & 0xFF

tone = [bytes(ulaw(int(8000 * math.sin(2 * math.pi * 440 * (f * 160 + i) / 8000))) for i in range(160)) for f in range(50)]
rss0 = rss_kib()
calls = []
for n in range(CALLS):
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("127.0.0.1", 0)); a.setblocking(False)
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("127.0.0.1", 0)); b.setblocking(False)
    cid = "probe-%d-%d" % (os.getpid(), n)
    offer = command({"command": "offer", "call-id": cid, "from-tag": "a", "sdp": sdp(a.getsockname()[1], "0"),
                     **({} if os.environ.get("PLAIN") else {"codec": {"mask": ["all"], "transcode": ["opus"]}})})
    answer = command({"command": "answer", "call-id": cid, "from-tag": "a", "to-tag": "b",
                      "sdp": sdp(b.getsockname()[1], "96\r\na=rtpmap:96 opus/48000/2")})
    calls.append((a, b, port_in(answer), port_in(offer)))
rss1 = rss_kib()

def run(seconds):
    sent = received = 0
    seq = 0
    start = time.monotonic()
    tick = start
    while time.monotonic() - start < seconds:
        for a, b, to_b, to_a in calls:
            a.sendto(struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, seq * 160 & 0xFFFFFFFF, 0xA) + tone[seq % 50], ("127.0.0.1", to_b))
            sent += 1
        tick += 0.02
        while True:
            wait = tick - time.monotonic()
            ready, _, _ = select.select([b for _, b, _, _ in calls] + [a for a, _, _, _ in calls], [], [], max(0, wait))
            for s in ready:
                try:
                    data = s.recv(2048)
                except BlockingIOError:
                    continue
                received += 1
                for a, b, to_b, to_a in calls:
                    if s is b and len(data) > 12 and data[1] & 0x7F == 96:
                        # Echo the relay's Opus back as the callee's own stream.
                        b.sendto(struct.pack("!BBHII", 0x80, 96, seq & 0xFFFF, seq * 960 & 0xFFFFFFFF, 0xB) + data[12:], ("127.0.0.1", to_a))
                        sent += 1
                        break
            if wait <= 0: break
        seq += 1
    return sent, received

run(2)   # warm-up: latching, first reports
c0, b0 = probe()
sent, received = run(WINDOW)
c1, b1 = probe()
rss2 = rss_kib()
print("calls=%d window=%.0fs packets sent=%d received=%d" % (CALLS, WINDOW, sent, received))
print("RSS: %d KiB before, %d KiB with %d calls set up (%.1f KiB per call), %d KiB after media" %
      (rss0, rss1, CALLS, (rss1 - rss0) / CALLS, rss2))
print("  per call incl. media state: %.1f KiB" % ((rss2 - rss0) / CALLS))
if PROBE:
    print("media workers: %d allocations (%d bytes) in the window = %.5f per relayed packet" %
          (c1 - c0, b1 - b0, (c1 - c0) / max(1, sent)))
for a, b, _, _ in calls:
    pass
