// SPDX-License-Identifier: GPL-2.0
/*
 * A minimal test VMM for the vmmig selftests (see vmm.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "vmm.h"

static int kvm_fd = -1;

static int kvm(void)
{
	if (kvm_fd < 0)
		kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	return kvm_fd < 0 ? -errno : kvm_fd;
}

/**
 * __vmm_vm_create() - a VM with @nr_slots memslots of anonymous memory.
 * @vm: filled.
 * @slots: the layout.
 * @nr_slots: up to VMM_MAX_SLOTS.
 * @fill: byte to fill the memory with; 0 leaves it untouched (zero).
 */
int __vmm_vm_create(struct vmm_vm *vm, const struct vmm_slot *slots,
		    unsigned int nr_slots, uint8_t fill)
{
	unsigned int i;
	int k = kvm();

	memset(vm, 0, sizeof(*vm));
	if (k < 0)
		return k;
	if (nr_slots > VMM_MAX_SLOTS)
		return -E2BIG;
	vm->fd = ioctl(k, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return -errno;
	for (i = 0; i < nr_slots; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = slots[i].slot,
			.guest_phys_addr = slots[i].gpa,
			.memory_size = slots[i].npages * VMM_PAGE,
		};

		vm->mem[i] = mmap(NULL, r.memory_size, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				  -1, 0);
		if (vm->mem[i] == MAP_FAILED)
			return -errno;
		vm->slots[i] = slots[i];
		vm->nr_slots = i + 1;
		if (fill)
			memset(vm->mem[i], fill, r.memory_size);
		r.userspace_addr = (uintptr_t)vm->mem[i];
		if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r))
			return -errno;
	}
	return 0;
}

void vmm_vm_destroy(struct vmm_vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_slots; i++)
		munmap(vm->mem[i], vm->slots[i].npages * VMM_PAGE);
	close(vm->fd);
	vm->nr_slots = 0;
}

uint64_t vmm_vm_pages(const struct vmm_vm *vm)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < vm->nr_slots; i++)
		n += vm->slots[i].npages;
	return n;
}

/* Pages that differ between two VMs of the same layout. */
uint64_t vmm_vm_diff_pages(const struct vmm_vm *a, const struct vmm_vm *b)
{
	uint64_t bad = 0, p;
	unsigned int i;

	for (i = 0; i < a->nr_slots; i++)
		for (p = 0; p < a->slots[i].npages; p++)
			bad += memcmp(a->mem[i] + p * VMM_PAGE,
				      b->mem[i] + p * VMM_PAGE, VMM_PAGE) != 0;
	return bad;
}

int __vmm_vcpu_create(struct vmm_vcpu *v, const struct vmm_vm *vm)
{
	int size = ioctl(kvm(), KVM_GET_VCPU_MMAP_SIZE, 0);

	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, 0);
	if (v->fd < 0 || size <= 0)
		return -errno;
	v->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	return v->run == MAP_FAILED ? -errno : 0;
}

/* Real mode, flat segments at 0, starting at @rip. */
int __vmm_vcpu_real_mode(struct vmm_vcpu *v, uint64_t rip)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = rip, .rflags = 2 };

	if (ioctl(v->fd, KVM_GET_SREGS, &sregs))
		return -errno;
	sregs.cs.base = sregs.ds.base = sregs.es.base = sregs.ss.base = 0;
	sregs.cs.selector = sregs.ds.selector = 0;
	sregs.es.selector = sregs.ss.selector = 0;
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) ||
	    ioctl(v->fd, KVM_SET_REGS, &regs))
		return -errno;
	return 0;
}

int __vmm_vcpu_get_state(struct vmm_vcpu *v, struct vmm_vcpu_state *st)
{
	if (ioctl(v->fd, KVM_GET_REGS, &st->regs) ||
	    ioctl(v->fd, KVM_GET_SREGS, &st->sregs))
		return -errno;
	return 0;
}

int __vmm_vcpu_set_state(struct vmm_vcpu *v, const struct vmm_vcpu_state *st)
{
	if (ioctl(v->fd, KVM_SET_SREGS, &st->sregs) ||
	    ioctl(v->fd, KVM_SET_REGS, &st->regs))
		return -errno;
	return 0;
}

