// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libvmmig: batched session-dirty.  A VMM's own writes to guest memory
 * (virtio rings and buffers, DMA) come scattered a page here, a page
 * there; one request per write would cost a system call each.  They go
 * to the module as dirty-bitmap nests instead, packed into as few
 * requests as fit in libnl's socket buffer.  Ranges of many pages go as
 * one gpa/length request each, which costs less than their bitmap.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netlink/genl/genl.h>

#include "internal.h"

/*
 * Bitmap bytes per request: a request must fit the socket's send buffer
 * (libnl sets 32 KiB, which the kernel doubles) with its headers.
 */
#define DIRTY_MSG_BYTES		(48u << 10)
/* Bytes of one dirty-bitmap nest: 256 Ki pages, 1 GiB of 4 KiB pages. */
#define DIRTY_CHUNK_BYTES	(32u << 10)
#define DIRTY_CHUNK_PAGES	((uint64_t)DIRTY_CHUNK_BYTES * 8)
/* Ranges at least this long go as gpa and length. */
#define DIRTY_RANGE_PAGES	4096

struct dirty_batch {
	struct vmmig *h;
	uint32_t id;
	unsigned int shift;	/* page size, log2 */
	struct nl_msg *msg;	/* the request being filled */
	size_t bytes;		/* bitmap bytes in it */
};

static int batch_flush(struct dirty_batch *b)
{
	struct nl_msg *msg = b->msg;

	if (!msg)
		return 0;
	b->msg = NULL;
	b->bytes = 0;
	return vmmig__request(b->h, msg, NULL);
}

/* One dirty-bitmap nest: @len bytes of @bits, bit 0 at page @pfn. */
static int batch_put(struct dirty_batch *b, uint64_t pfn, const uint8_t *bits,
		     size_t len)
{
	struct nlattr *nest;
	int rc;

	/* Leading and trailing clear bytes say nothing. */
	while (len && !bits[0]) {
		bits++;
		len--;
		pfn += 8;
	}
	while (len && !bits[len - 1])
		len--;
	if (!len)
		return 0;
	if (b->msg && b->bytes + len > DIRTY_MSG_BYTES) {
		rc = batch_flush(b);
		if (rc)
			return rc;
	}
	if (!b->msg) {
		rc = vmmig__msg_sized(b->h, VMMIG_CMD_SESSION_DIRTY, 0,
				      DIRTY_MSG_BYTES + 4096, &b->msg);
		if (rc)
			return rc;
		rc = nla_put_u32(b->msg, VMMIG_A_SESSION_ID, b->id);
		if (rc < 0)
			goto err;
	}
	nest = nla_nest_start(b->msg, VMMIG_A_SESSION_DIRTY_BITMAP);
	if (!nest) {
		rc = -NLE_NOMEM;
		goto err;
	}
	rc = nla_put_u64(b->msg, VMMIG_A_DIRTY_BITMAP_GPA, pfn << b->shift);
	rc = rc ?: nla_put(b->msg, VMMIG_A_DIRTY_BITMAP_BITS, len, bits);
	rc = rc ?: nla_nest_end(b->msg, nest);
	if (rc < 0)
		goto err;
	b->bytes += len;
	return 0;
err:
	nlmsg_free(b->msg);
	b->msg = NULL;
	return vmmig__nlerr(b->h, rc);
}

static unsigned int page_shift(void)
{
	return __builtin_ctzl(sysconf(_SC_PAGESIZE));
}

static int cmp_gpa(const void *a, const void *b)
{
	const struct vmmig_range *x = a, *y = b;

	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

int vmmig_session_dirty_ranges(struct vmmig *h, uint32_t id,
			       const struct vmmig_range *ranges, size_t n)
{
	struct dirty_batch b = { .h = h, .id = id, .shift = page_shift() };
	struct vmmig_range *sorted;
	uint64_t base = 0;
	uint8_t *chunk;
	bool open = false;
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++)
		if (!ranges[i].length ||
		    ranges[i].length - 1 > UINT64_MAX - ranges[i].gpa)
			return vmmig__errf(h, -EINVAL,
					   "ranges[%zu]: length 0 or wraps around",
					   i);
	sorted = malloc(n * sizeof(*sorted) + 1);
	chunk = calloc(1, DIRTY_CHUNK_BYTES);
	if (!sorted || !chunk) {
		free(sorted);
		free(chunk);
		return vmmig__err(h, -ENOMEM);
	}
	memcpy(sorted, ranges, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_gpa);

	for (i = 0; !rc && i < n; i++) {
		uint64_t first = sorted[i].gpa >> b.shift;
		uint64_t last = (sorted[i].gpa + sorted[i].length - 1) >> b.shift;
		uint64_t pfn;

		if (last - first + 1 >= DIRTY_RANGE_PAGES) {
			rc = vmmig_session_dirty(h, id, sorted[i].gpa,
						 sorted[i].length);
			continue;
		}
		/* Sorted: a range that does not fit starts the next chunk. */
		if (open && last - base >= DIRTY_CHUNK_PAGES) {
			rc = batch_put(&b, base, chunk, DIRTY_CHUNK_BYTES);
			memset(chunk, 0, DIRTY_CHUNK_BYTES);
			open = false;
		}
		if (!open) {
			base = first;
			open = true;
		}
		for (pfn = first; pfn <= last; pfn++)
			chunk[(pfn - base) / 8] |= 1u << ((pfn - base) % 8);
	}
	if (!rc && open)
		rc = batch_put(&b, base, chunk, DIRTY_CHUNK_BYTES);
	if (!rc)
		rc = batch_flush(&b);
	if (b.msg)
		nlmsg_free(b.msg);
	free(chunk);
	free(sorted);
	return rc;
}

int vmmig_session_dirty_bitmap(struct vmmig *h, uint32_t id, uint64_t gpa,
			       const uint64_t *bitmap, uint64_t npages)
{
	struct dirty_batch b = { .h = h, .id = id, .shift = page_shift() };
	uint64_t pfn = gpa >> b.shift, done;
	uint8_t *chunk;
	int rc = 0;

	if (gpa & ((1ull << b.shift) - 1))
		return vmmig__errf(h, -EINVAL, "gpa %#llx is not page aligned",
				   (unsigned long long)gpa);
	if (!npages)
		return 0;
	chunk = malloc(DIRTY_CHUNK_BYTES);
	if (!chunk)
		return vmmig__err(h, -ENOMEM);
	for (done = 0; !rc && done < npages; done += DIRTY_CHUNK_PAGES) {
		uint64_t bits = npages - done < DIRTY_CHUNK_PAGES ?
				npages - done : DIRTY_CHUNK_PAGES;
		size_t len = (bits + 7) / 8, j;

		/* Bytes in little-endian order whatever the host's. */
		for (j = 0; j < len; j++) {
			uint64_t bit = done + j * 8;

			chunk[j] = bitmap[bit / 64] >> (bit % 64);
		}
		/* Bits past @npages in the last byte are not the caller's. */
		if (bits % 8)
			chunk[len - 1] &= (1u << (bits % 8)) - 1;
		rc = batch_put(&b, pfn + done, chunk, len);
	}
	if (!rc)
		rc = batch_flush(&b);
	if (b.msg)
		nlmsg_free(b.msg);
	free(chunk);
	return rc;
}
