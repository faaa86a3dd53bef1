// SPDX-License-Identifier: GPL-2.0
/*
 * Control-plane selftests of the vmmig generic netlink family, run in the
 * test host with real KVM VMs and real sockets.
 *
 * Happy paths go through libvmmig, as a VMM would; malformed requests are
 * built by hand (nlraw.c) so that every attribute can be sent with a wrong
 * type, out of range, missing or unknown, and the kernel's extended ack is
 * checked: -EINVAL (-ERANGE, the netlink policy's own errno, for a value
 * out of range), a message, and the offset (or missing type) of exactly the
 * attribute at fault.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/kvm.h>
#include <linux/vmmig.h>

#include "kselftest_harness.h"
#include "libvmmig.h"
#include "nlraw.h"

/* ---- helpers ----------------------------------------------------------- */

static int kvm_fd = -1;

/* A fresh KVM VM; the test host must have KVM, so no VM is a failure. */
/*
 * One page of guest memory: a started session has memory to move, and with
 * a peer that never answers it stays active until cancelled.
 */
static int vm_add_page(int vm)
{
	struct kvm_userspace_memory_region r = {
		.slot = 0, .memory_size = 4096,
	};
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	r.userspace_addr = (uintptr_t)p;
	return ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
}

static int vm_create(struct __test_metadata *_metadata)
{
	int fd;

	if (kvm_fd < 0)
		kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, kvm_fd) TH_LOG("open /dev/kvm: %s", strerror(errno));
	fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	ASSERT_LE(0, fd) TH_LOG("KVM_CREATE_VM: %s", strerror(errno));
	ASSERT_EQ(0, vm_add_page(fd)) TH_LOG("memslot: %s", strerror(errno));
	return fd;
}

static unsigned int read_max_sessions(void)
{
	unsigned int v = 0;
	FILE *f = fopen("/sys/module/vmmig/parameters/max_sessions", "r");

	if (f) {
		if (fscanf(f, "%u", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static int write_max_sessions(unsigned int v)
{
	FILE *f = fopen("/sys/module/vmmig/parameters/max_sessions", "w");
	int ok;

	if (!f)
		return -errno;
	ok = fprintf(f, "%u\n", v) > 0;
	return fclose(f) == 0 && ok ? 0 : -EIO;
}

static unsigned int host_sessions(struct __test_metadata *_metadata,
				  struct vmmig *h)
{
	struct vmmig_host_info hi;

	ASSERT_EQ(0, vmmig_host_get(h, 0, &hi)) TH_LOG("%s", vmmig_errmsg(h));
	return hi.sessions;
}

/* Wait (bounded) for an event matching @cmd and @id. */
static int wait_event(struct vmmig *ev, uint8_t cmd, uint32_t id,
		      struct vmmig_event *out, int timeout_ms)
{
	int waited = 0, r;

	while (waited < timeout_ms) {
		r = vmmig_event_next(ev, out, 100);
		if (r < 0)
			return r;
		if (r == 1 && out->cmd == cmd && out->id == id)
			return 0;
		if (r == 0)
			waited += 100;
	}
	return -ETIMEDOUT;
}

/* ---- fixture: a libvmmig handle, a VM and a connected socket pair ------ */

FIXTURE(vmmig) {
	struct vmmig *h;
	struct vmmig *ev;
	struct nlraw raw;
	int vm;
	int sp[2];
};

FIXTURE_SETUP(vmmig)
{
	int err;

	err = vmmig_open(&self->h);
	ASSERT_EQ(0, err) TH_LOG("vmmig_open: %s", strerror(-err));
	err = vmmig_events_open(&self->ev);
	ASSERT_EQ(0, err) TH_LOG("vmmig_events_open: %s", strerror(-err));
	ASSERT_EQ(0, nlraw_open(&self->raw));
	self->vm = vm_create(_metadata);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				self->sp));
}

FIXTURE_TEARDOWN(vmmig)
{
	nlraw_close(&self->raw);
	vmmig_close(self->ev);
	vmmig_close(self->h);	/* destroys what the test left */
	close(self->vm);
	close(self->sp[0]);
	close(self->sp[1]);
}

static uint32_t create_source(struct __test_metadata *_metadata,
			      FIXTURE_DATA(vmmig) *self)
{
	uint32_t id = 0;
	int err;

	err = vmmig_session_create(self->h, VMMIG_ROLE_SOURCE, self->vm,
				   &self->sp[0], 1, NULL, &id);
	ASSERT_EQ(0, err) TH_LOG("create: %s", vmmig_errmsg(self->h));
	ASSERT_NE(0, id);
	return id;
}

/* ---- happy paths ------------------------------------------------------- */

TEST_F(vmmig, lifecycle)
{
	struct vmmig_session_info si;
	struct vmmig_event e;
	uint32_t id;

	id = create_source(_metadata, self);
	ASSERT_EQ(0, wait_event(self->ev, VMMIG_CMD_SESSION_STATE_NTF, id,
				&e, 2000));
	EXPECT_EQ(VMMIG_STATE_NEW, e.state);
	EXPECT_EQ(VMMIG_ROLE_SOURCE, e.role);

	ASSERT_EQ(0, vmmig_session_get(self->h, id, &si));
	EXPECT_EQ(id, si.id);
	EXPECT_EQ(VMMIG_ROLE_SOURCE, si.role);
	EXPECT_EQ(VMMIG_STATE_NEW, si.state);
	EXPECT_EQ(VMMIG_REASON_NONE, si.reason);
	EXPECT_EQ(1, si.channels);
	EXPECT_EQ((uint32_t)getpid(), si.vmm_pid);
	EXPECT_EQ(300, si.params.downtime_ms);
	EXPECT_EQ(VMMIG_ON_LIMIT_FAIL, si.params.on_limit);
	EXPECT_EQ(0, si.stats.elapsed_ms);

	ASSERT_EQ(0, vmmig_session_start(self->h, id));
	ASSERT_EQ(0, wait_event(self->ev, VMMIG_CMD_SESSION_STATE_NTF, id,
				&e, 2000));
	EXPECT_EQ(VMMIG_STATE_ACTIVE, e.state);
	EXPECT_EQ(VMMIG_STATE_NEW, e.old_state);
	EXPECT_EQ(-EALREADY, vmmig_session_start(self->h, id));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "already started"));

	ASSERT_EQ(0, vmmig_session_cancel(self->h, id));
	ASSERT_EQ(0, wait_event(self->ev, VMMIG_CMD_SESSION_STATE_NTF, id,
				&e, 2000));
	EXPECT_EQ(VMMIG_STATE_CANCELLED, e.state);
	EXPECT_EQ(VMMIG_STATE_ACTIVE, e.old_state);
	EXPECT_EQ(VMMIG_REASON_CANCEL, e.reason);
	ASSERT_EQ(0, vmmig_session_get(self->h, id, &si));
	EXPECT_EQ(VMMIG_STATE_CANCELLED, si.state);
	EXPECT_EQ(VMMIG_REASON_CANCEL, si.reason);
	EXPECT_EQ(-EALREADY, vmmig_session_cancel(self->h, id));

	ASSERT_EQ(0, vmmig_session_destroy(self->h, id));
	ASSERT_EQ(0, wait_event(self->ev, VMMIG_CMD_SESSION_DEL_NTF, id,
				&e, 2000));
	EXPECT_EQ(VMMIG_REASON_DESTROYED, e.reason);
	EXPECT_EQ(-ENOENT, vmmig_session_get(self->h, id, &si));
	EXPECT_EQ(-ENOENT, vmmig_session_destroy(self->h, id));
}

TEST_F(vmmig, destroy_cancels_running)
{
	struct vmmig_event e;
	uint32_t id;

	id = create_source(_metadata, self);
	ASSERT_EQ(0, vmmig_session_start(self->h, id));
	ASSERT_EQ(0, vmmig_session_destroy(self->h, id));
	do {
		ASSERT_EQ(0, wait_event(self->ev, VMMIG_CMD_SESSION_STATE_NTF,
					id, &e, 2000));
	} while (e.state != VMMIG_STATE_CANCELLED);
	EXPECT_EQ(VMMIG_REASON_DESTROYED, e.reason);
}

