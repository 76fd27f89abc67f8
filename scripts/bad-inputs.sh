#!/bin/bash
# Bad-input sweep (issue 10): every case feeds thinkedit something broken and checks that it ends
# with a clear message and loses nothing.
#
#   scripts/bad-inputs.sh [--keep]
#
# A case passes when the command
#   - exits non-zero by itself (no signal, no trap, no hang: each command gets 120 s),
#   - prints no crash report (`Fatal error`, a stack dump),
#   - prints a message that names the file (and the line, where there is one) and what is wrong —
#     the script greps for these,
#   - leaves the run database intact (`PRAGMA integrity_check` = ok) where one exists, and
#   - when aimed at a finished good run, leaves its `status --json` counts unchanged.
# The full-disk cases (a small tmpfs as the work directory, during generate and during export)
# then give the space back, rerun, and require the result to equal a normal run's byte for byte.
# The read-only cases use a read-only bind mount (`chmod` does not stop root): the writing commands
# must be refused, and `status` must still read the run. Both need root for `mount`; without root
# they are reported as skipped.
#
# Environment: THINKEDIT (a thinkedit binary; default: build release), SCRATCH (default: a fresh
# folder under /tmp, removed at the end unless --keep or a failure).
# Prints a table (case, exit code, first line of the message, integrity, verdict); exits 1 when a
# case misbehaves.
set -uo pipefail

here=$(dirname "$(realpath "$0")")
repo=$(realpath "$here/..")
keep=0
[ "${1:-}" = --keep ] && keep=1
say() { echo "[bad-inputs] $*"; }
die() { echo "[bad-inputs] FAILED: $*" >&2; exit 1; }
command -v sqlite3 >/dev/null || die "sqlite3 is missing: apt-get install -y sqlite3"
command -v jq >/dev/null || die "jq is missing: apt-get install -y jq"

if [ -z "${THINKEDIT:-}" ]; then
    say "building the release binary"
    (cd "$repo" && swift build -c release --product thinkedit >/dev/null) || die "swift build -c release failed"
    THINKEDIT="$repo/.build/release/thinkedit"
fi
T=$(realpath "$THINKEDIT") || die "THINKEDIT=$THINKEDIT: no such file"
S=$(realpath -m "${SCRATCH:-$(mktemp -d /tmp/thinkedit-bad-inputs-XXXXXX)}")
mkdir -p "$S"
cd "$S" || die "cannot enter $S"

mounts=()
cleanup() {
    local m
    for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
}
trap cleanup EXIT

# --- fixtures -----------------------------------------------------------------------------------
"$T" pool synth --count 8 --seed 3 --out pool >/dev/null || die "pool synth failed"
"$T" pool synth --count 60 --seed 5 --out pool60 >/dev/null || die "pool synth failed"
backends='backends:
  thinker: {kind: synthetic, concurrency: 2}
  scorer: {kind: synthetic, concurrency: 2}
  editor: {kind: synthetic, concurrency: 2}'
cat >c.yaml <<EOF
workdir: good
seed: 7
pool: {path: pool/pool.jsonl}
generation: {max_turns: 3}
rl: {min_variance: 1.0, trajectories: 2}
sft: {samples: 100, min_quality: 7.0}
$backends
EOF
# The disk cases: 60 items, and an export that resizes (so that it writes real files).
cat >disk.yaml <<EOF
workdir: unused
seed: 7
pool: {path: pool60/pool.jsonl}
generation: {max_turns: 3}
rl: {min_variance: 1.0, trajectories: 4}
sft: {samples: 100, min_quality: 7.0}
export: {max_pixels: 20000}
$backends
EOF
"$T" run c.yaml >/dev/null || die "the good run failed"
counts() { "$T" status c.yaml --workdir "$1" --json | jq -c 'del(.stages, .workdir)'; }
baseline=$(counts good)
mkdir -p traj && "$T" trajectories export c.yaml traj/ok.jsonl >/dev/null || die "trajectories export failed"

