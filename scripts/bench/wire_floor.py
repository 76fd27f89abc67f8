#!/usr/bin/env python3
"""What moving one turn's request and answer bodies over loopback TCP costs the client, and nothing else.

    python3 scripts/bench/wire_floor.py [--call KIND:OUT_MB:BACK_MB:PER_TURN ...] [--turns N] [--repeats R]

`thinkedit bench generate-http` prints the bodies it moved ("bodies on the wire per turn ...").
This script sends bodies of those sizes to a sink in another process, which reads each one and
answers with a body of the answer's size, and reports the client's CPU time per turn (user and
kernel, from getrusage). One connection, one call at a time, no HTTP parsing, no encoding, no
copies in user space: a lower bound on what any client pays to put the same bytes on loopback,
here and now. Medians of R repeats.

The defaults are the sizes `bench generate-http --count 500 --image-size 1024` printed on
2026-12-02 (edit 2.576/1.410 MB, judge 2.698/0 MB twice, think 3.988/0 MB).
"""
import argparse
import multiprocessing
import os
import resource
import socket
import statistics
import time

DEFAULT_CALLS = ["edit:2.576:1.410:1", "judge:2.698:0:2", "think:3.988:0:1"]


def sink(port_queue):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port_queue.put(listener.getsockname()[1])
    conn, _ = listener.accept()
    buf = bytearray(1 << 20)
    answers = {}
    while True:
        header = conn.recv(24, socket.MSG_WAITALL)
        if len(header) < 24:
            return
        left, answer = int(header[:12]), int(header[12:])
        while left > 0:
            left -= conn.recv_into(buf, min(left, len(buf)))
        if answer not in answers:
            answers[answer] = os.urandom(answer)
        conn.sendall(answers[answer])


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime, r.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--call", action="append", help="KIND:OUT_MB:BACK_MB:PER_TURN (repeatable)")
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    calls = []
    for spec in args.call or DEFAULT_CALLS:
        kind, out_mb, back_mb, per_turn = spec.split(":")
        calls += [(kind, int(float(out_mb) * 1e6), int(float(back_mb) * 1e6))] * int(per_turn)
    queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=sink, args=(queue,), daemon=True)
    server.start()
    conn = socket.create_connection(("127.0.0.1", queue.get()))
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    bodies = {out: memoryview(os.urandom(out)) for _, out, _ in calls}
    answer_buf = bytearray(max(back for _, _, back in calls) or 1)
    totals, kernels, walls = [], [], []
    for _ in range(args.repeats):
        (t0, k0), w0 = cpu(), time.perf_counter()
        for _ in range(args.turns):
            for _, out, back in calls:
                conn.sendall(b"%012d%012d" % (out, back))
                conn.sendall(bodies[out])
                view, left = memoryview(answer_buf), back
                while left > 0:
                    got = conn.recv_into(view[back - left:], left)
                    if got == 0:
                        raise SystemExit("the sink closed the connection")
                    left -= got
        (t1, k1), w1 = cpu(), time.perf_counter()
        totals.append(1000 * (t1 - t0) / args.turns)
        kernels.append(1000 * (k1 - k0) / args.turns)
        walls.append(1000 * (w1 - w0) / args.turns)
    conn.close()
    out_mb = sum(out for _, out, _ in calls) / 1e6
    back_mb = sum(back for _, _, back in calls) / 1e6
    print(f"{len(calls)} calls a turn, {out_mb:.2f} MB sent and {back_mb:.2f} MB received a turn, {args.turns} turns x {args.repeats}")
    print(f"client cpu per turn: {', '.join(f'{x:.2f}' for x in totals)} ms; median {statistics.median(totals):.2f} ms "
          f"(kernel {statistics.median(kernels):.2f} ms); wall {statistics.median(walls):.2f} ms per turn")


if __name__ == "__main__":
    main()
