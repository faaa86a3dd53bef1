// SPDX-License-Identifier: GPL-2.0
/*
 * Harvesting KVM's dirty rings in the kernel (see dirty.h for the rules).
 *
 * Every vCPU has a ring of struct kvm_dirty_gfn shared with KVM.  KVM
 * pushes an entry (flags DIRTY, written with release semantics) the first
 * time the guest writes a page after it was last protected.  A harvester
 * reads entries in order from its own fetch index, with acquire semantics,
 * and marks each harvested entry RESET (release).  KVM_RESET_DIRTY_RINGS
 * then walks every ring from KVM's reset index over RESET entries,
 * re-protects those pages and frees the entries.  The VMM must not harvest
 * a ring while a session tracks it.
 */
#include <linux/bitmap.h>
#include <linux/ktime.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "dirty.h"
#include "mem.h"
#include "vm.h"

#define VMMIG_DIRTY_BUF		4096U	/* entries harvested per reset */
#define VMMIG_FETCH_UNSEEN	U32_MAX

static_assert(ARRAY_SIZE(((struct vmmig_dirty *)0)->generation) >=
	      VMMIG_KVM_NR_AS);

void vmmig_dirty_init(struct vmmig_dirty *d, const struct vmmig_vm *vm)
{
	mutex_init(&d->lock);
	d->vm = vm;
}

/* Re-protect what was harvested, then account it in the bitmaps. */
static int vmmig_dirty_flush(struct vmmig_dirty *d)
{
	unsigned int i;
	long ret;

	lockdep_assert_held(&d->lock);
	ret = vmmig_vm_ioctl(d->vm, KVM_RESET_DIRTY_RINGS, 0);
	if (ret < 0)
		return ret;	/* keep the entries: the next reset covers them */
	for (i = 0; i < d->nr_buf; i++) {
		const struct vmmig_dirty_gfn *g = &d->buf[i];

		if (!__test_and_set_bit(g->offset, d->bitmap[g->slot_index])) {
			d->nr_dirty++;
			d->newly_dirty++;
		}
	}
	d->nr_buf = 0;
	return 0;
}

/* Has the VMM changed the memslots (or turned our logging off)? */
static int vmmig_dirty_check_slots(struct vmmig_dirty *d)
{
	struct vmmig_mem *now;
	bool changed = false, same;
	int as;

	lockdep_assert_held(&d->lock);
	for (as = 0; as < VMMIG_KVM_NR_AS; as++)
		if (vmmig_mem_generation(d->vm->kvm, as) != d->generation[as])
			changed = true;
	if (!changed)
		return 0;
	/* Read the generations first: a change after this is seen next time. */
	for (as = 0; as < VMMIG_KVM_NR_AS; as++)
		d->generation[as] = vmmig_mem_generation(d->vm->kvm, as);
	now = vmmig_mem_snapshot(d->vm->kvm);
	if (IS_ERR(now))
		return PTR_ERR(now) == -ENOMEM ? -ENOMEM : -ESTALE;
	same = vmmig_mem_same(d->logged, now, 0);
	vmmig_mem_free(now);
	return same ? 0 : -ESTALE;
}

/* Harvest one vCPU's ring into the buffer, flushing when it fills. */
static int vmmig_dirty_harvest_ring(struct vmmig_dirty *d,
				    struct kvm_vcpu *vcpu, u64 *count)
{
	struct kvm_dirty_ring *ring = &vcpu->dirty_ring;
	u32 fetch, idx = vcpu->vcpu_idx;
	int err;

	lockdep_assert_held(&d->lock);
	if (!ring->dirty_gfns || !ring->size || idx >= d->nr_vcpus)
		return 0;
	fetch = d->fetch[idx];
	if (fetch == VMMIG_FETCH_UNSEEN)
		fetch = READ_ONCE(ring->reset_index);
	/*
	 * KVM resets only entries marked harvested, all behind our fetch
	 * index, unless someone else (the VMM) harvested this ring too: then
	 * entries were lost to us and so may be dirty pages.
	 */
	if ((s32)(READ_ONCE(ring->reset_index) - fetch) > 0)
		return -EBUSY;