TEST_F(vmmig, params_and_channels)
{
	struct vmmig_params p = {
		.downtime_ms = 50, .max_rounds = 7, .max_time_ms = 60000,
		.max_bandwidth = 1ULL << 33, .on_limit = VMMIG_ON_LIMIT_SWITCHOVER,
		.throttle_max_ms = 250,
	};
	struct vmmig_session_info si;
	int socks[VMMIG_MAX_CHANNELS], i, tmp[2];
	uint32_t id;

	for (i = 0; i < VMMIG_MAX_CHANNELS; i++) {
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, tmp));
		socks[i] = tmp[0];
		close(tmp[1]);	/* vmmig does not care that the peer left */
	}
	ASSERT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_DESTINATION,
					  self->vm, socks, VMMIG_MAX_CHANNELS,
					  &p, &id)) TH_LOG("%s", vmmig_errmsg(self->h));
	for (i = 0; i < VMMIG_MAX_CHANNELS; i++)
		close(socks[i]);	/* the session holds its own reference */
	/* Not started: the data path uses one channel until multichannel. */
	EXPECT_EQ(-EOPNOTSUPP, vmmig_session_start(self->h, id));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "sock-fd"));
	ASSERT_EQ(0, vmmig_session_get(self->h, id, &si));
	EXPECT_EQ(VMMIG_ROLE_DESTINATION, si.role);
	EXPECT_EQ(VMMIG_MAX_CHANNELS, si.channels);
	EXPECT_EQ(50, si.params.downtime_ms);
	EXPECT_EQ(7, si.params.max_rounds);
	EXPECT_EQ(60000, si.params.max_time_ms);
	EXPECT_EQ(1ULL << 33, si.params.max_bandwidth);
	EXPECT_EQ(VMMIG_ON_LIMIT_SWITCHOVER, si.params.on_limit);
	EXPECT_EQ(250, si.params.throttle_max_ms);
}

TEST_F(vmmig, dump_and_host)
{
	struct vmmig_session_info *list = NULL;
	struct vmmig_host_info hi;
	unsigned int n = 0, i, found = 0, before;
	int vm2 = vm_create(_metadata);
	uint32_t id1, id2;

	before = host_sessions(_metadata, self->h);
	id1 = create_source(_metadata, self);
	ASSERT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_DESTINATION, vm2,
					  &self->sp[1], 1, NULL, &id2))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_list(self->h, &list, &n));
	for (i = 0; i < n; i++)
		found += list[i].id == id1 || list[i].id == id2;
	free(list);
	EXPECT_EQ(2, found);

	ASSERT_EQ(0, vmmig_host_get(self->h, 0, &hi));
	EXPECT_EQ(before + 2, hi.sessions);
	EXPECT_EQ(read_max_sessions(), hi.max_sessions);
	EXPECT_LE(1, hi.wire_version);
	ASSERT_EQ(0, vmmig_host_get(self->h, 1, &hi));
	EXPECT_EQ(1, hi.wire_version);
	ASSERT_EQ(0, vmmig_host_get(self->h, 1000, &hi));
	EXPECT_LE(1, hi.wire_version);
	close(vm2);
}

/* ---- bad file descriptors ---------------------------------------------- */

static int create_raw(FIXTURE_DATA(vmmig) *self, int vm, int sock,
		      struct nlraw_reply *rep)
{
	struct nl_msg *m = nlraw_msg(&self->raw, VMMIG_CMD_SESSION_NEW);

	nlraw_put_u32(m, VMMIG_A_SESSION_ROLE, VMMIG_ROLE_SOURCE);
	nlraw_put_u32(m, VMMIG_A_SESSION_VM_FD, vm);
	nlraw_put_u32(m, VMMIG_A_SESSION_SOCK_FD, sock);
	return nlraw_send(&self->raw, m, rep);
}

TEST_F(vmmig, bad_fds)
{
	int devnull = open("/dev/null", O_RDWR);
	int udp = socket(AF_INET, SOCK_DGRAM, 0);
	int tcp = socket(AF_INET, SOCK_STREAM, 0);
	struct nlraw_reply rep;

	ASSERT_LE(0, devnull);
	ASSERT_LE(0, udp);
	ASSERT_LE(0, tcp);

	EXPECT_EQ(-EINVAL, create_raw(self, devnull, self->sp[0], &rep));
	EXPECT_NE(NULL, strstr(rep.msg, "vm-fd")) TH_LOG("%s", rep.msg);
	EXPECT_EQ(-EINVAL, create_raw(self, self->sp[0], self->sp[0], &rep));
	EXPECT_NE(NULL, strstr(rep.msg, "not a KVM VM")) TH_LOG("%s", rep.msg);
	EXPECT_EQ(-EINVAL, create_raw(self, kvm_fd, self->sp[0], &rep));
	EXPECT_NE(NULL, strstr(rep.msg, "vm-fd")) TH_LOG("%s", rep.msg);
	EXPECT_EQ(-EBADF, create_raw(self, 1000, self->sp[0], &rep));
	EXPECT_NE(NULL, strstr(rep.msg, "vm-fd")) TH_LOG("%s", rep.msg);

	EXPECT_EQ(-ENOTSOCK, create_raw(self, self->vm, devnull, &rep));
	EXPECT_NE(NULL, strstr(rep.msg, "sock-fd")) TH_LOG("%s", rep.msg);
	EXPECT_EQ(-EINVAL, create_raw(self, self->vm, udp, &rep));
	EXPECT_NE(NULL, strstr(rep.msg, "stream")) TH_LOG("%s", rep.msg);
	EXPECT_EQ(-ENOTCONN, create_raw(self, self->vm, tcp, &rep));
	EXPECT_NE(NULL, strstr(rep.msg, "connected")) TH_LOG("%s", rep.msg);
	EXPECT_EQ(-EBADF, create_raw(self, self->vm, 1001, &rep));
	EXPECT_NE(NULL, strstr(rep.msg, "sock-fd")) TH_LOG("%s", rep.msg);

	/* The same socket twice, and the same VM in two sessions. */
	{
		struct nl_msg *m = nlraw_msg(&self->raw, VMMIG_CMD_SESSION_NEW);
		int off;

		nlraw_put_u32(m, VMMIG_A_SESSION_ROLE, VMMIG_ROLE_SOURCE);
		nlraw_put_u32(m, VMMIG_A_SESSION_VM_FD, self->vm);
		nlraw_put_u32(m, VMMIG_A_SESSION_SOCK_FD, self->sp[0]);
		off = nlraw_put_u32(m, VMMIG_A_SESSION_SOCK_FD, self->sp[0]);
		EXPECT_EQ(-EINVAL, nlraw_send(&self->raw, m, &rep));
		EXPECT_EQ(off, rep.off);
		EXPECT_NE(NULL, strstr(rep.msg, "twice")) TH_LOG("%s", rep.msg);
	}
	EXPECT_EQ(0, create_raw(self, self->vm, self->sp[0], &rep));
	EXPECT_EQ(-EBUSY, create_raw(self, self->vm, self->sp[1], &rep));
	EXPECT_NE(NULL, strstr(rep.msg, "already has a session"))
		TH_LOG("%s", rep.msg);

	close(devnull);
	close(udp);
	close(tcp);
}

/*
 * A socket is its running session's: another VM's session may be created
 * with it, but not started while the first runs; once the first is gone,
 * it starts.
 */
TEST_F(vmmig, socket_claimed)
{
	unsigned int i, before = host_sessions(_metadata, self->h);
	int vm2 = vm_create(_metadata);
	uint32_t a = create_source(_metadata, self), b = 0;
	int err;

	err = vmmig_session_create(self->h, VMMIG_ROLE_SOURCE, vm2,
				   &self->sp[0], 1, NULL, &b);
	ASSERT_EQ(0, err) TH_LOG("create: %s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_start(self->h, a));
	EXPECT_EQ(-EBUSY, vmmig_session_start(self->h, b));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "sock-fd is in use"))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_destroy(self->h, a));
	/* Reaped: its worker stopped and gave the socket back. */
	for (i = 0; i < 100 && host_sessions(_metadata, self->h) > before + 1;
	     i++)
		usleep(50 * 1000);
	EXPECT_EQ(0, vmmig_session_start(self->h, b))
		TH_LOG("%s", vmmig_errmsg(self->h));
	close(vm2);
}

/* ---- every attribute: wrong type, out of range, missing, unknown ------- */

struct bad_attr {
	const char *what;
	uint8_t cmd;
	int type;		/* attribute to corrupt (top level) */
	int nested;		/* >0: corrupt this attribute inside params */
	int len;		/* payload length to send */
	uint64_t value;
	int err;		/* expected errno: -EINVAL, or -ERANGE for a
				 * value the policy's range rejects
				 */
};

