#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a command inside a QEMU (TCG) test host that boots one of the Debian
# kernels installed on this machine, with this machine's root file system
# shared read-only over 9p.  The machine's own kernel cannot load modules;
# the guest can (and has kvm_amd with nested SVM, so /dev/kvm works there).
#
# Usage:
#   run.sh --kver KVER --project DIR --out OUTDIR [--timeout SEC] [--mem MB]
#          [--prefix STR] -- CMD [ARGS...]
#
#   --kver KVER     kernel to boot: /boot/vmlinuz-KVER and /lib/modules/KVER
#   --project DIR   project checkout, mounted read-only at /tmp/vmmig in the
#                   guest (the command's cwd)
#   --out OUTDIR    created if missing, mounted read-write at /tmp/vmmig-out
#   --timeout SEC   hard timeout of the whole run, boot included (1800)
#   --mem MB        guest memory (4096)
#   --prefix STR    prefix for the console lines streamed to stdout ("")
#
# In the guest CMD runs as root with cwd /tmp/vmmig, stdin /dev/null,
# stdout+stderr on the serial console, and the environment
#   VMMIG_KVER=KVER VMMIG_OUT=/tmp/vmmig-out VMMIG_PROJECT=/tmp/vmmig
#   HOME=/tmp/home PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# /tmp and /run are tmpfs, everything else of / is the host's, read-only.
#
# Results in OUTDIR: console.log (whole serial console), dmesg.txt (guest
# dmesg after CMD), result ("exit=N").
#
# Kernel command line: console=ttyS0 quiet panic=-1 log_buf_len=8M rdinit=/init
# (the larger log buffer keeps early warnings in dmesg.txt on chatty runs).
#
# Exit status: 0 CMD exited 0 and dmesg has no kernel warning/bug splat;
#   1 CMD failed (exit N != 0);       2 usage or host setup error;
#   3 guest never booted or its setup failed before CMD ran;
#   4 timeout;  5 kernel panic;  6 kernel warning/bug splat in dmesg;
#   7 guest stopped without writing a result.
#
# Caches (rebuilt when their inputs change):
#   ${VMMIG_CACHE:-/var/cache/vmmig}/vmtest/KVER/{initramfs.cpio,vmlinux}
#
# Debugging aids (environment): VMTEST_APPEND="..." adds kernel parameters,
# VMTEST_QEMU_ARGS="..." adds QEMU arguments (split on white space),
# VMTEST_TCG_THREAD=single (the default) runs both vCPUs in one TCG
# thread (-accel tcg,thread=single); "multi" restores QEMU's multi-threaded
# TCG.  Multi-threaded TCG has a race in its
# nested SVM: under a high rate of nested VM exits on both vCPUs (the
# dirty-ring stamp guests of stamp_test), an L2 vCPU now and then gets the
# L1 host's state (RIP just after VMRUN in __svm_vcpu_run, host CR0) and
# the test host's own memory gets corrupted ("corrupted stack end detected
# inside scheduler"); single-threaded TCG was not seen to do it.

set -u -o pipefail

ME=vmtest
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
GUEST_INIT=$SCRIPT_DIR/guest-init.sh

# Patterns that make a run fail when they show up in the guest's dmesg.
SPLAT_RE='WARNING:|BUG:|Oops|general protection|KASAN|UBSAN|kernel BUG|RCU stall|rcu_.*detected stall|self-detected stall|soft lockup|hard LOCKUP|hung_task|blocked for more than|lockdep|possible recursive|circular locking'
# Known harmless boot messages that match SPLAT_RE on this test host.
#  - "Speculative Return Stack Overflow: WARNING: See ... for mitigation
#    options": the EPYC CPU model has no SRSO microcode (6.1).
#  - "RCU lockdep checking is enabled": the debug kernel's boot banner.
SPLAT_IGNORE_RE='Speculative Return Stack Overflow: WARNING: See |RCU lockdep checking is enabled'

msg() { echo "$ME: $*" >&2; }
die() { msg "error: $*"; exit 2; }

usage() {
	sed -n '/^# Usage:/,/^# Exit status/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' | sed '$d' >&2
	exit 2
}

