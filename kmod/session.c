// SPDX-License-Identifier: GPL-2.0
/*
 * Migration sessions.  Lifetime and locking rules are in session.h.
 */
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/netlink.h>

#include "compat.h"
#include "mem.h"
#include "netlink.h"
#include "session.h"
#include "state.h"
#include "xfer.h"

unsigned int vmmig_max_sessions = 4;
module_param_named(max_sessions, vmmig_max_sessions, uint, 0644);
MODULE_PARM_DESC(max_sessions,
		 "Most migration sessions in one network namespace at once (default 4; 0 refuses new sessions)");

bool vmmig_require_encryption;
module_param_named(require_encryption, vmmig_require_encryption, bool, 0644);
MODULE_PARM_DESC(require_encryption,
		 "Sessions take kTLS sockets only, unless their require-encryption parameter is 0 (default N)");

static DEFINE_MUTEX(vmmig_registry_lock);
static DEFINE_XARRAY_ALLOC1(vmmig_registry);
static u32 vmmig_next_id;		/* under vmmig_registry_lock */
static u32 vmmig_registry_gen;		/* under vmmig_registry_lock */
static bool vmmig_unloading;		/* under vmmig_registry_lock */
static atomic_t vmmig_nr_alive = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(vmmig_reaped_wq);

/* Reaps and the watchdog: they may wait for a worker, so not system_wq. */
static struct workqueue_struct *vmmig_wq;

#define VMMIG_WATCHDOG_PERIOD	HZ
/* How long session-new waits for the last session of its VM to go. */
#define VMMIG_REAP_WAIT		(5 * HZ)
static void vmmig_watchdog(struct work_struct *work);
static DECLARE_DELAYED_WORK(vmmig_watchdog_work, vmmig_watchdog);
static void vmmig_session_reap_work(struct work_struct *work);

/**
 * vmmig_session_alloc() - a new, unregistered session in state new.
 * @role: VMMIG_ROLE_SOURCE or VMMIG_ROLE_DESTINATION.
 *
 * Called in the VMM's context (session-new): the session keeps the VMM's
 * credentials and RLIMIT_FSIZE for its worker.  The caller fills the VM,
 * channels and parameters, then registers it; on any failure it just puts
 * it.
 *
 * Return: the session with one reference, or NULL.
 */
struct vmmig_session *vmmig_session_alloc(u32 role)
{
	struct vmmig_session *s;

	s = kzalloc_obj(*s, GFP_KERNEL_ACCOUNT);
	if (!s)
		return NULL;
	if (!zalloc_cpumask_var(&s->cpus, GFP_KERNEL_ACCOUNT)) {
		kfree(s);
		return NULL;
	}
	s->role = role;
	s->state = VMMIG_STATE_NEW;
	s->vmm_pid = get_task_pid(current, PIDTYPE_TGID);
	s->cred = get_current_cred();
	task_lock(current->group_leader);
	s->fsize = current->signal->rlim[RLIMIT_FSIZE];
	task_unlock(current->group_leader);
	kref_init(&s->ref);
	mutex_init(&s->lock);
	init_waitqueue_head(&s->wq);
	INIT_WORK(&s->reap_work, vmmig_session_reap_work);
	init_completion(&s->reaped);
	vmmig_dirty_init(&s->dirty, &s->vm, &s->filter);
	vmmig_params_init(&s->params, false);
	atomic_inc(&vmmig_nr_alive);
	return s;
}

static void vmmig_session_free(struct kref *ref)
{
	struct vmmig_session *s = container_of(ref, struct vmmig_session, ref);
	unsigned int i;

	WARN_ON_ONCE(s->worker);
	if (s->blob_file)
		fput(s->blob_file);
	if (s->layout)
		vmmig_mem_free(s->layout);
	kfree(s->filter.slots);
	for (i = 0; i < s->nr_channels; i++)
		vmmig_channel_release(&s->channels[i]);
	vmmig_dirty_release(&s->dirty);
	vmmig_vm_release(&s->vm);
	if (read_pnet(&s->net))
		put_net_track(read_pnet(&s->net), &s->ns_tracker);
	put_cred(s->cred);
	put_pid(s->vmm_pid);
	mutex_destroy(&s->lock);
	free_cpumask_var(s->cpus);
	kfree(s);
	if (atomic_dec_and_test(&vmmig_nr_alive))
		wake_up_var(&vmmig_nr_alive);
}

