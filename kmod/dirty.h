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
 * Either way the page is sent again.
 *
 * Lifetime: embedded in the session.  vmmig_dirty_start() (the session's
 * worker, with the VMM's mm in use) turns dirty logging on for every
 * memslot and allocates the bitmaps; vmmig_dirty_stop() (the same worker,
 * before it returns) turns logging back off, discards what the rings still
 * hold, resets them so no vCPU stays soft-full, and frees the bitmaps.
 * Between the two @tracking is true.
 *
 * Locking: @lock (mutex) serialises harvesting (fetch indexes, the ring
 * reset), the bitmaps and the counters below.  It is taken by the worker
 * and by session-ring-full / session-dirty handlers, which run in the
 * VMM's threads; it nests inside nothing else of vmmig.
 */
#ifndef _VMMIG_DIRTY_H
#define _VMMIG_DIRTY_H

#include <linux/mutex.h>
#include <linux/types.h>

#include "wire.h"

struct vmmig_mem;
struct vmmig_vm;

/* A harvested entry waiting for the reset: layout slot and page offset. */
struct vmmig_dirty_gfn {
	u32 slot_index;
	u64 offset;
};

struct vmmig_dirty {
	struct mutex lock;		/* see Locking above */
	bool tracking;			/* between start and stop */
	const struct vmmig_vm *vm;	/* the session's; constant */
	const struct vmmig_mem *mem;	/* the worker's layout snapshot */
	struct vmmig_mem *logged;	/* the same, as logging left it */

	unsigned long *bitmap[VMMIG_WIRE_MAX_SLOTS];	/* per layout slot */
	u32 orig_flags[VMMIG_WIRE_MAX_SLOTS];	/* memslot flags at start */
	u64 generation[4];		/* memslots generation per AS */
	u64 nr_dirty;			/* bits set */
	u64 newly_dirty;		/* bits that went 0 -> 1, see take */
	u32 *fetch;			/* per vcpu_idx; U32_MAX: unseen */
	u64 *last_exit_ns;		/* per vcpu_idx, ring-full throttle */
	unsigned int nr_vcpus;		/* size of the two above */
	struct vmmig_dirty_gfn *buf;	/* harvested, not yet reset */
	unsigned int nr_buf;
};

void vmmig_dirty_init(struct vmmig_dirty *d, const struct vmmig_vm *vm);
int vmmig_dirty_start(struct vmmig_dirty *d, const struct vmmig_mem *mem);
void vmmig_dirty_stop(struct vmmig_dirty *d);

int vmmig_dirty_harvest(struct vmmig_dirty *d, u64 *ns);
void vmmig_dirty_mark_all(struct vmmig_dirty *d);
int vmmig_dirty_mark_gpa(struct vmmig_dirty *d, u64 gpa, u64 len, u64 *pages);
unsigned int vmmig_dirty_take(struct vmmig_dirty *d, u32 slot_index,
			      u64 *pos, unsigned int max);
u64 vmmig_dirty_remaining(struct vmmig_dirty *d);
u64 vmmig_dirty_newly(struct vmmig_dirty *d);
u64 vmmig_dirty_note_exit(struct vmmig_dirty *d, u32 vcpu_idx, u64 now);

#endif /* _VMMIG_DIRTY_H */
