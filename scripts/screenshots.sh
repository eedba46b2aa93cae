#!/bin/sh
# screenshots.sh [BUILDDIR] - renders the pictures docs/visualiser.md shows, headless, from lessons:
# PNGs at 1280x720 (a projector's size: what a class sees), a printable SVG, and, where Chromium is
# installed, a lesson page as a browser shows it.
set -eu
cd "$(dirname "$0")/.."
view=${1:-build}/gui/vadsim-view
[ -x "$view" ] || { echo "screenshots.sh: build first ($view missing)" >&2; exit 1; }
out=docs/images
size=1280x720
"$view" scenarios/19-copy-on-write.vsim --step 0 --size $size --png $out/title-card.png
"$view" scenarios/19-copy-on-write.vsim --step 4 --size $size --png $out/copy-on-write.png
"$view" scenarios/17-ring-buffer.vsim --step 4 --size $size --png $out/ring-buffer.png
"$view" scenarios/18-placeholder-life-cycle.vsim --step 3 --size $size \
    --png $out/placeholder-split.png
"$view" scenarios/09-life-of-a-page.vsim --step 3 --size $size --png $out/life-of-a-page.png
"$view" scenarios/08-trim-soft-hard.vsim --step 5 --size $size --png $out/paging.png
"$view" scenarios/19-copy-on-write.vsim --step 4 --size $size --tables --png $out/vmmap-tables.png
"$view" scenarios/24-linux-fork-copy-on-write.vsim --step 3 --size $size --png $out/linux-fork.png
"$view" scenarios/25-what-is-in-a-process.vsim --step 1 --size $size --png $out/process-image.png
"$view" scenarios/16-adjacent-views.vsim --step 4 --size 1600x1000 --svg $out/adjacent-views.svg
if command -v chromium >/dev/null 2>&1; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    "$view" scenarios/17-ring-buffer.vsim --html "$work/page.html"
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$work/profile" --window-size=1280,1250 \
        --screenshot="$PWD/$out/lesson-page.png" "file://$work/page.html#step-4" 2>/dev/null
else
    echo "screenshots.sh: chromium missing: $out/lesson-page.png kept as it was" >&2
fi
echo "screenshots.sh: docs/images updated"