void vmmig_session_put(struct vmmig_session *s)
{
	if (s)
		kref_put(&s->ref, vmmig_session_free);
}

/*
 * The session of @kvm, if any: linked, or unlinked and not reaped yet (its
 * worker may still use the VM).  Caller holds vmmig_registry_lock.
 */
static struct vmmig_session *vmmig_find_vm(const struct kvm *kvm)
{
	struct vmmig_session *s;
	unsigned long id;

	lockdep_assert_held(&vmmig_registry_lock);
	xa_for_each(&vmmig_registry, id, s)
		if (s->vm.kvm == kvm)
			return s;
	return NULL;
}

/* Linked sessions of @net.  Caller holds vmmig_registry_lock. */
static unsigned int vmmig_count_net(const struct net *net)
{
	struct vmmig_session *s;
	unsigned long id;
	unsigned int n = 0;

	lockdep_assert_held(&vmmig_registry_lock);
	xa_for_each(&vmmig_registry, id, s)
		if (!s->unlinked && net_eq(vmmig_session_net(s), net))
			n++;
	return n;
}

/* Wait (killable, bounded) until the registry has no session of @kvm. */
static int vmmig_wait_vm_free(const struct kvm *kvm)
{
	long ret;

	ret = wait_event_killable_timeout(vmmig_reaped_wq, ({
		bool busy;

		mutex_lock(&vmmig_registry_lock);
		busy = vmmig_find_vm(kvm);
		mutex_unlock(&vmmig_registry_lock);
		!busy; }), VMMIG_REAP_WAIT);
	return ret < 0 ? ret : 0;
}

/**
 * vmmig_session_register() - give a filled session an id and publish it.
 * @s: from vmmig_session_alloc(), with VM and channels set.
 * @net: namespace the session lives in (of the creating netlink socket).
 * @owner_portid: netlink port of the creating socket.
 * @extack: error report.
 *
 * On success the registry holds its own reference; the caller keeps and
 * must put its own.  The limit max_sessions applies per network namespace,
 * so that no namespace (an unprivileged user's, say) can take the host's
 * sessions.
 *
 * Return: 0, -EBUSY (session limit, or VM taken), -ESHUTDOWN (unloading),
 * -EINTR or an xarray error.
 */
int vmmig_session_register(struct vmmig_session *s, struct net *net,
			   u32 owner_portid, struct netlink_ext_ack *extack)
{
	unsigned int max = READ_ONCE(vmmig_max_sessions);
	struct vmmig_session *other;
	bool waited = false;
	int err;

	s->owner_portid = owner_portid;
again:
	mutex_lock(&vmmig_registry_lock);
	if (vmmig_unloading) {
		NL_SET_ERR_MSG(extack, "vmmig is being unloaded");
		err = -ESHUTDOWN;
		goto out_unlock;
	}
	if (vmmig_count_net(net) >= max) {
		NL_SET_ERR_MSG(extack,
			       "session limit of this network namespace reached (module parameter max_sessions)");
		err = -EBUSY;
		goto out_unlock;
	}
	other = vmmig_find_vm(s->vm.kvm);
	if (other && other->unlinked && !waited) {
		/* Its last session is going: wait for it, once. */
		mutex_unlock(&vmmig_registry_lock);
		err = vmmig_wait_vm_free(s->vm.kvm);
		if (err)
			return err;
		waited = true;
		goto again;
	}
	if (other) {
		NL_SET_ERR_MSG(extack, "vm-fd: this VM already has a session");
		err = -EBUSY;
		goto out_unlock;
	}
	err = xa_alloc_cyclic(&vmmig_registry, &s->id, s, xa_limit_31b,
			      &vmmig_next_id, GFP_KERNEL);
	if (err < 0)
		goto out_unlock;
	err = 0;
	write_pnet(&s->net, get_net_track(net, &s->ns_tracker, GFP_KERNEL));
	kref_get(&s->ref);
	vmmig_registry_gen++;
	/* Nobody else can see @s before the registry lock is dropped. */
	vmmig_nl_notify_state(s, 0);
	queue_delayed_work(vmmig_wq, &vmmig_watchdog_work,
			   VMMIG_WATCHDOG_PERIOD);
out_unlock:
	mutex_unlock(&vmmig_registry_lock);
	return err;
}

