#!/bin/sh
# bootstrap.sh - installs the Debian packages vadsim needs that this machine lacks.
#
# Run as root on Debian 12. Asks apt only when something is missing, so a second run is instant.
# Packages: the C toolchain and Meson/Ninja for the build; clang with its runtimes (libFuzzer and
# the sanitizers: libclang-rt-dev) and llvm (llvm-symbolizer: file and line in its reports) for the
# fuzzing build; clang-format for the formatting check; cmocka for the tests, binutils for the
# no-globals check, GLib for the scenario language, mingw-w64 to build the Win32 agent and Wine
# (wine64, with the wine launcher) to run it; SDL2 with SDL2_ttf, SDL2_image and the DejaVu fonts
# for the visualiser, Xvfb (with xauth, for xvfb-run) to test its window without a display, and
# Chromium to test its lesson page in a real browser (headless).
set -eu

packages="gcc libc6-dev binutils clang libclang-rt-dev llvm clang-format meson ninja-build
pkg-config libcmocka-dev libglib2.0-dev gcc-mingw-w64-x86-64 wine wine64 libsdl2-dev libsdl2-ttf-dev
libsdl2-image-dev fonts-dejavu-core xvfb xauth chromium"

missing=""
for package in $packages; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done

if [ -z "$missing" ]; then
    echo "bootstrap: all packages present"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: missing packages:$missing; run this script as root to install them" >&2
    exit 1
fi
echo "bootstrap: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086 # the list is meant to split into words
apt-get install -y -q --no-install-recommends $missing
