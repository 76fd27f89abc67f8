#!/bin/bash
# Torture test (issue 10): SIGKILL every stage at random moments, resume, and check that the final
# exports are byte-identical to an uninterrupted run of the same config.
#
#   scripts/torture.sh [--seed S] [--kills K] [--keep] [SIZE | CONFIG]
#
# SIZE (default 2000) makes a synthetic config: a SIZE-item synthetic pool, synthetic backends,
# max_pixels 36864 so that export resizes every image (long enough to be killed), and targets large
# enough that split has real work. CONFIG runs that config instead; it must leave `export.dir`
# unset (the export has to live inside each work directory) and must not need a pool import
# (use `pool: {synth: ...}` or run with an already imported pool).
#
# 1. Reference: every stage command in order, uninterrupted, in <scratch>/reference; each stage is
#    timed, which sets the range of the kill delays below.
# 2. Torture: in <scratch>/tortured, for each stage (generate, score, filter, unroll, split,
#    export) in turn, start the stage command and SIGKILL it after a random delay; after every kill
#    `PRAGMA integrity_check` must say ok; K kills per stage (default 12), then the stage runs to
#    its end. generate and score keep their progress across kills, so their delays are short
#    (0.1-1.2 x duration/K: the stage is still running at the K-th kill; these kills also hit the
#    start-up and the pool import). filter, unroll, split and export restart from scratch each time
#    and their bodies are short next to the process start (a few ms for filter), so the script
#    watches the database's write-ahead log until the stage's `running` row is committed, then
#    waits a delay drawn from 0 to the body's duration in the reference run; they are tried until K kills land in the body (at
#    most 4K tries). When one of them gets done before its kill, its stage_run record is set to
#    `interrupted` so that the next try recomputes it over the finished result (a kill there must
#    leave the previous result whole).
# 3. Every file under export/ (manifests, dataset files, dataset_info, README cards, images) and
#    the `trajectories export` file must equal the reference byte for byte, no temporary file may
#    be left in export/, and the database must pass `PRAGMA integrity_check`.
#
# Each kill is classified by what the database says afterwards: `in-stage` (the stage's row in
# stage_run is still `running`: the kill hit the stage body), `startup` (no new row: the kill hit
# config loading, the pool import or opening the store), `after` (the row says done: the kill hit
# the exit), `finished` (the command exited before the kill: generate and score take no more
# kills, the other stages are made to run again, see above).
#
# The delays come from bash's RANDOM seeded with --seed (default 1), so a failing trial can be
# replayed. Environment: THINKEDIT (a thinkedit binary; default: build release), SCRATCH (default:
# a fresh folder under /tmp, removed at the end unless --keep or a failure).
# Exit status: 0 when everything matches, 1 on any difference or damaged database.
set -euo pipefail

here=$(dirname "$(realpath "$0")")
repo=$(realpath "$here/..")
seed=1
kills=12
keep=0
target=2000
while [ $# -gt 0 ]; do
    case "$1" in
        --seed) seed=$2; shift 2 ;;
        --kills) kills=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) target=$1; shift ;;
    esac
done
say() { echo "[torture] $*"; }
fail() { echo "[torture] FAILED: $*" >&2; exit 1; }
command -v sqlite3 >/dev/null || fail "sqlite3 is missing: apt-get install -y sqlite3"

if [ -z "${THINKEDIT:-}" ]; then
    say "building the release binary"
    (cd "$repo" && swift build -c release --product thinkedit >/dev/null) || fail "swift build -c release failed"
    THINKEDIT="$repo/.build/release/thinkedit"
fi
[ -x "$THINKEDIT" ] || fail "$THINKEDIT is not an executable"

scratch=$(realpath -m "${SCRATCH:-$(mktemp -d /tmp/thinkedit-torture-XXXXXX)}")
mkdir -p "$scratch"
if [[ "$target" =~ ^[0-9]+$ ]]; then
    config="$scratch/torture.yaml"
    cat >"$config" <<EOF
# Written by scripts/torture.sh: a $target-item synthetic run whose export resizes every image.
workdir: unused
seed: 7
pool: {synth: {count: $target, seed: 1, image_size: 256}}
generation: {max_turns: 5}
stop_samples: true
rl: {min_variance: 1.0, trajectories: $((target / 10))}
sft: {samples: 140000, min_quality: 7.0}
export: {formats: [llamafactory, swift, editthinker-rl, verl], max_pixels: 36864, license: "CC-BY-4.0 (synthetic torture data)"}
backends:
  thinker: {kind: synthetic, concurrency: 8}
  scorer: {kind: synthetic, concurrency: 8}
  editor: {kind: synthetic, concurrency: 8}
