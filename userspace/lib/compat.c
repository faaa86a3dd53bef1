// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libvmmig.so ABI compatibility: the LIBVMMIG_0 versions of the calls whose
 * structs grew in LIBVMMIG_0.2, the LIBVMMIG_0.2 versions of those whose
 * structs grew in LIBVMMIG_0.3, the LIBVMMIG_0.3 versions of those whose
 * struct grew in LIBVMMIG_0.5, the LIBVMMIG_0.5 versions of those whose
 * struct grew in LIBVMMIG_0.6, the LIBVMMIG_0.6 versions of those whose
 * struct grew in LIBVMMIG_0.7, and the LIBVMMIG_0 vmmig_event_next() that
 * leaves out the events of 0.5.  A program linked against an older
 * libvmmig.so binds to these; they translate between the layouts it was
 * built with and today's, so the library never reads or writes past the
 * end of the caller's structs.  New fields are 0 (module default) on the
 * way in and dropped on the way out.  Every old version calls today's
 * (default) version with today's layout.
 *
 * Only libvmmig.so has them: the static library is always linked against
 * the libvmmig.h it was built with.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * Define the LIBVMMIG_0 version of @name.  The functions so marked are not
 * static only because symver needs that; the version script hides their
 * own names.
 */
#define COMPAT_0(name)	__attribute__((symver(#name "@LIBVMMIG_0")))

/*
 * vmmig_session_get(), _list() and _wait() of the version node @node,
 * on the session info layout @v: translated up (info_up_@v()) into
 * today's struct and back down (info_down_@v()).
 */
#define COMPAT_INFO_CALLS(v, node)					\
__attribute__((symver("vmmig_session_get@LIBVMMIG_" node)))		\
int vmmig__session_get_##v(struct vmmig *h, uint32_t id,		\
			   struct vmmig_session_info_##v *info)	\
{									\
	struct vmmig_session_info i;					\
	int rc;								\
									\
	info_up_##v(info, &i);						\
	rc = vmmig_session_get(h, id, &i);				\
	info_down_##v(&i, info);					\
	return rc;							\
}									\
									\
__attribute__((symver("vmmig_session_list@LIBVMMIG_" node)))		\
int vmmig__session_list_##v(struct vmmig *h,				\
			    struct vmmig_session_info_##v **out,	\
			    unsigned int *count)			\
{									\
	struct vmmig_session_info_##v *old;				\
	struct vmmig_session_info *cur;					\
	unsigned int n, k;						\
	int rc;								\
									\
	*out = NULL;							\
	*count = 0;							\
	rc = vmmig_session_list(h, &cur, &n);				\
	if (rc || !n)							\
		return rc;						\
	old = calloc(n, sizeof(*old));					\
	if (!old) {							\
		free(cur);						\
		return vmmig__err(h, -ENOMEM);				\
	}								\
	for (k = 0; k < n; k++)						\
		info_down_##v(&cur[k], &old[k]);			\
	free(cur);							\
	*out = old;							\
	*count = n;							\
	return 0;							\
}									\
									\
__attribute__((symver("vmmig_session_wait@LIBVMMIG_" node)))		\
int vmmig__session_wait_##v(struct vmmig *h, uint32_t id, int timeout_ms, \
			    struct vmmig_session_info_##v *info)	\
{									\
	struct vmmig_session_info i;					\
	int rc;								\
									\
	info_up_##v(info, &i);						\
	rc = vmmig_session_wait(h, id, timeout_ms, &i);		\
	info_down_##v(&i, info);					\
	return rc;							\
}

/* The layouts of LIBVMMIG_0. */
struct vmmig_params_0 {
	uint32_t downtime_ms;
	uint32_t max_rounds;
	uint32_t max_time_ms;
	uint64_t max_bandwidth;
	uint32_t on_limit;
	uint32_t throttle_max_ms;
};

struct vmmig_stats_0 {
	uint64_t elapsed_ms;
	uint64_t bytes;
	uint64_t pages;
	uint64_t zero_pages;
	uint32_t round;
	uint64_t cpu_ns;
	uint64_t blob_bytes;
};

