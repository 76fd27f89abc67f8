#!/bin/bash
# Submits a sharded run to Slurm: an array of N generation tasks (generate.sbatch), then the merge
# (merge.sbatch), which starts only when every task has succeeded (afterok).
#
#   scripts/slurm/submit.sh CONFIG N [SHARD_ROOT]
#
# SHARD_ROOT defaults to shards/ beside the config. Optional environment: THINKEDIT (the binary),
# POOL (a pool JSONL each shard imports), WORKDIR (the merged run; default the config's workdir),
# SBATCH_ARGS (extra sbatch options for both jobs, e.g. "--partition=cpu --time=2-00:00:00").
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 CONFIG SHARDS [SHARD_ROOT]" >&2
    exit 2
fi
CONFIG=$(realpath "$1")
SHARDS=$2
case "$SHARDS" in ''|*[!0-9]*|0) echo "$0: SHARDS must be a positive number, got '$SHARDS'" >&2; exit 2 ;; esac
SHARD_ROOT=$(realpath -m "${3:-$(dirname "$CONFIG")/shards}")
here=$(dirname "$(realpath "$0")")
mkdir -p "$SHARD_ROOT"
export CONFIG SHARDS SHARD_ROOT
THINKEDIT=${THINKEDIT:-$(command -v thinkedit || true)}
[ -n "$THINKEDIT" ] || { echo "$0: no thinkedit on PATH; set THINKEDIT to the binary (swift build -c release)" >&2; exit 2; }
# The jobs run in SHARD_ROOT: a relative path to the binary would not resolve there.
case "$THINKEDIT" in */*) THINKEDIT=$(realpath "$THINKEDIT") ;; esac
export THINKEDIT
[ -n "${POOL:-}" ] && export POOL=$(realpath "$POOL")
[ -n "${WORKDIR:-}" ] && export WORKDIR=$(realpath -m "$WORKDIR")
read -r -a extra <<< "${SBATCH_ARGS:-}"

generate=$(sbatch --parsable --export=ALL --chdir="$SHARD_ROOT" --array="0-$((SHARDS - 1))" "${extra[@]}" "$here/generate.sbatch")
generate=${generate%%;*}
merge=$(sbatch --parsable --export=ALL --chdir="$SHARD_ROOT" --dependency="afterok:$generate" "${extra[@]}" "$here/merge.sbatch")
merge=${merge%%;*}
echo "generate: job $generate ($SHARDS array tasks, shards in $SHARD_ROOT)"
echo "merge:    job $merge (runs when every generate task succeeded)"
echo "$generate $merge"
