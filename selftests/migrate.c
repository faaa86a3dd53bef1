// SPDX-License-Identifier: GPL-2.0
/*
 * Live migration of the stamp guest through vmmig.ko (see migrate.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "migrate.h"
#include "util.h"

#define MIG_WS_GPA	0x01000000UL	/* first working set: 16 MiB */
/* o->dst_layout: a BAR-like memslot the source does not have. */
#define MIG_BAR_GPA	0xfd000000ULL
#define MIG_BAR_SIZE	(2ULL << 20)
#define MIG_ALIAS_GPA	0x100000000ULL	/* o->alias_slot */
#define MIG_HOLE_GPA	0x140000000ULL	/* o->src_hole */

static uint64_t mig_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/*
 * The debug kernel (KASAN, lockdep, kmemleak) runs every test several
 * times slower: there run_tests.sh sets VMMIG_TEST_PROFILE=debug and the
 * tests use smaller guests that dirty five times slower, a 2 s downtime
 * (its link is a tenth of the others': with 500 ms a writing guest never
 * converges in time) and fewer repetitions.  Sizes, repetitions and
 * convergence are 6.1's and 6.12's job; the debug kernel's is to catch
 * memory and locking bugs on every path.
 */
bool mig_debug_profile(void)
{
	const char *p = getenv("VMMIG_TEST_PROFILE");

	return p && !strcmp(p, "debug");
}

void mig_opts_default(struct mig_opts *o)
{
	bool light = mig_debug_profile();

	memset(o, 0, sizeof(*o));
	o->mem_mib = light ? 256 : 1024;
	o->nr_vcpus = 2;
	o->ring_entries = 4096;
	o->ws_pages = light ? 2048 : 8192;
	o->delay = light ? 100000 : 20000;
	o->static_mib = light ? 8 : 32;
	o->params.downtime_ms = light ? 2000 : 500;
	o->timeout_s = 240;
	o->dst_delay = -1;
	o->src_skew = 1;
}

/* vCPU @i's working set; then the static data, from the second memslot. */
static uint32_t mig_ws_gpa(const struct mig_opts *o, unsigned int i)
{
	return MIG_WS_GPA + i * o->ws_pages * VMM_PAGE;
}

/*
 * KVM_EXIT_DIRTY_RING_FULL: vmmig drains the ring (and may hold the vCPU
 * to throttle it).  Without a session (nothing tracks the ring) let the
 * runner harvest it; never while a session does, which would take pages
 * from vmmig (it fails the session with dirty-log if that happens).
 */
static int mig_ring_full(void *ctx, unsigned int idx)
{
	struct mig_guest *g = ctx;
	uint32_t id = __atomic_load_n(&g->session, __ATOMIC_ACQUIRE);
	int err;

	if (!id)
		return 1;
	__atomic_add_fetch(&g->ring_full_calls, 1, __ATOMIC_RELAXED);
	do
		err = vmmig_session_ring_full(g->h[idx], id, idx);
	while (err == -EINTR);
	return err == -ENOENT ? 1 : 0;
}

static const struct vmm_runner_ops mig_ops = {
	.ring_full = mig_ring_full,
};

/**
 * __mig_guest_create() - a VM for the stamp guest with the dirty ring on.
 * @g: the guest to set up.
 * @o: sizes.
 * @boot: load the guest and set up its vCPUs and memory (a source); else
 *	leave memory zero for a migration to fill (a destination).
 */
/*
 * o->dst_layout: give a destination other KVM memslots than the source's,
 * as QEMU's has at incoming time: the first RAM slot split in two, every
 * slot with another id, and a BAR-like slot above RAM.  Guest memory
 * stays where it was (g->vm.slots still describes it as the source's), so
 * the guest runs on as before once migrated.
 */
