// SPDX-License-Identifier: GPL-2.0
/*
 * Quick-migration benchmark (not a test): one full pass of a paused VM's
 * memory over loopback TCP, measured in the same test-host boot for
 *
 *   transport     the full-pass limit of the link: the source's pages sent
 *                 by reference (vmsplice + splice, no copy), received by
 *                 one large recv() per 2 MiB straight into the
 *                 destination's memory (one copy); no headers, no checks
 *   vmmig         in-kernel send (zero-copy) and in-kernel receive
 *   vmmig-nozero  the same with the zero-page check off (zero_detect=0):
 *                 what the check costs when no page is zero
 *   userspace     the path VMMs use today (QEMU's pre-copy): the VMM reads
 *                 guest memory, skips zero pages, and copies each page
 *                 with a small header into the socket; the destination
 *                 VMM reads headers and copies pages into guest memory
 *   vmmig+ktls    vmmig over kTLS sockets (TLS 1.3, AES-GCM-128, keys
 *                 from a GnuTLS handshake, ktls.h): pages by reference
 *                 into TLS, decrypted straight into guest memory
 *   userspace+tls userspace with GnuTLS in the VMMs, as QEMU's TLS
 *                 migration: gnutls_record_send() of each header and
 *                 page, gnutls_record_recv() on the destination
 *   (the last two only when --paths names them)
 *
 * Figures, per run and as medians:
 *   wall      from the first byte to the source's end (vmmig: the
 *             destination's ACK; the others: a one-byte answer)
 *   host CPU  the whole test host busy outside guest mode over the run
 *             (/proc/stat, all CPUs: every thread that worked for it,
 *             softirq networking included); the headline CPU figure
 *   src, dst  per-thread CPU (vmmig: the session workers' cpu-ns; the
 *             others: CLOCK_THREAD_CPUTIME_ID): secondary, because
 *             softirq work lands on whichever thread was running
 * Every run checks that the destination got every page.  Absolute
 * numbers under TCG mean little; the ratios between paths, same boot, are
 * the result.  Run the test host with multi-threaded TCG
 * (VMTEST_TCG_THREAD=multi, scripts/bench.sh does) so that each of its
 * CPUs is a host core: no nested guest runs here.
 *
 * --perf DIR: after the measured runs, one more run of each path under
 * `perf record -a -g` (DIR/quick-PATH.data; summarise with perf report),
 * so that the profile does not weigh on the figures; perf records only
 * while the transfer runs (not the stamping and checking around it).
 *
 * --src-skew N: the source VM's memory starts N pages past a 2 MiB
 * boundary (default 1), the destination's at a boundary: the test host's
 * TCG runs a copy between two addresses at the same offset within 2 MiB
 * several times slower (vmm.h, docs/bench/tcg-tlb.md); 0 shows that.
 *
 * usage: bench_quick [--mib N] [--runs R] [--paths P1,P2,..] [--perf DIR]
 *                    [--src-skew N]
 * prints a table, then one JSON object (last line) with every run.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "ktls.h"
#include "libvmmig.h"
#include "util.h"
#include "vmm.h"

#define PAGE		4096UL
#define MAX_RUNS	64
#define CHUNK		(2UL << 20)	/* transport: bytes per recv() */

struct vm {
	struct vmm_vm v;
	uint8_t *mem;	/* v.mem[0], its one memslot */
	size_t size;
};

struct result {
	double wall_s, host_cpu_s, src_cpu_s, dst_cpu_s;
};

enum path { P_TRANSPORT, P_VMMIG, P_VMMIG_NOZERO, P_USER, P_VMMIG_TLS,
	    P_USER_TLS, NR_PATHS };

static const char *const path_name[NR_PATHS] = {
	[P_TRANSPORT] = "transport",
	[P_VMMIG] = "vmmig",
	[P_VMMIG_NOZERO] = "vmmig-nozero",
	[P_USER] = "userspace",
	[P_VMMIG_TLS] = "vmmig+ktls",
	[P_USER_TLS] = "userspace+tls",
};

