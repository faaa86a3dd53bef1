/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
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
 * long as the migration runs.  Other handles of the same network namespace
 * may act on the session too (e.g. one per vCPU thread, see
 * vmmig_session_ring_full()).
 *
 * ABI: the structs below are allocated by the caller.  They only ever grow
 * at their end, and each time they do, the calls that take them get a new
 * symbol version (libvmmig.map) while libvmmig.so keeps the old versions,
 * which work on the old layouts (compat.c): a program built against an
 * older libvmmig.h keeps working unchanged.
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
	/* Since LIBVMMIG_0.2: */
	uint32_t mode;            /* enum vmmig_mode, 0 = default (quick);
				   * live: source sessions over sockets only
				   */
	uint32_t peer_timeout_ms; /* 100..30000 */
};

/*
 * Counters only grow; the gauges (remaining, dirty_rate, bandwidth,
 * expected_downtime_ms) describe the last pre-copy round.  The fields from
 * remaining on are 0 but for live migration, except that a destination
 * fills round and remaining from the source's stream.
 */
struct vmmig_stats {
	uint64_t elapsed_ms;
	uint64_t bytes;
	uint64_t pages;
	uint64_t zero_pages;
	uint32_t round;		/* pre-copy round, 0 for the first full pass */
	uint64_t cpu_ns;	/* CPU time of the session's kernel worker */
	uint64_t blob_bytes;	/* VMM state sent or received */
	/* Since LIBVMMIG_0.2: */
	uint64_t remaining;	/* pages dirty, not yet sent again (gauge) */
	uint64_t dirty_rate;	/* pages dirtied per second (gauge) */
	uint64_t bandwidth;	/* bytes sent per second (gauge) */
	uint64_t expected_downtime_ms;	/* remaining at bandwidth (gauge) */
	uint64_t downtime_ms;	/* measured: switchover to the ACK */
	uint64_t setup_ms;	/* start until dirty logging on, HELLO sent */
	uint64_t dirty_pages;	/* dirty-ring entries harvested */
	uint64_t reported_pages;	/* vmmig_session_dirty() pages */
	uint64_t ring_full;	/* vmmig_session_ring_full() calls */
	uint64_t throttle_ns;	/* vCPUs held there, summed over vCPUs */
	/* Since LIBVMMIG_0.3: */
	uint64_t harvest_ns;	/* harvesting and resetting the dirty rings,
				 * summed over the worker and ring-full calls
				 */
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
	/* Since LIBVMMIG_0.5: */
	uint32_t worker_tid;	/* the module's thread for the session, as
				 * this pid namespace sees it; 0 before
				 * start, after it exited, or not visible
				 */
	/* Since LIBVMMIG_0.6: */
	uint32_t checksum;	/* enum vmmig_checksum of the stream: a
				 * source's from VMMIG_NEW_CHECKSUM, a
				 * destination's from the source's HELLO
				 */
	/* Since LIBVMMIG_0.7: */
	uint32_t require_encryption;	/* 1: kTLS sockets only */
	uint32_t tls_version;	/* kTLS sockets: TLS_1_3_VERSION (0x0304)
				 * or TLS_1_2_VERSION; 0: not encrypted
				 */
	uint32_t tls_cipher;	/* with tls_version: TLS_CIPHER_* of
				 * <linux/tls.h>; vmmig_cipher_name()
				 */
};

struct vmmig_host_info {
	uint32_t max_sessions;
	uint32_t sessions;
	uint32_t wire_version;
};

/*
 * An event from the "events" multicast group: a state change, a session
 * destroyed, or (since LIBVMMIG_0.5) its parameters changed
 * (VMMIG_CMD_SESSION_SET_NTF: only @id is set; vmmig_session_get() has
 * the parameters).  Programs built against an older libvmmig.h are not
 * given the events they do not know.
 */
