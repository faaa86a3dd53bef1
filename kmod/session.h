/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Migration sessions: creation, lookup, state, teardown.
 *
 * Lifetime
 * --------
 * A session is reference counted (@ref).  The registry (an xarray of every
 * session on the host, keyed by id) holds one reference from
 * vmmig_session_register() until the session is reaped; netlink handlers
 * hold one for the length of a request.  The last vmmig_session_put() drops
 * the VM and socket files, the network namespace and the credentials, and
 * frees the session.
 *
 * A session is unlinked (@unlinked: invisible to lookups, dumps and the
 * limits), ended as cancelled if it has not ended, and reaped when any of
 * these happens:
 *  - session-del;
 *  - the netlink socket that created it is released (the VMM exited or
 *    closed its libvmmig handle): reason owner-gone;
 *  - every file descriptor of the VM but vmmig's own is closed (found by a
 *    once-a-second watchdog): reason vm-gone;
 *  - the module is unloaded: reason unload.
 * A session holds its network namespace, which therefore outlives it.
 *
 * Workers
 * -------
 * session-start runs the session's worker thread (vmmig-tx/ID on the
 * source, vmmig-rx/ID on the destination), which moves the stream with the
 * VMM's mm in use, the VMM's credentials and RLIMIT_FSIZE, in the VMM's
 * cgroups and on its CPUs, charging what it allocates to the VMM's memory
 * cgroup; it ends the session completed or failed.  The session does not
 * hold the worker nor the worker the session.
 *
 * Teardown never waits for a worker in a context others share (the netlink
 * notifier, the watchdog, netlink requests): ending a session makes its
 * state final and, if it had not ended, sends the worker SIGKILL, which
 * interrupts whatever it waits for (a socket, a file on FUSE or NFS, a
 * page fault); the worker then shuts its channels down so the peer learns
 * at once.  A reap (@reap_work, on vmmig's own workqueue) then
 * kthread_stop()s the worker, announces the session's end, takes it out of
 * the registry and drops the registry's reference.  Until then its VM
 * counts as taken: a new session for it waits for the reap.
 *
 * Locking
 * -------
 * vmmig_registry_lock (mutex) protects the registry, @unlinked and the
 * unloading flag.  session->lock (mutex) protects state, reason, the
 * timestamps, @worker and @committing, and serialises state events so they
 * leave in order; the data path may read state without it (READ_ONCE) to
 * notice a cancel or a switchover.  Order: vmmig_registry_lock, then
 * session->lock; never the other way round.  Neither is held across socket
 * or file I/O.  session->dirty.lock is taken alone (see dirty.h).
 *
 * Live migration: session-switchover (the VMM's, in state active or
 * ready) moves the session to switchover and wakes @wq; the worker sends
 * the rest and completes.  session-set changes the tunables and wakes
 * @wq; the worker applies them at its next decision.  session-ring-full and session-dirty run in
 * VMM threads against @dirty while the worker runs.
 *
 * The commit point (see vmmig_wire.h): a source completes as soon as the
 * destination's ACK passed its checks, before it cleans up; a destination
 * that sent its ACK is @committing: cancel is refused, and it completes
 * only on the source's COMMIT.
 */
#ifndef _VMMIG_SESSION_H
#define _VMMIG_SESSION_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/mutex.h>
#include <linux/resource.h>
#include <linux/vmmig.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>

#include "channel.h"
#include "dirty.h"
#include "mem.h"
#include "params.h"
#include "vm.h"

struct cred;
struct netlink_ext_ack;
struct pid;

/*
 * Counters and gauges (see the stats attribute set); written by the data
 * path and the ring-full handler, read without locks.
 */
struct vmmig_stats {
	atomic64_t bytes;
	atomic64_t pages;
	atomic64_t zero_pages;
	atomic_t round;
	atomic64_t cpu_ns;		/* the worker's, set as it ends */
	atomic64_t blob_bytes;
	atomic64_t remaining;
	atomic64_t dirty_rate;		/* pages/s */
	atomic64_t bandwidth;		/* bytes/s */
	atomic64_t expected_downtime_ms;
	atomic64_t downtime_ms;
	atomic64_t setup_ms;
	atomic64_t dirty_pages;
	atomic64_t reported_pages;
	atomic64_t ring_full;
	atomic64_t throttle_ns;
	atomic64_t harvest_ns;		/* in vmmig_dirty_harvest(), all callers */
};

struct vmmig_session {
	/* Set before registration, constant afterwards. */
	u32 id;
	u32 role;
	possible_net_t net;
	netns_tracker ns_tracker;
	u32 owner_portid;
	struct pid *vmm_pid;
	const struct cred *cred;	/* the VMM's, for the worker */
	struct rlimit fsize;		/* the VMM's RLIMIT_FSIZE */
	cpumask_var_t cpus;		/* the starting VMM thread's; set by start */
	/*
	 * Fixed but for the tunables of a live source, which session-set
	 * changes under @lock (WRITE_ONCE each, then @params_gen with
	 * release); the worker reads them with READ_ONCE after an acquire
	 * of @params_gen and announces ready only if that is still the
	 * current generation (vmmig_session_ready()).
	 */
	struct vmmig_params params;
	u32 params_gen;
	struct vmmig_vm vm;
	unsigned int nr_channels;
	struct vmmig_channel channels[VMMIG_MAX_CHANNELS];
	struct file *blob_file;		/* VMM state to send / receive into */
	struct vmmig_mem *layout;	/* destination: the VMM's, or NULL */
	struct vmmig_mem_filter filter;	/* source: the memslots to migrate */

	struct kref ref;
	bool unlinked;			/* under vmmig_registry_lock */
	struct work_struct reap_work;
	u32 reap_reason;		/* set before @reap_work is queued */
	struct completion reaped;	/* out of the registry */

	struct mutex lock;		/* see Locking above */
	u32 state;			/* enum vmmig_state, under @lock */
	u32 reason;			/* enum vmmig_reason, under @lock */
	ktime_t started;		/* under @lock; 0 until started */
	ktime_t ended;			/* under @lock; 0 until final */
	struct task_struct *worker;	/* under @lock; set by start */
	/* The worker let go of the VM (its rings too); smp_store_release. */
	bool worker_done;
	ktime_t switchover_at;		/* under @lock; session-switchover */
	bool committing;		/* under @lock; destination ACKed */

	/* Live source: dirty tracking (own lock), throttle share in %. */
	struct vmmig_dirty dirty;
	u32 throttle_pct;		/* READ_ONCE/WRITE_ONCE */
	/*
	 * enum vmmig_checksum of the stream: a source's from its params at
	 * session-new, a destination's set by its worker from the HELLO.
	 * READ_ONCE/WRITE_ONCE.
	 */
	u32 checksum;
	/* Woken on state changes: worker waits and held vCPUs. */
	wait_queue_head_t wq;

	struct vmmig_stats stats;
};

extern unsigned int vmmig_max_sessions;
extern bool vmmig_require_encryption;

struct vmmig_session *vmmig_session_alloc(u32 role);
void vmmig_session_put(struct vmmig_session *s);
int vmmig_session_register(struct vmmig_session *s, struct net *net,
			   u32 owner_portid, struct netlink_ext_ack *extack);
bool vmmig_session_commit(struct vmmig_session *s);
bool vmmig_session_committing(struct vmmig_session *s);
void vmmig_session_settle(struct vmmig_session *s);

/* Has the worker let go of the VM?  Then what it left there is final. */
static inline bool vmmig_session_worker_is_done(struct vmmig_session *s)
{
	/* Pairs with the worker's release: what it wrote before is seen. */
	return smp_load_acquire(&s->worker_done);
}

struct vmmig_session *vmmig_session_lookup(struct net *net, u32 id);
struct vmmig_session *vmmig_session_next(struct net *net, unsigned long *id);

int vmmig_session_start(struct vmmig_session *s,
			struct netlink_ext_ack *extack);
int vmmig_session_cancel(struct vmmig_session *s,
			 struct netlink_ext_ack *extack);
int vmmig_session_switchover(struct vmmig_session *s,
			     struct netlink_ext_ack *extack);
bool vmmig_session_ready(struct vmmig_session *s, u32 params_gen);
u32 vmmig_session_params(struct vmmig_session *s, struct vmmig_params *p);
int vmmig_session_set(struct vmmig_session *s, const struct vmmig_params *p,
		      u32 params_gen, bool converge,
		      struct netlink_ext_ack *extack);
void vmmig_session_destroy(struct vmmig_session *s);

void vmmig_sessions_owner_gone(struct net *net, u32 portid);
unsigned int vmmig_sessions_count(struct net *net);
u32 vmmig_sessions_generation(void);

int vmmig_sessions_init(void);
void vmmig_sessions_shutdown(void);
void vmmig_sessions_exit(void);

static inline struct net *vmmig_session_net(const struct vmmig_session *s)
{
	return read_pnet(&s->net);
}

#endif /* _VMMIG_SESSION_H */