/* Each row is sent alongside a valid rest of the request. */
static const struct bad_attr bad_attrs[] = {
	{ "role short",      VMMIG_CMD_SESSION_NEW, VMMIG_A_SESSION_ROLE, 0, 1, 1, -EINVAL },
	{ "role 0",          VMMIG_CMD_SESSION_NEW, VMMIG_A_SESSION_ROLE, 0, 4, 0, -ERANGE },
	{ "role 3",          VMMIG_CMD_SESSION_NEW, VMMIG_A_SESSION_ROLE, 0, 4, 3, -ERANGE },
	{ "vm-fd short",     VMMIG_CMD_SESSION_NEW, VMMIG_A_SESSION_VM_FD, 0, 2, 3, -EINVAL },
	{ "vm-fd -1",        VMMIG_CMD_SESSION_NEW, VMMIG_A_SESSION_VM_FD, 0, 4, 0xffffffff, -ERANGE },
	{ "sock-fd short",   VMMIG_CMD_SESSION_NEW, VMMIG_A_SESSION_SOCK_FD, 0, 2, 3, -EINVAL },
	{ "sock-fd -5",      VMMIG_CMD_SESSION_NEW, VMMIG_A_SESSION_SOCK_FD, 0, 4, 0xfffffffb, -ERANGE },
	{ "params not nest", VMMIG_CMD_SESSION_NEW, VMMIG_A_SESSION_PARAMS, 0, 2, 1, -EINVAL },
	{ "unknown attr",    VMMIG_CMD_SESSION_NEW, 200, 0, 4, 1, -EINVAL },
	{ "state in new",    VMMIG_CMD_SESSION_NEW, VMMIG_A_SESSION_STATE, 0, 4, 1, -EINVAL },
	{ "file-fd short",   VMMIG_CMD_SESSION_NEW, VMMIG_A_SESSION_FILE_FD, 0, 2, 3, -EINVAL },
	{ "file-fd -1",      VMMIG_CMD_SESSION_NEW, VMMIG_A_SESSION_FILE_FD, 0, 4, 0xffffffff, -ERANGE },
	{ "downtime short",  VMMIG_CMD_SESSION_NEW, 0, VMMIG_A_PARAMS_DOWNTIME_MS, 2, 1, -EINVAL },
	{ "downtime 0",      VMMIG_CMD_SESSION_NEW, 0, VMMIG_A_PARAMS_DOWNTIME_MS, 4, 0, -ERANGE },
	{ "downtime 30001",  VMMIG_CMD_SESSION_NEW, 0, VMMIG_A_PARAMS_DOWNTIME_MS, 4, 30001, -ERANGE },
	{ "rounds 0",        VMMIG_CMD_SESSION_NEW, 0, VMMIG_A_PARAMS_MAX_ROUNDS, 4, 0, -ERANGE },
	{ "rounds 10001",    VMMIG_CMD_SESSION_NEW, 0, VMMIG_A_PARAMS_MAX_ROUNDS, 4, 10001, -ERANGE },
	{ "rounds short",    VMMIG_CMD_SESSION_NEW, 0, VMMIG_A_PARAMS_MAX_ROUNDS, 1, 1, -EINVAL },
	{ "max-time short",  VMMIG_CMD_SESSION_NEW, 0, VMMIG_A_PARAMS_MAX_TIME_MS, 2, 1, -EINVAL },
	{ "bandwidth u32",   VMMIG_CMD_SESSION_NEW, 0, VMMIG_A_PARAMS_MAX_BANDWIDTH, 4, 1, -EINVAL },
	{ "on-limit 0",      VMMIG_CMD_SESSION_NEW, 0, VMMIG_A_PARAMS_ON_LIMIT, 4, 0, -ERANGE },
	{ "on-limit 3",      VMMIG_CMD_SESSION_NEW, 0, VMMIG_A_PARAMS_ON_LIMIT, 4, 3, -ERANGE },
	{ "on-limit short",  VMMIG_CMD_SESSION_NEW, 0, VMMIG_A_PARAMS_ON_LIMIT, 2, 1, -EINVAL },
	{ "throttle 30001",  VMMIG_CMD_SESSION_NEW, 0, VMMIG_A_PARAMS_THROTTLE_MAX_MS, 4, 30001, -ERANGE },
	{ "throttle short",  VMMIG_CMD_SESSION_NEW, 0, VMMIG_A_PARAMS_THROTTLE_MAX_MS, 2, 1, -EINVAL },
	{ "checksum 2",      VMMIG_CMD_SESSION_NEW, 0, VMMIG_A_PARAMS_CHECKSUM, 4, 2, -ERANGE },
	{ "checksum short",  VMMIG_CMD_SESSION_NEW, 0, VMMIG_A_PARAMS_CHECKSUM, 2, 1, -EINVAL },
	{ "params unknown",  VMMIG_CMD_SESSION_NEW, 0, 100, 4, 1, -EINVAL },
	{ "get id short",    VMMIG_CMD_SESSION_GET, VMMIG_A_SESSION_ID, 0, 2, 1, -EINVAL },
	{ "get id 0",        VMMIG_CMD_SESSION_GET, VMMIG_A_SESSION_ID, 0, 4, 0, -ERANGE },
	{ "get unknown",     VMMIG_CMD_SESSION_GET, 200, 0, 4, 1, -EINVAL },
	{ "get role",        VMMIG_CMD_SESSION_GET, VMMIG_A_SESSION_ROLE, 0, 4, 1, -EINVAL },
	{ "start id short",  VMMIG_CMD_SESSION_START, VMMIG_A_SESSION_ID, 0, 2, 1, -EINVAL },
	{ "start id 0",      VMMIG_CMD_SESSION_START, VMMIG_A_SESSION_ID, 0, 4, 0, -ERANGE },
	{ "start unknown",   VMMIG_CMD_SESSION_START, 200, 0, 4, 1, -EINVAL },
	{ "cancel id short", VMMIG_CMD_SESSION_CANCEL, VMMIG_A_SESSION_ID, 0, 2, 1, -EINVAL },
	{ "cancel id 0",     VMMIG_CMD_SESSION_CANCEL, VMMIG_A_SESSION_ID, 0, 4, 0, -ERANGE },
	{ "cancel unknown",  VMMIG_CMD_SESSION_CANCEL, 200, 0, 4, 1, -EINVAL },
	{ "del id short",    VMMIG_CMD_SESSION_DEL, VMMIG_A_SESSION_ID, 0, 2, 1, -EINVAL },
	{ "del id 0",        VMMIG_CMD_SESSION_DEL, VMMIG_A_SESSION_ID, 0, 4, 0, -ERANGE },
	{ "del unknown",     VMMIG_CMD_SESSION_DEL, 200, 0, 4, 1, -EINVAL },
	{ "set downtime 0",  VMMIG_CMD_SESSION_SET, 0, VMMIG_A_PARAMS_DOWNTIME_MS, 4, 0, -ERANGE },
	{ "set downtime short", VMMIG_CMD_SESSION_SET, 0, VMMIG_A_PARAMS_DOWNTIME_MS, 2, 1, -EINVAL },
	{ "set rounds 10001", VMMIG_CMD_SESSION_SET, 0, VMMIG_A_PARAMS_MAX_ROUNDS, 4, 10001, -ERANGE },
	{ "set bandwidth u32", VMMIG_CMD_SESSION_SET, 0, VMMIG_A_PARAMS_MAX_BANDWIDTH, 4, 1, -EINVAL },
	{ "set throttle 30001", VMMIG_CMD_SESSION_SET, 0, VMMIG_A_PARAMS_THROTTLE_MAX_MS, 4, 30001, -ERANGE },
	{ "set mode",        VMMIG_CMD_SESSION_SET, 0, VMMIG_A_PARAMS_MODE, 4, 2, -EINVAL },
	{ "set on-limit",    VMMIG_CMD_SESSION_SET, 0, VMMIG_A_PARAMS_ON_LIMIT, 4, 1, -EINVAL },
	{ "set peer-timeout", VMMIG_CMD_SESSION_SET, 0, VMMIG_A_PARAMS_PEER_TIMEOUT_MS, 4, 1000, -EINVAL },
	{ "set checksum",    VMMIG_CMD_SESSION_SET, 0, VMMIG_A_PARAMS_CHECKSUM, 4, 1, -EINVAL },
	{ "set unknown",     VMMIG_CMD_SESSION_SET, 200, 0, 4, 1, -EINVAL },
	{ "host wire short", VMMIG_CMD_HOST_GET, VMMIG_A_HOST_WIRE_VERSION, 0, 2, 1, -EINVAL },
	{ "host wire 0",     VMMIG_CMD_HOST_GET, VMMIG_A_HOST_WIRE_VERSION, 0, 4, 0, -ERANGE },
	{ "host unknown",    VMMIG_CMD_HOST_GET, 200, 0, 4, 1, -EINVAL },
};