/**
 * vmm_vcpu_run() - run until an exit other than I/O or an interrupt.
 * @v: the vCPU.
 *
 * Return: the KVM exit reason, or -errno (-EINTR when a signal paused it).
 */
int vmm_vcpu_run(struct vmm_vcpu *v)
{
	for (;;) {
		if (ioctl(v->fd, KVM_RUN, 0))
			return -errno;
		if (v->run->exit_reason != KVM_EXIT_IO &&
		    v->run->exit_reason != KVM_EXIT_INTR)
			return v->run->exit_reason;
	}
}

static void vmm_kick(int sig)
{
	(void)sig;
}

struct vmm_runner {
	struct vmm_vcpu *v;
	int ret;
};

static void *vmm_runner(void *arg)
{
	struct vmm_runner *r = arg;

	r->ret = vmm_vcpu_run(r->v);
	return NULL;
}

/**
 * __vmm_vcpu_run_for() - run the guest for about @ms, then pause it: a
 * signal to its thread ends KVM_RUN, as a VMM pauses vCPUs.
 * @v: the vCPU.
 * @ms: how long.
 *
 * Return: 0 when it was paused while running, -ECHILD if the guest exited
 * (halted) before, or another negative errno.
 */
int __vmm_vcpu_run_for(struct vmm_vcpu *v, unsigned int ms)
{
	struct sigaction sa = { .sa_handler = vmm_kick };	/* no SA_RESTART */
	struct vmm_runner r = { .v = v };
	pthread_t t;

	if (sigaction(SIGUSR1, &sa, NULL) ||
	    pthread_create(&t, NULL, vmm_runner, &r))
		return -errno;
	usleep(ms * 1000);
	pthread_kill(t, SIGUSR1);
	pthread_join(t, NULL);
	return r.ret == -EINTR ? 0 : r.ret < 0 ? r.ret : -ECHILD;
}

/* Page stamp: slot, index and seed in every 8-byte word. */
void vmm_stamp_page(uint8_t *p, uint32_t slot, uint64_t idx, uint64_t seed)
{
	uint64_t *w = (uint64_t *)p;
	unsigned int i;

	for (i = 0; i < VMM_PAGE / 8; i++)
		w[i] = seed ^ ((uint64_t)slot << 56) ^ (idx << 16) ^ i;
}

/* A connected TCP pair over loopback. */
int __vmm_tcp_pair(int fds[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int l;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || bind(l, (void *)&a, sizeof(a)) || listen(l, 1) ||
	    getsockname(l, (void *)&a, &len))
		return -errno;
	fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fds[0] < 0 || connect(fds[0], (void *)&a, sizeof(a)))
		return -errno;
	fds[1] = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	close(l);
	return fds[1] < 0 ? -errno : 0;
}

static int vmm_enter_netns(const char *name)
{
	char path[128];
	int fd, err;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	return err;
}

/**
 * __vmm_tcp_pair_netns() - a TCP connection between two network
 * namespaces (ip netns names): fds[0] in @src_ns connected to fds[1] in
 * @dst_ns, which listened on @dst_addr:@port.  The caller's own namespace
 * is restored.
 */
int __vmm_tcp_pair_netns(int fds[2], const char *src_ns, const char *dst_ns,
			 const char *dst_addr, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int l = -1, one = 1, self, err;

	fds[0] = fds[1] = -1;
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	a.sin_addr.s_addr = inet_addr(dst_addr);
	err = vmm_enter_netns(dst_ns);
	if (!err) {
		l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (l < 0 ||
		    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		    bind(l, (void *)&a, sizeof(a)) || listen(l, 1))
			err = -errno;
	}
	if (!err)
		err = vmm_enter_netns(src_ns);
	if (!err) {
		fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fds[0] < 0 || connect(fds[0], (void *)&a, sizeof(a)))
			err = -errno;
	}
	if (!err) {
		fds[1] = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (fds[1] < 0)
			err = -errno;
	}
	if (l >= 0)
		close(l);
	if (setns(self, CLONE_NEWNET) && !err)
		err = -errno;
	close(self);
	return err;
}
