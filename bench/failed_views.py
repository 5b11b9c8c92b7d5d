#!/usr/bin/env python3
"""Why views failed, from `bftsim run --trace` files (docs/case-study-liveness.md, section 7).

    python3 bench/failed_views.py [--after SECONDS] [--live 0,2,3] TRACE.jsonl...

A failed view is one for which some replica formed a TC and none a QC. Each,
from --after on, is counted as: no proposal (split by whether its round-robin
leader is live), the proposal lost to a live replica (some live replica other
than the leader received no copy), or the proposal reached every live replica.
--live names the replicas that are up after --after (default: every replica
that sent anything then). Prints one line per category with the count over every file.
Exit codes: 0 done, 2 bad usage or input.
"""

import argparse
import collections
import json
import sys


def fail(message):
    print(f"failed_views: {message}", file=sys.stderr)
    sys.exit(2)


def classify(path, after_ns, live, counts):
    proposals_to = collections.defaultdict(set)
    proposer, qcs, tcs, senders, replicas = {}, set(), set(), set(), set()
    try:
        with open(path) as lines:
            for line in lines:
                event = json.loads(line)
                if event["ev"] == "note":
                    replicas.add(event["replica"])  # clients emit no notes
                if event["t_ns"] < after_ns:
                    continue
                if event["ev"] == "deliver":
                    senders.add(event["from"])
                    if event["arg"] == 1:  # proposal
                        proposals_to[event["view"]].add(event["to"])
                elif event["ev"] == "note":
                    if event["note"] == "proposal_sent":
                        proposer[event["view"]] = event["replica"]
                    elif event["note"] == "qc_formed":
                        qcs.add(event["view"])
                    elif event["note"] == "tc_formed":
                        tcs.add(event["view"])
    except (OSError, ValueError, KeyError) as error:
        fail(f"{path}: {error}")
    n = max(replicas) + 1 if replicas else 1
    live = live if live is not None else {r for r in senders if r < n}
    for view in tcs - qcs:
        if view not in proposer:
            counts["no proposal, leader down" if view % n not in live else "no proposal, live leader"] += 1
        elif any(r not in proposals_to[view] for r in live if r != proposer[view]):
            counts["proposal lost to a live replica"] += 1
        else:
            counts["proposal reached every live replica"] += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("traces", nargs="+")
    parser.add_argument("--after", type=float, default=0.0, help="seconds; earlier events are ignored")
    parser.add_argument("--live", help="comma-separated replica indices that are up")
    args = parser.parse_args()
    try:
        live = {int(x) for x in args.live.split(",")} if args.live else None
    except ValueError:
        fail(f"--live: not a list of integers: {args.live}")
    counts = collections.Counter()
    for path in args.traces:
        classify(path, int(args.after * 1e9), live, counts)
    for category in ("no proposal, leader down", "proposal lost to a live replica",
                     "proposal reached every live replica", "no proposal, live leader"):
        print(f"{category}: {counts[category]}")


if __name__ == "__main__":
    main()
