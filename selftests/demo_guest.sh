#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of `make demo` (scripts/demo.sh): a live migration of a
# running 1 GiB, 2-vCPU guest between two network namespaces, driven by a
# VMM (live_demo) through vmmig.ko and followed by an operator with
# vmmigctl.
set -euo pipefail

ko=${1:?usage: $0 path/to/vmmig.ko}
here=$(cd "$(dirname "$0")" && pwd)
ctl=$here/../userspace/vmmigctl/vmmigctl
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "insmod vmmig.ko on $(uname -r)"
"$here/load_module.sh" "$ko"
"$ctl" host

say "two hosts: network namespaces vmmig-src (10.99.0.1) and vmmig-dst (10.99.0.2) over veth"
ip netns add vmmig-src
ip netns add vmmig-dst
ip link add vmmig0 netns vmmig-src type veth peer name vmmig1 netns vmmig-dst
ip -n vmmig-src addr add 10.99.0.1/24 dev vmmig0
ip -n vmmig-dst addr add 10.99.0.2/24 dev vmmig1
ip -n vmmig-src link set vmmig0 up
ip -n vmmig-dst link set vmmig1 up

say "VMM: boot a 1 GiB, 2-vCPU guest that keeps stamping its memory; migrate it live"
rm -f /tmp/demo.sid
"$here/live_demo" /tmp/demo.sid >/tmp/vmm.log 2>&1 &
vmm=$!
for _ in $(seq 1 600); do [ -s /tmp/demo.sid ] && break; sleep 0.1; done
sid=$(cat /tmp/demo.sid 2>/dev/null || true)
if [ -n "$sid" ]; then
	say "operator: vmmigctl watch $sid"
	"$ctl" watch "$sid" || true
fi
rc=0
wait "$vmm" || rc=$?

say "VMM's log"
sed 's/^/VMM: /' /tmp/vmm.log

say "rmmod vmmig"
rmmod vmmig
if [ "$rc" -eq 0 ]; then
	say "done: the guest runs on the destination, nothing lost"
else
	say "FAILED (live_demo exit $rc)"
fi
exit "$rc"
