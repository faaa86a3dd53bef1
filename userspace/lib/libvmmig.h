/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvmmig - drive the vmmig kernel module over generic netlink.
 *
 * A VMM links this library to hand a KVM VM and its migration sockets to
 * vmmig.ko and to follow the session.  All calls are synchronous and
 * thread-compatible (not thread-safe: use one handle per thread).
 *
 * Errors: every call returning int returns 0 on success or a negative errno.
 * After a failure, vmmig_errmsg() gives the kernel's extended-ack message
 * (which names the offending attribute) or a library message; it is never
 * NULL.
 *
 * Ownership: a session belongs to the handle (netlink socket) that created
 * it.  When that handle is closed, or the process exits, the kernel cancels
 * and destroys the session.  A VMM therefore keeps its handle open for as
 * long as the migration runs.
 */
#ifndef LIBVMMIG_H
#define LIBVMMIG_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/vmmig.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vmmig;

/* Parameters of a session; a field left 0 means "module default". */
struct vmmig_params {
	uint32_t downtime_ms;     /* 1..30000 */
	uint32_t max_rounds;      /* 1..10000 */
	uint32_t max_time_ms;     /* 0 = no limit */
	uint64_t max_bandwidth;   /* bytes/s, 0 = no cap */
	uint32_t on_limit;        /* enum vmmig_on_limit, 0 = default */
	uint32_t throttle_max_ms; /* 0..30000 */
};

struct vmmig_stats {
	uint64_t elapsed_ms;
	uint64_t bytes;
	uint64_t pages;
	uint64_t zero_pages;
	uint32_t round;
	uint64_t cpu_ns;	/* CPU time of the session's kernel worker */
	uint64_t blob_bytes;	/* VMM state sent or received */
};

/* What session-get reports; filled by vmmig_session_get()/_list(). */
struct vmmig_session_info {
	uint32_t id;
	uint32_t role;    /* enum vmmig_role */
	uint32_t state;   /* enum vmmig_state */
	uint32_t reason;  /* enum vmmig_reason */
	uint32_t vmm_pid;
	uint32_t channels;
	struct vmmig_params params;
	struct vmmig_stats stats;
};

struct vmmig_host_info {
	uint32_t max_sessions;
	uint32_t sessions;
	uint32_t wire_version;
};

/* A state-change or destroy event from the "events" multicast group. */
struct vmmig_event {
	uint8_t cmd;        /* VMMIG_CMD_SESSION_STATE_NTF or _DEL_NTF */
	uint32_t id;
	uint32_t role;      /* state events only */
	uint32_t state;     /* state events only */
	uint32_t old_state; /* state events only */
	uint32_t reason;
};

/**
 * vmmig_open() - open a handle (a generic netlink socket bound to the
 * "vmmig" family; loads the module through its family alias if needed).
 * @out: the new handle.
 *
 * Return: 0, or -ENOENT if the family does not exist (module not loadable),
 * or another negative errno.
 */
int vmmig_open(struct vmmig **out);

/** vmmig_close() - close a handle; its sessions are destroyed. NULL is ok. */
void vmmig_close(struct vmmig *h);

/** vmmig_errmsg() - message of the last failed call on @h (never NULL). */
const char *vmmig_errmsg(const struct vmmig *h);

/**
 * vmmig_session_create() - create a session.
 * @h: handle; owns the session from now on.
 * @role: VMMIG_ROLE_SOURCE or VMMIG_ROLE_DESTINATION.
 * @vm_fd: KVM VM file descriptor (KVM_CREATE_VM).
 * @sock_fds: @nr_socks connected stream sockets, one per channel.
 * @params: parameters, or NULL for the defaults.
 * @id: the new session's id.
 */
int vmmig_session_create(struct vmmig *h, uint32_t role, int vm_fd,
			 const int *sock_fds, unsigned int nr_socks,
			 const struct vmmig_params *params, uint32_t *id);

/**
 * vmmig_session_create_file() - create a session that saves the VM's memory
 * to a file (source) or restores it from one (destination): quick
 * migration through storage.
 * @h: handle; owns the session from now on.
 * @role: VMMIG_ROLE_SOURCE (save) or VMMIG_ROLE_DESTINATION (restore).
 * @vm_fd: KVM VM file descriptor.
 * @file_fd: a regular file, open for writing (save) or reading (restore);
 *	the stream starts at offset 0.
 * @params: parameters, or NULL for the defaults.
 * @id: the new session's id.
 */
