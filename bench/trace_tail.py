#!/usr/bin/env python3
"""Where a bft-client bench request's time goes, from BFT_TRACE files
(runner/stage_trace.h): bench/trace_tail.py PREFIX [NODES]
For each request the client accepted: client send -> arrival at the
proposing leader -> that leader's proposal of the block holding it -> the
block executed on the (f+1)-th replica -> the (f+1)-th replica's reply flush
after its sync -> the client's acceptance. Prints each stage's percentiles
over all requests and over the slowest 1%, the gap between consecutive
proposals, view changes, and the loop handlers that ran long (wall vs.
thread CPU vs. time inside fdatasync and the store, LSM flushes and
compactions finished meanwhile, writes stalled on the LSM), so a tail shows whether it is our code, the disk or CPU
starvation. Standard library only."""
import bisect
import collections
import sys


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def row(label, values):
    ms = [v / 1e6 for v in values]
    print(f"  {label:34s} n {len(ms):6d}  p50 {pct(ms, 50):7.2f}  p90 {pct(ms, 90):7.2f}  "
          f"p99 {pct(ms, 99):7.2f}  max {max(ms) if ms else float('nan'):7.2f} ms")


def main():
    prefix = sys.argv[1]
    nodes = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    quorum = (nodes - 1) // 3 + 1
    sent, accepted = {}, {}
    for line in open(prefix + ".client"):
        tag, client, number, t = line.split()
        (sent if tag == "s" else accepted)[(client, number)] = int(t)
    arrival = [dict() for _ in range(nodes)]
    height_of = {}
    commit_at = [dict() for _ in range(nodes)]
    view_of_height = {}
    proposed = {}  # view -> (node, t)
    flushes = [[] for _ in range(nodes)]  # (t, max height)
    handlers = []
    views = collections.Counter()
    for node in range(nodes):
        for line in open(f"{prefix}.node-{node}"):
            f = line.split()
            tag = f[0]
            if tag == "r":
                arrival[node].setdefault((f[1], f[2]), int(f[3]))
            elif tag == "q":
                height_of.setdefault((f[1], f[2]), int(f[3]))
            elif tag == "C":
                commit_at[node][int(f[1])] = int(f[3])
                view_of_height[int(f[1])] = int(f[2])
            elif tag == "P":
                proposed[int(f[1])] = (node, int(f[2]))
            elif tag == "y":
                flushes[node].append((int(f[1]), int(f[3])))
            elif tag == "v":
                views[f[3]] += 1
            elif tag == "h":
                handlers.append((node, f[1]) + tuple(int(x) for x in f[2:]))
    # The first flush at or after t with max height >= h, per node.
    for node in range(nodes):
        flushes[node].sort()
    flush_times = [[t for t, _ in fl] for fl in flushes]

    def flush_after(node, t, h):
        i = bisect.bisect_left(flush_times[node], t)
        while i < len(flushes[node]):
            if flushes[node][i][1] >= h:
                return flushes[node][i][0]
            i += 1
        return None

    stages = collections.defaultdict(list)
    per_request = []
    for key, a in accepted.items():
        s = sent.get(key)
        h = height_of.get(key)
        if s is None or h is None or h not in view_of_height:
            continue
        v = view_of_height[h]
        if v not in proposed:
            continue
        leader, p = proposed[v]
        r = arrival[leader].get(key)
        commits = sorted(c[h] for c in commit_at if h in c)
        replies = sorted(x for x in (flush_after(n, commit_at[n][h], h) for n in range(nodes) if h in commit_at[n])
                         if x is not None)
        if r is None or len(commits) < quorum or len(replies) < quorum:
            continue
        c, y = commits[quorum - 1], replies[quorum - 1]
        parts = {"total (send -> accept)": a - s, "send -> leader receives": r - s,
                 "leader receives -> proposed": p - r, "proposed -> executed (f+1-th)": c - p,
                 "executed -> reply flushed (f+1-th)": y - c, "reply flushed -> accepted": a - y}
        per_request.append(parts)
        for k, val in parts.items():
            stages[k].append(val)
    print(f"{len(per_request)} requests traced of {len(accepted)} accepted")
    print("all requests:")
    for k, vals in stages.items():
        row(k, vals)
    cut = pct(stages["total (send -> accept)"], 99)
    tail = [r for r in per_request if r["total (send -> accept)"] >= cut]
    print(f"slowest 1% (total >= {cut / 1e6:.1f} ms), mean of each stage:")
    for k in stages:
        print(f"  {k:34s} {sum(r[k] for r in tail) / len(tail) / 1e6:8.2f} ms")
    times = sorted(t for _, t in proposed.values())
    row("gap between proposals", [b - a for a, b in zip(times, times[1:])])
    print(f"views entered by qc {views['qc']}, by tc {views['tc']}, timeouts sent {views['to']}")
    print(f"loop handlers over 2 ms: {len(handlers)}")
    by_kind = collections.defaultdict(list)
    for hnd in handlers:
        by_kind[hnd[1]].append(hnd)
    for kind, hs in sorted(by_kind.items(), key=lambda kv: -sum(h[3] for h in kv[1])):
        wall = sum(h[3] for h in hs) / 1e6
        cpu = sum(h[4] for h in hs) / 1e6
        sync = sum(h[5] for h in hs) / 1e6
        store = sum(h[7] for h in hs) / 1e6
        print(f"  {kind:14s} {len(hs):5d}: wall {wall:8.1f} ms (max {max(h[3] for h in hs) / 1e6:6.1f}), "
              f"cpu {cpu:7.1f}, in fdatasync {sync:8.1f} ({sum(h[6] for h in hs)} syncs), store {store:8.1f}, "
              f"flushes {sum(h[8] for h in hs)}, compactions {sum(h[9] for h in hs)}, "
              f"waiting for a CPU {sum(h[10] for h in hs if len(h) > 10) / 1e6:.1f}, "
              f"stalled on the LSM {sum(h[11] for h in hs if len(h) > 11) / 1e6:.1f}")
    flushing = [h for h in handlers if h[8] or h[9]]
    if flushing:
        print(f"  of them with an LSM flush or compaction: {len(flushing)}, wall p50 "
              f"{pct([h[3] for h in flushing], 50) / 1e6:.1f} max {max(h[3] for h in flushing) / 1e6:.1f} ms, "
              f"cpu {sum(h[4] for h in flushing) / 1e6:.1f}, fdatasync {sum(h[5] for h in flushing) / 1e6:.1f}, "
              f"waiting for a CPU {sum(h[10] for h in flushing if len(h) > 10) / 1e6:.1f} ms in all")


if __name__ == "__main__":
    main()
