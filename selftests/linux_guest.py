# SPDX-License-Identifier: GPL-2.0
"""The real Linux guest (guest/linux: Debian's kernel, stampd as /init)
under QEMU, for qemu_vmmig_test.py and bench_qemu.py.

stampd keeps a working set stamped with per-page sweep numbers, checks
every stamp before overwriting it, and prints a heartbeat line on the
serial console each second (guest/linux/stampd.c):

    stampd hb=H sweep=S errors=E pages=W mib=M pps=R up=T

The console goes to a file per QEMU; a migration passes when the
destination's heartbeats go on from where the source's stopped (hb and
sweep grow: the same guest, not a reboot) and errors stays 0 (no write
was lost).
"""

import os
import re
import time

import bench_qemu as bq

HERE = os.path.dirname(os.path.abspath(__file__))
INITRD = os.path.join(HERE, '..', 'build', 'guest', 'stampd.cpio.gz')
HB = re.compile(rb'stampd hb=(\d+) sweep=(\d+) errors=(\d+) pages=(\d+)')
BOOT_S = 90             # QEMU start to the second heartbeat
MIGRATE_S = 180
HEARTBEATS_AFTER = 3    # on the destination, to call it running
# Pages/s stampd writes: at full speed (1.7-2 M pages/s) the guest kernel
# crashes within 30 s under the nested TCG test host (a fault loop on the
# entry trampoline, also with QEMU's own migration and none); 5000 held
# in every run.  Hardware can take stampd.rate=0.
RATE = 5000


class Guest:
    """One QEMU running (or receiving) the Linux guest."""

    def __init__(self, env, name, qemu, vmmig, mib=64, mem=512, vcpus=2,
                 mode='write', rate=RATE, incoming=None, netns=None,
                 append=''):
        self.log = os.path.join(env.tmp, name + '.console')
        kver = os.uname().release
        # The test host's uncompressed kernel boots faster (vmtest/run.sh).
        kernel = '/var/cache/vmmig/vmtest/%s/vmlinux' % kver
        if not os.path.exists(kernel):
            kernel = '/boot/vmlinuz-' + kver
        argv = [qemu, '-nodefaults', '-no-user-config', '-display', 'none',
                '-machine', 'q35', '-accel', 'kvm,dirty-ring-size=4096',
                # pv-eoi off: with it the guest kernel hangs at boot
                # under the nested TCG test host (guest/linux/boot.sh).
                '-cpu', 'host,-kvm-pv-eoi', '-smp', str(vcpus),
                '-m', str(mem), '-kernel', kernel, '-initrd', INITRD,
                '-append', 'console=ttyS0 quiet panic=-1 stampd.mib=%d '
                'stampd.mode=%s stampd.rate=%d %s' % (mib, mode, rate,
                                                      append),
                '-chardev', 'file,id=con,path=' + self.log,
                '-serial', 'chardev:con']
        if vmmig:
            argv += ['-global', 'migration.x-vmmig=on']
        if incoming:
            argv += ['-incoming', incoming]
        self.q = bq.Qemu(name, argv, netns, env.tmp)
        env.qemus.append(self.q)
        self.q.connect(time.monotonic() + bq.BOOT_S)

    def heartbeats(self):
        try:
            with open(self.log, 'rb') as f:
                data = f.read()
        except OSError:
            return []
        return [tuple(int(x) for x in m.groups()) for m in HB.finditer(data)]

    def errors_said(self):
        with open(self.log, 'rb') as f:
            return [l.decode(errors='replace') for l in f.read().splitlines()
                    if l.startswith(b'stampd error') or
                    l.startswith(b'stampd FATAL')][:3]

    def wait_heartbeats(self, n, after, timeout, what):
        """@n heartbeats past hb number @after; return the last one."""
        deadline = time.monotonic() + timeout
        while True:
            self.q.check_alive()
            hbs = [h for h in self.heartbeats() if h[0] > after]
            if len(hbs) >= n:
                return hbs[-1]
            if time.monotonic() > deadline:
                raise bq.RunError('%s: %d heartbeats past hb=%d in %d s '
                                  '(console %s)' % (what, len(hbs), after,
                                                    timeout, self.log))
            time.sleep(0.2)


