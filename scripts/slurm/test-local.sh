#!/bin/bash
# End-to-end check of the Slurm scale-out on this one machine: starts a one-node Slurm (Debian's
# slurm-wlm and munge, installed when missing), builds thinkedit (release), runs a 4-shard
# synthetic generation + scoring and the merge through sbatch (submit.sh), and checks that the
# merged run equals a one-process run of the same config: the `trajectories export` files byte for
# byte and the `status --json` counts. Stops the daemons it started; exits non-zero on any
# difference. Needs root (it starts munged, slurmctld and slurmd).
#
#   scripts/slurm/test-local.sh [SCRATCH_DIR]
#
# Environment: THINKEDIT (use this binary instead of building), SHARDS (default 4),
# COUNT (synthetic pool items, default 60), TIMEOUT (seconds to wait for the jobs, default 1800).
set -euo pipefail

here=$(dirname "$(realpath "$0")")
repo=$(realpath "$here/../..")
scratch=$(realpath -m "${1:-$(mktemp -d /tmp/thinkedit-slurm-XXXXXX)}")
SHARDS=${SHARDS:-4}
COUNT=${COUNT:-60}
TIMEOUT=${TIMEOUT:-1800}
mkdir -p "$scratch"
say() { echo "[test-local] $*"; }
fail() { echo "[test-local] FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root: it starts munged, slurmctld and slurmd"

# --- Slurm and munge ---------------------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge"
    DEBIAN_FRONTEND=noninteractive apt-get install -y slurm-wlm munge >/dev/null \
        || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y slurm-wlm munge >/dev/null; }
fi

started=()   # pid files of the daemons this script started
stop_daemons() {
    local f pid pids=()
    for f in "${started[@]}"; do
        if [ -s "$f" ]; then
            pid=$(cat "$f")
            kill "$pid" 2>/dev/null && pids+=("$pid")
        fi
    done
    # slurmctld saves its state before it exits: give the daemons a moment.
    for _ in $(seq 20); do
        for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && break; pid=; done
        [ -z "${pid:-}" ] && break
        sleep 0.5
    done
    say "stopped the daemons it started (${pids[*]:-none})"
}
trap stop_daemons EXIT

if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    say "starting munged"
    if [ ! -s /etc/munge/munge.key ]; then
        mkdir -p /etc/munge
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 400 /etc/munge/munge.key
    for d in /run/munge /var/lib/munge /var/log/munge; do mkdir -p "$d"; chown munge:munge "$d"; done
    su -s /bin/sh munge -c /usr/sbin/munged
    started+=(/run/munge/munged.pid)
    sleep 1
    munge -n | unmunge >/dev/null || fail "munge does not work (see /var/log/munge/munged.log)"
fi

host=$(hostname)
memory=$(awk '/MemAvailable/ { printf "%d", $2 / 1024 * 0.8 }' /proc/meminfo)
slurm_dir="$scratch/slurm"
mkdir -p "$slurm_dir/state" "$slurm_dir/spool"
export SLURM_CONF="$slurm_dir/slurm.conf"
cat > "$SLURM_CONF" <<CONF
ClusterName=thinkedit-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MinJobAge=3600
StateSaveLocation=$slurm_dir/state
SlurmdSpoolDir=$slurm_dir/spool
SlurmctldPidFile=$slurm_dir/slurmctld.pid
SlurmdPidFile=$slurm_dir/slurmd.pid
SlurmctldLogFile=$slurm_dir/slurmctld.log
SlurmdLogFile=$slurm_dir/slurmd.log
NodeName=$host CPUs=$(nproc) RealMemory=$memory State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
say "starting slurmctld and slurmd ($SLURM_CONF)"
slurmctld -f "$SLURM_CONF"
started+=("$slurm_dir/slurmctld.pid")
slurmd -f "$SLURM_CONF"
started+=("$slurm_dir/slurmd.pid")
for _ in $(seq 60); do
    state=$(sinfo -h -N -o %t 2>/dev/null | head -1 || true)
    [ "$state" = idle ] && break
    sleep 1