/**
 * vmmig_session_lookup() - find session @id in @net and take a reference.
 * @net: the caller's namespace; sessions of other namespaces are invisible.
 * @id: session id.
 *
 * Return: the session (put it when done) or NULL.
 */
struct vmmig_session *vmmig_session_lookup(struct net *net, u32 id)
{
	struct vmmig_session *s;

	mutex_lock(&vmmig_registry_lock);
	s = xa_load(&vmmig_registry, id);
	if (s && !s->unlinked && net_eq(vmmig_session_net(s), net))
		kref_get(&s->ref);
	else
		s = NULL;
	mutex_unlock(&vmmig_registry_lock);
	return s;
}

/**
 * vmmig_session_next() - the first session of @net with id >= *@id.
 * @net: namespace to walk.
 * @id: where to start; set to the found session's id.
 *
 * Return: the session with a reference, or NULL at the end.
 */
struct vmmig_session *vmmig_session_next(struct net *net, unsigned long *id)
{
	struct vmmig_session *s;

	mutex_lock(&vmmig_registry_lock);
	xa_for_each_start(&vmmig_registry, *id, s, *id) {
		if (!s->unlinked && net_eq(vmmig_session_net(s), net)) {
			kref_get(&s->ref);
			goto out;
		}
	}
	s = NULL;
out:
	mutex_unlock(&vmmig_registry_lock);
	return s;
}

/* Sessions in @net now. */
unsigned int vmmig_sessions_count(struct net *net)
{
	unsigned int n;

	mutex_lock(&vmmig_registry_lock);
	n = vmmig_count_net(net);
	mutex_unlock(&vmmig_registry_lock);
	return n;
}

/* Moves on whenever a session is linked or unlinked (dump consistency). */
u32 vmmig_sessions_generation(void)
{
	u32 gen;

	mutex_lock(&vmmig_registry_lock);
	gen = vmmig_registry_gen;
	mutex_unlock(&vmmig_registry_lock);
	return gen;
}

/* Move @s to @to, recording @reason, and announce it. */
static int vmmig_session_move(struct vmmig_session *s, u32 to, u32 reason)
{
	u32 from = s->state;
	int err;

	lockdep_assert_held(&s->lock);
	err = vmmig_state_check_move(from, to, reason);
	if (WARN_ON_ONCE(err))
		return err;
	s->state = to;
	s->reason = reason;
	if (to == VMMIG_STATE_ACTIVE && !s->started)
		s->started = ktime_get();
	if (vmmig_state_is_final(to))
		s->ended = ktime_get();
	vmmig_nl_notify_state(s, from);
	wake_up_all(&s->wq);
	return 0;
}

/* Tell the peer at once: shut the sockets down.  The worker's only. */
static void vmmig_session_kick(struct vmmig_session *s)
{
	unsigned int i;

	for (i = 0; i < s->nr_channels; i++)
		vmmig_channel_shutdown(&s->channels[i]);
}

/*
 * End @s as cancelled with @reason unless it already ended, and interrupt
 * its worker.  Never waits for the worker, nor for its I/O.
 */
static void vmmig_session_end(struct vmmig_session *s, u32 reason)
{
	mutex_lock(&s->lock);
	if (!vmmig_state_is_final(s->state)) {
		vmmig_session_move(s, VMMIG_STATE_CANCELLED, reason);
		if (s->worker)
			send_sig(SIGKILL, s->worker, 1);
	}
	mutex_unlock(&s->lock);
}