struct vmmig_session_info_0 {
	uint32_t id;
	uint32_t role;
	uint32_t state;
	uint32_t reason;
	uint32_t vmm_pid;
	uint32_t channels;
	struct vmmig_params_0 params;
	struct vmmig_stats_0 stats;
};

/* struct vmmig_session_cfg did not change, but its params did. */
struct vmmig_session_cfg_0 {
	uint32_t role;
	int vm_fd;
	const int *sock_fds;
	unsigned int nr_socks;
	int file_fd;
	int blob_fd;
	const struct vmmig_params_0 *params;
};

_Static_assert(sizeof(struct vmmig_session_cfg_0) ==
	       sizeof(struct vmmig_session_cfg),
	       "struct vmmig_session_cfg changed: it needs a compat version");

/* @old (may be NULL) into @p; returns what to pass on. */
static const struct vmmig_params *params_up(const struct vmmig_params_0 *old,
					    struct vmmig_params *p)
{
	if (!old)
		return NULL;
	*p = (struct vmmig_params) {
		.downtime_ms		= old->downtime_ms,
		.max_rounds		= old->max_rounds,
		.max_time_ms		= old->max_time_ms,
		.max_bandwidth		= old->max_bandwidth,
		.on_limit		= old->on_limit,
		.throttle_max_ms	= old->throttle_max_ms,
	};
	return p;
}

/*
 * The calls that fill a session info may fail before or after having
 * written it: start from the caller's struct, so that what they leave
 * alone stays as it was.
 */
static void info_up_0(const struct vmmig_session_info_0 *old,
		    struct vmmig_session_info *i)
{
	memset(i, 0, sizeof(*i));
	i->id = old->id;
	i->role = old->role;
	i->state = old->state;
	i->reason = old->reason;
	i->vmm_pid = old->vmm_pid;
	i->channels = old->channels;
	params_up(&old->params, &i->params);
	i->stats.elapsed_ms = old->stats.elapsed_ms;
	i->stats.bytes = old->stats.bytes;
	i->stats.pages = old->stats.pages;
	i->stats.zero_pages = old->stats.zero_pages;
	i->stats.round = old->stats.round;
	i->stats.cpu_ns = old->stats.cpu_ns;
	i->stats.blob_bytes = old->stats.blob_bytes;
}

static void info_down_0(const struct vmmig_session_info *i,
		      struct vmmig_session_info_0 *old)
{
	*old = (struct vmmig_session_info_0) {
		.id		= i->id,
		.role		= i->role,
		.state		= i->state,
		.reason		= i->reason,
		.vmm_pid	= i->vmm_pid,
		.channels	= i->channels,
		.params = {
			.downtime_ms	 = i->params.downtime_ms,
			.max_rounds	 = i->params.max_rounds,
			.max_time_ms	 = i->params.max_time_ms,
			.max_bandwidth	 = i->params.max_bandwidth,
			.on_limit	 = i->params.on_limit,
			.throttle_max_ms = i->params.throttle_max_ms,
		},
		.stats = {
			.elapsed_ms	= i->stats.elapsed_ms,
			.bytes		= i->stats.bytes,
			.pages		= i->stats.pages,
			.zero_pages	= i->stats.zero_pages,
			.round		= i->stats.round,
			.cpu_ns		= i->stats.cpu_ns,
			.blob_bytes	= i->stats.blob_bytes,
		},
	};
}

COMPAT_0(vmmig_session_create_cfg)
int vmmig__session_create_cfg_0(struct vmmig *h,
				const struct vmmig_session_cfg_0 *cfg,
				uint32_t *id)
{
	struct vmmig_params p;
	const struct vmmig_session_cfg c = {
		.role = cfg->role, .vm_fd = cfg->vm_fd,
		.sock_fds = cfg->sock_fds, .nr_socks = cfg->nr_socks,
		.file_fd = cfg->file_fd, .blob_fd = cfg->blob_fd,
		.params = params_up(cfg->params, &p),
	};

	return vmmig_session_create_cfg(h, &c, id);
}

