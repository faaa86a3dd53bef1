#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: the benchmarks, for each runtime kernel, in one boot of the
# test host per kernel:
#
#   live   selftests/bench_run.sh: live migration of a running guest by
#          vmmig, by the userspace path (plain and MSG_ZEROCOPY) and by
#          QEMU, at several dirty rates, sizes and vCPU counts, plus the
#          link alone.  scripts/bench_report.py then writes, for all
#          kernels together, build/bench/live.txt (the table, printed),
#          build/bench/live.json and build/bench/live-KVER.png (chart).
#   quick  (BENCH_QUICK=1) selftests/bench_quick: one pass of a paused VM, vmmig against
#          the userspace copy; build/bench/KVER-quick.txt.
#
# Runs that fail or time out are reported as such; a kernel whose test-host
# boot failed shows as "no results".  Exit status: 0 if every kernel's
# benchmark ran to its end (whatever the runs' outcome).
#
# Environment: VMMIG_KERNELS (default both), BENCH_RUNS (live runs per path
# and configuration, default 3), BENCH_SMOKE=1 (the short version make
# check runs), BENCH_QUICK=1 (also the quick-migration benchmark),
# BENCH_QUICK_RUNS (default 3), BENCH_TIMEOUT (s per kernel, default 1500).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
t0=$(date +%s)
out=build/bench
mkdir -p "$out"
# A fresh machine gets what it needs (idempotent, a few seconds otherwise).
if [ ! -f /var/lib/vmmig/kernels.env ] || [ "$(id -u)" -eq 0 ]; then
	bash scripts/install-deps.sh >"$out/deps.log" 2>&1 ||
		{ tail -n 20 "$out/deps.log"; exit 1; }
fi
# shellcheck disable=SC1091
. /var/lib/vmmig/kernels.env
kernels=${VMMIG_KERNELS:-"$K61 $K612"}
runs=${BENCH_RUNS:-3}
quick=${BENCH_QUICK:-0}
smoke=
[ "${BENCH_SMOKE:-0}" = 1 ] && smoke=--smoke

steps=userspace
for k in $kernels; do steps="$steps build-$k"; done
VMMIG_ONLY=$steps VMMIG_KERNELS=$kernels bash scripts/check.sh || exit 1

rc=0
inputs=()
for k in $kernels; do
	echo "== $k: test host running the benchmarks (log: $out/$k.log)"
	rm -rf "$out/vm-$k"
	# shellcheck disable=SC2016 # expanded in the test host
	selftests/vmtest/run.sh --kver "$k" --project "$top" \
		--out "$out/vm-$k" --timeout "${BENCH_TIMEOUT:-1500}" -- \
		sh -c 'insmod "build/$VMMIG_KVER/vmmig.ko" || exit 1
		if [ "$1" = 1 ]; then
			selftests/bench_quick --mib 256 --runs "$2" \
				>"$VMMIG_OUT/quick.log" 2>&1 ||
				echo "bench_quick failed"
		fi
		selftests/bench_run.sh "$VMMIG_OUT" --runs "$3" $4' \
		bench "$quick" "${BENCH_QUICK_RUNS:-3}" "$runs" "$smoke" \
		>"$out/$k.log" 2>&1 || {
		rc=1
		echo "   test host failed:"
		tail -n 15 "$out/$k.log" | sed 's/^/   /'
	}
	inputs+=("$k=$out/vm-$k/live.jsonl")
	if [ -f "$out/vm-$k/quick.log" ]; then
		sed -n '/^quick migration/,/^zero-page check/p' \
			"$out/vm-$k/quick.log" >"$out/$k-quick.txt"
	fi
done

echo
for k in $kernels; do
	[ -s "$out/$k-quick.txt" ] || continue
	echo "Debian $k"
	cat "$out/$k-quick.txt"
	echo
done
python3 scripts/bench_report.py --out "$out" \
	--command "make bench${smoke:+ (BENCH_SMOKE=1)}, BENCH_RUNS=$runs" \
	"${inputs[@]}" || rc=1
echo
echo "make bench: $(($(date +%s) - t0)) s; report in $out/live.{txt,json}, charts $out/live-*.png"
exit $rc