	for (;;) {
		struct kvm_dirty_gfn *e = &ring->dirty_gfns[fetch & (ring->size - 1)];
		u32 slot;
		u64 offset;
		int si;

		/* Pairs with KVM's release of DIRTY: slot/offset are valid. */
		if (!(smp_load_acquire(&e->flags) & KVM_DIRTY_GFN_F_DIRTY))
			break;
		slot = READ_ONCE(e->slot);
		offset = READ_ONCE(e->offset);
		/* Read slot/offset before KVM may reuse the entry. */
		smp_store_release(&e->flags, KVM_DIRTY_GFN_F_RESET);
		fetch++;
		(*count)++;

		/* KVM's internal memslots are not logged nor migrated. */
		si = vmmig_mem_find(d->mem, slot);
		if (si < 0 || offset >= d->mem->layout.slots[si].npages)
			continue;
		d->buf[d->nr_buf++] = (struct vmmig_dirty_gfn) {
			.slot_index = si,
			.offset = offset,
		};
		if (d->nr_buf == VMMIG_DIRTY_BUF) {
			err = vmmig_dirty_flush(d);
			if (err) {
				d->fetch[idx] = fetch;
				return err;
			}
		}
	}
	d->fetch[idx] = fetch;
	return 0;
}

/**
 * vmmig_dirty_harvest() - harvest every vCPU's ring, reset them, and mark
 * the pages dirty.
 * @d: a tracking dirty state.
 * @ns: set to the time spent harvesting and resetting, ns: under @d->lock,
 *	so not the wait for it (0 if not tracking); also on error.
 *
 * Runs in the worker (with the VMM's mm in use) or in a VMM thread.
 *
 * Return: entries harvested, 0 if not tracking, -ESTALE if the memslots
 * changed, -EBUSY if someone else harvests the rings, or the reset's error
 * (-EINTR: a signal is pending).
 */
int vmmig_dirty_harvest(struct vmmig_dirty *d, u64 *ns)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;
	u64 count = 0, t0;
	int err;

	*ns = 0;
	mutex_lock(&d->lock);
	if (!d->tracking) {
		mutex_unlock(&d->lock);
		return 0;
	}
	t0 = ktime_get_ns();
	err = vmmig_dirty_check_slots(d);
	kvm_for_each_vcpu(i, vcpu, d->vm->kvm) {
		if (err)
			break;
		err = vmmig_dirty_harvest_ring(d, vcpu, &count);
	}
	if (!err && d->nr_buf)
		err = vmmig_dirty_flush(d);
	*ns = ktime_get_ns() - t0;
	mutex_unlock(&d->lock);
	return err ? err : min_t(u64, count, INT_MAX);
}

/* Turn dirty logging on or off for layout slot @i, with the ioctl. */
static int vmmig_dirty_set_logging(struct vmmig_dirty *d,
				   struct kvm_userspace_memory_region __user *u,
				   u32 i, bool on)
{
	const struct vmmig_wire_mslot *ms = &d->mem->layout.slots[i];
	struct kvm_userspace_memory_region r = {
		.slot = ms->slot,
		.flags = on ? d->orig_flags[i] | KVM_MEM_LOG_DIRTY_PAGES :
			      d->orig_flags[i],
		.guest_phys_addr = ms->base_gfn << PAGE_SHIFT,
		.memory_size = ms->npages << PAGE_SHIFT,
		.userspace_addr = d->mem->hva[i],
	};

	if (d->orig_flags[i] & KVM_MEM_LOG_DIRTY_PAGES)
		return 0;	/* the VMM logs it itself; leave it so */
	if (copy_to_user(u, &r, sizeof(r)))
		return -EFAULT;
	return vmmig_vm_ioctl(d->vm, KVM_SET_USER_MEMORY_REGION,
			      (unsigned long)u);
}

/*
 * Set logging on slots [0, @n) to @on.  KVM takes the memslot description
 * from user memory: borrow a page of the VMM's address space for it.
 */
static int vmmig_dirty_logging(struct vmmig_dirty *d, u32 n, bool on)
{
	unsigned long addr;
	int err = 0;
	u32 i;

	addr = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (IS_ERR_VALUE(addr))
		return (int)addr;
	for (i = 0; i < n; i++) {
		int ret = vmmig_dirty_set_logging(d, (void __user *)addr, i, on);

		/* Turning off goes on: leave as little logging as possible. */
		if (ret && !err)
			err = ret;
		if (ret && on)
			break;
	}
	vm_munmap(addr, PAGE_SIZE);
	return err;
}

static void vmmig_dirty_free(struct vmmig_dirty *d)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(d->bitmap); i++) {
		bitmap_free(d->bitmap[i]);
		d->bitmap[i] = NULL;
	}
	kvfree(d->fetch);
	kvfree(d->last_exit_ns);
	kvfree(d->buf);
	vmmig_mem_free(d->logged);
	d->fetch = NULL;
	d->last_exit_ns = NULL;
	d->buf = NULL;
	d->logged = NULL;
	d->nr_dirty = 0;
	d->nr_buf = 0;
}

