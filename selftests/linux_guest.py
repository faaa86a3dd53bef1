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

import array
import os
import re
import time

import bench_qemu as bq

HERE = os.path.dirname(os.path.abspath(__file__))
INITRD = os.path.join(HERE, '..', 'build', 'guest', 'stampd.cpio.gz')
HB = re.compile(rb'stampd hb=(\d+) sweep=(\d+) errors=(\d+) pages=(\d+) '
                rb'mib=\d+ pps=(\d+) up=[\d.]+ dma=(\d+) dmaerr=(\d+)')
H_HB, H_SWEEP, H_ERR, H_PAGES, H_PPS, H_DMA, H_DMAERR = range(7)
# A crash, not a warning (a WARN also prints RIP: and must not count).
OOPS = re.compile(rb'[^\n]*(BUG: |Oops|general protection fault|'
                  rb'Kernel panic|double fault)[^\n]*')
BOOT_S = 90             # QEMU start to the second heartbeat
MIGRATE_S = 180
HEARTBEATS_AFTER = 3    # on the destination, to call it running
# Pages/s stampd writes: at full speed (1.7-2 M pages/s) the guest kernel
# crashes within 30 s under the nested TCG test host (a fault loop on the
# entry trampoline, also with QEMU's own migration and none); 5000 held
# in every run.  Hardware can take stampd.rate=0.
RATE = 5000
DISK_MIB = 16           # the disk stampd.dma reads
DMA_MIB = 16            # its ring of buffers in the guest
DMA_MAGIC = 0x444d414449534b21


def make_disk(path, mib=DISK_MIB):
    """The image stampd.dma checks: word w of 4 KiB block b holds
    (b << 32 | w) ^ DMA_MAGIC (guest/linux/stampd.c)."""
    words = array.array('Q', range(512))
    with open(path, 'wb') as f:
        for b in range(mib * 256):
            base = b << 32
            f.write(array.array('Q', ((base | w) ^ DMA_MAGIC
                                      for w in words)).tobytes())


class GuestCrash(bq.RunError):
    """The guest kernel crashed in the QEMU it booted in, before any
    migration into that QEMU.  Under the nested TCG test host it does
    now and then (an ENTRY_TRAMPOLINE stack guard page hit in
    error_entry, GS base 0: kernel entry state the emulated SVM lost),
    with or without a migration; more often, it seemed, under x-vmmig,
    whose harvest write-protects the guest's pages more often (a guess,
    not measured).  A migration does not write the source's memory, so
    this is never a lost write; the callers may try once more and say
    so.  Also raised for a destination that crashed with that same
    signature (ENTRY_STATE_CRASH: vCPU entry state, not memory contents;
    make check on 6.1, 2026-12-07); any other crash on a destination
    fails as it is."""


class GuestBootStall(bq.RunError):
    """A guest booted in a QEMU of its own gave not one heartbeat: it
    never ran (the nested TCG test host now and then leaves a vCPU in its
    reset state, QEMU's register dump on stderr).  Nothing was migrated
    yet; the callers may try once more and say so."""


# The one crash signature seen with no migration at all (GuestCrash):
# also on a destination it is the emulated SVM's, not memory's.
ENTRY_STATE_CRASH = 'ENTRY_TRAMPOLINE stack guard page'


class Guest:
    """One QEMU running (or receiving) the Linux guest."""

    def __init__(self, env, name, qemu, vmmig, mib=64, mem=512, vcpus=2,
                 mode='write', rate=RATE, incoming=None, netns=None,
                 append='', disk=None):
        self.log = os.path.join(env.tmp, name + '.console')
        self.incoming = incoming
        kver = os.uname().release
        # The test host's uncompressed kernel boots faster (vmtest/run.sh).
        kernel = '/var/cache/vmmig/vmtest/%s/vmlinux' % kver
        if not os.path.exists(kernel):
            kernel = '/boot/vmlinuz-' + kver
        argv = [qemu, '-nodefaults', '-no-user-config', '-display', 'none',
                '-machine', bq.machine_arg('q35'),
                '-accel', 'kvm,dirty-ring-size=4096',
                # pv-eoi off: with it the guest kernel hangs at boot
                # under the nested TCG test host (guest/linux/boot.sh).
                '-cpu', 'host,-kvm-pv-eoi', '-smp', str(vcpus),
                '-m', str(mem), '-kernel', kernel, '-initrd', INITRD,
                '-append', 'console=ttyS0 quiet panic=-1 stampd.mib=%d '
                'stampd.mode=%s stampd.rate=%d %s' % (mib, mode, rate,
                                                      append),
                '-chardev', 'file,id=con,path=' + self.log,
                '-serial', 'chardev:con']
        if disk:
            # Read-only on both sides: the image is the migration's shared
            # storage.
            argv += ['-drive', 'file=%s,if=none,id=d0,format=raw,'
                     'readonly=on' % disk,
                     '-device', 'virtio-blk-pci,drive=d0']
            argv[argv.index('-append') + 1] += ' stampd.dma=%d' % DMA_MIB
        if vmmig:
            argv += ['-global', 'migration.x-vmmig=on']
        if incoming:
            argv += ['-incoming', incoming]
        self.q = bq.Qemu(name, argv, netns, env.tmp)
        env.qemus.append(self.q)
        self.q.connect(time.monotonic() + bq.BOOT_S)

    def console(self):
        """What the guest wrote on its serial console so far."""
        try:
            with open(self.log, 'rb') as f:
                return f.read()
        except OSError:
            return b''

    def heartbeats(self):
        return [tuple(int(x) for x in m.groups())
                for m in HB.finditer(self.console())]

    def console_tail(self, n=6):
        lines = self.console().decode(errors='replace').splitlines()
        return ' | '.join(lines[-n:]) or '(empty)'

    def kernel_oops(self):
        """The guest kernel's first crash line on the console, or None."""
        m = OOPS.search(self.console())
        return m.group(0).decode(errors='replace').strip() if m else None

    def errors_said(self):
        return [l.decode(errors='replace')
                for l in self.console().splitlines()
                if l.startswith((b'stampd error', b'stampd dma error',
                                 b'stampd FATAL'))][:3]

    def wait_heartbeats(self, n, after, timeout, what):
        """@n heartbeats past hb number @after; return the last one."""
        deadline = time.monotonic() + timeout
        while True:
            self.q.check_alive()
            hbs = [h for h in self.heartbeats() if h[0] > after]
            if len(hbs) >= n:
                return hbs[-1]
            if time.monotonic() > deadline:
                msg = ('%s: %d heartbeats past hb=%d in %d s; its console '
                       'ends: %s' % (what, len(hbs), after, timeout,
                                     self.console_tail()))
                oops = self.kernel_oops()
                if oops and not self.incoming:
                    raise GuestCrash('%s [the guest kernel crashed: %s]' %
                                     (msg, oops))
                if not hbs and not after and not self.incoming:
                    raise GuestBootStall(msg)
                raise bq.RunError(msg)
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


