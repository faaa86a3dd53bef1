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
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

#define VMM_RAM_ALIGN	(2UL << 20)

/*
 * Map @size bytes of guest RAM @skew pages past a 2 MiB boundary, as a VMM
 * aligns RAM for transparent huge pages (QEMU does): anonymous, or @fd
 * shared.  The skew exists for the test host only; see vmm.h.
 */
static void *vmm_map_ram(size_t size, int fd, unsigned int skew)
{
	size_t off = (size_t)(skew % (VMM_RAM_ALIGN / VMM_PAGE)) * VMM_PAGE;
	size_t span = size + VMM_RAM_ALIGN + off;
	uint8_t *r, *m;
	void *p;

	r = mmap(NULL, span, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		return r;
	m = (uint8_t *)(((uintptr_t)r + VMM_RAM_ALIGN - 1) &
			~(VMM_RAM_ALIGN - 1)) + off;
	if (fd >= 0)
		p = mmap(m, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			 fd, 0);
	else
		p = mmap(m, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			 MAP_FIXED, -1, 0);
	if (p == MAP_FAILED) {
		munmap(r, span);
		return p;
	}
	if (m > r)
		munmap(r, m - r);
	if (r + span > m + size)
		munmap(m + size, r + span - (m + size));
	return m;
}

/**
 * vmm_vm_create() - a VM with @nr_slots memslots of anonymous memory.
 * @vm: filled.
 * @slots: the layout.
 * @nr_slots: up to VMM_MAX_SLOTS.
 * @fill: byte to fill the memory with; 0 leaves it untouched (zero).
 * @shared: each memslot backed by a memfd of its own.
 * @skew: pages each memslot's memory starts past a 2 MiB boundary.
 */
static int vmm_vm_create(struct vmm_vm *vm, const struct vmm_slot *slots,
			 unsigned int nr_slots, uint8_t fill, bool shared,
			 unsigned int skew)
{
	unsigned int i;
	int k = kvm();

	memset(vm, 0, sizeof(*vm));
	for (i = 0; i < VMM_MAX_SLOTS; i++)
		vm->memfd[i] = -1;
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

		if (shared) {
			vm->memfd[i] = memfd_create("guest-ram", MFD_CLOEXEC);
			if (vm->memfd[i] < 0 ||
			    ftruncate(vm->memfd[i], r.memory_size))
				return -errno;
		}
		vm->mem[i] = vmm_map_ram(r.memory_size, vm->memfd[i], skew);
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

int __vmm_vm_create(struct vmm_vm *vm, const struct vmm_slot *slots,
		    unsigned int nr_slots, uint8_t fill)
{
	return vmm_vm_create(vm, slots, nr_slots, fill, false, 0);
}

int __vmm_vm_create_skewed(struct vmm_vm *vm, const struct vmm_slot *slots,
			   unsigned int nr_slots, unsigned int skew)
{
	return vmm_vm_create(vm, slots, nr_slots, 0, false, skew);
}

/*
 * __vmm_vm_create_memfd() - the same with each memslot backed by a memfd
 * of its own, mapped shared (as vhost-user VMMs do); vm->memfd[] holds
 * them.  Memory is left as the memfd has it: holes, reading as zero.
 */
int __vmm_vm_create_memfd(struct vmm_vm *vm, const struct vmm_slot *slots,
			  unsigned int nr_slots)
{
	return vmm_vm_create(vm, slots, nr_slots, 0, true, 0);
}

void vmm_vm_destroy(struct vmm_vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_slots; i++) {
		munmap(vm->mem[i], vm->slots[i].npages * VMM_PAGE);
		if (vm->memfd[i] >= 0)
			close(vm->memfd[i]);
		vm->memfd[i] = -1;
	}
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

/* Host address of guest-physical @gpa, NULL if no memslot holds it. */
void *vmm_gpa_hva(const struct vmm_vm *vm, uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < vm->nr_slots; i++)
		if (gpa >= vm->slots[i].gpa &&
		    gpa - vm->slots[i].gpa < vm->slots[i].npages * VMM_PAGE)
			return vm->mem[i] + (gpa - vm->slots[i].gpa);
	return NULL;
}

/* Copy guest-physical [@gpa, @gpa + @len) from @src to @dst, page-wise. */
int __vmm_vm_copy(struct vmm_vm *dst, const struct vmm_vm *src, uint64_t gpa,
		  uint64_t len)
{
	uint64_t end = gpa + len;

	if (gpa % VMM_PAGE || len % VMM_PAGE)
		return -EINVAL;
	for (; gpa < end; gpa += VMM_PAGE) {
		void *d = vmm_gpa_hva(dst, gpa), *s = vmm_gpa_hva(src, gpa);

		if (!d || !s)
			return -EFAULT;
		memcpy(d, s, VMM_PAGE);
	}
	return 0;
}

int __vmm_vcpu_create(struct vmm_vcpu *v, const struct vmm_vm *vm)
{
	return __vmm_vcpu_create_id(v, vm, 0);
}

/**
 * __vmm_vcpu_create_id() - vCPU @id of @vm, its kvm_run mapped, and its
 * dirty ring too when the VM has one (__vmm_vm_enable_dirty_ring()).
 * @v: filled.
 * @vm: the VM.
 * @id: the vCPU id (APIC id).
 */
int __vmm_vcpu_create_id(struct vmm_vcpu *v, const struct vmm_vm *vm,
			 uint32_t id)
{
	int k = kvm();

	memset(v, 0, sizeof(*v));
	v->fd = -1;
	if (k < 0)
		return k;
	v->run_size = ioctl(k, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (v->run_size <= 0)
		return v->run_size < 0 ? -errno : -EINVAL;
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (v->fd < 0)
		return -errno;
	v->id = id;
	pthread_mutex_init(&v->lock, NULL);
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return -errno;
	}
	if (vm->ring_entries) {
		size_t len = vm->ring_entries * sizeof(struct kvm_dirty_gfn);
		off_t off = (off_t)KVM_DIRTY_LOG_PAGE_OFFSET *
			    sysconf(_SC_PAGESIZE);

		v->ring = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			       v->fd, off);
		if (v->ring == MAP_FAILED) {
			v->ring = NULL;
			return -errno;
		}
		v->ring_entries = vm->ring_entries;
	}
	return 0;
}

