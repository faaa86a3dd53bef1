#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Live migration of the stamp guest by real QEMU, beside bench_live.

The benchmark's QEMU path: the same guest workload as bench_live's paths
(guest/stamp.S, here wrapped as the multiboot kernel guest/qguest.elf),
live-migrated between two qemu-system-x86_64 processes (KVM with the dirty
ring) over TCP between the network namespaces vmmig-src and vmmig-dst.  Run
as root in the test host; python3 standard library only.

Method, per run:

  1. Two QEMUs with the same command line (-kernel guest/qguest.elf, the
     guest's configuration written into its memory by -device loader, QMP
     on a unix socket), each in its namespace: the source, and once its
     guest is warmed up (step 2) the destination with -incoming
     tcp:DST:PORT.  Guest layout as selftests/migrate.c: vCPU i's working
     set at 16 MiB + i * ws_pages pages, static data (static_mib MiB,
     non-zero, never written again) from mem/2.
  2. Warm-up as bench_live: the guest starts at delay 0 and every vCPU
     sweeps its working set once (ctl.iter >= 1, read with HMP xp); then
     its delay is set (a write into the source QEMU's guest RAM through
     /proc/PID/mem at the address HMP gpa2hva gives) and the guest's own
     count of pages written (sum of ctl.writes) over about 1 s is rate_pps.
     A source whose guest does not sweep within 30 s is booted again (see
     boot_source()).
  3. migrate-set-parameters downtime-limit (--downtime-ms), max-bandwidth
     unlimited (QEMU 7.2 caps at 32 MiB/s by default), auto-converge off;
     everything else QEMU's default.  migrate, then query-migrate every
     100 ms: once ram.dirty-sync-count reaches --max-rounds, downtime-limit
     goes to its maximum (2000 s) so that QEMU switches over at its next
     check (forced_switchover); past --timeout, migrate_cancel and the run
     fails with "timeout".
  With --tls the migration runs in TLS 1.3 with AES-GCM-128 (QEMU's
     tls-creds-psk, a fresh pre-shared key per run, priority
     TLS_PRIORITY: without it GnuTLS picks ChaCha20 for PSK), as
     bench_live's vmmig+ktls and userspace+tls paths: QEMU does TLS in
     userspace with GnuTLS, through its own push/pull callbacks.  With
     --vmmig too (qemu+vmmig+tls), x-vmmig's connection makes its own
     handshake with those credentials and the module runs over kTLS.
  4. Verification, as bench_live: once the destination runs, every vCPU's
     delay is set to 0 there and the run passes only if every vCPU sweeps
     its working set twice more (ctl.iter up by 2, within 60 s) and the
     guest's error count is 0.  The stamp guest checks every page it
     writes against its previous stamp, so a write the migration lost is
     an error.  Both QEMUs are killed at the end of every run.