TEST_F(vmmig, bad_attributes)
{
	unsigned int i, before = host_sessions(_metadata, self->h);
	uint32_t id = create_source(_metadata, self);
	int vm2 = vm_create(_metadata);

	for (i = 0; i < sizeof(bad_attrs) / sizeof(bad_attrs[0]); i++) {
		const struct bad_attr *b = &bad_attrs[i];
		struct nl_msg *m = nlraw_msg(&self->raw, b->cmd);
		struct nlraw_reply rep;
		struct nlattr *nest;
		int off = -1, err;

		if (b->cmd == VMMIG_CMD_SESSION_NEW) {
			if (b->type != VMMIG_A_SESSION_ROLE)
				nlraw_put_u32(m, VMMIG_A_SESSION_ROLE, 1);
			if (b->type != VMMIG_A_SESSION_VM_FD)
				nlraw_put_u32(m, VMMIG_A_SESSION_VM_FD, vm2);
			if (b->type != VMMIG_A_SESSION_SOCK_FD)
				nlraw_put_u32(m, VMMIG_A_SESSION_SOCK_FD,
					      self->sp[1]);
		} else if (b->cmd != VMMIG_CMD_HOST_GET &&
			   b->type != VMMIG_A_SESSION_ID) {
			nlraw_put_u32(m, VMMIG_A_SESSION_ID, id);
		}
		if (b->nested) {
			nlraw_nest_start(m, VMMIG_A_SESSION_PARAMS, &nest);
			off = nlraw_put(m, b->nested, &b->value, b->len);
			nlraw_nest_end(m, nest);
		} else {
			off = nlraw_put(m, b->type, &b->value, b->len);
		}
		err = nlraw_send(&self->raw, m, &rep);
		EXPECT_EQ(b->err, err) TH_LOG("%s: got %d", b->what, err);
		EXPECT_NE(0, rep.msg[0]) TH_LOG("%s: no extack message", b->what);
		EXPECT_EQ(off, rep.off)
			TH_LOG("%s: extack offset %d, attribute at %d (%s)",
			       b->what, rep.off, off, rep.msg);
	}
	/* Nothing was created by any of them. */
	EXPECT_EQ(before + 1, host_sessions(_metadata, self->h));
	close(vm2);
}

struct missing_attr {
	uint8_t cmd;
	int missing;
	const char *name;
};

TEST_F(vmmig, missing_attributes)
{
	static const struct missing_attr cases[] = {
		{ VMMIG_CMD_SESSION_NEW, VMMIG_A_SESSION_ROLE, "role" },
		{ VMMIG_CMD_SESSION_NEW, VMMIG_A_SESSION_VM_FD, "vm-fd" },
		{ VMMIG_CMD_SESSION_NEW, VMMIG_A_SESSION_SOCK_FD, "sock-fd" },
		{ VMMIG_CMD_SESSION_GET, VMMIG_A_SESSION_ID, "id" },
		{ VMMIG_CMD_SESSION_START, VMMIG_A_SESSION_ID, "id" },
		{ VMMIG_CMD_SESSION_CANCEL, VMMIG_A_SESSION_ID, "id" },
		{ VMMIG_CMD_SESSION_DEL, VMMIG_A_SESSION_ID, "id" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct missing_attr *c = &cases[i];
		struct nl_msg *m = nlraw_msg(&self->raw, c->cmd);
		struct nlraw_reply rep;

		if (c->cmd == VMMIG_CMD_SESSION_NEW) {
			if (c->missing != VMMIG_A_SESSION_ROLE)
				nlraw_put_u32(m, VMMIG_A_SESSION_ROLE, 1);
			if (c->missing != VMMIG_A_SESSION_VM_FD)
				nlraw_put_u32(m, VMMIG_A_SESSION_VM_FD, self->vm);
			if (c->missing != VMMIG_A_SESSION_SOCK_FD)
				nlraw_put_u32(m, VMMIG_A_SESSION_SOCK_FD,
					      self->sp[0]);
		}
		/*
		 * GENL_REQ_ATTR_CHECK: the missing type says which (libvmmig
		 * turns it into the attribute's name).
		 */
		EXPECT_EQ(-EINVAL, nlraw_send(&self->raw, m, &rep));
		EXPECT_EQ(c->missing, rep.miss_type)
			TH_LOG("cmd %d, %s", c->cmd, c->name);
	}
}

TEST_F(vmmig, inconsistent_params_and_too_many_channels)
{
	struct nlraw_reply rep;
	struct nlattr *nest;
	struct nl_msg *m;
	int off, i;

	m = nlraw_msg(&self->raw, VMMIG_CMD_SESSION_NEW);
	nlraw_put_u32(m, VMMIG_A_SESSION_ROLE, 1);
	nlraw_put_u32(m, VMMIG_A_SESSION_VM_FD, self->vm);
	nlraw_put_u32(m, VMMIG_A_SESSION_SOCK_FD, self->sp[0]);
	nlraw_nest_start(m, VMMIG_A_SESSION_PARAMS, &nest);
	nlraw_put_u32(m, VMMIG_A_PARAMS_DOWNTIME_MS, 1000);
	off = nlraw_put_u32(m, VMMIG_A_PARAMS_MAX_TIME_MS, 999);
	nlraw_nest_end(m, nest);
	EXPECT_EQ(-EINVAL, nlraw_send(&self->raw, m, &rep));
	EXPECT_EQ(off, rep.off);
	EXPECT_NE(NULL, strstr(rep.msg, "max-time-ms")) TH_LOG("%s", rep.msg);

	m = nlraw_msg(&self->raw, VMMIG_CMD_SESSION_NEW);
	nlraw_put_u32(m, VMMIG_A_SESSION_ROLE, 1);
	nlraw_put_u32(m, VMMIG_A_SESSION_VM_FD, self->vm);
	for (i = 0; i <= VMMIG_MAX_CHANNELS; i++)
		off = nlraw_put_u32(m, VMMIG_A_SESSION_SOCK_FD, self->sp[0]);
	EXPECT_EQ(-EINVAL, nlraw_send(&self->raw, m, &rep));
	EXPECT_EQ(off, rep.off);
	EXPECT_NE(NULL, strstr(rep.msg, "sock-fd")) TH_LOG("%s", rep.msg);
}

/* A VM with KVM's dirty ring (what live migration needs), no vCPUs yet. */
static int vm_create_ring(struct __test_metadata *_metadata)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_DIRTY_LOG_RING, .args = { 4096 * 16 },
	};
	int vm = vm_create(_metadata);

	ASSERT_EQ(0, ioctl(vm, KVM_ENABLE_CAP, &cap))
		TH_LOG("KVM_CAP_DIRTY_LOG_RING: %s", strerror(errno));
	return vm;
}

/*
 * session-set: the tunables of a live source change (and are announced);
 * the others, bad values, other sessions and ended ones get errors with
 * messages.  That a new downtime-ms changes when a running session
 * becomes ready is live_test's set_downtime_converges.
 */
