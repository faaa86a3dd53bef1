#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build Debian 12's QEMU with vmmig's patch series (integrations/qemu/7.2)
# and print the path of the qemu-system-x86_64 it made.
#
#   scripts/build-qemu.sh            build (or find in the cache), print path
#   scripts/build-qemu.sh --source   only fetch and patch the source tree
#
# The source comes from Debian's own source package through apt, with a
# private apt configuration under the cache: the machine's Debian entries
# copied as deb-src, its own lists and cache, so nothing of the system's
# apt configuration changes.  dpkg-source applies Debian's patches; the
# tree is then a git repository at Debian's version, and vmmig's series is
# applied on top with `git am` (so a changed series rebuilds only the
# files it touches).
#
# The binary is minimal: x86_64 with KVM only (no TCG, UI, TLS or block
# backends), linked with this tree's libvmmig.  It is cached as
# /var/cache/vmmig/qemu/bin-KEY/qemu-system-x86_64, KEY naming Debian's
# source version and a hash of the series and of libvmmig's sources.  QEMU's
# tree and binaries are never part of this repository.
#
# Environment: VMMIG_QEMU_CACHE (default /var/cache/vmmig/qemu),
# VMMIG_QEMU_JOBS (ninja -j, default the number of CPUs).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VMMIG_QEMU_CACHE:-/var/cache/vmmig/qemu}
series_dir=$top/integrations/qemu/7.2
jobs=${VMMIG_QEMU_JOBS:-$(nproc)}
only_source=0
[ "${1:-}" = --source ] && only_source=1

log() { printf 'build-qemu: %s\n' "$*" >&2; }

mkdir -p "$cache"

# --- Debian's source package, with a private apt configuration -------------
apt_dir=$cache/apt
apt_opts=(-o "Dir::Etc::SourceList=/dev/null"
	  -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
	  -o "Dir::State::Lists=$apt_dir/lists"
	  -o "Dir::Cache=$apt_dir/cache"
	  -o "Debug::NoLocking=1")

fetch_source() {
	local sys=/etc/apt/sources.list.d/debian.sources dsc
	mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" \
		"$apt_dir/cache/archives/partial" "$cache/dl"
	if [ ! -f "$sys" ]; then
		log "no $sys to copy the Debian entries from"
		exit 1
	fi
	# The machine's bookworm entries (main, updates, security), as deb-src.
	sed 's/^Types:.*/Types: deb-src/' "$sys" \
		>"$apt_dir/sources.list.d/debian-src.sources"
	apt-get "${apt_opts[@]}" -q update >"$cache/apt.log" 2>&1 ||
		{ tail -n 20 "$cache/apt.log"; exit 1; }
	# The newest qemu source of those suites, as the machine's binary is.
	(cd "$cache/dl" &&
	 apt-get "${apt_opts[@]}" -q source --download-only qemu \
		>>"$cache/apt.log" 2>&1) ||
		{ tail -n 20 "$cache/apt.log"; exit 1; }
	dsc=$(find "$cache/dl" -maxdepth 1 -name 'qemu_*.dsc' | sort -V | tail -n 1)
	[ -n "$dsc" ] || { log "no qemu .dsc fetched"; exit 1; }
	echo "$dsc"
}

dsc=
if [ -d "$cache/dl" ]; then
	dsc=$(find "$cache/dl" -maxdepth 1 -name 'qemu_*.dsc' | sort -V |
	      tail -n 1)
fi
[ -n "$dsc" ] || dsc=$(fetch_source)
version=$(basename "$dsc" .dsc)
version=${version#qemu_}
src=$cache/src-$version

if [ ! -d "$src/.git" ]; then
	log "extracting $version (Debian's patches applied)"
	rm -rf "$src"
	dpkg-source --no-check --no-copy -x "$dsc" "$src" >"$cache/extract.log" 2>&1 ||
		{ tail -n 20 "$cache/extract.log"; exit 1; }
	git -C "$src" init -q
	git -C "$src" add -A -f
	git -C "$src" -c user.name=vmmig -c user.email=vmmig@localhost \
		commit -q -m "Debian qemu $version"
	git -C "$src" tag debian
fi

# --- vmmig's series ----------------------------------------------------------
patches=()
if [ -f "$series_dir/series" ]; then
	while read -r p; do
		case $p in ''|'#'*) continue ;; esac
		patches+=("$series_dir/$p")
	done <"$series_dir/series"
