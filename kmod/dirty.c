// SPDX-License-Identifier: GPL-2.0
/*
 * Harvesting KVM's dirty rings in the kernel (see dirty.h for the rules).
 *
 * Every vCPU has a ring of struct kvm_dirty_gfn shared with KVM.  KVM
 * pushes an entry (slot and offset, then flags DIRTY with release
 * semantics, then its producer index dirty_index) the first time the guest
 * writes a page after it was last protected.  A harvester reads entries in
 * order from its own fetch index up to dirty_index, with acquire
 * semantics, and marks each harvested entry RESET (release).
 * KVM_RESET_DIRTY_RINGS then walks every ring from KVM's reset index over
 * RESET entries, re-protects those pages and frees the entries.
 */
#include <linux/bitmap.h>
#include <linux/kvm_host.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/slab.h>

#include "compat.h"
#include "dirty.h"
#include "mem.h"
#include "vm.h"

#define VMMIG_DIRTY_BUF		4096U	/* entries harvested per reset */
#define VMMIG_FETCH_UNSEEN	U32_MAX

static_assert(ARRAY_SIZE(((struct vmmig_dirty *)0)->generation) >=
	      VMMIG_KVM_MAX_AS);

void vmmig_dirty_init(struct vmmig_dirty *d, const struct vmmig_vm *vm,
		      const struct vmmig_mem_filter *filter)
{
	mutex_init(&d->lock);
	d->vm = vm;
	d->filter = filter;
}

/* The session is freed: what stop kept for session-get goes too. */
void vmmig_dirty_release(struct vmmig_dirty *d)
{
	kvfree(d->ends);
	d->ends = NULL;
	mutex_destroy(&d->lock);
}

/*
 * KVM_RESET_DIRTY_RINGS.  From 6.16 KVM stops a reset early when a signal
 * is pending and still returns a count, and the batch of pages it was
 * gathering then is never re-protected.  So resets run with every signal
 * blocked (vmmig_dirty_harvest() blocks them: a VMM kicking its vCPU
 * threads with signals does not get in the way), and a signal that is
 * pending all the same (SIGKILL, a task work notification) makes the
 * reset worthless.
 *
 * Return: 0, -EINTR if a signal was pending before (nothing was done: try
 * again), -EIO if one became pending during the reset (pages may be
 * writable without an entry to come: the session must fail), or KVM's
 * error.
 */
static int vmmig_dirty_reset(struct vmmig_dirty *d)
{
	long ret;

	if (signal_pending(current))
		return -EINTR;
	ret = vmmig_vm_ioctl(d->vm, KVM_RESET_DIRTY_RINGS, 0);
	if (ret < 0)
		return ret;
	return signal_pending(current) ? -EIO : 0;
}

/*
 * Did KVM reset every entry harvested?  Each ring's reset index must have
 * reached the fetch index: entries behind it that KVM did not free were
 * harvested by someone else too (the VMM), or the reset stopped early.
 */
static int vmmig_dirty_verify(struct vmmig_dirty *d)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

	lockdep_assert_held(&d->lock);
	kvm_for_each_vcpu(i, vcpu, d->vm->kvm) {
		u32 idx = vcpu->vcpu_idx;

		if (idx < d->nr_vcpus && d->fetch[idx] != VMMIG_FETCH_UNSEEN &&
		    READ_ONCE(vcpu->dirty_ring.reset_index) != d->fetch[idx])
			return -EBUSY;
	}
	return 0;
}

/*
 * Re-protect what was harvested, then account it in the bitmaps.  A reset
 * that went wrong after it started fails every later harvest (@error).
 */
