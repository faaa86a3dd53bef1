// SPDX-License-Identifier: GPL-2.0
/*
 * Teardown of sessions whatever their worker is doing, in the test host
 * (run_tests.sh passes the module's path in VMMIG_KO: the stress loops
 * unload and load it).
 *
 * - A worker stuck in I/O that never completes (a FUSE daemon that read a
 *   WRITE and never answers): closing the VMM's handle returns at once,
 *   and so does every later netlink release (F7 of the December review);
 *   the namespace of a session being reaped outlives the reap (F8).
 * - Stress, 200 iterations each: SIGKILL of the source VMM mid-migration,
 *   SIGKILL of the destination VMM, a VMM in its own network namespace
 *   exiting (the namespace goes with it), rmmod with live sessions, the
 *   VM's fd closed mid-session.  After each loop no session is left and
 *   rmmod succeeds; the surviving VM's memory is intact.  Kernel reports
 *   fail the run (run.sh reads dmesg; the debug kernel has KASAN, lockdep,
 *   kmemleak).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/fuse.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "libvmmig.h"
#include "vmm.h"

#define PAGE		VMM_PAGE
/*
 * 200 iterations per loop; the debug kernel (VMMIG_TEST_PROFILE=debug) is
 * ten times slower and KASAN's checks do not need repetition to fire: 20.
 */
static unsigned int iterations(void)
{
	const char *p = getenv("VMMIG_TEST_PROFILE");

	return p && !strcmp(p, "debug") ? 20 : 200;
}

#define ITERATIONS	iterations()

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* ---- a FUSE file system whose daemon never answers a WRITE ------------- */

struct hung_fs {
	char dir[64];
	char file[80];
	int fd;			/* /dev/fuse */
	pthread_t thread;
	bool write_seen;	/* atomic */
};

static void fuse_reply(int fd, uint64_t unique, int error, const void *p,
		       size_t n)
{
	struct fuse_out_header h = {
		.len = sizeof(h) + n, .error = error, .unique = unique,
	};
	struct iovec iov[2] = {
		{ &h, sizeof(h) }, { (void *)p, n },
	};

	if (writev(fd, iov, n ? 2 : 1) < 0)
		return;		/* aborted: the thread ends at its next read */
}

static void fuse_attr_of(uint64_t node, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = node;
	a->nlink = 1;
	a->blksize = 4096;
	a->mode = node == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0666;
}

