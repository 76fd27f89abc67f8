#!/bin/sh
# Renders a thinkedit report to PNG with headless Chromium (Debian: apt-get install -y chromium):
# the overview page and one trajectory page (the first RL trajectory, else the first kept one, else
# the first of all; or the page given as the third argument, relative to the report folder).
#
#   scripts/report-screenshot.sh REPORT_DIR OUT_DIR [t/<id>.html]
#
# writes OUT_DIR/report-overview.png and OUT_DIR/report-trajectory.png. The report is static and
# refers to nothing outside its folder, so Chromium runs with networking features switched off.
set -eu
if [ $# -lt 2 ]; then
    echo "usage: $0 REPORT_DIR OUT_DIR [t/<id>.html]" >&2
    exit 2
fi
report=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
[ -f "$report/index.html" ] || { echo "$report/index.html: not a thinkedit report; run 'thinkedit report CONFIG' first" >&2; exit 1; }

browser=""
for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
done
[ -n "$browser" ] || { echo "no Chromium found: apt-get install -y chromium" >&2; exit 1; }

page=${3:-}
if [ -z "$page" ]; then
    for list in split-rl kept all; do
        # The first trajectory link of the list's first page, "../t/<id>.html" -> "t/<id>.html".
        page=$(grep -o 'class="tid" href="\.\./t/[^"]*"' "$report/lists/$list-1.html" 2>/dev/null | head -n 1 | sed 's/.*href="\.\.\///; s/"$//' || true)
        [ -n "$page" ] && break
    done
fi

# $1 page, $2 PNG, $3 window height
shoot() {
    profile=$(mktemp -d)
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync --disable-extensions \
        --user-data-dir="$profile" --window-size="1400,$3" --screenshot="$2" "file://$report/$1" >/dev/null 2>&1
    rm -rf "$profile"
    [ -s "$2" ] || { echo "Chromium wrote no screenshot for $1" >&2; exit 1; }
    echo "$2"
}
shoot index.html "$out/report-overview.png" 2600
if [ -n "$page" ]; then
    shoot "$page" "$out/report-trajectory.png" 1300
else
    echo "the report lists no trajectory: no trajectory screenshot" >&2
fi
