/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory: a VM's memslots as the stream describes them, and where
 * each lives in the VMM's address space.  A destination takes them from
 * the VMM when it gives a layout (session-new's region attributes: its
 * own memslots may differ from the source's), else from the VM.
 *
 * The layout is taken once, when a session starts; memslots must not
 * change while memory moves (a quick migration runs with the VM paused and
 * the VMM not reconfiguring it; live migration watches the memslots'
 * generation and fails the session if the layout changed).  Only user
 * memslots count: KVM's internal ones are recreated by the destination's
 * KVM.
 */
#ifndef _VMMIG_MEM_H
#define _VMMIG_MEM_H

#include <linux/bitmap.h>

#include "wire.h"

struct kvm;

/*
 * Source: a slot whose host memory lies wholly inside an earlier one's (a
 * canonical slot, itself no alias) is that slot's alias: SMM's address
 * space repeats RAM so.  Its pages go as the canonical slot's, from page
 * alias_off[i] on, and a dirty entry for it marks the canonical page.
 */
struct vmmig_mem {
	struct vmmig_wire_layout layout;
	unsigned long hva[VMMIG_WIRE_MAX_SLOTS];	/* per layout slot */
	u32 flags[VMMIG_WIRE_MAX_SLOTS];		/* KVM_MEM_* */
	u16 alias[VMMIG_WIRE_MAX_SLOTS];	/* canonical index + 1, 0: none */
	u64 alias_off[VMMIG_WIRE_MAX_SLOTS];
};

/* What a source migrates: every memslot, or the VMM's list (sorted). */
struct vmmig_mem_filter {
	u32 *slots;
	unsigned int n;
};

struct vmmig_mem *vmmig_mem_snapshot(struct kvm *kvm);
struct vmmig_mem *vmmig_mem_source(struct kvm *kvm,
				   const struct vmmig_mem_filter *filter);
struct vmmig_mem *vmmig_mem_alloc(void);
struct vmmig_mem *vmmig_mem_dup(const struct vmmig_mem *mem);
int vmmig_mem_add(struct vmmig_mem *mem, const struct vmmig_wire_mslot *ms,
		  unsigned long hva);
int vmmig_mem_check_hva(unsigned long hva, u64 size);
void vmmig_mem_free(struct vmmig_mem *mem);
bool vmmig_mem_same(const struct vmmig_mem *a, const struct vmmig_mem *b);
u64 vmmig_mem_generation(struct kvm *kvm, int as);
int vmmig_mem_find(const struct vmmig_mem *mem, u32 slot);
int vmmig_mem_find_gfn(const struct vmmig_mem *mem, u64 gfn);

/* The layout slot and page that (@slot_index, *@offset) is sent as. */
static inline u32 vmmig_mem_canonical(const struct vmmig_mem *mem,
				      u32 slot_index, u64 *offset)
{
	if (!mem->alias[slot_index])
		return slot_index;
	*offset += mem->alias_off[slot_index];
	return mem->alias[slot_index] - 1;
}

/*
 * Destination: the pages of each layout slot that read as zero without
 * being looked at (a set bit).  A page is one when the session starts if it
 * lies in private anonymous memory that has never held a page: its mapping
 * has no anon_vma, so nothing was faulted in, swapped out or merged there,
 * and a read would only map the shared zero page.  It stays one until the
 * stream writes it.  A ZERO record for such a page costs nothing, where
 * reading it would take a page fault and a page table (QEMU's multifd
 * receiver skips zero pages it has not received the same way; its
 * precopy reads every one).  Owned by the receiving worker; the VMM must
 * not write the destination's guest memory while the session runs (the
 * stream does).
 */
struct vmmig_mem_zmap {
	unsigned long *bits[VMMIG_WIRE_MAX_SLOTS];	/* per layout slot */
};

struct vmmig_mem_zmap *vmmig_mem_zmap_create(const struct vmmig_mem *mem);
void vmmig_mem_zmap_free(struct vmmig_mem_zmap *zm,
			 const struct vmmig_mem *mem);

/* Is page @off of layout slot @i known to read as zero? */
static inline bool vmmig_mem_zmap_zero(const struct vmmig_mem_zmap *zm,
				       u32 i, u64 off)
{
	return zm->bits[i] && test_bit(off, zm->bits[i]);
}

/* Are all @count pages from @off known to read as zero? */
static inline bool vmmig_mem_zmap_all_zero(const struct vmmig_mem_zmap *zm,
					   u32 i, u64 off, u64 count)
{
	return zm->bits[i] &&
	       find_next_zero_bit(zm->bits[i], off + count, off) >= off + count;
}

/* The stream writes @count pages from @off: they may hold data now. */
static inline void vmmig_mem_zmap_written(struct vmmig_mem_zmap *zm, u32 i,
					  u64 off, u64 count)
{
	if (zm->bits[i])
		bitmap_clear(zm->bits[i], off, count);
}

static inline unsigned long vmmig_mem_hva(const struct vmmig_mem *mem,
					  u32 slot_index, u64 page_offset)
{
	return mem->hva[slot_index] + (unsigned long)(page_offset << PAGE_SHIFT);
}

/* Where layout slot @i's host memory ends. */
static inline unsigned long vmmig_mem_hva_end(const struct vmmig_mem *mem,
					      u32 i)
{
	return vmmig_mem_hva(mem, i, mem->layout.slots[i].npages);
}

#endif /* _VMMIG_MEM_H */