def verify_destination(src, dst, last, mode, dma):
    """After the migration completed: the destination guest goes on from
    the source's last heartbeat @last without a lost write (and, with
    @dma, without a disk read gone wrong).  Returns its last heartbeat;
    raises bq.RunError otherwise, saying where the guest's kernel crashed
    first if it did: on the source (before the switchover: the migration
    moved a crashed guest) or on the destination."""
    try:
        return _verify_destination(src, dst, last, mode, dma)
    except bq.RunError as e:
        oops = src.kernel_oops()
        if oops:
            raise GuestCrash('%s [the guest kernel crashed on the source, '
                             'before the switchover: %s]' % (e, oops)) from e
        oops = dst.kernel_oops()
        if oops and ENTRY_STATE_CRASH in oops:
            raise GuestCrash('%s [the guest kernel crashed on the '
                             'destination, as it does with no migration: '
                             '%s]' % (e, oops)) from e
        if oops:
            raise bq.RunError('%s [the guest kernel crashed on the '
                              'destination: %s]' % (e, oops)) from e
        raise


def _verify_destination(src, dst, last, mode, dma):
    if last[H_ERR] or last[H_DMAERR]:
        raise bq.RunError('source guest: errors=%d dmaerr=%d before the '
                          'switchover: %s' % (last[H_ERR], last[H_DMAERR],
                                              src.errors_said()))
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
    # With the disk: until every buffer was checked again (the ring is
    # read round and round: twice the reads it holds).
    ring = DMA_MIB * 16
    deadline = time.monotonic() + 60
    while (mode == 'write' and hb[H_SWEEP] < last[H_SWEEP] + 2 or
           dma and hb[H_DMA] < last[H_DMA] + 2 * ring) and \
            not hb[H_ERR] and not hb[H_DMAERR]:
        if time.monotonic() > deadline:
            raise bq.RunError('destination guest: sweep %d (source %d), '
                              'disk reads %d (source %d) after 60 s' %
                              (hb[H_SWEEP], last[H_SWEEP], hb[H_DMA],
                               last[H_DMA]))
        time.sleep(0.5)
        hb = dst.wait_heartbeats(1, hb[0], 10, 'destination guest')
    if hb[H_ERR] or hb[H_DMAERR]:
        raise bq.RunError('destination guest: errors=%d dmaerr=%d: %s' %
                          (hb[H_ERR], hb[H_DMAERR], dst.errors_said()))
    return hb


def migrate_once(env, vmmig, downtime_ms=300, mode='write', dma=False):
    """Boot the guest, migrate it while it writes (and, with @dma, while
    its disk is read into its memory by QEMU's virtio-blk), check the
    destination goes on without a lost write.  Returns a one-line note."""
    a = env.a
    if not os.path.exists(INITRD):
        raise bq.RunError('%s: not built (make -C selftests)' % INITRD)
    disk = None
    if dma:
        disk = os.path.join(env.tmp, 'disk.img')
        make_disk(disk)
    t0 = time.monotonic()
    src = Guest(env, 'lsrc', a.qemu, vmmig, mode=mode, netns=a.src_netns,
                disk=disk)
    hb_src = src.wait_heartbeats(2, 0, BOOT_S, 'source guest boot')
    if dma:
        # The disk reader is running before the migration starts.
        hb_src = src.wait_heartbeats(1, hb_src[H_HB], 30, 'source guest')
        if not hb_src[H_DMA]:
            raise bq.RunError('source guest: no disk reads: %s' %
                              src.errors_said())
    boot_s = time.monotonic() - t0
    env.port += 1
    dst = Guest(env, 'ldst', a.qemu, vmmig, mode=mode, netns=a.dst_netns,
                incoming='tcp:%s:%d' % (a.dst_addr, env.port), disk=disk)
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
    hb = verify_destination(src, dst, last, mode, dma)
    return ('boot %.0f s (hb=%d), %s %d ms downtime (QEMU)%s; destination '
            'hb=%d sweep=%d dma=%d errors=0 dmaerr=0 (source stopped at '
            'hb=%d sweep=%d dma=%d)' %
            (boot_s, hb_src[0], 'x-vmmig' if vmmig else 'QEMU',
             info.get('downtime', -1),
             ', %d ms switchover to ACK, %d rounds, %d pages QEMU wrote '
             'reported' % (vm.get('downtime', -1), vm.get('rounds', -1) + 1,
                           vm.get('reported-pages', -1))
             if vmmig else '', hb[0], hb[1], hb[H_DMA], last[0], last[1],
             last[H_DMA]))