int vmmig_session_create_file(struct vmmig *h, uint32_t role, int vm_fd,
			      int file_fd, const struct vmmig_params *params,
			      uint32_t *id);

/*
 * Everything a session can be created with; vmmig_session_create() and
 * vmmig_session_create_file() are shorthands.  Unused fds are -1.
 */
struct vmmig_session_cfg {
	uint32_t role;			/* enum vmmig_role */
	int vm_fd;
	const int *sock_fds;		/* channels, or NULL with file_fd */
	unsigned int nr_socks;
	int file_fd;			/* save/restore file, or -1 */
	int blob_fd;			/* VMM state: source reads it, the
					 * destination gets it written; -1
					 */
	const struct vmmig_params *params;	/* NULL: defaults */
};

/**
 * vmmig_session_create_cfg() - create a session from @cfg.
 * @h: handle; owns the session from now on.
 * @cfg: what the session works on.
 * @id: the new session's id.
 */
int vmmig_session_create_cfg(struct vmmig *h,
			     const struct vmmig_session_cfg *cfg, uint32_t *id);

/** vmmig_session_get() - fetch one session of the caller's namespace. */
int vmmig_session_get(struct vmmig *h, uint32_t id,
		      struct vmmig_session_info *info);

/**
 * vmmig_session_list() - every session of the caller's network namespace.
 * @out: malloc()ed array the caller frees (NULL when none).
 * @count: its length.
 */
int vmmig_session_list(struct vmmig *h, struct vmmig_session_info **out,
		       unsigned int *count);

/**
 * vmmig_session_wait() - wait until session @id ends (completed, failed or
 * cancelled), following the events group.
 * @h: handle.
 * @id: the session.
 * @timeout_ms: -1 waits as long as it takes.
 * @info: filled with the session as it ended.
 *
 * Return: 0 once it ended (look at info->state and info->reason),
 * -ETIMEDOUT, -ENOENT if it was destroyed meanwhile, or another error.
 */
int vmmig_session_wait(struct vmmig *h, uint32_t id, int timeout_ms,
		       struct vmmig_session_info *info);

/** vmmig_session_start() - start moving memory. */
int vmmig_session_start(struct vmmig *h, uint32_t id);

/** vmmig_session_cancel() - cancel; the session stays until destroyed. */
int vmmig_session_cancel(struct vmmig *h, uint32_t id);

/** vmmig_session_destroy() - destroy (cancelling first if needed). */
int vmmig_session_destroy(struct vmmig *h, uint32_t id);

/**
 * vmmig_host_get() - host-wide limit and counters.
 * @wire_version: newest stream version the caller speaks, or 0 to not ask;
 * info->wire_version then holds the newest version both speak.
 */
int vmmig_host_get(struct vmmig *h, uint32_t wire_version,
		   struct vmmig_host_info *info);

/**
 * vmmig_events_open() - open a separate handle subscribed to the events
 * group.  Use vmmig_event_fd() to poll it and vmmig_event_next() to read.
 * Needs CAP_NET_ADMIN in the namespace's user namespace (-EPERM otherwise).
 */
int vmmig_events_open(struct vmmig **out);

/** vmmig_event_fd() - file descriptor to poll() for events. */
int vmmig_event_fd(const struct vmmig *h);

/**
 * vmmig_event_next() - wait for the next event.
 * @timeout_ms: -1 waits forever, 0 polls.
 *
 * Return: 1 with @ev filled, 0 on timeout, negative errno on error
 * (-ENOBUFS when events were lost because the reader was too slow).
 */
int vmmig_event_next(struct vmmig *h, struct vmmig_event *ev, int timeout_ms);

/* Names for printing: "new", "source", "owner-gone", ...; "unknown" else. */
const char *vmmig_state_name(uint32_t state);
const char *vmmig_role_name(uint32_t role);
const char *vmmig_reason_name(uint32_t reason);
const char *vmmig_on_limit_name(uint32_t on_limit);
/* Operator-facing one-line explanation of a reason. */
const char *vmmig_reason_text(uint32_t reason);

#ifdef __cplusplus
}
#endif
#endif /* LIBVMMIG_H */
