// SPDX-License-Identifier: GPL-2.0
/*
 * libvmmig's ABI: a program built against the previous release's
 * libvmmig.h (abi/libvmmig.h, LIBVMMIG_0.4) and linked as it would have
 * been (abi/stub.c exports that release's symbol versions) runs against
 * today's libvmmig.so.  Its structs are the old, smaller ones: today's
 * library must neither write past them (a canary follows each) nor give
 * it events it does not know.  Run in the test host with vmmig.ko.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/kvm.h>

#include "kselftest_harness.h"
#include "libvmmig.h"		/* abi/libvmmig.h: the old one */

#define CANARY	0x5a5aa5a5c3c33c3cULL

struct info_canary {
	struct vmmig_session_info i;
	uint64_t canary;
};

/* A VM with one page of memory and, with @ring, KVM's dirty ring. */
static int vm_create(struct __test_metadata *_metadata, bool ring)
{
	struct kvm_userspace_memory_region r = { .memory_size = 4096 };
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_DIRTY_LOG_RING, .args = { 4096 * 16 },
	};
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm;
	void *p;

	ASSERT_LE(0, kvm) TH_LOG("/dev/kvm: %s", strerror(errno));
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	close(kvm);
	ASSERT_LE(0, vm);
	if (ring)
		ASSERT_EQ(0, ioctl(vm, KVM_ENABLE_CAP, &cap));
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	r.userspace_addr = (uintptr_t)p;
	ASSERT_EQ(0, ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r));
	return vm;
}

FIXTURE(abi) {
	struct vmmig *h;
	int vm;
	int sp[2];
};

FIXTURE_SETUP(abi)
{
	ASSERT_EQ(0, vmmig_open(&self->h));
	self->vm = vm_create(_metadata, true);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				self->sp));
}

FIXTURE_TEARDOWN(abi)
{
	vmmig_close(self->h);
	close(self->vm);
	close(self->sp[0]);
	close(self->sp[1]);
}

/* get, list and wait fill the old struct vmmig_session_info, no more. */
TEST_F(abi, old_session_info)
{
	struct vmmig_params p = { .downtime_ms = 77, .max_rounds = 9 };
	struct vmmig_session_info *all = NULL;
	struct info_canary ic;
	unsigned int n = 0, k, seen = 0;
	uint32_t id, id2;

	ASSERT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_SOURCE,
					  self->vm, &self->sp[0], 1, &p, &id))
		TH_LOG("%s", vmmig_errmsg(self->h));
	memset(&ic, 0xa5, sizeof(ic));
	ic.canary = CANARY;
	ASSERT_EQ(0, vmmig_session_get(self->h, id, &ic.i));
	EXPECT_EQ(id, ic.i.id);
	EXPECT_EQ(VMMIG_ROLE_SOURCE, ic.i.role);
	EXPECT_EQ(VMMIG_STATE_NEW, ic.i.state);
	EXPECT_EQ(77, ic.i.params.downtime_ms);
	EXPECT_EQ(9, ic.i.params.max_rounds);
	EXPECT_EQ(CANARY, ic.canary);

	/* A second session: list's array has the old stride. */
	ASSERT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_SOURCE,
					  vm_create(_metadata, false),
					  &self->sp[1], 1, &p, &id2))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_list(self->h, &all, &n));
	for (k = 0; k < n; k++) {
		if (all[k].id == id || all[k].id == id2) {
			seen++;
			EXPECT_EQ(77, all[k].params.downtime_ms);
		}
	}
	free(all);
	EXPECT_EQ(2, seen);

	ASSERT_EQ(0, vmmig_session_cancel(self->h, id));
	memset(&ic, 0xa5, sizeof(ic));
	ic.canary = CANARY;
	ASSERT_EQ(0, vmmig_session_wait(self->h, id, 5000, &ic.i));
	EXPECT_EQ(VMMIG_STATE_CANCELLED, ic.i.state);
	EXPECT_EQ(VMMIG_REASON_CANCEL, ic.i.reason);
	EXPECT_EQ(CANARY, ic.canary);
}

/* Today's struct vmmig_tune and vmmig_session_set(), which it lacks. */
struct tune_0_5 {
	size_t sz;
	uint32_t set;
	uint32_t downtime_ms;
	uint32_t max_rounds;
	uint32_t max_time_ms;
	uint64_t max_bandwidth;
	uint32_t throttle_max_ms;
};

typedef int (*session_set_fn)(struct vmmig *h, uint32_t id,
			      const struct tune_0_5 *t);

/*
 * Events it does not know (session-set-ntf, LIBVMMIG_0.5) are not given
 * to it: after a parameter change and a destroy, the next event it reads
 * for the session is the destroy.
 */
TEST_F(abi, old_events)
{
	struct vmmig_params live = { .mode = VMMIG_MODE_LIVE };
	struct tune_0_5 t = {
		.sz = sizeof(t), .set = 1, .downtime_ms = 55,
	};
	session_set_fn set;
	struct vmmig_event e;
	struct vmmig *ev;
	int rc, i;
	uint32_t id;

	set = (session_set_fn)dlvsym(RTLD_DEFAULT, "vmmig_session_set",
				     "LIBVMMIG_0.5");
	ASSERT_NE(NULL, set) TH_LOG("today's libvmmig.so has no session-set");
	ASSERT_EQ(0, vmmig_events_open(&ev));
	ASSERT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_SOURCE,
					  self->vm, &self->sp[0], 1, &live,
					  &id))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, set(self->h, id, &t)) TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_destroy(self->h, id));
	for (i = 0; i < 50; i++) {
		rc = vmmig_event_next(ev, &e, 200);
		ASSERT_LE(0, rc);
		if (rc == 0 || e.id != id)
			continue;
		EXPECT_TRUE(e.cmd == VMMIG_CMD_SESSION_STATE_NTF ||
			    e.cmd == VMMIG_CMD_SESSION_DEL_NTF)
			TH_LOG("event cmd %u", e.cmd);
		if (e.cmd == VMMIG_CMD_SESSION_DEL_NTF)
			break;
	}
	EXPECT_EQ(VMMIG_CMD_SESSION_DEL_NTF, e.cmd);
	vmmig_close(ev);
}

TEST_HARNESS_MAIN
