#!/usr/bin/env bash
# The fault run (docs/reliability.md, "Fault run"): generate + score a synthetic pool through the
# real HTTP drivers against thinkedit-fake-server while it injects 429s, 5xx, malformed answers and
# timeouts; check that every trajectory ends complete or failed with a class (nothing in between);
# restart the server without faults, `retry-failed`, generate + score again, and check that every
# trajectory is then complete and scored. Prints a table; exits non-zero when a check fails.
#
#   swift build -c release
#   scripts/fault-run.sh                 # COUNT=2000 by default
#
# Settings (environment): COUNT, DELAY_MS (server delay per call), CONCURRENCY (per backend),
# MAX_RETRIES (per call; 1 so that some calls fail for good and retry-failed has work),
# TIMEOUT_S (client deadline), P429 P5XX PMALFORMED PTIMEOUT (fault probabilities), SEED,
# BIN (folder of the binaries), DIR (scratch folder, deleted first).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/.build/release}
COUNT=${COUNT:-2000}
DELAY_MS=${DELAY_MS:-20}
CONCURRENCY=${CONCURRENCY:-64}
MAX_RETRIES=${MAX_RETRIES:-1}
TIMEOUT_S=${TIMEOUT_S:-3}
P429=${P429:-0.05}
P5XX=${P5XX:-0.02}
PMALFORMED=${PMALFORMED:-0.01}
PTIMEOUT=${PTIMEOUT:-0.01}
SEED=${SEED:-1}
DIR=${DIR:-${TMPDIR:-/tmp}/thinkedit-fault-run}

for tool in "$BIN/thinkedit" "$BIN/thinkedit-fake-server"; do
    [[ -x $tool ]] || { echo "fault-run: $tool is missing; build with: swift build -c release" >&2; exit 2; }
done
for tool in sqlite3 curl jq; do
    command -v $tool >/dev/null || { echo "fault-run: needs $tool on PATH" >&2; exit 2; }
done

rm -rf "$DIR"
mkdir -p "$DIR"
CONFIG=$DIR/fault-run.yaml
DB=$DIR/work/thinkedit.sqlite
SERVER_PID=
failures=0

