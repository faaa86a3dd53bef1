#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: the benchmarks, for each runtime kernel, each in a boot of
# the test host of its own:
#
#   live   selftests/bench_run.sh: live migration of a running guest by
#          vmmig, by the userspace path (plain and MSG_ZEROCOPY) and by
#          QEMU, at several dirty rates, sizes and vCPU counts, plus the
#          link alone, then a profiled run of each path
#          (build/bench/profiles/KVER/live-PATH.txt).
#          scripts/bench_report.py then writes, for all
#          kernels together, build/bench/live.txt (the table, printed),
#          build/bench/live.json and build/bench/live-KVER.png (chart).
#   quick  (BENCH_QUICK=1) selftests/bench_quick: one pass of a paused VM by
#          the raw transport (the link's full-pass limit), vmmig (with and
#          without its zero-page check) and the userspace copy, in a boot
#          of its own with multi-threaded TCG (no nested guest runs there,
#          so each test-host CPU is a host core); then one more run of
#          each path under `perf record -a -g`, summarised (top symbols)
#          in build/bench/profiles/KVER/quick-PATH.txt.  The table is
#          build/bench/KVER-quick.txt.  One more run with both VMs' memory
#          at the same offset within 2 MiB (--src-skew 0) shows what the
#          test host's TCG makes of that (docs/bench/tcg-tlb.md):
#          build/bench/KVER-quick-aligned.txt.
#
# The machine itself must be quiet: a benchmark that shares it with
# another job measures that job too.  Before each boot, a 1-minute load
# average of 1 or more refuses the run (BENCH_ALLOW_LOAD=1 runs it anyway,
# flagged); during each boot, the CPU time that processes other than the
# benchmark's own used (and those that used most of it), and the time the
# machine's own host stole from its CPUs, are recorded in
# build/bench/host-load.txt; a boot with more than 5% of a core of either
# is flagged there and in the summary.
#
# Runs that fail or time out are reported as such; a kernel whose test-host
# boot failed shows as "no results".  Exit status: 0 if every kernel's
# benchmark ran to its end (whatever the runs' outcome).
#
# Environment: VMMIG_KERNELS (default both), BENCH_RUNS (live runs per path
# and configuration, default 3), BENCH_SMOKE=1 (the short version make
# check runs), BENCH_QUICK=1 (also the quick-migration benchmark),
# BENCH_LIVE=0 (not the live benchmark: the quick one alone),
# BENCH_QUICK_RUNS (default 3), BENCH_TIMEOUT (s per boot, default 1500
# for quick, 3000 for live), BENCH_MEM_MB (the live boot's memory, default
# 12288: a 4 GiB guest migrates to a second one),
# BENCH_CHECKSUM=1 (instead of the live matrix: vmmig with and without
# record checksums over the rate sweep, bench_run.sh --checksum),
# BENCH_TLS=1 (instead of the live matrix: encrypted migration, vmmig over
# kTLS against GnuTLS in the VMM and QEMU's TLS, bench_run.sh --tls),
# BENCH_ALLOW_LOAD=1 (run on a busy machine, flagged), VMTEST_APPEND (the
# test host's extra kernel arguments, default the TSC clocksource).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
t0=$(date +%s)
out=build/bench
mkdir -p "$out"
# A fresh machine gets what it needs (idempotent, a few seconds otherwise).
if [ ! -f /var/lib/vmmig/kernels.env ] || [ "$(id -u)" -eq 0 ]; then
	bash scripts/install-deps.sh >"$out/deps.log" 2>&1 ||
		{ tail -n 20 "$out/deps.log"; exit 1; }
fi
# shellcheck disable=SC1091
. /var/lib/vmmig/kernels.env
kernels=${VMMIG_KERNELS:-"$K61 $K612"}
runs=${BENCH_RUNS:-3}
quick=${BENCH_QUICK:-0}
smoke=
label=
[ "${BENCH_SMOKE:-0}" = 1 ] && smoke=--smoke label=BENCH_SMOKE=1
[ "${BENCH_CHECKSUM:-0}" = 1 ] && smoke=--checksum label=BENCH_CHECKSUM=1
# BENCH_TLS=1 with BENCH_QUICK=1: the quick benchmark's TLS paths too.
quick_paths=transport,vmmig,vmmig-nozero,userspace
[ "${BENCH_TLS:-0}" = 1 ] && smoke=--tls label=BENCH_TLS=1 \
	quick_paths=$quick_paths,vmmig+ktls,userspace+tls
