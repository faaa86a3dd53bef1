#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: vmmig's one test command.  Runs every step, never stops at
# the first failure, and ends with one summary line "N passed, N failed".
#
#   deps        install what is missing (scripts/install-deps.sh)
#   ynl         generated netlink files match uapi/netlink/vmmig.yaml
#   checkpatch  checkpatch.pl --strict on kmod/ and uapi/
#   build-K     vmmig.ko for each runtime kernel K, W=1 and sparse (C=2):
#               any warning fails
#   mainline    compile check against the newest Debian kernel source,
#               with KVM's Module.symvers (symbol namespaces)
#   debug-kernel  the newest Debian kernel source built with KASAN, KFENCE,
#               lockdep, DEBUG_ATOMIC_SLEEP, DEBUG_OBJECTS, kmemleak and
#               UBSAN (scripts/build-debug-kernel.sh, cached): a third
#               runtime kernel
#   kunit       KUnit suites under UML
#   userspace   libvmmig, vmmigctl, selftests (-Werror), man page lint
#   qemu        Debian's QEMU 7.2 with integrations/qemu's series
#               (scripts/build-qemu.sh, cached); its path in build/qemu.path
#               for the test hosts' qemu_vmmig_test.py
#   dkms        dkms add/build/install of this tree for each kernel (the
#               test host then checks autoloading of the installed module;
#               it is removed again at the end)
#   vm-K        the selftests in a QEMU test host booting kernel K; the
#               debug kernel's runs (panic_on_warn, a kmemleak scan) beside
#               the others, each test host on one core
#
# Environment: VMMIG_CACHE (default /var/cache/vmmig), VMMIG_ONLY (space-
# separated step names to run; default all), VMMIG_KERNELS (runtime kernel
# versions; default the ones install-deps resolved).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
cache=${VMMIG_CACHE:-/var/cache/vmmig}
out=$top/build/check
mkdir -p "$out"
passed=0
failed=0
failures=()
t_start=$(date +%s)

want() { [ -z "${VMMIG_ONLY:-}" ] || [[ " $VMMIG_ONLY " == *" $1 "* ]]; }

# step NAME CMD...: run, log to build/check/NAME.log, tally.
step() {
	local name=$1 t0 rc
	shift
	want "$name" || return 0
	t0=$(date +%s)
	printf '=== %-14s ' "$name"
	"$@" >"$out/$name.log" 2>&1
	rc=$?
	step_result "$name" "$rc" "$t0"
	return $rc
}

# step_bg NAME CMD...: as step, in the background; step_wait collects it.
bg_pids=()
bg_names=()
step_bg() {
	local name=$1
	shift
	want "$name" || return 0
	(
		t0=$(date +%s)
		"$@" >"$out/$name.log" 2>&1
		echo "$? $t0" >"$out/$name.rc"
	) &
	bg_pids+=("$!")
	bg_names+=("$name")
}

step_wait() {
	local i name rc t0
	for i in "${!bg_pids[@]}"; do
		wait "${bg_pids[$i]}"
		name=${bg_names[$i]}
		read -r rc t0 <"$out/$name.rc" 2>/dev/null || { rc=1; t0=$(date +%s); }
		printf '=== %-14s ' "$name"
		step_result "$name" "$rc" "$t0"
	done
	bg_pids=()
	bg_names=()
}

step_result() {
	local name=$1 rc=$2 t0=$3
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		printf 'ok   (%ss)\n' $(($(date +%s) - t0))
	else
		failed=$((failed + 1))
		failures+=("$name")
		printf 'FAIL (%ss, exit %d) - last lines of build/check/%s.log:\n' \
			$(($(date +%s) - t0)) "$rc" "$name"
		tail -n 25 "$out/$name.log" | sed 's/^/    /'
	fi
}

deps() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "not root: skipping package installation"
		return 0
	fi
	bash scripts/install-deps.sh
}

# The kernels and source trees install-deps resolved.
load_kernels() {
	if [ -f /var/lib/vmmig/kernels.env ]; then
		# shellcheck disable=SC1091
		. /var/lib/vmmig/kernels.env
	fi
	KERNELS=${VMMIG_KERNELS:-"${K61:-} ${K612:-}"}
	KSRC61=$cache/linux-source-6.1
	KDEBUG=
}

debug_kernel() {
	bash scripts/build-debug-kernel.sh "$cache" | tail -n1 >"$out/debug-kernel.kver"
	[ -s "$out/debug-kernel.kver" ] && [ "${PIPESTATUS[0]}" -eq 0 ]
}

src61() {
	[ -f "$KSRC61/Makefile" ] && return 0
	mkdir -p "$cache" && tar -C "$cache" -xf /usr/src/linux-source-6.1.tar.xz
}

mainline_tree() {
	bash scripts/prepare-mainline.sh "$cache" | tail -n1
}

ynl() {
	local tree
	tree=$(mainline_tree) || return 1
	bash scripts/ynl-gen.sh "$tree" --check
}

