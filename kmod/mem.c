// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory layout, read from KVM's memslots.
 */
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/userfaultfd_k.h>

#include "compat.h"
#include "mem.h"

/*
 * Put memslot @ms at its place in @mem's layout (ascending slot order) and
 * count it; the caller checked there is room.
 */
static void vmmig_mem_insert(struct vmmig_mem *mem,
			     const struct vmmig_wire_mslot *ms,
			     unsigned long hva, u32 flags)
{
	u32 i;

	for (i = mem->layout.nr_slots;
	     i && mem->layout.slots[i - 1].slot > ms->slot; i--) {
		mem->layout.slots[i] = mem->layout.slots[i - 1];
		mem->hva[i] = mem->hva[i - 1];
		mem->flags[i] = mem->flags[i - 1];
	}
	mem->layout.slots[i] = *ms;
	mem->hva[i] = hva;
	mem->flags[i] = flags;
	mem->layout.nr_slots++;
}

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

	mem = kvzalloc_obj(*mem, GFP_KERNEL_ACCOUNT);
	if (!mem)
		return ERR_PTR(-ENOMEM);
	mem->layout.page_size = PAGE_SIZE;

	idx = srcu_read_lock(&kvm->srcu);
	for (as = 0; as < vmmig_kvm_nr_as(kvm) && !err; as++) {
		kvm_for_each_memslot(ms, bkt, __kvm_memslots(kvm, as)) {
			struct vmmig_wire_mslot cur = {
				.slot = (u32)as << 16 | ms->id,
				.base_gfn = ms->base_gfn,
				.npages = ms->npages,
			};
			unsigned long hva = ms->userspace_addr;
			u32 flags = ms->flags;

			if (ms->id >= KVM_USER_MEM_SLOTS || !ms->npages)
				continue;
			if (mem->layout.nr_slots == VMMIG_WIRE_MAX_SLOTS) {
				err = -E2BIG;
				break;
			}
			/* Sorted as inserted: the hash walk has no order. */
			vmmig_mem_insert(mem, &cur, hva, flags);
		}
	}
	srcu_read_unlock(&kvm->srcu, idx);

	if (!err && !mem->layout.nr_slots)
		err = -ENOENT;
	if (err) {
		kvfree(mem);
		return ERR_PTR(err);
	}
	return mem;
}

/* Mark every slot that lies inside an earlier canonical one. */
static void vmmig_mem_find_aliases(struct vmmig_mem *mem)
{
	u32 i, j;

	for (i = 0; i < mem->layout.nr_slots; i++) {
		u64 size = mem->layout.slots[i].npages << PAGE_SHIFT;

		for (j = 0; j < i; j++) {
			u64 jsize = mem->layout.slots[j].npages << PAGE_SHIFT;

			if (mem->alias[j] || size > jsize ||
			    mem->hva[i] < mem->hva[j] ||
			    mem->hva[i] - mem->hva[j] > jsize - size)
				continue;
			mem->alias[i] = j + 1;
			mem->alias_off[i] = (mem->hva[i] - mem->hva[j]) >>
					    PAGE_SHIFT;
			break;
		}
	}
}

/**
 * vmmig_mem_source() - what a source migrates: the memslots of @kvm that
 * @filter lets through (all without one), with their aliases found.
 * @kvm: the VM.
 * @filter: the VMM's list of memslots to migrate; n 0: all of them.
 *
 * Return: as vmmig_mem_snapshot(); ERR_PTR(-ENXIO) if a memslot of the
 * list does not exist.
 */
struct vmmig_mem *vmmig_mem_source(struct kvm *kvm,
				   const struct vmmig_mem_filter *filter)
{
	struct vmmig_mem *mem = vmmig_mem_snapshot(kvm);
	unsigned int k = 0;
	u32 i, n = 0;

	if (IS_ERR(mem) || !filter->n)
		goto aliases;
	/* Both sorted: keep the listed ones, in order. */
	for (i = 0; i < mem->layout.nr_slots; i++) {
		u32 slot = mem->layout.slots[i].slot;

		while (k < filter->n && filter->slots[k] < slot)
			k++;
		if (k == filter->n || filter->slots[k] != slot)
			continue;
		mem->layout.slots[n] = mem->layout.slots[i];
		mem->hva[n] = mem->hva[i];
		mem->flags[n] = mem->flags[i];
		n++;
	}
	if (n != filter->n) {
		vmmig_mem_free(mem);
		return ERR_PTR(-ENXIO);
	}
	mem->layout.nr_slots = n;
aliases:
	if (!IS_ERR(mem))
		vmmig_mem_find_aliases(mem);
	return mem;
}

/**
 * vmmig_mem_alloc() - an empty layout, for the VMM's (vmmig_mem_add()).
 *
 * Return: the layout, or NULL.
 */
struct vmmig_mem *vmmig_mem_alloc(void)
{
	struct vmmig_mem *mem = kvzalloc_obj(*mem, GFP_KERNEL_ACCOUNT);

	if (mem)
		mem->layout.page_size = PAGE_SIZE;
	return mem;
}