/* The worker is done with the VM: vmmig_session_settle() waits for it. */
static void vmmig_session_worker_done(struct vmmig_session *s)
{
	/* Pairs with vmmig_session_worker_is_done(). */
	smp_store_release(&s->worker_done, true);
	wake_up_all(&s->wq);
}

/**
 * vmmig_session_settle() - wait until an ended session's worker has let
 * go of the VM.
 * @s: the session.
 *
 * A session ends (its state event leaves) before its worker cleans up: a
 * source completes on the destination's ACK, a cancel ends it at once.
 * Where each dirty ring stands is known only once the worker handed the
 * rings back, so session-get waits for that (a matter of milliseconds: an
 * ended worker only cleans up, and a cancelled one was sent SIGKILL).
 */
void vmmig_session_settle(struct vmmig_session *s)
{
	bool running;

	mutex_lock(&s->lock);
	running = s->worker && vmmig_state_is_final(s->state);
	mutex_unlock(&s->lock);
	if (running)
		wait_event_interruptible_timeout(s->wq,
						 vmmig_session_worker_is_done(s),
						 5 * HZ);
}

/* The worker is done with its sockets: others may have them now. */
static void vmmig_session_unclaim(struct vmmig_session *s)
{
	unsigned int i;

	for (i = 0; i < s->nr_channels; i++)
		vmmig_channel_unclaim(&s->channels[i]);
}

/* The sockets are the worker's while it runs (vmmig_channel_claim()). */
static int vmmig_session_claim(struct vmmig_session *s,
			       struct netlink_ext_ack *extack)
{
	unsigned int i;
	int err;

	for (i = 0; i < s->nr_channels; i++) {
		err = vmmig_channel_claim(&s->channels[i], extack);
		if (err) {
			while (i--)
				vmmig_channel_unclaim(&s->channels[i]);
			return err;
		}
	}
	return 0;
}

/* The worker runs as the VMM: its credentials and file size limit. */
static void vmmig_worker_as_vmm(struct vmmig_session *s)
{
	/*
	 * The CPUs of the VMM thread that started the session.  Set here,
	 * not on the new thread from session-start: newer kernels give a
	 * kthread its node's housekeeping CPUs when it first runs
	 * (kthread_affine_node()), after anything set before its wakeup.
	 */
	set_cpus_allowed_ptr(current, s->cpus);
	task_lock(current->group_leader);
	current->signal->rlim[RLIMIT_FSIZE] = s->fsize;
	task_unlock(current->group_leader);
	/* Teardown interrupts the worker's waits with SIGKILL. */
	allow_signal(SIGKILL);
}

/* The worker: move the stream, then end the session by the outcome. */
static int vmmig_session_worker(void *arg)
{
	struct vmmig_session *s = arg;
	struct mm_struct *mm = s->vm.kvm->mm;
	u32 reason = VMMIG_REASON_VM_GONE;
	struct mem_cgroup *memcg, *old_memcg;
	const struct cred *old_cred;

	vmmig_worker_as_vmm(s);
	old_cred = override_creds(s->cred);
	if (mmget_not_zero(mm)) {
		/* What the worker allocates is the VMM's (kthreads are exempt). */
		memcg = get_mem_cgroup_from_mm(mm);
		old_memcg = set_active_memcg(memcg);
		kthread_use_mm(mm);
		if (s->role == VMMIG_ROLE_DESTINATION)
			reason = vmmig_recv_run(s);
		else if (s->params.mode == VMMIG_MODE_LIVE)
			reason = vmmig_live_run(s);
		else
			reason = vmmig_send_run(s);
		kthread_unuse_mm(mm);
		set_active_memcg(old_memcg);
		mem_cgroup_put(memcg);
		mmput(mm);
	}
	revert_creds(old_cred);

	/* Failed: the peer learns it from the closed channel at once. */
	if (reason)
		vmmig_session_kick(s);
	vmmig_session_unclaim(s);
	atomic64_set(&s->stats.cpu_ns, current->se.sum_exec_runtime);
	mutex_lock(&s->lock);
	if (!vmmig_state_is_final(s->state))
		vmmig_session_move(s, reason ? VMMIG_STATE_FAILED :
				   VMMIG_STATE_COMPLETED, reason);
	mutex_unlock(&s->lock);
	vmmig_session_worker_done(s);
	return 0;
}

