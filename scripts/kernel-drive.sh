#!/usr/bin/env bash
# kernel-drive.sh DISC [--share DIR] [--bin PATH]... -- CMD...
#
# Boots a throw-away QEMU VM (the kernel-read approach: Debian's cloud kernel + a small
# busybox initramfs, no network) in which the emulated disc DISC is a real SCSI CD/DVD/BD
# drive, /dev/sr0: `discburn disc serve --relay` answers the kernel's target_core_user
# ring inside the VM and forwards every command over a virtio-serial port to
# `discburn disc relay DISC` on the host, so DISC and its state files are updated in
# place exactly as when discburn writes to them. Runs CMD (a shell command line, cwd
# /share) with discburn, xorriso and busybox on PATH, prints its output between
# ===KDRIVE-BEGIN=== and ===KDRIVE-END rc=N===, and exits with CMD's status.
#
#   --share DIR   copied into the VM at /share (the VM's copy is thrown away)
#   --bin PATH    another host program to copy in (with its shared libraries)
#   --discburn B  the discburn binary (default: target/debug/discburn of this repository)
#   --timeout S   kill the VM after S seconds (default 180)
#   --trace       print every command the drive received (CDB, status, sense) to stderr
#   --setup       only prepare the cache (kernel modules of the kernel-read kernel)
# Exit: CMD's status; 125 when the VM or the drive could not be set up.
# Env: KDRIVE_CACHE (default ~/.cache/kernel-drive), KREAD_CACHE, KDRIVE_MEM (MiB, 768).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
KREAD="$REPO/../shared/tools/kernel-read/kernel-read.sh"
[ -x "$KREAD" ] || KREAD=/work/shared/tools/kernel-read/kernel-read.sh
KCACHE=${KREAD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kernel-read}
CACHE=${KDRIVE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kernel-drive}
MODULES="configfs target_core_mod target_core_user tcm_loop uio sr_mod cdrom isofs udf nls_utf8 virtio_pci virtio_console"

die() { echo "kernel-drive: $*" >&2; exit 125; }

setup() { # kernel modules of the kernel-read kernel, with dependencies
	bash "$KREAD" --setup >/dev/null || die "kernel-read setup failed"
	local kver; kver=$(sed -n 's/^kernel=//p' "$KCACHE/VERSION")
	[ -n "$kver" ] || die "no kernel version in $KCACHE/VERSION"
	if [ -f "$CACHE/VERSION" ] && grep -qx "kernel=$kver" "$CACHE/VERSION"; then return 0; fi
	[ "$(id -u)" = 0 ] || die "setup must run as root (apt-get download)"
	local tmp; tmp=$(mktemp -d --tmpdir kdrive-setup.XXXXXX)
	trap 'rm -rf "$tmp"' RETURN
	(cd "$tmp" && { apt-get -q -o APT::Sandbox::User=root download "linux-image-$kver" >/dev/null 2>&1 ||
		{ apt-get -q update >/dev/null 2>&1; apt-get -q -o APT::Sandbox::User=root download "linux-image-$kver" >/dev/null; }; }) ||
		die "apt-get download linux-image-$kver failed"
	dpkg-deb -x "$tmp"/linux-image-*.deb "$tmp/x"
	"$KCACHE/busybox" depmod -b "$tmp/x" "$kver"
	local new="$CACHE.new.$$" mdir m line p
	rm -rf "$new"; mdir="$new/lib/modules/$kver"; mkdir -p "$mdir"; : >"$mdir/modules.dep"
	for m in $MODULES; do
		line=$(grep -E "/${m}\.ko:" "$tmp/x/lib/modules/$kver/modules.dep") || die "module $m not in linux-image-$kver"
		for p in ${line/:/}; do
			[ -f "$mdir/$p" ] && continue
			mkdir -p "$mdir/$(dirname "$p")"; cp "$tmp/x/lib/modules/$kver/$p" "$mdir/$p"
			grep -E "^${p//./\\.}:" "$tmp/x/lib/modules/$kver/modules.dep" >>"$mdir/modules.dep"
		done
	done
	echo "kernel=$kver" >"$new/VERSION"
	rm -rf "$CACHE"; mv "$new" "$CACHE"
}

copy_prog() { # $1 = host program, $2 = initramfs root, $3 = path inside: program + its libraries
	mkdir -p "$2/$(dirname "$3")"; [ "$1" -ef "$2/$3" ] || cp -L "$1" "$2/$3"
	local lib
	for lib in $(ldd "$1" 2>/dev/null | grep -o '/[^ ]*' || true); do
		[ -e "$2$lib" ] && continue
		mkdir -p "$2$(dirname "$lib")"; cp -L "$lib" "$2$lib"
	done
}

DISC= SHARE= BINS=() DISCBURN="$REPO/target/debug/discburn" TIMEOUT=180 SETUP_ONLY=0 TRACE=()
while [ $# -gt 0 ]; do
	case $1 in
	--share) SHARE=${2:?}; shift 2 ;;
	--bin) BINS+=("${2:?}"); shift 2 ;;
	--discburn) DISCBURN=${2:?}; shift 2 ;;
	--timeout) TIMEOUT=${2:?}; shift 2 ;;
	--setup) SETUP_ONLY=1; shift ;;
	--trace) TRACE=(--trace); shift ;;
	--) shift; break ;;
	-*) die "unknown option $1" ;;
	*) [ -z "$DISC" ] || die "one DISC only"; DISC=$1; shift ;;
	esac
