#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: the quick-migration benchmark (selftests/bench_quick.c) in
# the test host, for each runtime kernel.  Prints each kernel's table and
# leaves it with the JSON in build/bench/KVER.{txt,json}.
#
# Environment: BENCH_MIB (default 256), BENCH_RUNS (default 5).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ -f /var/lib/vmmig/kernels.env ] || bash scripts/install-deps.sh
# shellcheck disable=SC1091
. /var/lib/vmmig/kernels.env
kernels=${VMMIG_KERNELS:-"$K61 $K612"}
mib=${BENCH_MIB:-256}
runs=${BENCH_RUNS:-5}

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
done
