// SPDX-License-Identifier: GPL-2.0
/*
 * The test VMM's live-migration guest on real KVM, without vmmig.ko: a
 * 1 GiB, 2-vCPU VM with the dirty ring, whose vCPUs keep stamping their
 * 32 MiB working sets and check their own memory (guest/stamp.S), run by
 * vmm_runner threads, paused, resumed, and moved to a second VM through
 * their saved state.  Proves the guest, its self-check, the runner and
 * userspace dirty-ring harvesting work before vmmig.ko relies on them.
 *
 * Layout: two 512 MiB memslots, guest code at 0x1000, control blocks at
 * 0x2000, vCPU 0's working set at 16 MiB, vCPU 1's at 496 MiB (across the
 * two memslots).
 *
 * In the QEMU test host, run it with VMTEST_TCG_THREAD=single (see
 * vmtest/run.sh): multi-threaded TCG's nested SVM now and then hands an L2
 * vCPU the L1 host's state under this exit rate, failing a test at random
 * or corrupting the test host's memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "vmm.h"

#define NR_VCPUS	2
#define WS_PAGES	8192			/* 32 MiB per vCPU */
#define MEM_PAGES	(2 * 131072ULL)		/* 1 GiB */
#define LOW_BYTES	0x100000		/* code and control blocks */

static const struct vmm_slot layout[] = {
	{ 0, 0x00000000, 131072 },
	{ 1, 0x20000000, 131072 },
};

static const uint32_t ws_base[NR_VCPUS] = { 0x01000000, 0x1f000000 };

/* Pages the userspace harvest saw, by gfn, and entries out of place. */
struct harvest {
	struct vmm_vm *vm;
	struct vmm_vcpu *v;
	uint64_t *seen;
	uint64_t entries, outside;
	uint64_t first_outside;		/* slot << 32 | offset */
	uint64_t calls[NR_VCPUS];	/* ring_full callbacks */
};

/*
 * The pages the guest writes, and its code page: on x86 a read or fetch
 * fault that maps a page writable (KVM does, with TDP) logs it dirty
 * (make_spte()), so a page the guest only reads shows up once too.
 */
static bool harvest_expected(uint64_t gpa)
{
	unsigned int i;

	if (gpa / VMM_PAGE == VMM_STAMP_CTL_GPA / VMM_PAGE ||
	    gpa / VMM_PAGE == VMM_STAMP_CODE_GPA / VMM_PAGE)
		return true;
	for (i = 0; i < NR_VCPUS; i++)
		if (gpa >= ws_base[i] && gpa < ws_base[i] + WS_PAGES * VMM_PAGE)
			return true;
	return false;
}

static void harvest_mark(void *ctx, uint32_t slot, uint64_t offset)
{
	struct harvest *h = ctx;
	uint64_t gpa = ~0ULL;
	unsigned int i;

	for (i = 0; i < h->vm->nr_slots; i++)
		if (h->vm->slots[i].slot == slot &&
		    offset < h->vm->slots[i].npages)
			gpa = h->vm->slots[i].gpa + offset * VMM_PAGE;
	__atomic_add_fetch(&h->entries, 1, __ATOMIC_RELAXED);
	if (gpa == ~0ULL || !harvest_expected(gpa)) {
		if (__atomic_add_fetch(&h->outside, 1, __ATOMIC_RELAXED) == 1)
			h->first_outside = (uint64_t)slot << 32 | offset;
		return;
	}
	__atomic_fetch_or(&h->seen[gpa / VMM_PAGE / 64],
			  1ULL << (gpa / VMM_PAGE % 64), __ATOMIC_RELAXED);
}

static bool harvest_seen(const struct harvest *h, uint64_t gpa)
{
	return h->seen[gpa / VMM_PAGE / 64] >> (gpa / VMM_PAGE % 64) & 1;
}

FIXTURE(stamp) {
	struct vmm_vm vm, dst;
	struct vmm_vcpu v[NR_VCPUS], dv[NR_VCPUS];
	struct vmm_runner r, dr;
	struct harvest h;
	bool have_dst;
};

FIXTURE_SETUP(stamp)
{
	self->h.seen = calloc(MEM_PAGES / 64, sizeof(uint64_t));
	ASSERT_NE(NULL, self->h.seen);
	self->h.vm = &self->vm;
	self->h.v = self->v;
}