checkpatch() {
	local tree
	tree=$(mainline_tree) || return 1
	local cp=$tree/scripts/checkpatch.pl
	local files
	files=$(ls kmod/*.c kmod/*.h uapi/linux/*.h | grep -v '^kmod/compat.h$')
	# --no-tree: out of tree; the generated YNL files are checked too.
	# shellcheck disable=SC2086
	perl "$cp" --no-tree --strict --terse --show-types -f $files || return 1
	# compat.h is the one place that must test LINUX_VERSION_CODE.
	perl "$cp" --no-tree --strict --terse --show-types \
		--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f kmod/compat.h
}

# Build a private copy of the module sources for kernel $1 (build dir $2)
# with extra make arguments $3...; fail on any compiler or sparse warning.
build_for() {
	local kdir=$1 dir=$2 log
	shift 2
	rm -rf "$dir" && mkdir -p "$dir"
	cp -r Kbuild kmod uapi "$dir"/
	log=$dir/build.log
	make -C "$kdir" M="$dir" W=1 "$@" modules >"$log" 2>&1
	local rc=$?
	cat "$log"
	[ $rc -eq 0 ] || return $rc
	[ -f "$dir/vmmig.ko" ] || { echo "no vmmig.ko"; return 1; }
	if grep -E 'warning:|error:|sparse:' "$log" | grep -v 'Skipping BTF'; then
		echo "build for $kdir: warnings above"
		return 1
	fi
}

build_kernel() {
	build_for "/lib/modules/$1/build" "$top/build/$1" C=2 CHECK=sparse
}

mainline() {
	local tree out
	tree=$(mainline_tree) || return 1
	out=$top/build/mainline
	# No vmlinux Module.symvers in a modules_prepare tree: core symbols are
	# "undefined" warnings; KVM's symvers makes namespace errors real.
	rm -rf "$out" && mkdir -p "$out" && cp -r Kbuild kmod uapi "$out"/
	make -C "$tree" M="$out" W=1 KBUILD_MODPOST_WARN=1 \
		KBUILD_EXTRA_SYMBOLS="$tree/arch/x86/kvm/Module.symvers" \
		modules >"$out/build.log" 2>&1
	local rc=$?
	cat "$out/build.log"
	[ $rc -eq 0 ] || return $rc
	if grep -E 'warning:|error:' "$out/build.log" |
	   grep -vE 'WARNING: modpost: "[^"]+" \[[^]]+\] undefined!'; then
		echo "mainline build: warnings above"
		return 1
	fi
	if grep -E 'namespace|undefined!' "$out/build.log" | grep -E 'kvm'; then
		echo "mainline build: KVM symbol problems above"
		return 1
	fi
}

kunit() {
	src61 || return 1
	bash scripts/kunit.sh "$KSRC61" "$cache/kunit-uml-6.1"
}

# The newest tree's kselftest_harness.h: it runs single tests (-t NAME).
userspace() {
	local tree
	tree=$(mainline_tree) || return 1
	make -C userspace &&
	make -C selftests KSFT_DIR="$tree/tools/testing/selftests" &&
	man --warnings -E UTF-8 -l userspace/vmmigctl/vmmigctl.8 >/dev/null
}

# dkms accepts the tree: add, build and install for every runtime kernel.
# The test host shares this root, so it then finds the installed module
# and checks autoloading through the family alias; dkms_remove undoes it.
DKMS_VER=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
dkms_remove() {
	dkms remove -m vmmig -v "$DKMS_VER" --all >/dev/null 2>&1
	rm -rf "/usr/src/vmmig-$DKMS_VER"
}

dkms_install() {
	local src=/usr/src/vmmig-$DKMS_VER k
	dkms_remove
	mkdir -p "$src"
	git ls-files -z | xargs -0 cp --parents -t "$src" || return 1
	dkms add -m vmmig -v "$DKMS_VER" || return 1
	for k in $KERNELS; do
		dkms build -m vmmig -v "$DKMS_VER" -k "$k" &&
		dkms install -m vmmig -v "$DKMS_VER" -k "$k" --force || return 1
		modinfo -k "$k" -F vermagic vmmig | grep -q "^$k " || return 1
	done
	dkms status -m vmmig
}

# The patched QEMU the test hosts run (one binary, cached by its inputs).
qemu_build() {
	local path
	path=$(bash scripts/build-qemu.sh) || return 1
	echo "$path"
	echo "$path" >"$top/build/qemu.path"
}

vm() {
	local k=$1 timeout=2700 append=
	[ -f "$top/build/$k/vmmig.ko" ] || { echo "no build/$k/vmmig.ko"; return 1; }
	rm -rf "$top/build/vm-$k"
	# The debug kernel: every warning is fatal, and it is slower.
	if [ "$k" = "$KDEBUG" ]; then
		timeout=4200
		append=panic_on_warn=1
	fi
	VMTEST_APPEND=$append selftests/vmtest/run.sh --kver "$k" --project "$top" \
		--out "$top/build/vm-$k" --timeout "$timeout" -- \
		selftests/run_tests.sh "build/$k/vmmig.ko"
}

# The Debian kernels one after the other, on one core.
vm_lane() {
	local k
	for k in $KERNELS; do
		step "vm-$k" vm "$k"
	done
}

step deps deps
load_kernels
step ynl ynl
step checkpatch checkpatch
for k in $KERNELS; do
	step "build-$k" build_kernel "$k"
done
step mainline mainline
step debug-kernel debug_kernel
[ -s "$out/debug-kernel.kver" ] && [ -d "/lib/modules/$(cat "$out/debug-kernel.kver")" ] &&
	KDEBUG=$(cat "$out/debug-kernel.kver")
[ -n "$KDEBUG" ] && step "build-$KDEBUG" build_kernel "$KDEBUG"
step kunit kunit
step userspace userspace
step qemu qemu_build
[ "$(id -u)" -eq 0 ] && step dkms dkms_install
# Two lanes, a test host each: the debug kernel beside the Debian ones.
[ -n "$KDEBUG" ] && step_bg "vm-$KDEBUG" vm "$KDEBUG"
vm_lane
step_wait
[ "$(id -u)" -eq 0 ] && want dkms && dkms_remove

echo
echo "make check: $(($(date +%s) - t_start))s"
[ ${#failures[@]} -eq 0 ] || echo "failed steps: ${failures[*]}"
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