void vmm_vcpu_destroy(struct vmm_vcpu *v)
{
	if (v->ring)
		munmap(v->ring, v->ring_entries * sizeof(*v->ring));
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->fd >= 0) {
		close(v->fd);
		pthread_mutex_destroy(&v->lock);
	}
	v->ring = NULL;
	v->run = NULL;
	v->fd = -1;
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

/**
 * __vmm_vcpu_flat32() - 32-bit protected mode as a bootloader leaves it:
 * CR0.PE, no paging, flat 4 GiB code (0x08) and data (0x10) segments,
 * interrupts off, @eip and @ebx, every other GPR zero.  Only the segment
 * caches are set: there is no GDT in guest memory, so the guest must not
 * load segment registers.
 * @v: the vCPU.
 * @eip: where to start.
 * @ebx: the guest's argument.
 */
int __vmm_vcpu_flat32(struct vmm_vcpu *v, uint32_t eip, uint32_t ebx)
{
	const struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 0x08,
		.type = 0xb,		/* code, execute/read, accessed */
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
	struct kvm_segment data = code;
	struct kvm_regs regs = { .rip = eip, .rbx = ebx, .rflags = 2 };
	struct kvm_sregs sregs;

	data.selector = 0x10;
	data.type = 0x3;		/* data, read/write, accessed */
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs))
		return -errno;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.cr0 = 0x11;		/* PE | ET */
	sregs.cr3 = sregs.cr4 = sregs.efer = 0;
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) ||
	    ioctl(v->fd, KVM_SET_REGS, &regs))
		return -errno;
	return 0;
}

/*
 * The state of a vCPU out of KVM_RUN.  An I/O exit is completed only by
 * the next KVM_RUN (see the runner), so save after one that returned
 * -EINTR.
 */
int __vmm_vcpu_get_state(struct vmm_vcpu *v, struct vmm_vcpu_state *st)
{
	memset(st, 0, sizeof(*st));
	if (ioctl(v->fd, KVM_GET_REGS, &st->regs) ||
	    ioctl(v->fd, KVM_GET_SREGS, &st->sregs) ||
	    ioctl(v->fd, KVM_GET_VCPU_EVENTS, &st->events))
		return -errno;
	return 0;
}

int __vmm_vcpu_set_state(struct vmm_vcpu *v, const struct vmm_vcpu_state *st)
{
	if (ioctl(v->fd, KVM_SET_SREGS, &st->sregs) ||
	    ioctl(v->fd, KVM_SET_REGS, &st->regs) ||
	    ioctl(v->fd, KVM_SET_VCPU_EVENTS, &st->events))
		return -errno;
	return 0;
}

size_t vmm_vcpus_blob_size(unsigned int nr)
{
	return sizeof(struct vmm_vcpus_hdr) +
	       nr * sizeof(struct vmm_vcpu_state);
}

static int vmm_pio(bool wr, int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = wr ? pwrite(fd, buf, len, off) : pread(fd, buf, len, off);

	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

/**
 * __vmm_vcpus_save() - the state of @nr paused vCPUs into @fd (a memfd):
 * vmm_vcpus_blob_size(@nr) bytes from offset 0.
 */
int __vmm_vcpus_save(struct vmm_vcpu *vcpus, unsigned int nr, int fd)
{
	struct vmm_vcpus_hdr h = {
		.magic = VMM_VCPUS_MAGIC, .nr = nr,
		.state_size = sizeof(struct vmm_vcpu_state),
	};
	struct vmm_vcpu_state st;
	unsigned int i;
	int err;

	err = vmm_pio(true, fd, &h, sizeof(h), 0);
	for (i = 0; !err && i < nr; i++) {
		err = __vmm_vcpu_get_state(&vcpus[i], &st);
		if (!err)
			err = vmm_pio(true, fd, &st, sizeof(st),
				      sizeof(h) + i * sizeof(st));
	}
	return err;
}

/* __vmm_vcpus_restore() - what __vmm_vcpus_save() wrote, into @nr vCPUs. */
int __vmm_vcpus_restore(struct vmm_vcpu *vcpus, unsigned int nr, int fd)
{
	struct vmm_vcpus_hdr h;
	struct vmm_vcpu_state st;
	unsigned int i;
	int err;

	err = vmm_pio(false, fd, &h, sizeof(h), 0);
	if (err)
		return err;
	if (h.magic != VMM_VCPUS_MAGIC || h.nr != nr ||
	    h.state_size != sizeof(st) || h.reserved)
		return -EINVAL;
	for (i = 0; !err && i < nr; i++) {
		err = vmm_pio(false, fd, &st, sizeof(st),
			      sizeof(h) + i * sizeof(st));
		if (!err)
			err = __vmm_vcpu_set_state(&vcpus[i], &st);
	}
	return err;
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

struct vmm_run_for {
	struct vmm_vcpu *v;
	int ret;
};

static void *vmm_run_for_thread(void *arg)
{
	struct vmm_run_for *r = arg;

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
	struct vmm_run_for r = { .v = v };
	pthread_t t;

	if (sigaction(SIGUSR1, &sa, NULL) ||
	    pthread_create(&t, NULL, vmm_run_for_thread, &r))
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

/* ---- dirty ring -------------------------------------------------------- */

/**
 * __vmm_vm_enable_dirty_ring() - a dirty ring of @entries (a power of two)
 * per vCPU; before any vCPU is created.
 * @vm: the VM.
 * @entries: ring size in struct kvm_dirty_gfn entries.
 *
 * Return: 0, -EOPNOTSUPP if KVM has no dirty ring, -E2BIG if it is larger
 * than KVM allows, or another negative errno.
 */
int __vmm_vm_enable_dirty_ring(struct vmm_vm *vm, uint32_t entries)
{
	uint64_t bytes = (uint64_t)entries * sizeof(struct kvm_dirty_gfn);
	struct kvm_enable_cap cap = { .cap = KVM_CAP_DIRTY_LOG_RING };
	int max = ioctl(vm->fd, KVM_CHECK_EXTENSION, KVM_CAP_DIRTY_LOG_RING);

	if (max < 0)
		return -errno;
	if (!max)
		return -EOPNOTSUPP;
	if (!entries || (entries & (entries - 1)))
		return -EINVAL;
	if (bytes > (uint64_t)max)
		return -E2BIG;
	cap.args[0] = bytes;
	if (ioctl(vm->fd, KVM_ENABLE_CAP, &cap))
		return -errno;
	vm->ring_entries = entries;
	return 0;
}

/*
 * __vmm_vm_set_dirty_logging() - KVM_MEM_LOG_DIRTY_PAGES on (or off) on
 * every memslot, as a VMM starts (ends) a live migration.  With the dirty
 * ring, turning it on write-protects every page: each page's next write
 * pushes a ring entry.
 */
int __vmm_vm_set_dirty_logging(struct vmm_vm *vm, bool on)
{
	unsigned int i;

	for (i = 0; i < vm->nr_slots; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = vm->slots[i].slot,
			.flags = on ? KVM_MEM_LOG_DIRTY_PAGES : 0,
			.guest_phys_addr = vm->slots[i].gpa,
			.memory_size = vm->slots[i].npages * VMM_PAGE,
			.userspace_addr = (uintptr_t)vm->mem[i],
		};

		if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r))
			return -errno;
	}
	vm->dirty_logging = on;
	return 0;
}