struct vmmig_event {
	uint8_t cmd;        /* VMMIG_CMD_SESSION_STATE_NTF, _DEL_NTF, _SET_NTF */
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

/*
 * One memslot of the source, as the destination VMM maps it: a
 * destination's own KVM memslots may differ from the source's (QEMU's do
 * at incoming time: other ids, split by PAM or ROM sections, BARs).
 */
struct vmmig_region {
	uint32_t slot;		/* the source's: (address space << 16) | id */
	uint64_t gpa;		/* page aligned */
	uint64_t size;		/* bytes, a multiple of the page size */
	uint64_t hva;		/* where this VMM maps it: its own, writable */
};

#define VMMIG_MAX_REGIONS	512

/*
 * Everything a session is created with but its role and VM (see
 * vmmig_session_new()).  Options structs carry their own size, as
 * libbpf's do: VMMIG_NEW_OPTS() sets .sz; the library takes fields past
 * it as 0, and an older library refuses a non-zero field it does not
 * know.  Fields only ever grow at the end.
 */
struct vmmig_new_opts {
	size_t sz;
	uint32_t flags;			/* VMMIG_NEW_* */
	const int *sock_fds;		/* channels: connected stream sockets */
	unsigned int nr_socks;
	int file_fd;			/* with VMMIG_NEW_FILE: save/restore */
	int blob_fd;			/* with VMMIG_NEW_BLOB: VMM state */
	const struct vmmig_params *params;	/* NULL: defaults */
	/* Destination: the layout to receive into, one per source memslot
	 * (at most VMMIG_MAX_REGIONS), instead of the VM's memslots. */
	const struct vmmig_region *regions;
	unsigned int nr_regions;
	/* Source: the memslots to migrate, (address space << 16) | id (at
	 * most VMMIG_MAX_REGIONS; none: all).  The others (vfio BARs,
	 * ram_device) are never read and need not log dirty pages.  A
	 * memslot whose memory lies inside another's (SMM repeating RAM) is
	 * sent once, as the other's, either way. */
	const uint32_t *migrate_slots;
	unsigned int nr_migrate_slots;
};

#define VMMIG_NEW_FILE	(1u << 0)	/* file_fd instead of sockets */
#define VMMIG_NEW_BLOB	(1u << 1)	/* blob_fd is set */
/*
 * Since LIBVMMIG_0.6.  Source: every record carries its crc32c, checked by
 * the destination (a mismatch fails the session: bad-checksum).  A live
 * source then sends a copy of each page.  Destination: refuse a stream
 * that is not checksummed (no-checksum).  See info.checksum.
 */
#define VMMIG_NEW_CHECKSUM (1u << 2)
/*
 * Since LIBVMMIG_0.7.  Every socket must be a kTLS socket with both
 * directions keyed (the VMM did the TLS handshake and installed the keys:
 * docs/vmm-integration.md shows how with GnuTLS); a plaintext socket, one
 * keyed one way only, or a file fails session-new.  Without the flag the
 * host's default applies (module parameter require_encryption).
 */
#define VMMIG_NEW_REQUIRE_ENCRYPTION (1u << 3)
#define VMMIG_NEW_KNOWN	(VMMIG_NEW_FILE | VMMIG_NEW_BLOB | VMMIG_NEW_CHECKSUM | \
			 VMMIG_NEW_REQUIRE_ENCRYPTION)

#define VMMIG_NEW_OPTS(...) \
	((struct vmmig_new_opts){ .sz = sizeof(struct vmmig_new_opts), __VA_ARGS__ })

/**
 * vmmig_session_new() - create a session: the one call behind every other
 * create call, and the one that grows (since LIBVMMIG_0.5).
 * @h: handle; owns the session from now on.
 * @role: VMMIG_ROLE_SOURCE or VMMIG_ROLE_DESTINATION.
 * @vm_fd: KVM VM file descriptor (KVM_CREATE_VM), of this process.
 * @opts: channels (sockets, or a file), blob, parameters, layout.
 * @id: the new session's id.
 *
 * Return: 0, or a negative errno with the kernel's message naming the
 * attribute at fault (a region's hva that is not this VMM's writable
 * memory, say).
 */
