/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Migration sessions: creation, lookup, state, teardown.
 *
 * Lifetime
 * --------
 * A session is reference counted (@ref).  The registry (an xarray of every
 * session on the host, keyed by id) holds one reference from
 * vmmig_session_register() until the session is unlinked; netlink handlers
 * hold one for the length of a request.  The last vmmig_session_put() drops
 * the VM and socket files and frees the session.
 *
 * A session is unlinked, cancelled if it has not ended, and announced as
 * destroyed when any of these happens:
 *  - session-del;
 *  - the netlink socket that created it is released (the VMM exited or
 *    closed its libvmmig handle): reason owner-gone;
 *  - every file descriptor of the VM but vmmig's own is closed (found by a
 *    once-a-second watchdog): reason vm-gone;
 *  - its network namespace is dismantled: reason netns-gone;
 *  - the module is unloaded: reason unload.
 *
 * Workers
 * -------
 * session-start runs the session's worker thread (vmmig-tx/ID on the
 * source, vmmig-rx/ID on the destination), which moves the stream with the
 * VMM's mm in use and ends the session completed or failed.  The session
 * does not hold the worker nor the worker the session: teardown (cancel,
 * session-del, owner gone, ...) first makes the state final, then shuts the
 * channels down so that a worker blocked on a socket returns, then
 * kthread_stop()s it, all before the registry's reference is dropped.
 *
 * Locking
 * -------
 * vmmig_registry_lock (mutex) protects the registry, the session count and
 * the unloading flag.  session->lock (mutex) protects state, reason and the
 * timestamps, and serialises state events so they leave in order; the data
 * path may read state without it (READ_ONCE) to notice a cancel or a
 * switchover.  Order: vmmig_registry_lock, then session->lock; never the
 * other way round.  session->dirty.lock is taken alone (see dirty.h).
 *
 * Live migration: session-switchover (the VMM's, in state active or
 * ready) moves the session to switchover and wakes @wq; the worker sends
 * the rest and completes.  session-ring-full and session-dirty run in
 * VMM threads against @dirty while the worker runs.
 */
#ifndef _VMMIG_SESSION_H
#define _VMMIG_SESSION_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/vmmig.h>
#include <net/net_namespace.h>

#include <linux/wait.h>

#include "channel.h"
#include "dirty.h"
#include "params.h"
#include "vm.h"

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
	u32 owner_portid;
	struct pid *vmm_pid;
	struct vmmig_params params;
	struct vmmig_vm vm;
	unsigned int nr_channels;
	struct vmmig_channel channels[VMMIG_MAX_CHANNELS];
	struct file *blob_file;		/* VMM state to send / receive into */

	struct kref ref;
	struct list_head reap_node;	/* private to one teardown pass */

	struct mutex lock;		/* see Locking above */
	u32 state;			/* enum vmmig_state, under @lock */
	u32 reason;			/* enum vmmig_reason, under @lock */
	ktime_t started;		/* under @lock; 0 until started */
	ktime_t ended;			/* under @lock; 0 until final */
	struct task_struct *worker;	/* under @lock; set by start */
	ktime_t switchover_at;		/* under @lock; session-switchover */

	/* Live source: dirty tracking (own lock), throttle share in %. */
	struct vmmig_dirty dirty;
	u32 throttle_pct;		/* READ_ONCE/WRITE_ONCE */
	/* Woken on state changes: worker waits and held vCPUs. */
	wait_queue_head_t wq;

	struct vmmig_stats stats;
};

extern unsigned int vmmig_max_sessions;

struct vmmig_session *vmmig_session_alloc(u32 role);
void vmmig_session_put(struct vmmig_session *s);
int vmmig_session_register(struct vmmig_session *s, struct net *net,
			   u32 owner_portid, struct netlink_ext_ack *extack);

struct vmmig_session *vmmig_session_lookup(struct net *net, u32 id);
struct vmmig_session *vmmig_session_next(struct net *net, unsigned long *id);

int vmmig_session_start(struct vmmig_session *s,
			struct netlink_ext_ack *extack);
int vmmig_session_cancel(struct vmmig_session *s,
			 struct netlink_ext_ack *extack);
int vmmig_session_switchover(struct vmmig_session *s,
			     struct netlink_ext_ack *extack);
void vmmig_session_ready(struct vmmig_session *s);
void vmmig_session_destroy(struct vmmig_session *s);

void vmmig_sessions_owner_gone(struct net *net, u32 portid);
void vmmig_sessions_net_gone(struct net *net);
unsigned int vmmig_sessions_count(void);

int vmmig_sessions_init(void);
void vmmig_sessions_shutdown(void);
void vmmig_sessions_wait_freed(void);

static inline struct net *vmmig_session_net(const struct vmmig_session *s)
{
	return read_pnet(&s->net);
}

#endif /* _VMMIG_SESSION_H */
