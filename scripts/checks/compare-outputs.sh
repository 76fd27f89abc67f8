#!/usr/bin/env bash
# Proves a refactor changed no output: runs two thinkedit binaries on the same inputs and compares
# what they wrote, byte for byte. Usage: scripts/checks/compare-outputs.sh OLD_BINARY NEW_BINARY [DIR]
#   - the demo (pipeline-configs/demo.yaml): its whole export folder;
#   - a 2,000-item synthetic run: `trajectories export`;
#   - a 1/20-scale paper config (pipeline-configs/synthetic-140k.yaml with the pool and targets
#     divided by 20): the export manifests.
# Prints one line per comparison and exits non-zero if any differs.
set -euo pipefail
old=$(realpath "$1"); new=$(realpath "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${3:-$(mktemp -d /tmp/thinkedit-compare.XXXXXX)}
mkdir -p "$dir"

config_copy() {  # config_copy SRC DEST_DIR: the config with its workdir inside DEST_DIR
  mkdir -p "$2"
  sed -E 's|^workdir: .*|workdir: work|' "$1" > "$2/c.yaml"
}

status=0
# Both sides run in the same folder ($dir/run, then moved aside), so the absolute image paths the
# exports write are the same text on both sides.
for side in old new; do
  bin=${!side}
  d="$dir/run"
  rm -rf "$d" "$dir/$side"
  config_copy "$root/pipeline-configs/demo.yaml" "$d/demo"
  "$bin" run "$d/demo/c.yaml" > "$d/demo.log"
  mkdir -p "$d/synth2000"
  cat > "$d/synth2000/c.yaml" <<YAML
workdir: work
seed: 11
pool: {synth: {count: 2000, seed: 5, image_size: 64}}
generation: {max_turns: 5}
backends:
  thinker: {kind: synthetic, concurrency: 8}
  scorer: {kind: synthetic, concurrency: 8}
  editor: {kind: synthetic, concurrency: 8}
YAML
  "$bin" run "$d/synth2000/c.yaml" > "$d/synth2000.log"
  "$bin" trajectories export "$d/synth2000/c.yaml" "$d/synth2000/trajectories.jsonl" > /dev/null
  config_copy "$root/pipeline-configs/synthetic-140k.yaml" "$d/paper20"
  sed -i -E 's/count: 170000/count: 8500/; s/trajectories: 10000/trajectories: 500/; s/samples: 140000/samples: 7000/' "$d/paper20/c.yaml"
  "$bin" run "$d/paper20/c.yaml" > "$d/paper20.log"
  mv "$d" "$dir/$side"
done

compare() {  # compare LABEL OLD_PATH NEW_PATH
  if diff -r -q "$2" "$3" > "$dir/diff-$1.txt"; then
    echo "$1: identical ($(find "$2" -type f | wc -l) files, $(du -sb "$2" | cut -f1) bytes)"
  else
    echo "$1: DIFFERENT (see $dir/diff-$1.txt)"; status=1
  fi
}
compare demo-export "$dir/old/demo/work/export" "$dir/new/demo/work/export"
compare trajectories-2000 "$dir/old/synth2000/trajectories.jsonl" "$dir/new/synth2000/trajectories.jsonl"
mkdir -p "$dir/old/paper20/manifests" "$dir/new/paper20/manifests"
for side in old new; do
  (cd "$dir/$side/paper20/work/export" && find . -name '*manifest*' -exec cp --parents {} "$dir/$side/paper20/manifests/" \;)
done
compare paper20-manifests "$dir/old/paper20/manifests" "$dir/new/paper20/manifests"
exit $status
