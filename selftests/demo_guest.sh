#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of `make demo` (scripts/demo.sh).
set -euo pipefail

ko=${1:?usage: $0 path/to/vmmig.ko}
here=$(cd "$(dirname "$0")" && pwd)
ctl=$here/../userspace/vmmigctl/vmmigctl
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "insmod vmmig.ko on $(uname -r)"
insmod "$ko"
"$ctl" host

say "operator: vmmigctl watch (events of every session)"
"$ctl" watch &
watcher=$!
sleep 0.5

say "VMM: create a KVM VM and a source session on it, start it"
"$here/unload_holder" >/tmp/vmm.log 2>&1 &
vmm=$!
for _ in $(seq 1 100); do grep -q '^ready' /tmp/vmm.log && break; sleep 0.1; done
id=$(sed -n 's/^ready //p' /tmp/vmm.log)

say "operator: vmmigctl list / show $id"
"$ctl" list
"$ctl" show "$id"
"$ctl" -j -p show "$id"

say "operator: vmmigctl cancel $id (the VM keeps running on the source)"
"$ctl" cancel "$id"
sleep 0.5
"$ctl" show "$id"

say "rmmod vmmig with the session still held by the VMM"
rmmod vmmig
wait "$vmm" || true
sed 's/^/VMM: /' /tmp/vmm.log
kill "$watcher" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true
say "done"