/**
 * vmmig_mem_dup() - a copy of @mem, for a worker to own.
 * @mem: a layout.
 *
 * Return: the copy, or ERR_PTR(-ENOMEM).
 */
struct vmmig_mem *vmmig_mem_dup(const struct vmmig_mem *mem)
{
	struct vmmig_mem *copy = kvmalloc(sizeof(*mem), GFP_KERNEL_ACCOUNT);

	if (!copy)
		return ERR_PTR(-ENOMEM);
	memcpy(copy, mem, sizeof(*mem));
	return copy;
}

/**
 * vmmig_mem_add() - add a memslot the VMM describes to @mem.
 * @mem: a layout from vmmig_mem_alloc(), kept in slot order.
 * @ms: the memslot: (address space << 16) | id, base gfn, pages.
 * @hva: where the VMM maps it.
 *
 * Return: 0; -E2BIG past VMMIG_WIRE_MAX_SLOTS; -EINVAL for an address
 * space KVM does not have, an id past KVM's user memslots, or no pages;
 * -ERANGE for guest addresses that wrap around; -EEXIST for a slot given
 * twice; -EADDRINUSE for guest addresses another slot of the same
 * address space has.
 */
int vmmig_mem_add(struct vmmig_mem *mem, const struct vmmig_wire_mslot *ms,
		  unsigned long hva)
{
	u32 n = mem->layout.nr_slots, i;

	if (n == VMMIG_WIRE_MAX_SLOTS)
		return -E2BIG;
	if ((ms->slot >> 16) >= VMMIG_KVM_MAX_AS ||
	    (ms->slot & 0xffff) >= KVM_USER_MEM_SLOTS || !ms->npages)
		return -EINVAL;
	if (ms->base_gfn + ms->npages < ms->base_gfn ||
	    ms->base_gfn + ms->npages > (U64_MAX >> PAGE_SHIFT))
		return -ERANGE;
	for (i = 0; i < n; i++) {
		const struct vmmig_wire_mslot *o = &mem->layout.slots[i];

		if (o->slot == ms->slot)
			return -EEXIST;
		if ((o->slot >> 16) == (ms->slot >> 16) &&
		    ms->base_gfn < o->base_gfn + o->npages &&
		    o->base_gfn < ms->base_gfn + ms->npages)
			return -EADDRINUSE;
	}
	vmmig_mem_insert(mem, ms, hva, 0);
	return 0;
}

/**
 * vmmig_mem_check_hva() - is [@hva, @hva + @size) memory of the current
 * process that vmmig can write pages into?
 * @hva: start, page aligned.
 * @size: bytes, a multiple of the page size.
 *
 * Every byte must be mapped, writable, and neither I/O nor PFN-mapped
 * memory (a device BAR, say), which has no pages to write.  Checked when
 * the VMM hands the layout over; it owns the mappings afterwards (a write
 * that faults fails the session with io-error).
 *
 * Return: 0, -EFAULT (not all mapped, or not a user address), -EACCES
 * (not writable) or -EINVAL (I/O or PFN mapping).
 */
int vmmig_mem_check_hva(unsigned long hva, u64 size)
{
	struct mm_struct *mm = current->mm;
	unsigned long end = hva + size;
	struct vm_area_struct *vma;
	int err = 0;

	if (!mm || end < hva || !access_ok((void __user *)hva, size))
		return -EFAULT;
	mmap_read_lock(mm);
	while (hva < end) {
		vma = vma_lookup(mm, hva);
		if (!vma) {
			err = -EFAULT;
			break;
		}
		if (!(vma->vm_flags & VM_WRITE)) {
			err = -EACCES;
			break;
		}
		if (vma->vm_flags & (VM_IO | VM_PFNMAP)) {
			err = -EINVAL;
			break;
		}
		hva = vma->vm_end;
	}
	mmap_read_unlock(mm);
	return err;
}

/*
 * Does every page of @vma read as zero, and keep reading so until written?
 * Private anonymous memory without an anon_vma has never held a page of
 * its own (a fault that maps one, a swapped-out page, a KSM page all need
 * it); a read would map the shared zero page.  Not if userfaultfd handles
 * its missing pages (their content is the handler's), nor PFN or mixed
 * maps, whose pages a driver inserts.
 */
static bool vmmig_mem_vma_fresh(struct vm_area_struct *vma)
{
	return vma_is_anonymous(vma) && !(vma->vm_flags & VM_SHARED) &&
	       !(vma->vm_flags & (VM_IO | VM_PFNMAP | VM_MIXEDMAP)) &&
	       !userfaultfd_armed(vma) && !READ_ONCE(vma->anon_vma);
}

/* Does layout slot @i's host memory overlap another slot's? */
static bool vmmig_mem_hva_shared(const struct vmmig_mem *mem, u32 i)
{
	unsigned long start = mem->hva[i], end = vmmig_mem_hva_end(mem, i);
	u32 j;

	for (j = 0; j < mem->layout.nr_slots; j++)
		if (j != i && start < vmmig_mem_hva_end(mem, j) &&
		    mem->hva[j] < end)
			return true;
	return false;
}

