#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: the main job, run in the QEMU test host (see README).
#
# A live migration of a running guest between two network namespaces in
# the test host, on a real kernel with real KVM: a VMM (selftests/
# live_demo) boots a 1 GiB, 2-vCPU guest that keeps stamping its memory and
# migrates it through vmmig.ko while the operator follows the session with
# `vmmigctl watch` (progress, rates, then the final figures); the guest
# then checks on the destination that no write was lost.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ -f /var/lib/vmmig/kernels.env ] || sudo bash scripts/install-deps.sh
# shellcheck disable=SC1091
. /var/lib/vmmig/kernels.env
kver=${VMMIG_DEMO_KERNEL:-$K612}

echo "demo: building vmmig.ko for $kver, libvmmig, vmmigctl and the test VMM"
VMMIG_ONLY="build-$kver userspace" VMMIG_KERNELS=$kver bash scripts/check.sh
echo "demo: booting the test host ($kver, QEMU TCG, nested KVM)"
exec selftests/vmtest/run.sh --kver "$kver" --project "$top" \
	--out "$top/build/demo" --timeout 900 -- \
	selftests/demo_guest.sh "build/$kver/vmmig.ko"
