#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The live-migration benchmark matrix, run inside the test host (vmmig.ko
# loaded).  Every figure goes, one JSON object per run, to OUT/live.jsonl;
# scripts/bench_report.py turns that into the table, the JSON and the chart.
#
#   bench_run.sh OUT [--smoke | --checksum | --tls] [--runs N]
#
# In the order it runs:
#   transport   the link alone (bench_live --transport): a connection of
#               the kind every path uses, no guest memory behind it
#   calibrate   the guest's spin delays for 1, 1/10, 1/100 and 1/10000
#               ("idle") of its fastest dirty rate (bench_live --calibrate);
#               in the test host the link carries about 1/30 of the
#               fastest, so two rates are above it, one below
#   rate sweep  256 MiB, 2 vCPUs, each of those rates
#   size        1 GiB and 4 GiB, 2 vCPUs, 1/10 of the fastest rate (the
#               test host needs 12 GiB for 4 GiB: scripts/bench.sh; QEMU's
#               guest, without paging, stops at 2 GiB)
#   vCPUs       256 MiB, 1 vCPU, 1/10 of the fastest rate
#   Linux guest the real Linux guest (selftests/linux_guest.py), 512 MiB,
#               2 vCPUs, idle and writing (stampd), qemu+vmmig and qemu-own
#               only (the patched QEMU)
# each with every path: vmmig, userspace, userspace-zc (bench_live) and
# QEMU (bench_qemu.py), N runs (default 3), the runs of all paths of one
# configuration interleaved so that drift in the host hits them alike.
#   profiles  one more run of vmmig, userspace, userspace-zc and QEMU (256 MiB, 2 vCPUs,
#             1/10 rate) under `perf record -a -g`, each summarised (top
#             symbols) in OUT/perf/live-PATH.txt; not in the figures
# --smoke: the link for 1 s and one run of every path at 1/10 rate, 256 MiB
# (a second one for a path whose run failed), one run of the writing Linux
# guest with qemu+vmmig and qemu-own, and vmmig's profile.
# --checksum: what record checksums cost, alone: the link, then the rate
# sweep with vmmig and vmmig+crc32c only, N runs, and both profiles.
# --tls: encrypted migration (TLS 1.3, AES-GCM-128): the link, then idle
# and 1/1000 of the fastest rate with vmmig, vmmig+ktls (kTLS),
# userspace+tls (GnuTLS in the VMM), Debian's QEMU with tls-creds-psk
# (qemu+tls) and the patched QEMU's x-vmmig with the same tls-creds
# (qemu+vmmig+tls: kTLS), N runs, and the profiles of the four TLS paths.  Only slow
# rates: the test host emulates AES-NI, and TLS moves some 10 MB/s there
# (README), so faster guests would only show 30 rounds that never end.
#
# The network namespaces vmmig-src and vmmig-dst with their veth pair
# (10.99.0.1 - 10.99.0.2) are set up here unless they exist already.
set -u -o pipefail

out=${1:?usage: bench_run.sh OUT [--smoke | --checksum | --tls] [--runs N]}
shift
runs=3
smoke=0
checksum=0
tls=0
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=1 ;;
	--checksum) checksum=1 ;;
	--tls) tls=1 ;;
	--runs) runs=$2; shift ;;
	*) echo "bench_run.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
here=$(cd "$(dirname "$0")" && pwd)
jsonl=$out/live.jsonl
# The patched QEMU make qemu built, if any (paths qemu+vmmig, qemu-own).
pqemu=$(cat "$here/../build/qemu.path" 2>/dev/null)
[ -n "$pqemu" ] && [ -x "$pqemu" ] || pqemu=""
echo "patched QEMU: ${pqemu:-none (make qemu): no qemu+vmmig path}"
mkdir -p "$out" && : >"$jsonl" || exit 1

if ! ip netns list | grep -q '^vmmig-src'; then
	ip netns add vmmig-src && ip netns add vmmig-dst &&
	ip link add vmmig0 netns vmmig-src type veth peer name vmmig1 netns vmmig-dst &&
	ip -n vmmig-src addr add 10.99.0.1/24 dev vmmig0 &&
	ip -n vmmig-dst addr add 10.99.0.2/24 dev vmmig1 &&
	ip -n vmmig-src link set vmmig0 up && ip -n vmmig-dst link set vmmig1 up ||
		exit 1
fi
ip -n vmmig-src link set lo up && ip -n vmmig-dst link set lo up || exit 1