/**
 * vmmig_session_start() - start a new session: run its worker.
 * @s: the session.
 * @extack: error report.
 *
 * Runs in the VMM's context: the worker joins its cgroups and CPUs.
 *
 * Return: 0, -EALREADY if it was started (or ended) before, -EOPNOTSUPP
 * for a session of several channels (not yet), -EBUSY if another running
 * session or kernel user holds a socket, or the error of creating the
 * worker thread.
 */
int vmmig_session_start(struct vmmig_session *s,
			struct netlink_ext_ack *extack)
{
	struct task_struct *worker;
	unsigned int i;
	int err;

	mutex_lock(&s->lock);
	if (s->state != VMMIG_STATE_NEW) {
		NL_SET_ERR_MSG(extack, "session was already started");
		err = -EALREADY;
		goto out_unlock;
	}
	/* The stream runs over one channel until multichannel lands. */
	if (s->nr_channels > 1) {
		NL_SET_ERR_MSG(extack,
			       "several sock-fd: moving a stream over more than one channel is not supported yet");
		err = -EOPNOTSUPP;
		goto out_unlock;
	}
	err = vmmig_session_claim(s, extack);
	if (err)
		goto out_unlock;
	worker = kthread_create(vmmig_session_worker, s, "vmmig-%s/%u",
				s->role == VMMIG_ROLE_SOURCE ? "tx" : "rx",
				s->id);
	if (IS_ERR(worker)) {
		NL_SET_ERR_MSG(extack, "cannot create the session's thread");
		err = PTR_ERR(worker);
		goto out_unclaim;
	}
	err = cgroup_attach_task_all(current, worker);
	if (err) {
		NL_SET_ERR_MSG(extack,
			       "cannot move the session's thread into the VMM's cgroups");
		kthread_stop(worker);
		goto out_unclaim;
	}
	/* Applied by the worker itself: see vmmig_worker_as_vmm(). */
	cpumask_copy(s->cpus, current->cpus_ptr);
	for (i = 0; i < s->nr_channels; i++)
		vmmig_channel_prepare(&s->channels[i],
				      s->params.peer_timeout_ms);
	/* Teardown kthread_stop()s it even after it returned. */
	get_task_struct(worker);
	s->worker = worker;
	err = vmmig_session_move(s, VMMIG_STATE_ACTIVE, VMMIG_REASON_NONE);
	wake_up_process(worker);
	mutex_unlock(&s->lock);
	return err;

out_unclaim:
	vmmig_session_unclaim(s);
out_unlock:
	mutex_unlock(&s->lock);
	return err;
}

/* Reap: wait for the worker, which the final state and SIGKILL stopped. */
static void vmmig_session_stop_worker(struct vmmig_session *s)
{
	struct task_struct *worker;

	mutex_lock(&s->lock);
	worker = s->worker;
	s->worker = NULL;
	mutex_unlock(&s->lock);
	if (!worker)
		return;
	kthread_stop(worker);
	put_task_struct(worker);
	/* Stopped before it ever ran, it could not say so itself. */
	vmmig_session_worker_done(s);
}

/**
 * vmmig_session_cancel() - cancel a session that has not ended.
 * @s: the session.
 * @extack: error report.
 *
 * Return: 0, -EALREADY if it has ended, -EBUSY for a destination that
 * acknowledged the stream (the source decides the outcome now).
 */
int vmmig_session_cancel(struct vmmig_session *s,
			 struct netlink_ext_ack *extack)
{
	int err = 0;