stop_server() {
    if [[ -n $SERVER_PID ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}
trap stop_server EXIT

# start_server LOG ARGS...: starts the fake server on a free port; sets SERVER_PID and URL.
start_server() {
    local log=$1; shift
    "$BIN/thinkedit-fake-server" --port 0 --delay-ms "$DELAY_MS" "$@" > "$log" &
    SERVER_PID=$!
    for _ in $(seq 100); do
        grep -q '^listening ' "$log" 2>/dev/null && break
        sleep 0.1
    done
    local port
    port=$(sed -n 's/^listening //p' "$log")
    [[ -n $port ]] || { echo "fault-run: the fake server did not start (see $log)" >&2; exit 2; }
    URL=http://127.0.0.1:$port
    write_config
}

write_config() {
    local common="model: fake, concurrency: $CONCURRENCY, max_retries: $MAX_RETRIES, timeout_seconds: $TIMEOUT_S"
    cat > "$CONFIG" <<YAML
workdir: work
seed: $SEED
pool: {path: pool/pool.jsonl}
generation: {max_turns: 5}
backends:
  thinker: {kind: openai, name: fake-expert, base_url: "$URL", $common}
  scorer: {kind: openai, name: fake-judge, base_url: "$URL", $common}
  editor: {kind: editthinker-http, name: fake-editor, endpoints: ["$URL"], $common}
YAML
}

q() { sqlite3 -batch -noheader "$DB" "$1"; }

check() {  # check NAME ACTUAL EXPECTED
    if [[ $2 == "$3" ]]; then
        printf '  ok    %-62s %s\n' "$1" "$2"
    else
        printf '  FAIL  %-62s %s (expected %s)\n' "$1" "$2" "$3"
        failures=$((failures + 1))
    fi
}

# stage NAME: runs `thinkedit NAME CONFIG`, keeping its output and exit status.
stage() {
    local start end rc=0
    start=$(date +%s.%N)
    "$BIN/thinkedit" "$@" > "$DIR/$1-$phase.log" 2>&1 || rc=$?
    end=$(date +%s.%N)
    printf '  %-14s exit %d, %.1f s: %s\n' "$1" "$rc" "$(echo "$end - $start" | bc)" "$(tail -n 1 "$DIR/$1-$phase.log")"
}

# Trajectories that are neither complete nor failed, or failed without a class, or complete with a
# turn lacking its image; complete trajectories with an unscored turn and no scoring failure.
between_checks() {
    check "trajectories neither complete nor failed" "$(q "SELECT count(*) FROM trajectory WHERE status NOT IN ('complete','failed')")" 0
    check "failed trajectories without an error class" "$(q "SELECT count(*) FROM trajectory WHERE status='failed' AND (error_class IS NULL OR error_class='')")" 0
    check "complete trajectories without end_reason" "$(q "SELECT count(*) FROM trajectory WHERE status='complete' AND end_reason IS NULL")" 0
    check "turns of complete trajectories without an image" "$(q "SELECT count(*) FROM turn JOIN trajectory t ON t.seq=turn.trajectory WHERE t.status='complete' AND turn.image IS NULL")" 0
    check "complete, unscored and no scoring failure recorded" "$(q "SELECT count(DISTINCT t.seq) FROM trajectory t JOIN turn ON turn.trajectory=t.seq WHERE t.status='complete' AND (turn.semantic IS NULL OR turn.quality IS NULL) AND t.score_error_class IS NULL")" 0
}

echo "fault run: $COUNT items, delay $DELAY_MS ms, concurrency $CONCURRENCY, max_retries $MAX_RETRIES, timeout ${TIMEOUT_S} s"
echo "faults: 429 $P429, 5xx $P5XX, malformed $PMALFORMED, timeout $PTIMEOUT (seed $SEED); folder $DIR"
"$BIN/thinkedit" pool synth --count "$COUNT" --seed 1 --out "$DIR/pool" > "$DIR/synth.log"

phase=faults
echo "phase 1: faults on"
start_server "$DIR/server-faults.log" --fault-429 "$P429" --fault-5xx "$P5XX" --fault-malformed "$PMALFORMED" \
    --fault-timeout "$PTIMEOUT" --hold-ms $((TIMEOUT_S * 1000 * 4)) --fault-seed "$SEED"
stage generate "$CONFIG"
stage score "$CONFIG"
curl -fsS "$URL/stats" > "$DIR/stats-faults.json"
stop_server
"$BIN/thinkedit" status "$CONFIG" --json > "$DIR/status-faults.json"
between_checks

injected() { jq -r ".injected[\"$1\"] // 0" "$DIR/stats-faults.json"; }
requests=$(jq '[.expert.requests, .judge.requests, .edit.requests] | map(. // 0) | add' "$DIR/stats-faults.json")
echo
echo "| injected by the server | count | share of $requests requests |"
echo "|---|---|---|"
for kind in 429 5xx malformed timeout; do
    n=$(injected $kind)
    printf '| %s | %d | %.2f%% |\n' "$kind" "$n" "$(echo "100 * $n / $requests" | bc -l)"
done
echo
echo "| journal (phase 1) | value |"
echo "|---|---|"
echo "| attempts that failed, by class | $(q "SELECT group_concat(c || ' ' || n, ', ') FROM (SELECT error_class c, count(*) n FROM call WHERE outcome='error' GROUP BY 1 ORDER BY 1)") |"
echo "| calls that succeeded after a retry | $(q "SELECT count(*) FROM call WHERE outcome='ok' AND attempt > 1") |"
echo "| trajectories complete | $(q "SELECT count(*) FROM trajectory WHERE status='complete'") |"
echo "| generation failed, by class | $(q "SELECT coalesce(group_concat(c || ' ' || n, ', '), 'none') FROM (SELECT error_class c, count(*) n FROM trajectory WHERE status='failed' GROUP BY 1 ORDER BY 1)") |"
echo "| scoring failed, by class | $(q "SELECT coalesce(group_concat(c || ' ' || n, ', '), 'none') FROM (SELECT score_error_class c, count(*) n FROM trajectory WHERE score_error_class IS NOT NULL GROUP BY 1 ORDER BY 1)") |"
echo "| turns scored / turns | $(q "SELECT count(*) FILTER (WHERE semantic IS NOT NULL AND quality IS NOT NULL) || ' / ' || count(*) FROM turn") |"
# The classes the journal gave up on must be those the server injected: nothing else may fail.
check "final-attempt classes outside the injected ones" "$(q "SELECT count(*) FROM call WHERE outcome='error' AND error_class NOT IN ('rate_limit','server','parse','timeout')")" 0
echo

phase=clean
echo "phase 2: faults off, retry-failed"
start_server "$DIR/server-clean.log"
"$BIN/thinkedit" retry-failed "$CONFIG" | tee "$DIR/retry-failed.log" | sed 's/^/  /'
stage generate "$CONFIG"
stage score "$CONFIG"
curl -fsS "$URL/stats" > "$DIR/stats-clean.json"
stop_server
"$BIN/thinkedit" status "$CONFIG" --json > "$DIR/status-clean.json"
between_checks
check "trajectories complete" "$(jq '.trajectories.complete // 0' "$DIR/status-clean.json")" "$COUNT"
check "trajectories failed" "$(jq '.trajectories.failed // 0' "$DIR/status-clean.json")" 0
check "scoring failures left" "$(q "SELECT count(*) FROM trajectory WHERE score_error_class IS NOT NULL")" 0
check "turns scored = turns" "$(q "SELECT count(*) FILTER (WHERE semantic IS NOT NULL AND quality IS NOT NULL) = count(*) FROM turn")" 1
echo "  turns $(jq '.turns' "$DIR/status-clean.json"), scored $(jq '.scored_turns' "$DIR/status-clean.json"), phase-2 requests $(jq '[.expert.requests, .judge.requests, .edit.requests] | map(. // 0) | add' "$DIR/stats-clean.json")"

if (( failures > 0 )); then
    echo "fault run: $failures check(s) FAILED (logs in $DIR)"
    exit 1
fi
echo "fault run: all checks passed"