FIXTURE_TEARDOWN(stamp)
{
	unsigned int i;

	vmm_runner_stop(&self->r);
	vmm_runner_stop(&self->dr);
	for (i = 0; i < NR_VCPUS; i++) {
		if (self->v[i].run)
			vmm_vcpu_destroy(&self->v[i]);
		if (self->dv[i].run)
			vmm_vcpu_destroy(&self->dv[i]);
	}
	if (self->vm.nr_slots)
		vmm_vm_destroy(&self->vm);
	if (self->have_dst)
		vmm_vm_destroy(&self->dst);
	free(self->h.seen);
}

/*
 * The 1 GiB VM, its guest and its vCPUs (working sets of @npages), with a
 * dirty ring of @ring entries and dirty logging on.  False: skip the test.
 */
static bool stamp_vm(struct __test_metadata *_metadata,
		     FIXTURE_DATA(stamp) *self, uint32_t ring, uint32_t npages,
		     uint32_t delay)
{
	int fd = open("/dev/kvm", O_RDWR);
	unsigned int i;
	int err;

	if (fd < 0)
		SKIP(return false, "no /dev/kvm: %s", strerror(errno));
	close(fd);
	err = __vmm_vm_create(&self->vm, layout, 2, 0);
	ASSERT_EQ(0, err) TH_LOG("VM: %s", strerror(-err));
	err = __vmm_vm_enable_dirty_ring(&self->vm, ring);
	if (err == -EOPNOTSUPP)
		SKIP(return false, "KVM has no dirty ring");
	ASSERT_EQ(0, err) TH_LOG("dirty ring: %s", strerror(-err));
	ASSERT_EQ(0, __vmm_load_stamp_guest(&self->vm, VMM_STAMP_CODE_GPA));
	for (i = 0; i < NR_VCPUS; i++) {
		err = __vmm_vcpu_create_id(&self->v[i], &self->vm, i);
		ASSERT_EQ(0, err) TH_LOG("vCPU %u: %s", i, strerror(-err));
		ASSERT_NE(NULL, self->v[i].ring);
		ASSERT_EQ(0, __vmm_stamp_setup(&self->vm, &self->v[i], i,
					       ws_base[i], npages, delay));
	}
	ASSERT_EQ(0, __vmm_vm_set_dirty_logging(&self->vm, true));
	return true;
}

/* A second VM of the same layout and its vCPUs, not set up. */
static void dst_vm(struct __test_metadata *_metadata,
		   FIXTURE_DATA(stamp) *self)
{
	unsigned int i;
	int err;

	err = __vmm_vm_create(&self->dst, layout, 2, 0);
	ASSERT_EQ(0, err) TH_LOG("VM: %s", strerror(-err));
	self->have_dst = true;
	for (i = 0; i < NR_VCPUS; i++)
		ASSERT_EQ(0, __vmm_vcpu_create_id(&self->dv[i], &self->dst, i));
}

static const struct vmm_runner_ops harvest_ops = { .dirty = harvest_mark };

/* Wait until every vCPU of @r has reported @sweeps sweeps. */
static void wait_sweeps(struct __test_metadata *_metadata,
			struct vmm_runner *r, uint64_t sweeps)
{
	unsigned int i;
	int err;

	for (i = 0; i < NR_VCPUS; i++) {
		struct vmm_runner_stats st;

		err = __vmm_runner_wait_sweeps(r, i, sweeps, 90000);
		vmm_runner_stats(r, i, &st);
		ASSERT_EQ(0, err) TH_LOG("vCPU %u: %s after %llu sweeps (exit %u, port %#x)",
					 i, strerror(-err),
					 (unsigned long long)st.sweeps,
					 st.exit_reason, st.port);
	}
}

/* A paused runner @r of @vm: no vCPU failed, no guest error, memory ok. */
static void check_clean(struct __test_metadata *_metadata,
			struct vmm_runner *r, const struct vmm_vm *vm,
			const char *what)
{
	struct vmm_runner_stats st;
	unsigned int i;

	for (i = 0; i < NR_VCPUS; i++) {
		const struct vmm_stamp_ctl *ctl = vmm_stamp_ctl(vm, i);

		vmm_runner_stats(r, i, &st);
		TH_LOG("%s vCPU %u: iter %llu, writes %llu, %llu sweeps, %llu exits, %llu ring full, %llu harvested",
		       what, i, (unsigned long long)ctl->iter,
		       (unsigned long long)ctl->writes,
		       (unsigned long long)st.sweeps,
		       (unsigned long long)st.exits,
		       (unsigned long long)st.ring_full,
		       (unsigned long long)st.harvested);
		EXPECT_EQ(0, st.error) TH_LOG("vCPU %u stopped: %d, exit %u port %#x",
					      i, st.error, st.exit_reason,
					      st.port);
		EXPECT_EQ(0, st.errors);
		EXPECT_EQ(0, ctl->errors) TH_LOG("vCPU %u: bad gpa %#llx value %#llx",
						 i, (unsigned long long)ctl->bad_gpa,
						 (unsigned long long)ctl->bad_val);
		EXPECT_EQ(0, vmm_stamp_verify(vm, i));
	}
}

