/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the selftests' benchmarks. */
#ifndef VMMIG_SELFTEST_UTIL_H
#define VMMIG_SELFTEST_UTIL_H

#include <errno.h>
#include <sys/uio.h>

/* Write all of @iov[0..@n) to @fd (a blocking socket). */
static inline int send_all(int fd, struct iovec *iov, int n)
{
	while (n) {
		ssize_t w = writev(fd, iov, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
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

#endif