Figures (JSON, one object per run appended to --jsonl; null where QEMU has
no such figure), all from the source's query-migrate at completion unless
said otherwise:

  rate_pps          pages/s the guest wrote just before migrating (step 2)
  total_ms          total-time: migrate command to completion
  downtime_ms       downtime: source vCPUs stopped to completion (QEMU's
                    own figure: it does not wait for the destination)
  setup_ms          setup-time: dirty logging on, first bitmap sync
  rounds            ram.dirty-sync-count: bitmap syncs, the setup's and the
                    final one at switchover included
  forced_switchover the round limit raised downtime-limit (step 3)
  bytes             ram.transferred: RAM bytes sent
  pages             ram.normal: data pages sent
  zero_pages        ram.duplicate: zero pages sent as a flag
  throughput_mbps   ram.mbps: Mbit/s over the migration (QEMU's figure)
  src_cpu_ms,       CPU time (utime + stime, /proc/PID/stat and
  dst_cpu_ms        /proc/PID/task/*/stat) of each QEMU process from the
                    migrate command to completion seen (source) or to the
                    destination running, its vCPU threads ("CPU n/KVM")
                    excluded, exited threads (the migration thread)
                    included
  host_cpu_ms       the whole test host's busy CPU outside guest mode from
                    migrate to completion seen, from /proc/stat's "cpu" line:
                    (user - guest) + (nice - guest_nice) + system + irq +
                    softirq (as bench_live's host_busy_ms())
  guest_errors      pages the destination guest found not holding their
                    last stamp (step 4)
  boot_ms           the source QEMU started to its warm-up sweep done
                    (not a migration figure)
  boot_attempts     source boots it took (see boot_source())
  dirty_ring        the source QEMU harvests KVM's dirty ring (it has its
                    "kvm-reaper" thread); a run without it fails, QEMU
                    would silently fall back to the dirty bitmap
  harvest_ns_per_page, ring_full, diff_pages, harvested, harvest_ns,
  zc_sends, zc_copied
                    bench_live figures QEMU does not give: null
  throttle_ms       0: no auto-converge

usage: bench_qemu.py [--mib 256] [--vcpus 2] [--delay D] [--runs 3]
                     [--run-base 1] [--ws-pages 8192] [--static-mib 32]
                     [--downtime-ms 500] [--max-rounds 30] [--ring 4096]
                     [--timeout 120] [--jsonl OUT] [--src-netns NS]
                     [--dst-netns NS] [--dst-addr ADDR] [--port PORT]
                     [--qemu BIN] [--path NAME] [--vmmig]
                     [--guest stamp|linux] [--load idle|write]

--guest linux: the real Linux guest instead (run_linux()): --mib is its
memory, its stampd working set is linux_guest.Guest's, the records say
guest linux-idle or linux-write.
"""

import argparse
import functools
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# Guest layout: guest/qguest.S and guest/stamp.h.
CFG_GPA = 0x1F0000          # struct vmm_stamp_ctl of vCPU i at + i * 64
CTL_SIZE = 64
HDR_GPA = CFG_GPA + 0x800   # u32 nr_vcpus, static_gpa, static_pages, started
CTL_BASE_GPA, CTL_NPAGES, CTL_VCPU, CTL_DELAY = 0, 4, 8, 12
MAX_VCPUS = 8
# migrate.c
WS_GPA = 16 << 20
PAGE = 4096

POLL_S = 0.1
VERIFY_S = 60
# To the end of the warm-up sweep, per attempt; the debug kernel's test
# host (KASAN, lockdep: run_tests.sh's profile) boots its guests slower.
BOOT_S = 60 if os.environ.get('VMMIG_TEST_PROFILE') == 'debug' else 30
BOOT_ATTEMPTS = 3
MAX_DOWNTIME_MS = 2000 * 1000   # QEMU's MAX_MIGRATE_DOWNTIME
MAX_BANDWIDTH = 1 << 40         # bytes/s: unlimited in practice
CLK_TCK = os.sysconf('SC_CLK_TCK')


class RunError(Exception):
    """A run failed; the message is its "fail" reason."""


class QmpError(RunError):
    pass


class NoSweep(RunError):
    """The guest did not sweep in time."""


# ---- QEMU and its monitor -------------------------------------------------

class Qmp:
    """A minimal QMP client: one command at a time; the asynchronous events
    in the stream (STOP, RESUME, MIGRATION, ...) are skipped, the bench
    polls query-migrate and query-status instead."""

    def __init__(self, path, qemu, deadline):
        while True:
            qemu.check_alive()
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise RunError('no QMP socket from ' + qemu.name)
                time.sleep(0.05)
        self.sock.settimeout(30)
        self.rfile = self.sock.makefile('rb')
        self.next_id = 0
        greeting = self._read()
        if 'QMP' not in greeting:
            raise QmpError('bad QMP greeting from %s' % qemu.name)
        self.cmd('qmp_capabilities')

    def _read(self):
        line = self.rfile.readline()
        if not line:
            raise RunError('QMP connection closed')
        return json.loads(line)

    def cmd(self, execute, **arguments):
        """Run a command, return its "return" value."""
        self.next_id += 1
        req = {'execute': execute, 'id': self.next_id}
        if arguments:
            req['arguments'] = arguments
        self.sock.sendall(json.dumps(req).encode() + b'\n')
        while True:
            msg = self._read()
            if 'event' not in msg and msg.get('id') == self.next_id:
                if 'error' in msg:
                    raise QmpError('%s: %s' % (execute,
                                               msg['error'].get('desc')))
                return msg.get('return')

    def hmp(self, line):
        return self.cmd('human-monitor-command', **{'command-line': line})

    def close(self):
        self.rfile.close()
        self.sock.close()


# The QEMUs running now, for the signal handler.
LIVE = set()


class Qemu:
    """One qemu-system-x86_64 in a network namespace, in its own process
    group (killed as a whole, and only it)."""

    def __init__(self, name, argv, netns, tmpdir):
        self.name = name
        self.qmp = None
        self.qmp_path = os.path.join(tmpdir, name + '.qmp')
        self.err_path = os.path.join(tmpdir, name + '.stderr')
        argv = argv + ['-qmp', 'unix:%s,server=on,wait=off' % self.qmp_path,
                       '-name', name + ',debug-threads=on']
        if netns:
            # ip netns exec execs the command: the child is QEMU itself.
            argv = ['ip', 'netns', 'exec', netns] + argv
        with open(self.err_path, 'wb') as err:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL,
                                         stderr=err, start_new_session=True)
        self.pid = self.proc.pid
        LIVE.add(self)

    def stderr_tail(self, n=300):
        try:
            with open(self.err_path, 'rb') as f:
                data = f.read().decode(errors='replace')
        except OSError:
            return ''
        return ' '.join(data.split())[-n:]

    def check_alive(self):
        if self.proc.poll() is not None:
            raise RunError('qemu exited (%s, status %d): %s' %
                           (self.name, self.proc.returncode,
                            self.stderr_tail()))

    def connect(self, deadline):
        self.qmp = Qmp(self.qmp_path, self, deadline)
        comm = read_text('/proc/%d/comm' % self.pid).strip()
        if not comm.startswith('qemu'):
            raise RunError('%s: pid %d is %r, not QEMU' %
                           (self.name, self.pid, comm))

    def kill(self):
        """Kill this QEMU (its process group) and reap it; idempotent."""
        self.kill_now()
        self.proc.wait()
        LIVE.discard(self)
        if self.qmp:
            try:
                self.qmp.close()
            except Exception:   # pylint: disable=broad-except
                pass            # interrupted mid-read: nothing to keep
            self.qmp = None

    def kill_now(self):
        if self.proc.returncode is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def has_thread(self, comm):
        for tid in os.listdir('/proc/%d/task' % self.pid):
            try:
                if read_text('/proc/%d/task/%s/comm' %
                             (self.pid, tid)).strip() == comm:
                    return True
            except OSError:
                pass
        return False

    # -- guest memory --

    def read_ctl(self, i):
        """vCPU @i's struct vmm_stamp_ctl, from HMP xp."""
        q = self.read_qwords(CFG_GPA + i * CTL_SIZE, CTL_SIZE // 8)
        return {'iter': q[2], 'errors': q[3], 'bad_gpa': q[4],
                'bad_val': q[5], 'writes': q[6],
                'delay': q[1] >> 32, 'cur': q[7] & 0xffffffff}

    def read_qwords(self, gpa, n):
        out = self.qmp.hmp('xp /%dgx 0x%x' % (n, gpa))
        vals = []
        for line in out.splitlines():
            if ':' in line:
                vals += [int(v, 16) for v in line.split(':', 1)[1].split()]
        if len(vals) != n:
            raise RunError('%s: cannot parse xp output %r' % (self.name, out))
        return vals

    def write_u32(self, gpa, val):
        """Write guest RAM as the guest sees it: HMP has no memory write, so
        through /proc/PID/mem at the host address QEMU maps @gpa at."""
        out = self.qmp.hmp('gpa2hva 0x%x' % gpa)
        m = re.search(r'is (0x[0-9a-fA-F]+)', out)
        if not m:
            raise RunError('%s: gpa2hva 0x%x: %s' % (self.name, gpa,
                                                     out.strip()))
        with open('/proc/%d/mem' % self.pid, 'r+b', buffering=0) as f:
            f.seek(int(m.group(1), 16))
            f.write(struct.pack('<I', val))


def read_text(path):
    with open(path) as f:
        return f.read()


# ---- CPU time ---------------------------------------------------------------

def stat_ticks(path):
    """utime + stime from a /proc/.../stat file."""
    fields = read_text(path).rsplit(')', 1)[1].split()
    return int(fields[11]) + int(fields[12])


def qemu_cpu_ms(pid):
    """CPU time of QEMU process @pid without its vCPU threads, in ms: the
    process's total (exited threads included) minus the vCPU threads'."""
    total = stat_ticks('/proc/%d/stat' % pid)
    vcpus = 0
    for tid in os.listdir('/proc/%d/task' % pid):
        try:
            comm = read_text('/proc/%d/task/%s/comm' % (pid, tid)).strip()
            if re.fullmatch(r'CPU \d+/KVM', comm):
                vcpus += stat_ticks('/proc/%d/task/%s/stat' % (pid, tid))
        except OSError:
            pass    # a thread that just exited: counted in the total
    return (total - vcpus) * 1000.0 / CLK_TCK


def host_busy_ms():
    """The host's busy CPU outside guest mode, in ms (/proc/stat)."""
    v = [int(x) for x in read_text('/proc/stat').split('\n', 1)[0].split()[1:]]
    v += [0] * (10 - len(v))
    user, nice, system, _, _, irq, softirq, _, guest, guest_nice = v[:10]
    busy = (user - guest) + (nice - guest_nice) + system + irq + softirq
    return busy * 1000.0 / CLK_TCK


# ---- one run ----------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def machine_arg(machine):
    """-machine's value for @machine on the running kernel.  Kernels built
    without CONFIG_KVM_IOAPIC (an option since 6.16; the debug kernel of
    make check) have no in-kernel PIC and I/O APIC: QEMU's default
    kernel-irqchip=on fails there (KVM_CREATE_IRQCHIP: ENOTTY), split
    keeps the local APICs in KVM and the rest in QEMU."""
    try:
        with open('/boot/config-' + os.uname().release) as f:
            if '# CONFIG_KVM_IOAPIC is not set\n' in f.read():
                return machine + ',kernel-irqchip=split'
    except OSError:
        pass
    return machine


# TLS 1.3, AES-GCM-128 only: what bench_live's TLS paths negotiate
# (selftests/ktls.c); QEMU appends its PSK key exchanges.
TLS_PRIORITY = 'NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM'


# RFC 7919's ffdhe2048 group (PKCS#3): a tls-creds server without
# dh-params.pem generates 2048-bit DH parameters as it starts, which takes
# from seconds to minutes in the test host (a random prime search under
# TCG): a destination then missed its boot deadline.  TLS 1.3 with a PSK
# uses (EC)DHE groups of its own, so this only saves that search.
FFDHE2048_PEM = """-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
"""


def tls_creds(tmpdir, endpoint, priority=TLS_PRIORITY):
    """--tls: a tls-creds-psk object for @endpoint ('client' or 'server')
    with the run's key in @tmpdir/psk/keys.psk (made once per run); with
    @priority None, QEMU's default priority."""
    d = os.path.join(tmpdir, 'psk')
    path = os.path.join(d, 'keys.psk')
    if not os.path.exists(path):
        os.mkdir(d, 0o700)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), 'w') as f:
            f.write('qemu:%s\n' % os.urandom(32).hex())
        with open(os.path.join(d, 'dh-params.pem'), 'w') as f:
            f.write(FFDHE2048_PEM)
    obj = 'tls-creds-psk,id=tls0,endpoint=%s,dir=%s' % (endpoint, d)
    if priority:
        obj += ',priority=' + priority
    # The server looks the client's name up; only the client names it.
    if endpoint == 'client':
        obj += ',username=qemu'
    return ['-object', obj]


def qemu_argv(a):
    """The command line both QEMUs share: machine, guest, configuration."""
    accel = 'kvm,dirty-ring-size=%d' % a.ring if a.accel == 'kvm' else a.accel
    argv = [a.qemu, '-nodefaults', '-no-user-config', '-display', 'none',
            '-machine', machine_arg(a.machine), '-accel', accel,
            '-cpu', 'host' if a.accel == 'kvm' else 'max',
            '-smp', str(a.vcpus), '-m', str(a.mib), '-kernel', a.kernel]
    if a.vmmig:
        # Both sides: the capability set from the start (QMP would do too).
        argv.extend(['-global', 'migration.x-vmmig=on'])

    def u32(gpa, val):
        argv.extend(['-device',
                     'loader,addr=0x%x,data=0x%x,data-len=4' % (gpa, val)])

    for i in range(a.vcpus):
        ctl = CFG_GPA + i * CTL_SIZE
        u32(ctl + CTL_BASE_GPA, WS_GPA + i * a.ws_pages * PAGE)
        u32(ctl + CTL_NPAGES, a.ws_pages)
        u32(ctl + CTL_VCPU, i)
        u32(ctl + CTL_DELAY, 0)         # warm-up sweep at full speed
    u32(HDR_GPA, a.vcpus)
    u32(HDR_GPA + 4, (a.mib << 20) // 2)
    u32(HDR_GPA + 8, a.static_mib << 8)
    return argv


def read_ctls(q, a):
    return [q.read_ctl(i) for i in range(a.vcpus)]


def wait_sweeps(q, a, base, sweeps, timeout_s, what):
    """Until every vCPU's iter is @sweeps past @base[i]; returns the ctls."""
    deadline = time.monotonic() + timeout_s
    while True:
        q.check_alive()
        ctls = read_ctls(q, a)
        if all(c['iter'] >= base[i] + sweeps for i, c in enumerate(ctls)):
            return ctls
        if time.monotonic() > deadline:
            started = q.read_qwords(HDR_GPA, 2)[1] >> 32
            raise NoSweep('%s: no %d sweep(s) in %d s (iter %s, %d of %d '
                          'vCPUs started)' %
                          (what, sweeps, timeout_s,
                           ','.join(str(c['iter']) for c in ctls),
                           started, a.vcpus))
        time.sleep(0.2)


def set_delay(q, a, delay):
    for i in range(a.vcpus):
        q.write_u32(CFG_GPA + i * CTL_SIZE + CTL_DELAY, delay)


def guest_writes(q, a):
    return sum(c['writes'] for c in read_ctls(q, a))


def new_record(a, run):
    return {
        'path': a.path or ('qemu+vmmig' if a.vmmig else 'qemu') + (
            '+tls' if a.tls else ''),
        'guest': a.guest if a.guest == 'stamp' else 'linux-' + a.load,
        'mib': a.mib, 'vcpus': a.vcpus, 'delay': a.delay,
        'run': run, 'ok': False, 'fail': '', 'rate_pps': None,
        'total_ms': None, 'downtime_ms': None, 'setup_ms': None,
        'rounds': None, 'forced_switchover': False, 'bytes': None,
        'pages': None, 'zero_pages': None, 'throughput_mbps': None,
        'src_cpu_ms': None, 'dst_cpu_ms': None, 'host_cpu_ms': None,
        'harvest_ns_per_page': None, 'ring_full': None, 'throttle_ms': 0,
        'diff_pages': None, 'guest_errors': None, 'qemu_version': None,
        'harvested': None, 'harvest_ns': None, 'zc_sends': None,
        'zc_copied': None, 'boot_ms': None, 'boot_attempts': 0,
        'dirty_ring': None, 'vmmig_session': None, 'vmmig_downtime_ms': None,
        'encryption': None,
        'ws_pages': a.ws_pages,
        'ring_entries': a.ring, 'downtime_target_ms': a.downtime_ms,
        'max_rounds': a.max_rounds,
    }


def migrate(a, src, dst, port, r):
    """Step 3: migrate the warmed-up guest, fill in @r's figures."""
    sq = src.qmp
    sq.cmd('migrate-set-capabilities', capabilities=[
        {'capability': 'auto-converge', 'state': False}])
    sq.cmd('migrate-set-parameters', **{'downtime-limit': a.downtime_ms,
                                        'max-bandwidth': MAX_BANDWIDTH})
    if a.tls:
        sq.cmd('migrate-set-parameters', **{'tls-creds': 'tls0'})
    params = sq.cmd('query-migrate-parameters')
    if (params.get('downtime-limit') != a.downtime_ms or
            params.get('max-bandwidth') != MAX_BANDWIDTH):
        raise RunError('migration parameters not taken: %s' % params)
    c0 = (qemu_cpu_ms(src.pid), qemu_cpu_ms(dst.pid), host_busy_ms())
    t0 = time.monotonic()
    sq.cmd('migrate', uri='tcp:%s:%d' % (a.dst_addr, port))
    while True:
        time.sleep(POLL_S)
        src.check_alive()
        dst.check_alive()
        info = sq.cmd('query-migrate')
        status = info.get('status')
        ram = info.get('ram', {})
        if status == 'completed':
            break
        if status in ('failed', 'cancelled'):
            raise RunError('migration %s: %s' %
                           (status, info.get('error-desc', '')))
        # x-vmmig: the module limits its rounds itself (max-rounds).
        if (not a.vmmig and not r['forced_switchover'] and
                ram.get('dirty-sync-count', 0) >= a.max_rounds):
            sq.cmd('migrate-set-parameters',
                   **{'downtime-limit': MAX_DOWNTIME_MS})
            r['forced_switchover'] = True
        if time.monotonic() - t0 > a.timeout:
            sq.cmd('migrate_cancel')
            r['rounds'] = ram.get('dirty-sync-count')
            r['bytes'] = ram.get('transferred')
            raise RunError('timeout')
    r['src_cpu_ms'] = round(qemu_cpu_ms(src.pid) - c0[0], 1)
    r['host_cpu_ms'] = round(host_busy_ms() - c0[2], 1)
    # QEMU 7.2 reports "completed" a moment before it computes total-time,
    # downtime and mbps (still 0 then).
    t1 = time.monotonic()
    while not info.get('total-time') and time.monotonic() - t1 < 5:
        time.sleep(0.02)
        info = sq.cmd('query-migrate')
    ram = info.get('ram', {})
    r['total_ms'] = info.get('total-time')
    r['downtime_ms'] = info.get('downtime')
    r['setup_ms'] = info.get('setup-time')
    r['rounds'] = ram.get('dirty-sync-count')
    r['bytes'] = ram.get('transferred')
    r['pages'] = ram.get('normal')
    r['zero_pages'] = ram.get('duplicate')
    mbps = ram.get('mbps')
    r['throughput_mbps'] = None if mbps is None else round(mbps, 1)
    vm = info.get('vmmig')
    if a.vmmig:
        if not vm or vm.get('state') != 'completed':
            raise RunError('x-vmmig: no completed vmmig session in '
                           'query-migrate: %s' % vm)
        # The module's figures: its rounds, pages and switchover-to-ACK.
        r['vmmig_session'] = vm['session']
        r['vmmig_downtime_ms'] = vm['downtime']
        r['rounds'] = vm['rounds'] + 1
        r['pages'] = (r['pages'] or 0) + vm['pages'] - vm['zero-pages']
        r['zero_pages'] = (r['zero_pages'] or 0) + vm['zero-pages']
        r['ring_full'] = vm['ring-full']
        r['encryption'] = vm.get('encryption')

    # The destination's work ends when it has loaded everything and runs.
    deadline = time.monotonic() + VERIFY_S
    while dst.qmp.cmd('query-status').get('status') != 'running':
        dst.check_alive()
        if time.monotonic() > deadline:
            raise RunError('destination not running after %d s' % VERIFY_S)
        time.sleep(0.02)
    r['dst_cpu_ms'] = round(qemu_cpu_ms(dst.pid) - c0[1], 1)


def verify(a, dst, r, src_ctls):
    """Step 4: the destination guest goes on and finds no lost write.
    @src_ctls: the paused source's control blocks, for the failure reason."""
    base = [c['iter'] for c in read_ctls(dst, a)]
    set_delay(dst, a, 0)
    ctls = wait_sweeps(dst, a, base, 2, VERIFY_S, 'destination guest')
    r['guest_errors'] = sum(c['errors'] for c in ctls)
    if r['guest_errors']:
        raise RunError('%d guest errors (%s)' % (r['guest_errors'], '; '.join(
            'vCPU %d: %d, %d on the source, iter %d at completion, '
            'last page 0x%x held 0x%x' %
            (i, c['errors'], src_ctls[i]['errors'], base[i], c['bad_gpa'],
             c['bad_val']) for i, c in enumerate(ctls) if c['errors'])))


def boot_source(a, argv, tmpdir, qemus, r):
    """Step 2's warm-up: a source QEMU whose guest swept its working set
    once.  The firmware (SeaBIOS, multiboot option ROM) now and then stalls
    in the nested test host before the guest's first instruction: such a
    boot is killed and tried again (boot_attempts)."""
    for attempt in range(1, BOOT_ATTEMPTS + 1):
        r['boot_attempts'] = attempt
        t0 = time.monotonic()
        src = Qemu('src', argv, a.src_netns, tmpdir)
        qemus.append(src)
        src.connect(t0 + BOOT_S)
        try:
            ctls = wait_sweeps(src, a, [0] * a.vcpus, 1,
                               max(1, t0 + BOOT_S - time.monotonic()),
                               'source guest')
        except NoSweep:
            if attempt == BOOT_ATTEMPTS:
                raise
            src.kill()
            qemus.remove(src)
            continue
        r['boot_ms'] = round((time.monotonic() - t0) * 1e3)
        errors = sum(c['errors'] for c in ctls)
        if errors:
            raise RunError('%d guest errors before migrating' % errors)
        return src
    raise AssertionError('not reached')


def linux_boot_source(a, lg, env, r):
    """The Linux guest's source, warmed up as the stamp guest's: the
    working set stamped once (idle: then only read) and one heartbeat
    after, whose pps is the rate.  A boot that stalls or whose guest
    kernel crashes before that is killed and tried again, as
    boot_source() does (boot_attempts): not the migration's doing.
    Returns the guest and its last heartbeat."""
    for attempt in range(1, BOOT_ATTEMPTS + 1):
        r['boot_attempts'] = attempt
        t0 = time.monotonic()
        src = lg.Guest(env, 'src%d' % attempt, a.qemu, a.vmmig, mem=a.mib,
                       vcpus=a.vcpus, mode=a.load, netns=a.src_netns)
        try:
            hb = src.wait_heartbeats(2, 0, lg.BOOT_S, 'source guest boot')
            deadline = time.monotonic() + VERIFY_S
            while hb[lg.H_SWEEP] < 1 and time.monotonic() < deadline:
                hb = src.wait_heartbeats(1, hb[lg.H_HB], 10, 'source guest')
            if hb[lg.H_SWEEP] < 1:
                raise NoSweep('source guest: no sweep done in %d s' %
                              VERIFY_S)
            hb = src.wait_heartbeats(1, hb[lg.H_HB], 10, 'source guest')
        except RunError as e:
            if attempt == BOOT_ATTEMPTS:
                raise
            print('source boot %d: %s; again' % (attempt, e), flush=True)
            src.q.kill()
            env.qemus.remove(src.q)
            continue
        r['boot_ms'] = round((time.monotonic() - t0) * 1e3)
        return src, hb
    raise AssertionError('not reached')


def run_linux(a, r, tmpdir, qemus, port):
    """One run with the real Linux guest (guest/linux, linux_guest.py)
    instead of the stamp guest: steps 1-4 with stampd's heartbeat as the
    guest's own account.  Its load (--load): idle (the working set
    stamped once, then only read) or write (swept at linux_guest.RATE
    pages/s).  rate_pps: stampd's own figure (its heartbeat's pps) once
    warmed up.  boot_ms: the last QEMU started to the warm-up done."""
    import types

    # linux_guest imports this module by name: run as a script, this is
    # __main__, and its RunError must be the one linux_guest raises.
    sys.modules.setdefault('bench_qemu', sys.modules[__name__])
    import linux_guest as lg

    env = types.SimpleNamespace(tmp=tmpdir, qemus=qemus)
    src, hb = linux_boot_source(a, lg, env, r)
    if hb[lg.H_ERR]:
        raise RunError('%d guest errors before migrating' % hb[lg.H_ERR])
    v = src.q.qmp.cmd('query-version')['qemu']
    r['qemu_version'] = '%d.%d.%d' % (v['major'], v['minor'], v['micro'])
    r['dirty_ring'] = src.q.has_thread('kvm-reaper')
    if not r['dirty_ring']:
        raise RunError('no dirty ring: ' + src.q.stderr_tail())
    dst = lg.Guest(env, 'dst', a.qemu, a.vmmig, mem=a.mib, vcpus=a.vcpus,
                   mode=a.load, netns=a.dst_netns,
                   incoming='tcp:%s:%d' % (a.dst_addr, port))
    r['rate_pps'] = hb[lg.H_PPS]
    migrate(a, src.q, dst.q, port, r)
    last = src.heartbeats()[-1]
    hb = lg.verify_destination(src, dst, last, a.load, False)
    r['guest_errors'] = hb[lg.H_ERR]


def run_one(a, run, port):
    """One migration; always returns the run's record."""
    r = new_record(a, run)
    tmpdir = tempfile.mkdtemp(prefix='bench_qemu.')
    qemus = []
    try:
        if a.guest == 'linux':
            run_linux(a, r, tmpdir, qemus, port)
            r['ok'] = True
            return r
        argv = qemu_argv(a)
        src = boot_source(a, argv + (tls_creds(tmpdir, 'client')
                                     if a.tls else []), tmpdir, qemus, r)
        v = src.qmp.cmd('query-version')['qemu']
        r['qemu_version'] = '%d.%d.%d' % (v['major'], v['minor'], v['micro'])
        r['dirty_ring'] = src.has_thread('kvm-reaper')
        if a.accel == 'kvm' and not r['dirty_ring']:
            raise RunError('no dirty ring: ' + src.stderr_tail())
        # Only now: the firmware stalls were seen with both booting at once.
        dst = Qemu('dst', argv + (tls_creds(tmpdir, 'server')
                                  if a.tls else []) +
                   ['-incoming', 'tcp:%s:%d' % (a.dst_addr, port)],
                   a.dst_netns, tmpdir)
        qemus.append(dst)
        dst.connect(time.monotonic() + BOOT_S)
        if a.tls:
            # Before the source connects: the destination then expects
            # a TLS handshake on the incoming connection.
            dst.qmp.cmd('migrate-set-parameters', **{'tls-creds': 'tls0'})

        # Step 2: the delay asked for, and the rate.
        set_delay(src, a, a.delay)
        time.sleep(0.1)     # every vCPU is at the delay now
        w0, t1 = guest_writes(src, a), time.monotonic()
        time.sleep(1)
        w1, t2 = guest_writes(src, a), time.monotonic()
        r['rate_pps'] = round((w1 - w0) / (t2 - t1))

        migrate(a, src, dst, port, r)
        src_ctls = read_ctls(src, a)    # paused: as the guest left it
        verify(a, dst, r, src_ctls)
        r['ok'] = True
    except (RunError, OSError, ValueError, KeyError, TypeError) as e:
        r['fail'] = str(e) or type(e).__name__
        # A broken QMP connection is a QEMU that went away: say why.
        for q in qemus:
            try:
                q.check_alive()
            except RunError as gone:
                r['fail'] = str(gone)
                break
        else:
            # Both alive: what they said may still explain it.
            for q in qemus:
                tail = q.stderr_tail()
                if tail:
                    r['fail'] += ' [%s: %s]' % (q.name, tail)
    finally:
        for q in qemus:
            q.kill()
        shutil.rmtree(tmpdir, ignore_errors=True)
    return r


def fmt(v):
    return '-' if v is None else '%.0f' % v


def summary(r):
    """The run as one human-readable line (as bench_live's)."""
    mib = None if r['bytes'] is None else r['bytes'] / 1048576.0
    return ('%s delay %d run %d %-10s %s rate %s pages/s total %s ms '
            'downtime %s ms rounds %s%s %s MiB src CPU %s ms dst CPU %s ms '
            'host CPU %s ms errors %s boot %s ms%s%s%s' %
            (r['guest'], r['delay'], r['run'], r['path'],
             'ok' if r['ok'] else 'FAILED',
             fmt(r['rate_pps']), fmt(r['total_ms']), fmt(r['downtime_ms']),
             fmt(r['rounds']), ' (forced)' if r['forced_switchover'] else '',
             '-' if mib is None else '%.1f' % mib, fmt(r['src_cpu_ms']),
             fmt(r['dst_cpu_ms']), fmt(r['host_cpu_ms']),
             fmt(r['guest_errors']), fmt(r['boot_ms']),
             ' (%d attempts)' % r['boot_attempts']
             if r['boot_attempts'] > 1 else '',
             '' if r['ok'] else ': ', r['fail']))


def parse_args():
    return parse_args_from(None)


def parse_args_from(argv):
    """parse_args() of @argv (None: the command line's)."""
    p = argparse.ArgumentParser(
        description='Live migration of the stamp guest by real QEMU '
                    '(bench_live\'s QEMU path); run as root in the test host.')
    p.add_argument('--mib', type=int, default=256, help='guest memory')
    p.add_argument('--vcpus', type=int, default=2)
    p.add_argument('--delay', type=int, default=0,
                   help='guest spin loops after each page')
    p.add_argument('--runs', type=int, default=3)
    p.add_argument('--run-base', type=int, default=1,
                   help='number of the first run')
    p.add_argument('--ws-pages', type=int, default=8192,
                   help='working set of each vCPU')
    p.add_argument('--static-mib', type=int, default=32)
    p.add_argument('--downtime-ms', type=int, default=500)
    p.add_argument('--max-rounds', type=int, default=30,
                   help='bitmap syncs, then switch over anyway')
    p.add_argument('--ring', type=int, default=4096,
                   help='KVM dirty ring entries per vCPU')
    p.add_argument('--timeout', type=int, default=120,
                   help='seconds for the migration (then migrate_cancel)')
    p.add_argument('--jsonl', help='append one JSON object per run')
    p.add_argument('--src-netns', default='vmmig-src',
                   help='network namespace of the source ("": none)')
    p.add_argument('--dst-netns', default='vmmig-dst')
    p.add_argument('--dst-addr', default='10.99.0.2')
    p.add_argument('--port', type=int, default=7800,
                   help='first port; run K uses PORT + K - 1')
    p.add_argument('--qemu', default='qemu-system-x86_64')
    p.add_argument('--kernel', default=os.path.join(HERE, 'guest',
                                                    'qguest.elf'))
    p.add_argument('--machine', default='q35')
    p.add_argument('--path', help='the records\' path name (default qemu, '
                   'or qemu+vmmig with --vmmig)')
    p.add_argument('--tls', action='store_true',
                   help='migrate in TLS 1.3 with AES-GCM-128 (tls-creds-psk: '
                        'a QEMU built with GnuTLS)')
    p.add_argument('--vmmig', action='store_true',
                   help='migrate with capability x-vmmig (a QEMU with '
                        'integrations/qemu\'s series, vmmig.ko loaded)')
    p.add_argument('--guest', choices=('stamp', 'linux'), default='stamp',
                   help='the stamp guest (guest/qguest.elf) or the real '
                        'Linux guest (guest/linux: Debian\'s kernel, stampd)')
    p.add_argument('--load', choices=('idle', 'write'), default='write',
                   help='the Linux guest\'s load (stampd.mode)')
    p.add_argument('--accel', default='kvm',
                   help='kvm (with the dirty ring); tcg only to try the '
                        'guest out')
    a = p.parse_args(argv)
    half = (a.mib << 20) // 2
    if not 1 <= a.vcpus <= MAX_VCPUS:
        p.error('--vcpus: 1..%d' % MAX_VCPUS)
    if not 128 <= a.mib <= 2048:
        p.error('--mib: 128..2048 (the guest has no paging: RAM below 4 GiB)')
    if WS_GPA + a.vcpus * a.ws_pages * PAGE > half or a.ws_pages < 1:
        p.error('the working sets must fit below mem/2')
    if not 0 <= a.static_mib << 20 <= half:
        p.error('--static-mib: up to mem/2')
    if a.runs < 1 or a.timeout < 1 or a.max_rounds < 1:
        p.error('--runs, --timeout, --max-rounds: at least 1')
    if not 0 <= a.delay < 1 << 32:
        p.error('--delay: a u32')
    if a.guest == 'linux' and a.accel != 'kvm':
        p.error('--guest linux: with --accel kvm only')
    if a.guest == 'stamp' and not os.path.exists(a.kernel):
        p.error('%s: not built (make -C selftests guest/qguest.elf)' %
                a.kernel)
    return a


def on_signal(signo, _frame):
    """SIGTERM, SIGINT, SIGHUP: kill the run's QEMUs at once (the exception
    could hit anywhere), then unwind (run_one() reaps them)."""
    for q in list(LIVE):
        q.kill_now()
    sys.exit(128 + signo)


def main():
    a = parse_args()
    for signo in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signo, on_signal)
    for k in range(a.runs):
        run = a.run_base + k
        r = run_one(a, run, a.port + (run - 1) % 100)
        print(summary(r), flush=True)
        if a.jsonl:
            with open(a.jsonl, 'a') as f:
                f.write(json.dumps(r) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