static void *hung_fs_thread(void *arg)
{
	static uint8_t buf[FUSE_MIN_READ_BUFFER + (1 << 17)];
	struct hung_fs *fs = arg;

	for (;;) {
		struct fuse_in_header *in = (void *)buf;
		ssize_t n = read(fs->fd, buf, sizeof(buf));

		if (n < (ssize_t)sizeof(*in))
			return NULL;
		switch (in->opcode) {
		case FUSE_INIT: {
			struct fuse_init_out o = {
				.major = FUSE_KERNEL_VERSION, .minor = 31,
				.max_readahead = 1 << 16, .max_write = 4096,
				.max_background = 16, .time_gran = 1,
			};

			fuse_reply(fs->fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out o = { .nodeid = 2 };

			fuse_attr_of(2, &o.attr);
			fuse_reply(fs->fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out o = { 0 };

			fuse_attr_of(in->nodeid, &o.attr);
			fuse_reply(fs->fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_OPEN: {
			struct fuse_open_out o = { .fh = 1,
						   .open_flags = FOPEN_DIRECT_IO };

			fuse_reply(fs->fd, in->unique, 0, &o, sizeof(o));
			break;
		}
		case FUSE_WRITE:
			/* Read, and never answered. */
			__atomic_store_n(&fs->write_seen, true,
					 __ATOMIC_RELEASE);
			break;
		case FUSE_INTERRUPT:
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
			break;
		case FUSE_FLUSH:
		case FUSE_RELEASE:
			fuse_reply(fs->fd, in->unique, 0, NULL, 0);
			break;
		default:
			fuse_reply(fs->fd, in->unique, -ENOSYS, NULL, 0);
			break;
		}
	}
}

static int hung_fs_mount(struct hung_fs *fs)
{
	char opts[128];

	if (system("modprobe fuse"))
		return -ENODEV;
	strcpy(fs->dir, "/tmp/vmmig-fuse.XXXXXX");
	if (!mkdtemp(fs->dir))
		return -errno;
	snprintf(fs->file, sizeof(fs->file), "%s/f", fs->dir);
	fs->fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fs->fd < 0)
		return -errno;
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0", fs->fd);
	if (mount("vmmig-hung", fs->dir, "fuse", 0, opts))
		return -errno;
	return -pthread_create(&fs->thread, NULL, hung_fs_thread, fs);
}

/* Abort the connection: the WRITE ends with an error, the worker returns. */
static void hung_fs_abort(struct hung_fs *fs)
{
	umount2(fs->dir, MNT_FORCE | MNT_DETACH);
	pthread_join(fs->thread, NULL);
	close(fs->fd);
	rmdir(fs->dir);
}

static int wait_write_seen(struct hung_fs *fs)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (__atomic_load_n(&fs->write_seen, __ATOMIC_ACQUIRE))
			return 0;
		usleep(50000);
	}
	return -ETIMEDOUT;
}

/* A small VM whose memory is stamped, and a save of it into @path. */
static const struct vmm_slot small_slot = { 0, 0, 1024 };	/* 4 MiB */

static void stamp_vm(struct vmm_vm *vm, uint64_t seed)
{
	uint64_t i;

	for (i = 0; i < vm->slots[0].npages; i++)
		vmm_stamp_page(vm->mem[0] + i * PAGE, 0, i, seed);
}

static uint64_t vm_bad_pages(const struct vmm_vm *vm, uint64_t seed)
{
	uint8_t want[PAGE];
	uint64_t i, bad = 0;

	for (i = 0; i < vm->slots[0].npages; i++) {
		vmm_stamp_page(want, 0, i, seed);
		bad += memcmp(want, vm->mem[0] + i * PAGE, PAGE) != 0;
	}
	return bad;
}

static int save_to(struct vmmig *h, struct vmm_vm *vm, const char *path,
		   uint32_t *id)
{
	int fd = open(path, O_WRONLY), err;

	if (fd < 0)
		return -errno;
	err = vmmig_session_create_file(h, VMMIG_ROLE_SOURCE, vm->fd, fd, NULL,
					id);
	close(fd);
	return err ?: vmmig_session_start(h, *id);
}

/*
 * F7: a worker stuck in a FUSE write that is never answered.  Closing the
 * VMM's handle (its sessions are then reaped) returns at once; later
 * netlink releases are not held up either.  Aborting the connection lets
 * the worker go; the session is then gone.
 */
TEST(stuck_worker_does_not_block_close)
{
	struct vmmig_event e;
	struct hung_fs fs = { 0 };
	struct vmmig *h, *ev, *other;
	struct vmm_vm vm;
	uint64_t t0, closed_ms, released_ms;
	uint32_t id;
	int err;

	err = hung_fs_mount(&fs);
	ASSERT_EQ(0, err) TH_LOG("FUSE: %s", strerror(-err));
	ASSERT_EQ(0, __vmm_vm_create(&vm, &small_slot, 1, 0));
	stamp_vm(&vm, 1);
	ASSERT_EQ(0, vmmig_open(&h));
	ASSERT_EQ(0, vmmig_events_open(&ev));
	ASSERT_EQ(0, save_to(h, &vm, fs.file, &id)) TH_LOG("%s",
							   vmmig_errmsg(h));
	ASSERT_EQ(0, wait_write_seen(&fs));

	t0 = now_ms();
	vmmig_close(h);
	closed_ms = now_ms() - t0;
	/* Another netlink socket's release goes through the same notifier. */
	ASSERT_EQ(0, vmmig_open(&other));
	t0 = now_ms();
	vmmig_close(other);
	released_ms = now_ms() - t0;
	EXPECT_GT(1000, closed_ms) TH_LOG("close took %llu ms",
					  (unsigned long long)closed_ms);
	EXPECT_GT(1000, released_ms);

	hung_fs_abort(&fs);
	do {
		ASSERT_EQ(1, vmmig_event_next(ev, &e, 10000));
	} while (e.cmd != VMMIG_CMD_SESSION_DEL_NTF || e.id != id);
	EXPECT_EQ(VMMIG_REASON_OWNER_GONE, e.reason);
	EXPECT_EQ(0, vm_bad_pages(&vm, 1));
	vmmig_close(ev);
	vmm_vm_destroy(&vm);
}

/*
 * F8: the same stuck worker, its session in a network namespace whose
 * every process exits meanwhile.  The session holds its namespace, so
 * the reap that ends once the worker returns announces the end into a
 * namespace that still exists (a freed one before: use-after-free, which
 * the debug kernel's KASAN reports).
 */
TEST(stuck_worker_outlives_its_netns)
{
	struct hung_fs fs = { 0 };
	int status, ready[2];
	pid_t pid;
	char c;

	ASSERT_EQ(0, hung_fs_mount(&fs));
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	if (pid == 0) {
		struct vmmig *h;
		struct vmm_vm vm;
		uint32_t id;

		if (unshare(CLONE_NEWNET) || vmmig_open(&h) ||
		    __vmm_vm_create(&vm, &small_slot, 1, 0x33) ||
		    save_to(h, &vm, fs.file, &id))
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(2);
		/* Exit with the worker stuck: owner gone, netns gone. */
		pause();
		_exit(0);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, wait_write_seen(&fs));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* Give the namespace time to be dismantled, then let the worker go. */
	sleep(2);
	hung_fs_abort(&fs);
	sleep(2);
	close(ready[0]);
	close(ready[1]);
}

/* ---- stress ------------------------------------------------------------- */

static const char *ko(void)
{
	return getenv("VMMIG_KO");
}

static int reload(void)
{
	char cmd[512];

	if (!ko())
		return -ENOENT;
	snprintf(cmd, sizeof(cmd), "rmmod vmmig && insmod %s", ko());
	return system(cmd) ? -EIO : 0;
}

static void set_max_sessions(unsigned int n)
{
	FILE *f = fopen("/sys/module/vmmig/parameters/max_sessions", "w");

	if (f) {
		fprintf(f, "%u\n", n);
		fclose(f);
	}
}

/* Sessions in this network namespace. */
static unsigned int sessions_here(void)
{
	struct vmmig_host_info hi = { 0 };
	struct vmmig *h;

	if (vmmig_open(&h))
		return 9999;
	if (vmmig_host_get(h, 0, &hi))
		hi.sessions = 9999;
	vmmig_close(h);
	return hi.sessions;
}

enum role { SRC, DST };

/*
 * One VMM with one session of @role on @sock: a source migrates live (no
 * vCPUs: it stays in pre-copy until it is torn down), a destination waits
 * for the stream.  Tells @ready once its session runs, then waits for the
 * session to end and exits 0 if the outcome is right for a peer that was
 * killed: not completed, and a source's memory untouched.
 */
static int vmm_child(enum role role, int sock, int ready)
{
	struct vmmig_params p = { .mode = VMMIG_MODE_LIVE,
				  .peer_timeout_ms = 2000 };
	struct vmmig_session_info si;
	struct vmmig *h;
	struct vmm_vm vm;
	uint32_t id;

	if (__vmm_vm_create(&vm, &small_slot, 1, 0) || vmmig_open(&h))
		return 10;
	if (role == SRC) {
		stamp_vm(&vm, 7);
		if (__vmm_vm_enable_dirty_ring(&vm, 4096) ||
		    __vmm_vm_set_dirty_logging(&vm, true))
			return 11;
	}
	if (vmmig_session_create(h, role == SRC ? VMMIG_ROLE_SOURCE :
				 VMMIG_ROLE_DESTINATION, vm.fd, &sock, 1,
				 role == SRC ? &p : NULL, &id) ||
	    vmmig_session_start(h, id))
		return 12;
	if (write(ready, "x", 1) != 1)
		return 13;
	if (vmmig_session_wait(h, id, 30000, &si))
		return 14;
	if (si.state == VMMIG_STATE_COMPLETED)
		return 15;
	if (role == SRC && vm_bad_pages(&vm, 7))
		return 16;
	return 0;
}

static pid_t spawn(enum role role, int sock, int ready)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(vmm_child(role, sock, ready));
	return pid;
}

