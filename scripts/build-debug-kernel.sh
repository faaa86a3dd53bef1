#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug test host kernel: the newest Debian kernel source
# (experimental's linux-source-X.Y) with scripts/debug-kernel.config
# (allnoconfig plus what the test host needs, KASAN, KFENCE, lockdep,
# DEBUG_ATOMIC_SLEEP, DEBUG_OBJECTS, kmemleak, UBSAN), and install it as a
# kernel of this machine: /boot/vmlinuz-KVER and /lib/modules/KVER (with
# build -> the build tree), so that the test host runner and the module
# build treat it like Debian's kernels.  The machine itself never boots it.
#
# The build is cached under CACHE/debug-kernel, keyed on the source
# tarball, the config fragment and this script; a second run with the same
# key only checks the installed copy (and reinstalls it if it is missing).
# A build takes about 25 minutes on 2 cores.
#
# usage: scripts/build-debug-kernel.sh CACHE_DIR
# prints: the kernel release (last line of stdout)
set -euo pipefail

cache=${1:?usage: $0 CACHE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
frag=$here/debug-kernel.config
log() { printf 'build-debug-kernel: %s\n' "$*" >&2; }

tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n1)
[ -n "$tarball" ] || { log "no /usr/src/linux-source-*.tar.xz"; exit 1; }
ver=$(basename "$tarball" .tar.xz)
key=$( {
	stat -L -c '%n %s %Y' "$tarball"
	cat "$frag" "${BASH_SOURCE[0]}"
} | sha256sum | cut -c1-16)

top=$cache/debug-kernel
src=$top/$ver
build=$top/build-$key
mkdir -p "$top"
exec 9>"$top/.lock"
flock 9

if [ ! -f "$build/.vmmig-built" ]; then
	if [ ! -f "$src/Makefile" ] || [ "$tarball" -nt "$src/Makefile" ]; then
		log "extracting $tarball"
		rm -rf "$src"
		tar -C "$top" -xf "$tarball"
	fi
	# Old builds of other keys go: each is a few GB.
	find "$top" -maxdepth 1 -name 'build-*' ! -name "build-$key" \
		-exec rm -rf {} +
	rm -rf "$build"
	mkdir -p "$build"
	log "configuring $ver in $build"
	make -s -C "$src" O="$build" KCONFIG_ALLCONFIG="$frag" allnoconfig >&2
	# Every line of the fragment must have survived Kconfig.
	missing=0
	while IFS= read -r line; do
		case "$line" in CONFIG_*=*) ;; *) continue ;; esac
		if ! grep -qxF -- "$line" "$build/.config"; then
			log "Kconfig dropped: $line"
			missing=1
		fi
	done <"$frag"
	[ "$missing" = 0 ] || { log "fix scripts/debug-kernel.config"; exit 1; }
	log "building (make -j$(nproc) bzImage modules)"
	make -s -C "$src" O="$build" -j"$(nproc)" bzImage modules >&2
	touch "$build/.vmmig-built"
fi

kver=$(make -s -C "$src" O="$build" kernelrelease)
if [ "$(cat "/lib/modules/$kver/.vmmig-key" 2>/dev/null)" != "$key" ] ||
   [ ! -s "/boot/vmlinuz-$kver" ]; then
	log "installing $kver"
	rm -rf "/lib/modules/$kver"
	make -s -C "$src" O="$build" INSTALL_MOD_PATH=/ modules_install >&2
	ln -sfn "$build" "/lib/modules/$kver/build"
	install -m 0644 "$build/arch/x86/boot/bzImage" "/boot/vmlinuz-$kver"
	install -m 0644 "$build/.config" "/boot/config-$kver"
	install -m 0644 "$build/System.map" "/boot/System.map-$kver"
	echo "$key" >"/lib/modules/$kver/.vmmig-key"
fi
echo "$kver"
