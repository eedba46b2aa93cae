#!/bin/sh
# test_view_window.sh VADSIM_VIEW SOURCE_ROOT - opens a real vadsim-view window under Xvfb, presses
# keys, and checks the state the window reports after each: forward, back (exact replay), the ends,
# another process, the help overlay, zoom and fit, text size (Ctrl +/-/0), saving (S prints the
# path it wrote), and quitting. Then that the window fits the screen: on a 1600x900 screen by
# itself, and on a 1024x768 one when asked for more than it has.
set -eu
view=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") # the runs below start elsewhere
root=$2
command -v xvfb-run >/dev/null 2>&1 || { echo "xvfb-run missing: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
lesson="$root/scenarios/19-copy-on-write.vsim"

# run SCREEN KEYS [OPTIONS...]: the window's report, in $work/out, run from $work (S saves there).
run() {
    screen=$1
    keys=$2
    shift 2
    (cd "$work" && xvfb-run -a -s "-screen 0 ${screen}x24" \
        "$view" --keys "$keys" "$@" "$lesson") >"$work/out"
}

# fits SCREEN: the window line says the window lies inside the usable area.
fits() {
    screen=$1
    line=$(grep '^window: ' "$work/out") || { echo "no window line"; cat "$work/out"; exit 1; }
    # window: WxH at X,Y on a usable area of UWxUH at UX,UY
    set -- $(echo "$line" | sed 's/[^0-9-]/ /g')
    w=$1 h=$2 x=$3 y=$4 uw=$5 uh=$6 ux=$7 uy=$8
    if [ "$x" -lt "$ux" ] || [ "$y" -lt "$uy" ] || [ $((x + w)) -gt $((ux + uw)) ] ||
        [ $((y + h)) -gt $((uy + uh)) ] || [ "$w" -lt 320 ] || [ "$h" -lt 240 ]; then
        echo "on a $screen screen the window does not fit: $line"
        exit 1
    fi
    echo "$line"
}

run 1600x900 "Right Right Left End Home End Tab h h = f Ctrl+= Ctrl+0 s q"
fits 1600x900
expected='state: step 1 of 6, process owner, region 1, zoom 1.00, scale 1.00, help off
state: step 2 of 6, process copier, region 1, zoom 1.00, scale 1.00, help off
state: step 1 of 6, process owner, region 1, zoom 1.00, scale 1.00, help off
state: step 6 of 6, process copier, region -1, zoom 1.00, scale 1.00, help off
state: step 0 of 6, process -, region -1, zoom 1.00, scale 1.00, help off
state: step 6 of 6, process copier, region -1, zoom 1.00, scale 1.00, help off
state: step 6 of 6, process owner, region 1, zoom 1.00, scale 1.00, help off
state: step 6 of 6, process owner, region 1, zoom 1.00, scale 1.00, help on
state: step 6 of 6, process owner, region 1, zoom 1.00, scale 1.00, help off
state: step 6 of 6, process owner, region 1, zoom 2.00, scale 1.00, help off
state: step 6 of 6, process owner, region 1, zoom 1.00, scale 1.00, help off
state: step 6 of 6, process owner, region 1, zoom 1.00, scale 1.15, help off
state: step 6 of 6, process owner, region 1, zoom 1.00, scale 1.00, help off
saved '"$work"'/vadsim-19-copy-on-write-step-6.png
state: step 6 of 6, process owner, region 1, zoom 1.00, scale 1.00, help off
state: step 6 of 6, process owner, region 1, zoom 1.00, scale 1.00, help off'
if [ "$(grep -v '^window: ' "$work/out")" != "$expected" ]; then
    echo "the window reported:"
    cat "$work/out"
    echo "expected:"
    echo "$expected"
    exit 1
fi
[ -s "$work/vadsim-19-copy-on-write-step-6.png" ] || { echo "S printed a path it did not write"; exit 1; }

# Asked for more than a 1024x768 screen has, the window takes what there is, on screen.
run 1024x768 "q" --size 1600x1000
fits 1024x768
echo "window: 15 key presses, every state as expected; it fits 1600x900 and 1024x768 screens"