def verifier_catches(env):
    """stampd.selftest=1 corrupts one page once: the verifier the
    migration cases rely on must count exactly that one."""
    g = Guest(env, 'lself', env.a.qemu, False, mode='write',
              append='stampd.selftest=1')
    hb = g.wait_heartbeats(2, 0, BOOT_S, 'guest boot')
    deadline = time.monotonic() + 60
    while not hb[2] and time.monotonic() < deadline:
        hb = g.wait_heartbeats(1, hb[0], 10, 'guest')
    if hb[2] != 1:
        raise bq.RunError('selftest corruption: errors=%d, not 1' % hb[2])
    hb = g.wait_heartbeats(3, hb[0], 30, 'guest')
    if hb[2] != 1:
        raise bq.RunError('one corruption counted %d times' % hb[2])
    return 'errors=1 for the one corrupted page: %s' % g.errors_said()[0]


def migrate_once(env, vmmig, downtime_ms=300, mode='write'):
    """Boot the guest, migrate it while it writes, check the destination
    goes on without a lost write.  Returns a one-line note."""
    a = env.a
    if not os.path.exists(INITRD):
        raise bq.RunError('%s: not built (make -C selftests)' % INITRD)
    t0 = time.monotonic()
    src = Guest(env, 'lsrc', a.qemu, vmmig, mode=mode, netns=a.src_netns)
    hb_src = src.wait_heartbeats(2, 0, BOOT_S, 'source guest boot')
    boot_s = time.monotonic() - t0
    env.port += 1
    dst = Guest(env, 'ldst', a.qemu, vmmig, mode=mode, netns=a.dst_netns,
                incoming='tcp:%s:%d' % (a.dst_addr, env.port))
    sq = src.q.qmp
    sq.cmd('migrate-set-parameters', **{'downtime-limit': downtime_ms,
                                        'max-bandwidth': bq.MAX_BANDWIDTH})
    sq.cmd('migrate', uri='tcp:%s:%d' % (a.dst_addr, env.port))
    deadline = time.monotonic() + MIGRATE_S
    while True:
        info = sq.cmd('query-migrate')
        st = info.get('status')
        if st == 'completed':
            break
        if st in ('failed', 'cancelled'):
            raise bq.RunError('migration %s: %s' % (st,
                                                    info.get('error-desc')))
        if time.monotonic() > deadline:
            sq.cmd('migrate_cancel')
            raise bq.RunError('migration not done in %d s' % MIGRATE_S)
        time.sleep(0.1)
    din = dst.q.qmp.cmd('query-migrate').get('status')
    if din != 'completed':
        raise bq.RunError('destination query-migrate: %s' % din)
    vm = info.get('vmmig') or {}
    if vmmig and vm.get('state') != 'completed':
        raise bq.RunError('vmmig session %s' % vm)
    last = src.heartbeats()[-1]
    if last[2]:
        raise bq.RunError('source guest: errors=%d before the switchover: %s'
                          % (last[2], src.errors_said()))
    deadline = time.monotonic() + bq.VERIFY_S
    while dst.q.qmp.cmd('query-status').get('status') != 'running':
        if time.monotonic() > deadline:
            raise bq.RunError('destination not running')
        time.sleep(0.05)
    # The destination's console starts empty: its heartbeats go on from
    # the source's numbers, the guest's own memory.  In write mode, until
    # a whole sweep after the one under way checked every page's stamp.
    hb = dst.wait_heartbeats(HEARTBEATS_AFTER, last[0], 60,
                             'destination guest')
    deadline = time.monotonic() + 60
    while mode == 'write' and hb[1] < last[1] + 2 and not hb[2]:
        if time.monotonic() > deadline:
            raise bq.RunError('destination guest: sweep %d, not 2 past the '
                              'source\'s %d in 60 s' % (hb[1], last[1]))
        time.sleep(0.5)
        hb = dst.wait_heartbeats(1, hb[0], 10, 'destination guest')
    if hb[2]:
        raise bq.RunError('destination guest: errors=%d: %s' %
                          (hb[2], dst.errors_said()))
    return ('boot %.0f s (hb=%d), %s %d ms downtime (QEMU)%s; destination '
            'hb=%d sweep=%d errors=0 (source stopped at hb=%d sweep=%d)' %
            (boot_s, hb_src[0], 'x-vmmig' if vmmig else 'QEMU',
             info.get('downtime', -1),
             ', %d ms switchover to ACK, %d rounds' %
             (vm.get('downtime', -1), vm.get('rounds', -1) + 1)
             if vmmig else '', hb[0], hb[1], last[0], last[1]))