/**
 * vmm_vcpu_ring_harvest() - collect the dirty entries of @v's ring, as
 * Documentation/virt/kvm/api.rst describes: from the vCPU's fetch index,
 * while an entry's flags (read with acquire) say DIRTY, pass it to @fn and
 * mark it RESET (store with release).  KVM recycles the marked entries on
 * the next __vmm_vm_reset_rings().  Safe while the vCPU runs; harvesters
 * of one vCPU are serialized.
 * @v: the vCPU.
 * @fn: called for each entry (memslot as in KVM, offset in pages); or NULL.
 * @ctx: for @fn.
 *
 * Return: the number of entries harvested, or -EINVAL without a ring.
 */
int vmm_vcpu_ring_harvest(struct vmm_vcpu *v,
			  void (*fn)(void *ctx, uint32_t slot, uint64_t offset),
			  void *ctx)
{
	int n = 0;

	if (!v->ring)
		return -EINVAL;
	pthread_mutex_lock(&v->lock);
	for (;;) {
		struct kvm_dirty_gfn *e =
			&v->ring[v->fetch & (v->ring_entries - 1)];

		if (!(__atomic_load_n(&e->flags, __ATOMIC_ACQUIRE) &
		      KVM_DIRTY_GFN_F_DIRTY))
			break;
		if (fn)
			fn(ctx, e->slot, e->offset);
		__atomic_store_n(&e->flags, KVM_DIRTY_GFN_F_RESET,
				 __ATOMIC_RELEASE);
		v->fetch++;
		n++;
	}
	pthread_mutex_unlock(&v->lock);
	return n;
}

/*
 * vmm_vcpu_ring_resume() - take @v's ring back after someone else (a vmmig
 * session) harvested it: go on from ring index @index.
 */
void vmm_vcpu_ring_resume(struct vmm_vcpu *v, uint32_t index)
{
	pthread_mutex_lock(&v->lock);
	v->fetch = index;
	pthread_mutex_unlock(&v->lock);
}

/*
 * __vmm_vm_reset_rings() - KVM_RESET_DIRTY_RINGS: recycle the harvested
 * entries of every ring and write-protect their pages again.
 *
 * Return: the number of entries reset (>= 0), or a negative errno.
 */
int __vmm_vm_reset_rings(struct vmm_vm *vm)
{
	int n = ioctl(vm->fd, KVM_RESET_DIRTY_RINGS, 0);

	return n < 0 ? -errno : n;
}

/* ---- the stamp guest --------------------------------------------------- */

/* Copy the stamp guest's code to @gpa (VMM_STAMP_CODE_GPA in the tests). */
int __vmm_load_stamp_guest(struct vmm_vm *vm, uint64_t gpa)
{
	size_t len = vmm_guest_stamp_end - vmm_guest_stamp;
	uint8_t *first = vmm_gpa_hva(vm, gpa);

	if (!first || vmm_gpa_hva(vm, gpa + len - 1) != first + len - 1)
		return -EFAULT;
	memcpy(first, vmm_guest_stamp, len);
	return 0;
}

/* The control block of the @idx-th stamp vCPU, at VMM_STAMP_CTL_GPA. */
struct vmm_stamp_ctl *vmm_stamp_ctl(const struct vmm_vm *vm, unsigned int idx)
{
	return vmm_gpa_hva(vm, VMM_STAMP_CTL_GPA +
			   idx * sizeof(struct vmm_stamp_ctl));
}

/**
 * __vmm_stamp_setup() - make @v the @idx-th stamp vCPU: its control block
 * at VMM_STAMP_CTL_GPA + @idx * 64 filled, its working set zeroed, and the
 * vCPU in flat 32-bit mode at VMM_STAMP_CODE_GPA with EBX = its control
 * block.  The code must be loaded (__vmm_load_stamp_guest()).
 * @vm: the VM.
 * @v: the vCPU.
 * @idx: its index (< 64), also the vCPU number in its stamps.
 * @base_gpa: the working set, page aligned.
 * @npages: its size (< 2^24 pages); any memslots, but no holes.
 * @delay: spin iterations after each page.
 */
int __vmm_stamp_setup(struct vmm_vm *vm, struct vmm_vcpu *v, unsigned int idx,
		      uint32_t base_gpa, uint32_t npages, uint32_t delay)
{
	struct vmm_stamp_ctl *ctl = vmm_stamp_ctl(vm, idx);
	uint32_t p;

	if (!ctl || idx >= VMM_PAGE / sizeof(*ctl) || base_gpa % VMM_PAGE ||
	    npages >= 1U << 24 ||
	    (uint64_t)base_gpa + (uint64_t)npages * VMM_PAGE > 1ULL << 32)
		return -EINVAL;
	for (p = 0; p < npages; p++) {
		void *hva = vmm_gpa_hva(vm, base_gpa + (uint64_t)p * VMM_PAGE);

		if (!hva)
			return -EFAULT;
		memset(hva, 0, VMM_PAGE);
	}
	memset(ctl, 0, sizeof(*ctl));
	ctl->base_gpa = base_gpa;
	ctl->npages = npages;
	ctl->vcpu = idx;
	ctl->delay = delay;
	return __vmm_vcpu_flat32(v, VMM_STAMP_CODE_GPA,
				 VMM_STAMP_CTL_GPA + idx * sizeof(*ctl));
}

