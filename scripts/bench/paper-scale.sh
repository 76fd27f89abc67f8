#!/usr/bin/env bash
# Runs a config stage by stage (the same work `thinkedit run` does), each stage a process under
# /usr/bin/time, and prints per stage: wall time, CPU time, peak resident memory; then the disk
# the work directory takes and the calls made. Default: pipeline-configs/synthetic-140k.yaml.
#
#   scripts/bench/paper-scale.sh [CONFIG] [--workdir DIR]
#   THINKEDIT=.build/release/thinkedit scripts/bench/paper-scale.sh    # skip the build
set -euo pipefail
cd "$(dirname "$0")/../.."
config=pipeline-configs/synthetic-140k.yaml
workdir_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --workdir) workdir_args=(--workdir "$2"); shift 2 ;;
    *) config=$1; shift ;;
  esac
done
if [ -z "${THINKEDIT:-}" ]; then
  swift build -c release --product thinkedit >&2
  THINKEDIT=.build/release/thinkedit
fi
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
printf '%-9s %10s %10s %12s\n' stage "wall s" "cpu s" "peak MiB"
total_wall=0
peak=0
for stage in generate score filter unroll split export; do
  /usr/bin/time -f '%e %U %S %M' -o "$log/$stage.time" "$THINKEDIT" "$stage" "$config" "${workdir_args[@]}" > "$log/$stage.out" 2>&1 || {
    echo "$stage failed:" >&2; tail -5 "$log/$stage.out" >&2; exit 1; }
  read -r wall user sys rss < "$log/$stage.time"
  cpu=$(echo "$user + $sys" | bc)
  mib=$((rss / 1024))
  printf '%-9s %10s %10s %12s\n' "$stage" "$wall" "$cpu" "$mib"
  total_wall=$(echo "$total_wall + $wall" | bc)
  [ "$mib" -gt "$peak" ] && peak=$mib
  tail -1 "$log/$stage.out" | sed 's/^/          /'
done
printf '%-9s %10s %10s %12s\n' total "$total_wall" "" "$peak"
status=$("$THINKEDIT" status "$config" "${workdir_args[@]}" --json)
workdir=$(echo "$status" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("workdir",""))')
echo "$status" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("calls", d["calls"], "| pool items", d["pool_items"], "| turns", d["scored_turns"], "| kept", d["kept"],
      "| samples", d["samples"], "| sft", d["split"].get("sft"), "| rl samples", d["split"].get("rl"))
st = d["stages"]
print("stage bodies (stage_run):", ", ".join("%s %.1f s" % (k, v["finished_at"] - v["started_at"]) for k, v in st.items() if v.get("finished_at")))
print("rl trajectories", st["split"]["counts"].get("rl_trajectories"), "| sft shortfall", st["split"]["counts"].get("sft_shortfall"),
      "| rl shortfall", st["split"]["counts"].get("rl_shortfall"))
'
if [ -n "$workdir" ] && [ -d "$workdir" ]; then
  echo "disk: $(du -sh "$workdir" | cut -f1) in $workdir"
  for d in pool images export thinkedit.sqlite; do [ -e "$workdir/$d" ] && echo "  $(du -sh "$workdir/$d" | cut -f1)  $d"; done
fi
