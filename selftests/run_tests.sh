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

ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }
check() { # check "description" cmd...
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

sessions_now() { # host-wide session count through the CLI, as JSON
	"$here/../userspace/vmmigctl/vmmigctl" -j host |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["sessions"])'
}

echo "TAP version 13"
echo "# kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) vCPUs"

check "/dev/kvm present (kvm_amd loaded)" test -c /dev/kvm
check "vmmig.ko is built for $(uname -r)" \
	sh -c "modinfo -F vermagic '$ko' | grep -q '^$(uname -r) '"

load_unload_100() {
	local i
	for i in $(seq 1 100); do
		insmod "$ko" || { echo "# insmod #$i failed"; return 1; }
		rmmod vmmig || { echo "# rmmod #$i failed"; return 1; }
	done
}
check "module loads and unloads 100 times" load_unload_100

check "insmod vmmig.ko" insmod "$ko"
check "genetlink family registered" \
	sh -c "'$here/../userspace/vmmigctl/vmmigctl' host >/dev/null"

# Run "$@" for at most $1 seconds; past that, show where every task is
# blocked (stacks, sysrq-w) before killing it, so a hang can be diagnosed.
bounded() {
	local secs=$1 pid t=0 p
	shift
	"$@" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$t" -ge "$((secs * 10))" ]; then
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
		sleep 0.1
		t=$((t + 1))
	done
	wait "$pid"
}

# The kselftest harness prints its own TAP; indent it as a subtest.
echo "# control_test"
bounded 600 "$here/control_test" > /tmp/control_test.out 2>&1
rc=$?
sed 's/^/    /' /tmp/control_test.out
if [ "$rc" -eq 0 ]; then ok "control_test"; else not_ok "control_test (exit $rc)"; fi

check "no session left on the host" test "$(sessions_now)" = 0

# Unload with a live session owned by a running VMM: the module destroys
# it (reason unload), tells the VMM, and rmmod succeeds.
unload_with_session() {
	local log=/tmp/unload_holder.log pid i rc
	"$here/unload_holder" >"$log" 2>&1 &
	pid=$!
	for i in $(seq 1 100); do
		grep -q '^ready' "$log" && break
		sleep 0.1
	done
	grep -q '^ready' "$log" || { cat "$log"; kill "$pid"; return 1; }
	[ "$(sessions_now)" = 1 ] || { echo "# expected 1 session"; return 1; }
	rmmod vmmig || { kill "$pid"; return 1; }
	wait "$pid"
	rc=$?
	sed 's/^/# /' "$log"
	return $rc
}
check "rmmod with a running session: destroyed with reason unload" \
	unload_with_session
check "insmod again" insmod "$ko"
check "rmmod vmmig" rmmod vmmig
check "module gone" sh -c '! grep -q "^vmmig " /proc/modules'

echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