/**
 * vmmig_dirty_start() - turn dirty logging on for every memslot of @mem
 * and start tracking.
 * @d: dirty state, not tracking.
 * @mem: the session's layout; must outlive tracking.
 *
 * Runs in the session's worker with the VMM's mm in use.  The VM must have
 * its dirty ring enabled.  Nothing is marked dirty: the first round sends
 * everything anyway (vmmig_dirty_mark_all()).
 *
 * Return: 0, -EOPNOTSUPP without a dirty ring, -ENOMEM, -ESTALE if the
 * memslots changed meanwhile, or KVM's error.
 */
int vmmig_dirty_start(struct vmmig_dirty *d, const struct vmmig_mem *mem)
{
	struct kvm *kvm = d->vm->kvm;
	int as, err;
	long ret;
	u32 i;

	if (!READ_ONCE(kvm->dirty_ring_size))
		return -EOPNOTSUPP;
	d->mem = mem;
	d->nr_vcpus = KVM_MAX_VCPUS;
	d->fetch = kvmalloc_array(d->nr_vcpus, sizeof(*d->fetch), GFP_KERNEL);
	d->last_exit_ns = kvcalloc(d->nr_vcpus, sizeof(*d->last_exit_ns),
				   GFP_KERNEL);
	d->buf = kvmalloc_array(VMMIG_DIRTY_BUF, sizeof(*d->buf), GFP_KERNEL);
	err = -ENOMEM;
	if (!d->fetch || !d->last_exit_ns || !d->buf)
		goto out_free;
	memset(d->fetch, 0xff, d->nr_vcpus * sizeof(*d->fetch));
	for (i = 0; i < mem->layout.nr_slots; i++) {
		d->bitmap[i] = bitmap_zalloc(mem->layout.slots[i].npages,
					     GFP_KERNEL_ACCOUNT);
		if (!d->bitmap[i])
			goto out_free;
		d->orig_flags[i] = mem->flags[i];
	}

	/* Whatever the rings held from before is not ours: free it. */
	ret = vmmig_vm_ioctl(d->vm, KVM_RESET_DIRTY_RINGS, 0);
	if (ret < 0) {
		err = ret;
		goto out_free;
	}
	err = vmmig_dirty_logging(d, mem->layout.nr_slots, true);
	if (err)
		goto out_logging;

	/* From here on a memslot change fails the session. */
	for (as = 0; as < VMMIG_KVM_NR_AS; as++)
		d->generation[as] = vmmig_mem_generation(kvm, as);
	d->logged = vmmig_mem_snapshot(kvm);
	if (IS_ERR(d->logged)) {
		err = PTR_ERR(d->logged);
		d->logged = NULL;
		goto out_logging;
	}
	err = -ESTALE;
	if (!vmmig_mem_same(mem, d->logged, KVM_MEM_LOG_DIRTY_PAGES))
		goto out_logging;
	for (i = 0; i < mem->layout.nr_slots; i++)
		if (!(d->logged->flags[i] & KVM_MEM_LOG_DIRTY_PAGES))
			goto out_logging;

	mutex_lock(&d->lock);
	d->tracking = true;
	mutex_unlock(&d->lock);
	return 0;

out_logging:
	vmmig_dirty_logging(d, mem->layout.nr_slots, false);
out_free:
	vmmig_dirty_free(d);
	return err;
}

/**
 * vmmig_dirty_stop() - stop tracking: logging off, rings drained and reset.
 * @d: dirty state; tracking or not.
 *
 * Runs in the session's worker with the VMM's mm in use.  Afterwards no
 * vCPU's ring is soft-full because of vmmig, and the handlers of VMM calls
 * see @tracking false and return at once.
 */
void vmmig_dirty_stop(struct vmmig_dirty *d)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;
	u64 count = 0;

	mutex_lock(&d->lock);
	if (!d->tracking) {
		mutex_unlock(&d->lock);
		return;
	}
	d->tracking = false;
	vmmig_dirty_logging(d, d->mem->layout.nr_slots, false);
	/* Logging is off: what the rings hold now is all there will be. */
	kvm_for_each_vcpu(i, vcpu, d->vm->kvm) {
		d->nr_buf = 0;
		if (vmmig_dirty_harvest_ring(d, vcpu, &count))
			break;
	}
	d->nr_buf = 0;
	vmmig_vm_ioctl(d->vm, KVM_RESET_DIRTY_RINGS, 0);
	vmmig_dirty_free(d);
	mutex_unlock(&d->lock);
}