int vmmig_session_new(struct vmmig *h, uint32_t role, int vm_fd,
		      const struct vmmig_new_opts *opts, uint32_t *id);

/**
 * vmmig_session_create() - create a session.
 * @h: handle; owns the session from now on.
 * @role: VMMIG_ROLE_SOURCE or VMMIG_ROLE_DESTINATION.
 * @vm_fd: KVM VM file descriptor (KVM_CREATE_VM).
 * @sock_fds: @nr_socks connected stream sockets, one per channel.  When
 *	the session starts, vmmig sets their send and receive timeouts to
 *	peer-timeout-ms and, on TCP, TCP_NODELAY; they stay so.
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

/**
 * vmmig_session_cancel() - cancel, in any state that is not final; the
 * session stays until destroyed.  The source VM keeps running (a VMM that
 * had paused it for the switchover resumes it).  Returns -EALREADY once
 * the session ended (a source that completed has committed: the VM is the
 * destination's), -EBUSY for a destination that acknowledged the stream
 * (the source decides now).
 */
int vmmig_session_cancel(struct vmmig *h, uint32_t id);

/** vmmig_session_destroy() - destroy (cancelling first if needed). */
int vmmig_session_destroy(struct vmmig *h, uint32_t id);

/*
 * Live migration (params.mode VMMIG_MODE_LIVE, source).  The VM must use
 * KVM's dirty ring (KVM_CAP_DIRTY_LOG_RING, enabled before its vCPUs were
 * created).  The session pre-copies while the guest runs and announces
 * VMMIG_STATE_READY once what is left fits params.downtime_ms; the VMM then
 * pauses every vCPU, saves their state into the blob and calls
 * vmmig_session_switchover().  Meanwhile its vCPU threads call
 * vmmig_session_ring_full() on KVM_EXIT_DIRTY_RING_FULL, and it reports
 * the guest memory it writes itself with vmmig_session_dirty().
 *
 * The contract (who owns what while a session runs):
 *  - Memslots are the VMM's: vmmig never changes one.  The VMM turns
 *    KVM_MEM_LOG_DIRTY_PAGES on for every memslot before
 *    vmmig_session_start() (it fails with EINVAL otherwise) and off after
 *    the session ended, as QEMU's memory listener does.  A memslot added,
 *    removed, moved or changed meanwhile (its flags included) fails the
 *    session (reason memslot-changed); the VM runs on.
 *  - The dirty rings are vmmig's from vmmig_session_start() until the
 *    session ended: the VMM has harvested and reset them before, and
 *    neither harvests nor resets them meanwhile (a session that sees
 *    entries taken behind its back fails with reason dirty-log).  After
 *    the session ended, vmmig_session_rings() says where each ring stands:
 *    the VMM harvests from there on.
 *  - Only the process that created the VM may create a session for it,
 *    start it and drive it (switchover, ring-full, dirty); any process
 *    with CAP_NET_ADMIN over the network namespace may watch, cancel or
 *    destroy it.
 *  - The sockets are the session's until it ends: vmmig sets their
 *    SO_SNDTIMEO, SO_RCVTIMEO (params.peer_timeout_ms) and TCP_NODELAY,
 *    leaves them so, and shuts them down on failure.
 *  - The commit point: a source session that completed means the VM is
 *    the destination's (the source VMM must not resume it); one that
 *    failed or was cancelled means it is still the source's.  A
 *    destination completes only once the source committed; reason
 *    commit-unknown means it cannot know: ask the source session.
 */

/**
 * vmmig_session_switchover() - the VMM has paused every vCPU (kicked out of
 * KVM_RUN) and written their state to the blob: send the rest and finish.
 * @h: handle.
 * @id: a live source session in state active or ready.
 *
 * Return: 0 (the session is in state switchover; it completes once the
 * destination acknowledged, see vmmig_session_wait()), -EOPNOTSUPP if it is
 * not a live source, -EINVAL if it was not started, -EALREADY if it is
 * already switching over or has ended, or another error.
 */