/* The paths run unless --paths says otherwise: not the TLS ones. */
#define DEFAULT_PATHS	((1U << P_VMMIG_TLS) - 1)

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_quick: %s: %s\n", what, strerror(err));
	exit(1);
}

/* One memslot, @skew pages past a 2 MiB boundary (see vmm.h). */
static void vm_create(struct vm *vm, size_t size, unsigned int skew)
{
	struct vmm_slot slot = { 0, 0, size / PAGE };
	int err = __vmm_vm_create_skewed(&vm->v, &slot, 1, skew);

	if (err)
		die("test VM", -err);
	vm->mem = vm->v.mem[0];
	vm->size = size;
}

static void vm_destroy(struct vm *vm)
{
	vmm_vm_destroy(&vm->v);
}

/* Every page non-zero and different: the worst case for every path. */
static void stamp(struct vm *vm, uint64_t seed)
{
	size_t i;

	for (i = 0; i < vm->size / 8; i++)
		((uint64_t *)vm->mem)[i] = seed ^ (i * 0x9e3779b97f4a7c15ULL);
}

static void tcp_pair(int fds[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int l;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (void *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (void *)&a, &len))
		die("listen", errno);
	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	if (fds[0] < 0 || connect(fds[0], (void *)&a, sizeof(a)))
		die("connect", errno);
	fds[1] = accept(l, NULL, NULL);
	if (fds[1] < 0)
		die("accept", errno);
	close(l);
}

static double now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void check_copy(const struct vm *a, const struct vm *b,
		       const char *path)
{
	if (memcmp(a->mem, b->mem, a->size)) {
		fprintf(stderr, "bench_quick: %s: destination differs\n", path);
		exit(1);
	}
}

