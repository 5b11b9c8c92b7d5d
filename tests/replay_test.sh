#!/usr/bin/env bash
# Tests of `bftsim replay`: the Perfetto trace parses as JSON with one track
# per replica and client, every flow start has one matching finish bound
# inside a slice, slices nest and have no negative width; JSON lines parse and
# are the `run --trace` lines plus message fields; the Mermaid diagram starts
# with sequenceDiagram and names its participants; the window is centred on
# the violation by default and on --around when given; the same seed gives
# the same bytes; bad --format, --around and option mixes exit 2.
# Usage: tests/replay_test.sh BFTSIM_BINARY SOURCE_DIR
set -uo pipefail
# shellcheck source=tests/shell_test_lib.sh
source "$(dirname "$0")/shell_test_lib.sh"

fast=(--set crypto=fast)
crash="$src/scenarios/leader-crash.yaml"    # 4 replicas, 2 clients, a leader crash
mutant="$src/scenarios/mutant-skip-lock.yaml"  # 7 replicas, 2 clients, a safety violation

# The Perfetto trace's structure ($1 the trace file, $2 replicas, $3 clients).
check_perfetto() {
  python3 - "$1" "$2" "$3" <<'EOF'
import json, sys
from collections import Counter, defaultdict
replicas, clients = int(sys.argv[2]), int(sys.argv[3])
trace = json.load(open(sys.argv[1]))
events = trace["traceEvents"]
problems = []
names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
want = ["replica %d" % r for r in range(replicas)] + ["client %d" % c for c in range(1, clients + 1)]
if sorted(names.values()) != sorted(want) or len(names) != len(want):
    problems.append("tracks %s, want %s" % (sorted(names.values()), sorted(want)))
def ns(us):  # ts and dur are microseconds with three decimals: compare whole nanoseconds
    return round(us * 1000)
slices = defaultdict(list)
for e in events:
    if e["ph"] == "X":
        if e["dur"] < 0 or e["ts"] < 0:
            problems.append("negative slice %s" % e)
        slices[(e["pid"], e["tid"])].append((ns(e["ts"]), ns(e["dur"]), e["name"]))
for track in slices:
    if track not in names:
        problems.append("slice on a track without a name: %s" % (track,))
# Replay the trace as Perfetto's importer does: events in time order (ties in file order); a slice
# [ts, ts+dur) pops the open slices that end before it (or at its start, unless both are instants)
# and must nest in the one left on top; a flow event binds to the slice on top of its track, which
# must be the slice of the flow's own event.
timed = [e for e in events if e["ph"] != "M"]
if [ns(e["ts"]) for e in timed] != sorted(ns(e["ts"]) for e in timed):
    problems.append("events are not in time order")
stacks = defaultdict(list)
for e in timed:
    if e["ph"] == "i" and e.get("s") == "g":
        continue
    track, ts = (e["pid"], e["tid"]), ns(e["ts"])
    stack = stacks[track]
    if e["ph"] in "Xi":
        dur = ns(e["dur"]) if e["ph"] == "X" else 0
        while stack and (stack[-1][1] < ts or (stack[-1][1] == ts and not (stack[-1][2] == 0 and dur == 0))):
            stack.pop()
        if stack and ts < stack[-1][1] < ts + dur:
            problems.append("%s [%d, %d) overlaps %s on %s" % (e["name"], ts, ts + dur, stack[-1], track))
        stack.append((e["name"], ts + dur, dur, e.get("cat"), ts, e.get("args", {}).get("event")))
    elif e["ph"] in "sf":
        # It must bind to the slice of its own event (the event that sent or delivered the message).
        top = stack[-1] if stack else None
        if top is None or top[3] != "event" or top[5] != e["args"]["event"] or not (top[4] <= ts <= top[1]):
            problems.append("flow %s %s of event %s at %d binds to %s" % (e["ph"], e["id"], e["args"]["event"], ts, top))
starts = {e["id"]: e for e in events if e["ph"] == "s"}
finishes = Counter(e["id"] for e in events if e["ph"] == "f")
if len(starts) != sum(1 for e in events if e["ph"] == "s"):
    problems.append("flow ids reused by starts")
for e in events:
    if e["ph"] == "f":
        s = starts.get(e["id"])
        if s is None:
            problems.append("flow finish %s without a start" % e["id"])
        elif (s["cat"], s["name"]) != (e["cat"], e["name"]) or e.get("bp") != "e" or e["ts"] < s["ts"]:
            problems.append("flow %s: start %s, finish %s" % (e["id"], s, e))
for i, s in starts.items():
    if finishes[i] != 1:
        problems.append("flow %s has %d finishes" % (i, finishes[i]))
kinds = Counter(e["ph"] for e in events)
views = sum(1 for e in events if e["ph"] == "X" and e.get("cat") == "view")
if kinds["s"] == 0 or kinds["i"] == 0 or views == 0:
    problems.append("too little to check: %s, %d views" % (dict(kinds), views))
print("\n".join(problems[:10]) if problems else "ok %d events %d flows" % (len(events), kinds["s"]))
sys.exit(1 if problems else 0)
EOF
}