# The test host's clock: TSC, as on hardware.  Left to itself, 6.1 under
# TCG falls back to HPET, whose every read is an emulated MMIO access;
# TCP reads the clock per packet, so that taxed the paths with the most
# sends (read_hpet was 17.6% of the userspace path's quick profile).
export VMTEST_APPEND=${VMTEST_APPEND-clocksource=tsc tsc=reliable}

steps=userspace
for k in $kernels; do steps="$steps build-$k"; done
VMMIG_ONLY=$steps VMMIG_KERNELS=$kernels bash scripts/check.sh || exit 1

# The machine's busy CPU time (all CPUs, outside guest mode), in ticks.
machine_busy() {
	awk '/^cpu /{print $2 - $10 + $3 - $11 + $4 + $7 + $8; exit}' /proc/stat
}

# The benchmark's processes run in a cpuacct cgroup of their own where the
# machine has one (cgroup v1 here): its usage counts every descendant,
# orphans too, in nanoseconds, and the root group's counts every task of
# the machine (kernel threads too) the same way, so "others" is their
# difference, with no tick sampling in between.  Without it: the machine's
# busy ticks less our waited-for children's.
acct=/sys/fs/cgroup/cpuacct
cg=
if [ -w "$acct/cgroup.procs" ] && mkdir "$acct/vmmig-bench-$$" 2>/dev/null; then
	cg=$acct/vmmig-bench-$$
	echo $$ >"$cg/cgroup.procs"
	# shellcheck disable=SC2064 # $cg and $$ are fixed now
	trap "echo $$ >'$acct/cgroup.procs'; rmdir '$cg' 2>/dev/null" EXIT
fi

# The machine's time stolen by its own host (a VM's vCPUs not running),
# in ticks: contention no process of this machine shows.
machine_steal() {
	awk '/^cpu /{print $9; exit}' /proc/stat
}

# Our own descendants' CPU time so far (waited-for children), in ticks,
# into $children.  (`times` must run in this shell: in a pipe or $(...)
# it would see a subshell's children, none.)
children_cpu() {
	local hz
	hz=$(getconf CLK_TCK)
	times >"$out/.times"
	children=$(awk -v hz="$hz" 'NR == 2 {
		n = split($1 " " $2, t, " "); s = 0
		for (i = 1; i <= n; i++) {
			split(t[i], ms, "m"); sub("s", "", ms[2])
			s += ms[1] * 60 + ms[2]
		}
		printf "%d\n", s * hz }' "$out/.times")
}

: >"$out/host-load.txt"
contended=0
# proc_cpu FILE: every process's CPU time so far, "pid ticks comm" (kernel
# threads too).  A process in both the snapshot before a boot and the one
# after it is not the benchmark's (its processes start and end within).
proc_cpu() {
	python3 -c 'import os
for p in os.listdir("/proc"):
    if not p.isdigit():
        continue
    try:
        s = open("/proc/%s/stat" % p).read()
    except OSError:
        continue
    r = s.rfind(")")
    f = s[r + 2:].split()
    print(p, int(f[11]) + int(f[12]), s[s.find("(") + 1:r].replace(" ", "_"))' \
		>"$1"
}

# The machine's interrupt and softirq time so far, in ticks: the busy
# time no process is charged with.
machine_irq() {
	awk '/^cpu /{print $7 + $8; exit}' /proc/stat
}

# others_top LABEL SECONDS: the other processes that used the most CPU
# between proc_cpu's two snapshots, and the machine's interrupt time.
others_top() {
	local hz i1
	hz=$(getconf CLK_TCK)
	i1=$(machine_irq)
	proc_cpu "$out/.procs1"
	awk -v hz="$hz" -v w="$2" -v me=$$ -v irq=$((i1 - i0)) '
		NR == FNR { t[$1 " " $3] = $2; next }
		($1 " " $3) in t && $1 != me {
			d = $2 - t[$1 " " $3]
			if (d > 0) printf "%d %s\n", d, $3
		}
		END { printf "%d (interrupts)\n", irq }' \
		"$out/.procs0" "$out/.procs1" | sort -rn | head -n 5 |
		awk -v hz="$hz" -v w="$2" -v l="$1" '
			{ s = s (NR > 1 ? ", " : "") $2 " " \
			      sprintf("%.1f%%", w > 0 ? 100 * $1 / hz / w : 0) }
			END { if (s != "") print l ": most of it: " s }' |
		tee -a "$out/host-load.txt"
}