static int recv_all(int fd, void *buf, size_t len)
{
	while (len) {
		ssize_t r = recv(fd, buf, len, MSG_WAITALL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf = (char *)buf + r;
		len -= r;
	}
	return 0;
}

/* ---- two threads over one connection (transport, userspace) ----------- */

struct side {
	struct vm *vm;
	int sock;
	gnutls_session_t tls;	/* userspace+tls */
	double cpu_s;
};

/* @len bytes to @u's peer: the socket, or GnuTLS records. */
static int side_send(struct side *u, struct iovec *iov, int n)
{
	if (!u->tls)
		return send_all(u->sock, iov, n);
	return tls_user_sendv(u->tls, iov, n) ? -1 : 0;
}

static int side_recv(struct side *u, void *buf, size_t len)
{
	if (!u->tls)
		return recv_all(u->sock, buf, len);
	while (len) {
		ssize_t r = tls_user_recv(u->tls, buf, len);

		if (r <= 0)
			return -1;
		buf = (char *)buf + r;
		len -= r;
	}
	return 0;
}

static struct result run_pair(struct vm *src, struct vm *dst,
			      void *(*sender)(void *),
			      void *(*receiver)(void *), bool tls)
{
	struct side s = { .vm = src }, d = { .vm = dst };
	struct tls_user cu = { 0 }, su = { 0 };
	pthread_t ts, td;
	struct result r;
	double t0, h0;
	int sk[2], err;

	tcp_pair(sk);
	s.sock = sk[0];
	d.sock = sk[1];
	if (tls) {
		err = __tls_pair_user(sk[0], sk[1], KTLS_AES_GCM_128, &cu, &su);
		if (err)
			die("TLS handshake", -err);
		s.tls = cu.s;
		d.tls = su.s;
	}
	h0 = host_busy_ms();
	t0 = now(CLOCK_MONOTONIC);
	pthread_create(&td, NULL, receiver, &d);
	pthread_create(&ts, NULL, sender, &s);
	pthread_join(ts, NULL);
	r.wall_s = now(CLOCK_MONOTONIC) - t0;
	pthread_join(td, NULL);
	r.host_cpu_s = (host_busy_ms() - h0) / 1e3;
	r.src_cpu_s = s.cpu_s;
	r.dst_cpu_s = d.cpu_s;
	tls_user_free(&cu);
	tls_user_free(&su);
	close(sk[0]);
	close(sk[1]);
	return r;
}

/* ---- transport: the link's full-pass limit ----------------------------- */

static void *transport_sender(void *arg)
{
	struct side *u = arg;
	double c0 = now(CLOCK_THREAD_CPUTIME_ID);
	size_t off = 0, len;
	int p[2], psz;
	char ack;

	if (pipe(p))
		die("pipe", errno);
	psz = fcntl(p[1], F_SETPIPE_SZ, (int)(1 << 20));
	if (psz < (int)PAGE)
		die("F_SETPIPE_SZ", errno);
	/* Page references into the pipe, from the pipe into the socket. */
	while (off < u->vm->size) {
		struct iovec iov = { u->vm->mem + off, 0 };
		ssize_t n;

		len = u->vm->size - off < (size_t)psz ? u->vm->size - off : psz;
		iov.iov_len = len;
		n = vmsplice(p[1], &iov, 1, 0);
		if (n <= 0)
			die("vmsplice", n ? errno : EIO);
		off += n;
		while (n) {
			ssize_t m = splice(p[0], NULL, u->sock, NULL, n,
					   SPLICE_F_MOVE | SPLICE_F_MORE);

			if (m <= 0)
				die("splice", m ? errno : EIO);
			n -= m;
		}
	}
	if (recv_all(u->sock, &ack, 1))
		die("transport: no answer", EIO);
	close(p[0]);
	close(p[1]);
	u->cpu_s = now(CLOCK_THREAD_CPUTIME_ID) - c0;
	return NULL;
}

static void *transport_receiver(void *arg)
{
	struct side *u = arg;
	double c0 = now(CLOCK_THREAD_CPUTIME_ID);
	size_t off, len;
	char ack = 1;

	for (off = 0; off < u->vm->size; off += len) {
		len = u->vm->size - off < CHUNK ? u->vm->size - off : CHUNK;
		if (recv_all(u->sock, u->vm->mem + off, len))
			die("transport recv", EIO);
	}
	if (send(u->sock, &ack, 1, MSG_NOSIGNAL) != 1)
		die("transport answer", errno);
	u->cpu_s = now(CLOCK_THREAD_CPUTIME_ID) - c0;
	return NULL;
}

/* ---- vmmig --------------------------------------------------------------- */

static uint32_t wait_done(struct vmmig *h, uint32_t id,
			  struct vmmig_session_info *si)
{
	for (;;) {
		if (vmmig_session_get(h, id, si))
			die("session-get", EIO);
		if (si->state == VMMIG_STATE_COMPLETED ||
		    si->state == VMMIG_STATE_FAILED ||
		    si->state == VMMIG_STATE_CANCELLED)
			return si->state;
		usleep(2000);
	}
}

static void set_zero_detect(int on)
{
	FILE *f = fopen("/sys/module/vmmig/parameters/zero_detect", "w");

	if (!f || fprintf(f, "%d\n", on) < 0 || fclose(f))
		die("zero_detect parameter", errno);
}

static struct result run_vmmig(struct vmmig *h, struct vm *src,
			       struct vm *dst, bool tls)
{
	struct vmmig_session_info ss, ds;
	struct result r;
	uint32_t sid, did;
	double t0, h0;
	int sk[2], err;

	tcp_pair(sk);
	err = tls ? __ktls_pair(sk[0], sk[1], KTLS_AES_GCM_128, KTLS_BOTH,
				KTLS_BOTH) : 0;
	if (err)
		die("kTLS handshake", -err);
	if (vmmig_session_create(h, VMMIG_ROLE_DESTINATION, dst->v.fd, &sk[1],
				 1, NULL, &did) ||
	    vmmig_session_create(h, VMMIG_ROLE_SOURCE, src->v.fd, &sk[0], 1,
				 NULL, &sid))
		die(vmmig_errmsg(h), EINVAL);
	h0 = host_busy_ms();
	t0 = now(CLOCK_MONOTONIC);
	if (vmmig_session_start(h, did) || vmmig_session_start(h, sid))
		die(vmmig_errmsg(h), EINVAL);
	if (wait_done(h, sid, &ss) != VMMIG_STATE_COMPLETED)
		die(vmmig_reason_name(ss.reason), EIO);
	r.wall_s = now(CLOCK_MONOTONIC) - t0;
	if (wait_done(h, did, &ds) != VMMIG_STATE_COMPLETED)
		die(vmmig_reason_name(ds.reason), EIO);
	r.host_cpu_s = (host_busy_ms() - h0) / 1e3;
	r.src_cpu_s = ss.stats.cpu_ns / 1e9;
	r.dst_cpu_s = ds.stats.cpu_ns / 1e9;
	vmmig_session_destroy(h, sid);
	vmmig_session_destroy(h, did);
	close(sk[0]);
	close(sk[1]);
	return r;
}

/* ---- userspace (as QEMU's pre-copy) ------------------------------------ */

struct uhdr {
	uint64_t offset;	/* page offset in guest memory; ~0 ends */
	uint32_t zero;
	uint32_t pad;
};

static bool page_is_zero(const uint8_t *p)
{
	static const uint8_t zero[PAGE];

	return !memcmp(p, zero, PAGE);
}

static void *user_sender(void *arg)
{
	struct side *u = arg;
	double c0 = now(CLOCK_THREAD_CPUTIME_ID);
	struct uhdr end = { .offset = ~0ULL };
	struct iovec iov[2];
	size_t off;

	for (off = 0; off < u->vm->size; off += PAGE) {
		struct uhdr h = { .offset = off / PAGE };
		uint8_t *p = u->vm->mem + off;

		h.zero = page_is_zero(p);
		iov[0] = (struct iovec){ &h, sizeof(h) };
		iov[1] = (struct iovec){ p, PAGE };
		if (side_send(u, iov, h.zero ? 1 : 2))
			die("userspace send", errno);
	}
	iov[0] = (struct iovec){ &end, sizeof(end) };
	if (side_send(u, iov, 1) || side_recv(u, &end, 1))
		die("userspace end", EIO);
	u->cpu_s = now(CLOCK_THREAD_CPUTIME_ID) - c0;
	return NULL;
}

static void *user_receiver(void *arg)
{
	struct side *u = arg;
	double c0 = now(CLOCK_THREAD_CPUTIME_ID);
	struct uhdr h;
	struct iovec iov;
	char ack = 1;

	for (;;) {
		if (side_recv(u, &h, sizeof(h)))
			die("userspace recv", EIO);
		if (h.offset == ~0ULL)
			break;
		if (h.offset >= u->vm->size / PAGE)
			die("userspace: bad offset", EINVAL);
		if (h.zero)
			memset(u->vm->mem + h.offset * PAGE, 0, PAGE);
		else if (side_recv(u, u->vm->mem + h.offset * PAGE, PAGE))
			die("userspace recv page", EIO);
	}
	iov = (struct iovec){ &ack, 1 };
	if (side_send(u, &iov, 1))
		die("userspace ack", errno);
	u->cpu_s = now(CLOCK_THREAD_CPUTIME_ID) - c0;
	return NULL;
}

/* ---- profiles ------------------------------------------------------------ */

/* A `perf record -a -g` that records only while a transfer runs. */
struct perf {
	pid_t pid;
	int ctl, ack;		/* its control FIFOs, -1: no profile */
};

/* Send @cmd to perf and wait for its answer. */
static void perf_ctl(struct perf *pf, const char *cmd)
{
	char buf[8] = "";
	size_t len = strlen(cmd);

	if (pf->ctl < 0)
		return;
	alarm(300);	/* a perf that never answers ends the benchmark */
	if (write(pf->ctl, cmd, len) != (ssize_t)len ||
	    read(pf->ack, buf, sizeof(buf) - 1) <= 0 || strncmp(buf, "ack", 3))
		die("perf did not answer (see its .perf.log)", EIO);
	alarm(0);
}

/*
 * Start perf into @data, disabled.  Under TCG its setup (every task's
 * maps, kallsyms) takes seconds; it reads its control FIFO only after it,
 * so its answer says it is ready.
 */
static void perf_start(struct perf *pf, const char *data, const char *log)
{
	char tmp[] = "/tmp/bench_quick.XXXXXX", ctl[64], ack[64], arg[160];
	int fd;

	/* The FIFOs in a local tmpfs: 9p (the output directory) has none. */
	if (!mkdtemp(tmp))
		die("mkdtemp", errno);
	snprintf(ctl, sizeof(ctl), "%s/ctl", tmp);
	snprintf(ack, sizeof(ack), "%s/ack", tmp);
	snprintf(arg, sizeof(arg), "--control=fifo:%s,%s", ctl, ack);
	if (mkfifo(ctl, 0600) || mkfifo(ack, 0600))
		die("mkfifo", errno);
	pf->pid = fork();
	if (pf->pid < 0)
		die("fork", errno);
	if (!pf->pid) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* cpu-clock: the test host (TCG) has no PMU. */
		execlp("perf", "perf", "record", "-a", "-g", "-e", "cpu-clock",
		       "-F", "999", arg, "-o", data, NULL);
		_exit(127);
	}
	pf->ctl = open(ctl, O_WRONLY);
	pf->ack = pf->ctl < 0 ? -1 : open(ack, O_RDONLY);
	if (pf->ack < 0)
		die("perf control FIFOs", errno);
	unlink(ctl);
	unlink(ack);
	rmdir(tmp);
	perf_ctl(pf, "disable\n");
}