# Perfetto around a safety violation: the window is centred on it by default.
# (the violation's event index as `bftsim run` reports it; the run stops there)
violation_event=$("$bftsim" run "$mutant" 2>/dev/null | sed -n 's/.*VIOLATION chain at event \([0-9]*\) .*/\1/p')
run replay "$mutant" --format perfetto --out "$work/mutant.json"
[ -n "$violation_event" ] && [ "$(rc)" = 0 ] && [ ! -s "$work/out" ] \
  && grep -q "around $violation_event (the safety violation (chain))" "$work/err" && pass \
  || fail "replay of the mutant: exit $(rc), violation at event ${violation_event:-?}: $(cat "$work/err")"
grep -q "events $((violation_event - 200))-$violation_event of $violation_event" "$work/err" && pass \
  || fail "window around the last event: $(cat "$work/err")"
result=$(check_perfetto "$work/mutant.json" 7 2) && pass || fail "mutant perfetto: $result"

# Perfetto of a run with a crash, from the start and in the middle.
run replay "$crash" "${fast[@]}" --format perfetto --window 300
result=$(check_perfetto "$work/out" 4 2) && pass || fail "leader-crash perfetto from the start: $result"
grep -q "around 1 (the start)" "$work/err" && pass || fail "no violation: centred on the start: $(cat "$work/err")"
run replay "$crash" "${fast[@]}" --format perfetto --around 3000 --window 500 --out "$work/crash.json"
result=$(check_perfetto "$work/crash.json" 4 2) && pass || fail "leader-crash perfetto around 3000: $result"
run replay "$src/scenarios/seven.yaml" "${fast[@]}" --set clients.count=3 --format perfetto --around 800 --window 100
result=$(check_perfetto "$work/out" 7 3) && pass || fail "seven with 3 clients: $result"

# The same seed gives the same bytes; another seed another trace.
run replay "$crash" "${fast[@]}" --format perfetto --around 3000 --window 500 --out "$work/crash2.json"
cmp -s "$work/crash.json" "$work/crash2.json" && pass || fail "perfetto differs between identical replays"
run replay "$crash" "${fast[@]}" --seed 2 --format perfetto --around 3000 --window 500 --out "$work/crash3.json"
cmp -s "$work/crash.json" "$work/crash3.json" && fail "seeds 1 and 2 give the same trace" || pass
for format in text jsonl mermaid; do
  run replay "$crash" "${fast[@]}" --format "$format" --around 3000 --window 50 --out "$work/a.$format"
  run replay "$crash" "${fast[@]}" --format "$format" --around 3000 --window 50 --out "$work/b.$format"
  [ -s "$work/a.$format" ] && cmp -s "$work/a.$format" "$work/b.$format" && pass || fail "$format differs between identical replays"
