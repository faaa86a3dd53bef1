/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal test VMM for the vmmig selftests, in the spirit of KVM
 * selftests' kvm_util: VMs with several memslots backed by anonymous
 * memory, vCPUs that run real-mode or flat 32-bit code, pausing a running
 * vCPU, its register state (what a VMM puts in the migration blob), page
 * stamps, and connected sockets (loopback, or two network namespaces over
 * veth).
 *
 * For live migration: KVM's dirty ring (enabled per VM, one ring per vCPU,
 * harvested in userspace when the kernel module does not), the "stamp"
 * guest (guest/stamp.S: vCPUs that keep stamping their working set and
 * check on every sweep that each page still holds their previous stamp,
 * like KVM's dirty_log_test), and a runner that runs several vCPUs in
 * threads, pauses and resumes them.
 *
 * __vmm_foo() returns 0 or a negative errno; the tests assert on it.
 */
#ifndef VMMIG_SELFTEST_VMM_H
#define VMMIG_SELFTEST_VMM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/kvm.h>

#include "guest/stamp.h"

#define VMM_PAGE	4096UL
#define VMM_MAX_SLOTS	8
#define VMM_MAX_VCPUS	8

struct vmm_slot {
	uint32_t slot;		/* (address space << 16) | id */
	uint64_t gpa;
	uint64_t npages;
};

struct vmm_vm {
	int fd;
	unsigned int nr_slots;
	struct vmm_slot slots[VMM_MAX_SLOTS];
	uint8_t *mem[VMM_MAX_SLOTS];
	int memfd[VMM_MAX_SLOTS];	/* shared memory: its memfd, else -1 */
	uint32_t ring_entries;	/* dirty ring per vCPU, 0: none */
	bool dirty_logging;	/* KVM_MEM_LOG_DIRTY_PAGES on every slot */
};

struct vmm_vcpu {
	int fd;
	struct kvm_run *run;
	uint32_t id;
	int run_size;
	/* The dirty ring, when the VM has one. */
	struct kvm_dirty_gfn *ring;
	uint32_t ring_entries;
	uint32_t fetch;		/* next entry to harvest */
	pthread_mutex_t lock;	/* one harvester at a time */
};

/* What the tests' VMM carries in the migration blob: one vCPU's state. */
struct vmm_vcpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_vcpu_events events;
};

int __vmm_vm_create(struct vmm_vm *vm, const struct vmm_slot *slots,
		    unsigned int nr_slots, uint8_t fill);
int __vmm_vm_create_memfd(struct vmm_vm *vm, const struct vmm_slot *slots,
			  unsigned int nr_slots);
/*
 * Guest RAM starts at a 2 MiB boundary, as a VMM places it for huge pages;
 * __vmm_vm_create_skewed() starts it @skew pages past one.  Migration
 * sources use that in the test host: its TCG looks up virtual addresses
 * in a direct-mapped software TLB indexed by page number, so the kernel's
 * receive copy from a page sent by reference (read through the direct
 * map) to the destination page at the same guest address misses that TLB
 * on every access when both VMs are backed by huge pages, and runs 3-5
 * times slower than with the two a page apart.  Hardware TLBs have no
 * such conflict; docs/bench/tcg-tlb.md has the measurement.
 */
int __vmm_vm_create_skewed(struct vmm_vm *vm, const struct vmm_slot *slots,
			   unsigned int nr_slots, unsigned int skew);
void vmm_vm_destroy(struct vmm_vm *vm);
uint64_t vmm_vm_pages(const struct vmm_vm *vm);
uint64_t vmm_vm_diff_pages(const struct vmm_vm *a, const struct vmm_vm *b);

void *vmm_gpa_hva(const struct vmm_vm *vm, uint64_t gpa);
int __vmm_vm_copy(struct vmm_vm *dst, const struct vmm_vm *src, uint64_t gpa,
		  uint64_t len);

int __vmm_vcpu_create(struct vmm_vcpu *v, const struct vmm_vm *vm);
int __vmm_vcpu_create_id(struct vmm_vcpu *v, const struct vmm_vm *vm,
			 uint32_t id);
