#!/bin/sh
# Builds thinkedit in release mode and runs the imaging benchmark: thinkedit and Pillow doing the
# same decode -> resize -> encode work on the same generated corpus, printed as one table.
# Needs Pillow (pip install pillow). Extra arguments go to `thinkedit bench images`.
set -eu
cd "$(dirname "$0")/../.."
swift build -c release --product thinkedit
exec "$(swift build -c release --show-bin-path)/thinkedit" bench images "$@"