/* Round 0: every page is to be sent. */
void vmmig_dirty_mark_all(struct vmmig_dirty *d)
{
	u32 i;

	mutex_lock(&d->lock);
	if (d->tracking) {
		d->nr_dirty = 0;
		for (i = 0; i < d->mem->layout.nr_slots; i++) {
			bitmap_fill(d->bitmap[i], d->mem->layout.slots[i].npages);
			d->nr_dirty += d->mem->layout.slots[i].npages;
		}
	}
	mutex_unlock(&d->lock);
}

/**
 * vmmig_dirty_mark_gpa() - the VMM wrote guest memory itself: mark it.
 * @d: dirty state.
 * @gpa: first byte written.
 * @len: bytes written, at least 1.
 * @pages: set to the pages marked.
 *
 * The range may span memslots but every page of it must be guest memory.
 *
 * Return: 0, -ENOENT if not tracking, -ERANGE if a page of the range is
 * in no memslot (nothing is marked then).
 */
int vmmig_dirty_mark_gpa(struct vmmig_dirty *d, u64 gpa, u64 len, u64 *pages)
{
	u64 gfn, last;
	int err = 0, i;

	*pages = 0;
	mutex_lock(&d->lock);
	if (!d->tracking) {
		err = -ENOENT;
		goto out;
	}
	if (!vmmig_mem_has_range(d->mem, gpa, len)) {
		err = -ERANGE;
		goto out;
	}
	last = (gpa + len - 1) >> PAGE_SHIFT;
	for (gfn = gpa >> PAGE_SHIFT; gfn <= last; gfn++) {
		i = vmmig_mem_find_gfn(d->mem, gfn);
		if (WARN_ON_ONCE(i < 0))
			break;
		if (!__test_and_set_bit(gfn - d->mem->layout.slots[i].base_gfn,
					d->bitmap[i])) {
			d->nr_dirty++;
			d->newly_dirty++;
		}
		if (!(++(*pages) % 4096))
			cond_resched();
	}
out:
	mutex_unlock(&d->lock);
	return err;
}

/**
 * vmmig_dirty_take() - take the next run of dirty pages of one memslot.
 * @d: dirty state.
 * @slot_index: layout slot.
 * @pos: in: first page to look at; out: first page of the run.
 * @max: longest run.
 *
 * The run's bits are cleared: the caller must read the pages after this
 * (and send them, or mark them again if it cannot).
 *
 * Return: pages in the run, 0 when the slot has no dirty page from *@pos.
 */
unsigned int vmmig_dirty_take(struct vmmig_dirty *d, u32 slot_index,
			      u64 *pos, unsigned int max)
{
	u64 npages, first, end;
	unsigned int n = 0;

	mutex_lock(&d->lock);
	if (!d->tracking)
		goto out;
	npages = d->mem->layout.slots[slot_index].npages;
	first = find_next_bit(d->bitmap[slot_index], npages, *pos);
	if (first >= npages)
		goto out;
	end = find_next_zero_bit(d->bitmap[slot_index],
				 min_t(u64, npages, first + max), first);
	n = end - first;
	bitmap_clear(d->bitmap[slot_index], first, n);
	d->nr_dirty -= n;
	*pos = first;
out:
	mutex_unlock(&d->lock);
	return n;
}

/* Pages marked dirty and not taken yet. */
u64 vmmig_dirty_remaining(struct vmmig_dirty *d)
{
	u64 n;

	mutex_lock(&d->lock);
	n = d->nr_dirty;
	mutex_unlock(&d->lock);
	return n;
}

/* Pages that became dirty since the last call. */
u64 vmmig_dirty_newly(struct vmmig_dirty *d)
{
	u64 n;

	mutex_lock(&d->lock);
	n = d->newly_dirty;
	d->newly_dirty = 0;
	mutex_unlock(&d->lock);
	return n;
}

/**
 * vmmig_dirty_note_exit() - a vCPU's last ring-full exit, for the throttle.
 * @d: dirty state.
 * @vcpu_idx: the vCPU's index.
 * @now: time to record (ns), or 0 to only read.
 *
 * Return: the time recorded before, 0 if none (or not tracking).
 */
u64 vmmig_dirty_note_exit(struct vmmig_dirty *d, u32 vcpu_idx, u64 now)
{
	u64 prev = 0;

	mutex_lock(&d->lock);
	if (d->tracking && vcpu_idx < d->nr_vcpus) {
		prev = d->last_exit_ns[vcpu_idx];
		if (now)
			d->last_exit_ns[vcpu_idx] = now;
	}
	mutex_unlock(&d->lock);
	return prev;
}