# quiet_before LABEL: refuse a busy machine (unless BENCH_ALLOW_LOAD=1).
# The benchmark's own previous boot leaves the 1-minute load average
# near 2 for a minute or so: wait up to 2 minutes for it to fall first.
quiet_before() {
	local load
	for _ in $(seq 24); do
		load=$(cut -d' ' -f1 /proc/loadavg)
		awk -v l="$load" 'BEGIN { exit !(l >= 1.0) }' || break
		sleep 5
	done
	if awk -v l="$load" 'BEGIN { exit !(l >= 1.0) }'; then
		echo "$1: machine busy before the run (load average $load)" |
			tee -a "$out/host-load.txt"
		if [ "${BENCH_ALLOW_LOAD:-0}" != 1 ]; then
			echo "make bench: refusing to measure on a busy machine (BENCH_ALLOW_LOAD=1 to run it anyway, flagged)"
			exit 1
		fi
		contended=1
	fi
	proc_cpu "$out/.procs0"
	i0=$(machine_irq)
	s0=$(machine_steal)
	if [ -n "$cg" ]; then
		r0=$(cat "$acct/cpuacct.usage")
		g0=$(cat "$cg/cpuacct.usage")
	fi
	b0=$(machine_busy)
	children_cpu
	c0=$children
	w0=$(date +%s)
}

# quiet_after LABEL: what others used of the machine meanwhile.
quiet_after() {
	local b1 c1 w1 hz others steal r1 g1
	b1=$(machine_busy)
	children_cpu
	c1=$children
	w1=$(date +%s)
	hz=$(getconf CLK_TCK)
	if [ -n "$cg" ]; then
		r1=$(cat "$acct/cpuacct.usage")
		g1=$(cat "$cg/cpuacct.usage")
		others=$(awk -v r=$((r1 - r0)) -v g=$((g1 - g0)) \
			-v w=$((w1 - w0)) 'BEGIN { o = (r - g) / 1e9
			if (o < 0) o = 0
			printf "%.1f", (w > 0 ? 100 * o / w : 0) }')
	else
		others=$(awk -v b=$((b1 - b0)) -v c=$((c1 - c0)) \
			-v w=$((w1 - w0)) -v hz="$hz" 'BEGIN {
			o = (b - c) / hz; if (o < 0) o = 0
			printf "%.1f", (w > 0 ? 100 * o / w : 0) }')
	fi
	steal=$(awk -v s=$(($(machine_steal) - s0)) -v w=$((w1 - w0)) \
		-v hz="$hz" 'BEGIN { printf "%.1f", (w > 0 ? 100 * s / hz / w : 0) }')
	echo "$1: $((w1 - w0)) s; other processes used ${others}% of a core${cg:+ (cpuacct)}; the machine's host took ${steal}% (steal)" |
		tee -a "$out/host-load.txt"
	if awk -v o="$others" 'BEGIN { exit !(o > 5) }'; then
		echo "$1: CONTENDED (figures shared the machine)" |
			tee -a "$out/host-load.txt"
		contended=1
	fi
	if awk -v o="$steal" 'BEGIN { exit !(o > 5) }'; then
		echo "$1: CONTENDED (the machine's own host took its CPUs)" |
			tee -a "$out/host-load.txt"
		contended=1
	fi
	others_top "$1" $((w1 - w0))
}