done

# Text: one line per record, the window's events exactly (--around 3000 --window 50: 2950-3050).
steps=$(awk '{print $1}' "$work/a.text" | sort -un)
[ "$(echo "$steps" | head -1)" = 2950 ] && [ "$(echo "$steps" | tail -1)" = 3050 ] && [ "$(echo "$steps" | wc -l)" = 101 ] \
  && pass || fail "text window: $(echo "$steps" | head -1)..$(echo "$steps" | tail -1), $(echo "$steps" | wc -l) events"
run replay "$crash" "${fast[@]}" --around 3 --window 10
[ "$(awk '{print $1}' "$work/out" | sort -un | head -1)" = 1 ] && [ "$(awk '{print $1}' "$work/out" | sort -un | tail -1)" = 13 ] \
  && pass || fail "a window cut at the first event: $(head -1 "$work/out")"

# JSON lines: each parses; without the replay fields, the lines are those of run --trace.
run run "$crash" "${fast[@]}" --trace "$work/run.trace" -q
python3 - "$work/a.jsonl" "$work/run.trace" <<'EOF' && pass || fail "jsonl against run --trace"
import json, sys
replay = [json.loads(line) for line in open(sys.argv[1])]
run = [json.loads(line) for line in open(sys.argv[2]) if 2950 <= json.loads(line)["i"] <= 3050]
extra = ("msg", "copy", "label", "stale", "fault", "target")
plain = [{k: v for k, v in e.items() if k not in extra} for e in replay if e["ev"] != "send"]
sends = {e["msg"] for e in replay if e["ev"] == "send"}
paired = [e for e in replay if e["ev"] == "deliver" and e["msg"] in sends]
ok = plain == run and len(sends) > 0 and len(paired) > 0 and all(2950 <= e["i"] <= 3050 for e in replay)
print("ok" if ok else "replay %d lines, run %d lines, %d sends, %d paired" % (len(plain), len(run), len(sends), len(paired)))
sys.exit(0 if ok else 1)
EOF

# Mermaid: a sequence diagram naming the replicas, with arrows between them.
[ "$(head -1 "$work/a.mermaid")" = sequenceDiagram ] && pass || fail "mermaid first line: $(head -1 "$work/a.mermaid")"
[ "$(grep -c '^    participant R[0-3] as replica [0-3]$' "$work/a.mermaid")" = 4 ] && grep -q '^    R[0-3]->>R[0-3]: ' "$work/a.mermaid" \
  && pass || fail "mermaid participants and arrows: $(head -8 "$work/a.mermaid")"

# Bad input: 2, with a message.
for bad in "--format svg" "--around 0" "--around 99999999" "--window -3" "--around x" "--trace $work/t.json"; do
  # shellcheck disable=SC2086
  run replay "$crash" "${fast[@]}" $bad
  [ "$(rc)" = 2 ] && [ -s "$work/err" ] && pass || fail "replay $bad exits 2: $(rc) $(cat "$work/err")"
done
run run "$crash" "${fast[@]}" --around 5 -q
[ "$(rc)" = 2 ] && grep -q "are for replay" "$work/err" && pass || fail "run --around exits 2: $(rc) $(cat "$work/err")"
run replay "$crash" "${fast[@]}" --out "$work/no/such/dir/trace.json"
[ "$(rc)" = 2 ] && grep -q "cannot write" "$work/err" && pass || fail "an unwritable --out exits 2: $(rc) $(cat "$work/err")"
run replay
[ "$(rc)" = 2 ] && pass || fail "replay without a scenario exits 2: $(rc)"
# Into a file first: with pipefail, `grep -q` closing the pipe early would fail the writer.
"$bftsim" --help >"$work/help" && grep -q "bftsim replay SCENARIO.yaml" "$work/help" && pass || fail "--help does not show replay"

echo "replay: $passed passed, $failed failed"
[ "$failed" = 0 ]