done
[ "$state" = idle ] || fail "the node did not become idle (state '$state'; see $slurm_dir/*.log)"
say "node $host idle"

# --- thinkedit ---------------------------------------------------------------------------------
if [ -z "${THINKEDIT:-}" ]; then
    say "building thinkedit (release)"
    (cd "$repo" && swift build -c release --product thinkedit >/dev/null)
    THINKEDIT="$repo/.build/release/thinkedit"
fi
export THINKEDIT=$(realpath "$THINKEDIT")

run="$scratch/run"
rm -rf "$run"
mkdir -p "$run"
cat > "$run/config.yaml" <<CONF
workdir: merged
seed: 7
pool: {synth: {count: $COUNT, seed: 3, image_size: 64}}
generation: {max_turns: 4}
rl: {min_variance: 0.5, trajectories: 6}
sft: {samples: 40}
backends:
  thinker: {kind: synthetic, concurrency: 4}
  scorer: {kind: synthetic, concurrency: 4}
  editor: {kind: synthetic, concurrency: 4}
CONF

say "one-process run"
"$THINKEDIT" run "$run/config.yaml" --workdir "$run/single" > "$run/single.log"

say "submitting $SHARDS shards and the merge"
ids=$("$here/submit.sh" "$run/config.yaml" "$SHARDS" "$run/shards" | tail -1)
read -r generate merge <<< "$ids"
deadline=$((SECONDS + TIMEOUT))
while squeue -h -j "$generate,$merge" 2>/dev/null | grep -q .; do
    if squeue -h -j "$merge" -o %r 2>/dev/null | grep -q DependencyNeverSatisfied; then
        scancel "$merge"
        fail "a generation task failed (see $run/shards/thinkedit-generate-${generate}_*.out)"
    fi
    [ $SECONDS -lt $deadline ] || { scancel "$generate" "$merge"; fail "the jobs took longer than $TIMEOUT s"; }
    sleep 2
done
merge_state=$(scontrol show job "$merge" | grep -o 'JobState=[A-Z]*' | cut -d= -f2)
merge_exit=$(scontrol show job "$merge" | grep -o ' ExitCode=[0-9:]*' | cut -d= -f2)
cat "$run/shards/thinkedit-merge-$merge.out"
[ "$merge_state" = COMPLETED ] && [ "$merge_exit" = 0:0 ] || fail "the merge job ended $merge_state ($merge_exit)"
for ((i = 0; i < SHARDS; i++)); do
    grep -q "generate:" "$run/shards/thinkedit-generate-${generate}_$i.out" || fail "no output from array task $i"
done

# --- compare -----------------------------------------------------------------------------------
say "comparing the merged run with the one-process run"
"$THINKEDIT" trajectories export "$run/config.yaml" "$run/export-single/t.jsonl" --workdir "$run/single" >/dev/null
"$THINKEDIT" trajectories export "$run/config.yaml" "$run/export-merged/t.jsonl" --workdir "$run/merged" >/dev/null
cmp "$run/export-single/t.jsonl" "$run/export-merged/t.jsonl" || fail "the trajectory exports differ"
diff -r "$run/export-single/images" "$run/export-merged/images" >/dev/null || fail "the exported images differ"
"$THINKEDIT" status "$run/config.yaml" --workdir "$run/single" --json > "$run/status-single.json"
"$THINKEDIT" status "$run/config.yaml" --workdir "$run/merged" --json > "$run/status-merged.json"
python3 - "$run/status-single.json" "$run/status-merged.json" <<'PY' || fail "the status counts differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
# Stage runs (times, fingerprints) and the folder differ by nature; every count must not.
for s in (a, b):
    s.pop("stages", None)
    s.pop("workdir", None)
print("status counts:", json.dumps(a, sort_keys=True))
if a != b:
    print("merged:       ", json.dumps(b, sort_keys=True))
    sys.exit(1)
PY
lines=$(wc -l < "$run/export-merged/t.jsonl")
say "PASS: $SHARDS shards merged through Slurm equal the one-process run ($lines trajectories, byte-identical export)"
