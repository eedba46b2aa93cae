#!/bin/sh
# screenshots.sh [BUILDDIR] - renders the pictures docs/visualiser.md shows, headless, from lessons.
set -eu
cd "$(dirname "$0")/.."
view=${1:-build}/gui/vadsim-view
[ -x "$view" ] || { echo "screenshots.sh: build first ($view missing)" >&2; exit 1; }
"$view" scenarios/17-ring-buffer.vsim --step 4 --size 1400x900 --png docs/images/ring-buffer.png
"$view" scenarios/19-copy-on-write.vsim --step 4 --size 1400x900 --png docs/images/copy-on-write.png
"$view" scenarios/18-placeholder-life-cycle.vsim --step 3 --size 1400x900 \
    --png docs/images/placeholder-split.png
"$view" scenarios/08-trim-soft-hard.vsim --step 5 --size 1400x900 --png docs/images/paging.png
"$view" scenarios/16-adjacent-views.vsim --step 4 --size 1400x900 --svg docs/images/adjacent-views.svg
echo "screenshots.sh: docs/images updated"
