/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal test VMM for the vmmig selftests, in the spirit of KVM
 * selftests' kvm_util: VMs with several memslots backed by anonymous
 * memory, vCPUs that run real-mode code, pausing a running vCPU, its
 * register state (what a VMM puts in the migration blob), page stamps,
 * and connected sockets (loopback, or two network namespaces over veth).
 *
 * __vmm_foo() returns 0 or a negative errno; the tests assert on it.
 */
#ifndef VMMIG_SELFTEST_VMM_H
#define VMMIG_SELFTEST_VMM_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#define VMM_PAGE	4096UL
#define VMM_MAX_SLOTS	8

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
};

struct vmm_vcpu {
	int fd;
	struct kvm_run *run;
};

/* What the tests' VMM carries in the migration blob: one vCPU's state. */
struct vmm_vcpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
};

int __vmm_vm_create(struct vmm_vm *vm, const struct vmm_slot *slots,
		    unsigned int nr_slots, uint8_t fill);
void vmm_vm_destroy(struct vmm_vm *vm);
uint64_t vmm_vm_pages(const struct vmm_vm *vm);
uint64_t vmm_vm_diff_pages(const struct vmm_vm *a, const struct vmm_vm *b);

int __vmm_vcpu_create(struct vmm_vcpu *v, const struct vmm_vm *vm);
int __vmm_vcpu_real_mode(struct vmm_vcpu *v, uint64_t rip);
int __vmm_vcpu_get_state(struct vmm_vcpu *v, struct vmm_vcpu_state *st);
int __vmm_vcpu_set_state(struct vmm_vcpu *v, const struct vmm_vcpu_state *st);
int vmm_vcpu_run(struct vmm_vcpu *v);
int __vmm_vcpu_run_for(struct vmm_vcpu *v, unsigned int ms);

void vmm_stamp_page(uint8_t *p, uint32_t slot, uint64_t idx, uint64_t seed);

int __vmm_tcp_pair(int fds[2]);
int __vmm_tcp_pair_netns(int fds[2], const char *src_ns, const char *dst_ns,
			 const char *dst_addr, uint16_t port);

#endif