TEST_F(vmmig, set_tunables)
{
	struct vmmig_params live = { .mode = VMMIG_MODE_LIVE };
	struct vmmig_tune t = VMMIG_TUNE(.set = VMMIG_TUNE_DOWNTIME_MS |
					 VMMIG_TUNE_MAX_ROUNDS |
					 VMMIG_TUNE_MAX_BANDWIDTH |
					 VMMIG_TUNE_THROTTLE_MAX_MS,
					 .downtime_ms = 40, .max_rounds = 9,
					 .max_bandwidth = 0,
					 .throttle_max_ms = 0);
	struct {
		struct vmmig_tune t;
		uint64_t future;
	} big = { .t = t, .future = 1 };
	struct vmmig_session_info si;
	struct nlraw_reply rep;
	struct vmmig_event e;
	struct nlattr *nest;
	uint32_t id, quick;
	struct nl_msg *m;
	int vm, off;

	vm = vm_create_ring(_metadata);
	live.max_bandwidth = 1 << 20;
	ASSERT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_SOURCE, vm,
					  &self->sp[0], 1, &live, &id))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_set(self->h, id, &t))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, wait_event(self->ev, VMMIG_CMD_SESSION_SET_NTF, id, &e,
				2000));
	ASSERT_EQ(0, vmmig_session_get(self->h, id, &si));
	EXPECT_EQ(40, si.params.downtime_ms);
	EXPECT_EQ(9, si.params.max_rounds);
	EXPECT_EQ(0, si.params.max_bandwidth);	/* 0 can be set: no cap */
	EXPECT_EQ(0, si.params.throttle_max_ms);
	EXPECT_EQ(VMMIG_MODE_LIVE, si.params.mode);
	EXPECT_EQ(VMMIG_ON_LIMIT_FAIL, si.params.on_limit);

	/* Checked against the parameters in force: max-time below downtime. */
	t = VMMIG_TUNE(.set = VMMIG_TUNE_MAX_TIME_MS, .max_time_ms = 39);
	EXPECT_EQ(-EINVAL, vmmig_session_set(self->h, id, &t));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "max-time-ms"))
		TH_LOG("%s", vmmig_errmsg(self->h));
	m = nlraw_msg(&self->raw, VMMIG_CMD_SESSION_SET);
	nlraw_put_u32(m, VMMIG_A_SESSION_ID, id);
	nlraw_nest_start(m, VMMIG_A_SESSION_PARAMS, &nest);
	off = nlraw_put_u32(m, VMMIG_A_PARAMS_MAX_TIME_MS, 39);
	nlraw_nest_end(m, nest);
	EXPECT_EQ(-EINVAL, nlraw_send(&self->raw, m, &rep));
	EXPECT_EQ(off, rep.off) TH_LOG("%s", rep.msg);

	/* No params, an empty nest. */
	m = nlraw_msg(&self->raw, VMMIG_CMD_SESSION_SET);
	nlraw_put_u32(m, VMMIG_A_SESSION_ID, id);
	EXPECT_EQ(-EINVAL, nlraw_send(&self->raw, m, &rep));
	EXPECT_EQ(VMMIG_A_SESSION_PARAMS, rep.miss_type);
	/* (libnl's nla_nest_end() drops an empty nest: put it by hand.) */
	m = nlraw_msg(&self->raw, VMMIG_CMD_SESSION_SET);
	nlraw_put_u32(m, VMMIG_A_SESSION_ID, id);
	off = nlraw_put(m, VMMIG_A_SESSION_PARAMS | NLA_F_NESTED, NULL, 0);
	EXPECT_EQ(-EINVAL, nlraw_send(&self->raw, m, &rep));
	EXPECT_EQ(off, rep.off);
	EXPECT_NE(NULL, strstr(rep.msg, "no parameter")) TH_LOG("%s", rep.msg);

	/* The library's own checks: the options struct and its bits. */
	big.t.sz = sizeof(size_t) - 1;
	EXPECT_EQ(-EINVAL, vmmig_session_set(self->h, id, &big.t));
	big.t.sz = sizeof(big);
	EXPECT_EQ(-EINVAL, vmmig_session_set(self->h, id, &big.t));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "does not know"))
		TH_LOG("%s", vmmig_errmsg(self->h));
	big.future = 0;		/* a newer program's zeroed tail is fine */
	EXPECT_EQ(0, vmmig_session_set(self->h, id, &big.t))
		TH_LOG("%s", vmmig_errmsg(self->h));
	t = VMMIG_TUNE(.set = 1u << 31);
	EXPECT_EQ(-EINVAL, vmmig_session_set(self->h, id, &t));
	t = VMMIG_TUNE();
	EXPECT_EQ(-EINVAL, vmmig_session_set(self->h, id, &t));

	/* Not a live source. */
	quick = create_source(_metadata, self);
	t = VMMIG_TUNE(.set = VMMIG_TUNE_DOWNTIME_MS, .downtime_ms = 10);
	EXPECT_EQ(-EOPNOTSUPP, vmmig_session_set(self->h, quick, &t));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "live"))
		TH_LOG("%s", vmmig_errmsg(self->h));

	/* Ended. */
	ASSERT_EQ(0, vmmig_session_cancel(self->h, id));
	EXPECT_EQ(-EBUSY, vmmig_session_set(self->h, id, &t));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "ended"))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_get(self->h, id, &si));
	EXPECT_EQ(40, si.params.downtime_ms);
	ASSERT_EQ(0, vmmig_session_destroy(self->h, id));
	close(vm);
}

/*
 * Batched session-dirty on a live session (not started: checked against
 * the VM's one page at gpa 0): bitmaps and ranges, and what is wrong with
 * them, said of the attribute at fault.
 */
struct bad_bitmap {
	const char *what;
	uint64_t gpa;
	uint8_t byte;
	int len;		/* of bits; -1: no bits attribute */
	bool with_range;	/* a gpa attribute beside the nest */
	int err;
	int at_fault;		/* 0 nest, 1 its gpa, 2 its bits, 3 the range's
				 * gpa; -1: bits missing */
};

TEST_F(vmmig, dirty_batches)
{
	static const struct bad_bitmap bad[] = {
		{ "a set bit past guest memory", 0, 0x02, 1, false, -ERANGE, 0 },
		{ "gpa not page aligned", 0x800, 0x01, 1, false, -EINVAL, 1 },
		{ "no bits", 0, 0, -1, false, -EINVAL, -1 },
		{ "empty bits", 0, 0, 0, false, -ERANGE, 2 },
		{ "a range and bitmaps", 0, 0x01, 1, true, -EINVAL, 0 },
	};
	unsigned int i;
	struct vmmig_params live = { .mode = VMMIG_MODE_LIVE };
	struct vmmig_range ranges[2] = {
		{ .gpa = 8, .length = 8 }, { .gpa = 0, .length = 4096 },
	};
	uint64_t bits = 1, gpa;
	struct nlraw_reply rep;
	struct nlattr *nest;
	struct nl_msg *m;
	uint32_t id;
	int vm, off;

	vm = vm_create_ring(_metadata);
	ASSERT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_SOURCE, vm,
					  &self->sp[0], 1, &live, &id))
		TH_LOG("%s", vmmig_errmsg(self->h));

	EXPECT_EQ(0, vmmig_session_dirty_ranges(self->h, id, ranges, 2))
		TH_LOG("%s", vmmig_errmsg(self->h));
	EXPECT_EQ(0, vmmig_session_dirty_bitmap(self->h, id, 0, &bits, 1))
		TH_LOG("%s", vmmig_errmsg(self->h));
	/* Bits past npages are not looked at. */
	bits = ~0ULL;
	EXPECT_EQ(0, vmmig_session_dirty_bitmap(self->h, id, 0, &bits, 1))
		TH_LOG("%s", vmmig_errmsg(self->h));
	EXPECT_EQ(-ERANGE, vmmig_session_dirty_bitmap(self->h, id, 0, &bits, 2));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "not guest memory"))
		TH_LOG("%s", vmmig_errmsg(self->h));
	EXPECT_EQ(-EINVAL, vmmig_session_dirty_bitmap(self->h, id, 8, &bits, 1));
	ranges[0].length = 0;
	EXPECT_EQ(-EINVAL, vmmig_session_dirty_ranges(self->h, id, ranges, 2));
	ranges[0] = (struct vmmig_range){ .gpa = 1 << 20, .length = 1 };
	EXPECT_EQ(-ERANGE, vmmig_session_dirty_ranges(self->h, id, ranges, 2));

	/* One dirty-bitmap nest each, built by hand; what must be refused. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct bad_bitmap *b = &bad[i];
		int offs[4] = { 0 };

		m = nlraw_msg(&self->raw, VMMIG_CMD_SESSION_DIRTY);
		nlraw_put_u32(m, VMMIG_A_SESSION_ID, id);
		if (b->with_range)
			offs[3] = nlraw_put(m, VMMIG_A_SESSION_GPA, &b->gpa,
					    sizeof(b->gpa));
		offs[0] = nlraw_nest_start(m, VMMIG_A_SESSION_DIRTY_BITMAP,
					   &nest);
		offs[1] = nlraw_put(m, VMMIG_A_DIRTY_BITMAP_GPA, &b->gpa,
				    sizeof(b->gpa));
		if (b->len >= 0)
			offs[2] = nlraw_put(m, VMMIG_A_DIRTY_BITMAP_BITS,
					    &b->byte, b->len);
		nlraw_nest_end(m, nest);
		EXPECT_EQ(b->err, nlraw_send(&self->raw, m, &rep))
			TH_LOG("%s", b->what);
		if (b->at_fault < 0) {
			EXPECT_EQ(VMMIG_A_DIRTY_BITMAP_BITS, rep.miss_type)
				TH_LOG("%s", b->what);
		} else {
			EXPECT_EQ(offs[b->at_fault], rep.off)
				TH_LOG("%s: %s", b->what, rep.msg);
		}
	}

	/* A range whose last byte wraps around. */
	m = nlraw_msg(&self->raw, VMMIG_CMD_SESSION_DIRTY);
	nlraw_put_u32(m, VMMIG_A_SESSION_ID, id);
	gpa = ~0ULL - 10;
	off = nlraw_put(m, VMMIG_A_SESSION_GPA, &gpa, sizeof(gpa));
	gpa = 100;
	nlraw_put(m, VMMIG_A_SESSION_LENGTH, &gpa, sizeof(gpa));
	EXPECT_EQ(-ERANGE, nlraw_send(&self->raw, m, &rep));
	EXPECT_EQ(off, rep.off) TH_LOG("%s", rep.msg);

	ASSERT_EQ(0, vmmig_session_destroy(self->h, id));
	close(vm);
}

/*
 * A destination's layout from its VMM (region attributes): checked
 * against itself and against the VMM's own mappings, each fault named.
 */