fi
# GnuTLS: tls-creds objects for the benchmark's TLS migration (bench_qemu.py
# --tls), the baseline vmmig over kTLS is measured against.
conf=(--target-list=x86_64-softmmu --without-default-features
      --enable-kvm --disable-tcg --enable-fdt=system --enable-vmmig
      --enable-gnutls
      --disable-docs --disable-install-blobs --meson=/usr/bin/meson
      --firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu)
key=$( { echo "$version"; echo "${conf[*]}"; cat "${patches[@]}" /dev/null;
	 cat "$top"/userspace/lib/*.[ch] "$top"/uapi/linux/*.h; } |
       sha256sum | cut -c1-16)

if [ "$(git -C "$src" config vmmig.series || true)" != "$key" ]; then
	log "applying ${#patches[@]} patch(es) from integrations/qemu/7.2"
	git -C "$src" checkout -q -f -B vmmig debian
	if [ ${#patches[@]} -gt 0 ]; then
		git -C "$src" -c user.name=vmmig -c user.email=vmmig@localhost \
			am -q --keep-cr "${patches[@]}" || {
			git -C "$src" am --abort 2>/dev/null || true
			log "the series does not apply to $version"
			exit 1
		}
	fi
	git -C "$src" config vmmig.series "$key"
fi
[ "$only_source" = 1 ] && { echo "$src"; exit 0; }

out=$cache/bin-$key
if [ -x "$out/qemu-system-x86_64" ]; then
	echo "$out/qemu-system-x86_64"
	exit 0
fi

# --- libvmmig, as QEMU's meson finds it --------------------------------------
make -s -C "$top/userspace" >/dev/null
pc=$cache/pkgconfig
mkdir -p "$pc"
# shellcheck disable=SC2016 # ${includedir} and ${libdir} are pkg-config's
sed -e "s|@PREFIX@|$top|" -e "s|@LIBDIR@|$top/userspace/lib|" \
    -e "s|@INCLUDEDIR@|$top/userspace|" -e "s|@VERSION@|0.1.0|" \
    -e 's|^Cflags:.*|Cflags: -I${includedir}/lib -I'"$top"'/uapi|' \
    -e 's|^Libs:.*|Libs: ${libdir}/libvmmig.a|' \
    -e 's|^Requires.private:|Requires:|' \
    "$top/userspace/lib/libvmmig.pc.in" >"$pc/libvmmig.pc"

# --- configure and build -----------------------------------------------------
build=$src/build
# Configured anew when the flags change (a series that adds an option).
if [ ! -f "$build/build.ninja" ] ||
   [ "$(cat "$build/.vmmig-conf" 2>/dev/null)" != "${conf[*]}" ]; then
	log "configuring (KVM only, x86_64, vmmig)"
	rm -rf "$build"
	mkdir -p "$build"
	# Debian's meson and python: QEMU 7.2 refuses --python without its
	# own meson, and a python3 earlier in PATH may lack meson.
	(cd "$build" && PATH=/usr/bin:/bin PKG_CONFIG_PATH=$pc \
	 ../configure "${conf[@]}" >"$cache/configure.log" 2>&1) ||
		{ tail -n 30 "$cache/configure.log"; exit 1; }
	echo "${conf[*]}" >"$build/.vmmig-conf"
fi
log "building qemu-system-x86_64 ($version, series $key)"
t0=$(date +%s)
PATH=/usr/bin:/bin PKG_CONFIG_PATH=$pc \
	nice -n 10 ninja -C "$build" -j "$jobs" qemu-system-x86_64 \
	>"$cache/build.log" 2>&1 || { tail -n 40 "$cache/build.log"; exit 1; }
log "built in $(($(date +%s) - t0)) s"
mkdir -p "$out.tmp"
cp "$build/qemu-system-x86_64" "$out.tmp/"
rm -rf "$out"
mv "$out.tmp" "$out"
# One binary is kept: the series' latest (50 MB each).
find "$cache" -maxdepth 1 -name 'bin-*' ! -path "$out" -exec rm -rf {} +
echo "$out/qemu-system-x86_64"
