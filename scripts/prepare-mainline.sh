#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare the newest Debian-shipped kernel source (experimental's
# linux-source-X.Y) for vmmig's compile check: extract it, configure
# x86_64_defconfig with KVM, KVM_AMD, KVM_INTEL and TLS as modules, run
# modules_prepare, and build arch/x86/kvm so its Module.symvers lets modpost
# catch symbol-namespace errors (KVM restricts some exports to its own
# modules on new kernels).
#
# usage: scripts/prepare-mainline.sh CACHE_DIR
# prints: the prepared tree's path (last line of stdout)
set -euo pipefail

cache=${1:?usage: $0 CACHE_DIR}
tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n1)
[ -n "$tarball" ] || { echo "prepare-mainline: no /usr/src/linux-source-*.tar.xz" >&2; exit 1; }
ver=$(basename "$tarball" .tar.xz)
src=$cache/$ver
stamp=$src/.vmmig-prepared

if [ -f "$stamp" ] && [ "$stamp" -nt "$tarball" ]; then
	echo "$src"
	exit 0
fi

mkdir -p "$cache"
if [ ! -f "$src/Makefile" ] || [ "$tarball" -nt "$src/Makefile" ]; then
	rm -rf "$src"
	tar -C "$cache" -xf "$tarball"
fi

cd "$src"
{
	make -s x86_64_defconfig
	scripts/config -m KVM -m KVM_AMD -m KVM_INTEL -m TLS \
		-e NET -e INET -e VIRTUALIZATION
	make -s olddefconfig
	make -s -j"$(nproc)" modules_prepare
	# kvm.ko, kvm-amd.ko, kvm-intel.ko and their Module.symvers.
	make -s -j"$(nproc)" KBUILD_MODPOST_WARN=1 M=arch/x86/kvm modules
} >&2
[ -s arch/x86/kvm/Module.symvers ] || { echo "prepare-mainline: no KVM Module.symvers" >&2; exit 1; }
touch "$stamp"
echo "$src"