rc=0
inputs=()
for k in $kernels; do
	if [ "$quick" = 1 ]; then
		echo "== $k: quick migration, multi-threaded TCG (log: $out/$k-quick.log)"
		rm -rf "$out/vmq-$k"
		quiet_before "$k quick"
		# shellcheck disable=SC2016 # expanded in the test host
		VMTEST_TCG_THREAD=multi selftests/vmtest/run.sh --kver "$k" \
			--project "$top" --out "$out/vmq-$k" \
			--timeout "${BENCH_TIMEOUT:-1500}" -- \
			sh -c 'selftests/load_module.sh "build/$VMMIG_KVER/vmmig.ko" || exit 1
			mkdir -p "$VMMIG_OUT/perf" &&
			selftests/bench_quick --mib 256 --runs "$1" --paths "$2" \
				--perf "$VMMIG_OUT/perf" >"$VMMIG_OUT/quick.log" 2>&1 ||
				{ cat "$VMMIG_OUT/quick.log"; exit 1; }
			selftests/bench_quick --mib 256 --runs 1 --src-skew 0 \
				--paths transport,vmmig,userspace \
				>"$VMMIG_OUT/quick-aligned.log" 2>&1 ||
				cat "$VMMIG_OUT/quick-aligned.log"
			for d in "$VMMIG_OUT"/perf/*.data; do
				perf report -i "$d" --stdio --no-children \
					--sort dso,sym -g none --percent-limit 0.5 \
					2>/dev/null | grep -v "^#" | grep . |
					head -n 30 >"${d%.data}.txt"
			done' \
			bench "${BENCH_QUICK_RUNS:-3}" "$quick_paths" \
			>"$out/$k-quick.log" 2>&1 || {
			rc=1
			echo "   test host failed:"
			tail -n 15 "$out/$k-quick.log" | sed 's/^/   /'
		}
		quiet_after "$k quick"
		if [ -f "$out/vmq-$k/quick.log" ]; then
			sed -n '/^quick migration/,/^zero-page check/p' \
				"$out/vmq-$k/quick.log" >"$out/$k-quick.txt"
			sed -n '/^quick migration/,/^vmmig.transport/p' \
				"$out/vmq-$k/quick-aligned.log" \
				>"$out/$k-quick-aligned.txt" 2>/dev/null
			mkdir -p "$out/profiles/$k"
			cp "$out/vmq-$k"/perf/*.txt "$out/profiles/$k/" 2>/dev/null
		fi
	fi
	[ "${BENCH_LIVE:-1}" = 1 ] || continue
	echo "== $k: test host running the live benchmark (log: $out/$k.log)"
	rm -rf "$out/vm-$k"
	quiet_before "$k live"
	# shellcheck disable=SC2016 # expanded in the test host
	selftests/vmtest/run.sh --kver "$k" --project "$top" \
		--out "$out/vm-$k" --timeout "${BENCH_TIMEOUT:-3000}" \
		--mem "${BENCH_MEM_MB:-12288}" -- \
		sh -c 'selftests/load_module.sh "build/$VMMIG_KVER/vmmig.ko" || exit 1
		selftests/bench_run.sh "$VMMIG_OUT" --runs "$1" $2' \
		bench "$runs" "$smoke" >"$out/$k.log" 2>&1 || {
		rc=1
		echo "   test host failed:"
		tail -n 15 "$out/$k.log" | sed 's/^/   /'
	}
	quiet_after "$k live"
	if ls "$out/vm-$k"/perf/*.txt >/dev/null 2>&1; then
		mkdir -p "$out/profiles/$k"
		cp "$out/vm-$k"/perf/*.txt "$out/profiles/$k/"
	fi
	inputs+=("$k=$out/vm-$k/live.jsonl")
done

echo
for k in $kernels; do
	[ -s "$out/$k-quick.txt" ] || continue
	echo "Debian $k"
	cat "$out/$k-quick.txt"
	echo
done
[ ${#inputs[@]} = 0 ] ||
	python3 scripts/bench_report.py --out "$out" \
		--command "make bench${label:+ ($label)}, BENCH_RUNS=$runs" \
		"${inputs[@]}" || rc=1
echo
echo "machine load during the runs ($out/host-load.txt):"
sed 's/^/  /' "$out/host-load.txt"
[ "$contended" = 0 ] ||
	echo "WARNING: some figures were measured on a busy machine (above)"
echo "make bench: $(($(date +%s) - t0)) s; report in $out/live.{txt,json}, charts $out/live-*.png"
exit $rc