KVER='' PROJECT='' OUT='' TIMEOUT=1800 MEM=4096 PREFIX=''
while [ $# -gt 0 ]; do
	case "$1" in
	--kver) KVER=${2-}; shift 2 || usage ;;
	--kver=*) KVER=${1#*=}; shift ;;
	--project) PROJECT=${2-}; shift 2 || usage ;;
	--project=*) PROJECT=${1#*=}; shift ;;
	--out) OUT=${2-}; shift 2 || usage ;;
	--out=*) OUT=${1#*=}; shift ;;
	--timeout) TIMEOUT=${2-}; shift 2 || usage ;;
	--timeout=*) TIMEOUT=${1#*=}; shift ;;
	--mem) MEM=${2-}; shift 2 || usage ;;
	--mem=*) MEM=${1#*=}; shift ;;
	--prefix) PREFIX=${2-}; shift 2 || usage ;;
	--prefix=*) PREFIX=${1#*=}; shift ;;
	-h|--help) usage ;;
	--) shift; break ;;
	*) msg "unknown argument: $1"; usage ;;
	esac
done
[ $# -gt 0 ] || { msg "no command given after --"; usage; }
[ -n "$KVER" ] || { msg "--kver is required"; usage; }
[ -n "$PROJECT" ] || { msg "--project is required"; usage; }
[ -n "$OUT" ] || { msg "--out is required"; usage; }
[[ "$TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "--timeout wants a positive number of seconds"
[[ "$MEM" =~ ^[1-9][0-9]*$ ]] || die "--mem wants a size in MiB"
case "$KVER" in */*|.|..) die "bad kernel version '$KVER'" ;; esac

KIMAGE=/boot/vmlinuz-$KVER
[ -r "$KIMAGE" ] || die "no kernel image $KIMAGE"
[ -d "/lib/modules/$KVER" ] || die "no /lib/modules/$KVER"
[ -r "$GUEST_INIT" ] || die "missing $GUEST_INIT"
[ -d "$PROJECT" ] || die "project directory '$PROJECT' does not exist"
PROJECT=$(cd "$PROJECT" && pwd -P) || die "cannot resolve '$PROJECT'"
mkdir -p -- "$OUT" || die "cannot create output directory '$OUT'"
OUT=$(cd "$OUT" && pwd -P) || die "cannot resolve '$OUT'"
[ -w "$OUT" ] || die "output directory $OUT is not writable"

for tool in qemu-system-x86_64 timeout cpio sha256sum; do
	command -v "$tool" >/dev/null || die "$tool not found (see scripts/install-deps.sh)"
done
MODPROBE=$(PATH=$PATH:/usr/sbin:/sbin command -v modprobe) || die "modprobe (kmod) not found"
BUSYBOX=
for b in /bin/busybox /usr/bin/busybox; do
	if [ -x "$b" ] && file -L "$b" 2>/dev/null | grep -q 'statically linked'; then
		BUSYBOX=$b
		break
	fi
done
if [ -z "$BUSYBOX" ] && [ -x /bin/busybox ] && ! command -v file >/dev/null; then
	BUSYBOX=/bin/busybox	# cannot check, assume busybox-static
fi
[ -n "$BUSYBOX" ] || die "a static busybox is needed (apt-get install busybox-static)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vmtest.XXXXXX") || die "mktemp failed"
mkdir "$TMP/ctl"

# Stop QEMU if it is still running (Ctrl-C, SIGTERM, errors).  The pid
# files exist only while QEMU runs: timeout.pid is written by the wrapper
# that execs timeout (which passes TERM on to QEMU), qemu.pid by QEMU.
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	local pids='' p
	for p in "$TMP/timeout.pid" "$TMP/qemu.pid"; do
		[ -s "$p" ] && pids="$pids $(cat "$p" 2>/dev/null)"
	done
	if [ -n "${pids// /}" ]; then
		# shellcheck disable=SC2086
		kill -TERM $pids 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			# shellcheck disable=SC2086
			kill -0 $pids 2>/dev/null || break
			sleep 0.5
		done
		for p in $pids; do
			kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
		done
	fi
	rm -rf -- "$TMP"
}
trap cleanup EXIT
trap 'msg "interrupted, stopping QEMU"; exit 130' INT
trap 'msg "terminated, stopping QEMU"; exit 143' TERM HUP

# ---------------------------------------------------------------- caches

CACHE_ROOT=${VMMIG_CACHE:-/var/cache/vmmig}
CACHE=$CACHE_ROOT/vmtest/$KVER
if ! mkdir -p "$CACHE" 2>/dev/null || [ ! -w "$CACHE" ]; then
	msg "cache $CACHE not writable (set VMMIG_CACHE): building into a temporary directory"
	CACHE=$TMP/cache
	mkdir -p "$CACHE"
fi

# Serialise cache updates between concurrent runs of the same kernel.
exec 9>"$CACHE/.lock"
if command -v flock >/dev/null; then
	flock 9 || die "cannot lock $CACHE/.lock"
fi

# Modules needed to mount 9p, in dependency order, without duplicates.
module_list() {
	"$MODPROBE" -S "$KVER" -a --show-depends virtio_pci 9pnet_virtio 9p |
		awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}
MODULES=$(module_list) || die "modprobe -S $KVER --show-depends failed"
# A kernel with 9p built in (the debug kernel) needs none.
[ -n "$MODULES" ] || "$MODPROBE" -S "$KVER" --show-depends 9p | grep -q '^builtin ' ||
	die "no 9p modules found for $KVER"

file_key() {	# path, size, mtime of each argument
	stat -L -c '%n %s %Y' -- "$@"
}

build_initramfs() {
	local dst=$1 stage n=0 m base
	stage=$(mktemp -d "$TMP/initramfs.XXXXXX")
	mkdir -p "$stage"/{bin,dev,proc,sys,newroot,modules}
	cp "$BUSYBOX" "$stage/bin/busybox"
	ln -s busybox "$stage/bin/sh"
	cp "$GUEST_INIT" "$stage/init"
	chmod 0755 "$stage/init" "$stage/bin/busybox"
	# The kernel's built-in initramfs has /dev/console already; add it
	# anyway when we can (root only).
	mknod -m 0600 "$stage/dev/console" c 5 1 2>/dev/null || true
	: >"$stage/modules/order"
	while read -r m; do
		[ -n "$m" ] || continue
		n=$((n + 1))
		base=$(basename "$m")
		base=$(printf '%02d-%s' "$n" "${base%%.ko*}.ko")
		case "$m" in
		*.ko) cp "$m" "$stage/modules/$base" ;;
		*.ko.xz) xz -dc "$m" >"$stage/modules/$base" ;;
		*.ko.zst) zstd -qdc "$m" >"$stage/modules/$base" ;;
		*.ko.gz) gzip -dc "$m" >"$stage/modules/$base" ;;
		*) msg "unknown module format: $m"; return 1 ;;
		esac || { msg "cannot decompress $m"; return 1; }
		echo "$base" >>"$stage/modules/order"
	done <<<"$MODULES"
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) >"$dst" || return 1
	rm -rf "$stage"
}

# Initramfs, keyed on everything that goes into it and on this script.
INITRD=$CACHE/initramfs.cpio
INITRD_KEY=$(
	echo "kver $KVER"
	sha256sum "${BASH_SOURCE[0]}" "$GUEST_INIT" "$BUSYBOX" | awk '{ print $1 }'
	# shellcheck disable=SC2086
	[ -z "$MODULES" ] || file_key $MODULES
)
if [ ! -s "$INITRD" ] || [ "$(cat "$INITRD.key" 2>/dev/null)" != "$INITRD_KEY" ]; then
	msg "building initramfs for $KVER"
	build_initramfs "$INITRD.new" || { rm -f "$INITRD.new"; die "initramfs build failed"; }
	mv -f "$INITRD.new" "$INITRD"
	echo "$INITRD_KEY" >"$INITRD.key"
fi

# Uncompressed vmlinux boots ~6 s faster under TCG (PVH entry, no
# decompression).  Needs CONFIG_PVH; fall back to the bzImage otherwise.
extract_vmlinux() {	# image, output: try every extract-vmlinux around
	local s found=''
	for s in "$CACHE_ROOT"/linux-source-*/scripts/extract-vmlinux \
		 /var/cache/vmmig/linux-source-*/scripts/extract-vmlinux \
		 "/lib/modules/$KVER/build/scripts/extract-vmlinux" \
		 /usr/src/linux-headers-*/scripts/extract-vmlinux \
		 /usr/src/linux-source-*/scripts/extract-vmlinux; do
		[ -r "$s" ] || continue
		found=1
		if sh "$s" "$1" >"$2" 2>/dev/null &&
		   [ "$(head -c 4 "$2" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; then
			return 0
		fi
	done
	rm -f "$2"
	[ -n "$found" ] || msg "no scripts/extract-vmlinux found: booting the compressed image"
	[ -z "$found" ] || msg "extract-vmlinux failed on $1: booting the compressed image"
	return 1
}
KERNEL=$KIMAGE
VMLINUX=$CACHE/vmlinux
VMLINUX_KEY=$(file_key "$KIMAGE")
if [ -s "$VMLINUX" ] && [ "$(cat "$VMLINUX.key" 2>/dev/null)" = "$VMLINUX_KEY" ]; then
	KERNEL=$VMLINUX
elif [ -r "/boot/config-$KVER" ] && ! grep -q '^CONFIG_PVH=y' "/boot/config-$KVER"; then
	msg "$KVER has no CONFIG_PVH: booting the compressed image"
else
	rm -f "$VMLINUX" "$VMLINUX.key"
	msg "extracting vmlinux from $KIMAGE"
	if extract_vmlinux "$KIMAGE" "$VMLINUX.new"; then
		mv -f "$VMLINUX.new" "$VMLINUX"
		echo "$VMLINUX_KEY" >"$VMLINUX.key"
		KERNEL=$VMLINUX
	fi
fi

# Take private links (or copies) while holding the lock, so that a
# concurrent run from another checkout that rebuilds the cache cannot swap
# the files under this run's QEMU.
ln -f "$INITRD" "$TMP/initramfs.cpio" 2>/dev/null || cp "$INITRD" "$TMP/initramfs.cpio" ||
	die "cannot copy $INITRD"
INITRD=$TMP/initramfs.cpio
if [ "$KERNEL" = "$VMLINUX" ] && ln -f "$VMLINUX" "$TMP/vmlinux" 2>/dev/null; then
	KERNEL=$TMP/vmlinux
	VMLINUX=$KERNEL
fi
exec 9>&-

# ---------------------------------------------------------------- run

# Quote for sh as 'a'\''b' (the guest's /bin/sh evals this).
squote() {
	local s=${1//\'/\'\\\'\'}
	printf "'%s' " "$s"
}
{
	for a in "$@"; do squote "$a"; done
	echo
} >"$TMP/ctl/cmd"
echo "$KVER" >"$TMP/ctl/kver"

rm -f -- "$OUT/result" "$OUT/result.tmp" "$OUT/dmesg.txt" "$OUT/console.log"

# QEMU option values escape ',' as ',,'.
qpath() { printf '%s' "${1//,/,,}"; }

QEMU=(qemu-system-x86_64
	-accel "tcg,thread=${VMTEST_TCG_THREAD:-single}"
	-cpu EPYC -smp 2 -m "$MEM"
	# q35: virtio-pci with MSI-X; on "pc" enabling the ACPI interrupt
	# links of the four 9p devices costs ~1.5 s of boot under TCG.
	-machine q35
	-nographic -no-reboot -nic none
	-kernel "$KERNEL" -initrd "$INITRD"
	-append "console=ttyS0 quiet panic=-1 log_buf_len=8M rdinit=/init${VMTEST_APPEND:+ $VMTEST_APPEND}"
	-virtfs "local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$(qpath "$PROJECT"),mount_tag=vmmig,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$(qpath "$OUT"),mount_tag=vmmigout,security_model=none,multidevs=remap"
	-virtfs "local,path=$(qpath "$TMP/ctl"),mount_tag=vmmigctl,security_model=none,multidevs=remap"
	-pidfile "$TMP/qemu.pid"
)
# Debugging aid: extra QEMU arguments (split on white space).
if [ -n "${VMTEST_QEMU_ARGS:-}" ]; then
	read -r -a extra <<<"$VMTEST_QEMU_ARGS"
	QEMU+=("${extra[@]}")
fi

# Drop CRs and terminal escapes (SeaBIOS clears the screen) and QEMU's
# warnings about CPUID bits of the EPYC model that TCG does not emulate.
console_filter() {
	sed -u -e 's/\r$//' -e 's/\x1bc//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' \
		-e "/^qemu-system-x86_64: warning: TCG doesn't support requested feature/d"
}

if [ -n "$PREFIX" ]; then
	PREFIX_SED=$(printf '%s' "$PREFIX" | sed 's/[\\/&]/\\&/g')
	prefixer() { sed -u "s/^/$PREFIX_SED/"; }
else
	prefixer() { cat; }
fi

msg "booting $KVER ($([ "$KERNEL" = "$VMLINUX" ] && echo vmlinux || echo bzImage)), ${MEM} MiB, timeout ${TIMEOUT}s; project $PROJECT, out $OUT"
START=$(date +%s.%N)
{
	# The wrapper records timeout's pid so that the traps can stop it;
	# timeout passes the signal on to QEMU.
	bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$TMP/timeout.pid" \
		timeout -k 10 "$TIMEOUT" "${QEMU[@]}" </dev/null 2>&1
	echo $? >"$TMP/qemu.rc"
} | console_filter | tee "$OUT/console.log" | prefixer &
wait $!
END=$(date +%s.%N)
rm -f "$TMP/timeout.pid" "$TMP/qemu.pid"

QEMU_RC=$(cat "$TMP/qemu.rc" 2>/dev/null || echo '?')
ELAPSED=$(awk -v a="$START" -v b="$END" 'BEGIN { printf "%.1f", b - a }')
BOOT=
if [ -e "$TMP/ctl/started" ]; then
	BOOT=$(awk -v a="$START" -v b="$(stat -c %.3Y "$TMP/ctl/started")" \
		'BEGIN { printf "%.1f", b - a }')
	msg "boot to CMD: ${BOOT}s (guest uptime $(cat "$TMP/ctl/started")s), total ${ELAPSED}s"
else
	msg "total ${ELAPSED}s, CMD never started"
fi

# ---------------------------------------------------------------- verdict

CONSOLE=$OUT/console.log
fail() {
	local rc=$1
	shift
	msg "FAIL: $*"
	exit "$rc"
}

check_dmesg() {
	local hits
	[ -r "$OUT/dmesg.txt" ] || fail 7 "no dmesg.txt from the guest"
	hits=$(grep -E -- "$SPLAT_RE" "$OUT/dmesg.txt" | grep -v -E -- "$SPLAT_IGNORE_RE")
	if [ -n "$hits" ]; then
		msg "kernel warnings/bugs in $OUT/dmesg.txt:"
		printf '%s\n' "$hits" | head -n 50 | sed 's/^/    /' >&2
		return 1
	fi
	return 0
}

if [ -r "$OUT/result" ]; then
	RESULT=$(cat "$OUT/result")
	case "$RESULT" in
	exit=0)
		check_dmesg || fail 6 "CMD exited 0 but the guest kernel logged warnings/bugs (see above)"
		msg "PASS (console: $CONSOLE)"
		exit 0
		;;
	exit=[0-9]*)
		N=${RESULT#exit=}
		check_dmesg || msg "(and the guest kernel logged warnings/bugs, see above)"
		fail 1 "CMD failed with exit $N (console: $CONSOLE)"
		;;
	*)
		fail 7 "unparsable result file: '$RESULT'"
		;;
	esac
fi

if grep -q 'Kernel panic - not syncing' "$CONSOLE"; then
	msg "panic in the guest:"
	grep -E -B2 -A2 'Kernel panic - not syncing' "$CONSOLE" | head -n 20 | sed 's/^/    /' >&2
	fail 5 "guest kernel panicked (console: $CONSOLE)"
fi
if [ "$QEMU_RC" = 124 ] || [ "$QEMU_RC" = 137 ]; then
	if [ -n "$BOOT" ]; then
		fail 4 "timed out after ${TIMEOUT}s: CMD did not finish (QEMU killed; console: $CONSOLE)"
	fi
	fail 4 "timed out after ${TIMEOUT}s before CMD started: guest never booted? (QEMU killed; console: $CONSOLE)"
fi
if grep -q '^vmtest-init: FATAL' "$CONSOLE"; then
	grep '^vmtest-init: FATAL' "$CONSOLE" | sed 's/^/    /' >&2
	fail 3 "guest setup failed before CMD ran (console: $CONSOLE)"
fi
if ! grep -q '^vmtest-init:' "$CONSOLE"; then
	msg "last console lines:"
	tail -n 20 "$CONSOLE" | sed 's/^/    /' >&2
	fail 3 "guest never booted (QEMU exit status $QEMU_RC; console: $CONSOLE)"
fi
if [ -z "$BOOT" ]; then
	tail -n 20 "$CONSOLE" | sed 's/^/    /' >&2
	fail 3 "guest stopped before CMD started (QEMU exit status $QEMU_RC; console: $CONSOLE)"
fi
tail -n 20 "$CONSOLE" | sed 's/^/    /' >&2
fail 7 "guest stopped without writing a result (QEMU exit status $QEMU_RC; console: $CONSOLE)"
