#!/bin/sh
# bootstrap.sh - installs the Debian packages vadsim needs that this machine lacks, and the second
# Win32 oracle: Wine 10 in a Debian 13 root.
#
# Run as root on Debian 12. Asks apt only when something is missing, so a second run is instant.
# Packages: the C toolchain and Meson/Ninja for the build; clang with its runtimes (libFuzzer and
# the sanitizers: libclang-rt-dev) and llvm (llvm-symbolizer: file and line in its reports) for the
# fuzzing build; clang-format for the formatting check; cmocka for the tests, binutils for the
# no-globals check, GLib for the scenario language, mingw-w64 to build the Win32 agent (x64, and
# x86 for 32-bit scenario processes) and Wine (wine64, with the wine launcher, and wine32 from the
# i386 architecture for the x86 agent) to run it; SDL2 with SDL2_ttf, SDL2_image and the DejaVu fonts
# for the visualiser, Xvfb (with xauth, for xvfb-run) to test its window without a display, and
# Chromium to test its lesson page in a real browser (headless); debootstrap to make the Debian 13
# root below.
set -eu

packages="gcc libc6-dev binutils clang libclang-rt-dev llvm clang-format meson ninja-build
pkg-config libcmocka-dev libglib2.0-dev gcc-mingw-w64-x86-64 gcc-mingw-w64-i686 wine wine64
wine32:i386 libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev fonts-dejavu-core xvfb xauth chromium
debootstrap"

# install_packages: the host's packages, from Debian 12.
install_packages() {
    missing=""
    for package in $packages; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing="$missing $package"
        fi
    done
    if [ -z "$missing" ]; then
        echo "bootstrap: all packages present"
        return
    fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "bootstrap: missing packages:$missing; run this script as root to install them" >&2
        exit 1
    fi
    echo "bootstrap: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    # wine32 is an i386 package: apt offers none until dpkg knows the architecture (about 110 s and
    # 730 MB more for wine32 and the i386 libraries it pulls in).
    dpkg --print-foreign-architectures | grep -qx i386 || dpkg --add-architecture i386
    apt-get update -q
    # shellcheck disable=SC2086 # the list is meant to split into words
    apt-get install -y -q --no-install-recommends $missing
}

# The second Win32 oracle. Debian 12's Wine is 8.0, which has no placeholders; Debian 13's is 10.0,
# which has. It lives in a Debian 13 (trixie) root of its own, made from Debian's packages alone:
# debootstrap's minimal variant, then wine64 and wine from apt inside it (about 45 s and 1.5 GB),
# and wine32 from the i386 architecture for 32-bit programs (about 70 s and 840 MB more; a root
# made before it gets it added).
# The root is machine-wide state, not the checkout's: /var/lib/vadsim ($VADSIM_ROOTS), where
# `git clean` of any checkout cannot reach it and where every checkout's vadsim and the installed
# one look for it (verify/win32/wine.c). Both steps run in a private mount namespace (unshare), so
# the /proc and /sys that debootstrap and apt mount inside the root vanish with them, even when
# interrupted; the root is made under NAME.partial and renamed when whole, so a root that is
# there is complete, and a second run finds it and returns at once.
roots=${VADSIM_ROOTS:-/var/lib/vadsim}
wine_root=$roots/debian-trixie

# in_root ROOT COMMAND: runs the shell command in the root, noninteractive, with /proc and
# /dev/pts mounted there for it alone.
in_root() {
    # shellcheck disable=SC2016 # $1 and $2 are the inner shell's
    unshare --mount --propagation private sh -c '
        mount -t proc proc "$1/proc" && mount -t devpts devpts "$1/dev/pts" &&
        chroot "$1" sh -c "export DEBIAN_FRONTEND=noninteractive && $2 && apt-get clean"' \
        sh "$1" "$2" >/dev/null
}

# add_wine32 ROOT: the i386 architecture and wine32 in the root, unless there already.
add_wine32() {
    # shellcheck disable=SC2016 # dpkg-query's field, not the shell's
    if chroot "$1" dpkg-query -W -f='${Status}' wine32:i386 2>/dev/null |
        grep -q "install ok installed"; then
        return
    fi
    echo "bootstrap: adding wine32 (i386) to $1"
    in_root "$1" "dpkg --add-architecture i386 && apt-get update -q &&
        apt-get install -y -q --no-install-recommends wine32:i386"
}

make_wine_root() {
    if [ -d "$wine_root" ]; then
        echo "bootstrap: Wine 10 root present ($wine_root)"
        [ "$(id -u)" -ne 0 ] || add_wine32 "$wine_root"
        return
    fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "bootstrap: no Wine 10 root at $wine_root; run this script as root to make it" >&2
        exit 1
    fi
    partial=$wine_root.partial
    echo "bootstrap: making the Wine 10 root $wine_root (Debian 13, from deb.debian.org)"
    rm -rf "$partial"
    mkdir -p "$roots"
    unshare --mount --propagation private \
        debootstrap --variant=minbase trixie "$partial" http://deb.debian.org/debian >/dev/null
    in_root "$partial" "apt-get update -q && apt-get install -y -q --no-install-recommends wine64 wine"
    add_wine32 "$partial"
    mv "$partial" "$wine_root"
    echo "bootstrap: Wine 10 root made: $(du -sh "$wine_root" | cut -f1)"
}

# A Wine prefix made before wine32 was installed has no 32-bit side (C:\windows\syswow64 empty),
# and `wineboot -u` does not add it: a 32-bit program then fails to load kernel32.dll (c0000135).
# renew_prefix ROOT PREFIX [RUN...]: such a prefix (the host's ~/.wine: ROOT empty; a root's
# /root/.wine) is made again beside it, about 20 s, with RUN's words in front of wine's (the
# chroot for a root's), and renamed into its place: runs under way keep the old one, which goes.
renew_prefix() {
    dir=$1$2
    prefix=$2
    shift 2
    if [ ! -d "$dir/drive_c" ] || [ -e "$dir/drive_c/windows/syswow64/kernel32.dll" ]; then
        return
    fi
    echo "bootstrap: making the Wine prefix $dir again, with its 32-bit side"
    rm -rf "$dir.new" "$dir.old"
    "$@" env WINEPREFIX="$prefix.new" WINEDEBUG=-all sh -c 'wineboot -i && wineserver -w' \
        >/dev/null 2>&1
    mv "$dir" "$dir.old"
    mv "$dir.new" "$dir"
    rm -rf "$dir.old"
}

renew_prefixes() {
    [ "$(id -u)" -eq 0 ] || return 0
    renew_prefix "" "$HOME/.wine"
    # shellcheck disable=SC2016 # the inner shell's
    [ ! -d "$wine_root" ] ||
        renew_prefix "$wine_root" /root/.wine unshare --mount --propagation private \
            sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$wine_root" \
            env HOME=/root XDG_RUNTIME_DIR=/tmp
}

install_packages
make_wine_root
renew_prefixes
