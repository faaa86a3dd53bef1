// SPDX-License-Identifier: GPL-2.0
/*
 * Quick-migration benchmark (not a test): one full pass of a paused VM's
 * memory over loopback TCP, measured in the same test-host boot for
 *
 *   vmmig      in-kernel send (zero-copy) and in-kernel receive, and
 *   userspace  the path VMMs use today (QEMU's pre-copy): the VMM reads
 *              guest memory, skips zero pages, and copies each page with
 *              a small header into the socket; the destination VMM reads
 *              headers and copies pages into guest memory.
 *
 * Figures: wall time, throughput, and CPU time per GiB on each side (the
 * vmmig workers' CPU time comes from the session stats, the userspace
 * threads' from CLOCK_THREAD_CPUTIME_ID).  Every run checks that the
 * destination got every page.  Absolute numbers under TCG mean little;
 * the ratios between the two paths, same boot, are the result.
 *
 * usage: bench_quick [--mib N] [--runs R]
 * prints a table, then one JSON object (last line) with every run.
 */
#include <errno.h>
#include <fcntl.h>
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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/kvm.h>

#include "libvmmig.h"
#include "util.h"

#define PAGE 4096UL

struct vm {
	int fd;
	uint8_t *mem;
	size_t size;
};

struct result {
	double wall_s, src_cpu_s, dst_cpu_s;
};

static int kvm_fd = -1;

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_quick: %s: %s\n", what, strerror(err));
	exit(1);
}

static void vm_create(struct vm *vm, size_t size)
{
	struct kvm_userspace_memory_region r = { .memory_size = size };

	if (kvm_fd < 0)
		kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	vm->fd = kvm_fd < 0 ? -1 : ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		die("KVM_CREATE_VM", errno);
	vm->size = size;
	vm->mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (vm->mem == MAP_FAILED)
		die("mmap", errno);
	r.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r))
		die("KVM_SET_USER_MEMORY_REGION", errno);
}

static void vm_destroy(struct vm *vm)
{
	munmap(vm->mem, vm->size);
	close(vm->fd);
}

/* Every page non-zero and different: the worst case for both paths. */
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

/* ---- vmmig ------------------------------------------------------------- */

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
			       struct vm *dst)
{
	struct vmmig_session_info ss, ds;
	struct result r;
	uint32_t sid, did;
	int sk[2];
	double t0;

	tcp_pair(sk);
	if (vmmig_session_create(h, VMMIG_ROLE_DESTINATION, dst->fd, &sk[1],
				 1, NULL, &did) ||
	    vmmig_session_create(h, VMMIG_ROLE_SOURCE, src->fd, &sk[0], 1,
				 NULL, &sid))
		die(vmmig_errmsg(h), EINVAL);
	t0 = now(CLOCK_MONOTONIC);
	if (vmmig_session_start(h, did) || vmmig_session_start(h, sid))
		die(vmmig_errmsg(h), EINVAL);
	if (wait_done(h, sid, &ss) != VMMIG_STATE_COMPLETED)
		die(vmmig_reason_name(ss.reason), EIO);
	r.wall_s = now(CLOCK_MONOTONIC) - t0;
	if (wait_done(h, did, &ds) != VMMIG_STATE_COMPLETED)
		die(vmmig_reason_name(ds.reason), EIO);
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

struct uside {
	struct vm *vm;
	int sock;
	double cpu_s;
};

static int recv_all(int fd, void *buf, size_t len)
{
	while (len) {
		ssize_t r = recv(fd, buf, len, MSG_WAITALL);

		if (r <= 0)
			return -1;
		buf = (char *)buf + r;
		len -= r;
	}
	return 0;
}

static bool page_is_zero(const uint8_t *p)
{
	static const uint8_t zero[PAGE];

	return !memcmp(p, zero, PAGE);
}

static void *user_sender(void *arg)
{
	struct uside *u = arg;
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
		if (send_all(u->sock, iov, h.zero ? 1 : 2))
			die("userspace send", errno);
	}
	iov[0] = (struct iovec){ &end, sizeof(end) };
	if (send_all(u->sock, iov, 1) || recv_all(u->sock, &end, 1))
		die("userspace end", EIO);
	u->cpu_s = now(CLOCK_THREAD_CPUTIME_ID) - c0;
	return NULL;
}

static void *user_receiver(void *arg)
{
	struct uside *u = arg;
	double c0 = now(CLOCK_THREAD_CPUTIME_ID);
	struct uhdr h;
	char ack = 1;

	for (;;) {
		if (recv_all(u->sock, &h, sizeof(h)))
			die("userspace recv", EIO);
		if (h.offset == ~0ULL)
			break;
		if (h.offset >= u->vm->size / PAGE)
			die("userspace: bad offset", EINVAL);
		if (h.zero)
			memset(u->vm->mem + h.offset * PAGE, 0, PAGE);
		else if (recv_all(u->sock, u->vm->mem + h.offset * PAGE, PAGE))
			die("userspace recv page", EIO);
	}
	if (send(u->sock, &ack, 1, 0) != 1)
		die("userspace ack", errno);
	u->cpu_s = now(CLOCK_THREAD_CPUTIME_ID) - c0;
	return NULL;
}