# Each configuration: every path, run after run.  A path that fails or
# times out leaves its record (ok false) and the next one runs.
config() { # config MIB VCPUS DELAY LABEL
	local k
	echo "== $4: $1 MiB, $2 vCPUs, guest delay $3"
	for k in $(seq 1 "$runs"); do
		"$here/bench_live" --mib "$1" --vcpus "$2" --delays "$3" \
			--runs 1 --run-base "$k" --paths "$live_paths" \
			--jsonl "$jsonl" ||
			echo "bench_live exited $?"
		[ "$with_qemu" = 1 ] || continue
		# QEMU's stamp guest runs without paging: RAM below 4 GiB.
		[ "$1" -le 2048 ] || continue
		# shellcheck disable=SC2086 # $qemu_tls: one flag or none
		python3 "$here/bench_qemu.py" --mib "$1" --vcpus "$2" \
			--delay "$3" --runs 1 --run-base "$k" --jsonl "$jsonl" \
			$qemu_tls || echo "bench_qemu.py exited $?"
		# The patched QEMU (integrations/qemu): x-vmmig on, and the
		# same binary's own pre-copy; with TLS, x-vmmig over its
		# tls-creds (QEMU's handshake, kTLS for the module).
		[ -n "$pqemu" ] || continue
		if [ -n "$qemu_tls" ]; then
			python3 "$here/bench_qemu.py" --qemu "$pqemu" --vmmig \
				--tls --mib "$1" --vcpus "$2" --delay "$3" \
				--runs 1 --run-base "$k" --jsonl "$jsonl" ||
				echo "bench_qemu.py --vmmig --tls exited $?"
			continue
		fi
		python3 "$here/bench_qemu.py" --qemu "$pqemu" --vmmig \
			--mib "$1" --vcpus "$2" --delay "$3" --runs 1 \
			--run-base "$k" --jsonl "$jsonl" ||
			echo "bench_qemu.py --vmmig exited $?"
		python3 "$here/bench_qemu.py" --qemu "$pqemu" --path qemu-own \
			--mib "$1" --vcpus "$2" --delay "$3" --runs 1 \
			--run-base "$k" --jsonl "$jsonl" ||
			echo "bench_qemu.py (qemu-own) exited $?"
	done
}

# linux_guest RUNS LOAD...: the real Linux guest (guest/linux, 512 MiB, 2
# vCPUs), the patched QEMU with x-vmmig on and off, runs interleaved.
linux_guest() {
	local k l n=$1
	shift
	[ -n "$pqemu" ] || return 0
	for l in "$@"; do
		echo "== Linux guest, $l: 512 MiB, 2 vCPUs"
		for k in $(seq 1 "$n"); do
			python3 "$here/bench_qemu.py" --qemu "$pqemu" --vmmig \
				--guest linux --load "$l" --mib 512 --vcpus 2 \
				--runs 1 --run-base "$k" --jsonl "$jsonl" ||
				echo "bench_qemu.py --guest linux --vmmig exited $?"
			python3 "$here/bench_qemu.py" --qemu "$pqemu" \
				--path qemu-own --guest linux --load "$l" \
				--mib 512 --vcpus 2 --runs 1 --run-base "$k" \
				--jsonl "$jsonl" ||
				echo "bench_qemu.py --guest linux exited $?"
		done
	done
}

# profiles DELAY PATH...: where each path spends the test host's CPU.
profiles() {
	local d=$1 p rec
	shift
	mkdir -p "$out/perf"
	for p in "$@"; do
		echo "== profile: $p"
		rec=(perf record -a -g -e cpu-clock -F 999 -o "$out/perf/live-$p.data" --)
		if [ $p = qemu ] || [ $p = qemu+tls ]; then
			# shellcheck disable=SC2046 # one flag or none
			"${rec[@]}" python3 "$here/bench_qemu.py" --mib 256 \
				--vcpus 2 --delay "$d" --runs 1 --run-base 99 \
				--jsonl /dev/null $([ $p = qemu+tls ] && echo --tls)
		elif [ $p = qemu+vmmig+tls ]; then
			[ -n "$pqemu" ] || continue
			"${rec[@]}" python3 "$here/bench_qemu.py" --qemu "$pqemu" \
				--vmmig --tls --mib 256 --vcpus 2 --delay "$d" \
				--runs 1 --run-base 99 --jsonl /dev/null
		else
			"${rec[@]}" "$here/bench_live" --mib 256 --vcpus 2 \
				--delays "$d" --runs 1 --run-base 99 --paths $p \
				--jsonl /dev/null
		fi >"$out/perf/live-$p.log" 2>&1 ||
			echo "profile of $p failed (see $out/perf/live-$p.log)"
		perf report -i "$out/perf/live-$p.data" --stdio --no-children \
			--sort dso,sym -g none --percent-limit 0.5 2>/dev/null |
			grep -v '^#' | grep . | head -n 30 >"$out/perf/live-$p.txt"
		[ -s "$out/perf/live-$p.txt" ] ||
			{ echo "profile of $p: no samples"; return 1; }
	done
}

