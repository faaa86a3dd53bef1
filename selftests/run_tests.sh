#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# vmmig selftests, run inside the test host (see selftests/vmtest/run.sh)
# as root, with kvm_amd loaded.  Prints TAP; exits non-zero if anything
# failed.
#
# usage: selftests/run_tests.sh path/to/vmmig.ko
set -u

ko=${1:?usage: $0 path/to/vmmig.ko}
here=$(cd "$(dirname "$0")" && pwd)
n=0
failed=0
skipped=0
todo=0

ok() { n=$((n + 1)); echo "ok $n $*"; }
# Cases left out on the debug kernel, reported in TAP, never as passes:
# SKIP for a choice of scale (6.1 and 6.12 run them), TODO for a defect.
skip_line() { n=$((n + 1)); skipped=$((skipped + 1)); echo "ok $n $* # SKIP debug kernel: size and repetition are 6.1's and 6.12's job"; }
todo_line() { n=$((n + 1)); todo=$((todo + 1)); echo "not ok $n $* # TODO debug kernel: pre-copy does not converge in time"; }
# What failed, repeated at the end: a CI log's tail then names it.
fail_log=$(mktemp)
trap 'rm -f "$fail_log"' EXIT
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; echo "$*" >>"$fail_log"; }
check_eq() { # check_eq "description" expected actual
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"; echo "#   expected: $2"; echo "#   got:      $3"; fi
}
check() { # check "description" cmd...
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

sessions_now() { # host-wide session count through the CLI, as JSON
	"$vmmigctl" -j host |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["sessions"])'
}

echo "TAP version 13"

echo "# kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) vCPUs"

# The debug kernel runs every suite, with smaller guests and fewer
# repetitions (selftests/migrate.c: mig_debug_profile()).
case "$(uname -r)" in
*-vmmig-debug) export VMMIG_TEST_PROFILE=debug ;;
esac

check "/dev/kvm present (kvm_amd loaded)" test -c /dev/kvm
check "vmmig.ko is built for $(uname -r)" \
	sh -c "modinfo -F vermagic '$ko' | grep -q '^$(uname -r) '"

vmmigctl=$here/../userspace/vmmigctl/vmmigctl

# With vmmig installed for this kernel (make check installs it with dkms),
# opening the family must load it: MODULE_ALIAS_GENL_FAMILY.
if modinfo -n vmmig >/dev/null 2>&1; then
	check "autoload: vmmigctl loads the installed module" sh -c \
		"! grep -q '^vmmig ' /proc/modules && '$vmmigctl' host >/dev/null &&
		 grep -q '^vmmig ' /proc/modules && rmmod vmmig"
else
	n=$((n + 1))
	skipped=$((skipped + 1))
	echo "ok $n autoload # SKIP vmmig is not installed for $(uname -r)"
fi

load_unload_100() {
	local i
	for i in $(seq 1 100); do
		insmod "$ko" || { echo "# insmod #$i failed"; return 1; }
		rmmod vmmig || { echo "# rmmod #$i failed"; return 1; }
	done
}
check "vmmig.ko's dependencies load" sh -c \
	"'$here/load_module.sh' '$ko' && rmmod vmmig"
check "module loads and unloads 100 times" load_unload_100

check "insmod vmmig.ko" insmod "$ko"
check "genetlink family registered" sh -c "'$vmmigctl' host >/dev/null"

# Run "$@" for at most $1 seconds; past that, show where every task is
# blocked (stacks, sysrq-w) before killing it, so a hang can be diagnosed.
bounded() {
	local secs=$1 pid end p
	shift
	# Line-buffered, so that a long suite shows where it is.
	stdbuf -oL -eL "$@" &
	pid=$!
	end=$((SECONDS + secs))
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$SECONDS" -ge "$end" ]; then
			echo "# TIMEOUT after ${secs}s: $*"
			ps -eo pid,ppid,stat,wchan:32,comm | grep -v ' \[' | sed 's/^/# /'
			for p in $(pgrep -f "$1"); do
				echo "# stack of $p:"; sed 's/^/#   /' "/proc/$p/stack"
			done
			echo w >/proc/sysrq-trigger
			pkill -KILL -f "$1"
			wait "$pid"
			return 124
		fi
		sleep 0.5
	done
	wait "$pid"
}