	mutex_lock(&s->lock);
	if (vmmig_state_is_final(s->state)) {
		NL_SET_ERR_MSG(extack, "session has already ended");
		err = -EALREADY;
	} else if (s->committing) {
		NL_SET_ERR_MSG(extack,
			       "session is committing: the destination acknowledged the stream, the source decides the outcome");
		err = -EBUSY;
	}
	mutex_unlock(&s->lock);
	if (!err)
		vmmig_session_end(s, VMMIG_REASON_CANCEL);
	return err;
}

/**
 * vmmig_session_commit() - a source's commit point: the destination
 * acknowledged the whole stream; the VM is the destination's from now on.
 * @s: a source session, from its worker.
 *
 * Return: true if @s completed; false if it had ended before (cancelled:
 * the source aborts, and the destination must not resume).
 */
bool vmmig_session_commit(struct vmmig_session *s)
{
	bool committed = false;

	/* As the worker does when it ends: completed sessions show it. */
	atomic64_set(&s->stats.cpu_ns, current->se.sum_exec_runtime);
	mutex_lock(&s->lock);
	if (!vmmig_state_is_final(s->state)) {
		vmmig_session_move(s, VMMIG_STATE_COMPLETED, VMMIG_REASON_NONE);
		committed = true;
	}
	mutex_unlock(&s->lock);
	return committed;
}

/**
 * vmmig_session_committing() - a destination is about to acknowledge the
 * whole stream: from now on only the source ends it (or its VMM going).
 * @s: a destination session, from its worker.
 *
 * Return: true, or false if it had ended before (then it must not ACK).
 */
bool vmmig_session_committing(struct vmmig_session *s)
{
	bool ok;

	mutex_lock(&s->lock);
	ok = !vmmig_state_is_final(s->state);
	if (ok)
		s->committing = true;
	mutex_unlock(&s->lock);
	return ok;
}

/**
 * vmmig_session_switchover() - the VMM paused the guest: finish.
 * @s: a live source session in state active or ready.
 * @extack: error report.
 *
 * Return: 0, -EOPNOTSUPP if @s is not a live source, -EINVAL if it was not
 * started, -EALREADY if it is switching over or has ended.
 */
int vmmig_session_switchover(struct vmmig_session *s,
			     struct netlink_ext_ack *extack)
{
	int err = 0;

	if (s->role != VMMIG_ROLE_SOURCE || s->params.mode != VMMIG_MODE_LIVE) {
		NL_SET_ERR_MSG(extack, "session is not a live migration source");
		return -EOPNOTSUPP;
	}
	mutex_lock(&s->lock);
	switch (s->state) {
	case VMMIG_STATE_ACTIVE:
	case VMMIG_STATE_READY:
		s->switchover_at = ktime_get();
		err = vmmig_session_move(s, VMMIG_STATE_SWITCHOVER,
					 VMMIG_REASON_NONE);
		break;
	case VMMIG_STATE_NEW:
		NL_SET_ERR_MSG(extack, "session was not started");
		err = -EINVAL;
		break;
	default:
		NL_SET_ERR_MSG(extack,
			       "session is already switching over or has ended");
		err = -EALREADY;
		break;
	}
	mutex_unlock(&s->lock);
	return err;
}

/* The worker: pre-copy converged (or gave up per on-limit): tell the VMM. */
bool vmmig_session_ready(struct vmmig_session *s, u32 params_gen)
{
	bool ready = false;

	mutex_lock(&s->lock);
	/* Decided on parameters session-set has replaced since: decide again. */
	if (s->state == VMMIG_STATE_ACTIVE && s->params_gen == params_gen)
		ready = !vmmig_session_move(s, VMMIG_STATE_READY,
					    VMMIG_REASON_NONE);
	mutex_unlock(&s->lock);
	return ready;
}

/**
 * vmmig_session_params() - a consistent copy of @s's parameters.
 * @s: the session.
 * @p: filled with its parameters.
 *
 * Return: their generation, for vmmig_session_set().
 */