void vmm_vcpu_destroy(struct vmm_vcpu *v);
int __vmm_vcpu_real_mode(struct vmm_vcpu *v, uint64_t rip);
int __vmm_vcpu_flat32(struct vmm_vcpu *v, uint32_t eip, uint32_t ebx);
int __vmm_vcpu_get_state(struct vmm_vcpu *v, struct vmm_vcpu_state *st);
int __vmm_vcpu_set_state(struct vmm_vcpu *v, const struct vmm_vcpu_state *st);
int vmm_vcpu_run(struct vmm_vcpu *v);
int __vmm_vcpu_run_for(struct vmm_vcpu *v, unsigned int ms);

/*
 * Every vCPU's state in a blob (a memfd): a header, then one struct
 * vmm_vcpu_state per vCPU, vmm_vcpus_blob_size() bytes from offset 0.
 */
#define VMM_VCPUS_MAGIC	0x766d6d63	/* "vmmc" */

struct vmm_vcpus_hdr {
	uint32_t magic;
	uint32_t nr;
	uint32_t state_size;	/* sizeof(struct vmm_vcpu_state) */
	uint32_t reserved;
};

size_t vmm_vcpus_blob_size(unsigned int nr);
int __vmm_vcpus_save(struct vmm_vcpu *vcpus, unsigned int nr, int fd);
int __vmm_vcpus_restore(struct vmm_vcpu *vcpus, unsigned int nr, int fd);

/* ---- dirty ring -------------------------------------------------------- */

int __vmm_vm_enable_dirty_ring(struct vmm_vm *vm, uint32_t entries);
int __vmm_vm_set_dirty_logging(struct vmm_vm *vm, bool on);
int vmm_vcpu_ring_harvest(struct vmm_vcpu *v,
			  void (*fn)(void *ctx, uint32_t slot, uint64_t offset),
			  void *ctx);
int __vmm_vm_reset_rings(struct vmm_vm *vm);
void vmm_vcpu_ring_resume(struct vmm_vcpu *v, uint32_t index);

/* ---- the stamp guest (guest/stamp.S) ----------------------------------- */

/* Guest image, embedded in the test binaries (guest/blob.S). */
extern const uint8_t vmm_guest_stamp[], vmm_guest_stamp_end[];

/* Where the tests put it: code, then one control block per vCPU. */
#define VMM_STAMP_CODE_GPA	0x1000UL
#define VMM_STAMP_CTL_GPA	0x2000UL

/*
 * One vCPU's control block, in guest memory (so it migrates with it).
 * The VMM fills the first four fields before the first run; the guest
 * updates the rest.  Offsets: guest/stamp.h.
 */
struct vmm_stamp_ctl {
	uint32_t base_gpa;	/* working set: page aligned, below 4 GiB */
	uint32_t npages;
	uint32_t vcpu;		/* goes in the stamp: < 256 */
	uint32_t delay;		/* spin iterations after each page */
	uint64_t iter;		/* completed sweeps */
	uint64_t errors;	/* pages that did not hold their last stamp */
	uint64_t bad_gpa;	/* the last such page */
	uint64_t bad_val;	/* and the first qword of it that differed */
	uint64_t writes;	/* pages stamped */
	uint32_t cur;		/* page being checked and stamped */
	uint32_t reserved;
};

_Static_assert(sizeof(struct vmm_stamp_ctl) == STAMP_CTL_SIZE, "ctl size");
_Static_assert(offsetof(struct vmm_stamp_ctl, iter) == STAMP_CTL_ITER, "iter");
_Static_assert(offsetof(struct vmm_stamp_ctl, writes) == STAMP_CTL_WRITES,
	       "writes");
_Static_assert(offsetof(struct vmm_stamp_ctl, cur) == STAMP_CTL_CUR, "cur");

int __vmm_load_stamp_guest(struct vmm_vm *vm, uint64_t gpa);
struct vmm_stamp_ctl *vmm_stamp_ctl(const struct vmm_vm *vm, unsigned int idx);
int __vmm_stamp_setup(struct vmm_vm *vm, struct vmm_vcpu *v, unsigned int idx,
		      uint32_t base_gpa, uint32_t npages, uint32_t delay);
uint64_t vmm_stamp_val(uint64_t iter, uint32_t vcpu, uint32_t page);
void vmm_stamp_put(void *hva, uint64_t iter, uint32_t vcpu, uint32_t page);
uint64_t vmm_stamp_verify(const struct vmm_vm *vm, unsigned int idx);

/* ---- several vCPUs in threads ------------------------------------------ */

