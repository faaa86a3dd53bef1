#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Early init of the vmtest guest (see run.sh next to this file).
#
# run.sh copies this file into the initramfs as /init.  It runs twice:
#
#  stage 1  PID 1 in the initramfs, busybox sh.  Loads the 9p/virtio modules
#           listed in /modules/order, mounts the host's root file system (9p,
#           tag "root", read-only), tmpfs on its /tmp and /run, the project
#           (tag "vmmig", read-only) on /tmp/vmmig, the output directory (tag
#           "vmmigout", read-write) on /tmp/vmmig-out and run.sh's private
#           control directory (tag "vmmigctl") on /run/vmmig/ctl, moves /dev,
#           /proc and /sys over, then chroots into the new root and runs
#           itself again as stage 2.
#
#  stage 2  PID 1 inside the chroot, the host's /bin/sh.  Mounts /dev/pts,
#           /dev/shm, debugfs, brings lo up, loads kvm_amd, then runs the
#           command from /run/vmmig/ctl/cmd with cwd /tmp/vmmig, stdout and
#           stderr on the console.  Afterwards it dumps dmesg to
#           /tmp/vmmig-out/dmesg.txt, writes "exit=N" to /tmp/vmmig-out/result,
#           syncs and powers off.
#
# Lines starting with "vmtest-init: " are parsed by run.sh ("vmtest-init:
# FATAL: ..." means the guest setup failed before the command could run).
#
# The script must stay POSIX sh: stage 1 runs under busybox ash, stage 2
# under Debian's dash.

P9OPTS=trans=virtio,version=9p2000.L,msize=512000
CTL=/run/vmmig/ctl

log() {
	echo "vmtest-init: $*"
}

uptime_s() {
	read -r up _ </proc/uptime 2>/dev/null || up='?'
	echo "$up"
}

poweroff_now() {
	sync
	for bb in /run/vmmig/busybox /bin/busybox; do
		[ -x "$bb" ] && "$bb" poweroff -f
	done
	poweroff -f
	echo o >/proc/sysrq-trigger
	# Still alive: exiting PID 1 panics the kernel, and with panic=-1
	# and QEMU's -no-reboot that stops the VM as well.
	exit 1
}

die() {
	log "FATAL: $*"
	poweroff_now
}

stage1() {
	export PATH=/bin
	/bin/busybox --install -s /bin

	mount -t proc -o nosuid,nodev,noexec proc /proc
	mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
	mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev
	# The kernel opened /dev/console for us if the initramfs had it;
	# reopen it from devtmpfs in any case.
	exec </dev/console >/dev/console 2>&1

	echo	# SeaBIOS leaves its last line unterminated
	log "stage 1: kernel $(uname -r), uptime $(uptime_s) s"

	while read -r m; do
		[ -n "$m" ] || continue
		insmod "/modules/$m" || die "insmod $m failed"
	done </modules/order

	mkdir -p /newroot
	mount -t 9p -o "$P9OPTS,ro,cache=loose" root /newroot ||
		die "cannot mount the host root file system (9p tag root)"
	[ -x /newroot/bin/sh ] || die "no /bin/sh in the shared root"

	# tmpfs on /tmp first, then the mount points inside it.
	mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /newroot/tmp || die "tmpfs on /tmp"
	mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /newroot/run || die "tmpfs on /run"
	mkdir -p /newroot/tmp/vmmig /newroot/tmp/vmmig-out /newroot$CTL
	mount -t 9p -o "$P9OPTS,ro,cache=loose" vmmig /newroot/tmp/vmmig ||
		die "cannot mount the project directory (9p tag vmmig)"
	mount -t 9p -o "$P9OPTS,cache=mmap" vmmigout /newroot/tmp/vmmig-out ||
		die "cannot mount the output directory (9p tag vmmigout)"
	mount -t 9p -o "$P9OPTS" vmmigctl /newroot$CTL ||
		die "cannot mount the control directory (9p tag vmmigctl)"

	cp /init /newroot/run/vmmig/guest-init.sh || die "copy of init"
	cp /bin/busybox /newroot/run/vmmig/busybox || die "copy of busybox"

	for d in dev proc sys; do
		mount -o move /$d /newroot/$d || die "cannot move /$d into the new root"
	done

	# Move the new root onto / (as switch_root does) rather than only
	# chroot into it: a process whose root is not its mount namespace's
	# root may not create user namespaces, and the selftests need them.
	cd /newroot || die "cannot enter the new root"
	mount -o move . / || die "cannot move the new root onto /"
	# shellcheck disable=SC2093 # only reached when exec fails
	exec chroot . /bin/sh /run/vmmig/guest-init.sh stage2
	die "chroot into the shared root failed"
}

# Quote one argument for sh: 'a'\''b'.
squote() {
	printf "'%s'" "$(printf '%s' "$1" | $BB sed "s/'/'\\\\''/g")"
}