/* Set the pages of layout slot @i that read as zero in @bits. */
static void vmmig_mem_zmap_slot(const struct vmmig_mem *mem, u32 i,
				unsigned long *bits)
{
	struct mm_struct *mm = current->mm;
	unsigned long start = mem->hva[i], hva = start;
	unsigned long end = vmmig_mem_hva_end(mem, i);
	struct vm_area_struct *vma;

	mmap_read_lock(mm);
	while (hva < end && (vma = vma_lookup(mm, hva))) {
		unsigned long next = min(vma->vm_end, end);

		if (vmmig_mem_vma_fresh(vma))
			bitmap_set(bits, (hva - start) >> PAGE_SHIFT,
				   (next - hva) >> PAGE_SHIFT);
		hva = next;
	}
	mmap_read_unlock(mm);
}

/**
 * vmmig_mem_zmap_create() - which pages of @mem read as zero now.
 * @mem: the destination's layout; runs with the VMM's mm in use.
 *
 * A slot whose host memory another slot shares (an alias) has none: a
 * write through one would not clear the other's bits.  A slot whose bitmap
 * cannot be allocated has none either; its pages are looked at.
 *
 * Return: the map (its bits NULL where no page qualifies), or NULL.
 */
struct vmmig_mem_zmap *vmmig_mem_zmap_create(const struct vmmig_mem *mem)
{
	struct vmmig_mem_zmap *zm = kvzalloc_obj(*zm, GFP_KERNEL_ACCOUNT);
	u32 i;

	if (!zm)
		return NULL;
	for (i = 0; i < mem->layout.nr_slots; i++) {
		u64 npages = mem->layout.slots[i].npages;
		unsigned long *bits;

		if (vmmig_mem_hva_shared(mem, i))
			continue;
		bits = kvcalloc(BITS_TO_LONGS(npages), sizeof(long),
				GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		if (!bits)
			continue;
		vmmig_mem_zmap_slot(mem, i, bits);
		if (find_first_bit(bits, npages) < npages)
			zm->bits[i] = bits;
		else
			kvfree(bits);
	}
	return zm;
}

void vmmig_mem_zmap_free(struct vmmig_mem_zmap *zm,
			 const struct vmmig_mem *mem)
{
	u32 i;

	if (!zm)
		return;
	for (i = 0; i < mem->layout.nr_slots; i++)
		kvfree(zm->bits[i]);
	kvfree(zm);
}

void vmmig_mem_free(struct vmmig_mem *mem)
{
	kvfree(mem);
}

/**
 * vmmig_mem_same() - do two snapshots describe the same memory?
 * @a: a snapshot.
 * @b: another.
 *
 * Return: true if both have the same memslots, at the same guest and host
 * addresses, with the same flags (dirty logging included).
 */
bool vmmig_mem_same(const struct vmmig_mem *a, const struct vmmig_mem *b)
{
	u32 i;

	if (a->layout.nr_slots != b->layout.nr_slots)
		return false;
	for (i = 0; i < a->layout.nr_slots; i++) {
		const struct vmmig_wire_mslot *x = &a->layout.slots[i];
		const struct vmmig_wire_mslot *y = &b->layout.slots[i];

		if (x->slot != y->slot || x->base_gfn != y->base_gfn ||
		    x->npages != y->npages || a->hva[i] != b->hva[i] ||
		    a->flags[i] != b->flags[i])
			return false;
	}
	return true;
}

/* The generation of address space @as's memslots: it moves on every change. */
u64 vmmig_mem_generation(struct kvm *kvm, int as)
{
	u64 gen;
	int idx;

	idx = srcu_read_lock(&kvm->srcu);
	gen = __kvm_memslots(kvm, as)->generation;
	srcu_read_unlock(&kvm->srcu, idx);
	return gen;
}

/**
 * vmmig_mem_find() - the layout index of memslot @slot.
 * @mem: a snapshot.
 * @slot: (address space << 16) | id, as KVM's dirty ring reports it.
 *
 * Return: the index, or -ENOENT.
 */
int vmmig_mem_find(const struct vmmig_mem *mem, u32 slot)
{
	u32 lo = 0, hi = mem->layout.nr_slots;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		u32 cur = mem->layout.slots[mid].slot;

		if (cur == slot)
			return mid;
		if (cur < slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -ENOENT;
}

/*
 * The layout slot of address space 0 that holds @gfn, or -ENOENT.  Guest
 * physical addresses the VMM names are those of address space 0.
 */
int vmmig_mem_find_gfn(const struct vmmig_mem *mem, u64 gfn)
{
	u32 i;

	for (i = 0; i < mem->layout.nr_slots; i++) {
		const struct vmmig_wire_mslot *ms = &mem->layout.slots[i];

		if ((ms->slot >> 16) == 0 && gfn >= ms->base_gfn &&
		    gfn - ms->base_gfn < ms->npages)
			return i;
	}
	return -ENOENT;
}