TEST_F(vmmig, layout_regions)
{
	uint8_t *rw = mmap(NULL, 5 * 4096, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			   -1, 0);
	struct vmmig_region reg[2] = {
		{ .slot = 0, .gpa = 0, .size = 2 * 4096, .hva = (uintptr_t)rw },
		{ .slot = 1 << 16 | 3, .gpa = 0, .size = 2 * 4096,
		  .hva = (uintptr_t)rw + 2 * 4096 },
	};
	struct vmmig_new_opts o = VMMIG_NEW_OPTS(.sock_fds = &self->sp[1],
						 .nr_socks = 1, .regions = reg,
						 .nr_regions = 2);
	struct nlraw_reply rep;
	struct nlattr *nest;
	struct nl_msg *m;
	uint64_t v;
	uint32_t id;
	int off;

	ASSERT_NE(MAP_FAILED, rw);
	ASSERT_NE(MAP_FAILED, ro);
	/* A hole right after the 4 pages (mmap's neighbours are anyone's). */
	ASSERT_EQ(0, munmap(rw + 4 * 4096, 4096));
	/*
	 * Two address spaces (SMM), where KVM has them, take the same gpa
	 * twice; a kernel without CONFIG_KVM_SMM has one.
	 */
	if (ioctl(self->vm, KVM_CHECK_EXTENSION, KVM_CAP_MULTI_ADDRESS_SPACE) < 2) {
		reg[1].slot = 3;
		reg[1].gpa = 1 << 20;
	}
	ASSERT_EQ(0, vmmig_session_new(self->h, VMMIG_ROLE_DESTINATION,
				       self->vm, &o, &id))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_destroy(self->h, id));

#define EXPECT_NEW_FAILS(role, err, words)				\
	do {								\
		EXPECT_EQ(err, vmmig_session_new(self->h, role, self->vm, \
						 &o, &id));		\
		EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), words))	\
			TH_LOG("%s", vmmig_errmsg(self->h));		\
	} while (0)

	EXPECT_NEW_FAILS(VMMIG_ROLE_SOURCE, -EINVAL, "destination");
	reg[1].slot = 0;
	EXPECT_NEW_FAILS(VMMIG_ROLE_DESTINATION, -EINVAL, "twice");
	reg[1].slot = 1;
	reg[1].gpa = 0;
	EXPECT_NEW_FAILS(VMMIG_ROLE_DESTINATION, -EINVAL, "overlaps");
	reg[1].gpa = 1 << 20;
	reg[1].slot = 7 << 16;
	EXPECT_NEW_FAILS(VMMIG_ROLE_DESTINATION, -EINVAL, "address space");
	reg[1].slot = 1;
	reg[1].hva = (uintptr_t)ro;
	reg[1].size = 4096;
	EXPECT_NEW_FAILS(VMMIG_ROLE_DESTINATION, -EACCES, "not writable");
	reg[1].hva = (uintptr_t)rw + 3 * 4096;
	reg[1].size = 2 * 4096;		/* one page past the mapping */
	EXPECT_NEW_FAILS(VMMIG_ROLE_DESTINATION, -EFAULT, "mapped");
	reg[1].size = 4096;
	reg[1].hva = (uintptr_t)rw + 3 * 4096 + 8;
	EXPECT_NEW_FAILS(VMMIG_ROLE_DESTINATION, -EINVAL, "aligned");
	reg[1].hva = (uintptr_t)rw + 3 * 4096;
	o.nr_regions = VMMIG_MAX_REGIONS + 1;
	EXPECT_NEW_FAILS(VMMIG_ROLE_DESTINATION, -EINVAL, "region");
#undef EXPECT_NEW_FAILS

	/* The offset of the attribute at fault, and a missing one. */
	m = nlraw_msg(&self->raw, VMMIG_CMD_SESSION_NEW);
	nlraw_put_u32(m, VMMIG_A_SESSION_ROLE, VMMIG_ROLE_DESTINATION);
	nlraw_put_u32(m, VMMIG_A_SESSION_VM_FD, self->vm);
	nlraw_put_u32(m, VMMIG_A_SESSION_SOCK_FD, self->sp[1]);
	nlraw_nest_start(m, VMMIG_A_SESSION_REGION, &nest);
	nlraw_put_u32(m, VMMIG_A_REGION_SLOT, 0);
	v = 0;
	nlraw_put(m, VMMIG_A_REGION_GPA, &v, sizeof(v));
	v = 4096;
	nlraw_put(m, VMMIG_A_REGION_SIZE, &v, sizeof(v));
	v = (uintptr_t)ro;
	off = nlraw_put(m, VMMIG_A_REGION_HVA, &v, sizeof(v));
	nlraw_nest_end(m, nest);
	EXPECT_EQ(-EACCES, nlraw_send(&self->raw, m, &rep));
	EXPECT_EQ(off, rep.off) TH_LOG("%s", rep.msg);
	m = nlraw_msg(&self->raw, VMMIG_CMD_SESSION_NEW);
	nlraw_put_u32(m, VMMIG_A_SESSION_ROLE, VMMIG_ROLE_DESTINATION);
	nlraw_put_u32(m, VMMIG_A_SESSION_VM_FD, self->vm);
	nlraw_put_u32(m, VMMIG_A_SESSION_SOCK_FD, self->sp[1]);
	nlraw_nest_start(m, VMMIG_A_SESSION_REGION, &nest);
	nlraw_put_u32(m, VMMIG_A_REGION_SLOT, 0);
	nlraw_nest_end(m, nest);
	EXPECT_EQ(-EINVAL, nlraw_send(&self->raw, m, &rep));
	EXPECT_EQ(VMMIG_A_REGION_GPA, rep.miss_type);

	munmap(rw, 4 * 4096);
	munmap(ro, 4096);
}

/*
 * A source's list of memslots to migrate: checked at session-new, and
 * each one must exist by session-start.
 */
TEST_F(vmmig, migrate_slots)
{
	uint32_t slots[2] = { 0, 5 };
	struct vmmig_new_opts o = VMMIG_NEW_OPTS(.sock_fds = &self->sp[0],
						 .nr_socks = 1,
						 .migrate_slots = slots,
						 .nr_migrate_slots = 2);
	uint32_t id;

	ASSERT_EQ(0, vmmig_session_new(self->h, VMMIG_ROLE_SOURCE, self->vm,
				       &o, &id))
		TH_LOG("%s", vmmig_errmsg(self->h));
	EXPECT_EQ(-ENXIO, vmmig_session_start(self->h, id));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "does not exist"))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_destroy(self->h, id));

	slots[1] = 0;
	EXPECT_EQ(-EINVAL, vmmig_session_new(self->h, VMMIG_ROLE_SOURCE,
					     self->vm, &o, &id));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "twice"))
		TH_LOG("%s", vmmig_errmsg(self->h));
	slots[1] = 7 << 16;
	EXPECT_EQ(-EINVAL, vmmig_session_new(self->h, VMMIG_ROLE_SOURCE,
					     self->vm, &o, &id));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "address space"))
		TH_LOG("%s", vmmig_errmsg(self->h));
	o.nr_migrate_slots = 1;
	EXPECT_EQ(-EINVAL, vmmig_session_new(self->h, VMMIG_ROLE_DESTINATION,
					     self->vm, &o, &id));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "source"))
		TH_LOG("%s", vmmig_errmsg(self->h));

	/* The one memslot there is: starts (and waits for its peer). */
	ASSERT_EQ(0, vmmig_session_new(self->h, VMMIG_ROLE_SOURCE, self->vm,
				       &o, &id))
		TH_LOG("%s", vmmig_errmsg(self->h));
	EXPECT_EQ(0, vmmig_session_start(self->h, id))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, vmmig_session_destroy(self->h, id));
}

/* Read a small file whole into @buf (NUL-terminated); 0 or -errno. */
static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/* "Key:\tvalue" of /proc/TID/status. */
static int status_field(pid_t tid, const char *key, char *out, size_t len)
{
	char path[64], buf[4096], *p, *nl;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	err = read_file(path, buf, sizeof(buf));
	if (err)
		return err;
	p = strstr(buf, key);
	if (!p)
		return -ENOENT;
	p += strlen(key);
	while (*p == ':' || *p == '\t' || *p == ' ')
		p++;
	nl = strchr(p, '\n');
	if (nl)
		*nl = '\0';
	snprintf(out, len, "%s", p);
	return 0;
}

/* Field 39 of /proc/TID/stat: the CPU the task last ran on. */
static int last_cpu(pid_t tid)
{
	char path[64], buf[1024], *p;
	int i, cpu = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	p = strrchr(buf, ')');	/* the name may hold spaces */
	for (i = 2; p && i < 39; i++)
		p = strchr(p + 1, ' ');
	if (p)
		cpu = atoi(p + 1);
	return cpu;
}

/*
 * The worker runs where the VMM may: in the cgroup of the thread that
 * started the session, on the CPUs it may use, and session-get names it.
 * The test process moves to a cgroup of its own and onto the last CPU
 * first; a kernel thread left alone would be in the root cgroup and free
 * to run on every CPU.
 */
