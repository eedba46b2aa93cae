#!/bin/sh
# qemu-posix.sh - the POSIX agent on another CPU: a small QEMU guest (software emulation, so any
# CPU QEMU can emulate, protection keys included) whose only program is the agent, talking over a
# virtio serial port on this script's standard input and output. Not part of the test command.
#
#   scripts/qemu-posix.sh prepare      fetch a Debian kernel (6.18, trixie-backports, through
#                                      apt-get into build-qemu/), build the agent statically
#   scripts/qemu-posix.sh rules        print what the kernel does with PROT_EXEC-only memory
#                                      (scripts/pkey-rules.c) on the guest's CPU
#   scripts/qemu-posix.sh AGENT        boot a guest running AGENT: a launcher for vadsim, e.g.
#
#   build/cli/vadsim verify --backend=posix --launcher=scripts/qemu-posix.sh \
#       --agent=build-qemu/vadsim-agent-posix tests/verify-posix
#
# VADSIM_QEMU_CPU picks the CPU (default "max", which has pku and ospke; "qemu64" has no
# protection keys), VADSIM_QEMU_KERNEL another kernel image, VADSIM_QEMU_LOG a file for the
# guest's console. Each start boots a guest (a few seconds), so a run of N scenario files boots
# N + 1 of them. Needs qemu-system-x86, busybox-static and cpio (apt-get install them).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cache=$root/build-qemu
suite=trixie-backports
image=linux-image-6.18.15+deb13-cloud-amd64

die() { echo "qemu-posix.sh: $*" >&2; exit 2; }

# A Debian kernel package fetched with apt-get alone, from a private list of one suite, so the
# machine's own apt configuration is left as it is.
fetch_kernel() {
    apt="$cache/apt"
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources"
    cat >"$apt/sources/debian.sources" <<EOF
Types: deb
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    set -- -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt/sources" \
        -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o APT::Architectures=amd64 \
        -o APT::Sandbox::User=root
    apt-get "$@" update >/dev/null
    (cd "$apt" && apt-get "$@" download "$image" >/dev/null)
    rm -rf "$cache/kernel" && mkdir -p "$cache/kernel"
    dpkg-deb -x "$apt/$image"_*.deb "$cache/kernel"
    cp "$cache"/kernel/boot/vmlinuz-* "$cache/vmlinuz"
    # The disk driver is a module: the scenario's files live on ext4 on a virtio disk.
    xz -dc "$(find "$cache/kernel" -name 'virtio_blk.ko.xz')" >"$cache/virtio_blk.ko"
    rm -rf "$cache/kernel"
}

prepare() {
    mkdir -p "$cache"
    [ -f "$cache/vmlinuz" ] && [ -f "$cache/virtio_blk.ko" ] || fetch_kernel
    if [ ! -f "$cache/disk.img" ]; then # ext4, as this machine's /tmp; each guest writes a copy
        truncate -s 1G "$cache/disk.img.part"
        mkfs.ext4 -q -F "$cache/disk.img.part"
        mv "$cache/disk.img.part" "$cache/disk.img"
    fi
    cc -O2 -std=gnu11 -static -I"$root/verify" -o "$cache/vadsim-agent-posix" \
        "$root"/verify/posix/agent/*.c "$root/verify/protocol.c"
    cc -O2 -std=gnu11 -static -o "$cache/pkey-rules" "$root/scripts/pkey-rules.c"
    echo "qemu-posix.sh: kernel $cache/vmlinuz, agent $cache/vadsim-agent-posix"
}

# The guest's /init: the file systems the agent uses, then the agent on the serial port, then off.
write_init() {
    cat >"$1" <<'EOF'
#!/bin/busybox sh
b=/bin/busybox
$b mount -t proc proc /proc
$b mount -t sysfs sys /sys
$b mount -t devtmpfs dev /dev
$b mkdir -p /dev/shm
$b mount -t tmpfs tmpfs /dev/shm
# The disk with /tmp (ext4); tmpfs if the driver does not fit the kernel (VADSIM_QEMU_KERNEL).
if $b insmod /virtio_blk.ko 2>/dev/null; then
    while [ ! -e /dev/vda ]; do $b sleep 0.1; done
    $b mount -t ext4 /dev/vda /tmp
else
    $b mount -t tmpfs tmpfs /tmp
fi
port=/dev/vport0p1
while [ ! -e $port ]; do $b sleep 0.1; done
# In the background: run in the foreground here, the agent never sees the port's input.
/agent <>$port >&0 2>/dev/console &
wait $!
$b poweroff -f
EOF
    chmod +x "$1"
}

# The initramfs for AGENT, made once per agent build and version of this script (their checksum
# names it).
initramfs() {
    [ -x /bin/busybox ] && LC_ALL=C ldd /bin/busybox 2>&1 | grep -q 'not a dynamic executable' ||
        die "busybox-static is not installed"
    command -v cpio >/dev/null || die "cpio is not installed"
    sum=$(cat "$1" "$0" | cksum | cut -d' ' -f1)
    out="$cache/initramfs-$sum.cpio.gz"
    if [ ! -f "$out" ]; then
        tree=$(mktemp -d)
        mkdir -p "$tree/bin" "$tree/proc" "$tree/sys" "$tree/dev" "$tree/tmp"
        cp /bin/busybox "$tree/bin/busybox"
        cp "$1" "$tree/agent"
        cp "$cache/virtio_blk.ko" "$tree/virtio_blk.ko"
        write_init "$tree/init"
        (cd "$tree" && find . | cpio -o -H newc 2>/dev/null | gzip) >"$out.part"
        mv "$out.part" "$out"
        rm -rf "$tree"
    fi
    echo "$out"
}

# The rules probe in a guest. Its input is held open, empty, while it runs: QEMU tells the guest
# the host end of the port closed at the end of its input, after which the guest cannot write.
rules() {
    fifo=$(mktemp -u) && mkfifo "$fifo"
    sleep 3600 >"$fifo" &
    keeper=$!
    "$0" "$cache/pkey-rules" <"$fifo" || true
    kill "$keeper"
    rm -f "$fifo"
}

case "${1:-}" in
"" | -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
prepare) prepare; exit 0 ;;
rules) rules; exit 0 ;;
esac

agent=$1
[ -x "$agent" ] || die "$agent is not an executable"
LC_ALL=C ldd "$agent" 2>&1 | grep -q 'not a dynamic executable' ||
    die "$agent is not statically linked (scripts/qemu-posix.sh prepare builds one)"
kernel=${VADSIM_QEMU_KERNEL:-$cache/vmlinuz}
[ -f "$kernel" ] && [ -f "$cache/virtio_blk.ko" ] && [ -f "$cache/disk.img" ] ||
    die "no kernel, disk driver or disk in $cache (scripts/qemu-posix.sh prepare makes them)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86 is not installed"
mkdir -p "$cache"
ramdisk=$(initramfs "$agent")
console=null
[ -n "${VADSIM_QEMU_LOG:-}" ] && console=file:$VADSIM_QEMU_LOG
exec qemu-system-x86_64 -cpu "${VADSIM_QEMU_CPU:-max}" -m 1024 -display none -no-reboot \
    -monitor none -serial "$console" \
    -kernel "$kernel" -initrd "$ramdisk" -append "console=ttyS0 quiet panic=-1" \
    -drive "file=$cache/disk.img,if=virtio,format=raw,snapshot=on" \
    -device virtio-serial -chardev stdio,id=agent,signal=off \
    -device virtserialport,chardev=agent,name=agent