# shellcheck disable=SC2120 # "set --" below, not arguments
stage2() {
	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	BB=/run/vmmig/busybox
	cd /

	# Setup uses the static busybox copied to tmpfs: every dynamically
	# linked program started from the 9p root costs tenths of a second
	# under TCG.
	$BB mkdir -p /dev/pts /dev/shm
	$BB mount -t devpts -o nosuid,noexec,gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts ||
		log "note: cannot mount /dev/pts"
	$BB mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm ||
		log "note: cannot mount /dev/shm"
	[ -e /dev/fd ] || $BB ln -s /proc/self/fd /dev/fd
	[ -e /dev/stdin ] || $BB ln -s /proc/self/fd/0 /dev/stdin
	[ -e /dev/stdout ] || $BB ln -s /proc/self/fd/1 /dev/stdout
	[ -e /dev/stderr ] || $BB ln -s /proc/self/fd/2 /dev/stderr
	if [ -d /sys/kernel/debug ]; then
		$BB mount -t debugfs -o nosuid,nodev,noexec debugfs /sys/kernel/debug 2>/dev/null ||
			log "note: debugfs not available"
	fi
	if [ -d /sys/kernel/tracing ]; then
		$BB mount -t tracefs -o nosuid,nodev,noexec tracefs /sys/kernel/tracing 2>/dev/null
	fi

	want=$($BB cat $CTL/kver 2>/dev/null)
	kver=$($BB uname -r)
	[ -n "$want" ] || want=$kver
	[ "$kver" = "$want" ] ||
		die "running kernel $kver, expected $want"
	[ -f "/lib/modules/$kver/modules.dep" ] ||
		die "/lib/modules/$kver/modules.dep missing in the shared root"

	$BB ip link set lo up || log "note: cannot bring lo up"

	# QEMU's multi-threaded TCG does not drop code that one vCPU runs in
	# step with live kernel text patching done on another ("Oops: int3"
	# in __schedule, or a hung guest, was seen).  KVM patches the kernel
	# when it loads and when the first VM is created or the last destroyed
	# (the preempt-notifier static key).  So: load kvm_amd and create a
	# VM with only CPU 0 online, keep that VM for the whole run so no
	# later VM flips the key, then bring the other CPUs back.  Real
	# hardware does not need this; it works around the emulator.
	others=
	for c in /sys/devices/system/cpu/cpu[1-9]*/online; do
		[ -w "$c" ] || continue
		[ "$($BB cat "$c")" = 1 ] || continue
		echo 0 >"$c" && others="$others $c"
	done
	# The CPU's AES and carry-less multiply for the kernel's crypto
	# (kTLS's gcm(aes)): on a real host udev loads these by the CPU's
	# modalias at boot; without them kTLS falls back to generic C AES.
	for m in aesni_intel ghash_clmulni_intel; do
		modprobe -q "$m" || log "NOTE: 'modprobe $m' failed"
	done
	if modprobe kvm_amd; then
		if [ -c /dev/kvm ]; then
			log "kvm_amd loaded, /dev/kvm present"
			python3 -c 'import fcntl, os, sys, time
vm = fcntl.ioctl(os.open("/dev/kvm", os.O_RDWR), 0xAE01, 0)  # KVM_CREATE_VM
open(sys.argv[1], "w").close()
time.sleep(1 << 30)' /run/vmmig/kvm-keeper.ready &
			i=0
			while [ ! -e /run/vmmig/kvm-keeper.ready ] && [ $i -lt 300 ]; do
				$BB sleep 0.1
				i=$((i + 1))
			done
			[ -e /run/vmmig/kvm-keeper.ready ] ||
				log "NOTE: the KVM keeper VM did not start"
		else
			log "NOTE: kvm_amd loaded but there is no /dev/kvm"
		fi
	else
		log "NOTE: 'modprobe kvm_amd' failed (no SVM?): running the command anyway"
	fi
	for c in $others; do
		echo 1 >"$c" || log "NOTE: cannot bring $c back online"
	done

	[ -r $CTL/cmd ] || die "no command in $CTL/cmd"
	eval "set -- $($BB cat $CTL/cmd)"
	[ $# -gt 0 ] || die "empty command"
	cmdline=
	for a in "$@"; do
		cmdline="$cmdline $(squote "$a")"
	done

	$BB mkdir -p /tmp/home
	up=$(uptime_s)
	echo "$up" >$CTL/started
	log "starting command after $up s of guest uptime:$cmdline"

	cd /tmp/vmmig || die "cd /tmp/vmmig"
	env -i \
		PATH="$PATH" \
		HOME=/tmp/home \
		TERM=linux \
		LANG=C.UTF-8 \
		VMMIG_KVER="$kver" \
		VMMIG_OUT=/tmp/vmmig-out \
		VMMIG_PROJECT=/tmp/vmmig \
		"$@" </dev/null
	rc=$?
	cd /

	log "command exited with status $rc after $(uptime_s) s of guest uptime"
	$BB dmesg >/tmp/vmmig-out/dmesg.txt 2>&1 || dmesg >/tmp/vmmig-out/dmesg.txt
	echo "exit=$rc" >/tmp/vmmig-out/result.tmp &&
		$BB mv /tmp/vmmig-out/result.tmp /tmp/vmmig-out/result
	sync
	log "powering off"
	poweroff_now
}

case "$1" in
stage2)
	stage2
	;;
*)
	if [ $$ -ne 1 ]; then
		echo "guest-init.sh: this is the vmtest guest's init, run selftests/vmtest/run.sh" >&2
		exit 2
	fi
	stage1
	;;
esac