COMPAT_0(vmmig_session_create)
int vmmig__session_create_0(struct vmmig *h, uint32_t role, int vm_fd,
			    const int *sock_fds, unsigned int nr_socks,
			    const struct vmmig_params_0 *params, uint32_t *id)
{
	struct vmmig_params p;

	return vmmig_session_create(h, role, vm_fd, sock_fds, nr_socks,
				    params_up(params, &p), id);
}

COMPAT_0(vmmig_session_create_file)
int vmmig__session_create_file_0(struct vmmig *h, uint32_t role, int vm_fd,
				 int file_fd,
				 const struct vmmig_params_0 *params,
				 uint32_t *id)
{
	struct vmmig_params p;

	return vmmig_session_create_file(h, role, vm_fd, file_fd,
					 params_up(params, &p), id);
}

COMPAT_INFO_CALLS(0, "0")

/*
 * The layouts of LIBVMMIG_0.2: struct vmmig_stats without harvest_ns.
 * struct vmmig_params has not changed since.  Each is the start of
 * today's struct, member for member.
 */
struct vmmig_stats_0_2 {
	uint64_t elapsed_ms;
	uint64_t bytes;
	uint64_t pages;
	uint64_t zero_pages;
	uint32_t round;
	uint64_t cpu_ns;
	uint64_t blob_bytes;
	uint64_t remaining;
	uint64_t dirty_rate;
	uint64_t bandwidth;
	uint64_t expected_downtime_ms;
	uint64_t downtime_ms;
	uint64_t setup_ms;
	uint64_t dirty_pages;
	uint64_t reported_pages;
	uint64_t ring_full;
	uint64_t throttle_ns;
};

struct vmmig_session_info_0_2 {
	uint32_t id;
	uint32_t role;
	uint32_t state;
	uint32_t reason;
	uint32_t vmm_pid;
	uint32_t channels;
	struct vmmig_params params;
	struct vmmig_stats_0_2 stats;
};

/*
 * The calls that take a struct vmmig_params (create, create_file,
 * create_cfg) are LIBVMMIG_0.2's: a new field there needs a new version.
 */
_Static_assert(sizeof(struct vmmig_params) ==
	       offsetof(struct vmmig_params, peer_timeout_ms) +
	       sizeof(uint32_t),
	       "struct vmmig_params changed: it needs a compat version");
/* The copies below rely on the old layouts being today's beginnings. */
_Static_assert(sizeof(struct vmmig_stats_0_2) ==
	       offsetof(struct vmmig_stats, harvest_ns),
	       "struct vmmig_stats_0_2 is not the start of struct vmmig_stats");
_Static_assert(offsetof(struct vmmig_session_info_0_2, stats) ==
	       offsetof(struct vmmig_session_info, stats) &&
	       sizeof(struct vmmig_session_info_0_2) ==
	       offsetof(struct vmmig_session_info, stats) +
	       sizeof(struct vmmig_stats_0_2),
	       "struct vmmig_session_info_0_2 is not the start of today's");
_Static_assert(sizeof(struct vmmig_stats) ==
	       offsetof(struct vmmig_stats, harvest_ns) + sizeof(uint64_t),
	       "struct vmmig_stats changed: it needs a compat version");

/*
 * Up and down for a layout @v that is the start of today's, member for
 * member (asserted above for each): copy that much; what it lacks is 0
 * on the way in (harvest_ns for 0.2, worker_tid for 0.3).
 */
#define COMPAT_INFO_PREFIX(v)						\
static void info_up_##v(const struct vmmig_session_info_##v *old,	\
			struct vmmig_session_info *i)			\
{									\
	memset(i, 0, sizeof(*i));					\
	memcpy(i, old, sizeof(*old));					\
}									\
									\
static void info_down_##v(const struct vmmig_session_info *i,		\
			  struct vmmig_session_info_##v *old)		\
{									\
	memcpy(old, i, sizeof(*old));					\
}

COMPAT_INFO_PREFIX(0_2)
COMPAT_INFO_CALLS(0_2, "0.2")

/*
 * The layout of LIBVMMIG_0.3 and 0.4: struct vmmig_session_info without
 * worker_tid, which LIBVMMIG_0.5 added.
 */
