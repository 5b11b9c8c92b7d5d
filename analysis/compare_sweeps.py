#!/usr/bin/env python3
"""Compare protocol options across many runs (issue 9, docs/case-study-liveness.md).

    python3 analysis/compare_sweeps.py DIR [--plot FILE.png]

DIR holds DIR/<config>/<scenario>/<seed>/{summary,commits,view_changes}.csv, as
bench/liveness_compare.sh writes them. Prints one Markdown row per scenario and
config: runs, runs as expected, the longest stall (p50 and max over runs),
view-change latency p50/p99 (one value per stall: from the last commit before
a failed view to the first commit after it, `total_us`), commit latency
p50/p99 (proposal to commit, every replica's commit), committed blocks per
simulated second, and messages sent per committed block (over all runs).
--plot draws, per scenario, the distribution of each run's longest stall
under each config. Exit codes: 0 done, 2 bad usage or input.
"""

import argparse
import os
import sys

EXIT_USAGE = 2


def fail(message):
    print(f"compare_sweeps: {message}", file=sys.stderr)
    sys.exit(EXIT_USAGE)


try:
    import pandas as pd
except ImportError:  # a venv python without pandas: use Debian's once
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    fail("needs pandas (Debian python3-pandas)")


def longest_stall_s(commits, sim_seconds):
    """The longest time with no new decided height, up to the end of the run."""
    if commits.empty:
        return sim_seconds
    first = commits.groupby("height")["committed_at_us"].min().sort_values()
    times = [0.0] + list(first / 1e6) + [sim_seconds]
    return max(b - a for a, b in zip(times, times[1:]))


def load(directory):
    runs, stalls, commit_latencies = [], [], []
    for config in sorted(os.listdir(directory)):
        for scenario in sorted(os.listdir(os.path.join(directory, config))):
            base = os.path.join(directory, config, scenario)
            for seed in sorted(os.listdir(base), key=lambda s: int(s) if s.isdigit() else 0):
                run_dir = os.path.join(base, seed)
                try:
                    summary = pd.read_csv(os.path.join(run_dir, "summary.csv")).iloc[0]
                    commits = pd.read_csv(os.path.join(run_dir, "commits.csv"))
                    changes = pd.read_csv(os.path.join(run_dir, "view_changes.csv"))
                except (OSError, pd.errors.ParserError, IndexError) as error:
                    fail(f"{run_dir}: {error}")
                sim_seconds = float(summary["sim_seconds"])
                runs.append({
                    "scenario": scenario, "config": config, "seed": seed,
                    "as_expected": summary["as_expected"] == "yes",
                    "blocks_per_s": summary["committed_blocks"] / sim_seconds,
                    "blocks": int(summary["committed_blocks"]),
                    "messages": int(summary["messages_sent"]),
                    "failed_views": len(changes),
                    "longest_stall_s": longest_stall_s(commits, sim_seconds),
                })
                ended = changes.dropna(subset=["total_us"]).drop_duplicates("stall_start_us")
                for total in ended["total_us"]:
                    stalls.append({"scenario": scenario, "config": config, "ms": total / 1e3})
                for latency in commits["commit_latency_us"]:
                    commit_latencies.append({"scenario": scenario, "config": config, "ms": latency / 1e3})
    if not runs:
        fail(f"{directory}: no runs")
    return pd.DataFrame(runs), pd.DataFrame(stalls), pd.DataFrame(commit_latencies)


def quantile(frame, scenario, config, q):
    if frame.empty:
        return float("nan")
    values = frame[(frame.scenario == scenario) & (frame.config == config)]["ms"]
    return values.quantile(q) if len(values) else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--plot", help="write a PNG of the longest stall per run")
    args = parser.parse_args()
    if not os.path.isdir(args.directory):
        fail(f"{args.directory}: not a directory")
    runs, stalls, commits = load(args.directory)

    print("| scenario | config | runs | as expected | longest stall p50 / max (s) | failed views / run "
          "| view change p50 / p99 (ms) | commit latency p50 / p99 (ms) | blocks/s | messages/block |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (scenario, config), group in runs.groupby(["scenario", "config"], sort=True):
        print(f"| {scenario} | {config} | {len(group)} | {int(group.as_expected.sum())} "
              f"| {group.longest_stall_s.median():.2f} / {group.longest_stall_s.max():.2f} "
              f"| {group.failed_views.mean():.1f} "
              f"| {quantile(stalls, scenario, config, 0.5):.0f} / {quantile(stalls, scenario, config, 0.99):.0f} "
              f"| {quantile(commits, scenario, config, 0.5):.0f} / {quantile(commits, scenario, config, 0.99):.0f} "
              f"| {group.blocks_per_s.mean():.1f} "
              f"| {group.messages.sum() / max(group.blocks.sum(), 1):.1f} |")

    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        scenarios = sorted(runs.scenario.unique())
        figure, axes = plt.subplots(1, len(scenarios), figsize=(5 * len(scenarios), 4), squeeze=False)
        for axis, scenario in zip(axes[0], scenarios):
            subset = runs[runs.scenario == scenario]
            configs = sorted(subset.config.unique())
            axis.boxplot([subset[subset.config == c].longest_stall_s for c in configs], labels=configs)
            axis.set_title(scenario)
            axis.set_ylabel("longest stall per run (s)")
            axis.tick_params(axis="x", labelrotation=30)
        figure.tight_layout()
        figure.savefig(args.plot, dpi=100)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
