// SPDX-License-Identifier: GPL-2.0
/*
 * A VMM that holds a running session while the module is unloaded: it must
 * be told (a session-del event with reason "unload") and the unload must
 * succeed.  Prints "ready ID" once the session runs; exits 0 when the event
 * arrived with the right reason.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/kvm.h>

#include "libvmmig.h"

int main(void)
{
	struct vmmig *h, *ev;
	struct kvm_userspace_memory_region region = { .memory_size = 4096 };
	struct vmmig_event e;
	int kvm, vm, sp[2], r;
	void *mem;
	uint32_t id;

	kvm = open("/dev/kvm", O_RDWR);
	vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	/* One page of memory; the peer never answers, so the session stays
	 * active (waiting for the acknowledgment) until cancelled.
	 */
	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	region.userspace_addr = (uintptr_t)mem;
	if (vm < 0 || mem == MAP_FAILED ||
	    ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sp)) {
		perror("unload_holder: VM or sockets");
		return 10;
	}
	if (vmmig_open(&h) || vmmig_events_open(&ev)) {
		fprintf(stderr, "unload_holder: vmmig_open failed\n");
		return 11;
	}
	if (vmmig_session_create(h, VMMIG_ROLE_SOURCE, vm, &sp[0], 1, NULL,
				 &id) || vmmig_session_start(h, id)) {
		fprintf(stderr, "unload_holder: %s\n", vmmig_errmsg(h));
		return 12;
	}
	printf("ready %u\n", id);
	fflush(stdout);

	while ((r = vmmig_event_next(ev, &e, 30000)) == 1) {
		if (e.cmd == VMMIG_CMD_SESSION_DEL_NTF && e.id == id) {
			printf("destroyed: %s\n", vmmig_reason_name(e.reason));
			return e.reason == VMMIG_REASON_UNLOAD ? 0 : 2;
		}
	}
	fprintf(stderr, "unload_holder: no destroy event (%d)\n", r);
	return 3;
}
