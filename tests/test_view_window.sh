#!/bin/sh
# test_view_window.sh VADSIM_VIEW SOURCE_ROOT - opens a real vadsim-view window under Xvfb, presses
# keys, and checks the state the window reports after each: forward, back (exact replay), the ends,
# another process, the help overlay, zoom and fit, and quitting.
set -eu
view=$1
root=$2
command -v xvfb-run >/dev/null 2>&1 || { echo "xvfb-run missing: skipped"; exit 77; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
xvfb-run -a -s "-screen 0 1600x1000x24" \
    "$view" --size 1280x800 --keys "Right Right Left End Home End Tab h h = f q" \
    "$root/scenarios/19-copy-on-write.vsim" >"$out"
expected='state: step 1 of 6, process owner, region 1, zoom 1.00, help off
state: step 2 of 6, process copier, region 1, zoom 1.00, help off
state: step 1 of 6, process owner, region 1, zoom 1.00, help off
state: step 6 of 6, process copier, region -1, zoom 1.00, help off
state: step 0 of 6, process -, region -1, zoom 1.00, help off
state: step 6 of 6, process copier, region -1, zoom 1.00, help off
state: step 6 of 6, process owner, region 1, zoom 1.00, help off
state: step 6 of 6, process owner, region 1, zoom 1.00, help on
state: step 6 of 6, process owner, region 1, zoom 1.00, help off
state: step 6 of 6, process owner, region 1, zoom 2.00, help off
state: step 6 of 6, process owner, region 1, zoom 1.00, help off
state: step 6 of 6, process owner, region 1, zoom 1.00, help off'
if [ "$(cat "$out")" != "$expected" ]; then
    echo "the window reported:"
    cat "$out"
    echo "expected:"
    echo "$expected"
    exit 1
fi
echo "window: 12 key presses, every state as expected"
