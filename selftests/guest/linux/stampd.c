// SPDX-License-Identifier: GPL-2.0
/*
 * stampd: the /init of a small Linux test guest for live migration.
 *
 * Runs as PID 1 of an initramfs booted on a Debian kernel under QEMU.  It
 * keeps a working set of anonymous memory stamped, checks every stamp it
 * overwrites, and prints a heartbeat on the console once a second, so a
 * test that reads QEMU's serial output can see that (a) no guest write was
 * lost across a migration (errors=0) and (b) the guest kept running on the
 * destination (hb= and sweep= keep growing).
 *
 * Options (kernel command line, read from /proc/cmdline):
 *
 *   stampd.mib=N       working set in MiB (default 128)
 *   stampd.mode=write  sweep the working set continuously (default)
 *   stampd.mode=idle   stamp the working set once, then only check it
 *                      (read-only, once per heartbeat): no writes
 *   stampd.rate=N      write mode: at most N pages per second (0, the
 *                      default: as fast as the vCPU goes)
 *   stampd.dma=N       also read the disk /dev/vda (virtio-blk, the image
 *                      linux_guest.py writes) with O_DIRECT into a ring of
 *                      N MiB of buffers, and check each buffer still holds
 *                      the blocks read into it before reading into it
 *                      again: those pages are written by the VMM's device
 *                      emulation (DMA), never by a vCPU, so KVM's dirty log
 *                      does not see them; a migration must take them from
 *                      the VMM.  Loads the modules listed in
 *                      /lib/modules/RELEASE/order first.
 *   stampd.selftest=1  corrupt one page's stamp once, after the second
 *                      sweep (idle mode: after the first check): the next
 *                      check must report exactly one error
 *
 * Stamp format.  Page p (0-based index in the working set) after sweep i
 * (0-based; sweep 0 is the first) holds, as native (little-endian) u64:
 *
 *   offset 0     p
 *   offset 8     i
 *   offset 4088  p * 0x9e3779b97f4a7c15 ^ i ^ 0x5354414d50445354 ("TSDPMATS")
 *
 * and zeroes elsewhere (the page is never written there).  Sweep 0 only
 * writes.  Sweep i > 0 first checks that page p holds exactly sweep i-1's
 * stamp (all three words), then writes sweep i's.  A page that does not is
 * a lost (or torn, or misplaced) write: it is counted in errors=, the
 * first few are printed as "stampd error page=P expected=I-1 found ..."
 * and the page gets sweep i's stamp anyway, so one lost write counts once.
 * Idle mode writes sweep 0 and then only checks for it (sweep= stays 1);
 * a bad page is counted and repaired (its sweep 0 stamp written again).
 *
 * Console lines (whole lines, one write(2) each, on /dev/console):
 *
 *   stampd ready mib=M pages=N mode=MODE rate=R selftest=S kernel=UNAME
 *                clocksource=CS
 *       once, when the working set is mapped, before sweep 0
 *   stampd hb=H sweep=S errors=E pages=W mib=M pps=R up=T
 *       once a second: H heartbeats so far (from 1), S sweeps completed,
 *       E errors so far, W pages written so far (all sweeps), R pages
 *       written since the previous heartbeat per second, T seconds of
 *       CLOCK_MONOTONIC since stampd started
 *   stampd error ..., stampd selftest ..., stampd FATAL ...
 *
 * The guest is paused during a migration's downtime and its clocks may
 * jump: a late heartbeat is printed once and the next one is scheduled a
 * second later (no burst of catch-up heartbeats, and never an error).
 *
 * Disk image (stampd.dma): the 8-byte word w (0..511) of 4 KiB block b
 * holds (b << 32 | w) ^ 0x444d414449534b21 ("DMADISK!").  A buffer page
 * that does not hold its block's words at offsets 0, 2048 and 4088 is
 * counted in dmaerr= (the heartbeat's last fields: dma=READS dmaerr=E).
 *
 * PID 1 must never exit (the kernel would panic): on a fatal error stampd
 * prints "stampd FATAL ..." and sleeps forever.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/syscall.h>
#include <pthread.h>

#define PAGE_SIZE	4096UL
#define TAIL_OFF	(PAGE_SIZE - 8)
#define TAIL_MUL	0x9e3779b97f4a7c15ULL
#define TAIL_MAGIC	0x5354414d50445354ULL
#define MAX_REPORTS	8	/* error lines printed */
#define CLOCK_EVERY	64	/* pages between clock reads at full speed */
#define NSEC_PER_SEC	1000000000LL

enum mode { MODE_WRITE, MODE_IDLE };

static int con = 2;		/* console fd */

static struct {
	unsigned long mib;
	enum mode mode;
	unsigned long rate;
	int selftest;
	unsigned long dma_mib;
} opt = { .mib = 128, .mode = MODE_WRITE };

