# shellcheck shell=bash
# Phase lines for the first-run scripts (install-deps.sh, demo.sh, test.sh),
# sourced by them: one line per phase on stdout, the tools' verbose output
# (apt-get, dpkg, meson, ninja) in a log file under build-logs/ that a failure
# names, with the log's last lines. Callers set $script (the line prefix)
# before sourcing; BFTSIM_LOG_DIR moves the logs (the shell tests use it).
#   phase "configuring build/"         prints "demo: configuring build/"
#   phase_start packages               starts a phase without a line
#   logged NAME CMD...                 runs CMD, output appended to build-logs/NAME.log;
#                                      on failure prints where and exits with CMD's code
#   phases_summary                     "demo: done in 4m05s (configure 3s, build 3m50s, ...)"
log_dir=${BFTSIM_LOG_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build-logs}
phase_started=$SECONDS
phase_name=""
phase_times=()

# Seconds as "4m05s" or "12s".
phases_duration() {
  local s=$1
  if [ "$s" -ge 60 ]; then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}

# Closes the running phase (its time goes into the summary) and starts NAME,
# the first word of the line.
phase() {
  phase_start "${1%% *}"
  echo "$script: $*"
}

# Starts phase NAME without a line (install-deps.sh prints its own).
phase_start() {
  phases_close
  phase_name=$1
  phase_started=$SECONDS
}

phases_close() {
  if [ -n "$phase_name" ]; then
    phase_times+=("$phase_name $(phases_duration $((SECONDS - phase_started)))")
  fi
  phase_name=""
}

# The relative path of a log for messages (build-logs/NAME.log from the
# repository root).
phases_log() {
  local path=$log_dir/$1.log
  echo "${path#"$PWD"/}"
}

logged() {
  local name=$1
  shift
  mkdir -p "$log_dir"
  local log=$log_dir/$name.log
  { echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC'): $*"; } >>"$log"
  local status=0
  "$@" >>"$log" 2>&1 </dev/null || status=$?
  if [ "$status" -ne 0 ]; then
    echo "$script: FAILED (exit $status): $*" >&2
    echo "$script: the last lines of $(phases_log "$name"):" >&2
    tail -n 25 "$log" | sed 's/^/  | /' >&2
    echo "$script: the whole output is in $(phases_log "$name")" >&2
    exit "$status"
  fi
}

# phases_build_estimate BUILD CPU_SECONDS_PER_FILE [TARGET...]: "N files to
# compile, about M minutes on K cores" from what ninja would compile
# (CPU_SECONDS_PER_FILE is measured on an idle machine; see the callers).
phases_build_estimate() {
  local build=$1 per_file=$2
  shift 2
  local files cores
  # Regenerate build.ninja first when a meson.build changed: a dry run would
  # list only the regeneration step and count nothing to compile.
  ninja -C "$build" build.ninja >/dev/null 2>&1 || true
  files=$(ninja -C "$build" -n "$@" 2>/dev/null | grep -c 'Compiling' || true)
  cores=$(nproc 2>/dev/null || echo 1)
  if [ "$files" -eq 0 ]; then
    echo "nothing to compile"
  else
    local seconds
    seconds=$(awk -v n="$files" -v s="$per_file" -v c="$cores" 'BEGIN { printf "%d", n * s / c + 0.5 }')
    echo "$files files to compile, about $(phases_duration "$seconds") on $cores cores if idle"
  fi
}

phases_summary() {
  phases_close
  local joined=""
  local entry
  for entry in "${phase_times[@]}"; do joined+="${joined:+, }$entry"; done
  echo "$script: done in $(phases_duration "$SECONDS")${joined:+ ($joined)}"
}
