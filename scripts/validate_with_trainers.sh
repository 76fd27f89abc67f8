#!/usr/bin/env bash
# Loads a thinkedit export through the trainers' own dataset code, as far as it goes without a
# model download: LLaMA-Factory (get_dataset through tokenization and the multimodal collator),
# ms-swift (load_dataset, then every image the rows name), verl (train/to_parquet.py, then
# RLHFDataset with its overlong-prompt filter, every item), and the EditThinker repository's EasyR1
# loader (RLHFDataset with the kit's format_prompt, image_dir and answer_key, every item). Each runs
# in its own virtual environment, from a working directory that is not the export, with a tiny
# Qwen2-VL processor built from transformers' classes. Prints records loaded / failed and the wall
# time per trainer and split; exits 1 when any record failed or a trainer could not run.
#
# Usage: scripts/validate_with_trainers.sh EXPORT_ROOT
# Environment:
#   THINKEDIT_TRAINER_VENVS  where the virtual environments live (default ~/.cache/thinkedit-trainers)
#   EDITTHINKER_REPO         a checkout of github.com/appletea233/EditThinker (default: cloned there)
#   TRAINERS                 which to run (default "llamafactory swift verl easyr1")
# Not part of CI: it installs the trainers from PyPI (several GB with torch).
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: $0 EXPORT_ROOT" >&2; exit 2; }
export_root=$(cd "$1" && pwd) || { echo "no export at $1: run thinkedit export first" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
loaders="$here/checks/trainer_loaders.py"
venvs=${THINKEDIT_TRAINER_VENVS:-$HOME/.cache/thinkedit-trainers}
trainers=${TRAINERS:-llamafactory swift verl easyr1}
mkdir -p "$venvs"

# The trainer versions checked (docs/formats.md); each in its own environment, since their
# pinned dependencies disagree. EditThinker's EasyR1 loader is plain code over torch,
# transformers and datasets: it runs in the LLaMA-Factory environment, with qwen-vl-utils added.
declare -A packages=(
  [llamafactory]="llamafactory==0.9.5 qwen-vl-utils codetiming"
  [swift]="ms-swift==4.6.0"
  [verl]="verl==0.9.1 pyarrow pillow torchvision qwen-vl-utils"
)
declare -A environment=([llamafactory]=llamafactory [swift]=swift [verl]=verl [easyr1]=llamafactory)

venv() {  # venv TRAINER: the python of its environment, made and filled on first use
  local name=${environment[$1]}
  local dir="$venvs/$name"
  if [ ! -x "$dir/bin/python" ] || [ ! -f "$dir/.installed" ]; then
    echo "installing ${packages[$name]} into $dir" >&2
    python3 -m venv "$dir" && "$dir/bin/pip" install --quiet --upgrade pip >&2 \
      && "$dir/bin/pip" install --quiet ${packages[$name]} pyyaml >&2 && touch "$dir/.installed" \
      || { echo "could not install ${packages[$name]}" >&2; return 1; }
  fi
  echo "$dir/bin/python"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
processor="$work/tiny-qwen2-vl"
status=0
# The processor is made once, in the LLaMA-Factory environment (whose transformers builds it
# without torchvision); the others only load it.
maker=$(venv llamafactory) && "$maker" "$loaders" make-processor "$processor" > /dev/null \
  || { echo "could not make the tiny processor" >&2; exit 1; }
for trainer in $trainers; do
  python=$(venv "$trainer") || { status=1; continue; }
  extra=()
  if [ "$trainer" = easyr1 ]; then
    repo=${EDITTHINKER_REPO:-$venvs/EditThinker}
    [ -d "$repo/train/EasyR1" ] || git clone --quiet --depth 1 https://github.com/appletea233/EditThinker "$repo" \
      || { echo "easyr1: no EditThinker checkout at $repo (set EDITTHINKER_REPO)" >&2; status=1; continue; }
    extra=("$repo")
  fi
  mkdir -p "$work/cwd-$trainer"
  start=$(date +%s)
  # From a folder that is not the export: nothing may resolve against the working directory.
  (cd "$work/cwd-$trainer" && "$python" "$loaders" "$trainer" "$export_root" "$processor" "${extra[@]}") \
    > "$work/$trainer.out" 2> "$work/$trainer.err"
  rc=$?
  grep -E "^$trainer (sft|rl): " "$work/$trainer.out"
  echo "$trainer: exit $rc, $(( $(date +%s) - start )) s in all"
  if [ $rc -ne 0 ]; then
    status=1
    tail -20 "$work/$trainer.err" | sed "s/^/  $trainer: /"
  fi
done
[ $status -eq 0 ] && echo "validate_with_trainers: every trainer loaded every record of $export_root" \
  || echo "validate_with_trainers: FAILED (see above)"
exit $status