/*
 * Run 2 s (and at least 2 sweeps each) with userspace harvesting: the
 * guest checks itself, the rings hold exactly the pages it writes.
 */
TEST_F_TIMEOUT(stamp, runs_and_checks_itself, 240)
{
	unsigned int i, p;
	int n;

	if (!stamp_vm(_metadata, self, 4096, WS_PAGES, 0))
		return;
	ASSERT_EQ(0, __vmm_runner_start(&self->r, &self->vm, self->v, NR_VCPUS,
					&harvest_ops, &self->h));
	sleep(2);
	wait_sweeps(_metadata, &self->r, 2);
	vmm_runner_pause(&self->r);
	check_clean(_metadata, &self->r, &self->vm, "paused");

	for (i = 0; i < NR_VCPUS; i++) {
		const struct vmm_stamp_ctl *ctl = vmm_stamp_ctl(&self->vm, i);

		EXPECT_LT(0, vmm_runner_sweeps(&self->r, i));
		/* One OUT per sweep: the guest's count is the runner's. */
		EXPECT_EQ(ctl->iter, vmm_runner_sweeps(&self->r, i));
		EXPECT_LE(ctl->iter * WS_PAGES, ctl->writes);
		EXPECT_GE((ctl->iter + 1) * WS_PAGES, ctl->writes);
	}

	/* Paused: what is left in the rings, from this thread. */
	for (i = 0; i < NR_VCPUS; i++) {
		n = vmm_vcpu_ring_harvest(&self->v[i], harvest_mark, &self->h);
		ASSERT_LE(0, n);
	}
	ASSERT_LE(0, __vmm_vm_reset_rings(&self->vm));
	for (i = 0; i < NR_VCPUS; i++)
		EXPECT_EQ(0, vmm_vcpu_ring_harvest(&self->v[i], NULL, NULL));

	/* Every page written was logged, nothing else was. */
	TH_LOG("%llu ring entries harvested", (unsigned long long)self->h.entries);
	EXPECT_EQ(0, self->h.outside)
		TH_LOG("first: slot %u offset %#x",
		       (unsigned int)(self->h.first_outside >> 32),
		       (unsigned int)self->h.first_outside);
	for (i = 0; i < NR_VCPUS; i++) {
		unsigned int missing = 0;

		for (p = 0; p < WS_PAGES; p++)
			missing += !harvest_seen(&self->h,
						 ws_base[i] + p * VMM_PAGE);
		EXPECT_EQ(0, missing) TH_LOG("vCPU %u", i);
	}
	EXPECT_TRUE(harvest_seen(&self->h, VMM_STAMP_CTL_GPA));

	/* It runs on after a pause. */
	vmm_runner_resume(&self->r);
	wait_sweeps(_metadata, &self->r, vmm_runner_sweeps(&self->r, 0) + 1);
	vmm_runner_pause(&self->r);
	check_clean(_metadata, &self->r, &self->vm, "resumed");
}

/*
 * A lost write: one page of vCPU 0's working set goes back to the stamp of
 * two sweeps before; the guest must report exactly that page.
 */