/* What vCPU @vcpu's sweep @iter writes at offset 0 of its page @page. */
uint64_t vmm_stamp_val(uint64_t iter, uint32_t vcpu, uint32_t page)
{
	if (!iter)
		return 0;
	return (uint64_t)(page | vcpu << 24) << 32 | (uint32_t)iter;
}

/* Write what sweep @iter writes into the page at @hva. */
void vmm_stamp_put(void *hva, uint64_t iter, uint32_t vcpu, uint32_t page)
{
	uint64_t v = vmm_stamp_val(iter, vcpu, page);

	*(uint64_t *)hva = v;
	*(uint64_t *)((uint8_t *)hva + STAMP_TAIL) = __builtin_bswap64(v);
}

/* Is every dword of the page's two stamps from @a or @b?  (A torn write.) */
static bool vmm_stamp_mixed(uint64_t head, uint64_t tail, uint64_t a,
			    uint64_t b)
{
	uint64_t ta = __builtin_bswap64(a), tb = __builtin_bswap64(b);
	int i;

	for (i = 0; i < 64; i += 32)
		if (((head >> i) & 0xffffffff) != ((a >> i) & 0xffffffff) &&
		    ((head >> i) & 0xffffffff) != ((b >> i) & 0xffffffff))
			return false;
	for (i = 0; i < 64; i += 32)
		if (((tail >> i) & 0xffffffff) != ((ta >> i) & 0xffffffff) &&
		    ((tail >> i) & 0xffffffff) != ((tb >> i) & 0xffffffff))
			return false;
	return true;
}

/**
 * vmm_stamp_verify() - check the working set of the @idx-th stamp vCPU of
 * a paused VM, from the host: every page must hold the stamp of the last
 * completed sweep (ctl->iter) or of the one in progress, head and tail
 * alike; only the page the guest was at (ctl->cur) may be half written.
 * Run it on a migration's destination before the guest resumes.
 *
 * Return: the number of pages that fail.
 */
uint64_t vmm_stamp_verify(const struct vmm_vm *vm, unsigned int idx)
{
	const struct vmm_stamp_ctl *ctl = vmm_stamp_ctl(vm, idx);
	uint64_t bad = 0;
	uint32_t p;

	if (!ctl)
		return 1;
	for (p = 0; p < ctl->npages; p++) {
		const uint8_t *hva = vmm_gpa_hva(vm, ctl->base_gpa +
						 (uint64_t)p * VMM_PAGE);
		uint64_t old = vmm_stamp_val(ctl->iter, ctl->vcpu, p);
		uint64_t new = vmm_stamp_val(ctl->iter + 1, ctl->vcpu, p);
		uint64_t head, tail;

		if (!hva) {
			bad++;
			continue;
		}
		head = *(const uint64_t *)hva;
		tail = *(const uint64_t *)(hva + STAMP_TAIL);
		if ((head == old && tail == __builtin_bswap64(old)) ||
		    (head == new && tail == __builtin_bswap64(new)))
			continue;
		if (p == ctl->cur && vmm_stamp_mixed(head, tail, old, new))
			continue;
		bad++;
	}
	return bad;
}

/* ---- several vCPUs in threads ------------------------------------------ */

enum { VMM_RUNNER_RUN, VMM_RUNNER_PAUSE, VMM_RUNNER_STOP };

#define vmm_inc(x, n)	__atomic_add_fetch(&(x), (n), __ATOMIC_RELAXED)
#define vmm_get(x)	__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define vmm_set(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

static uint64_t vmm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/*
 * After KVM_RUN returned -EINTR (a pause, a stop, or a late kick): wait
 * while the runner is paused.  Return true to stop.
 */
static bool vmm_runner_park(struct vmm_runner_vcpu *c)
{
	struct vmm_runner *r = c->r;
	uint64_t t0 = vmm_now_ns();
	bool stop;

	vmm_set(c->where, VMM_AT_PARK);
	pthread_mutex_lock(&r->lock);
	while (r->state == VMM_RUNNER_PAUSE) {
		if (!c->parked) {
			c->parked = true;
			pthread_cond_broadcast(&r->cond);
		}
		pthread_cond_wait(&r->cond, &r->lock);
	}
	c->parked = false;
	stop = r->state == VMM_RUNNER_STOP;
	if (!stop)
		c->v->run->immediate_exit = 0;
	pthread_mutex_unlock(&r->lock);
	/* Time spent parked is no stall. */
	vmm_inc(c->sweep_ns, vmm_now_ns() - t0);
	return stop;
}

static int vmm_runner_make_room(struct vmm_runner_vcpu *c)
{
	const struct vmm_runner_ops *ops = c->r->ops;
	int n;

	if (ops && ops->ring_full && !ops->ring_full(c->r->ctx, c->idx))
		return 0;
	n = vmm_vcpu_ring_harvest(c->v, ops ? ops->dirty : NULL, c->r->ctx);
	if (n < 0)
		return n;
	vmm_inc(c->st.harvested, n);
	n = __vmm_vm_reset_rings(c->r->vm);
	return n < 0 ? n : 0;
}