done
setup
[ "$SETUP_ONLY" = 1 ] && exit 0
[ -n "$DISC" ] && [ $# -gt 0 ] || { echo "usage: kernel-drive.sh DISC [--share DIR] -- CMD..." >&2; exit 2; }
[ -f "$DISC" ] && [ -f "$DISC.state.json" ] || die "$DISC is not an emulated disc (no $DISC.state.json)"
[ -x "$DISCBURN" ] || die "no discburn binary at $DISCBURN (cargo build, or --discburn)"

WORK=$(mktemp -d --tmpdir kdrive-run.XXXXXX)
RELAY_PID=
cleanup() { [ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# ---- initramfs: busybox, modules, discburn, xorriso (+ libraries), /share, the command
R="$WORK/root"; mkdir -p "$R"/{bin,proc,sys,dev,tmp,mnt,share,usr/local/bin}
cp "$KCACHE/busybox" "$R/bin/busybox"
cp -a "$CACHE/lib" "$R/"
strip -s -o "$R/usr/local/bin/discburn" "$DISCBURN" 2>/dev/null || cp "$DISCBURN" "$R/usr/local/bin/discburn"
copy_prog "$R/usr/local/bin/discburn" "$R" /usr/local/bin/discburn
copy_prog "$(command -v xorriso)" "$R" /usr/bin/xorriso
for b in "${BINS[@]}"; do copy_prog "$(command -v "$b")" "$R" "/usr/bin/$(basename "$b")"; done
[ -n "$SHARE" ] && cp -a "$SHARE/." "$R/share/"
printf '%s\n' "$*" >"$R/cmd.sh"
cat >"$R/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev; mount -t tmpfs tmpfs /tmp
for m in virtio_pci virtio_console configfs target_core_mod target_core_user tcm_loop uio sr_mod isofs udf nls_utf8; do
	modprobe $m || echo "kernel-drive: modprobe $m failed"
done
mount -t configfs none /sys/kernel/config
port=
i=0; while [ -z "$port" ] && [ $i -lt 100 ]; do
	for p in /sys/class/virtio-ports/*; do [ "$(cat $p/name 2>/dev/null)" = discburn ] && port=/dev/${p##*/}; done
	[ -z "$port" ] && usleep 50000; i=$((i+1))
done
discburn disc serve --relay "$port" >/tmp/serve.log 2>&1 &
SERVE=$!
i=0; while ! grep -q 'serving' /tmp/serve.log && kill -0 $SERVE 2>/dev/null && [ $i -lt 600 ]; do usleep 50000; i=$((i+1)); done
echo "===KDRIVE-BEGIN==="
if grep -q 'serving .* as /dev/' /tmp/serve.log; then
	cd /share; sh /cmd.sh; rc=$?; cd /
else
	echo "kernel-drive: the drive did not appear:"; cat /tmp/serve.log; dmesg | tail -n 30; rc=125
fi
kill -TERM $SERVE 2>/dev/null; wait $SERVE
if ! grep -q 'stopped after' /tmp/serve.log || grep -q 'CHECK CONDITION 4/44/00' /tmp/serve.log; then cat /tmp/serve.log; fi
echo "===KDRIVE-END rc=$rc==="
sync
poweroff -f
INIT
chmod 755 "$R/init"
# uncompressed: unpacking is faster than decompressing under TCG
(cd "$R" && find . | "$KCACHE/busybox" cpio -o -H newc -R 0:0 2>/dev/null >"$WORK/initrd")

# ---- the host end: the emulated disc answers over a Unix socket
SOCK="$WORK/relay.sock"
"$DISCBURN" disc relay "$DISC" --socket "$SOCK" "${TRACE[@]}" 2>"$WORK/relay.log" &
RELAY_PID=$!
for _ in $(seq 100); do [ -S "$SOCK" ] && break; kill -0 "$RELAY_PID" 2>/dev/null || break; sleep 0.05; done
[ -S "$SOCK" ] || die "discburn disc relay did not start: $(cat "$WORK/relay.log")"

ACCEL=tcg CPU=max
if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ]; then ACCEL=kvm CPU=host; fi
export QEMU_MODULE_DIR=$KCACHE/qemu/lib
set +e
t0=$(date +%s.%N)
timeout --kill-after=5 "$TIMEOUT" "$KCACHE/qemu/qemu-system-x86_64" -nodefaults -no-user-config -machine pc \
	-accel $ACCEL -cpu $CPU -m "${KDRIVE_MEM:-768}" -smp 1 -display none -monitor none -no-reboot \
	-L "$KCACHE/qemu/share" -serial "file:$WORK/serial" \
	-kernel "$KCACHE/vmlinuz" -initrd "$WORK/initrd" -append "console=ttyS0 loglevel=1 panic=-1" \
	-chardev "socket,id=relay,path=$SOCK" -device virtio-serial-pci \
	-device virtserialport,chardev=relay,name=discburn >"$WORK/qemu.out" 2>&1
qrc=$?
echo "kernel-drive: accel=$ACCEL, VM boot-to-poweroff $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')s" >&2
wait "$RELAY_PID"; relay_rc=$?; RELAY_PID=
set -e
tr -d '\r' <"$WORK/serial" | sed -n '/===KDRIVE-BEGIN===/,/===KDRIVE-END/p'
end=$(tr -d '\r' <"$WORK/serial" | grep -o '===KDRIVE-END rc=[0-9]*===' | head -n 1 || true)
if [ -z "$end" ]; then
	echo "kernel-drive: no result from the VM (qemu rc=$qrc): $(tail -n 3 "$WORK/qemu.out" | tr '\n' ' ')" >&2
	tr -d '\r' <"$WORK/serial" | tail -n 30 >&2
	exit 125
fi
[ ${#TRACE[@]} = 0 ] || cat "$WORK/relay.log" >&2
[ "$relay_rc" = 0 ] || { echo "kernel-drive: discburn disc relay failed: $(cat "$WORK/relay.log")" >&2; exit 125; }
rc=${end#*rc=}; exit "${rc%===}"