# bench_live's paths; the full runs add vmmig with record checksums (what
# integrity costs), the smoke leaves it to make check's tests.
live_paths=vmmig,userspace,userspace-zc
with_qemu=1
qemu_tls=
t0=$(date +%s)
if [ $smoke = 1 ]; then
	"$here/bench_live" --transport 1 --jsonl "$jsonl" || exit 1
	delays=$("$here/bench_live" --calibrate 0.1 | sed -n 's/^delays //p')
	[ -n "$delays" ] || exit 1
	runs=1
	config 256 2 "$delays" "smoke"
	linux_guest 1 write
	# A path whose one run failed runs once more, for each guest (its
	# failure stays in the records and the report): now and then a test
	# guest's vCPU stalls under nested TCG whatever the path (README,
	# Live migration), or the Linux guest's kernel crashes
	# (linux_guest.GuestCrash), and the smoke is about the chain working,
	# the full runs about figures.
	again=$(python3 - "$jsonl" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()
        and not json.loads(l)["path"].startswith("transport")]
key = lambda r: "%s:%s" % (r.get("guest", "stamp"), r["path"])
ok = {key(r) for r in runs if r["ok"]}
print(" ".join(sorted({key(r) for r in runs} - ok)))
PY
	)
	for gp in $again; do
		g=${gp%%:*} p=${gp#*:}
		echo "== smoke: $p ($g guest) again"
		vm=$([ "$p" = qemu+vmmig ] && echo --vmmig)
		if [ "$g" = linux-write ]; then
			python3 "$here/bench_qemu.py" --qemu "$pqemu" --path "$p" \
				$vm --guest linux --load write --mib 512 --vcpus 2 \
				--runs 1 --run-base 2 --jsonl "$jsonl"
		elif [ "$p" = qemu ]; then
			python3 "$here/bench_qemu.py" --mib 256 --vcpus 2 \
				--delay "$delays" --runs 1 --run-base 2 \
				--jsonl "$jsonl"
		elif [ "$p" = qemu+vmmig ] || [ "$p" = qemu-own ]; then
			python3 "$here/bench_qemu.py" --qemu "$pqemu" \
				--path "$p" $vm \
				--mib 256 --vcpus 2 --delay "$delays" --runs 1 \
				--run-base 2 --jsonl "$jsonl"
		else
			"$here/bench_live" --mib 256 --vcpus 2 --delays "$delays" \
				--runs 1 --run-base 2 --paths "$p" --jsonl "$jsonl"
		fi
	done
	# The profile chain, so that it cannot rot: vmmig only.
	profiles "$delays" vmmig || exit 1
elif [ $checksum = 1 ]; then
	"$here/bench_live" --transport 3 --jsonl "$jsonl" || exit 1
	read -r d_max d_10 d_100 d_idle < <("$here/bench_live" \
		--calibrate 1,0.1,0.01,0.0001 | sed -n 's/^delays //p')
	[ -n "${d_idle:-}" ] || exit 1
	live_paths=vmmig,vmmig+crc32c
	with_qemu=0
	for d in $d_idle $d_100 $d_10 $d_max; do
		config 256 2 "$d" "checksum cost"
	done
	profiles "$d_10" vmmig vmmig+crc32c
elif [ $tls = 1 ]; then
	"$here/bench_live" --transport 3 --jsonl "$jsonl" || exit 1
	read -r d_1000 d_idle < <("$here/bench_live" \
		--calibrate 0.001,0.0001 | sed -n 's/^delays //p')
	[ -n "${d_idle:-}" ] || exit 1
	live_paths=vmmig,vmmig+ktls,userspace+tls
	qemu_tls=--tls
	for d in $d_idle $d_1000; do
		config 256 2 "$d" "TLS cost"
	done
	profiles "$d_idle" vmmig+ktls userspace+tls qemu+tls qemu+vmmig+tls
else
	"$here/bench_live" --transport 3 --jsonl "$jsonl" || exit 1
	read -r d_max d_10 d_100 d_idle < <("$here/bench_live" \
		--calibrate 1,0.1,0.01,0.0001 | sed -n 's/^delays //p')
	[ -n "${d_idle:-}" ] || exit 1
	live_paths=vmmig,vmmig+crc32c,userspace,userspace-zc
	for d in $d_idle $d_100 $d_10 $d_max; do
		config 256 2 "$d" "rate sweep"
	done
	config 1024 2 "$d_10" "size"
	config 4096 2 "$d_10" "size"
	config 256 1 "$d_10" "vCPUs"
	linux_guest "$runs" idle write
	profiles "$d_10" vmmig vmmig+crc32c userspace userspace-zc qemu
fi
echo "bench_run.sh: $(($(date +%s) - t0)) s"