static void *vmm_runner_thread(void *arg)
{
	struct vmm_runner_vcpu *c = arg;
	struct kvm_run *run = c->v->run;
	uint32_t reason = 0;
	uint16_t port = 0;
	int err = 0;

	/*
	 * Back into KVM_RUN after every exit, and park only when it returns
	 * -EINTR: KVM completes a pending I/O instruction before it looks at
	 * immediate_exit, so a parked vCPU's state is whole.
	 */
	vmm_set(c->tid, gettid());
	for (;;) {
		vmm_set(c->where, VMM_AT_RUN);
		if (ioctl(c->v->fd, KVM_RUN, 0)) {
			vmm_set(c->where, VMM_AT_EXIT);
			vmm_set(c->last_errno, errno);
			vmm_inc(c->st.exits, 1);
			if (errno != EINTR && errno != EAGAIN) {
				err = -errno;
				break;
			}
			vmm_inc(c->st.eintr, 1);
			if (vmm_runner_park(c))
				break;
			continue;
		}
		vmm_set(c->where, VMM_AT_EXIT);
		vmm_set(c->last_errno, 0);
		vmm_set(c->last_exit, run->exit_reason);
		vmm_inc(c->st.exits, 1);
		if (run->exit_reason == KVM_EXIT_IO &&
		    run->io.direction == KVM_EXIT_IO_OUT &&
		    run->io.port == STAMP_PORT_SWEEP) {
			vmm_set(c->sweep_ns, vmm_now_ns());
			vmm_set(c->sweep_exits, vmm_get(c->st.exits));
			vmm_inc(c->st.sweeps, 1);
		} else if (run->exit_reason == KVM_EXIT_IO &&
			   run->io.direction == KVM_EXIT_IO_OUT &&
			   run->io.port == STAMP_PORT_ERROR) {
			vmm_inc(c->st.errors, 1);
		} else if (run->exit_reason == KVM_EXIT_DIRTY_RING_FULL) {
			vmm_inc(c->st.ring_full, 1);
			vmm_set(c->where, VMM_AT_RING_FULL);
			err = vmm_runner_make_room(c);
			if (err)
				break;
		} else if (run->exit_reason != KVM_EXIT_INTR) {
			reason = run->exit_reason;
			if (reason == KVM_EXIT_IO)
				port = run->io.port;
			err = -EIO;
			break;
		}
	}
	vmm_set(c->where, VMM_AT_DONE);
	pthread_mutex_lock(&c->r->lock);
	c->st.error = err;
	c->st.exit_reason = reason;
	c->st.port = port;
	c->done = true;
	pthread_cond_broadcast(&c->r->cond);
	pthread_mutex_unlock(&c->r->lock);
	return NULL;
}

static void vmm_runner_kick(int sig)
{
	(void)sig;
}

/* Set @state and kick every vCPU out of KVM_RUN (under r->lock). */
static void vmm_runner_set_locked(struct vmm_runner *r, int state)
{
	unsigned int i;

	r->state = state;
	if (state != VMM_RUNNER_RUN)
		for (i = 0; i < r->nr; i++)
			r->vc[i].v->run->immediate_exit = 1;
	pthread_cond_broadcast(&r->cond);
}

static void vmm_runner_kick_all(struct vmm_runner *r)
{
	unsigned int i;

	for (i = 0; i < r->nr; i++)
		if (r->vc[i].started)
			pthread_kill(r->vc[i].thread, SIGUSR1);
}

/**
 * __vmm_runner_start() - run @nr vCPUs, each in its own thread, until
 * vmm_runner_stop().  OUTs to the stamp guest's ports are counted,
 * KVM_EXIT_DIRTY_RING_FULL is handled (@ops), any other exit stops that
 * vCPU with an error (vmm_runner_error()).
 * @r: the runner.
 * @vm: their VM.
 * @vcpus: the vCPUs, ready to run; the runner keeps a pointer.
 * @nr: how many, up to VMM_MAX_VCPUS.
 * @ops: what to do on a full dirty ring, or NULL.
 * @ctx: for @ops.
 */
int __vmm_runner_start(struct vmm_runner *r, struct vmm_vm *vm,
		       struct vmm_vcpu *vcpus, unsigned int nr,
		       const struct vmm_runner_ops *ops, void *ctx)
{
	struct sigaction sa = { .sa_handler = vmm_runner_kick }; /* no SA_RESTART */
	pthread_condattr_t ca;
	unsigned int i;
	int err;

	memset(r, 0, sizeof(*r));
	if (!nr || nr > VMM_MAX_VCPUS)
		return -EINVAL;
	if (sigaction(SIGUSR1, &sa, NULL))
		return -errno;
	r->vm = vm;
	r->ops = ops;
	r->ctx = ctx;
	r->nr = nr;
	r->state = VMM_RUNNER_RUN;
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	for (i = 0; i < nr; i++) {
		r->vc[i].r = r;
		r->vc[i].v = &vcpus[i];
		r->vc[i].idx = i;
		/* Needs the vCPU's mutex: not while it is in KVM_RUN. */
		r->vc[i].stats_fd = ioctl(vcpus[i].fd, KVM_GET_STATS_FD, NULL);
		r->vc[i].sweep_ns = vmm_now_ns();
		vcpus[i].run->immediate_exit = 0;
	}
	for (i = 0; i < nr; i++) {
		err = pthread_create(&r->vc[i].thread, NULL, vmm_runner_thread,
				     &r->vc[i]);
		if (err) {
			vmm_runner_stop(r);
			return -err;
		}
		r->vc[i].started = true;
	}
	return 0;
}

static bool vmm_runner_all_parked(struct vmm_runner *r)
{
	unsigned int i;

	for (i = 0; i < r->nr; i++)
		if (r->vc[i].started && !r->vc[i].parked && !r->vc[i].done)
			return false;
	return true;
}

/*
 * vmm_runner_pause() - kick every vCPU out of KVM_RUN and wait until all
 * are parked (or stopped on an error).  Then their state can be read, and
 * every page they wrote is in their dirty rings.
 */
void vmm_runner_pause(struct vmm_runner *r)
{
	pthread_mutex_lock(&r->lock);
	vmm_runner_set_locked(r, VMM_RUNNER_PAUSE);
	pthread_mutex_unlock(&r->lock);
	vmm_runner_kick_all(r);
	pthread_mutex_lock(&r->lock);
	while (!vmm_runner_all_parked(r))
		pthread_cond_wait(&r->cond, &r->lock);
	pthread_mutex_unlock(&r->lock);
}

/*
 * __vmm_runner_pause_timeout() - vmm_runner_pause(), but give up after
 * @timeout_ms: -ETIMEDOUT, a vCPU did not leave KVM_RUN when kicked (the
 * runner stays paused; resume it to let that vCPU go on).
 */
