#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: the main job, run in the QEMU test host (see README).
#
# Until the data paths land (quick and live migration), this shows the
# control plane end to end on a real kernel with real KVM: the module is
# loaded, a VMM creates and starts a session, and the operator follows it
# with vmmigctl (events, list, show), cancels it, and unloads the module
# while the VMM still holds it.
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