TEST_F_TIMEOUT(stamp, detects_a_lost_write, 240)
{
	const struct vmm_stamp_ctl *ctl;
	uint64_t sweeps, gpa, rewound, head;
	struct vmm_runner_stats st;
	uint32_t p, i;
	uint8_t *hva;

	if (!stamp_vm(_metadata, self, 4096, WS_PAGES, 0))
		return;
	ASSERT_EQ(0, __vmm_runner_start(&self->r, &self->vm, self->v, NR_VCPUS,
					NULL, NULL));
	wait_sweeps(_metadata, &self->r, 3);
	vmm_runner_pause(&self->r);
	check_clean(_metadata, &self->r, &self->vm, "before");

	ctl = vmm_stamp_ctl(&self->vm, 0);
	p = WS_PAGES / 2;
	if (ctl->cur + 2 > p && ctl->cur < p + 2)
		p = WS_PAGES / 4;
	gpa = ws_base[0] + (uint64_t)p * VMM_PAGE;
	hva = vmm_gpa_hva(&self->vm, gpa);
	head = *(uint64_t *)hva;
	i = (uint32_t)head;
	ASSERT_LE(3, i);
	ASSERT_EQ(vmm_stamp_val(i, 0, p), head);
	vmm_stamp_put(hva, i - 2, 0, p);
	rewound = vmm_stamp_val(i - 2, 0, p);
	TH_LOG("page %u (gpa %#llx) rewound from sweep %u to %u, guest at page %u of sweep %llu",
	       p, (unsigned long long)gpa, i, i - 2, ctl->cur,
	       (unsigned long long)ctl->iter + 1);

	/* Two more sweeps: a whole one after the resume. */
	sweeps = vmm_runner_sweeps(&self->r, 0);
	vmm_runner_resume(&self->r);
	wait_sweeps(_metadata, &self->r, sweeps + 2);
	vmm_runner_pause(&self->r);

	EXPECT_EQ(1, ctl->errors);
	EXPECT_EQ(gpa, ctl->bad_gpa);
	EXPECT_EQ(rewound, ctl->bad_val);
	vmm_runner_stats(&self->r, 0, &st);
	EXPECT_EQ(1, st.errors);
	EXPECT_EQ(0, st.error);
	vmm_runner_stats(&self->r, 1, &st);
	EXPECT_EQ(0, st.errors);
	EXPECT_EQ(0, st.error);
	EXPECT_EQ(0, vmm_stamp_ctl(&self->vm, 1)->errors);
	/* The guest stamped it again. */
	EXPECT_EQ(0, vmm_stamp_verify(&self->vm, 0));
	EXPECT_EQ(0, vmm_stamp_verify(&self->vm, 1));
}

/*
 * Pause, save the vCPUs' state to a memfd, copy the memory to a second VM
 * of the same layout, restore the state there and run it: the guest goes
 * on where it was, and finds every page as it left it.
 */
TEST_F_TIMEOUT(stamp, moves_to_another_vm, 240)
{
	uint64_t iter[NR_VCPUS], sweeps[NR_VCPUS];
	unsigned int i;
	int fd;

	if (!stamp_vm(_metadata, self, 4096, WS_PAGES, 0))
		return;
	ASSERT_EQ(0, __vmm_runner_start(&self->r, &self->vm, self->v, NR_VCPUS,
					NULL, NULL));
	wait_sweeps(_metadata, &self->r, 1);
	vmm_runner_pause(&self->r);
	check_clean(_metadata, &self->r, &self->vm, "source");

	fd = memfd_create("vcpus", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, __vmm_vcpus_save(self->v, NR_VCPUS, fd));
	ASSERT_EQ(0, vmm_runner_error(&self->r, 0));

	dst_vm(_metadata, self);
	ASSERT_EQ(0, __vmm_vm_copy(&self->dst, &self->vm, 0, LOW_BYTES));
	for (i = 0; i < NR_VCPUS; i++) {
		ASSERT_EQ(0, __vmm_vm_copy(&self->dst, &self->vm, ws_base[i],
					   WS_PAGES * VMM_PAGE));
		EXPECT_EQ(0, vmm_stamp_verify(&self->dst, i));
		iter[i] = vmm_stamp_ctl(&self->dst, i)->iter;
		sweeps[i] = vmm_runner_sweeps(&self->r, i);
	}
	/* The source never runs again. */
	vmm_runner_stop(&self->r);
	ASSERT_EQ(0, __vmm_vcpus_restore(self->dv, NR_VCPUS, fd));
	/* Not a blob for three vCPUs. */
	EXPECT_EQ(-EINVAL, __vmm_vcpus_restore(self->dv, NR_VCPUS + 1, fd));
	close(fd);

	ASSERT_EQ(0, __vmm_runner_start(&self->dr, &self->dst, self->dv,
					NR_VCPUS, NULL, NULL));
	/* The second sweep there is a whole one, every page checked. */
	wait_sweeps(_metadata, &self->dr, 2);
	vmm_runner_pause(&self->dr);
	check_clean(_metadata, &self->dr, &self->dst, "destination");
	for (i = 0; i < NR_VCPUS; i++) {
		const struct vmm_stamp_ctl *ctl = vmm_stamp_ctl(&self->dst, i);

		EXPECT_LE(iter[i] + 2, ctl->iter) TH_LOG("vCPU %u", i);
		/* Each sweep's OUT exited once, on one side or the other. */
		EXPECT_EQ(ctl->iter,
			  sweeps[i] + vmm_runner_sweeps(&self->dr, i));
	}
}