int __vmm_runner_pause_timeout(struct vmm_runner *r, unsigned int timeout_ms)
{
	uint64_t end = vmm_now_ns() + timeout_ms * 1000000ULL;
	struct timespec ts = {
		.tv_sec = end / 1000000000, .tv_nsec = end % 1000000000,
	};
	int err = 0;

	pthread_mutex_lock(&r->lock);
	vmm_runner_set_locked(r, VMM_RUNNER_PAUSE);
	pthread_mutex_unlock(&r->lock);
	vmm_runner_kick_all(r);
	pthread_mutex_lock(&r->lock);
	while (!err && !vmm_runner_all_parked(r))
		err = -pthread_cond_timedwait(&r->cond, &r->lock, &ts);
	if (err && vmm_runner_all_parked(r))
		err = 0;
	pthread_mutex_unlock(&r->lock);
	return err;
}

void vmm_runner_resume(struct vmm_runner *r)
{
	pthread_mutex_lock(&r->lock);
	vmm_runner_set_locked(r, VMM_RUNNER_RUN);
	pthread_mutex_unlock(&r->lock);
}

/*
 * vmm_runner_stop() - end every vCPU thread, running or paused.  The
 * counters stay readable until the runner is started again.
 */
void vmm_runner_stop(struct vmm_runner *r)
{
	unsigned int i;

	if (!r->nr)
		return;
	pthread_mutex_lock(&r->lock);
	vmm_runner_set_locked(r, VMM_RUNNER_STOP);
	pthread_mutex_unlock(&r->lock);
	vmm_runner_kick_all(r);
	for (i = 0; i < r->nr; i++) {
		if (r->vc[i].started)
			pthread_join(r->vc[i].thread, NULL);
		if (r->vc[i].stats_fd >= 0)
			close(r->vc[i].stats_fd);
		r->vc[i].stats_fd = -1;
	}
	r->nr = 0;
}

void vmm_runner_stats(struct vmm_runner *r, unsigned int idx,
		      struct vmm_runner_stats *st)
{
	struct vmm_runner_vcpu *c = &r->vc[idx];

	st->sweeps = vmm_get(c->st.sweeps);
	st->errors = vmm_get(c->st.errors);
	st->ring_full = vmm_get(c->st.ring_full);
	st->harvested = vmm_get(c->st.harvested);
	st->exits = vmm_get(c->st.exits);
	st->eintr = vmm_get(c->st.eintr);
	pthread_mutex_lock(&r->lock);
	st->error = c->st.error;
	st->exit_reason = c->st.exit_reason;
	st->port = c->st.port;
	pthread_mutex_unlock(&r->lock);
}

uint64_t vmm_runner_sweeps(struct vmm_runner *r, unsigned int idx)
{
	return vmm_get(r->vc[idx].st.sweeps);
}

uint64_t vmm_runner_errors(struct vmm_runner *r, unsigned int idx)
{
	return vmm_get(r->vc[idx].st.errors);
}

uint64_t vmm_runner_ring_full(struct vmm_runner *r, unsigned int idx)
{
	return vmm_get(r->vc[idx].st.ring_full);
}

/* 0, or why vCPU @idx stopped: -errno of KVM_RUN, -EIO for a bad exit. */
int vmm_runner_error(struct vmm_runner *r, unsigned int idx)
{
	int err;

	pthread_mutex_lock(&r->lock);
	err = r->vc[idx].st.error;
	pthread_mutex_unlock(&r->lock);
	return err;
}

/**
 * __vmm_runner_wait_sweeps() - wait until the sweep count of vCPU @idx
 * reaches @sweeps (the runner must be running).
 *
 * Return: 0, -ETIMEDOUT after @timeout_ms, or the vCPU's error if it
 * stopped.
 */
int __vmm_runner_wait_sweeps(struct vmm_runner *r, unsigned int idx,
			     uint64_t sweeps, unsigned int timeout_ms)
{
	unsigned int waited = 0;
	int err;

	while (vmm_runner_sweeps(r, idx) < sweeps) {
		err = vmm_runner_error(r, idx);
		if (err)
			return err;
		if (waited >= timeout_ms) {
			__vmm_runner_report(r, idx, stderr);
			return -ETIMEDOUT;
		}
		usleep(5000);
		waited += 5;
	}
	return 0;
}

/* ---- stall reports ----------------------------------------------------- */

/*
 * vmm_runner_idle_ms() - how long vCPU @idx has been running without a
 * sweep (its last OUT to STAMP_PORT_SWEEP, or the start); time spent
 * parked does not count.
 */
uint64_t vmm_runner_idle_ms(struct vmm_runner *r, unsigned int idx)
{
	uint64_t t = vmm_get(r->vc[idx].sweep_ns), now = vmm_now_ns();

	return now > t ? (now - t) / 1000000 : 0;
}

#define VMM_KSTATS_MAX	128
#define VMM_KSTATS_NAME	48	/* KVM_STATS_NAME_SIZE */

/* A vCPU's KVM statistics (KVM_GET_STATS_FD), the plain counters. */
struct vmm_kstats {
	unsigned int n;
	char name[VMM_KSTATS_MAX][VMM_KSTATS_NAME];
	uint64_t val[VMM_KSTATS_MAX];
};

static int vmm_kstats_read(int fd, struct vmm_kstats *ks)
{
	struct kvm_stats_header h;
	size_t dsz;
	char *d;
	unsigned int i;
	int err = 0;

	ks->n = 0;
	if (fd < 0)
		return -EBADF;
	if (vmm_pio(false, fd, &h, sizeof(h), 0))
		return -EIO;
	dsz = sizeof(struct kvm_stats_desc) + h.name_size;
	d = malloc(dsz * h.num_desc);
	if (!d)
		return -ENOMEM;
	err = vmm_pio(false, fd, d, dsz * h.num_desc, h.desc_offset);
	for (i = 0; !err && i < h.num_desc && ks->n < VMM_KSTATS_MAX; i++) {
		struct kvm_stats_desc *sd = (void *)(d + i * dsz);

		if (sd->size != 1)
			continue;
		err = vmm_pio(false, fd, &ks->val[ks->n], sizeof(uint64_t),
			      h.data_offset + sd->offset);
		snprintf(ks->name[ks->n], VMM_KSTATS_NAME, "%s", sd->name);
		ks->n++;
	}
	free(d);
	return err;
}