static int vmmig_dirty_flush(struct vmmig_dirty *d)
{
	unsigned int i;
	int err;

	lockdep_assert_held(&d->lock);
	if (d->error)
		return d->error;
	err = vmmig_dirty_reset(d);
	if (err == -EINTR)
		return err;	/* keep the entries: the next reset covers them */
	if (!err)
		err = vmmig_dirty_verify(d);
	if (err) {
		d->error = err;
		return err;
	}
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

/* Has the VMM changed the memslots (or turned logging off)? */
static int vmmig_dirty_check_slots(struct vmmig_dirty *d)
{
	struct kvm *kvm = d->vm->kvm;
	struct vmmig_mem *now;
	bool changed = false, same;
	int as;

	lockdep_assert_held(&d->lock);
	if (d->error == -ESTALE)
		return -ESTALE;
	for (as = 0; as < vmmig_kvm_nr_as(kvm); as++)
		if (vmmig_mem_generation(kvm, as) != d->generation[as])
			changed = true;
	if (!changed)
		return 0;
	/* Read the generations first: a change after this is seen next time. */
	for (as = 0; as < vmmig_kvm_nr_as(kvm); as++)
		d->generation[as] = vmmig_mem_generation(kvm, as);
	now = vmmig_mem_source(kvm, d->filter);
	if (IS_ERR(now))
		return PTR_ERR(now) == -ENOMEM ? -ENOMEM : -ESTALE;
	same = vmmig_mem_same(d->mem, now);
	vmmig_mem_free(now);
	if (same)
		return 0;
	/*
	 * Sticky: the generation is seen once, by whichever caller harvests
	 * first, often a vCPU thread at a ring-full exit; the worker must
	 * see the change too.
	 */
	d->error = -ESTALE;
	return -ESTALE;
}

/*
 * Harvest one vCPU's ring into the buffer, flushing when it fills.  Only
 * entries KVM produced count: the loop stops at KVM's own producer index
 * (kernel memory), whatever a VMM thread writes into the shared ring, and
 * takes at most one ring's worth per call.
 */
static int vmmig_dirty_harvest_ring(struct vmmig_dirty *d,
				    struct kvm_vcpu *vcpu, u64 *count)
{
	struct kvm_dirty_ring *ring = &vcpu->dirty_ring;
	u32 fetch, end, n, idx = vcpu->vcpu_idx;
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
	end = READ_ONCE(ring->dirty_index);
	n = min_t(u32, end - fetch, ring->size);

	for (; n; n--) {
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
		d->fetch[idx] = ++fetch;
		(*count)++;

		/*
		 * KVM's internal memslots and those the VMM does not migrate
		 * are not; an alias's page is its canonical slot's.
		 */
		si = vmmig_mem_find(d->mem, slot);
		if (si < 0 || offset >= d->mem->layout.slots[si].npages)
			continue;
		si = vmmig_mem_canonical(d->mem, si, &offset);
		d->buf[d->nr_buf++] = (struct vmmig_dirty_gfn) {
			.slot_index = si,
			.offset = offset,
		};
		if (d->nr_buf == VMMIG_DIRTY_BUF) {
			err = vmmig_dirty_flush(d);
			if (err)
				return err;
			cond_resched();
		}
	}
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
 * Signals are blocked meanwhile (see vmmig_dirty_reset()); in a VMM
 * thread they are delivered when this returns.
 *
 * Return: entries harvested, 0 if not tracking, -ESTALE if the memslots
 * changed, -EBUSY if someone else harvests the rings, -EINTR if a fatal
 * signal is pending (nothing lost), or another error of the reset, after
 * which every later call fails the same way.
 */
int vmmig_dirty_harvest(struct vmmig_dirty *d, u64 *ns)
{
	struct kvm_vcpu *vcpu;
	sigset_t all, old;
	unsigned long i;
	u64 count = 0, t0;
	int err;

	*ns = 0;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	mutex_lock(&d->lock);
	if (!d->tracking) {
		mutex_unlock(&d->lock);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return 0;
	}
	t0 = ktime_get_ns();
	err = vmmig_dirty_check_slots(d);
	/* A full buffer left by an interrupted flush goes first. */
	if (!err && d->nr_buf)
		err = vmmig_dirty_flush(d);
	kvm_for_each_vcpu(i, vcpu, d->vm->kvm) {
		if (err)
			break;
		err = vmmig_dirty_harvest_ring(d, vcpu, &count);
	}
	if (!err && d->nr_buf)
		err = vmmig_dirty_flush(d);
	*ns = ktime_get_ns() - t0;
	mutex_unlock(&d->lock);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return err ? err : min_t(u64, count, INT_MAX);
}

static void vmmig_dirty_free(struct vmmig_dirty *d)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(d->bitmap); i++) {
		kvfree(d->bitmap[i]);
		d->bitmap[i] = NULL;
	}
	kvfree(d->fetch);
	kvfree(d->last_exit_ns);
	kvfree(d->buf);
	d->fetch = NULL;
	d->last_exit_ns = NULL;
	d->buf = NULL;
	d->nr_dirty = 0;
	d->nr_buf = 0;
}

/**
 * vmmig_dirty_start() - take the VM's layout and start tracking it.
 * @d: dirty state, not tracking.
 *
 * Runs in the session's worker with the VMM's mm in use (and charged to
 * the VMM's memory cgroup).  The VM must have its dirty ring enabled and
 * the VMM must have turned dirty logging on for every memslot.  Nothing is
 * marked dirty: the first round sends everything anyway
 * (vmmig_dirty_mark_all()).
 *
 * Return: the layout (the caller frees it after vmmig_dirty_stop()), or
 * ERR_PTR(-EOPNOTSUPP) without a dirty ring, ERR_PTR(-ENODATA) if a
 * memslot does not log, ERR_PTR(-ENOMEM), or vmmig_mem_snapshot()'s or
 * the reset's error.
 */