static int wait_ready(int fd, int n)
{
	char c;

	while (n--) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 30000) != 1 || read(fd, &c, 1) != 1)
			return -ETIMEDOUT;
	}
	return 0;
}

/* Kill one VMM of a migration at a random point; the other must be fine. */
static int kill_one(enum role victim, unsigned int i)
{
	int sp[2], ready[2], st_src, st_dst, rc = 0;
	pid_t src, dst;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) || pipe(ready))
		return -1;
	dst = spawn(DST, sp[1], ready[1]);
	src = spawn(SRC, sp[0], ready[1]);
	close(sp[0]);
	close(sp[1]);
	if (wait_ready(ready[0], 2))
		rc = -2;
	usleep((i * 7919) % 20000);
	kill(victim == SRC ? src : dst, SIGKILL);
	if (waitpid(src, &st_src, 0) != src || waitpid(dst, &st_dst, 0) != dst)
		rc = -3;
	if (!rc) {
		int survivor = victim == SRC ? st_dst : st_src;

		if (!WIFEXITED(survivor) || WEXITSTATUS(survivor))
			rc = WIFEXITED(survivor) ? WEXITSTATUS(survivor) : -4;
	}
	close(ready[0]);
	close(ready[1]);
	return rc;
}

/* Both ends in one VMM that lives in a network namespace of its own. */
static int netns_child(int ready, bool close_vm_fds)
{
	struct vmmig_params p = { .mode = VMMIG_MODE_LIVE };
	struct vmm_vm s, d;
	struct vmmig *h, *ev;
	uint32_t sid, did;
	int sp[2];

	if (unshare(CLONE_NEWNET) || vmmig_open(&h) ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sp) ||
	    __vmm_vm_create(&s, &small_slot, 1, 0x5a) ||
	    __vmm_vm_create(&d, &small_slot, 1, 0) ||
	    __vmm_vm_enable_dirty_ring(&s, 4096) ||
	    __vmm_vm_set_dirty_logging(&s, true))
		return 20;
	if (vmmig_session_create(h, VMMIG_ROLE_DESTINATION, d.fd, &sp[1], 1,
				 NULL, &did) ||
	    vmmig_session_create(h, VMMIG_ROLE_SOURCE, s.fd, &sp[0], 1, &p,
				 &sid) ||
	    vmmig_session_start(h, did) || vmmig_session_start(h, sid))
		return 21;
	if (close_vm_fds) {
		struct vmmig_event e;
		int gone = 0;

		/* The watchdog finds the VMs orphaned and ends both. */
		if (vmmig_events_open(&ev))
			return 22;
		close(s.fd);
		close(d.fd);
		if (write(ready, "x", 1) != 1)
			return 22;
		while (gone < 2) {
			if (vmmig_event_next(ev, &e, 10000) != 1)
				return 23;
			if (e.cmd != VMMIG_CMD_SESSION_DEL_NTF)
				continue;
			if (e.reason != VMMIG_REASON_VM_GONE)
				return 24;
			gone++;
		}
		return 0;
	}
	if (write(ready, "x", 1) != 1)
		return 22;
	pause();
	return 0;
}

