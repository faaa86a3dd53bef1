#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install, idempotently, everything vmmig's build and tests need on a fresh
# Debian 12 (bookworm) machine, as root.  Safe to re-run: a second run only
# checks and returns.
#
# Kernels:
#   6.1   bookworm            runtime test + build
#   6.12  bookworm-backports  runtime test + build
#   7.3+  experimental source compile check only
#
# The backports and experimental suites are enabled by copying the URIs and
# Signed-By of the machine's existing Debian entry; no mirror address is
# written anywhere.
set -euo pipefail

SRC_LIST=/etc/apt/sources.list.d/debian.sources
OUR_LIST=/etc/apt/sources.list.d/vmmig-extra.sources
KVER_BPO_PATTERN='linux-image-6.12.*+deb12-amd64$'

log() { printf 'install-deps: %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
	log "must run as root (apt-get install)"; exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# --- extra suites -----------------------------------------------------------
add_suites() {
	[ -f "$OUR_LIST" ] && return 0
	local uris key
	if [ -f "$SRC_LIST" ]; then
		# First stanza that carries the main bookworm suite.
		uris=$(awk -v RS= '/Suites:[^\n]*bookworm( |$|\n)/ {print; exit}' "$SRC_LIST" |
		       sed -n 's/^URIs:[[:space:]]*//p' | head -n1)
		key=$(awk -v RS= '/Suites:[^\n]*bookworm( |$|\n)/ {print; exit}' "$SRC_LIST" |
		      sed -n 's/^Signed-By:[[:space:]]*//p' | head -n1)
	else
		uris=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list)
		key=/usr/share/keyrings/debian-archive-keyring.gpg
	fi
	if [ -z "${uris:-}" ]; then
		log "cannot find the bookworm entry to copy in $SRC_LIST"; exit 1
	fi
	: "${key:=/usr/share/keyrings/debian-archive-keyring.gpg}"
	cat >"$OUR_LIST" <<EOT
# Added by vmmig scripts/install-deps.sh (copied from $SRC_LIST)
Types: deb
URIs: $uris
Suites: bookworm-backports
Components: main
Signed-By: $key

Types: deb
URIs: $uris
Suites: experimental
Components: main
Signed-By: $key
EOT
	# experimental is NotAutomatic upstream; pin it low anyway so nothing
	# but what we ask for by name comes from it.
	cat >/etc/apt/preferences.d/vmmig-experimental <<EOT
Package: *
Pin: release a=experimental
Pin-Priority: 1
EOT
	NEED_UPDATE=1
}

NEED_UPDATE=0
add_suites
if [ "$NEED_UPDATE" = 1 ] || [ ! -f /var/lib/apt/periodic/vmmig-updated ] ||
   [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*backports*Packages*' 2>/dev/null | head -n1)" ]; then
	apt-get update -q
	mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/vmmig-updated
fi

# --- package set ------------------------------------------------------------
latest_name() { # $1 = regex; prints the newest matching package name
	apt-cache pkgnames 2>/dev/null | grep -E "$1" | sort -V | tail -n1
}

K61_IMG=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-6\.1\.[^ ]*\)/\1/p' | head -n1)
K61_VER=${K61_IMG#linux-image-}
K612_IMG=$(latest_name "$KVER_BPO_PATTERN")
K612_VER=${K612_IMG#linux-image-}
SRC_NEW=$(apt-cache -t experimental pkgnames linux-source- 2>/dev/null | grep -E '^linux-source-[0-9]+\.[0-9]+$' | sort -V | tail -n1)

if [ -z "$K61_VER" ] || [ -z "$K612_VER" ] || [ -z "$SRC_NEW" ]; then
	log "could not resolve kernels: 6.1='$K61_VER' 6.12='$K612_VER' newest source='$SRC_NEW'"
	exit 1
fi

PKGS=(
	build-essential bc bison flex libelf-dev libssl-dev dwarves pahole
	kmod cpio xz-utils zstd python3 python3-yaml python3-jsonschema git
	procps util-linux man-db groff-base gnuplot-nox
	qemu-system-x86 busybox-static iproute2
	libnl-3-dev libnl-genl-3-dev pkg-config
	# selftests/ktls.c: the TLS handshake before kTLS
	libgnutls28-dev
	sparse dkms
	# scripts/build-qemu.sh: Debian's QEMU with the vmmig series
	meson ninja-build libglib2.0-dev libpixman-1-dev libfdt-dev dpkg-dev
	linux-image-"$K61_VER" linux-headers-"$K61_VER" linux-source-6.1
	linux-image-"$K612_VER" linux-headers-"$K612_VER"
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing: ${missing[*]}"
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if ! dpkg-query -W -f='${Status}' "$SRC_NEW" 2>/dev/null | grep -q 'install ok installed'; then
	log "installing $SRC_NEW from experimental"
	apt-get install -y -q --no-install-recommends "$SRC_NEW/experimental"
fi

# Record what was resolved so the Makefile and test runner agree.
mkdir -p /var/lib/vmmig
cat >/var/lib/vmmig/kernels.env <<EOT
K61=$K61_VER
K612=$K612_VER
SRC_NEW=$SRC_NEW
EOT
log "ok: K61=$K61_VER K612=$K612_VER SRC_NEW=$SRC_NEW"
