#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: the quick-migration benchmark (selftests/bench_quick.c) in
# the test host, for each runtime kernel.  Prints each kernel's table and
# leaves it with the JSON in build/bench/KVER.{txt,json}.  Then the
# live-migration benchmark (selftests/bench_live.c: vmmig vs the userspace
# dirty-ring path at three guest dirty rates), in a second boot of the test
# host: build/bench/KVER-live.{txt,json,log}.
#
# Environment: BENCH_MIB (default 256), BENCH_RUNS (default 5);
# BENCH_LIVE_RUNS (default 3), BENCH_LIVE_MIB (default 1024),
# BENCH_LIVE_ARGS (more bench_live options, e.g. "--smoke" or
# "--fractions 1,0.25"), BENCH_LIVE=0 to skip it.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ -f /var/lib/vmmig/kernels.env ] || bash scripts/install-deps.sh
# shellcheck disable=SC1091
. /var/lib/vmmig/kernels.env
kernels=${VMMIG_KERNELS:-"$K61 $K612"}
mib=${BENCH_MIB:-256}
runs=${BENCH_RUNS:-5}
live=${BENCH_LIVE:-1}
live_args="--runs ${BENCH_LIVE_RUNS:-3} --mib ${BENCH_LIVE_MIB:-1024} ${BENCH_LIVE_ARGS:-}"

# In the test host: the module, the network namespaces bench_live (like
# the live tests) migrates between, then the benchmark.
# shellcheck disable=SC2016 # expanded in the test host
live_cmd='insmod "build/$VMMIG_KVER/vmmig.ko" &&
ip netns add vmmig-src && ip netns add vmmig-dst &&
ip link add vmmig0 netns vmmig-src type veth peer name vmmig1 netns vmmig-dst &&
ip -n vmmig-src addr add 10.99.0.1/24 dev vmmig0 &&
ip -n vmmig-dst addr add 10.99.0.2/24 dev vmmig1 &&
ip -n vmmig-src link set vmmig0 up && ip -n vmmig-dst link set vmmig1 up &&
ip -n vmmig-src link set lo up && ip -n vmmig-dst link set lo up &&
selftests/bench_live "$@" --json "$VMMIG_OUT/live.json"'

steps=userspace
for k in $kernels; do steps="$steps build-$k"; done
VMMIG_ONLY=$steps VMMIG_KERNELS=$kernels bash scripts/check.sh
mkdir -p build/bench
for k in $kernels; do
	echo "== $k"
	selftests/vmtest/run.sh --kver "$k" --project "$top" \
		--out "build/bench/vm-$k" --timeout 1800 -- \
		sh -c "insmod build/$k/vmmig.ko && selftests/bench_quick --mib $mib --runs $runs" \
		>"build/bench/$k.log" 2>&1 ||
		{ tail -n 30 "build/bench/$k.log"; exit 1; }
	sed -n '/^quick migration/,/^zero-page check/p' "build/bench/$k.log" |
		tee "build/bench/$k.txt"
	grep '^{"bench"' "build/bench/$k.log" >"build/bench/$k.json"
	[ "$live" = 0 ] && continue
	echo "== $k live"
	rm -f "build/bench/vm-$k-live/live.json"
	# shellcheck disable=SC2086
	selftests/vmtest/run.sh --kver "$k" --project "$top" \
		--out "build/bench/vm-$k-live" --timeout 1800 -- \
		sh -c "$live_cmd" bench_live $live_args \
		>"build/bench/$k-live.log" 2>&1 ||
		{ tail -n 30 "build/bench/$k-live.log"; exit 1; }
	sed -n '/^live migration,/,/^(ratio:/p' "build/bench/$k-live.log" |
		tee "build/bench/$k-live.txt"
	cp "build/bench/vm-$k-live/live.json" "build/bench/$k-live.json"
done