TEST_F(vmmig, worker_placement)
{
	char cg[128], procs[160], mine[256], theirs[256], path[64], want[16];
	struct vmmig_session_info si;
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), cpu, err, i;
	cpu_set_t set;
	uint32_t id;

	ASSERT_LE(2, ncpu) TH_LOG("the test host has 2 vCPUs");
	cpu = ncpu - 1;
	if (access("/sys/fs/cgroup/cgroup.procs", F_OK))
		ASSERT_EQ(0, mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0,
				   NULL)) TH_LOG("mount cgroup2: %s",
						 strerror(errno));
	snprintf(cg, sizeof(cg), "/sys/fs/cgroup/vmmig-test-%d", getpid());
	ASSERT_EQ(0, mkdir(cg, 0755)) TH_LOG("%s: %s", cg, strerror(errno));
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	snprintf(want, sizeof(want), "%d", getpid());
	ASSERT_EQ(0, write_str(procs, want));
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));

	id = create_source(_metadata, self);
	ASSERT_EQ(0, vmmig_session_get(self->h, id, &si));
	EXPECT_EQ(0, si.worker_tid);	/* not started */
	/* The peer never answers: the worker waits for its ACK. */
	ASSERT_EQ(0, vmmig_session_start(self->h, id));
	ASSERT_EQ(0, vmmig_session_get(self->h, id, &si));
	ASSERT_NE(0, si.worker_tid);

	snprintf(path, sizeof(path), "/proc/%u/cgroup", si.worker_tid);
	ASSERT_EQ(0, read_file(path, theirs, sizeof(theirs)));
	ASSERT_EQ(0, read_file("/proc/self/cgroup", mine, sizeof(mine)));
	EXPECT_STREQ(mine, theirs);
	EXPECT_NE(NULL, strstr(theirs, cg + strlen("/sys/fs/cgroup")))
		TH_LOG("worker in %s", theirs);
	/*
	 * Once it has run (it sent the stream), it is allowed that CPU only
	 * and ran there: the worker applies the VMM's CPUs itself when it
	 * first runs (newer kernels set a kthread's CPUs then), so not
	 * before.
	 */
	for (i = 0; !si.stats.pages && i < 500; i++) {
		usleep(10000);
		ASSERT_EQ(0, vmmig_session_get(self->h, id, &si));
	}
	ASSERT_NE(0, si.stats.pages)
		TH_LOG("state %u, bytes %llu", si.state,
		       (unsigned long long)si.stats.bytes);
	snprintf(want, sizeof(want), "%d", cpu);
	err = status_field(si.worker_tid, "Cpus_allowed_list", theirs,
			   sizeof(theirs));
	ASSERT_EQ(0, err);
	EXPECT_STREQ(want, theirs);
	EXPECT_EQ(cpu, last_cpu(si.worker_tid));
	err = status_field(si.worker_tid, "Name", theirs, sizeof(theirs));
	ASSERT_EQ(0, err);
	EXPECT_EQ(0, strncmp(theirs, "vmmig-tx/", 9)) TH_LOG("%s", theirs);

	ASSERT_EQ(0, vmmig_session_destroy(self->h, id));
	/* Out of the cgroup again before it goes (it must be empty). */
	snprintf(want, sizeof(want), "%d", getpid());
	EXPECT_EQ(0, write_str("/sys/fs/cgroup/cgroup.procs", want));
	/* Empty once the worker exited (session-del waits for that). */
	for (i = 0; rmdir(cg) && errno == EBUSY && i < 500; i++)
		usleep(10000);
	EXPECT_NE(0, access(cg, F_OK)) TH_LOG("%s left behind", cg);
}

/* ---- limits, permissions, namespaces, owners --------------------------- */

TEST_F(vmmig, session_limit)
{
	unsigned int max = read_max_sessions(), before, i;
	int vms[8];
	uint32_t id;
	int err;

	ASSERT_LT(0, max);
	before = host_sessions(_metadata, self->h);
	ASSERT_EQ(0, before) TH_LOG("another test left sessions behind");
	ASSERT_EQ(0, write_max_sessions(3));
	for (i = 0; i < 4; i++) {
		vms[i] = vm_create(_metadata);
		err = vmmig_session_create(self->h, VMMIG_ROLE_SOURCE, vms[i],
					   &self->sp[0], 1, NULL, &id);
		if (i < 3) {
			EXPECT_EQ(0, err) TH_LOG("%s", vmmig_errmsg(self->h));
		} else {
			EXPECT_EQ(-EBUSY, err);
			EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h),
					       "max_sessions"))
				TH_LOG("%s", vmmig_errmsg(self->h));
		}
	}
	EXPECT_EQ(3, host_sessions(_metadata, self->h));
	/* 0 puts the host in maintenance: nothing new. */
	ASSERT_EQ(0, write_max_sessions(0));
	EXPECT_EQ(-EBUSY, vmmig_session_create(self->h, VMMIG_ROLE_SOURCE,
					       self->vm, &self->sp[0], 1,
					       NULL, &id));
	EXPECT_EQ(0, write_max_sessions(max));
	for (i = 0; i < 4; i++)
		close(vms[i]);
}

/* In a child: every command and the events group must be refused. */
static int expect_eperm_everywhere(int vm, int sock)
{
	struct vmmig *h, *ev;
	struct vmmig_host_info hi;
	struct vmmig_session_info si;
	uint32_t id;
	int bad = 0;

	if (vmmig_open(&h))
		return 100;
	bad += vmmig_session_create(h, 1, vm, &sock, 1, NULL, &id) != -EPERM;
	bad += vmmig_session_get(h, 1, &si) != -EPERM;
	bad += vmmig_session_start(h, 1) != -EPERM;
	bad += vmmig_session_cancel(h, 1) != -EPERM;
	bad += vmmig_session_destroy(h, 1) != -EPERM;
	bad += vmmig_host_get(h, 0, &hi) != -EPERM;
	bad += vmmig_events_open(&ev) != -EPERM;
	vmmig_close(h);
	return bad;
}

static int run_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(arg));
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

struct child_arg {
	int vm, sock;
	uint32_t id;
};

static int child_no_caps(void *p)
{
	struct child_arg *a = p;

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 101;
	return expect_eperm_everywhere(a->vm, a->sock);
}

static int child_userns(void *p)
{
	struct child_arg *a = p;

	/* All capabilities, but in a user namespace that does not own the
	 * network namespace.
	 */
	if (unshare(CLONE_NEWUSER))
		return 102;
	return expect_eperm_everywhere(a->vm, a->sock);
}

TEST_F(vmmig, unprivileged)
{
	struct child_arg a = { .vm = self->vm, .sock = self->sp[0] };

	EXPECT_EQ(0, run_child(child_no_caps, &a));
	EXPECT_EQ(0, run_child(child_userns, &a));
	EXPECT_EQ(0, host_sessions(_metadata, self->h));
}

static int child_other_netns(void *p)
{
	struct child_arg *a = p;
	struct vmmig_session_info si, *list = NULL;
	struct vmmig_host_info hi;
	unsigned int n = 99;
	struct vmmig *h;
	int bad = 0;

	if (unshare(CLONE_NEWNET))
		return 103;
	if (vmmig_open(&h))
		return 104;
	bad += vmmig_session_list(h, &list, &n) != 0 || n != 0;
	free(list);
	bad += vmmig_session_get(h, a->id, &si) != -ENOENT;
	bad += vmmig_session_start(h, a->id) != -ENOENT;
	bad += vmmig_session_cancel(h, a->id) != -ENOENT;
	bad += vmmig_session_destroy(h, a->id) != -ENOENT;
	/* Counts and limits are per namespace: nothing here. */
	bad += vmmig_host_get(h, 0, &hi) != 0 || hi.sessions != 0;
	vmmig_close(h);
	return bad;
}

/* A VM is in one session at most, whatever the namespace. */
static int child_vm_twice(void *p)
{
	struct child_arg *a = p;
	struct vmmig *h1, *h2;
	uint32_t id;
	int vm, bad = 0;

	vm = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm < 0 || vmmig_open(&h1))
		return 110;
	if (vmmig_session_create(h1, 1, vm, &a->sock, 1, NULL, &id))
		return 111;
	if (unshare(CLONE_NEWNET) || vmmig_open(&h2))
		return 112;
	bad += vmmig_session_create(h2, 2, vm, &a->sock, 1, NULL,
				    &id) != -EBUSY;
	vmmig_close(h2);
	vmmig_close(h1);
	return bad;
}

TEST_F(vmmig, netns_isolation)
{
	struct vmmig_session_info si;
	struct child_arg a = { .vm = self->vm, .sock = self->sp[1] };

	a.id = create_source(_metadata, self);
	EXPECT_EQ(0, run_child(child_other_netns, &a));
	ASSERT_EQ(0, vmmig_session_get(self->h, a.id, &si));
	EXPECT_EQ(VMMIG_STATE_NEW, si.state);
	EXPECT_EQ(0, run_child(child_vm_twice, &a));
}