static int mig_remap(struct mig_guest *g)
{
	const struct vmm_vm *vm = &g->vm;
	uint64_t size0 = vm->slots[0].npages * VMM_PAGE;
	uint64_t half = size0 / 2;
	struct kvm_userspace_memory_region r[4];
	unsigned int i;

	if (vm->nr_slots != 2 ||
	    vm->slots[1].gpa + vm->slots[1].npages * VMM_PAGE > MIG_BAR_GPA)
		return -EINVAL;
	for (i = 0; i < 2; i++) {
		struct kvm_userspace_memory_region del = {
			.slot = vm->slots[i].slot,
		};

		if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &del))
			return -errno;
	}
	g->bar = mmap(NULL, MIG_BAR_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->bar == MAP_FAILED) {
		g->bar = NULL;
		return -errno;
	}
	r[0] = (struct kvm_userspace_memory_region){
		.slot = 10, .guest_phys_addr = vm->slots[0].gpa,
		.memory_size = half, .userspace_addr = (uintptr_t)vm->mem[0],
	};
	r[1] = (struct kvm_userspace_memory_region){
		.slot = 11, .guest_phys_addr = vm->slots[0].gpa + half,
		.memory_size = size0 - half,
		.userspace_addr = (uintptr_t)vm->mem[0] + half,
	};
	r[2] = (struct kvm_userspace_memory_region){
		.slot = 12, .guest_phys_addr = vm->slots[1].gpa,
		.memory_size = vm->slots[1].npages * VMM_PAGE,
		.userspace_addr = (uintptr_t)vm->mem[1],
	};
	r[3] = (struct kvm_userspace_memory_region){
		.slot = 13, .guest_phys_addr = MIG_BAR_GPA,
		.memory_size = MIG_BAR_SIZE, .userspace_addr = (uintptr_t)g->bar,
	};
	for (i = 0; i < 4; i++)
		if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r[i]))
			return -errno;
	return 0;
}

/* o->alias_slot: memslot 2, memslot 1's memory at MIG_ALIAS_GPA. */
static int mig_add_alias(struct mig_guest *g)
{
	struct vmm_vm *vm = &g->vm;
	struct kvm_userspace_memory_region r = {
		.slot = 2, .guest_phys_addr = MIG_ALIAS_GPA,
		.memory_size = vm->slots[1].npages * VMM_PAGE,
		.userspace_addr = (uintptr_t)vm->mem[1],
	};

	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r))
		return -errno;
	/* Described like the others (logging, comparisons), not owned. */
	vm->slots[2] = (struct vmm_slot){ 2, MIG_ALIAS_GPA, vm->slots[1].npages };
	vm->mem[2] = vm->mem[1];
	vm->nr_slots = 3;
	return 0;
}