struct vmmig_session_info_0_3 {
	uint32_t id;
	uint32_t role;
	uint32_t state;
	uint32_t reason;
	uint32_t vmm_pid;
	uint32_t channels;
	struct vmmig_params params;
	struct vmmig_stats stats;
};

_Static_assert(offsetof(struct vmmig_session_info_0_3, stats) ==
	       offsetof(struct vmmig_session_info, stats) &&
	       sizeof(struct vmmig_session_info_0_3) ==
	       offsetof(struct vmmig_session_info, worker_tid),
	       "struct vmmig_session_info_0_3 is not the start of today's");
COMPAT_INFO_PREFIX(0_3)
COMPAT_INFO_CALLS(0_3, "0.3")

/*
 * The layout of LIBVMMIG_0.5: struct vmmig_session_info without checksum,
 * which LIBVMMIG_0.6 added in what was tail padding (the size is the
 * same): copied up to it, so that a 0.5 caller's padding stays untouched.
 */
struct vmmig_session_info_0_5 {
	uint32_t id;
	uint32_t role;
	uint32_t state;
	uint32_t reason;
	uint32_t vmm_pid;
	uint32_t channels;
	struct vmmig_params params;
	struct vmmig_stats stats;
	uint32_t worker_tid;
};

_Static_assert(offsetof(struct vmmig_session_info_0_5, worker_tid) ==
	       offsetof(struct vmmig_session_info, worker_tid),
	       "struct vmmig_session_info_0_5 is not the start of today's");
#define INFO_0_5_BYTES	offsetof(struct vmmig_session_info, checksum)

static void info_up_0_5(const struct vmmig_session_info_0_5 *old,
			struct vmmig_session_info *i)
{
	memset(i, 0, sizeof(*i));
	memcpy(i, old, INFO_0_5_BYTES);
}

static void info_down_0_5(const struct vmmig_session_info *i,
			  struct vmmig_session_info_0_5 *old)
{
	memcpy(old, i, INFO_0_5_BYTES);
}

COMPAT_INFO_CALLS(0_5, "0.5")

/*
 * The layout of LIBVMMIG_0.6: struct vmmig_session_info up to checksum,
 * before LIBVMMIG_0.7 added require_encryption, tls_version and
 * tls_cipher.
 */
struct vmmig_session_info_0_6 {
	uint32_t id;
	uint32_t role;
	uint32_t state;
	uint32_t reason;
	uint32_t vmm_pid;
	uint32_t channels;
	struct vmmig_params params;
	struct vmmig_stats stats;
	uint32_t worker_tid;
	uint32_t checksum;
};

_Static_assert(offsetof(struct vmmig_session_info_0_6, checksum) ==
	       offsetof(struct vmmig_session_info, checksum),
	       "struct vmmig_session_info_0_6 is not the start of today's");
/*
 * Today's layout is LIBVMMIG_0.7's, with 4 bytes of tail padding after
 * tls_cipher: growing it needs a new version (a field in that padding
 * would not change the size: look here too).
 */
_Static_assert(sizeof(struct vmmig_session_info) ==
	       offsetof(struct vmmig_session_info, tls_cipher) + 8,
	       "struct vmmig_session_info changed: it needs a compat version");

#define INFO_0_6_BYTES	offsetof(struct vmmig_session_info, require_encryption)

static void info_up_0_6(const struct vmmig_session_info_0_6 *old,
			struct vmmig_session_info *i)
{
	memset(i, 0, sizeof(*i));
	memcpy(i, old, INFO_0_6_BYTES);
}

static void info_down_0_6(const struct vmmig_session_info *i,
			  struct vmmig_session_info_0_6 *old)
{
	memcpy(old, i, INFO_0_6_BYTES);
}

COMPAT_INFO_CALLS(0_6, "0.6")

/*
 * LIBVMMIG_0.5 added session-set-ntf events: programs built before do not
 * know VMMIG_CMD_SESSION_SET_NTF and are not given them.
 */
COMPAT_0(vmmig_event_next)
int vmmig__event_next_0(struct vmmig *h, struct vmmig_event *ev,
			int timeout_ms)
{
	return vmmig__event_next(h, ev, timeout_ms, false);
}