u32 vmmig_session_params(struct vmmig_session *s, struct vmmig_params *p)
{
	u32 gen;

	mutex_lock(&s->lock);
	*p = s->params;
	gen = s->params_gen;
	mutex_unlock(&s->lock);
	return gen;
}

/**
 * vmmig_session_set() - session-set: put new tunables in force.
 * @s: the session.
 * @p: every parameter, as vmmig_session_params() gave them with the
 *     request's changes (checked) on top; only the tunables are taken.
 * @params_gen: the generation vmmig_session_params() returned.
 * @converge: the request changes what decides ready (downtime-ms,
 *            max-rounds, max-time-ms).
 * @extack: error report.
 *
 * Announces the change (session-set-ntf) and wakes the worker.
 *
 * Return: 0; -EAGAIN if another session-set came in between (start over
 * from vmmig_session_params()); -EOPNOTSUPP for a session that is not a
 * live source; -EBUSY once it switches over or ended, or for @converge
 * once it is ready (ready is final).
 */
int vmmig_session_set(struct vmmig_session *s, const struct vmmig_params *p,
		      u32 params_gen, bool converge,
		      struct netlink_ext_ack *extack)
{
	struct vmmig_params *cur = &s->params;
	int err = 0;

	if (s->role != VMMIG_ROLE_SOURCE || cur->mode != VMMIG_MODE_LIVE) {
		NL_SET_ERR_MSG(extack,
			       "session-set: only a live migration source has tunables");
		return -EOPNOTSUPP;
	}
	mutex_lock(&s->lock);
	if (s->params_gen != params_gen) {
		err = -EAGAIN;
		goto out;
	}
	switch (s->state) {
	case VMMIG_STATE_NEW:
	case VMMIG_STATE_ACTIVE:
		break;
	case VMMIG_STATE_READY:
		if (!converge)
			break;
		NL_SET_ERR_MSG(extack,
			       "session is ready: downtime-ms, max-rounds and max-time-ms no longer apply");
		err = -EBUSY;
		goto out;
	default:
		NL_SET_ERR_MSG(extack,
			       "session is switching over or has ended");
		err = -EBUSY;
		goto out;
	}
	WRITE_ONCE(cur->downtime_ms, p->downtime_ms);
	WRITE_ONCE(cur->max_rounds, p->max_rounds);
	WRITE_ONCE(cur->max_time_ms, p->max_time_ms);
	WRITE_ONCE(cur->max_bandwidth, p->max_bandwidth);
	WRITE_ONCE(cur->throttle_max_ms, p->throttle_max_ms);
	/* Pairs with the worker's acquire: it sees these values with it. */
	smp_store_release(&s->params_gen, params_gen + 1);
	vmmig_nl_notify_set(s);
	wake_up_all(&s->wq);
out:
	mutex_unlock(&s->lock);
	return err;
}

/* Hide @s from lookups; the registry's reference passes to its reap. */
static bool vmmig_session_unlink(struct vmmig_session *s)
{
	lockdep_assert_held(&vmmig_registry_lock);
	if (s->unlinked)
		return false;
	s->unlinked = true;
	vmmig_registry_gen++;
	return true;
}

/*
 * End an unlinked session and have it reaped: from any context, without
 * waiting for anything but s->lock.
 */
static void vmmig_session_reap(struct vmmig_session *s, u32 reason)
{
	vmmig_session_end(s, reason);
	s->reap_reason = reason;
	queue_work(vmmig_wq, &s->reap_work);
}

static void vmmig_session_reap_work(struct work_struct *work)
{
	struct vmmig_session *s = container_of(work, struct vmmig_session,
					       reap_work);

	vmmig_session_stop_worker(s);
	vmmig_nl_notify_del(s, s->reap_reason);
	mutex_lock(&vmmig_registry_lock);
	xa_erase(&vmmig_registry, s->id);
	mutex_unlock(&vmmig_registry_lock);
	complete_all(&s->reaped);
	wake_up_all(&vmmig_reaped_wq);
	vmmig_session_put(s);
}

