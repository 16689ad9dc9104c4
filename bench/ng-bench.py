#!/usr/bin/env python3
"""ng call set-up benchmark: drives any ng relay (rtprelayd, rtpengine) over UDP with complete
offer -> answer -> delete call set-ups, a fixed number of calls in flight, for a fixed time.

Prints one JSON line: set-ups per second, and (with --pid) the relay's CPU time per set-up taken
from /proc/PID/stat (utime + stime of all its threads, before vs after). Standard library only.
"""
import argparse
import json
import os
import select
import socket
import sys
import time


def bencode(value):
    """Encodes str/bytes/int/list/dict (dict in insertion order, as SBCs send it)."""
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, str):
        return bencode(value.encode())
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, list):
        return b"l" + b"".join(bencode(v) for v in value) + b"e"
    if isinstance(value, dict):
        return b"d" + b"".join(bencode(k) + bencode(v) for k, v in value.items()) + b"e"
    raise TypeError(type(value))


def sdp(port, session):
    return ("v=0\r\no=- %d 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"
            "a=fmtp:101 0-15\r\na=sendrecv\r\na=ptime:20\r\n" % (session, port))


def cpu_seconds(pid):
    """utime + stime of the whole process (all threads), in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        text = f.read()
    # The command name may contain spaces; fields after it are fixed.
    fields = text[text.rindex(")") + 2:].split()
    ticks = int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


class Call:
    __slots__ = ("call_id", "stage", "cookie", "datagram", "sent_at", "retries")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=22222)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--inflight", type=int, default=16, help="calls in flight at once")
    parser.add_argument("--pid", type=int, help="relay PID, for CPU time per set-up")
    parser.add_argument("--label", default="relay")
    parser.add_argument("--timeout", type=float, default=1.0, help="retransmit a request after this many seconds")
    args = parser.parse_args()

    sock = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    sock.connect((args.host, args.port))
    sock.setblocking(False)

    run = "%d" % os.getpid()
    counter = 0
    calls_by_cookie = {}
    completed = 0
    errors = 0
    retransmits = 0
    cookie_seq = 0

    def send_stage(call, now):
        nonlocal cookie_seq
        cookie_seq += 1
        call.cookie = b"b%s_%d" % (run.encode(), cookie_seq)
        if call.stage == 0:
            body = {"command": "offer", "call-id": call.call_id, "from-tag": "caller",
                    "sdp": sdp(20000 + (counter % 10000) * 2, counter), "supports": ["load limit"]}
        elif call.stage == 1:
            body = {"command": "answer", "call-id": call.call_id, "from-tag": "caller", "to-tag": "callee",
                    "sdp": sdp(40000 + (counter % 10000) * 2, counter + 1)}
        else:
            body = {"command": "delete", "call-id": call.call_id, "from-tag": "caller", "delete delay": 0}
        call.datagram = call.cookie + b" " + bencode(body)
        call.sent_at = now
        call.retries = 0
        calls_by_cookie[call.cookie] = call
        sock.send(call.datagram)

    def new_call(now):
        nonlocal counter
        counter += 1
        call = Call()
        call.call_id = "bench-%s-%d" % (run, counter)
        call.stage = 0
        send_stage(call, now)

    cpu_before = cpu_seconds(args.pid) if args.pid else None
    start = time.monotonic()
    deadline = start + args.seconds
    for _ in range(args.inflight):
        new_call(start)

    last_check = start
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        ready, _, _ = select.select([sock], [], [], 0.05)
        if ready:
            while True:
                try:
                    data = sock.recv(65536)
                except BlockingIOError:
                    break
                space = data.find(b" ")
                call = calls_by_cookie.pop(data[:space], None)
                if call is None:
                    continue  # a late reply to a retransmitted request
                # The result key is near the front in both relays' replies; a cheap check is enough.
                if b"6:result2:ok" not in data:
                    errors += 1
                    if errors <= 3:
                        sys.stderr.write("%s: error reply: %r\n" % (args.label, data[:200]))
                if call.stage == 2:
                    completed += 1
                    if time.monotonic() < deadline:
                        new_call(time.monotonic())
                else:
                    call.stage += 1
                    send_stage(call, time.monotonic())
        now = time.monotonic()
        if now - last_check > 0.1:
            last_check = now
            for call in list(calls_by_cookie.values()):
                if now - call.sent_at > args.timeout:
                    call.sent_at = now
                    retransmits += 1
                    sock.send(call.datagram)
    elapsed = time.monotonic() - start
    cpu_after = cpu_seconds(args.pid) if args.pid else None

    result = {
        "label": args.label,
        "seconds": round(elapsed, 3),
        "setups": completed,
        "setups_per_s": round(completed / elapsed, 1),
        "errors": errors,
        "retransmits": retransmits,
        "inflight": args.inflight,
    }
    if args.pid:
        cpu = cpu_after - cpu_before
        result["relay_cpu_s"] = round(cpu, 3)
        result["relay_cpu_us_per_setup"] = round(cpu / completed * 1e6, 1) if completed else None
    print(json.dumps(result))
    return 0 if completed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