/* Print a file of /proc (or any), each line after @prefix. */
static void vmm_cat(FILE *f, const char *prefix, const char *path)
{
	char line[512];
	FILE *in = fopen(path, "r");

	if (!in) {
		fprintf(f, "%s(%s: %s)\n", prefix, path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), in))
		fprintf(f, "%s%s%s", prefix, line,
			strchr(line, '\n') ? "" : "\n");
	fclose(in);
}

/* Scheduler state, CPU and user/system/guest ticks of thread @tid. */
struct vmm_task {
	char state;
	int cpu;
	unsigned long long utime, stime, guest;
};

static int vmm_task_read(int tid, struct vmm_task *t)
{
	char path[64], buf[1024], *p;
	unsigned long long v;
	int i, fd, n;

	memset(t, 0, sizeof(*t));
	t->state = '?';
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%c", &t->state) != 1)
		return -EIO;
	/* Fields from 3 (state): utime 14, stime 15, cpu 39, guest_time 43. */
	p += 2;
	for (i = 3; i <= 43 && p; i++) {
		if (sscanf(p, "%llu", &v) == 1) {
			if (i == 14)
				t->utime = v;
			else if (i == 15)
				t->stime = v;
			else if (i == 39)
				t->cpu = v;
			else if (i == 43)
				t->guest = v;
		}
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return 0;
}

static const char *const vmm_where_name[] = {
	[VMM_AT_START] = "not started",
	[VMM_AT_RUN] = "inside KVM_RUN",
	[VMM_AT_EXIT] = "handling an exit",
	[VMM_AT_RING_FULL] = "in the ring-full handler",
	[VMM_AT_PARK] = "parked",
	[VMM_AT_DONE] = "ended",
};

static void vmm_report_regs(struct vmm_runner *r, struct vmm_vcpu *v,
			    FILE *f)
{
	uint64_t len = vmm_guest_stamp_end - vmm_guest_stamp;
	struct vmm_vcpu_state st;
	const uint8_t *code;
	uint64_t rip;
	int err, i;

	err = __vmm_vcpu_get_state(v, &st);
	if (err) {
		fprintf(f, "  registers: %s\n", strerror(-err));
		return;
	}
	rip = st.sregs.cs.base + st.regs.rip;
	fprintf(f, "  rip %#llx (%s+%#llx), rflags %#llx, rbx %#llx rcx %#llx rsi %#llx rdi %#llx rbp %#llx rax %#llx\n",
		(unsigned long long)rip,
		rip - VMM_STAMP_CODE_GPA < len ? "stamp" : "OUTSIDE the stamp code",
		(unsigned long long)(rip - VMM_STAMP_CODE_GPA),
		(unsigned long long)st.regs.rflags,
		(unsigned long long)st.regs.rbx, (unsigned long long)st.regs.rcx,
		(unsigned long long)st.regs.rsi, (unsigned long long)st.regs.rdi,
		(unsigned long long)st.regs.rbp, (unsigned long long)st.regs.rax);
	fprintf(f, "  cr0 %#llx cr3 %#llx cr4 %#llx efer %#llx cs %#x base %#llx db %u l %u; exception inj %u pend %u nr %u, nmi %u, shadow %u\n",
		(unsigned long long)st.sregs.cr0,
		(unsigned long long)st.sregs.cr3,
		(unsigned long long)st.sregs.cr4,
		(unsigned long long)st.sregs.efer, st.sregs.cs.selector,
		(unsigned long long)st.sregs.cs.base, st.sregs.cs.db,
		st.sregs.cs.l, st.events.exception.injected,
		st.events.exception.pending, st.events.exception.nr,
		st.events.nmi.injected, st.events.interrupt.shadow);
	code = vmm_gpa_hva(r->vm, rip);
	if (code && vmm_gpa_hva(r->vm, rip + 7) == code + 7) {
		fprintf(f, "  code at rip:");
		for (i = 0; i < 8; i++)
			fprintf(f, " %02x", code[i]);
		fprintf(f, "\n");
	}
}

/**
 * __vmm_runner_report() - say what vCPU @idx of a running runner is doing,
 * for a stall (no sweep for long): where its thread is (inside KVM_RUN,
 * handling an exit, parked), whether KVM_RUN returns and with what, its
 * thread's state, wchan and kernel stack, its KVM counters that moved
 * over one second, its dirty ring and the guest's control block; then it
 * pauses the runner (5 s at most), prints the vCPU's registers against
 * the stamp code and resumes it.  Takes about a second.
 * @r: the runner.
 * @idx: the vCPU.
 * @f: where to print.
 *
 * Return: 0, or -ETIMEDOUT: the vCPU did not leave KVM_RUN when kicked.
 */
int __vmm_runner_report(struct vmm_runner *r, unsigned int idx, FILE *f)
{
	struct vmm_runner_vcpu *c = &r->vc[idx];
	struct vmm_stamp_ctl *ctl = vmm_stamp_ctl(r->vm, idx);
	uint64_t exits0, eintr0, rf0, writes0 = 0, writes1 = 0, kexits = 0;
	struct vmm_kstats *ks0, *ks1;
	struct vmm_task t0, t1;
	struct vmm_runner_stats st;
	char path[64], prefix[32];
	unsigned int i, dirty = 0, reset = 0;
	int tid = vmm_get(c->tid), where, err = 0, state;
	bool pause;

	ks0 = calloc(2, sizeof(*ks0));
	if (!ks0)
		return -ENOMEM;
	ks1 = ks0 + 1;
	exits0 = vmm_get(c->st.exits);
	eintr0 = vmm_get(c->st.eintr);
	rf0 = vmm_get(c->st.ring_full);
	if (ctl)
		writes0 = __atomic_load_n(&ctl->writes, __ATOMIC_RELAXED);
	vmm_kstats_read(c->stats_fd, ks0);
	vmm_task_read(tid, &t0);
	sleep(1);
	vmm_task_read(tid, &t1);
	vmm_kstats_read(c->stats_fd, ks1);
	if (ctl)
		writes1 = __atomic_load_n(&ctl->writes, __ATOMIC_RELAXED);
	vmm_runner_stats(r, idx, &st);
	where = vmm_get(c->where);

	fprintf(f, "vmm: vCPU %u (tid %d): no sweep for %llu ms, %s; %llu KVM_RUN returns since its last sweep\n",
		idx, tid, (unsigned long long)vmm_runner_idle_ms(r, idx),
		where <= VMM_AT_DONE ? vmm_where_name[where] : "?",
		(unsigned long long)(st.exits - vmm_get(c->sweep_exits)));
	fprintf(f, "  over 1 s: %llu KVM_RUN returns (%llu -EINTR), %llu ring-full, %llu pages stamped by the guest\n",
		(unsigned long long)(st.exits - exits0),
		(unsigned long long)(st.eintr - eintr0),
		(unsigned long long)(st.ring_full - rf0),
		(unsigned long long)(writes1 - writes0));
	fprintf(f, "  totals: %llu sweeps, %llu exits, %llu -EINTR, %llu ring-full, %llu harvested; last exit_reason %u, last errno %d, error %d\n",
		(unsigned long long)st.sweeps, (unsigned long long)st.exits,
		(unsigned long long)st.eintr, (unsigned long long)st.ring_full,
		(unsigned long long)st.harvested, vmm_get(c->last_exit),
		vmm_get(c->last_errno), st.error);
	fprintf(f, "  thread: state %c on cpu %d, over 1 s %llu user %llu system %llu guest ticks\n",
		t1.state, t1.cpu, t1.utime - t0.utime, t1.stime - t0.stime,
		t1.guest - t0.guest);
	if (ks0->n && ks0->n == ks1->n) {
		fprintf(f, "  KVM stats over 1 s:");
		for (i = 0; i < ks1->n; i++) {
			if (!strcmp(ks1->name[i], "exits"))
				kexits = ks1->val[i] - ks0->val[i];
			if (ks1->val[i] != ks0->val[i])
				fprintf(f, " %s +%llu", ks1->name[i],
					(unsigned long long)(ks1->val[i] - ks0->val[i]));
		}
		fprintf(f, "\n");
	}
	if (ctl)
		fprintf(f, "  guest: iter %llu, writes %llu, page %u of %u, errors %llu\n",
			(unsigned long long)ctl->iter,
			(unsigned long long)ctl->writes, ctl->cur, ctl->npages,
			(unsigned long long)ctl->errors);
	if (c->v->ring) {
		for (i = 0; i < c->v->ring_entries; i++) {
			uint32_t fl = __atomic_load_n(&c->v->ring[i].flags,
						      __ATOMIC_ACQUIRE);

			dirty += !!(fl & KVM_DIRTY_GFN_F_DIRTY);
			reset += !!(fl & KVM_DIRTY_GFN_F_RESET);
		}
		fprintf(f, "  dirty ring: fetch %u (slot %u), %u entries dirty, %u harvested not yet reset, of %u%s\n",
			c->v->fetch, c->v->fetch & (c->v->ring_entries - 1),
			dirty, reset, c->v->ring_entries,
			r->vm->dirty_logging ? "" : " (dirty logging off)");
	}
	snprintf(path, sizeof(path), "/proc/self/task/%d/wchan", tid);
	vmm_cat(f, "  wchan: ", path);
	snprintf(path, sizeof(path), "/proc/self/task/%d/stack", tid);
	for (i = 0; i < 3; i++) {
		snprintf(prefix, sizeof(prefix), "  stack %u: ", i);
		vmm_cat(f, prefix, path);
		usleep(100000);
	}

	pthread_mutex_lock(&r->lock);
	state = r->state;
	pthread_mutex_unlock(&r->lock);
	pause = state == VMM_RUNNER_RUN;
	if (pause)
		err = __vmm_runner_pause_timeout(r, 5000);
	if (err) {
		fprintf(f, "  kicked, it did not leave KVM_RUN in 5 s: stuck in the kernel\n");
		vmm_cat(f, "  stack: ", path);
	} else if (vmm_get(c->where) == VMM_AT_PARK) {
		vmm_report_regs(r, c->v, f);
	}
	if (pause)
		vmm_runner_resume(r);

	/* The verdict, from what was seen above. */
	if (err)
		fprintf(f, "vmm: vCPU %u stall: stuck inside KVM_RUN, it does not return when kicked (KVM or the host)\n",
			idx);
	else if (where == VMM_AT_PARK && state == VMM_RUNNER_RUN)
		fprintf(f, "vmm: vCPU %u stall: parked while the runner runs (runner bug)\n",
			idx);
	else if (where == VMM_AT_RING_FULL || where == VMM_AT_EXIT)
		fprintf(f, "vmm: vCPU %u stall: its thread is out of KVM_RUN, %s (runner bug)\n",
			idx, vmm_where_name[where]);
	else if (st.ring_full - rf0 && writes1 == writes0)
		fprintf(f, "vmm: vCPU %u stall: ring-full exits that make no room (dirty ring handling)\n",
			idx);
	else if (writes1 != writes0)
		fprintf(f, "vmm: vCPU %u slow, not stalled: the guest stamps %llu pages/s\n",
			idx, (unsigned long long)(writes1 - writes0));
	else if (t1.guest == t0.guest && t1.stime == t0.stime &&
		 t1.utime == t0.utime)
		fprintf(f, "vmm: vCPU %u stall: its thread got no CPU time in 1 s (state %c): the test host does not run it\n",
			idx, t1.state);
	else if (kexits)
		fprintf(f, "vmm: vCPU %u stall: inside KVM_RUN, KVM handles %llu guest exits/s and the guest stamps nothing: an exit loop (KVM or the nested CPU; see KVM stats and rip)\n",
			idx, (unsigned long long)kexits);
	else
		fprintf(f, "vmm: vCPU %u stall: inside KVM_RUN, its thread runs, no guest exits, and the guest stamps nothing (the guest or the CPU under it; see rip)\n",
			idx);
	free(ks0);
	return err;
}
