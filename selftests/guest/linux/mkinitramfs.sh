#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the initramfs of the Linux test guest: stampd (stampd.c next to
# this file) linked statically as /init, and nothing else.
#
# Usage: mkinitramfs.sh OUTPUT
#
#   OUTPUT ending in .gz is a gzip-compressed newc cpio archive, anything
#   else an uncompressed one (e.g. build/guest/stampd.cpio.gz).
#
# Needs gcc with a static libc (libc6-dev), cpio, gzip.  The archive holds
# /init, /dev/console (when run as root: the kernel opens it for init's
# stdin/out/err; without it stampd mounts devtmpfs and opens the console
# itself, and Debian's kernels carry a built-in initramfs with it anyway),
# and empty /dev, /proc, /sys mount points.  The 8250 serial console,
# devtmpfs, proc, sysfs and gzip initramfs support are built in to Debian's
# 6.1 and 6.12 kernels; virtio-blk, for stampd.dma, is a module: for every
# kernel under /lib/modules that has it, its modules and their dependencies
# go to /lib/modules/KVER/ (uncompressed, without debug info), in load
# order in /lib/modules/KVER/order.  Timestamps and owners are
# fixed, so the same stampd binary gives the same archive.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

[ $# -eq 1 ] || { echo "usage: $0 OUTPUT" >&2; exit 2; }
OUT=$1
CC=${CC:-gcc}

for tool in "$CC" cpio gzip; do
	command -v "$tool" >/dev/null || { echo "$0: $tool not found" >&2; exit 2; }
done

STAGE=$(mktemp -d "${TMPDIR:-/tmp}/stampd-initramfs.XXXXXX")
trap 'rm -rf -- "$STAGE"' EXIT

mkdir -p "$STAGE/root/dev" "$STAGE/root/proc" "$STAGE/root/sys"
"$CC" -static -O2 -Wall -Wextra -Werror -o "$STAGE/root/init" "$HERE/stampd.c" \
	-lpthread
strip "$STAGE/root/init" 2>/dev/null || true
chmod 0755 "$STAGE/root/init"
mknod -m 0600 "$STAGE/root/dev/console" c 5 1 2>/dev/null || true

# virtio-blk and what it needs, per kernel.
for dir in /lib/modules/*/; do
	kver=$(basename "$dir")
	# One module per call: modprobe takes further words as parameters.
	deps=$(for m in virtio_pci virtio_blk; do
		modprobe -S "$kver" --show-depends "$m" 2>/dev/null |
			sed -n 's/^insmod \([^ ]*\).*/\1/p'
	       done) || continue
	echo "$deps" | grep -q virtio_blk || continue
	mdir=$STAGE/root/lib/modules/$kver
	mkdir -p "$mdir"
	: >"$mdir/order"
	for m in $deps; do
		name=$(basename "$m")
		case $name in
		*.ko.xz) xz -dc "$m" >"$mdir/${name%.xz}"; name=${name%.xz} ;;
		*.ko.zst) zstd -qdc "$m" >"$mdir/${name%.zst}"; name=${name%.zst} ;;
		*) cp "$m" "$mdir/$name" ;;
		esac
		strip --strip-debug "$mdir/$name" 2>/dev/null || true
		grep -qx "$name" "$mdir/order" || echo "$name" >>"$mdir/order"
	done
done
find "$STAGE/root" -exec touch -h -d @0 {} +

mkdir -p "$(dirname "$OUT")"
(cd "$STAGE/root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible) >"$STAGE/initramfs.cpio"
case "$OUT" in
*.gz) gzip -n -9 -c "$STAGE/initramfs.cpio" >"$OUT.tmp" ;;
*) cp "$STAGE/initramfs.cpio" "$OUT.tmp" ;;
esac
mv -f "$OUT.tmp" "$OUT"
echo "$OUT: $(stat -c %s "$OUT") bytes, /init = stampd ($(stat -c %s "$STAGE/root/init") bytes)"
