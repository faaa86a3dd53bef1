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

#include "wire.h"

struct kvm;

struct vmmig_mem {
	struct vmmig_wire_layout layout;
	unsigned long hva[VMMIG_WIRE_MAX_SLOTS];	/* per layout slot */
	u32 flags[VMMIG_WIRE_MAX_SLOTS];		/* KVM_MEM_* */
};

struct vmmig_mem *vmmig_mem_snapshot(struct kvm *kvm);
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
bool vmmig_mem_has_range(const struct vmmig_mem *mem, u64 gpa, u64 len);

static inline unsigned long vmmig_mem_hva(const struct vmmig_mem *mem,
					  u32 slot_index, u64 page_offset)
{
	return mem->hva[slot_index] + (unsigned long)(page_offset << PAGE_SHIFT);
}

#endif /* _VMMIG_MEM_H */