EOF
else
    config=$(realpath "$target")
    [ -f "$config" ] || fail "$target: no such config (give a size or a config file)"
fi

stages=(generate score filter unroll split export)
ref="$scratch/reference"
tor="$scratch/tortured"
rm -rf "$ref" "$tor"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
integrity() { sqlite3 -readonly "$1/thinkedit.sqlite" 'PRAGMA integrity_check;' 2>&1 | tr '\n' ' ' | sed 's/ $//'; }
stage_rows() { sqlite3 -readonly "$1/thinkedit.sqlite" "SELECT count(*) FROM stage_run WHERE stage = '$2';" 2>/dev/null || echo 0; }
last_status() { sqlite3 -readonly "$1/thinkedit.sqlite" "SELECT status FROM stage_run WHERE stage = '$2' ORDER BY id DESC LIMIT 1;" 2>/dev/null; }

# Returns once the process has committed something (its database's write-ahead log is newer
# than the mark made before it started: the first commit of a curation or export command is its
# stage's `running` row, right before the body), or the process has ended, or after 20 s. Only
# shell builtins in the loop, so that it notices within a fraction of a millisecond.
wait_for_body() {
    local mark=$1 pid=$2 n=0
    while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 2000000 ]; do
        [ "$tor/thinkedit.sqlite-wal" -nt "$mark" ] && [ -s "$tor/thinkedit.sqlite-wal" ] && return 0
        n=$((n + 1))
    done
    return 0
}

# --- 1. reference -------------------------------------------------------------------------------
declare -A duration offset body
say "reference run in $ref ($config)"
for s in "${stages[@]}"; do
    t0=$(now_ms)
    "$THINKEDIT" "$s" "$config" --workdir "$ref" >"$scratch/reference-$s.log" 2>&1 || fail "reference $s failed: see $scratch/reference-$s.log"
    duration[$s]=$(( $(now_ms) - t0 ))
    # When the stage body started (after loading, opening the store, upstream checks) and how long
    # it ran, from the run's own record.
    read -r offset[$s] body[$s] < <(sqlite3 -readonly -separator ' ' "$ref/thinkedit.sqlite" \
        "SELECT CAST(started_at * 1000 - $t0 AS INT), CAST((finished_at - started_at) * 1000 AS INT) FROM stage_run WHERE stage = '$s' ORDER BY id DESC LIMIT 1;")
    say "  $s: ${duration[$s]} ms (the stage body from ${offset[$s]} ms for ${body[$s]} ms)"
done
[ -d "$ref/export/sft" ] || fail "the export is not in the work directory: leave export.dir unset in $config"
mkdir -p "$scratch/reference-trajectories"
"$THINKEDIT" trajectories export "$config" --workdir "$ref" "$scratch/reference-trajectories/trajectories.jsonl" >/dev/null

