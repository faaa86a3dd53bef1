// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory layout, read from KVM's memslots.
 */
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "compat.h"
#include "mem.h"

/**
 * vmmig_mem_snapshot() - the user memslots of @kvm, in ascending order of
 * (address space << 16 | id), with their host virtual addresses.
 * @kvm: the VM.
 *
 * Return: a new vmmig_mem, or ERR_PTR(-ENOMEM) / ERR_PTR(-E2BIG) (more
 * memslots than the stream can describe) / ERR_PTR(-ENOENT) (no memory).
 */
struct vmmig_mem *vmmig_mem_snapshot(struct kvm *kvm)
{
	struct kvm_memory_slot *ms;
	struct vmmig_mem *mem;
	int as, bkt, idx, err = 0;
	u32 i, n = 0;

	mem = kvzalloc_obj(*mem, GFP_KERNEL_ACCOUNT);
	if (!mem)
		return ERR_PTR(-ENOMEM);
	mem->layout.page_size = PAGE_SIZE;

	idx = srcu_read_lock(&kvm->srcu);
	for (as = 0; as < VMMIG_KVM_NR_AS && !err; as++) {
		kvm_for_each_memslot(ms, bkt, __kvm_memslots(kvm, as)) {
			struct vmmig_wire_mslot cur = {
				.slot = (u32)as << 16 | ms->id,
				.base_gfn = ms->base_gfn,
				.npages = ms->npages,
			};
			unsigned long hva = ms->userspace_addr;

			if (ms->id >= KVM_USER_MEM_SLOTS || !ms->npages)
				continue;
			if (n == VMMIG_WIRE_MAX_SLOTS) {
				err = -E2BIG;
				break;
			}
			/* Insertion sort: the hash walk has no order. */
			for (i = n; i && mem->layout.slots[i - 1].slot > cur.slot;
			     i--) {
				mem->layout.slots[i] = mem->layout.slots[i - 1];
				mem->hva[i] = mem->hva[i - 1];
			}
			mem->layout.slots[i] = cur;
			mem->hva[i] = hva;
			n++;
		}
	}
	srcu_read_unlock(&kvm->srcu, idx);

	if (!err && !n)
		err = -ENOENT;
	if (err) {
		kvfree(mem);
		return ERR_PTR(err);
	}
	mem->layout.nr_slots = n;
	return mem;
}

void vmmig_mem_free(struct vmmig_mem *mem)
{
	kvfree(mem);
}
