/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory: a VM's memslots as the stream describes them, and where
 * each lives in the VMM's address space.
 *
 * The layout is taken once, when a session starts; memslots must not
 * change while memory moves (a quick migration runs with the VM paused and
 * the VMM not reconfiguring it).  Only user memslots count: KVM's internal
 * ones are recreated by the destination's KVM.
 */
#ifndef _VMMIG_MEM_H
#define _VMMIG_MEM_H

#include "wire.h"

struct kvm;

struct vmmig_mem {
	struct vmmig_wire_layout layout;
	unsigned long hva[VMMIG_WIRE_MAX_SLOTS];	/* per layout slot */
};

struct vmmig_mem *vmmig_mem_snapshot(struct kvm *kvm);
void vmmig_mem_free(struct vmmig_mem *mem);

static inline unsigned long vmmig_mem_hva(const struct vmmig_mem *mem,
					  u32 slot_index, u64 page_offset)
{
	return mem->hva[slot_index] + (unsigned long)(page_offset << PAGE_SHIFT);
}

#endif /* _VMMIG_MEM_H */