# VMMIG_SUITES="control_test quick_test ...": run only those suites (and,
# with "bench", the benchmark smoke runs), for development; default all,
# except the benchmark smoke runs on the debug kernel (they take the same
# paths as the suites, at a length the debug kernel cannot afford).
# On the debug kernel make check leaves live_test out too (a TAP TODO
# line below): beside the 6.1 and 6.12 test hosts, its live migrations
# of a writing guest, and the fault cases that start with one, did not
# reach "ready" in their 240 s (2026-12-05: round 0 at 0.5 MB/s), and the
# suite ran into its bound; VMMIG_SUITES=live_test runs it there.
debug_live_todo=0
if [ -z "${VMMIG_SUITES:-}" ] && [ "${VMMIG_TEST_PROFILE:-}" = debug ]; then
	VMMIG_SUITES="control_test abi/abi_test quick_test stamp_test teardown_test qemu_vmmig_test.py"
	debug_live_todo=1
fi
want_suite() { [ -z "${VMMIG_SUITES:-}" ] || [[ " $VMMIG_SUITES " == *" $1 "* ]]; }

# Indent a suite's TAP as a subtest; after each case's result, how long
# the case took (where a slow kernel spends the suite's time).  A failed
# case goes to the summary with its diagnostics: the two comment lines
# before it (kselftest_harness prints them first) and the two after it
# (qemu_vmmig_test.py), cut to 300 characters, so that the tail of a log
# says why.
case_times() {
	local line t=$SECONDS prev1= prev2= after=0
	while IFS= read -r line; do
		printf '    %s\n' "$line"
		case $line in
		"ok "* | "not ok "*)
			printf '    # %ss\n' $((SECONDS - t))
			t=$SECONDS
			after=0 ;;
		"#"*)
			if [ "$after" -gt 0 ]; then
				echo "      ${line:0:300}" >>"$fail_log"
				after=$((after - 1))
			fi
			prev1=$prev2
			prev2=$line
			continue ;;
		esac
		case $line in
		"not ok "*"# TODO"*) ;;
		"not ok "*)
			echo "  ${line#not ok }" >>"$fail_log"
			for line in "$prev1" "$prev2"; do
				[ -n "$line" ] && echo "      ${line:0:300}" >>"$fail_log"
			done
			after=2 ;;
		esac
		prev1=
		prev2=
	done
}

# A kselftest-harness binary, bounded; its own TAP indented as a subtest.
# VMMIG_SUITE_ARGS (development) is passed to every suite, e.g. "-t name".
suite() { # suite NAME SECONDS [harness filter args...]
	local rc name=$1 secs=$2 t0=$SECONDS
	shift 2
	want_suite "$name" || return 0
	echo "# $name"
	# Its TAP as it comes (a long suite shows where it is).
	# shellcheck disable=SC2086
	bounded "$secs" "$here/$name" "$@" ${VMMIG_SUITE_ARGS:-} 2>&1 |
		case_times
	rc=${PIPESTATUS[0]}
	if [ "$rc" -eq 0 ]; then ok "$name # $((SECONDS - t0))s"; else
		not_ok "$name (exit $rc) # $((SECONDS - t0))s"; fi
}

suite control_test 600
# A program built against the previous libvmmig release, run against today's.
suite abi/abi_test 120

check "no session left on the host" test "$(sessions_now)" = 0

# Two network namespaces joined by veth for migrations between "hosts".
ip netns add vmmig-src && ip netns add vmmig-dst &&
ip link add vmmig0 netns vmmig-src type veth peer name vmmig1 netns vmmig-dst &&
ip -n vmmig-src addr add 10.99.0.1/24 dev vmmig0 &&
ip -n vmmig-dst addr add 10.99.0.2/24 dev vmmig1 &&
ip -n vmmig-src link set vmmig0 up && ip -n vmmig-dst link set vmmig1 up
check "network namespaces vmmig-src and vmmig-dst over veth" \
	sh -c "ip -n vmmig-dst addr show vmmig1 | grep -q 10.99.0.2"

# The debug kernel: not the 512 MiB cases (the smaller ones take the
# same paths; 512 MiB in one pass takes it 6-7 minutes a case).
quick_args=()
if [ "${VMMIG_TEST_PROFILE:-}" = debug ] && want_suite quick_test; then
	quick_args=(-F quick_big)
	skip_line "quick_test quick_big (512 MiB)"
fi
suite quick_test 1200 "${quick_args[@]}"
check "no session left after quick_test" test "$(sessions_now)" = 0