static pid_t spawn_netns(int ready, bool close_vm_fds)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(netns_child(ready, close_vm_fds));
	return pid;
}

FIXTURE(stress) {
	uint64_t t0;
};

FIXTURE_SETUP(stress)
{
	if (!ko())
		SKIP(return, "VMMIG_KO is not set (run_tests.sh sets it)");
	ASSERT_EQ(0, reload());
	set_max_sessions(64);
	self->t0 = now_ms();
}

/* After every loop: nothing left, and the module unloads. */
FIXTURE_TEARDOWN(stress)
{
	if (!ko())
		return;
	EXPECT_EQ(0, sessions_here());
	EXPECT_EQ(0, reload());
	TH_LOG("%u iterations in %llu ms", ITERATIONS,
	       (unsigned long long)(now_ms() - self->t0));
}

TEST_F_TIMEOUT(stress, sigkill_source_vmm, 900)
{
	unsigned int i;
	int rc;

	for (i = 0; i < ITERATIONS; i++) {
		rc = kill_one(SRC, i);
		ASSERT_EQ(0, rc) TH_LOG("iteration %u", i);
	}
}

TEST_F_TIMEOUT(stress, sigkill_destination_vmm, 900)
{
	unsigned int i;
	int rc;

	for (i = 0; i < ITERATIONS; i++) {
		rc = kill_one(DST, i);
		ASSERT_EQ(0, rc) TH_LOG("iteration %u", i);
	}
}

TEST_F_TIMEOUT(stress, netns_gone_with_live_sessions, 900)
{
	int ready[2], status;
	unsigned int i;
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	for (i = 0; i < ITERATIONS; i++) {
		pid = spawn_netns(ready[1], false);
		ASSERT_EQ(0, wait_ready(ready[0], 1)) TH_LOG("iteration %u", i);
		usleep((i * 7919) % 20000);
		/* Its last process gone, the namespace is dismantled. */
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
	}
	close(ready[0]);
	close(ready[1]);
}

TEST_F_TIMEOUT(stress, rmmod_races_live_sessions, 900)
{
	int ready[2], status;
	unsigned int i;
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	for (i = 0; i < ITERATIONS; i++) {
		pid = spawn_netns(ready[1], false);
		ASSERT_EQ(0, wait_ready(ready[0], 1)) TH_LOG("iteration %u", i);
		usleep((i * 7919) % 20000);
		ASSERT_EQ(0, reload()) TH_LOG("iteration %u", i);
		set_max_sessions(64);
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
	}
	close(ready[0]);
	close(ready[1]);
}

/* The watchdog's period is a second: 20 VMMs at a time. */
TEST_F_TIMEOUT(stress, vm_fd_closed_mid_session, 900)
{
	pid_t pids[20];
	int ready[2], status;
	unsigned int i, j;

	ASSERT_EQ(0, pipe(ready));
	for (i = 0; i < ITERATIONS; i += 20) {
		for (j = 0; j < 20; j++)
			pids[j] = spawn_netns(ready[1], true);
		ASSERT_EQ(0, wait_ready(ready[0], 20)) TH_LOG("iteration %u", i);
		for (j = 0; j < 20; j++) {
			ASSERT_EQ(pids[j], waitpid(pids[j], &status, 0));
			EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
				TH_LOG("iteration %u: status %d", i + j, status);
		}
	}
	close(ready[0]);
	close(ready[1]);
}

TEST_HARNESS_MAIN