/*
 * F2 of the December review: a process that holds another process's VM fd
 * (inherited, or received over SCM_RIGHTS) gets nothing through vmmig that
 * KVM would not give it: no session for that VM, and no driving the
 * owner's session.  Watching and cancelling stay open to operators.
 */
static int child_foreign_vm(void *p)
{
	struct child_arg *a = p;
	struct vmmig_session_info si;
	struct vmmig *h;
	uint32_t id;
	int bad = 0;

	if (vmmig_open(&h))
		return 120;
	bad += vmmig_session_create(h, VMMIG_ROLE_DESTINATION, a->vm, &a->sock,
				    1, NULL, &id) != -EPERM;
	bad += !strstr(vmmig_errmsg(h), "another process");
	bad += vmmig_session_create(h, VMMIG_ROLE_SOURCE, a->vm, &a->sock, 1,
				    NULL, &id) != -EPERM;
	bad += vmmig_session_start(h, a->id) != -EPERM;
	bad += !strstr(vmmig_errmsg(h), "owns the session's VM");
	bad += vmmig_session_switchover(h, a->id) != -EPERM;
	bad += vmmig_session_dirty(h, a->id, 0, 4096) != -EPERM;
	bad += vmmig_session_ring_full(h, a->id, 0) != -EPERM;
	bad += vmmig_session_get(h, a->id, &si) != 0;
	bad += vmmig_session_cancel(h, a->id) != 0;
	vmmig_close(h);
	return bad;
}

TEST_F(vmmig, foreign_vm)
{
	struct child_arg a = { .vm = self->vm, .sock = self->sp[0] };
	struct vmmig_session_info si;

	a.id = create_source(_metadata, self);
	EXPECT_EQ(0, run_child(child_foreign_vm, &a));
	ASSERT_EQ(0, vmmig_session_get(self->h, a.id, &si));
	EXPECT_EQ(VMMIG_STATE_CANCELLED, si.state);
	EXPECT_EQ(VMMIG_REASON_CANCEL, si.reason);
}

/*
 * F12 of the December review: an unprivileged user in its own user and
 * network namespace fills its namespace's limit, and root can still
 * migrate.  The limit and the count are per network namespace.
 */
static int child_fill_limit(void *p)
{
	int *pipes = p, sp[2], vm, i, bad = 0;
	struct vmmig_host_info hi;
	struct vmmig *h;
	uint32_t id;
	char c = 0;

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 130;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return 131;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) || vmmig_open(&h))
		return 132;
	for (i = 0; i < 3; i++) {
		vm = ioctl(kvm_fd, KVM_CREATE_VM, 0);
		if (vm < 0)
			return 133;
		if (i < 2)
			bad += vmmig_session_create(h, 1, vm, &sp[0], 1, NULL,
						    &id) != 0;
		else
			bad += vmmig_session_create(h, 1, vm, &sp[0], 1, NULL,
						    &id) != -EBUSY;
	}
	bad += vmmig_host_get(h, 0, &hi) != 0 || hi.sessions != 2;
	/* Hold the sessions while the parent creates its own. */
	if (write(pipes[1], &bad, 1) != 1 || read(pipes[2], &c, 1) != 1)
		return 134;
	vmmig_close(h);
	return bad;
}

TEST_F(vmmig, session_limit_per_namespace)
{
	unsigned int max = read_max_sessions();
	int fds[4], pipes[4], status;
	char c;
	pid_t pid;
	uint32_t id;

	ASSERT_EQ(0, pipe(fds));
	ASSERT_EQ(0, pipe(fds + 2));
	/* child writes fds[1], reads fds[2]; the parent the other ends. */
	pipes[0] = fds[0];
	pipes[1] = fds[1];
	pipes[2] = fds[2];
	pipes[3] = fds[3];
	ASSERT_EQ(0, write_max_sessions(2));
	pid = fork();
	if (pid == 0)
		_exit(child_fill_limit(pipes));
	ASSERT_EQ(1, read(pipes[0], &c, 1));
	EXPECT_EQ(0, c) TH_LOG("the child's namespace did not fill as expected");
	EXPECT_EQ(0, host_sessions(_metadata, self->h));
	EXPECT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_SOURCE, self->vm,
					  &self->sp[0], 1, NULL, &id))
		TH_LOG("%s", vmmig_errmsg(self->h));
	EXPECT_EQ(1, host_sessions(_metadata, self->h));
	EXPECT_EQ(1, write(pipes[3], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child status %d", status);
	EXPECT_EQ(0, write_max_sessions(max));
	for (c = 0; c < 4; c++)
		close(fds[(int)c]);
}

/*
 * F6 of the December review: a VM whose memory the host cannot read
 * (private guest_memfd memory, a confidential VM type) is refused, with a
 * reason, before anything touches its memslots.  Kernels with
 * KVM_X86_SW_PROTECTED_VM (the debug test host kernel) create one.
 */
#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES	235
#endif
#ifndef KVM_X86_SW_PROTECTED_VM
#define KVM_X86_SW_PROTECTED_VM	1
#endif

TEST_F(vmmig, confidential_vm)
{
	int types = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);
	uint32_t id;
	int vm;

	if (types <= 0 || !(types & (1 << KVM_X86_SW_PROTECTED_VM)))
		SKIP(return, "this kernel has no KVM_X86_SW_PROTECTED_VM");
	vm = ioctl(kvm_fd, KVM_CREATE_VM, KVM_X86_SW_PROTECTED_VM);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, vm_add_page(vm));
	EXPECT_EQ(-EOPNOTSUPP, vmmig_session_create(self->h, VMMIG_ROLE_SOURCE,
						    vm, &self->sp[0], 1, NULL,
						    &id));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "cannot be migrated"))
		TH_LOG("%s", vmmig_errmsg(self->h));
	EXPECT_EQ(0, host_sessions(_metadata, self->h));
	close(vm);
}

/* A VMM that creates sessions and is killed: they all go away. */
static int child_killed_vmm(void *p)
{
	struct child_arg *a = p;
	struct vmmig *h;
	uint32_t id;
	int vm1, vm2;

	if (vmmig_open(&h))
		return 105;
	/* Its own VMs: only their creator may migrate them. */
	vm1 = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	vm2 = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm1 < 0 || vm2 < 0 || vm_add_page(vm2) ||
	    vmmig_session_create(h, 1, vm1, &a->sock, 1, NULL, &id) ||
	    vmmig_session_create(h, 2, vm2, &a->sock, 1, NULL, &id) ||
	    vmmig_session_start(h, id))
		return 106;
	kill(getpid(), SIGKILL);
	return 107;
}

TEST_F(vmmig, vmm_killed)
{
	struct child_arg a = { .vm = self->vm, .sock = self->sp[0] };
	struct vmmig_event e;
	int status;
	pid_t pid;

	ASSERT_EQ(0, host_sessions(_metadata, self->h));
	pid = fork();
	if (pid == 0)
		_exit(child_killed_vmm(&a));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status)) TH_LOG("child exit %d",
						 WEXITSTATUS(status));
	/* Release of the killed VMM's socket unlinks at once (reaped after). */
	EXPECT_EQ(0, host_sessions(_metadata, self->h));
	ASSERT_EQ(1, vmmig_event_next(self->ev, &e, 2000));
	do {
		if (e.cmd == VMMIG_CMD_SESSION_DEL_NTF)
			EXPECT_EQ(VMMIG_REASON_OWNER_GONE, e.reason);
	} while (vmmig_event_next(self->ev, &e, 200) == 1);
}

TEST_F(vmmig, handle_closed)
{
	struct vmmig *h2;
	uint32_t id;

	ASSERT_EQ(0, vmmig_open(&h2));
	ASSERT_EQ(0, vmmig_session_create(h2, 1, self->vm, &self->sp[0], 1,
					  NULL, &id));
	EXPECT_EQ(1, host_sessions(_metadata, self->h));
	vmmig_close(h2);
	EXPECT_EQ(0, host_sessions(_metadata, self->h));
}

TEST_F(vmmig, vm_fd_closed)
{
	struct vmmig_event e;
	int vm2 = vm_create(_metadata);
	uint32_t id;

	ASSERT_EQ(0, vmmig_session_create(self->h, 1, vm2, &self->sp[0], 1,
					  NULL, &id));
	close(vm2);
	/* The watchdog looks once a second; allow a generous bound. */
	ASSERT_EQ(0, wait_event(self->ev, VMMIG_CMD_SESSION_DEL_NTF, id, &e,
				10000));
	EXPECT_EQ(VMMIG_REASON_VM_GONE, e.reason);
	EXPECT_EQ(0, host_sessions(_metadata, self->h));
}

TEST_HARNESS_MAIN