/* o->src_hole: memslot 3 on PROT_NONE memory, known to KVM only. */
static int mig_add_hole(struct mig_guest *g)
{
	struct kvm_userspace_memory_region r = {
		.slot = 3, .guest_phys_addr = MIG_HOLE_GPA,
		.memory_size = MIG_BAR_SIZE,
	};

	g->hole = mmap(NULL, MIG_BAR_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->hole == MAP_FAILED) {
		g->hole = NULL;
		return -errno;
	}
	r.userspace_addr = (uintptr_t)g->hole;
	return ioctl(g->vm.fd, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
}

int __mig_guest_create(struct mig_guest *g, const struct mig_opts *o,
		       bool boot)
{
	uint64_t half = (uint64_t)o->mem_mib << 20 >> 1;
	struct vmm_slot slots[2] = {
		{ 0, 0, half / VMM_PAGE },
		{ 1, half, half / VMM_PAGE },
	};
	unsigned int i;
	uint64_t p;
	int err;

	memset(g, 0, sizeof(*g));
	if (o->nr_vcpus > VMM_MAX_VCPUS ||
	    mig_ws_gpa(o, o->nr_vcpus) > half ||
	    ((uint64_t)o->static_mib << 20) > half)
		return -EINVAL;
	err = __vmm_vm_create_skewed(&g->vm, slots, 2, boot ? o->src_skew : 0);
	if (err)
		return err;
	err = __vmm_vm_enable_dirty_ring(&g->vm, o->ring_entries);
	if (!err && !boot && o->dst_layout)
		err = mig_remap(g);
	if (!err && o->alias_slot)
		err = mig_add_alias(g);
	if (!err && boot && o->src_hole)
		err = mig_add_hole(g);
	for (i = 0; !err && i < o->nr_vcpus; i++) {
		err = __vmm_vcpu_create_id(&g->vcpus[i], &g->vm, i);
		if (!err)
			g->nr_vcpus++;
		if (!err && vmmig_open(&g->h[i]))
			err = -ENOMEM;
	}
	if (!err && boot)
		err = __vmm_load_stamp_guest(&g->vm, VMM_STAMP_CODE_GPA);
	for (i = 0; !err && boot && i < o->nr_vcpus; i++)
		err = __vmm_stamp_setup(&g->vm, &g->vcpus[i], i,
					mig_ws_gpa(o, i), o->ws_pages,
					o->delay);
	for (p = 0; !err && boot && p < (uint64_t)o->static_mib << 8; p++)
		vmm_stamp_page(g->vm.mem[1] + p * VMM_PAGE, 1, p, 0x5eed);
	if (err)
		mig_guest_destroy(g);
	return err;
}

int __mig_guest_start(struct mig_guest *g)
{
	int err = __vmm_runner_start(&g->runner, &g->vm, g->vcpus,
				     g->nr_vcpus, &mig_ops, g);

	g->running = !err;
	return err;
}

void mig_guest_destroy(struct mig_guest *g)
{
	unsigned int i;

	if (g->running)
		vmm_runner_stop(&g->runner);
	g->running = false;
	for (i = 0; i < VMM_MAX_VCPUS; i++) {
		if (g->vcpus[i].run)
			vmm_vcpu_destroy(&g->vcpus[i]);
		vmmig_close(g->h[i]);
		g->h[i] = NULL;
	}
	/* An alias slot's memory is memslot 1's: unmapped once. */
	if (g->vm.nr_slots == 3 && g->vm.mem[2] == g->vm.mem[1])
		g->vm.nr_slots = 2;
	if (g->vm.nr_slots)
		vmm_vm_destroy(&g->vm);
	if (g->bar)
		munmap(g->bar, MIG_BAR_SIZE);
	if (g->hole)
		munmap(g->hole, MIG_BAR_SIZE);
	memset(g, 0, sizeof(*g));
}

/**
 * __mig_guest_check() - let every vCPU of a running guest sweep its
 * working set @sweeps more times, then count what the guest found wrong
 * over its whole life (its control blocks migrate with it).
 * @g: a running guest.
 * @sweeps: full sweeps to wait for.
 * @timeout_ms: per vCPU.
 * @errors: pages the guest found not holding what it wrote last.
 *
 * Return: 0, -ETIMEDOUT (a vCPU made too few sweeps in @timeout_ms, and
 * the runner said what it was doing), -EPROTO (the runner counted the
 * sweeps but the guest's own count did not move with them), or a vCPU's
 * error (an unexpected exit).
 */
int __mig_guest_check(struct mig_guest *g, unsigned int sweeps,
		      unsigned int timeout_ms, uint64_t *errors)
{
	struct vmm_stamp_ctl *ctl;
	unsigned int i;
	int err = 0;

	*errors = 0;
	for (i = 0; i < g->nr_vcpus; i++) {
		uint64_t base;

		/*
		 * The guest counts sweeps in memory (ctl->iter: it survives
		 * migration) and only then OUTs: @base may already count a
		 * sweep whose OUT the runner has yet to see.  Then the
		 * runner's @sweeps more are one short of it: wait for one
		 * more.
		 */
		ctl = vmm_stamp_ctl(&g->vm, i);
		base = __atomic_load_n(&ctl->iter, __ATOMIC_RELAXED);
		if (!err)
			err = __vmm_runner_wait_sweeps(&g->runner, i,
						       vmm_runner_sweeps(&g->runner, i) + sweeps,
						       timeout_ms);
		if (!err && __atomic_load_n(&ctl->iter, __ATOMIC_RELAXED) < base + sweeps)
			err = __vmm_runner_wait_sweeps(&g->runner, i,
						       vmm_runner_sweeps(&g->runner, i) + 1,
						       timeout_ms);
		if (!err && __atomic_load_n(&ctl->iter, __ATOMIC_RELAXED) < base + sweeps) {
			fprintf(stderr, "vCPU %u: the runner counted at least %u sweeps, the guest's count went from %llu to %llu only\n",
				i, sweeps + 1, (unsigned long long)base,
				(unsigned long long)ctl->iter);
			err = -EPROTO;
		}
		if (!err)
			err = vmm_runner_error(&g->runner, i);
		*errors += __atomic_load_n(&vmm_stamp_ctl(&g->vm, i)->errors,
					   __ATOMIC_RELAXED);
	}
	return err;
}

static int mig_memfd(const char *name)
{
	return memfd_create(name, MFD_CLOEXEC);
}

static bool mig_final(uint32_t state)
{
	return state == VMMIG_STATE_COMPLETED || state == VMMIG_STATE_FAILED ||
	       state == VMMIG_STATE_CANCELLED;
}

/**
 * __mig_take_rings() - a live source session ended: take the dirty rings
 * back where vmmig left them and turn dirty logging off, as a VMM does.
 * @h: a handle.
 * @g: the source guest.
 * @sid: its session, ended.
 *
 * Return: 0 or -errno.
 */
int __mig_take_rings(struct vmmig *h, struct mig_guest *g, uint32_t sid)
{
	struct vmmig_ring_index rings[VMM_MAX_VCPUS];
	unsigned int n, i, j;
	int err;

	err = vmmig_session_rings(h, sid, rings, VMM_MAX_VCPUS, &n);
	if (!err && n != g->nr_vcpus)
		err = -ENODATA;
	for (i = 0; !err && i < n; i++)
		for (j = 0; j < g->nr_vcpus; j++)
			if (g->vcpus[j].id == rings[i].vcpu)
				vmm_vcpu_ring_resume(&g->vcpus[j],
						     rings[i].index);
	__atomic_store_n(&g->session, 0, __ATOMIC_RELEASE);
	if (!err)
		err = __vmm_vm_set_dirty_logging(&g->vm, false);
	return err;
}

/*
 * Wait up to 20 ms for the next state change of any session: a VMM
 * follows the events group, so it pauses its vCPUs as soon as the source
 * says it is ready, not at its next look.  Without @ev (the group could
 * not be joined) it just sleeps.
 */
static void mig_nap(struct vmmig *ev)
{
	struct vmmig_event e;

	if (!ev || vmmig_event_next(ev, &e, 20) < 0)
		usleep(20000);
}

/* Pre-copy until the source is ready (or @o says), or until it ends. */
static int mig_wait_switch(struct vmmig *h, struct vmmig *ev, uint32_t sid,
			   const struct mig_opts *o, uint64_t deadline,
			   struct vmmig_session_info *si)
{
	int err;

	for (;;) {
		err = vmmig_session_get(h, sid, si);
		if (err)
			return err;
		if (o->progress)
			o->progress(o->ctx, si);
		if (mig_final(si->state))
			return 0;
		if (o->switch_now ? o->switch_now(o->ctx, si) :
				    si->state == VMMIG_STATE_READY)
			return 0;
		if (mig_now_ms() > deadline)
			return -ETIMEDOUT;
		mig_nap(ev);
	}
}

static int mig_wait_final(struct vmmig *h, struct vmmig *ev, uint32_t id,
			  const struct mig_opts *o, uint64_t deadline,
			  struct vmmig_session_info *si)
{
	int err;

	for (;;) {
		err = vmmig_session_get(h, id, si);
		if (err == -ENOENT) {
			/* Destroyed meanwhile (a fault test): no outcome. */
			memset(si, 0, sizeof(*si));
			return 0;
		}
		if (err)
			return err;
		if (o && o->progress)
			o->progress(o->ctx, si);
		if (mig_final(si->state))
			return 0;
		if (mig_now_ms() > deadline)
			return -ETIMEDOUT;
		mig_nap(ev);
	}
}

/**
 * __mig_live() - live-migrate running guest @src into fresh guest @dst.
 * @h: a libvmmig handle.
 * @src: a running guest.
 * @dst: from __mig_guest_create(.., false), not running.
 * @o: options (params, callbacks).
 * @port: TCP port for this migration's connection.
 * @r: the outcome.
 *
 * On success (both sessions completed) @dst runs and @src is stopped; on
 * failure @src runs again.  Either way the guest has been checked: see
 * @r->guest_errors and @r->diff_pages.
 *
 * Return: 0 if the flow could be run (whatever the sessions' outcome);
 * -errno if the test machinery itself failed.
 */
int __mig_live(struct vmmig *h, struct mig_guest *src, struct mig_guest *dst,
	       const struct mig_opts *o, uint16_t port, struct mig_result *r)
{
	struct vmmig_params p = o->params;
	uint64_t t0, deadline, rf0 = 0;
	int fds[2] = { -1, -1 }, sblob, dblob, err;
	int rfds[2] = { -1, -1 }, a[2], b[2];
	uint32_t flags = VMMIG_NEW_BLOB;
	struct relay relay;
	bool relaying = false;
	struct vmmig_region layout[VMM_MAX_SLOTS];
	struct vmmig_new_opts dopts, sopts;
	uint32_t slots[VMM_MAX_SLOTS];
	uint32_t sid = 0, did = 0;
	struct vmmig *ev = NULL;
	unsigned int i;

	memset(r, 0, sizeof(*r));
	/* Followed while waiting; polling alone works too, only later. */
	if (vmmig_events_open(&ev))
		ev = NULL;
	p.mode = VMMIG_MODE_LIVE;
	sblob = mig_memfd("src-state");
	dblob = mig_memfd("dst-state");
	err = sblob < 0 || dblob < 0 ? -errno : 0;
	r->stage = "connect";
	if (!err && o->relay) {
		/* source fds[0] - a[1] relay b[0] - fds[1] destination */
		err = __vmm_tcp_pair(a);
		if (!err) {
			err = __vmm_tcp_pair(b);
			if (err) {
				close(a[0]);
				close(a[1]);
			}
		}
		if (!err) {
			fds[0] = a[0];
			rfds[0] = a[1];
			rfds[1] = b[0];
			fds[1] = b[1];
		}
	} else if (!err) {
		err = __vmm_tcp_pair_netns(fds, "vmmig-src", "vmmig-dst",
					   "10.99.0.2", port);
	}
	if (err)
		goto out;
	if (o->relay) {
		r->stage = "relay";
		err = __relay_start(&relay, rfds[0], rfds[1], o->flip);
		if (err)
			goto out;
		relaying = true;
	}
	if (o->tls) {
		r->stage = "tls handshake";
		err = __ktls_pair(fds[0], fds[1], o->cipher, KTLS_BOTH,
				  KTLS_BOTH);
		if (err)
			goto out;
		flags |= VMMIG_NEW_REQUIRE_ENCRYPTION;
	}
	if (o->checksum)
		flags |= VMMIG_NEW_CHECKSUM;

	dopts = VMMIG_NEW_OPTS(.flags = flags,
			       .sock_fds = &fds[1], .nr_socks = 1,
			       .blob_fd = dblob);
	/* The source's memslots, where the destination VMM maps them. */
	for (i = 0; o->dst_layout && i < src->vm.nr_slots; i++) {
		const struct vmm_slot *sl = &src->vm.slots[i];

		layout[i] = (struct vmmig_region){
			.slot = sl->slot, .gpa = sl->gpa,
			.size = sl->npages * VMM_PAGE,
			.hva = (uintptr_t)vmm_gpa_hva(&dst->vm, sl->gpa),
		};
		dopts.regions = layout;
		dopts.nr_regions = i + 1;
	}
	sopts = VMMIG_NEW_OPTS(.flags = flags,
			       .sock_fds = &fds[0], .nr_socks = 1,
			       .blob_fd = sblob, .params = &p);
	/* The memslots the test VMM knows; src_hole's is not among them. */
	for (i = 0; o->src_hole && i < src->vm.nr_slots; i++) {
		slots[i] = src->vm.slots[i].slot;
		sopts.migrate_slots = slots;
		sopts.nr_migrate_slots = i + 1;
	}
	/* The VMM's part of the contract: logging on, its harvest paused. */
	r->stage = "dirty logging";
	err = __vmm_vm_set_dirty_logging(&src->vm, true);
	if (err)
		goto out;
	r->stage = "sessions";
	if (!err)
		err = vmmig_session_new(h, VMMIG_ROLE_DESTINATION, dst->vm.fd,
					&dopts, &did);
	if (!err)
		err = vmmig_session_new(h, VMMIG_ROLE_SOURCE, src->vm.fd,
					&sopts, &sid);
	if (!err)
		err = vmmig_session_start(h, did);
	for (i = 0; i < src->nr_vcpus; i++)
		rf0 += vmm_runner_ring_full(&src->runner, i);
	__atomic_store_n(&src->session, sid, __ATOMIC_RELEASE);
	t0 = mig_now_ms();
	r->host_cpu_ms = host_busy_ms();
	deadline = t0 + o->timeout_s * 1000ULL;
	if (!err)
		err = vmmig_session_start(h, sid);
	if (err)
		goto out_sessions;
	if (o->started)
		o->started(o->ctx, sid, did);

	r->stage = "pre-copy";
	err = mig_wait_switch(h, ev, sid, o, deadline, &r->src);
	if (err)
		goto out_sessions;
	if (!mig_final(r->src.state)) {
		/* Kicked out of KVM_RUN: every write is in the rings now. */
		vmm_runner_pause(&src->runner);
		err = __vmm_vcpus_save(src->vcpus, src->nr_vcpus, sblob);
		if (err)
			goto out_sessions;
		r->switched = true;
		vmmig_session_switchover(h, sid);
		if (o->switched)
			o->switched(o->ctx, sid, did);
	}
	r->stage = "switchover";
	err = mig_wait_final(h, ev, sid, o, deadline, &r->src);
	if (!err)
		err = mig_wait_final(h, ev, did, NULL, mig_now_ms() + 30000,
				     &r->dst);
	if (err)
		goto out_sessions;
	r->total_ms = mig_now_ms() - t0;
	r->host_cpu_ms = host_busy_ms() - r->host_cpu_ms;
	r->stage = "rings back";
	err = __mig_take_rings(h, src, sid);
	if (err)
		goto out_sessions;
	for (i = 0; i < src->nr_vcpus; i++)
		r->ring_full += vmm_runner_ring_full(&src->runner, i);
	r->ring_full -= rf0;

	if (r->src.state == VMMIG_STATE_COMPLETED &&
	    r->dst.state == VMMIG_STATE_COMPLETED) {
		r->diff_pages = vmm_vm_diff_pages(&src->vm, &dst->vm);
		vmm_runner_stop(&src->runner);
		src->running = false;
		r->stage = "resume on the destination";
		err = __vmm_vcpus_restore(dst->vcpus, dst->nr_vcpus, dblob);
		for (i = 0; o->dst_delay >= 0 && i < dst->nr_vcpus; i++)
			vmm_stamp_ctl(&dst->vm, i)->delay = o->dst_delay;
		if (!err)
			err = __mig_guest_start(dst);
		if (!err)
			err = __mig_guest_check(dst, 2, 120000,
						&r->guest_errors);
	} else {
		/* The source VM goes on as if nothing happened. */
		r->stage = "resume on the source";
		if (r->switched)
			vmm_runner_resume(&src->runner);
		err = __mig_guest_check(src, 1, 120000, &r->guest_errors);
	}

	if (!err)
		r->stage = NULL;
out_sessions:
	if (__atomic_load_n(&src->session, __ATOMIC_ACQUIRE)) {
		/* Failed midway: end the session, take the rings back. */
		struct vmmig_session_info si;

		vmmig_session_cancel(h, sid);
		if (!mig_wait_final(h, ev, sid, NULL, mig_now_ms() + 30000,
				    &si))
			__mig_take_rings(h, src, sid);
		__atomic_store_n(&src->session, 0, __ATOMIC_RELEASE);
	}
	if (src->vm.dirty_logging)
		__vmm_vm_set_dirty_logging(&src->vm, false);
	r->src_id = sid;
	r->dst_id = did;
	if (sid && !o->keep_sessions)
		vmmig_session_destroy(h, sid);
	if (did && !o->keep_sessions)
		vmmig_session_destroy(h, did);
out:
	if (relaying) {
		relay_stop(&relay);
		r->flipped = relay.flipped;
		r->page_recs = relay.page_recs;
	}
	if (rfds[0] >= 0)
		close(rfds[0]);
	if (rfds[1] >= 0)
		close(rfds[1]);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (sblob >= 0)
		close(sblob);
	if (dblob >= 0)
		close(dblob);
	vmmig_close(ev);
	return err;
}
