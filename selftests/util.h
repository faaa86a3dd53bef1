/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the selftests' migration harness and benchmarks. */
#ifndef VMMIG_SELFTEST_UTIL_H
#define VMMIG_SELFTEST_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>

/*
 * Send all of @iov[0..@n) on @fd (a blocking socket) with sendmsg(@flags).
 * @calls (may be NULL) counts the sendmsg() calls that sent something:
 * with MSG_ZEROCOPY each is one completion notification.  If sendmsg()
 * fails with ENOBUFS (MSG_ZEROCOPY: optmem full of pending completions)
 * and @nobufs is given, it is called to reap some, then the send goes on.
 */
static inline int sendmsg_all(int fd, struct iovec *iov, int n, int flags,
			      unsigned long *calls,
			      int (*nobufs)(void *ctx), void *ctx)
{
	while (n) {
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = n };
		ssize_t w = sendmsg(fd, &m, flags | MSG_NOSIGNAL);
		int err;

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS && nobufs) {
				err = nobufs(ctx);
				if (err)
					return err;
				continue;
			}
			return -errno;
		}
		if (calls && w)
			(*calls)++;
		while (n && (size_t)w >= iov->iov_len) {
			w -= iov->iov_len;
			iov++;
			n--;
		}
		if (n) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= w;
		}
	}
	return 0;
}

/* Write all of @iov[0..@n) to @fd (a blocking socket). */
static inline int send_all(int fd, struct iovec *iov, int n)
{
	return sendmsg_all(fd, iov, n, 0, NULL, NULL, NULL);
}

/*
 * CPU time the whole host spent busy outside guest mode, in ms, from
 * /proc/stat: user and nice without their guest shares, system, irq and
 * softirq.  Differences over a migration count every thread that worked
 * for it (VMM threads, vmmig's kernel workers, softirq networking, on
 * both "hosts"), and nothing the guests themselves ran.
 */
static inline double host_busy_ms(void)
{
	unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal;
	unsigned long long guest = 0, guest_nice = 0;
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return 0;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &user, &nice, &sys, &idle, &iowait, &irq, &softirq, &steal,
		   &guest, &guest_nice);
	fclose(f);
	if (n < 7)
		return 0;
	return (user - guest + nice - guest_nice + sys + irq + softirq) *
	       1000.0 / sysconf(_SC_CLK_TCK);
}

#endif