static struct result run_user(struct vm *src, struct vm *dst)
{
	struct uside s = { .vm = src }, d = { .vm = dst };
	pthread_t ts, td;
	struct result r;
	int sk[2];
	double t0;

	tcp_pair(sk);
	s.sock = sk[0];
	d.sock = sk[1];
	t0 = now(CLOCK_MONOTONIC);
	pthread_create(&td, NULL, user_receiver, &d);
	pthread_create(&ts, NULL, user_sender, &s);
	pthread_join(ts, NULL);
	r.wall_s = now(CLOCK_MONOTONIC) - t0;
	pthread_join(td, NULL);
	r.src_cpu_s = s.cpu_s;
	r.dst_cpu_s = d.cpu_s;
	close(sk[0]);
	close(sk[1]);
	return r;
}

/* ---- report ------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const struct result *r, int n, size_t field)
{
	double v[64];
	int i;

	for (i = 0; i < n; i++)
		v[i] = *(const double *)((const char *)&r[i] + field);
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	struct result rv[64], ru[64], rz[64];
	size_t mib = 256;
	int runs = 5, i;
	struct vmmig *h;
	struct vm src, dst;
	double gib, wv, wu, sv, su, dv, du, sz;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--mib"))
			mib = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--runs"))
			runs = atoi(argv[i + 1]);
	}
	if (runs < 1 || runs > 64 || !mib) {
		fprintf(stderr, "usage: %s [--mib N] [--runs 1..64]\n", argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);	/* a dead peer is an error, not a kill */
	if (vmmig_open(&h))
		die(vmmig_errmsg(NULL), ENOENT);
	vm_create(&src, mib << 20);
	vm_create(&dst, mib << 20);
	gib = (double)(mib << 20) / (1 << 30);

	/* Alternate the paths so that drift in the host hits both alike. */
	for (i = 0; i < runs; i++) {
		stamp(&src, 0x1234 + i);
		memset(dst.mem, 0, dst.size);
		rv[i] = run_vmmig(h, &src, &dst);
		check_copy(&src, &dst, "vmmig");
		/* The same without the zero-page check: what the check costs. */
		memset(dst.mem, 0, dst.size);
		set_zero_detect(0);
		rz[i] = run_vmmig(h, &src, &dst);
		set_zero_detect(1);
		check_copy(&src, &dst, "vmmig without zero check");
		stamp(&src, 0x5678 + i);
		memset(dst.mem, 0, dst.size);
		ru[i] = run_user(&src, &dst);
		check_copy(&src, &dst, "userspace");
	}

	wv = median(rv, runs, offsetof(struct result, wall_s));
	wu = median(ru, runs, offsetof(struct result, wall_s));
	sv = median(rv, runs, offsetof(struct result, src_cpu_s));
	su = median(ru, runs, offsetof(struct result, src_cpu_s));
	dv = median(rv, runs, offsetof(struct result, dst_cpu_s));
	sz = median(rz, runs, offsetof(struct result, src_cpu_s));
	du = median(ru, runs, offsetof(struct result, dst_cpu_s));

	printf("quick migration, %zu MiB, loopback TCP, median of %d runs\n",
	       mib, runs);
	printf("%-10s %10s %12s %16s %16s\n", "path", "wall s", "MiB/s",
	       "src CPU s/GiB", "dst CPU s/GiB");
	printf("%-10s %10.3f %12.1f %16.3f %16.3f\n", "vmmig", wv, mib / wv,
	       sv / gib, dv / gib);
	printf("%-10s %10.3f %12.1f %16.3f %16.3f\n", "userspace", wu, mib / wu,
	       su / gib, du / gib);
	printf("%-10s %10s %11.2fx %15.2fx %15.2fx\n", "ratio", "",
	       (mib / wv) / (mib / wu), sv / su, dv / du);
	printf("(ratio: throughput vmmig/userspace, higher is better; CPU vmmig/userspace, lower is better)\n");
	printf("zero-page check: vmmig source CPU %.3f s/GiB with it, %.3f s/GiB without (%+.1f%%)\n",
	       sv / gib, sz / gib, sz > 0 ? (sv - sz) / sz * 100 : 0);

	printf("{\"bench\":\"quick\",\"mib\":%zu,\"runs\":[", mib);
	for (i = 0; i < runs; i++)
		printf("%s{\"vmmig\":{\"wall_s\":%.4f,\"src_cpu_s\":%.4f,\"dst_cpu_s\":%.4f},"
		       "\"userspace\":{\"wall_s\":%.4f,\"src_cpu_s\":%.4f,\"dst_cpu_s\":%.4f}}",
		       i ? "," : "", rv[i].wall_s, rv[i].src_cpu_s,
		       rv[i].dst_cpu_s, ru[i].wall_s, ru[i].src_cpu_s,
		       ru[i].dst_cpu_s);
	printf("]}\n");

	vm_destroy(&src);
	vm_destroy(&dst);
	vmmig_close(h);
	return 0;
}