# --- 2. torture ---------------------------------------------------------------------------------
RANDOM=$seed
trials="$scratch/trials.tsv"
printf 'stage\ttrial\tdelay_ms\toutcome\tintegrity\n' >"$trials"
bad=0
say "tortured run in $tor: $kills kills per stage, seed $seed"
for s in "${stages[@]}"; do
    d=${duration[$s]}
    case "$s" in
        generate|score) lo=$(( d / kills / 10 )); hi=$(( d * 6 / kills / 5 )); attempts=$kills ;;
        *) lo=0; hi=${body[$s]}; attempts=$(( kills * 4 )) ;;
    esac
    [ "$hi" -gt "$lo" ] || hi=$(( lo + 1 ))
    landed=0
    for ((i = 1; i <= attempts && landed < kills; i++)); do
        delay=$(( lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1) ))
        before=$( [ -f "$tor/thinkedit.sqlite" ] && stage_rows "$tor" "$s" || echo 0)
        touch "$scratch/mark" && sleep 0.01  # mtimes must be able to tell the mark from a commit
        "$THINKEDIT" "$s" "$config" --workdir "$tor" >>"$scratch/tortured-$s.log" 2>&1 &
        pid=$!
        case "$s" in generate|score) ;; *) wait_for_body "$scratch/mark" "$pid" ;; esac
        sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
        kill -KILL "$pid" 2>/dev/null || true
        rc=0
        { wait "$pid"; } 2>/dev/null || rc=$?
        if [ "$rc" -eq 137 ]; then
            after=$( [ -f "$tor/thinkedit.sqlite" ] && stage_rows "$tor" "$s" || echo 0)
            if [ "$after" -gt "$before" ]; then
                case "$(last_status "$tor" "$s")" in
                    running) outcome=in-stage; landed=$((landed + 1)) ;;
                    done) outcome=after ;;
                    *) outcome="after($(last_status "$tor" "$s"))" ;;
                esac
            else
                outcome=startup
            fi
        elif [ "$rc" -eq 0 ]; then
            outcome=finished
        else
            outcome="exit-$rc"
            bad=1
            say "  $s trial $i: the command failed by itself (exit $rc): see $scratch/tortured-$s.log"
        fi
        check=$( [ -f "$tor/thinkedit.sqlite" ] && integrity "$tor" || echo "no-db")
        [ "$check" = ok ] || [ "$check" = no-db ] || bad=1
        printf '%s\t%d\t%d\t%s\t%s\n' "$s" "$i" "$delay" "$outcome" "$check" >>"$trials"
        case "$s" in
            generate|score) [ "$outcome" = finished ] && break ;;
            *)  # A curation stage or export that got done before its kill is made to run again
                # (its record set to `interrupted`, the data left as it is), so that the next kill
                # lands in a recompute over a complete previous result.
                if [ "$(last_status "$tor" "$s")" = done ]; then
                    sqlite3 "$tor/thinkedit.sqlite" "UPDATE stage_run SET status = 'interrupted' WHERE id = (SELECT max(id) FROM stage_run WHERE stage = '$s');"
                fi ;;
        esac
    done
    "$THINKEDIT" "$s" "$config" --workdir "$tor" >>"$scratch/tortured-$s.log" 2>&1 || { bad=1; say "  $s: the final resume failed: see $scratch/tortured-$s.log"; }
done
mkdir -p "$scratch/tortured-trajectories"
"$THINKEDIT" trajectories export "$config" --workdir "$tor" "$scratch/tortured-trajectories/trajectories.jsonl" >/dev/null

# --- 3. compare ---------------------------------------------------------------------------------
echo
printf '%-9s %-6s %-6s %-8s %-8s %-9s %-9s %s\n' stage trials killed in-stage startup after/fin integrity delays_ms
for s in "${stages[@]}"; do
    awk -F'\t' -v s="$s" '
        $1 == s { n++; d = d (d == "" ? "" : ",") $3
                  if ($4 == "in-stage") a++; else if ($4 == "startup") b++; else c++
                  if ($4 != "finished" && $4 !~ /^exit/) k++
                  if ($5 != "ok") bad++ }
        END { printf "%-9s %-6d %-6d %-8d %-8d %-9d %-9s %s\n", s, n, k, a, b, c, (bad ? "FAIL" : "ok"), d }' "$trials"
done
echo

listing() { (cd "$1/export" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
listing "$ref" >"$scratch/reference-export.sha256"
listing "$tor" >"$scratch/tortured-export.sha256"
files=$(wc -l <"$scratch/reference-export.sha256")
if diff -u "$scratch/reference-export.sha256" "$scratch/tortured-export.sha256" >"$scratch/export.diff"; then
    say "export/: all $files files byte-identical to the reference"
else
    bad=1
    say "export/ differs from the reference ($scratch/export.diff):"
    head -20 "$scratch/export.diff"
fi
if diff -r -q "$scratch/reference-trajectories" "$scratch/tortured-trajectories" >/dev/null; then
    say "trajectories export: identical ($(wc -l <"$scratch/reference-trajectories/trajectories.jsonl") trajectories and their images)"
else
    bad=1
    say "trajectories export differs: diff -r $scratch/reference-trajectories $scratch/tortured-trajectories"
fi
leftovers=$(find "$tor/export" -maxdepth 1 -name '.export-tmp-*' | wc -l)
[ "$leftovers" -eq 0 ] || { bad=1; say "$leftovers temporary export folders left in $tor/export"; }
final=$(integrity "$tor")
say "final PRAGMA integrity_check: $final"
[ "$final" = ok ] || bad=1
total=$(awk -F'\t' 'NR > 1 && $4 != "finished" && $4 !~ /^exit/' "$trials" | wc -l)
say "$total kills in all; trials in $trials"

if [ "$bad" -ne 0 ]; then
    say "FAILED (seed $seed; the work directories are kept in $scratch)"
    exit 1
fi
say "PASSED"
if [ "$keep" -eq 0 ] && [ -z "${SCRATCH:-}" ]; then rm -rf "$scratch"; else say "kept $scratch"; fi