# Variants of the pool and of the trajectory file.
variant() { rm -rf "$1"; cp -r pool "$1"; }
variant p-json;    sed -i '3s/.*/{"id": "broken", "image": /' p-json/pool.jsonl
variant p-field;   sed -i '2s/,"task":"[a-z_-]*"//' p-field/pool.jsonl
variant p-task;    sed -i '4s/"task":"[a-z_-]*"/"task":"levitate"/' p-task/pool.jsonl
variant p-image;   rm p-image/images/s-000005.*
variant p-dup;     sed -n 1p p-dup/pool.jsonl >>p-dup/pool.jsonl
variant i-png;     python3 -c '
import sys; p = "i-png/images/s-000001.png"; b = bytearray(open(p, "rb").read())
for i in range(100, 200): b[i] ^= 0x5a
open(p, "wb").write(b)'
variant i-jpeg;    jpeg=$(ls i-jpeg/images/*.jpg | head -1); head -c $(( $(stat -c %s "$jpeg") / 2 )) "$jpeg" >t && mv t "$jpeg"
variant i-zero;    : >i-zero/images/s-000001.png
variant i-huge;    python3 -c '
import struct, zlib
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 10000, 10000, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")
open("i-huge/images/s-000001.png", "wb").write(png)'
jpeg_name=$(basename "$jpeg")
sed '3s/.*/{"id": "x", "steps": [/' traj/ok.jsonl >traj/json.jsonl
python3 - <<'EOF'
import json
rows = [json.loads(l) for l in open("traj/ok.jsonl")]
def variant(name, change):
    r = json.loads(json.dumps(rows))
    change(r)
    open("traj/" + name, "w").write("".join(json.dumps(x) + "\n" for x in r))
variant("end.jsonl", lambda r: r[1].update(end_reason="gave_up"))
variant("score.jsonl", lambda r: r[2]["steps"][0].update(score={"semantic": 14, "quality": 3}))
variant("turn.jsonl", lambda r: r[2]["steps"][1].update(turn=5))
variant("image.jsonl", lambda r: r[3]["steps"][0].update(image="images/nope.png"))
variant("steps.jsonl", lambda r: r[4].pop("steps"))
EOF
sed 's/^seed: 7/seed: [7/' c.yaml >cfg-syntax.yaml
sed 's/^seed: 7/seed: 7\nseeed: 8/' c.yaml >cfg-key.yaml
sed 's/max_turns: 3/max_turns: three/' c.yaml >cfg-type.yaml
sed 's/min_variance: 1.0/min_variance: -1/' c.yaml >cfg-range.yaml
head -c 2000 /dev/urandom >cfg-binary.yaml

# --- the cases ----------------------------------------------------------------------------------
table="$S/table.tsv"
printf 'case\texit\tmessage\tintegrity\tverdict\n' >"$table"
bad=0

# PRAGMA integrity_check of a run; on a read-only mount (where no -shm can be made) the file is
# read as immutable, which is right there because nothing can write it.
integrity() {
    local db="$1/thinkedit.sqlite"
    if [ -w "$1" ]; then sqlite3 -readonly "$db" 'PRAGMA integrity_check;' 2>&1
    else sqlite3 "file:$db?immutable=1" 'PRAGMA integrity_check;' 2>&1; fi | tr '\n' ' ' | sed 's/ $//'
}

# check NAME WORKDIR PATTERN -- COMMAND...: runs the command, then judges it (see the header).
# WORKDIR "good" also requires the good run's counts to be unchanged; "-" means no database.
check() {
    local name=$1 workdir=$2 pattern=$3; shift 4
    local out rc integ verdict=ok first
    out=$(timeout 120 "$@" 2>&1); rc=$?
    # The line that carries the matched place (an import lists its problems under a summary).
    first=$(printf '%s\n' "$out" | grep -m1 -E "$pattern" || printf '%s\n' "$out" | head -1)
    first=$(sed 's/^Error: //; s/^ *//' <<<"$first" | cut -c1-150)
    if [ "$rc" -eq 0 ]; then verdict="exit 0"
    elif [ "$rc" -eq 124 ]; then verdict="hang"
    elif [ "$rc" -ge 128 ]; then verdict="signal $((rc - 128))"
    elif grep -q 'Fatal error\|Stack dump\|Trace/breakpoint\|Segmentation' <<<"$out"; then verdict="crash report"
    elif ! grep -Eq "$pattern" <<<"$out"; then verdict="message lacks /$pattern/"
    fi
    integ=-
    if [ "$workdir" != - ] && [ -f "$workdir/thinkedit.sqlite" ]; then
        integ=$(integrity "$workdir")
        [ "$integ" = ok ] || verdict="integrity: $integ"
    fi
    if [ "$workdir" = good ] && [ "$(counts good)" != "$baseline" ]; then verdict="the good run changed"; fi
    [ "$verdict" = ok ] || bad=1
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$rc" "$first" "$integ" "$verdict" >>"$table"
    printf '%s\n' "$out" >"$S/$name.out"
}

# Pool files, into a fresh run each (the database the import opens must stay intact and empty).
check pool-broken-json   w-json  'p-json/pool.jsonl:3: .*not valid JSON'      -- "$T" pool import c.yaml p-json/pool.jsonl --workdir w-json
check pool-missing-field w-field 'p-field/pool.jsonl:2: field "task" is missing' -- "$T" pool import c.yaml p-field/pool.jsonl --workdir w-field
check pool-unknown-task  w-task  'p-task/pool.jsonl:4: task "levitate" is not in the taxonomy' -- "$T" pool import c.yaml p-task/pool.jsonl --workdir w-task
check pool-missing-image w-image 'p-image/pool.jsonl:5: .*s-000005.*no such file' -- "$T" pool import c.yaml p-image/pool.jsonl --workdir w-image
check pool-duplicate-id  w-dup   'p-dup/pool.jsonl:9: id "syn-000001" already appears on line 1' -- "$T" pool import c.yaml p-dup/pool.jsonl --workdir w-dup
check pool-into-good-run good    'p-dup/pool.jsonl:9: id "syn-000001"'      -- "$T" pool import c.yaml p-dup/pool.jsonl
# Images named by a pool.
check image-corrupt-png    w-png  'i-png/pool.jsonl:1: .*s-000001.png: corrupt PNG' -- "$T" pool import c.yaml i-png/pool.jsonl --workdir w-png
check image-truncated-jpeg w-jpeg "i-jpeg/pool.jsonl:[0-9]+: .*$jpeg_name: the image is truncated" -- "$T" pool import c.yaml i-jpeg/pool.jsonl --workdir w-jpeg
check image-zero-bytes     w-zero 'i-zero/pool.jsonl:1: .*s-000001.png: the file is empty' -- "$T" pool import c.yaml i-zero/pool.jsonl --workdir w-zero
check image-over-64MP      w-huge 'i-huge/pool.jsonl:1: .*10000×10000 .* exceeds the limit of 64000000' -- "$T" pool import c.yaml i-huge/pool.jsonl --workdir w-huge
# Trajectory files, into the good run (nothing of it may change).
check traj-broken-json  good 'traj/json.jsonl:3: .*not valid JSON'             -- "$T" trajectories import c.yaml traj/json.jsonl
check traj-end-reason   good 'traj/end.jsonl:2: field "end_reason" is "gave_up"' -- "$T" trajectories import c.yaml traj/end.jsonl
check traj-score-range  good 'traj/score.jsonl:3: steps\[0\].score.semantic is 14' -- "$T" trajectories import c.yaml traj/score.jsonl
check traj-turn-gap     good 'traj/turn.jsonl:3: steps\[1\] has turn 5'        -- "$T" trajectories import c.yaml traj/turn.jsonl
check traj-missing-image good 'traj/image.jsonl:4: .*nope.png: no such file'   -- "$T" trajectories import c.yaml traj/image.jsonl
check traj-no-steps     good 'traj/steps.jsonl:5: field "steps" is missing'    -- "$T" trajectories import c.yaml traj/steps.jsonl
# Configs, aimed at the good run.
check config-yaml-syntax good 'cfg-syntax.yaml:3: is not valid YAML'           -- "$T" run cfg-syntax.yaml --workdir good
check config-unknown-key good 'cfg-key.yaml:3: seeed: unknown key'             -- "$T" run cfg-key.yaml --workdir good
check config-wrong-type  good 'cfg-type.yaml:4: generation.max_turns: expected a whole number' -- "$T" run cfg-type.yaml --workdir good
check config-out-of-range good 'cfg-range.yaml:5: rl.min_variance: must be between' -- "$T" run cfg-range.yaml --workdir good
check config-missing-file good 'nope.yaml: cannot read the config file \(no such file\)' -- "$T" run nope.yaml --workdir good
check config-not-text    good 'cfg-binary.yaml: .*not UTF-8 text'              -- "$T" run cfg-binary.yaml --workdir good

# --- full disk and read-only work directory (root: mount) -----------------------------------------
# Runs a command that must succeed; records a failed row when it does not.
must() {
    local name=$1; shift
    local out rc
    out=$(timeout 300 "$@" 2>&1); rc=$?
    if [ "$rc" -ne 0 ]; then
        bad=1
        printf '%s\t%s\t%s\t-\t%s\n' "$name" "$rc" "$(printf '%s\n' "$out" | tail -1 | cut -c1-160)" "the rerun failed" >>"$table"
        return 1
    fi
}
# Compares two work directories' results: the export folders and the trajectory exports.
same_result() {
    local a=$1 b=$2 name=$3 verdict=ok
    mkdir -p "$S/cmp-$name/a" "$S/cmp-$name/b"
    "$T" trajectories export disk.yaml --workdir "$a" "$S/cmp-$name/a/t.jsonl" >/dev/null
    "$T" trajectories export disk.yaml --workdir "$b" "$S/cmp-$name/b/t.jsonl" >/dev/null
    diff -r -q "$S/cmp-$name/a" "$S/cmp-$name/b" >/dev/null || verdict="trajectories differ from a normal run"
    diff -r -q "$a/export" "$b/export" >/dev/null || verdict="export/ differs from a normal run"
    [ "$verdict" = ok ] || bad=1
    printf '%s\t-\t%s\t%s\t%s\n' "$name" "rerun after freeing space equals a normal run: export/ and trajectories byte for byte" \
        "$(integrity "$b")" "$verdict" >>"$table"
}

if [ "$(id -u)" = 0 ] && mkdir -p full && mount -t tmpfs -o size=700k tmpfs full 2>/dev/null; then
    mounts+=("$S/full")
    "$T" run disk.yaml --workdir normal >/dev/null || die "the normal run of disk.yaml failed"
    # During generate: the pool fits, the edits do not.
    "$T" pool import disk.yaml pool60/pool.jsonl --workdir full/run >/dev/null || die "pool import on the 700k tmpfs failed"
    check disk-full-generate full/run "full/run/images/.*the disk is full|full/run/thinkedit.sqlite.*the disk is full" -- "$T" generate disk.yaml --workdir full/run
    mount -o remount,size=16m full
    must disk-full-generate-rerun "$T" run disk.yaml --workdir full/run && same_result normal full/run disk-full-generate-rerun
    # During export: a finished run without its export, on a disk with ~200 KiB free.
    umount full && mount -t tmpfs -o size=16m tmpfs full
    cp -a normal full/run && rm -rf full/run/export
    used=$(du -sk full | cut -f1)
    mount -o remount,size=$(( used + 200 ))k full
    check disk-full-export full/run 'full/run/export/.*(No space left on device|the disk is full)' -- "$T" export disk.yaml --workdir full/run
    mount -o remount,size=16m full
    must disk-full-export-rerun "$T" export disk.yaml --workdir full/run && same_result normal full/run disk-full-export-rerun
    leftovers=$(find full/run/export -maxdepth 1 -name '.export-tmp-*' | wc -l)
    [ "$leftovers" -eq 0 ] || { bad=1; printf 'disk-full-export-leftovers\t-\t%s temporary folders left\t-\tleftovers\n' "$leftovers" >>"$table"; }
    umount full; mounts=()

    # Read-only: a copy of the good run behind a read-only bind mount.
    # The run at rest, as a finished run copied to read-only media is: no -wal, no -shm.
    cp -a good ro-source && sqlite3 ro-source/thinkedit.sqlite 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
    rm -f ro-source/thinkedit.sqlite-wal ro-source/thinkedit.sqlite-shm
    mkdir -p ro && mount --bind ro-source ro && mount -o remount,bind,ro ro
    mounts+=("$S/ro")
    check readonly-run    ro 'ro/thinkedit.lock: cannot write \(Read-only file system\)' -- "$T" run c.yaml --workdir ro
    check readonly-export ro 'ro/thinkedit.lock: cannot write \(Read-only file system\)' -- "$T" export c.yaml --workdir ro
    check readonly-trajectories-import ro 'ro/thinkedit.lock: cannot write \(Read-only file system\)' -- "$T" trajectories import c.yaml traj/ok.jsonl --workdir ro
    # status only reads: it must work on a read-only run and show the same counts.
    if out=$(timeout 120 "$T" status c.yaml --workdir ro --json 2>&1) && [ "$(jq -c 'del(.stages, .workdir)' <<<"$out")" = "$baseline" ]; then
        printf 'readonly-status	0	status reads the read-only run: same counts as before	ok	ok
' >>"$table"
    else
        bad=1
        printf 'readonly-status	-	%s	-	status cannot read a read-only run
' "$(printf '%s\n' "$out" | head -1 | cut -c1-160)" >>"$table"
    fi
    umount ro; mounts=()
    [ "$(counts ro-source)" = "$baseline" ] || { bad=1; printf 'readonly-unchanged\t-\tthe run behind the read-only mount changed\t-\tchanged\n' >>"$table"; }
else
    printf 'disk-and-readonly\t-\tskipped: needs root and tmpfs/bind mounts\t-\tskipped\n' >>"$table"
fi

# --- report -------------------------------------------------------------------------------------
echo
column -t -s $'\t' "$table"
echo
if [ "$bad" -ne 0 ]; then
    say "FAILED: see the verdict column; outputs in $S/<case>.out"
    exit 1
fi
say "PASSED: $(($(wc -l <"$table") - 1)) cases"
if [ "$keep" -eq 0 ] && [ -z "${SCRATCH:-}" ]; then cd / && rm -rf "$S"; else say "kept $S"; fi
