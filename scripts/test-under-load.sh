#!/usr/bin/env bash
# Runs the README's test command N times in a row (default 10) while two busy loops keep both
# cores loaded, and prints for each run whether it passed, its wall time and any error lines.
# Then one more run under the same load with --no-parallel, for each test's own duration: in a
# parallel run Swift Testing starts every test at once and reports each one's time from that
# start, so there every test shows about the length of the whole run, queueing included.
# Usage: scripts/test-under-load.sh [N] [log-dir]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
logs=${2:-/tmp/thinkedit-test-under-load}
mkdir -p "$logs"
swift build --build-tests >/dev/null 2>&1 || { echo "build failed"; exit 1; }

burners=()
for _ in 1 2; do ( while :; do :; done ) & burners+=($!); done
trap 'kill "${burners[@]}" 2>/dev/null' EXIT

passed=0
for i in $(seq 1 "$runs"); do
  log="$logs/run-$i.log"
  start=$(date +%s)
  swift test >"$log" 2>&1
  rc=$?
  wall=$(( $(date +%s) - start ))
  # Lines that are neither a passing test's own start/pass line nor a build step (files named
  # *Error.swift), and speak of an error or a failure.
  errors=$(grep -vE '^(◇|✔) (Test|Suite) |^\[[0-9]+/[0-9]+\] ' "$log" | grep -ciE 'error|✘|fatal')
  summary=$(grep -E '^✔ Test run with|^✘ Test run with' "$log" | tail -1)
  [ "$rc" -eq 0 ] && passed=$((passed + 1))
  echo "run $i: exit $rc, ${wall}s, error lines: $errors, ${summary:-no summary}"
done
echo "$passed passed, $((runs - passed)) failed"

log="$logs/serial.log"
swift test --no-parallel >"$log" 2>&1
echo "serial run: exit $?; slowest tests (own duration, s):"
grep -E '^✔ Test .* passed after [0-9.]+ seconds' "$log" | grep -v 'Test run with' \
  | sed -E 's/.*✔ Test (.*) passed after ([0-9.]+) seconds.*/\2 \1/' | sort -n | tail -5
over=$(grep -E '^✔ Test .* passed after [0-9.]+ seconds' "$log" | grep -v 'Test run with' \
  | sed -E 's/.* passed after ([0-9.]+) seconds.*/\1/' | awk '$1 > 10' | wc -l)
echo "tests over 10 s: $over"