static void perf_stop(struct perf *pf)
{
	int status;

	close(pf->ctl);
	close(pf->ack);
	pf->ctl = pf->ack = -1;
	kill(pf->pid, SIGINT);
	/* perf record ends by raising the SIGINT it caught again. */
	if (waitpid(pf->pid, &status, 0) != pf->pid ||
	    (WIFEXITED(status) && WEXITSTATUS(status)) ||
	    (WIFSIGNALED(status) && WTERMSIG(status) != SIGINT))
		die("perf record failed (see its .perf.log)", ECHILD);
}

/* ---- one run of a path -------------------------------------------------- */

static struct result run_path(enum path p, struct vmmig *h, struct vm *src,
			      struct vm *dst, uint64_t seed, struct perf *pf)
{
	struct result r;

	stamp(src, seed);
	memset(dst->mem, 0, dst->size);
	perf_ctl(pf, "enable\n");
	switch (p) {
	case P_TRANSPORT:
		r = run_pair(src, dst, transport_sender, transport_receiver,
			     false);
		break;
	case P_VMMIG:
	case P_VMMIG_TLS:
		r = run_vmmig(h, src, dst, p == P_VMMIG_TLS);
		break;
	case P_VMMIG_NOZERO:
		set_zero_detect(0);
		r = run_vmmig(h, src, dst, false);
		set_zero_detect(1);
		break;
	default:
		r = run_pair(src, dst, user_sender, user_receiver,
			     p == P_USER_TLS);
		break;
	}
	perf_ctl(pf, "disable\n");
	check_copy(src, dst, path_name[p]);
	return r;
}