# The live-migration guest and test VMM on KVM alone, then live migration.
suite stamp_test 600
# The debug kernel runs live_test with one ring size (4096: the paths
# are the same for all three), and without the cases that migrate a
# writing guest to completion: beside the 6.1 and 6.12 test hosts (make
# check runs them at once) its round 0 alone moved 0.5 MB/s and did not
# end in the tests' 240 s; alone it passed running_guest in 65-95 s.
# They are TAP TODO (an open defect: issue 12's data-path work), 6.1 and
# 6.12 run them all.  destination_gone_mid_round is among them because
# there the migration completed before the fault was injected once.
live_args=()
if [ "${VMMIG_TEST_PROFILE:-}" = debug ] && want_suite live_test; then
	for t in running_guest vmm_writes_reported ready_counts_data_in_flight \
		 twenty_in_a_row destination_gone_mid_round; do
		live_args+=(-T "$t")
		todo_line "live_test $t"
	done
	live_args+=(-V ring512 -V ring65536)
	skip_line "live_test variants ring512 and ring65536"
fi
[ "$debug_live_todo" = 1 ] &&
	todo_line "live_test (the whole suite; VMMIG_SUITES=live_test runs it)"
suite live_test 1800 "${live_args[@]}"
check "no session left after live_test" test "$(sessions_now)" = 0

# kmemleak (the debug kernel): scan, and fail on any suspected leak that
# vmmig allocated.  Reports of other code are shown, not counted.  Called
# while the module is loaded, so that its frames have names.
# QEMU migrating through vmmig (integrations/qemu): the patched QEMU of
# make check's qemu step.  On the debug kernel, the cases that need no
# migration to reach its end (pre-copy is capped there): its round 0
# runs at about 0.5 MB/s, as for live_test above.
if want_suite qemu_vmmig_test.py; then
	qemu_bin=$(cat "$here/../build/qemu.path" 2>/dev/null)
	qemu_cases=()
	[ "${VMMIG_TEST_PROFILE:-}" = debug ] &&
		qemu_cases=(-r refused_settings -r dst_killed -r cancel_setup
			    -r cancel_active -r memslot_changed)
	if [ -n "$qemu_bin" ] && [ -x "$qemu_bin" ]; then
		suite qemu_vmmig_test.py 1500 --qemu "$qemu_bin" "${qemu_cases[@]}"
	else
		not_ok "qemu_vmmig_test.py: no patched QEMU in build/qemu.path (make qemu)"
	fi
	check "no session left after qemu_vmmig_test.py" test "$(sessions_now)" = 0
fi

kmemleak_check() {
	local k=/sys/kernel/debug/kmemleak
	[ -w "$k" ] || return 0
	echo scan >"$k"; sleep 6; echo scan >"$k"
	if grep -q . "$k"; then
		echo "# kmemleak reports (first lines):"
		head -n 60 "$k" | sed 's/^/#   /'
	fi
	! grep -q vmmig "$k"
}
check "kmemleak: no leak of vmmig's" kmemleak_check

# Teardown whatever the worker does, and the stress loops (they unload and
# load the module: VMMIG_KO).
export VMMIG_KO=$ko
suite teardown_test 3600
check "no session left after teardown_test" test "$(sessions_now)" = 0
check "kmemleak: no leak of vmmig's after teardown_test" kmemleak_check

# Short runs of the benchmarks so that they cannot rot (every path checks
# every page); the figures come from make bench.
bench_smoke() {
	local d=/tmp/bench-quick-smoke p
	rm -rf "$d" && mkdir -p "$d" &&
	"$here/bench_quick" --mib 16 --runs 1 --perf "$d" >/tmp/bench.out 2>&1
	local rc=$?
	sed 's/^/# /' /tmp/bench.out
	[ $rc -eq 0 ] || return $rc
	# Every path was profiled, and perf recorded samples of it.
	for p in transport vmmig vmmig-nozero userspace; do
		perf report -i "$d/quick-$p.data" --stdio -q --sort sym \
			2>/dev/null | grep -q . ||
			{ echo "# no profile of $p"; return 1; }
	done
}
want_suite bench &&
	check "benchmark smoke run (bench_quick --mib 16 --runs 1 --perf)" bench_smoke

