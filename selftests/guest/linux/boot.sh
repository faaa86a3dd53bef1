#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the Linux test guest (Debian kernel + the stampd initramfs of
# mkinitramfs.sh) under QEMU with KVM and the dirty ring.  QEMU runs in the
# foreground (exec); start it in the background to migrate it.
#
# Usage: boot.sh [options] [-- EXTRA QEMU ARGS...]
#
#   --initrd FILE   the initramfs (build/guest/stampd.cpio.gz)
#   --kernel FILE   guest kernel (/boot/vmlinuz-KVER; an uncompressed
#                   vmlinux with PVH, e.g. run.sh's cached one, boots
#                   faster under TCG: no decompression)
#   --kver KVER     for the default --kernel (uname -r)
#   --mem MB        guest memory (512)
#   --mib N         stampd.mib working set (128)
#   --mode M        stampd.mode: write or idle (write)
#   --rate N        stampd.rate pages/s cap (0: none)
#   --append STR    more kernel parameters (e.g. stampd.selftest=1)
#   --serial SPEC   QEMU -serial backend (stdio; e.g. file:guest.log)
#   --accel ACCEL   (kvm,dirty-ring-size=4096)
#   --cpu MODEL     QEMU -cpu (host,-kvm-pv-eoi; max with --accel tcg)
#   --qemu BIN      (qemu-system-x86_64)
#   --dry-run       print the QEMU command line instead of running it
#
# The command line (defaults) it runs, the same for a migration's source
# and destination, the destination adding "-incoming tcp:ADDR:PORT":
#
#   qemu-system-x86_64 -accel kvm,dirty-ring-size=4096 -M q35,smm=off
#     -cpu host,-kvm-pv-eoi -m 512 -smp 1 -nodefaults -no-user-config -display none
#     -no-reboot -kernel /boot/vmlinuz-KVER -initrd build/guest/stampd.cpio.gz
#     -append "console=ttyS0 quiet panic=-1 stampd.mib=128 stampd.mode=write"
#     -serial stdio
#
# Guest console lines: see stampd.c ("stampd ready ...", one "stampd hb=..."
# a second, "stampd error ..." for a lost write).

set -euo pipefail

usage() {
	sed -n '/^# Usage:/,/^# The command line/p' "${BASH_SOURCE[0]}" |
		sed -e 's/^# \{0,1\}//' -e '$d' >&2
	exit 2
}

INITRD=build/guest/stampd.cpio.gz KERNEL='' KVER=$(uname -r) MEM=512 MIB=128
MODE=write RATE=0 APPEND='' SERIAL=stdio ACCEL=kvm,dirty-ring-size=4096
QEMU=qemu-system-x86_64 DRY='' CPU=''
while [ $# -gt 0 ]; do
	case "$1" in
	--initrd) INITRD=$2; shift 2 ;;
	--kernel) KERNEL=$2; shift 2 ;;
	--kver) KVER=$2; shift 2 ;;
	--mem) MEM=$2; shift 2 ;;
	--mib) MIB=$2; shift 2 ;;
	--mode) MODE=$2; shift 2 ;;
	--rate) RATE=$2; shift 2 ;;
	--append) APPEND=$2; shift 2 ;;
	--serial) SERIAL=$2; shift 2 ;;
	--accel) ACCEL=$2; shift 2 ;;
	--cpu) CPU=$2; shift 2 ;;
	--qemu) QEMU=$2; shift 2 ;;
	--dry-run) DRY=1; shift ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ -n "$KERNEL" ] || KERNEL=/boot/vmlinuz-$KVER
[ -r "$KERNEL" ] || { echo "$0: no kernel $KERNEL" >&2; exit 2; }
[ -r "$INITRD" ] || { echo "$0: no initramfs $INITRD (mkinitramfs.sh)" >&2; exit 2; }

# -kvm-pv-eoi: in the project's test host (nested KVM on QEMU TCG's SVM)
# a guest with KVM's paravirtual EOI now and then takes the APIC timer
# interrupt again inside its own timer handler (interrupts off) and
# deadlocks on jiffies_lock or the runqueue lock, mostly during boot.
# Without PV EOI it was not seen; on hardware it costs an EOI exit per
# interrupt, nothing that matters here.
if [ -z "$CPU" ]; then
	CPU=host,-kvm-pv-eoi
	case "$ACCEL" in tcg*) CPU=max ;; esac
fi

CMD=("$QEMU" -accel "$ACCEL" -M "q35,smm=off" -cpu "$CPU" -m "$MEM" -smp 1
	-nodefaults -no-user-config -display none -no-reboot
	-kernel "$KERNEL" -initrd "$INITRD"
	-append "console=ttyS0 quiet panic=-1 stampd.mib=$MIB stampd.mode=$MODE stampd.rate=$RATE${APPEND:+ $APPEND}"
	-serial "$SERIAL" "$@")
if [ -n "$DRY" ]; then
	printf '%q ' "${CMD[@]}"
	echo
	exit 0
fi
exec "${CMD[@]}"