int vmmig_session_switchover(struct vmmig *h, uint32_t id);

/**
 * vmmig_session_ring_full() - call on KVM_EXIT_DIRTY_RING_FULL, from the
 * thread of that vCPU, before entering KVM_RUN again.
 * @h: handle: use one handle per vCPU thread (vmmig_open()), as a handle is
 *	not thread-safe; it need not be the session's owner.
 * @id: the session.
 * @vcpu: the vCPU's id, as given to KVM_CREATE_VCPU.
 *
 * Blocks until the module has harvested and reset the dirty rings, which
 * may include holding the vCPU (at most params.throttle_max_ms) when the
 * guest dirties memory faster than the link carries it.  Returns at once
 * if the session does not track the rings (not started yet, or ended).
 *
 * Return: 0, -EOPNOTSUPP if the session is not a live source, -ENOENT for
 * no such session or vCPU, -EPERM if not called from the VMM process of
 * the VM, -EINTR if a signal interrupted it, or another error.  After an
 * error, too, the vCPU may enter KVM_RUN again: while its ring is still
 * full, KVM exits at once with KVM_EXIT_DIRTY_RING_FULL again.
 */
int vmmig_session_ring_full(struct vmmig *h, uint32_t id, uint32_t vcpu);

/**
 * vmmig_session_dirty() - the VMM wrote guest memory itself (device
 * emulation, DMA), which KVM's dirty ring does not see: send it again.
 * @h: handle.
 * @id: the session.
 * @gpa: guest physical address of the first byte written.
 * @length: bytes written, at least 1.
 *
 * Writes made while the vCPUs are paused for the switchover, too, must be
 * reported before vmmig_session_switchover().
 *
 * Return: 0, -EOPNOTSUPP if the session is not a live source, -EBUSY once
 * the switchover's last harvest began or the session ended (the write was
 * not migrated), -ERANGE if @length is 0 or the range is not all guest
 * memory, or another error.
 */
int vmmig_session_dirty(struct vmmig *h, uint32_t id, uint64_t gpa,
			uint64_t length);

/* A range of guest physical memory. */
struct vmmig_range {
	uint64_t gpa;
	uint64_t length;	/* bytes, at least 1 */
};

/**
 * vmmig_session_dirty_ranges() - as vmmig_session_dirty(), for many writes
 * at once, as device emulation scatters them (since LIBVMMIG_0.5).
 * @h: handle.
 * @id: the session.
 * @ranges: what the VMM wrote, in any order; they may overlap.
 * @n: how many.
 *
 * The pages go to the module as bitmaps, as few requests as fit (10,000
 * pages scattered over 1 GiB take one); each request is taken whole or
 * not at all.  On an error, requests sent before it were taken: their
 * pages are sent again, which is harmless.
 *
 * Return: as vmmig_session_dirty(); -EINVAL for a range of length 0 or
 * one that wraps around.
 */
int vmmig_session_dirty_ranges(struct vmmig *h, uint32_t id,
			       const struct vmmig_range *ranges, size_t n);

/**
 * vmmig_session_dirty_bitmap() - as vmmig_session_dirty(), for the pages
 * of a dirty bitmap (since LIBVMMIG_0.5).
 * @h: handle.
 * @id: the session.
 * @gpa: guest physical address of bit 0's page (page aligned).
 * @bitmap: bit i (bit i % 64 of word i / 64) set: the VMM wrote the page
 *	at @gpa + i pages, as KVM_GET_DIRTY_LOG's and QEMU's bitmaps.
 * @npages: bits in @bitmap.
 *
 * Every set bit must be guest memory; clear bits may cover holes.
 *
 * Return: as vmmig_session_dirty_ranges().
 */
int vmmig_session_dirty_bitmap(struct vmmig *h, uint32_t id, uint64_t gpa,
			       const uint64_t *bitmap, uint64_t npages);

