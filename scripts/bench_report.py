#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The live-migration benchmark's report: table, JSON and chart.

    bench_report.py --out DIR KVER=live.jsonl [KVER=live.jsonl ...]

Each live.jsonl holds one JSON object per run, written in the test host by
selftests/bench_live (paths vmmig, userspace, userspace-zc, and the link
alone: transport, transport-zc) and selftests/bench_qemu.py (path qemu:
Debian's QEMU; qemu+vmmig and qemu-own: the QEMU of integrations/qemu,
with x-vmmig on and off, the same binary).
Runs are grouped by configuration (guest MiB, vCPUs, guest delay); per
path the figures are medians over the runs that passed verification, with
min-max for total time and downtime.  A run that failed or timed out is
counted in "passed" and listed with its reason, never dropped; a path with
no passing run shows FAILED.

Writes DIR/live.txt (the table, also printed), DIR/live.json (every run and
every summary), DIR/live.md (the summary the README shows: medians of
vmmig and its ratios to the other paths, per kernel) and DIR/live-KVER.png (total time and downtime against the
guest's dirty rate for the rate sweep: 256 MiB, 2 vCPUs), if gnuplot is
installed.

Ratios are vmmig/other: below 1 means vmmig took less time or CPU.
CPU per GiB sent: src (vmmig: the source session's kernel worker; the
userspace paths: the VMM's migration thread; QEMU: every thread but the
vCPUs), dst (the receiving worker or thread; QEMU: every thread but the
vCPUs) and host (the test host's whole non-guest CPU time over the
migration: both sides, kernel threads, softirq networking).
"""
import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys

PATHS = ["vmmig", "userspace", "userspace-zc", "qemu", "qemu+vmmig",
         "qemu-own", "vmmig+crc32c", "vmmig+ktls", "userspace+tls",
         "qemu+tls", "qemu+vmmig+tls"]
# Encrypted paths: compared with each other (vmmig+ktls against the two
# ways of TLS in userspace; QEMU's x-vmmig over kTLS against QEMU's own
# TLS migration) and with plaintext vmmig, not with the rest.
TLS_PATHS = ("vmmig+ktls", "userspace+tls", "qemu+tls", "qemu+vmmig+tls")
COLORS = ["#c00000", "#1f77b4", "#17becf", "#2ca02c", "#ff7f0e", "#7f7f7f",
          "#9467bd"]
GIB = 1 << 30


def load(path):
    runs = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                runs.append(json.loads(line))
            except json.JSONDecodeError as e:
                sys.exit(f"{path}:{n}: {e}")
    return runs


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def spread(vals):
    vals = [v for v in vals if v is not None]
    return (min(vals), max(vals)) if vals else (None, None)


def per_gib(r, key):
    if r.get(key) is None or not r.get("bytes"):
        return None
    return r[key] / 1e3 / (r["bytes"] / GIB)


def harvest_us(r):
    if not r.get("harvested") or not r.get("harvest_ns"):
        return None
    return r["harvest_ns"] / r["harvested"] / 1e3


def cfg(x):
    """A configuration: the guest (the stamp guest unless the record says
    linux-idle or linux-write), its memory, vCPUs and delay."""
    return (x.get("guest", "stamp"), x["mib"], x["vcpus"], x["delay"])


def cfg_name(s):
    """A configuration's label in the tables."""
    vc = f"{s['vcpus']} vCPU{'s' if s['vcpus'] > 1 else ''}"
    if s.get("guest", "stamp") == "stamp":
        return f"{s['mib']} MiB, {vc}"
    return f"Linux guest ({s['guest'][6:]}), {s['mib']} MiB, {vc}"


def summarize(runs):
    """Per configuration and path: medians over the passing runs."""
    configs = {}
    for r in runs:
        if r["path"].startswith("transport"):
            continue
        key = cfg(r)
        configs.setdefault(key, {}).setdefault(r["path"], []).append(r)
    out = []
    for key in sorted(configs, key=lambda k: (k[0] != "stamp", k[0], k[1],
                                              k[2], -k[3])):
        by_path = configs[key]
        rate = med([r.get("rate_pps") for rs in by_path.values()
                    for r in rs])
        for path in PATHS + sorted(set(by_path) - set(PATHS)):
            rs = by_path.get(path)
            if not rs:
                continue
            ok = [r for r in rs if r["ok"]]
            s = {
                "guest": key[0], "mib": key[1], "vcpus": key[2],
                "delay": key[3],
                "rate_pps": rate, "path": path,
                "runs": len(rs), "passed": len(ok),
                "failures": [f"run {r['run']}: {r['fail']}"
                             for r in rs if not r["ok"]],
            }
            tot = [r["total_ms"] / 1e3 for r in ok]
            down = [r["downtime_ms"] for r in ok]
            s["total_s"], s["total_s_range"] = med(tot), spread(tot)
            s["downtime_ms"], s["downtime_ms_range"] = med(down), \
                spread(down)
            s["rounds"] = med([r["rounds"] for r in ok])
            s["ack_downtime_ms"] = med([r.get("vmmig_downtime_ms")
                                        for r in ok])
            s["final_pages"] = med([r.get("final_pages") for r in ok])
            s["guest_pct"] = med([100 * r["mig_rate_pps"] / r["rate_pps"]
                                  if r.get("mig_rate_pps") and
                                  r.get("rate_pps") else None for r in ok])
            s["mib_sent"] = med([r["bytes"] / 1048576 for r in ok])
            s["throughput_mibs"] = med([r["bytes"] / 1048576 /
                                        (r["total_ms"] / 1e3)
                                        for r in ok if r["total_ms"]])
            for k in ("src", "dst", "host"):
                s[f"{k}_cpu_s_per_gib"] = med([per_gib(r, f"{k}_cpu_ms")
                                               for r in ok])
            s["harvest_us_per_page"] = med([harvest_us(r) for r in ok])
            s["ring_full"] = med([r.get("ring_full") for r in ok])
            s["throttle_s"] = med([r["throttle_ms"] / 1e3
                                   if r.get("throttle_ms") is not None
                                   else None for r in ok])
            out.append(s)
    return out


def transport(runs):
    t = {}
    for r in runs:
        if r["path"].startswith("transport"):
            t[r["path"]] = {
                "mibs": r["bytes"] / 1048576 / (r["total_ms"] / 1e3),
                "copied": bool(r.get("zc_copied")),
            }
    return t


def f(v, prec=1, unit=""):
    if v is None:
        return "-"
    return f"{v:.{prec}f}{unit}"


def ratio(a, b):
    if a is None or b is None or b <= 0:
        return "-"
    return f"{a / b:.2f}x"


def table(kver, summ, trans):
    lines = [f"Debian {kver}"]
    link = trans.get("transport", {}).get("mibs")
    if link:
        zc = trans.get("transport-zc", {})
        lines.append(f"link alone (veth, TCP, 1 MiB writes): {link:.0f} MiB/s; "
                     f"with MSG_ZEROCOPY {f(zc.get('mibs'), 0)} MiB/s"
                     + (" (completions say: copied)" if zc.get("copied")
                        else ""))
    hdr = (f"{'path':<19}{'total s':>20}{'downtime ms':>20}{'paused pg':>10}"
           f"{'guest %':>8}{'rounds':>7}"
           f"{'MiB sent':>9}{'MiB/s':>7}{'%link':>6}"
           f"{'CPU s/GiB: src':>15}{'dst':>6}{'host':>6}"
           f"{'harvest':>9}{'ring-full':>10}{'throttle s':>11}{'passed':>8}")
    cur = None
    for s in summ:
        key = cfg(s)
        if key != cur:
            cur = key
            rate = s["rate_pps"]
            delay = (f", guest delay {s['delay']}"
                     if s["guest"] == "stamp" else "")
            lines += ["", f"{cfg_name(s)}{delay}: "
                      f"{f(rate, 0)} pages/s written before "
                      f"migrating ({f(rate * 4096 / 1048576 if rate else None, 0)} MiB/s)",
                      hdr]
            rows = [x for x in summ if cfg(x) == key]
        tr, dr = s["total_s_range"], s["downtime_ms_range"]
        tot = (f"{f(s['total_s'], 2)} ({f(tr[0], 2)}-{f(tr[1], 2)})"
               if s["passed"] else "FAILED")
        down = (f"{f(s['downtime_ms'], 0)} ({f(dr[0], 0)}-{f(dr[1], 0)})"
                if s["passed"] else "FAILED")
        pct = (f(100 * s["throughput_mibs"] / link, 0)
               if link and s["throughput_mibs"] else "-")
        lines.append(
            f"{s['path']:<19}{tot:>20}{down:>20}"
            f"{f(s['final_pages'], 0):>10}{f(s['guest_pct'], 0):>8}"
            f"{f(s['rounds'], 0):>7}"
            f"{f(s['mib_sent'], 0):>9}{f(s['throughput_mibs'], 0):>7}{pct:>6}"
            f"{f(s['src_cpu_s_per_gib'], 2):>15}{f(s['dst_cpu_s_per_gib'], 2):>6}"
            f"{f(s['host_cpu_s_per_gib'], 2):>6}"
            f"{f(s['harvest_us_per_page'], 1, 'us'):>9}{f(s['ring_full'], 0):>10}"
            f"{f(s['throttle_s'], 1):>11}{s['passed']:>5}/{s['runs']}")
        for fl in s["failures"]:
            lines.append(f"    {s['path']} {fl}")
        if s is rows[-1]:
            v = next((x for x in rows if x["path"] == "vmmig"), None)
            pairs = [("vmmig/" + o["path"], v, o) for o in rows
                     if v and o["path"] not in ("vmmig", "qemu+vmmig",
                                                "qemu-own", "vmmig+crc32c")
                     + TLS_PATHS]
            vc = next((x for x in rows if x["path"] == "vmmig+crc32c"), None)
            if v and vc:
                pairs.append(("crc32c/vmmig", vc, v))
            vt = next((x for x in rows if x["path"] == "vmmig+ktls"), None)
            for o in rows:
                if vt and o["path"] in ("userspace+tls", "qemu+tls"):
                    pairs.append(("ktls/" + o["path"], vt, o))
            if vt and v:
                pairs.append(("ktls/vmmig", vt, v))
            qvt = next((x for x in rows if x["path"] == "qemu+vmmig+tls"),
                       None)
            qt = next((x for x in rows if x["path"] == "qemu+tls"), None)
            if qvt and qt:
                pairs.append(("q+vmmig+tls/q+tls", qvt, qt))
            qv = next((x for x in rows if x["path"] == "qemu+vmmig"), None)
            qo = next((x for x in rows if x["path"] == "qemu-own"), None)
            if qv and qo:
                pairs.append(("qemu+vmmig/-own", qv, qo))
            for name, v, o in pairs:
                lines.append(
                    f"{name:<19}{ratio(v['total_s'], o['total_s']):>20}"
                    f"{ratio(v['downtime_ms'], o['downtime_ms']):>20}"
                    f"{ratio(v['final_pages'], o['final_pages']):>10}"
                    f"{ratio(v['guest_pct'], o['guest_pct']):>8}"
                    f"{'':>7}{'':>9}{'':>7}{'':>6}"
                    f"{ratio(v['src_cpu_s_per_gib'], o['src_cpu_s_per_gib']):>15}"
                    f"{ratio(v['dst_cpu_s_per_gib'], o['dst_cpu_s_per_gib']):>6}"
                    f"{ratio(v['host_cpu_s_per_gib'], o['host_cpu_s_per_gib']):>6}"
                    f"{ratio(v['harvest_us_per_page'], o['harvest_us_per_page']):>9}")
    return lines


def markdown(kver, summ, trans):
    """The README's summary: vmmig's medians and its ratios, per config."""
    link = trans.get("transport", {}).get("mibs")
    lines = [f"Debian {kver}" + (f" (the link alone: {link:.0f} MiB/s):"
                                 if link else ":"), "",
             "| guest, pages/s written | vmmig total s | ÷ userspace "
             "| ÷ userspace-zc | ÷ QEMU | vmmig downtime ms | ÷ userspace "
             "| ÷ QEMU | host CPU/GiB ÷ userspace | ÷ QEMU "
             "| rounds (userspace) | pages sent paused (userspace) "
             "| guest speed migrating (userspace) "
             "| src CPU/GiB* ÷ userspace "
             "| harvest/entry ÷ userspace |",
             "|---" * 15 + "|"]
    for key in dict.fromkeys(cfg(s) for s in summ):
        rows = {x["path"]: x for x in summ if cfg(x) == key}
        v = rows.get("vmmig")
        if not v:
            continue
        u, z, q = (rows.get(p, {}) for p in ("userspace", "userspace-zc",
                                              "qemu"))

        def r(k, o):
            return ratio(v.get(k), o.get(k)) if o.get("passed") else "-"
        tot = (f(v["total_s"], 2) if v["passed"] else "FAILED") + \
            ("" if v["passed"] == v["runs"] else
             f" ({v['passed']}/{v['runs']} passed)")
        rate = f"{v['rate_pps']:,.0f}" if v["rate_pps"] else "-"
        lines.append(
            f"| {cfg_name(next(iter(rows.values())))}, "
            f"{rate} | {tot} | {r('total_s', u)} | {r('total_s', z)} "
            f"| {r('total_s', q)} | {f(v['downtime_ms'], 0)} "
            f"| {r('downtime_ms', u)} | {r('downtime_ms', q)} "
            f"| {r('host_cpu_s_per_gib', u)} | {r('host_cpu_s_per_gib', q)} "
            f"| {f(v.get('rounds'), 0)} ({f(u.get('rounds'), 0)}) "
            f"| {f(v.get('final_pages'), 0)} ({f(u.get('final_pages'), 0)}) "
            f"| {f(v.get('guest_pct'), 0, '%')} ({f(u.get('guest_pct'), 0, '%')}) "
            f"| {r('src_cpu_s_per_gib', u)} "
            f"| {r('harvest_us_per_page', u)} |")
    lines += ["", "Host CPU: every CPU of the test host outside guest "
              "mode over the migration (the headline CPU figure). "
              "Pages sent paused: what the downtime moved. Guest speed "
              "migrating: the guest's page writes per second from the "
              "start to the pause, against its rate before; every thread "
              "in the test host shares its cores, so a path that takes "
              "CPU from the guest leaves less dirty for its final round. "
              "\\* Per thread (vmmig's worker, the VMM's migration "
              "thread), secondary: softirq work lands on whichever "
              "thread was running."]
    return lines


def qemu_markdown(kver, summ):
    """The same patched QEMU, x-vmmig on against its own pre-copy."""
    lines = [f"Debian {kver}: QEMU 7.2 with integrations/qemu's series, "
             "x-vmmig on (qemu+vmmig) against off (qemu-own, QEMU's own "
             "pre-copy), the same binary:", "",
             "| guest, pages/s written | qemu+vmmig total s | ÷ qemu-own "
             "| downtime ms (QEMU's figure) | ÷ qemu-own "
             "| switchover to ACK ms | host CPU/GiB ÷ qemu-own "
             "| rounds (qemu-own) | passed (qemu-own) |",
             "|---" * 9 + "|"]
    n = 0
    for key in dict.fromkeys(cfg(s) for s in summ):
        rows = {x["path"]: x for x in summ if cfg(x) == key}
        v, o = rows.get("qemu+vmmig"), rows.get("qemu-own")
        if not v or not o:
            continue
        n += 1

        def r(k):
            return ratio(v.get(k), o.get(k)) if o["passed"] and \
                v["passed"] else "-"
        rate = f"{v['rate_pps']:,.0f}" if v["rate_pps"] else "-"
        lines.append(
            f"| {cfg_name(next(iter(rows.values())))}, "
            f"{rate} | {f(v['total_s'], 2) if v['passed'] else 'FAILED'} "
            f"| {r('total_s')} | {f(v['downtime_ms'], 0)} "
            f"| {r('downtime_ms')} | {f(v.get('ack_downtime_ms'), 0)} "
            f"| {r('host_cpu_s_per_gib')} "
            f"| {f(v.get('rounds'), 0)} ({f(o.get('rounds'), 0)}) "
            f"| {v['passed']}/{v['runs']} ({o['passed']}/{o['runs']}) |")
    if not n:
        return []
    lines += ["", "QEMU's downtime: its vCPUs stopped to its completion, "
              "which under x-vmmig waits for the destination's ACK of the "
              "module's last pages. Host CPU: the test host's whole "
              "non-guest CPU, the module's kernel threads included.", ""]
    return lines


def chart(kver, summ, png):
    """Total time and downtime against dirty rate, rate sweep only."""
    gp = shutil.which("gnuplot")
    if not gp:
        print(f"bench_report: no gnuplot, no {png}", file=sys.stderr)
        return False
    summ = [s for s in summ if s["guest"] == "stamp"]
    sweep = [s for s in summ if s["mib"] == 256 and s["vcpus"] == 2]
    if len({s["delay"] for s in sweep}) < 2:
        sweep = summ  # a smoke run: whatever there is
    blocks, plots_t, plots_d = [], [], []
    for i, path in enumerate(PATHS):
        pts = sorted((s for s in sweep if s["path"] == path and s["passed"]
                      and s["rate_pps"]), key=lambda s: s["rate_pps"])
        failed = sum(1 for s in sweep if s["path"] == path and not s["passed"])
        if not pts and not failed:
            continue
        name = f"d{i}"
        blocks.append(f"${name} << EOD")
        for s in pts:
            blocks.append(" ".join(str(x) for x in (
                max(s["rate_pps"], 1), s["total_s"], *s["total_s_range"],
                s["downtime_ms"], *s["downtime_ms_range"])))
        if not pts:
            blocks.append("1 NaN NaN NaN NaN NaN NaN")
        blocks.append("EOD")
        title = path + (f" ({failed} failed)" if failed else "")
        style = f"with yerrorlines lw 2 pt 7 lc rgb '{COLORS[i]}'"
        plots_t.append(f"${name} using 1:2:3:4 {style} title '{title}'")
        plots_d.append(f"${name} using 1:5:6:7 {style} title '{title}'")
    if not blocks:
        return False
    script = "\n".join(blocks + [
        f"set terminal pngcairo size 1400,560 font 'sans,11'",
        f"set output '{png}'",
        "set multiplot layout 1,2 title "
        f"'vmmig live migration benchmark, Debian {kver}: 256 MiB guest, "
        "2 vCPUs, median and min-max of the runs that passed'",
        "set logscale x", "set grid", "set key top left",
        "set xlabel 'pages/s the guest writes (before migrating)'",
        "set ylabel 'total migration time (s)'",
        "set yrange [0:*]",
        "plot " + ", ".join(plots_t),
        "set logscale y", "set yrange [*:*]",
        "set ylabel 'downtime (ms)'",
        "plot " + ", ".join(plots_d),
        "unset multiplot",
    ]) + "\n"
    r = subprocess.run([gp], input=script, text=True, capture_output=True)
    if r.returncode:
        print(f"bench_report: gnuplot: {r.stderr.strip()}", file=sys.stderr)
        return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="directory for the report")
    ap.add_argument("--command", default="make bench",
                    help="the command that produced the runs (for the JSON)")
    ap.add_argument("inputs", nargs="+", metavar="KVER=JSONL")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    report = {"bench": "live",
              "date": datetime.datetime.now(datetime.timezone.utc)
              .isoformat(timespec="seconds"),
              "command": a.command, "kernels": {}}
    lines, md = [], []
    for arg in a.inputs:
        kver, _, path = arg.partition("=")
        if not path:
            ap.error(f"{arg}: expected KVER=JSONL")
        if not os.path.exists(path):
            lines += [f"Debian {kver}", f"no results ({path} missing: "
                      "the test host run failed, see its log)", ""]
            report["kernels"][kver] = {"error": f"{path} missing"}
            continue
        runs = load(path)
        summ = summarize(runs)
        trans = transport(runs)
        lines += table(kver, summ, trans) + [""]
        md += markdown(kver, summ, trans) + [""] + qemu_markdown(kver, summ)
        png = os.path.join(a.out, f"live-{kver}.png")
        report["kernels"][kver] = {
            "transport": trans, "summary": summ, "runs": runs,
            "chart": os.path.basename(png) if chart(kver, summ, png)
            else None,
        }
    lines.append("(ratios vmmig/other: below 1 is better for vmmig.  total: "
                 "start to the destination's ack; downtime: vmmig from "
                 "session-switchover, userspace paths from pausing the "
                 "vCPUs, QEMU its own figure; harvest: time spent harvesting "
                 "and resetting the dirty rings per entry harvested; rounds: "
                 "QEMU counts its setup and final bitmap syncs; CPU per "
                 "GiB sent: see scripts/bench_report.py.)")
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    with open(os.path.join(a.out, "live.txt"), "w") as fh:
        fh.write(text)
    with open(os.path.join(a.out, "live.md"), "w") as fh:
        fh.write("\n".join(md))
    with open(os.path.join(a.out, "live.json"), "w") as fh:
        json.dump(report, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
