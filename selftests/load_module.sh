#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Load a built vmmig.ko as modprobe would load an installed one: the
# modules it depends on first (kvm; libcrc32c on kernels before 6.14,
# where crc32c() lives in a module), then vmmig.ko itself.  insmod alone
# resolves no dependency.
#
# usage: load_module.sh path/to/vmmig.ko
set -eu

ko=${1:?usage: $0 path/to/vmmig.ko}
deps=$(modinfo -F depends "$ko" | tr ',' ' ')
if [ -n "$deps" ]; then
	# shellcheck disable=SC2086 # one module name per word
	modprobe -a $deps
fi
exec insmod "$ko"