struct vmmig_mem *vmmig_dirty_start(struct vmmig_dirty *d)
{
	struct kvm *kvm = d->vm->kvm;
	struct vmmig_mem *mem;
	int as, err;
	u32 i;

	if (!READ_ONCE(kvm->dirty_ring_size))
		return ERR_PTR(-EOPNOTSUPP);
	/* Generations first: a change after them is seen by the next check. */
	for (as = 0; as < vmmig_kvm_nr_as(kvm); as++)
		d->generation[as] = vmmig_mem_generation(kvm, as);
	mem = vmmig_mem_source(kvm, d->filter);
	if (IS_ERR(mem))
		return mem;
	err = -ENODATA;
	for (i = 0; i < mem->layout.nr_slots; i++)
		if (!(mem->flags[i] & KVM_MEM_LOG_DIRTY_PAGES))
			goto out_mem;

	err = -ENOMEM;
	d->nr_vcpus = KVM_MAX_VCPUS;
	d->fetch = kvmalloc_array(d->nr_vcpus, sizeof(*d->fetch),
				  GFP_KERNEL_ACCOUNT);
	d->last_exit_ns = kvcalloc(d->nr_vcpus, sizeof(*d->last_exit_ns),
				   GFP_KERNEL_ACCOUNT);
	d->buf = kvmalloc_array(VMMIG_DIRTY_BUF, sizeof(*d->buf),
				GFP_KERNEL_ACCOUNT);
	if (!d->fetch || !d->last_exit_ns || !d->buf)
		goto out_free;
	memset(d->fetch, 0xff, d->nr_vcpus * sizeof(*d->fetch));
	/* Any memslot size: 4 GiB of guest memory is 128 KiB of bitmap. */
	for (i = 0; i < mem->layout.nr_slots; i++) {
		d->bitmap[i] = kvcalloc(BITS_TO_LONGS(mem->layout.slots[i].npages),
					sizeof(unsigned long),
					GFP_KERNEL_ACCOUNT);
		if (!d->bitmap[i])
			goto out_free;
	}

	/* Entries the VMM harvested but did not reset: not ours, free them. */
	mutex_lock(&d->lock);
	d->mem = mem;
	err = vmmig_dirty_reset(d);
	if (!err) {
		d->tracking = true;
		d->closed = false;
		d->error = 0;
	}
	mutex_unlock(&d->lock);
	if (err)
		goto out_free;
	return mem;

out_free:
	vmmig_dirty_free(d);
out_mem:
	vmmig_mem_free(mem);
	d->mem = NULL;
	return ERR_PTR(err);
}

/**
 * vmmig_dirty_stop() - stop tracking: the rings drained and reset.
 * @d: dirty state; tracking or not.
 *
 * Runs in the session's worker with the VMM's mm in use.  What the rings
 * hold now is the VMM's to care about no more: it is harvested and reset,
 * so no vCPU stays soft-full because of vmmig, and where each ring stands
 * afterwards is kept for session-get.  A teardown's SIGKILL or
 * kthread_stop() may be pending: they are done with, and would stop the
 * reset.  The handlers of VMM calls see @tracking false and return.
 */
void vmmig_dirty_stop(struct vmmig_dirty *d)
{
	struct kvm *kvm = d->vm->kvm;
	struct kvm_vcpu *vcpu;
	unsigned int nr;
	unsigned long i;
	u64 count = 0;

	mutex_lock(&d->lock);
	if (!d->tracking) {
		mutex_unlock(&d->lock);
		return;
	}
	d->tracking = false;
	d->closed = true;	/* for good: see vmmig_dirty_mark() */
	d->error = 0;
	flush_signals(current);
	clear_notify_signal();
	kvm_for_each_vcpu(i, vcpu, kvm) {
		/* Nothing is marked any more: a full buffer is simply dropped. */
		d->nr_buf = 0;
		if (vmmig_dirty_harvest_ring(d, vcpu, &count))
			break;
	}
	d->nr_buf = 0;
	/* A late SIGKILL of a teardown may stop a reset: try again. */
	for (i = 0; i < 3; i++) {
		flush_signals(current);
		clear_notify_signal();
		if (!vmmig_dirty_reset(d) && !vmmig_dirty_verify(d))
			break;
	}

	nr = atomic_read(&kvm->online_vcpus);
	d->ends = kvmalloc_array(max(nr, 1U), sizeof(*d->ends),
				 GFP_KERNEL_ACCOUNT);
	d->nr_ends = 0;
	kvm_for_each_vcpu(i, vcpu, kvm) {
		if (!d->ends || d->nr_ends == nr)
			break;
		d->ends[d->nr_ends++] = (struct vmmig_dirty_ring_end) {
			.vcpu_id = vcpu->vcpu_id,
			.index = READ_ONCE(vcpu->dirty_ring.reset_index),
		};
	}
	vmmig_dirty_free(d);
	d->mem = NULL;
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
			/* An alias's pages go as its canonical slot's. */
			if (d->mem->alias[i])
				continue;
			bitmap_fill(d->bitmap[i], d->mem->layout.slots[i].npages);
			d->nr_dirty += d->mem->layout.slots[i].npages;
		}
	}
	mutex_unlock(&d->lock);
}