# The live benchmark's whole chain: the link, calibration, one run of
# every path (vmmig, userspace, userspace-zc, QEMU), the report and chart.
live_bench_smoke() {
	local d=/tmp/bench-smoke
	"$here/bench_run.sh" "$d" --smoke >/tmp/bench.out 2>&1 &&
	python3 "$here/../scripts/bench_report.py" --out "$d" \
		--command "bench_run.sh --smoke" "$VMMIG_KVER=$d/live.jsonl" \
		>>/tmp/bench.out 2>&1
	local rc=$?
	sed 's/^/# /' /tmp/bench.out
	[ $rc -eq 0 ] || return $rc
	# Every path passed (in one of at most two runs: bench_run.sh), the
	# link was measured, the chart was drawn.
	python3 - "$d" <<'PY'
import json, sys
d = sys.argv[1]
runs = [json.loads(l) for l in open(f"{d}/live.jsonl") if l.strip()]
ok = {(r.get("guest", "stamp"), r["path"]) for r in runs if r["ok"]}
want = {("stamp", p) for p in ("transport", "transport-zc", "vmmig",
                               "userspace", "userspace-zc", "qemu")}
# The patched QEMU's paths, when make check built it: the stamp guest
# and the Linux guest.
if any(r["path"] in ("qemu+vmmig", "qemu-own") for r in runs):
    want |= {(g, p) for g in ("stamp", "linux-write")
             for p in ("qemu+vmmig", "qemu-own")}
rep = json.load(open(f"{d}/live.json"))
chart = next(iter(rep["kernels"].values())).get("chart")
print(f"# passed: {sorted(ok)}; missing: {sorted(want - ok)}; "
      f"chart: {chart}")
sys.exit(0 if want <= ok and chart else 1)
PY
}
want_suite bench &&
	check "live benchmark smoke run (bench_run.sh --smoke, bench_report.py)" \
		live_bench_smoke

# The operator's CLI against a session a running VMM holds, then unload
# with that session alive: the module destroys it (reason unload), tells
# the VMM, and rmmod succeeds.
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
holder_log=/tmp/unload_holder.log
"$here/unload_holder" >"$holder_log" 2>&1 &
holder=$!
for _ in $(seq 1 100); do
	grep -q '^ready' "$holder_log" && break
	sleep 0.1
done
sid=$(sed -n 's/^ready //p' "$holder_log")
check "a VMM holds a running session" test -n "$sid"
check_eq "vmmigctl -j list shows it active" "['active']" \
	"$("$vmmigctl" -j list | json "[s['state'] for s in d if s['id']==$sid]")"
check "vmmigctl show names its role" sh -c "'$vmmigctl' show $sid | grep -q source"
check "vmmigctl cancel" "$vmmigctl" cancel "$sid"
check_eq "vmmigctl -j show: cancelled, reason cancel" "cancelled cancel" \
	"$("$vmmigctl" -j show "$sid" 2>&1 | json "d['state'], d['reason']" 2>&1)"
expect_exit() { # expect_exit CODE cmd...
	local want=$1 rc
	shift
	"$@" >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq "$want" ] || { echo "# exit $rc, expected $want: $*"; return 1; }
}
check "vmmigctl watch on an ended session exits 1" expect_exit 1 "$vmmigctl" watch "$sid"
check "vmmigctl cancel again fails (exit 1)" expect_exit 1 "$vmmigctl" cancel "$sid"
check "vmmigctl show of no session exits 5" expect_exit 5 "$vmmigctl" show 999999
check "vmmigctl usage error exits 2" expect_exit 2 "$vmmigctl" frobnicate
check "vmmigctl without CAP_NET_ADMIN exits 4" expect_exit 4 \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$vmmigctl" list
check "rmmod with a VMM's session alive" rmmod vmmig
wait "$holder"
holder_rc=$?
sed 's/^/# /' "$holder_log"
check "the VMM was told: destroyed, reason unload" test "$holder_rc" = 0
check "insmod again" insmod "$ko"
check "rmmod vmmig" rmmod vmmig
check "module gone" sh -c '! grep -q "^vmmig " /proc/modules'

echo "1..$n"
echo "# $((n - failed - skipped - todo)) passed, $failed failed, $skipped skipped, $todo todo"
if [ -s "$fail_log" ]; then
	echo "# failed (a suite's failed cases indented, before it):"
	sed 's/^/#   /' "$fail_log"
fi
[ "$failed" -eq 0 ]