/* One more run of @p under `perf record -a -g` into DIR/quick-PATH.data. */
static void profile_path(const char *dir, enum path p, struct vmmig *h,
			 struct vm *src, struct vm *dst)
{
	char data[4096], log[4096];
	struct perf pf;

	snprintf(data, sizeof(data), "%s/quick-%s.data", dir, path_name[p]);
	snprintf(log, sizeof(log), "%s/quick-%s.perf.log", dir, path_name[p]);
	perf_start(&pf, data, log);
	run_path(p, h, src, dst, 0x9abc, &pf);
	perf_stop(&pf);
}

/* ---- report ------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const struct result *r, int n, size_t field)
{
	double v[MAX_RUNS];
	int i;

	for (i = 0; i < n; i++)
		v[i] = *(const double *)((const char *)&r[i] + field);
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define MEDIAN(p, f) median(res[p], runs, offsetof(struct result, f))

static void usage(const char *me)
{
	fprintf(stderr,
		"usage: %s [--mib N] [--runs 1..%d] [--paths P1,P2,..] [--perf DIR] [--src-skew N]\n"
		"paths: transport, vmmig, vmmig-nozero, userspace (default), vmmig+ktls, userspace+tls\n",
		me, MAX_RUNS);
	exit(2);
}

static unsigned int parse_paths(const char *arg, const char *me)
{
	char *s = strdup(arg), *tok, *save = NULL;
	unsigned int mask = 0;
	int p;

	for (tok = strtok_r(s, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (p = 0; p < NR_PATHS; p++)
			if (!strcmp(tok, path_name[p]))
				break;
		if (p == NR_PATHS) {
			fprintf(stderr, "%s: unknown path %s\n", me, tok);
			usage(me);
		}
		mask |= 1U << p;
	}
	free(s);
	return mask;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mib", required_argument, NULL, 'm' },
		{ "runs", required_argument, NULL, 'r' },
		{ "paths", required_argument, NULL, 'p' },
		{ "perf", required_argument, NULL, 'P' },
		{ "src-skew", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	static struct result res[NR_PATHS][MAX_RUNS];
	struct perf no_perf = { .ctl = -1, .ack = -1 };
	unsigned int mask = DEFAULT_PATHS;
	const char *perf_dir = NULL;
	unsigned int skew = 1;
	size_t mib = 256;
	int runs = 5, i, p, c;
	struct vmmig *h;
	struct vm src, dst;
	double gib;
	bool first;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mib = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 'p':
			mask = parse_paths(optarg, argv[0]);
			break;
		case 'P':
			perf_dir = optarg;
			break;
		case 's':
			skew = strtoul(optarg, NULL, 0);
			break;
		default:
			usage(argv[0]);
		}
	}
	if (optind != argc || runs < 1 || runs > MAX_RUNS || !mib || !mask)
		usage(argv[0]);
	signal(SIGPIPE, SIG_IGN);	/* a dead peer is an error, not a kill */
	if (vmmig_open(&h))
		die(vmmig_errmsg(NULL), ENOENT);
	vm_create(&src, mib << 20, skew);
	vm_create(&dst, mib << 20, 0);
	gib = (double)(mib << 20) / (1 << 30);

	/* Interleave the paths so that drift in the host hits all alike. */
	for (i = 0; i < runs; i++)
		for (p = 0; p < NR_PATHS; p++)
			if (mask & (1U << p))
				res[p][i] = run_path(p, h, &src, &dst,
						     0x1234 + i * NR_PATHS + p,
						     &no_perf);

	printf("quick migration, %zu MiB, loopback TCP, source skew %u page(s), median of %d runs\n",
	       mib, skew, runs);
	printf("%-13s %8s %9s %13s %13s %13s\n", "path", "wall s", "MiB/s",
	       "host CPU", "src CPU*", "dst CPU*");
	for (p = 0; p < NR_PATHS; p++) {
		double w;

		if (!(mask & (1U << p)))
			continue;
		w = MEDIAN(p, wall_s);
		printf("%-13s %8.3f %9.1f %13.3f %13.3f %13.3f\n",
		       path_name[p], w, mib / w, MEDIAN(p, host_cpu_s) / gib,
		       MEDIAN(p, src_cpu_s) / gib, MEDIAN(p, dst_cpu_s) / gib);
	}
	printf("(CPU in s/GiB; host CPU: every CPU of the test host outside guest mode;\n"
	       " * per thread, secondary: softirq work lands on whichever thread ran)\n");
	if ((mask & (1U << P_VMMIG)) && (mask & (1U << P_USER)))
		printf("vmmig/userspace: throughput %.2fx, host CPU %.2fx, src CPU %.2fx, dst CPU %.2fx\n",
		       MEDIAN(P_USER, wall_s) / MEDIAN(P_VMMIG, wall_s),
		       MEDIAN(P_VMMIG, host_cpu_s) / MEDIAN(P_USER, host_cpu_s),
		       MEDIAN(P_VMMIG, src_cpu_s) / MEDIAN(P_USER, src_cpu_s),
		       MEDIAN(P_VMMIG, dst_cpu_s) / MEDIAN(P_USER, dst_cpu_s));
	if ((mask & (1U << P_VMMIG)) && (mask & (1U << P_TRANSPORT)))
		printf("vmmig/transport: throughput %.2fx, host CPU %.2fx\n",
		       MEDIAN(P_TRANSPORT, wall_s) / MEDIAN(P_VMMIG, wall_s),
		       MEDIAN(P_VMMIG, host_cpu_s) /
		       MEDIAN(P_TRANSPORT, host_cpu_s));
	if ((mask & (1U << P_VMMIG_TLS)) && (mask & (1U << P_USER_TLS)))
		printf("vmmig+ktls/userspace+tls: throughput %.2fx, host CPU %.2fx, src CPU %.2fx, dst CPU %.2fx\n",
		       MEDIAN(P_USER_TLS, wall_s) / MEDIAN(P_VMMIG_TLS, wall_s),
		       MEDIAN(P_VMMIG_TLS, host_cpu_s) /
		       MEDIAN(P_USER_TLS, host_cpu_s),
		       MEDIAN(P_VMMIG_TLS, src_cpu_s) /
		       MEDIAN(P_USER_TLS, src_cpu_s),
		       MEDIAN(P_VMMIG_TLS, dst_cpu_s) /
		       MEDIAN(P_USER_TLS, dst_cpu_s));
	if ((mask & (1U << P_VMMIG)) && (mask & (1U << P_VMMIG_TLS)))
		printf("vmmig+ktls/vmmig: throughput %.2fx, host CPU %.2fx\n",
		       MEDIAN(P_VMMIG, wall_s) / MEDIAN(P_VMMIG_TLS, wall_s),
		       MEDIAN(P_VMMIG_TLS, host_cpu_s) /
		       MEDIAN(P_VMMIG, host_cpu_s));
	if ((mask & (1U << P_VMMIG)) && (mask & (1U << P_VMMIG_NOZERO)))
		printf("zero-page check: vmmig source CPU %.3f s/GiB with it, %.3f s/GiB without\n",
		       MEDIAN(P_VMMIG, src_cpu_s) / gib,
		       MEDIAN(P_VMMIG_NOZERO, src_cpu_s) / gib);

	if (perf_dir)
		for (p = 0; p < NR_PATHS; p++)
			if (mask & (1U << p))
				profile_path(perf_dir, p, h, &src, &dst);

	printf("{\"bench\":\"quick\",\"mib\":%zu,\"src_skew\":%u,\"runs\":[",
	       mib, skew);
	for (i = 0; i < runs; i++) {
		printf("%s{", i ? "," : "");
		first = true;
		for (p = 0; p < NR_PATHS; p++) {
			const struct result *r = &res[p][i];

			if (!(mask & (1U << p)))
				continue;
			printf("%s\"%s\":{\"wall_s\":%.4f,\"host_cpu_s\":%.4f,"
			       "\"src_cpu_s\":%.4f,\"dst_cpu_s\":%.4f}",
			       first ? "" : ",", path_name[p], r->wall_s,
			       r->host_cpu_s, r->src_cpu_s, r->dst_cpu_s);
			first = false;
		}
		printf("}");
	}
	printf("]}\n");

	vm_destroy(&src);
	vm_destroy(&dst);
	vmmig_close(h);
	return 0;
}