/*
 * Every page @r names: checked to be guest memory (@mem), and with @d
 * marked in its bitmaps too (@pages counts them).  -ERANGE at the first
 * page of no memslot.
 */
static int vmmig_dirty_walk(struct vmmig_dirty *d, const struct vmmig_mem *mem,
			    const struct vmmig_dirty_report *r, u64 *pages)
{
	const struct vmmig_wire_mslot *ms = NULL;
	unsigned int seen = 0;
	int i = -1;
	u64 k, off;
	u32 ci;

	for (k = 0; k < r->npages; k++) {
		u64 gfn = r->gfn + k;

		if (r->bits && !(r->bits[k / 8] & BIT(k % 8))) {
			if (!r->bits[k / 8])
				k |= 7;		/* a clear byte at once */
			continue;
		}
		if (!ms || gfn < ms->base_gfn ||
		    gfn - ms->base_gfn >= ms->npages) {
			i = vmmig_mem_find_gfn(mem, gfn);
			if (i < 0)
				return -ERANGE;
			ms = &mem->layout.slots[i];
		}
		if (!d) {
			/* A range is in this slot up to its end. */
			if (!r->bits)
				k = ms->base_gfn + ms->npages - 1 - r->gfn;
			continue;
		}
		off = gfn - ms->base_gfn;
		ci = vmmig_mem_canonical(mem, i, &off);
		if (!__test_and_set_bit(off, d->bitmap[ci])) {
			d->nr_dirty++;
			d->newly_dirty++;
		}
		(*pages)++;
		if (!(++seen % 4096))
			cond_resched();
	}
	return 0;
}

/**
 * vmmig_dirty_check() - are all pages of reports @r guest memory?
 * @mem: the layout to check against.
 * @r: the reports.
 * @n: how many.
 * @bad: set to the index of the first report that is not.
 *
 * Return: 0 or -ERANGE.
 */
int vmmig_dirty_check(const struct vmmig_mem *mem,
		      const struct vmmig_dirty_report *r, unsigned int n,
		      unsigned int *bad)
{
	unsigned int j;

	for (j = 0; j < n; j++) {
		if (vmmig_dirty_walk(NULL, mem, &r[j], NULL)) {
			*bad = j;
			return -ERANGE;
		}
	}
	return 0;
}

/**
 * vmmig_dirty_mark() - the VMM wrote guest memory itself: mark it.
 * @d: dirty state.
 * @r: what it wrote: ranges and bitmaps, which may span memslots but name
 *     only guest memory.
 * @n: how many reports.
 * @pages: set to the pages marked.
 * @bad: with -ERANGE, set to the index of the first report at fault.
 *
 * All or nothing: every report is checked before any page is marked.
 *
 * Return: 0, -ENOENT if not tracking yet (round 0 sends every page),
 * -EBUSY once the switchover's last harvest began or tracking ended (the
 * write is not migrated), -ERANGE if a page named is in no memslot
 * (nothing is marked then).
 */
int vmmig_dirty_mark(struct vmmig_dirty *d, const struct vmmig_dirty_report *r,
		     unsigned int n, u64 *pages, unsigned int *bad)
{
	unsigned int j;
	int err;

	*pages = 0;
	mutex_lock(&d->lock);
	/* Closed first: once tracking ended, a write is not migrated. */
	if (d->closed) {
		err = -EBUSY;
		goto out;
	}
	if (!d->tracking) {
		err = -ENOENT;
		goto out;
	}
	err = vmmig_dirty_check(d->mem, r, n, bad);
	for (j = 0; !err && j < n; j++)
		vmmig_dirty_walk(d, d->mem, &r[j], pages);
out:
	mutex_unlock(&d->lock);
	return err;
}

/*
 * The switchover's last harvest begins: VMM writes reported from now on
 * would not be sent, so they are refused (-EBUSY) instead.
 */
void vmmig_dirty_close(struct vmmig_dirty *d)
{
	mutex_lock(&d->lock);
	d->closed = true;
	mutex_unlock(&d->lock);
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