/**
 * vmmig_session_destroy() - session-del: unlink, cancel, reap.
 * @s: a session the caller holds a reference on (kept by the caller).
 *
 * Waits a few seconds (killable) for the reap, so that the session is
 * usually gone, its event sent, when session-del returns; a worker that
 * takes longer is reaped in the background.
 */
void vmmig_session_destroy(struct vmmig_session *s)
{
	bool unlinked;

	mutex_lock(&vmmig_registry_lock);
	unlinked = vmmig_session_unlink(s);
	mutex_unlock(&vmmig_registry_lock);
	if (unlinked)
		vmmig_session_reap(s, VMMIG_REASON_DESTROYED);
	wait_for_completion_killable_timeout(&s->reaped, VMMIG_REAP_WAIT);
}

/* Unlink every session @match() selects and reap them with @reason. */
static void vmmig_sessions_reap(bool (*match)(struct vmmig_session *s,
					      const void *arg),
				const void *arg, u32 reason)
{
	struct vmmig_session *s;
	unsigned long id;

	mutex_lock(&vmmig_registry_lock);
	xa_for_each(&vmmig_registry, id, s) {
		if (!s->unlinked && match(s, arg) && vmmig_session_unlink(s))
			vmmig_session_reap(s, reason);
	}
	mutex_unlock(&vmmig_registry_lock);
}

struct vmmig_owner {
	struct net *net;
	u32 portid;
};

static bool vmmig_match_owner(struct vmmig_session *s, const void *arg)
{
	const struct vmmig_owner *o = arg;

	return s->owner_portid == o->portid &&
	       net_eq(vmmig_session_net(s), o->net);
}

/**
 * vmmig_sessions_owner_gone() - the netlink socket @portid in @net closed.
 * @net: its namespace.
 * @portid: its port.
 *
 * Runs in the netlink notifier chain: reaps in the background.
 */
void vmmig_sessions_owner_gone(struct net *net, u32 portid)
{
	struct vmmig_owner o = { .net = net, .portid = portid };

	vmmig_sessions_reap(vmmig_match_owner, &o, VMMIG_REASON_OWNER_GONE);
}

static bool vmmig_match_orphan(struct vmmig_session *s, const void *arg)
{
	return vmmig_vm_orphaned(&s->vm);
}

static bool vmmig_match_all(struct vmmig_session *s, const void *arg)
{
	return true;
}

static void vmmig_watchdog(struct work_struct *work)
{
	vmmig_sessions_reap(vmmig_match_orphan, NULL, VMMIG_REASON_VM_GONE);

	mutex_lock(&vmmig_registry_lock);
	if (!xa_empty(&vmmig_registry) && !vmmig_unloading)
		queue_delayed_work(vmmig_wq, &vmmig_watchdog_work,
				   VMMIG_WATCHDOG_PERIOD);
	mutex_unlock(&vmmig_registry_lock);
}

int vmmig_sessions_init(void)
{
	vmmig_wq = alloc_workqueue("vmmig", WQ_UNBOUND, 0);
	return vmmig_wq ? 0 : -ENOMEM;
}

/**
 * vmmig_sessions_shutdown() - module unload: refuse new sessions, destroy
 * every session (announcing it while the family is still registered) and
 * wait until every worker has stopped.
 */
void vmmig_sessions_shutdown(void)
{
	mutex_lock(&vmmig_registry_lock);
	vmmig_unloading = true;
	mutex_unlock(&vmmig_registry_lock);

	vmmig_sessions_reap(vmmig_match_all, NULL, VMMIG_REASON_UNLOAD);
	cancel_delayed_work_sync(&vmmig_watchdog_work);
	flush_workqueue(vmmig_wq);
}

/**
 * vmmig_sessions_exit() - module unload, after the family is gone: wait
 * until every session object is freed (the last netlink handler has
 * dropped its reference), then drop the workqueue.
 */
void vmmig_sessions_exit(void)
{
	wait_var_event(&vmmig_nr_alive, !atomic_read(&vmmig_nr_alive));
	destroy_workqueue(vmmig_wq);
}