/*
 * What vmmig_session_set() changes.  Options structs carry their own
 * size, as libbpf's do: set .sz = sizeof(struct vmmig_tune) (or use
 * VMMIG_TUNE()); a newer library reads no field past it, an older one
 * fails with -EINVAL if a field it does not know is not 0.  Fields grow
 * at the end only.  .set says which fields apply (VMMIG_TUNE_* bits), so
 * that 0 can be set where it means something.
 */
struct vmmig_tune {
	size_t sz;
	uint32_t set;             /* VMMIG_TUNE_* */
	uint32_t downtime_ms;     /* 1..30000 */
	uint32_t max_rounds;      /* 1..10000 */
	uint32_t max_time_ms;     /* 0 = no limit */
	uint64_t max_bandwidth;   /* bytes/s, 0 = no cap */
	uint32_t throttle_max_ms; /* 0..30000 */
};

#define VMMIG_TUNE_DOWNTIME_MS		(1u << 0)
#define VMMIG_TUNE_MAX_ROUNDS		(1u << 1)
#define VMMIG_TUNE_MAX_TIME_MS		(1u << 2)
#define VMMIG_TUNE_MAX_BANDWIDTH	(1u << 3)
#define VMMIG_TUNE_THROTTLE_MAX_MS	(1u << 4)

/* struct vmmig_tune t = VMMIG_TUNE(.set = ..., .downtime_ms = 50); */
#define VMMIG_TUNE(...) \
	((struct vmmig_tune){ .sz = sizeof(struct vmmig_tune), __VA_ARGS__ })

/**
 * vmmig_session_set() - change tunables of a live source session while it
 * runs (since LIBVMMIG_0.5).
 * @h: handle (the VMM's, or any handle of the namespace).
 * @id: a live source session in state new, active or ready.
 * @tune: what to change.
 *
 * The module applies them at its next decision: a new downtime_ms or
 * max_rounds decides when the session becomes ready, a new max_bandwidth
 * paces it from then on.  The change is announced on the events group.
 *
 * Return: 0; -EINVAL for a value out of range or inconsistent with the
 * others (max_time_ms below downtime_ms) or nothing to set (the message
 * names the parameter); -EOPNOTSUPP if the session is not a live source;
 * -EBUSY once it switches over or ended, and for downtime_ms, max_rounds
 * and max_time_ms once it is ready (ready is final).
 */
int vmmig_session_set(struct vmmig *h, uint32_t id,
		      const struct vmmig_tune *tune);

/* Where a vCPU's dirty ring stands (see vmmig_session_rings()). */
struct vmmig_ring_index {
	uint32_t vcpu;		/* the vCPU's id (KVM_CREATE_VCPU) */
	uint32_t index;		/* the next entry KVM produces */
};

/**
 * vmmig_session_rings() - after a live source session ended: where each
 * vCPU's dirty ring stands, so that the VMM can harvest the rings again.
 * @h: handle.
 * @id: the session.
 * @rings: filled with up to @max entries.
 * @max: room in @rings.
 * @count: set to the number of vCPUs reported (may exceed @max); 0 while
 *	the session has not ended or was not a live source.
 *
 * The module harvested and reset every entry up to there: the VMM sets
 * its own fetch index of each ring to this index.
 *
 * Return: 0 or a negative errno.
 */
int vmmig_session_rings(struct vmmig *h, uint32_t id,
			struct vmmig_ring_index *rings, unsigned int max,
			unsigned int *count);

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
const char *vmmig_mode_name(uint32_t mode);	/* since LIBVMMIG_0.2 */
const char *vmmig_checksum_name(uint32_t checksum);	/* since LIBVMMIG_0.6 */
/*
 * "tls1.3-aes-gcm-128" and the like for info.tls_version and tls_cipher,
 * "none" for a plaintext session (since LIBVMMIG_0.7).
 */
const char *vmmig_cipher_name(uint32_t tls_version, uint32_t tls_cipher);
/* Operator-facing one-line explanation of a reason. */
const char *vmmig_reason_text(uint32_t reason);

#ifdef __cplusplus
}
#endif
#endif /* LIBVMMIG_H */