/*
 * The OUT exits are completed before a pause parks a vCPU: with empty
 * working sets the vCPUs do nothing but OUT, so most pauses land right
 * after one.  Bounced between two VMs ten times through saved state, each
 * OUT still exits exactly once (an I/O left pending in KVM would be
 * executed again where the state is restored).
 */
TEST_F_TIMEOUT(stamp, pause_completes_io, 240)
{
	uint64_t sweeps[NR_VCPUS] = { 0 };
	struct vmm_vm *vm[2];
	struct vmm_vcpu *v[2];
	struct vmm_runner *r[2];
	unsigned int i, round;
	int fd;

	if (!stamp_vm(_metadata, self, 4096, 0, 0))
		return;
	dst_vm(_metadata, self);
	vm[0] = &self->vm;
	vm[1] = &self->dst;
	v[0] = self->v;
	v[1] = self->dv;
	r[0] = &self->r;
	r[1] = &self->dr;
	fd = memfd_create("vcpus", MFD_CLOEXEC);
	ASSERT_LE(0, fd);
	for (round = 0; round < 10; round++) {
		unsigned int a = round % 2, b = !a;

		ASSERT_EQ(0, __vmm_runner_start(r[a], vm[a], v[a], NR_VCPUS,
						NULL, NULL));
		usleep(50000);
		vmm_runner_pause(r[a]);
		for (i = 0; i < NR_VCPUS; i++) {
			struct vmm_runner_stats st;

			vmm_runner_stats(r[a], i, &st);
			ASSERT_EQ(0, st.error)
				TH_LOG("round %u vCPU %u: exit %u port %#x",
				       round, i, st.exit_reason, st.port);
			sweeps[i] += st.sweeps;
		}
		ASSERT_EQ(0, __vmm_vcpus_save(v[a], NR_VCPUS, fd));
		vmm_runner_stop(r[a]);
		ASSERT_EQ(0, __vmm_vm_copy(vm[b], vm[a], 0, LOW_BYTES));
		ASSERT_EQ(0, __vmm_vcpus_restore(v[b], NR_VCPUS, fd));
	}
	close(fd);
	for (i = 0; i < NR_VCPUS; i++) {
		const struct vmm_stamp_ctl *ctl = vmm_stamp_ctl(vm[0], i);

		TH_LOG("vCPU %u: %llu sweeps", i, (unsigned long long)sweeps[i]);
		EXPECT_LT(10, sweeps[i]);
		EXPECT_EQ(ctl->iter, sweeps[i]);
		EXPECT_EQ(0, ctl->errors);
	}
}

/*
 * A small ring (512 entries) and no delay: vCPUs exit with a full ring;
 * vCPU 0's is harvested by the ring_full callback, vCPU 1's by the
 * runner (the callback declines).
 */
static int ring_full_cb(void *ctx, unsigned int idx)
{
	struct harvest *h = ctx;
	int n;

	__atomic_add_fetch(&h->calls[idx], 1, __ATOMIC_RELAXED);
	if (idx)
		return 1;
	n = vmm_vcpu_ring_harvest(&h->v[idx], harvest_mark, h);
	if (n <= 0)
		return 1;
	return __vmm_vm_reset_rings(h->vm) < 0;
}

static const struct vmm_runner_ops ring_full_ops = {
	.ring_full = ring_full_cb,
	.dirty = harvest_mark,
};

TEST_F_TIMEOUT(stamp, ring_full_exits, 240)
{
	unsigned int i;

	if (!stamp_vm(_metadata, self, 512, WS_PAGES, 0))
		return;
	ASSERT_EQ(0, __vmm_runner_start(&self->r, &self->vm, self->v, NR_VCPUS,
					&ring_full_ops, &self->h));
	sleep(2);
	wait_sweeps(_metadata, &self->r, 1);
	vmm_runner_pause(&self->r);
	check_clean(_metadata, &self->r, &self->vm, "512-entry ring");
	for (i = 0; i < NR_VCPUS; i++) {
		struct vmm_runner_stats st;

		vmm_runner_stats(&self->r, i, &st);
		EXPECT_LT(0, st.ring_full) TH_LOG("vCPU %u", i);
		EXPECT_EQ(st.ring_full, self->h.calls[i]);
		/* vCPU 0's callback harvested, the runner did vCPU 1's. */
		if (i) {
			EXPECT_LT(0, st.harvested);
		} else {
			EXPECT_EQ(0, st.harvested);
		}
	}
	EXPECT_EQ(0, self->h.outside)
		TH_LOG("first: slot %u offset %#x",
		       (unsigned int)(self->h.first_outside >> 32),
		       (unsigned int)self->h.first_outside);
}

TEST_HARNESS_MAIN
