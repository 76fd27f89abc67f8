#!/usr/bin/env bash
# The browser check of `thinkedit serve` (scripts/checks/serve-browser.py): builds thinkedit, runs
# the synthetic demo (pipeline-configs/demo.yaml, resumed when already done), serves it on a free
# port and drives Chromium through it. Needs `apt-get install chromium chromium-driver` and
# `pip install selenium`. By hand only: not part of `swift test` or CI.
#
#   scripts/checks/serve-browser.sh [CONFIG]
set -euo pipefail
cd "$(dirname "$0")/../.."
config=${1:-pipeline-configs/demo.yaml}
swift build --product thinkedit >&2
bin=$(swift build --show-bin-path)/thinkedit
"$bin" run "$config" >&2
workdir=$("$bin" status "$config" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["workdir"])')
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
"$bin" serve "$config" --port "$port" > "$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 300); do grep -q "^serving" "$log" && break; sleep 0.1; done
grep -q "^serving" "$log" || { echo "the server did not start:" >&2; cat "$log" >&2; exit 1; }
python3 scripts/checks/serve-browser.py --url "http://127.0.0.1:$port" --workdir "$workdir" --shots docs/images