struct vmm_runner_ops {
	/*
	 * KVM_EXIT_DIRTY_RING_FULL on vCPU @idx, called in its thread: make
	 * room in its ring and return 0, or return nonzero to have the
	 * runner harvest the ring in userspace (then ->dirty gets the pages)
	 * and reset the rings.  NULL: always the runner.
	 */
	int (*ring_full)(void *ctx, unsigned int idx);
	/* Each page the runner's own harvest finds; NULL drops them. */
	void (*dirty)(void *ctx, uint32_t slot, uint64_t offset);
};

struct vmm_runner_stats {
	uint64_t sweeps;	/* OUTs to STAMP_PORT_SWEEP */
	uint64_t errors;	/* OUTs to STAMP_PORT_ERROR */
	uint64_t ring_full;	/* KVM_EXIT_DIRTY_RING_FULL exits */
	uint64_t harvested;	/* entries the runner harvested itself */
	uint64_t exits;		/* returns from KVM_RUN */
	uint64_t eintr;		/* of which -EINTR/-EAGAIN (kicks) */
	int error;		/* 0; -errno of KVM_RUN; -EIO: bad exit */
	uint32_t exit_reason;	/* that bad exit */
	uint16_t port;		/* its port, if KVM_EXIT_IO */
};

/* Where a runner's vCPU thread is (for the stall report). */
enum {
	VMM_AT_START,		/* not yet in KVM_RUN */
	VMM_AT_RUN,		/* inside KVM_RUN */
	VMM_AT_EXIT,		/* handling an exit in userspace */
	VMM_AT_RING_FULL,	/* making room in its full dirty ring */
	VMM_AT_PARK,		/* parked by a pause */
	VMM_AT_DONE,		/* the thread ended */
};

struct vmm_runner_vcpu {
	struct vmm_runner *r;
	struct vmm_vcpu *v;
	unsigned int idx;
	pthread_t thread;
	bool started, parked, done;
	struct vmm_runner_stats st;
	/* For vmm_runner_idle_ms() and __vmm_runner_report() (atomics). */
	int tid;
	int where;		/* VMM_AT_* */
	int stats_fd;		/* the vCPU's KVM_GET_STATS_FD, or -1 */
	uint32_t last_exit;	/* exit_reason of the last KVM_RUN that returned 0 */
	int last_errno;		/* errno of the last KVM_RUN, 0 if it returned 0 */
	uint64_t sweep_ns;	/* last sweep (or start), moved on while parked */
	uint64_t sweep_exits;	/* st.exits at that time */
};

struct vmm_runner {
	struct vmm_vm *vm;
	const struct vmm_runner_ops *ops;
	void *ctx;
	unsigned int nr;
	int state;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct vmm_runner_vcpu vc[VMM_MAX_VCPUS];
};

int __vmm_runner_start(struct vmm_runner *r, struct vmm_vm *vm,
		       struct vmm_vcpu *vcpus, unsigned int nr,
		       const struct vmm_runner_ops *ops, void *ctx);
void vmm_runner_pause(struct vmm_runner *r);
int __vmm_runner_pause_timeout(struct vmm_runner *r, unsigned int timeout_ms);
void vmm_runner_resume(struct vmm_runner *r);
void vmm_runner_stop(struct vmm_runner *r);
void vmm_runner_stats(struct vmm_runner *r, unsigned int idx,
		      struct vmm_runner_stats *st);
uint64_t vmm_runner_sweeps(struct vmm_runner *r, unsigned int idx);
uint64_t vmm_runner_errors(struct vmm_runner *r, unsigned int idx);
uint64_t vmm_runner_ring_full(struct vmm_runner *r, unsigned int idx);
int vmm_runner_error(struct vmm_runner *r, unsigned int idx);
int __vmm_runner_wait_sweeps(struct vmm_runner *r, unsigned int idx,
			     uint64_t sweeps, unsigned int timeout_ms);
uint64_t vmm_runner_idle_ms(struct vmm_runner *r, unsigned int idx);
int __vmm_runner_report(struct vmm_runner *r, unsigned int idx, FILE *f);

void vmm_stamp_page(uint8_t *p, uint32_t slot, uint64_t idx, uint64_t seed);

int __vmm_tcp_pair(int fds[2]);
int __vmm_tcp_pair_netns(int fds[2], const char *src_ns, const char *dst_ns,
			 const char *dst_addr, uint16_t port);

#endif
