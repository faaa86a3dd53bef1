#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Generate uapi/linux/vmmig.h and kmod/netlink_gen.[ch] from the YAML family
# spec with the kernel's own YNL generator (tools/net/ynl in a kernel source
# tree), as in-tree families do, and the name tables of libvmmig
# (userspace/lib/names_gen.[ch]) and of the module (kmod/names_gen.h) with
# scripts/names-gen.py.  With --check, generate into a temporary directory
# and fail if the committed files differ.
#
# usage: scripts/ynl-gen.sh KSRC [--check]
set -euo pipefail

ksrc=${1:?usage: $0 KSRC [--check]}
check=${2:-}
top=$(cd "$(dirname "$0")/.." && pwd)
gen=$ksrc/tools/net/ynl/pyynl/ynl_gen_c.py
[ -f "$gen" ] || gen=$ksrc/tools/net/ynl/ynl-gen-c.py
[ -f "$gen" ] || { echo "ynl-gen: no YNL generator in $ksrc" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The generator validates against ../genetlink-legacy.yaml next to specs/ and
# walks up to a MAINTAINERS file to name the spec path: give it that layout.
mkdir -p "$tmp/specs" "$tmp/out"
touch "$tmp/MAINTAINERS"
cp "$top/uapi/netlink/vmmig.yaml" "$tmp/specs/"
cp "$ksrc/Documentation/netlink/genetlink-legacy.yaml" "$tmp/"

run() { # mode kind out spdx
	mkdir -p "$tmp/raw/$3.d"
	# The output name matters: the source includes "<name>.h".
	timeout 120 /usr/bin/python3 "$gen" --mode "$1" "$2" \
		--spec "$tmp/specs/vmmig.yaml" -o "$tmp/raw/$3.d/$3" >/dev/null
	# The spec is dual-licensed as YNL requires; the generated kernel files
	# are GPL-2.0 like the rest of the module, the uapi header carries the
	# syscall note.
	sed -e "1s|SPDX-License-Identifier: .*\( \*/\)\?$|SPDX-License-Identifier: $4|" \
	    -e 's|^/\*\tspecs/vmmig.yaml \*/|/*\tuapi/netlink/vmmig.yaml */|' \
	    -e 's|run: tools/net/ynl/ynl-regen.sh|run: scripts/ynl-gen.sh KSRC|' \
	    "$tmp/raw/$3.d/$3" >"$tmp/out/$3"
}
run uapi --header vmmig.h 'GPL-2.0 WITH Linux-syscall-note */'
run kernel --source netlink_gen.c 'GPL-2.0'
run kernel --header netlink_gen.h 'GPL-2.0 */'
timeout 60 /usr/bin/python3 "$top/scripts/names-gen.py" \
	"$top/uapi/netlink/vmmig.yaml" "$tmp/out"

rc=0
for pair in vmmig.h:uapi/linux/vmmig.h netlink_gen.c:kmod/netlink_gen.c \
	    netlink_gen.h:kmod/netlink_gen.h \
	    names_gen.c:userspace/lib/names_gen.c \
	    names_gen.h:userspace/lib/names_gen.h \
	    kmod_names_gen.h:kmod/names_gen.h; do
	src=$tmp/out/${pair%%:*}
	dst=$top/${pair#*:}
	if [ "$check" = --check ]; then
		if ! diff -u "$dst" "$src"; then
			echo "ynl-gen: ${pair#*:} is stale; run scripts/ynl-gen.sh" >&2
			rc=1
		fi
	else
		cp "$src" "$dst"
	fi
done
exit $rc
