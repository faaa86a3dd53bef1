/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dirty tracking for live migration: KVM's per-vCPU dirty rings, harvested
 * in the kernel into a bitmap per memslot of the session's layout.
 *
 * The rule that makes it correct: a page's bit is set only after the ring
 * entries that reported it were reset (KVM_RESET_DIRTY_RINGS re-protects
 * the page), and the sender clears a bit before it reads the page.  So a
 * write that lands after the sender read a page either faults on a
 * protected page (a new ring entry, a new bit) or lands on a page whose
 * earlier entry is not reset yet, whose bit is therefore still to come.
 * Either way the page is sent again.  A reset is only issued with every
 * signal blocked and counts only if no signal became pending meanwhile:
 * from 6.16 KVM stops a reset early on a pending signal, and the pages of
 * the batch it was gathering then stay writable (see vmmig_dirty_flush()).
 *
 * The contract with the VMM (libvmmig.h): the VMM owns its memslots.  It
 * turns KVM_MEM_LOG_DIRTY_PAGES on for every memslot before session-start
 * and off after the session ended, as QEMU's memory listener does; vmmig
 * never changes a memslot.  Between session-start and the end of the
 * session the rings are vmmig's: the VMM neither harvests nor resets them,
 * and on KVM_EXIT_DIRTY_RING_FULL calls session-ring-full.  Afterwards the
 * VMM takes the rings back at the index each vCPU's ring was left at
 * (session-get reports them).
 *
 * Lifetime: embedded in the session.  vmmig_dirty_start() (the session's
 * worker, with the VMM's mm in use) checks that logging is on, allocates
 * the bitmaps and starts tracking; vmmig_dirty_stop() (the same worker,
 * before it returns) harvests and resets what the rings still hold, so no
 * vCPU stays soft-full because of vmmig, records where each ring stands
 * and frees the bitmaps.  Between the two @tracking is true.
 *
 * Locking: @lock (mutex) serialises harvesting (fetch indexes, the ring
 * reset), the bitmaps and the counters below.  It is taken by the worker
 * and by session-ring-full / session-dirty handlers, which run in the
 * VMM's threads; it nests inside nothing else of vmmig.  Under it vmmig
 * takes KVM's slots_lock (KVM_RESET_DIRTY_RINGS), kvm->srcu and mmap_lock
 * (page faults of the ring pages): never with a socket lock held.
 */
#ifndef _VMMIG_DIRTY_H
#define _VMMIG_DIRTY_H

#include <linux/mutex.h>
#include <linux/types.h>

#include "wire.h"

struct vmmig_mem;
struct vmmig_mem_filter;
struct vmmig_vm;

/* A harvested entry waiting for the reset: layout slot and page offset. */
struct vmmig_dirty_gfn {
	u32 slot_index;
	u64 offset;
};

/* Where a vCPU's ring stands when tracking stops: the VMM resumes there. */
struct vmmig_dirty_ring_end {
	u32 vcpu_id;
	u32 index;
};

struct vmmig_dirty {
	struct mutex lock;		/* see Locking above */
	bool tracking;			/* between start and stop */
	bool closed;			/* last harvest began, or stopped */
	int error;			/* reset failed, memslots changed: sticky */
	const struct vmmig_vm *vm;	/* the session's; constant */
	const struct vmmig_mem_filter *filter;	/* the session's; constant */
	const struct vmmig_mem *mem;	/* the worker's layout snapshot */

	unsigned long *bitmap[VMMIG_WIRE_MAX_SLOTS];	/* per layout slot */
	u64 generation[2];		/* memslots generation per AS */
	u64 nr_dirty;			/* bits set */
	u64 newly_dirty;		/* bits that went 0 -> 1, see take */
	u32 *fetch;			/* per vcpu_idx; U32_MAX: unseen */
	u64 *last_exit_ns;		/* per vcpu_idx, ring-full throttle */
	unsigned int nr_vcpus;		/* size of the two above */
	struct vmmig_dirty_gfn *buf;	/* harvested, not yet reset */
	unsigned int nr_buf;

	/* Set by stop, kept until the session is freed. */
	struct vmmig_dirty_ring_end *ends;
	unsigned int nr_ends;
};

void vmmig_dirty_init(struct vmmig_dirty *d, const struct vmmig_vm *vm,
		      const struct vmmig_mem_filter *filter);
void vmmig_dirty_release(struct vmmig_dirty *d);
struct vmmig_mem *vmmig_dirty_start(struct vmmig_dirty *d);
void vmmig_dirty_stop(struct vmmig_dirty *d);

int vmmig_dirty_harvest(struct vmmig_dirty *d, u64 *ns);
void vmmig_dirty_mark_all(struct vmmig_dirty *d);
/* Pages the VMM wrote (session-dirty): a range, or a bitmap's set bits. */
struct vmmig_dirty_report {
	u64 gfn;		/* first page */
	u64 npages;		/* pages of the range, bits of the bitmap */
	const u8 *bits;		/* bit i of byte i / 8: gfn + i; NULL: range */
};

int vmmig_dirty_check(const struct vmmig_mem *mem,
		      const struct vmmig_dirty_report *r, unsigned int n,
		      unsigned int *bad);
int vmmig_dirty_mark(struct vmmig_dirty *d, const struct vmmig_dirty_report *r,
		     unsigned int n, u64 *pages, unsigned int *bad);
void vmmig_dirty_close(struct vmmig_dirty *d);
unsigned int vmmig_dirty_take(struct vmmig_dirty *d, u32 slot_index,
			      u64 *pos, unsigned int max);
u64 vmmig_dirty_remaining(struct vmmig_dirty *d);
u64 vmmig_dirty_newly(struct vmmig_dirty *d);
u64 vmmig_dirty_note_exit(struct vmmig_dirty *d, u32 vcpu_idx, u64 now);

#endif /* _VMMIG_DIRTY_H */