#define DMA_MAGIC	0x444d414449534b21ULL
#define DMA_SLOT	(64 * 1024UL)	/* bytes per read */

/* The disk reader's counters: its thread writes, the heartbeat reads. */
static uint64_t dma_reads, dma_errors;

static struct {
	unsigned char *mem;
	unsigned long npages;
	uint64_t sweeps;	/* sweeps completed */
	uint64_t errors;
	uint64_t written;	/* pages written, all sweeps */
	uint64_t hb;
	uint64_t hb_written;	/* written at the previous heartbeat */
	int64_t start_ns;
	int64_t hb_prev_ns;
	int64_t hb_next_ns;
} st;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	size_t off = 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	while (off < (size_t)n) {
		ssize_t w = write(con, buf + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += w;
	}
}

static void __attribute__((noreturn)) fatal(const char *what)
{
	say("stampd FATAL %s: %s", what, strerror(errno));
	for (;;)
		pause();
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void sleep_until(int64_t t)
{
	struct timespec ts = { .tv_sec = t / NSEC_PER_SEC,
			       .tv_nsec = t % NSEC_PER_SEC };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Heartbeat if one is due; @now from now_ns(). */
static void heartbeat(int64_t now)
{
	int64_t dt;
	uint64_t pps;

	if (now < st.hb_next_ns)
		return;
	dt = now - st.hb_prev_ns;
	pps = dt > 0 ? (st.written - st.hb_written) * NSEC_PER_SEC / dt : 0;
	st.hb++;
	say("stampd hb=%llu sweep=%llu errors=%llu pages=%llu mib=%lu pps=%llu up=%lld.%03lld dma=%llu dmaerr=%llu",
	    (unsigned long long)st.hb, (unsigned long long)st.sweeps,
	    (unsigned long long)st.errors, (unsigned long long)st.written,
	    opt.mib, (unsigned long long)pps,
	    (long long)((now - st.start_ns) / NSEC_PER_SEC),
	    (long long)((now - st.start_ns) % NSEC_PER_SEC / 1000000),
	    (unsigned long long)__atomic_load_n(&dma_reads, __ATOMIC_RELAXED),
	    (unsigned long long)__atomic_load_n(&dma_errors, __ATOMIC_RELAXED));
	st.hb_prev_ns = now;
	st.hb_written = st.written;
	/* Late by more than a period (paused guest, clock jump): restart. */
	st.hb_next_ns += NSEC_PER_SEC;
	if (st.hb_next_ns <= now)
		st.hb_next_ns = now + NSEC_PER_SEC;
}

static inline uint64_t *word(unsigned long page, unsigned long off)
{
	return (uint64_t *)(st.mem + page * PAGE_SIZE + off);
}

static inline uint64_t tail_of(uint64_t page, uint64_t iter)
{
	return page * TAIL_MUL ^ iter ^ TAIL_MAGIC;
}

/* Does @page hold sweep @iter's stamp?  Counts and reports it if not. */
static int check_page(unsigned long page, uint64_t iter)
{
	uint64_t idx = *word(page, 0), it = *word(page, 8);
	uint64_t tail = *word(page, TAIL_OFF);

	if (idx == page && it == iter && tail == tail_of(page, iter))
		return 1;
	st.errors++;
	if (st.errors <= MAX_REPORTS)
		say("stampd error page=%lu expected=%llu found idx=%llu iter=%llu tail=%#llx (want %#llx)",
		    page, (unsigned long long)iter, (unsigned long long)idx,
		    (unsigned long long)it, (unsigned long long)tail,
		    (unsigned long long)tail_of(page, iter));
	else if (st.errors == MAX_REPORTS + 1)
		say("stampd error: more errors, not printed");
	return 0;
}

static inline void put_stamp(unsigned long page, uint64_t iter)
{
	*word(page, 0) = page;
	*word(page, 8) = iter;
	*word(page, TAIL_OFF) = tail_of(page, iter);
}

static inline void stamp_page(unsigned long page, uint64_t iter)
{
	put_stamp(page, iter);
	st.written++;
}

static void selftest_corrupt(void)
{
	unsigned long page = st.npages / 2;

	*word(page, 8) ^= 0x100;
	say("stampd selftest: corrupted page %lu (expect errors=1 after the next check)",
	    page);
}

/* Rate cap: pages written in this paced stretch, and when it began. */
static struct {
	int64_t base_ns;
	uint64_t base_written;
} pace;

static void pace_wait(int64_t now)
{
	int64_t due;

	due = pace.base_ns + (int64_t)((st.written - pace.base_written) *
				       NSEC_PER_SEC / opt.rate);
	if (due > now) {
		/* Keep the heartbeat going through long waits (low rates). */
		while (due > now) {
			sleep_until(due < st.hb_next_ns ? due : st.hb_next_ns);
			now = now_ns();
			heartbeat(now);
		}
	} else if (now - due > NSEC_PER_SEC) {
		/* Behind by over a second (paused guest): no catch-up burst. */
		pace.base_ns = now;
		pace.base_written = st.written;
	}
}

/* One sweep (write mode): check sweep - 1's stamps, write @sweep's. */
static void sweep(uint64_t iter)
{
	unsigned long p;

	for (p = 0; p < st.npages; p++) {
		if (iter > 0)
			check_page(p, iter - 1);
		stamp_page(p, iter);
		if (opt.rate) {
			int64_t now = now_ns();

			heartbeat(now);
			pace_wait(now);
		} else if ((p + 1) % CLOCK_EVERY == 0) {
			heartbeat(now_ns());
		}
	}
}

static void run_write(void)
{
	for (;;) {
		sweep(st.sweeps);
		st.sweeps++;
		if (opt.selftest && st.sweeps == 2)
			selftest_corrupt();
	}
}

static void run_idle(void)
{
	unsigned long p;
	int corrupted = 0;

	sweep(0);
	st.sweeps = 1;
	for (;;) {
		for (p = 0; p < st.npages; p++) {
			/* Repair a bad page, so that it counts once. */
			if (!check_page(p, 0))
				put_stamp(p, 0);
		}
		if (opt.selftest && !corrupted) {
			selftest_corrupt();
			corrupted = 1;
		}
		sleep_until(st.hb_next_ns);
		heartbeat(now_ns());
	}
}

/* The drivers of /dev/vda, in load order (mkinitramfs.sh). */
static void load_modules(const char *release)
{
	char path[512], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/lib/modules/%s/order", release);
	f = fopen(path, "re");
	if (!f) {
		say("stampd: no %s: no modules loaded", path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		int fd;

		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		snprintf(path, sizeof(path), "/lib/modules/%s/%s", release, line);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) &&
			       errno != EEXIST))
			say("stampd: loading %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	fclose(f);
}

static inline uint64_t dma_word(uint64_t block, unsigned int w)
{
	return (block << 32 | w) ^ DMA_MAGIC;
}

/* Does the page at @p hold block @block?  Counts it if not. */
static void dma_check(const unsigned char *p, uint64_t block)
{
	static const unsigned int at[] = { 0, 256, 511 };
	unsigned int i;

	for (i = 0; i < 3; i++) {
		uint64_t v = ((const uint64_t *)p)[at[i]];

		if (v == dma_word(block, at[i]))
			continue;
		if (__atomic_add_fetch(&dma_errors, 1, __ATOMIC_RELAXED) <=
		    MAX_REPORTS)
			say("stampd dma error block=%llu word=%u found %#llx (want %#llx)",
			    (unsigned long long)block, at[i],
			    (unsigned long long)v,
			    (unsigned long long)dma_word(block, at[i]));
		return;
	}
}

/*
 * stampd.dma: read the disk into a ring of buffers forever, each buffer
 * checked before it is read into again.  Only the VMM (device emulation)
 * writes these pages.
 */
static void *dma_reader(void *arg)
{
	unsigned long nslots = (opt.dma_mib << 20) / DMA_SLOT, s;
	uint64_t *held, nblocks, next = 0;
	unsigned char *ring;
	off_t size;
	int fd, i;

	(void)arg;
	for (i = 0; i < 100; i++) {
		fd = open("/dev/vda", O_RDONLY | O_DIRECT | O_CLOEXEC);
		if (fd >= 0 || errno != ENOENT)
			break;
		usleep(100000);
	}
	if (fd < 0) {
		say("stampd FATAL dma: /dev/vda: %s", strerror(errno));
		return NULL;
	}
	size = lseek(fd, 0, SEEK_END);
	nblocks = size > 0 ? (uint64_t)size / PAGE_SIZE : 0;
	ring = mmap(NULL, opt.dma_mib << 20, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	held = calloc(nslots, sizeof(*held));
	if (nblocks < DMA_SLOT / PAGE_SIZE || ring == MAP_FAILED || !held ||
	    !nslots) {
		say("stampd FATAL dma: disk of %llu blocks, ring of %lu MiB",
		    (unsigned long long)nblocks, opt.dma_mib);
		return NULL;
	}
	say("stampd dma ready blocks=%llu slots=%lu", (unsigned long long)nblocks,
	    nslots);
	for (s = 0;; s = (s + 1) % nslots) {
		unsigned char *buf = ring + s * DMA_SLOT;
		unsigned long pg;
		ssize_t n;

		/* held[s] is block + 1 of the slot's first page, 0 if none. */
		for (pg = 0; held[s] && pg < DMA_SLOT / PAGE_SIZE; pg++)
			dma_check(buf + pg * PAGE_SIZE, held[s] - 1 + pg);
		n = pread(fd, buf, DMA_SLOT, (off_t)(next * PAGE_SIZE));
		if (n != (ssize_t)DMA_SLOT) {
			say("stampd FATAL dma: read of block %llu: %s",
			    (unsigned long long)next,
			    n < 0 ? strerror(errno) : "short");
			return NULL;
		}
		held[s] = next + 1;
		__atomic_add_fetch(&dma_reads, 1, __ATOMIC_RELAXED);
		/* Slots and blocks drift apart: each slot sees many blocks. */
		next += DMA_SLOT / PAGE_SIZE * 7;
		if (next + DMA_SLOT / PAGE_SIZE > nblocks)
			next %= nblocks - DMA_SLOT / PAGE_SIZE + 1;
	}
}

static void parse_cmdline(void)
{
	char buf[4096], *tok, *save, *end;
	ssize_t n;
	int fd;

	fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		say("stampd: cannot read /proc/cmdline (%s): defaults",
		    strerror(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (tok = strtok_r(buf, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		if (strncmp(tok, "stampd.", 7))
			continue;
		tok += 7;
		if (!strncmp(tok, "mib=", 4)) {
			opt.mib = strtoul(tok + 4, &end, 0);
			if (*end || !opt.mib) {
				say("stampd: bad stampd.mib=%s, using 128", tok + 4);
				opt.mib = 128;
			}
		} else if (!strcmp(tok, "mode=write")) {
			opt.mode = MODE_WRITE;
		} else if (!strcmp(tok, "mode=idle")) {
			opt.mode = MODE_IDLE;
		} else if (!strncmp(tok, "rate=", 5)) {
			opt.rate = strtoul(tok + 5, &end, 0);
			if (*end) {
				say("stampd: bad stampd.rate=%s, no cap", tok + 5);
				opt.rate = 0;
			}
		} else if (!strncmp(tok, "dma=", 4)) {
			opt.dma_mib = strtoul(tok + 4, &end, 0);
			if (*end) {
				say("stampd: bad stampd.dma=%s, no disk reads", tok + 4);
				opt.dma_mib = 0;
			}
		} else if (!strncmp(tok, "selftest=", 9)) {
			opt.selftest = atoi(tok + 9) != 0;
		} else {
			say("stampd: unknown option stampd.%s ignored", tok);
		}
	}
}

static void setup_console(void)
{
	int fd;

	/* Without /dev/console in the initramfs the kernel gave us no fds. */
	mkdir("/dev", 0755);
	mkdir("/proc", 0555);
	mkdir("/sys", 0555);
	mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		fd = open("/dev/ttyS0", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0)
		con = fd;
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) &&
	    errno != EBUSY)
		say("stampd: mount /proc: %s", strerror(errno));
	if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) &&
	    errno != EBUSY)
		say("stampd: mount /sys: %s", strerror(errno));
}

/* The kernel's clocksource, for the ready line (a slow one slows sweeps). */
static void read_clocksource(char *buf, size_t size)
{
	ssize_t n = -1;
	int fd;

	fd = open("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		  O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, size - 1);
		close(fd);
	}
	if (n <= 0) {
		snprintf(buf, size, "?");
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

int main(void)
{
	struct utsname uts;
	char clocksource[32];
	size_t len;

	setup_console();
	say("%s", "");	/* SeaBIOS leaves its last line unterminated */
	parse_cmdline();
	if (uname(&uts))
		snprintf(uts.release, sizeof(uts.release), "?");
	read_clocksource(clocksource, sizeof(clocksource));

	if (opt.mib > (SIZE_MAX >> 20) / 2) {
		errno = EINVAL;
		fatal("stampd.mib too large");
	}
	len = opt.mib << 20;
	st.npages = len / PAGE_SIZE;
	st.mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (st.mem == MAP_FAILED)
		fatal("mmap of the working set");

	st.start_ns = now_ns();
	st.hb_prev_ns = st.start_ns;
	st.hb_next_ns = st.start_ns + NSEC_PER_SEC;
	pace.base_ns = st.start_ns;

	say("stampd ready mib=%lu pages=%lu mode=%s rate=%lu selftest=%d kernel=%s clocksource=%s",
	    opt.mib, st.npages, opt.mode == MODE_IDLE ? "idle" : "write",
	    opt.rate, opt.selftest, uts.release, clocksource);

	if (opt.dma_mib) {
		pthread_t t;

		load_modules(uts.release);
		errno = pthread_create(&t, NULL, dma_reader, NULL);
		if (errno)
			fatal("the disk reader thread");
	}
	if (opt.mode == MODE_IDLE)
		run_idle();
	else
		run_write();
	errno = 0;
	fatal("the sweep loop returned");
}
