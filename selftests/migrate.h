/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Live migration of the stamp guest through vmmig.ko, as a VMM would do
 * it: shared by the live-migration tests, `make demo` and the benchmark.
 *
 * A struct mig_guest is one VM running guest/stamp.S on its vCPUs
 * (vmm_runner threads), with the KVM dirty ring on.  mig_live() moves a
 * running guest to a fresh one over TCP between the network namespaces
 * vmmig-src and vmmig-dst (run_tests.sh sets them up): a destination
 * session, a live source session, pre-copy until the session is ready,
 * pause, vCPU state into the blob, switchover; then it compares every page
 * of the paused source with the destination, resumes the guest on the
 * destination and lets every vCPU sweep its working set twice, so the
 * guest checks each page it wrote (a lost write is an error it reports).
 * On failure the source guest is resumed and must go on without errors.
 *
 * __mig_foo() returns 0 or -errno; the tests assert on it.
 */
#ifndef VMMIG_SELFTEST_MIGRATE_H
#define VMMIG_SELFTEST_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "libvmmig.h"
#include "ktls.h"
#include "relay.h"
#include "vmm.h"

struct mig_opts {
	uint32_t mem_mib;	/* guest memory: two equal memslots */
	unsigned int nr_vcpus;
	uint32_t ring_entries;	/* KVM dirty ring, per vCPU */
	uint32_t ws_pages;	/* working set of each vCPU */
	uint32_t delay;		/* guest spin loops after each page */
	uint32_t static_mib;	/* VMM-stamped data besides the working sets */
	/* The source's RAM starts this many pages past a 2 MiB boundary
	 * (__vmm_vm_create_skewed(); default 1), the destination's at a
	 * boundary. */
	unsigned int src_skew;
	struct vmmig_params params;	/* mode is set to live */
	unsigned int timeout_s;	/* for the whole migration */
	bool keep_sessions;	/* leave them to the caller (r->*_id) */
	/* >= 0: the destination guest's spin delay, set before it resumes
	 * (a benchmark's slow guest checks itself quickly there). */
	int64_t dst_delay;
	/* The destination has other KVM memslots than the source (split,
	 * renumbered, an extra BAR) and its session gets the source's
	 * layout from the VMM (session-new's regions). */
	bool dst_layout;
	/* Both guests get memslot 2 at 4 GiB, an alias of memslot 1 (the
	 * same host memory), as SMM's address space repeats RAM. */
	bool alias_slot;
	/* The source gets memslot 3, PROT_NONE memory without dirty
	 * logging (a BAR vmmig must not read), and names the memslots to
	 * migrate (all but that one). */
	bool src_hole;
	/* Before the switchover: pause and switch over only when it returns
	 * true (default: once the session is ready). */
	bool (*switch_now)(void *ctx, const struct vmmig_session_info *si);
	/* Called about every 100 ms with the source session. */
	void (*progress)(void *ctx, const struct vmmig_session_info *si);
	/* Called once both sessions run, before waiting (faults). */
	void (*started)(void *ctx, uint32_t src_id, uint32_t dst_id);
	/* Called right after session-switchover (faults). */
	void (*switched)(void *ctx, uint32_t src_id, uint32_t dst_id);
	void *ctx;
	/* Record checksums: both sessions with VMMIG_NEW_CHECKSUM. */
	bool checksum;
	/* The stream goes through a relay in the test (relay.h), over
	 * loopback rather than the veth pair, and @flip's bit is flipped on
	 * the way if it is set. */
	bool relay;
	const struct relay_flip *flip;
	/* kTLS (ktls.h): the VMMs' TLS 1.3 handshake over the connection,
	 * both directions keyed, both sessions with require-encryption. */
	bool tls;
	enum ktls_cipher cipher;
};

struct mig_guest {
	struct vmm_vm vm;
	struct vmm_vcpu vcpus[VMM_MAX_VCPUS];
	unsigned int nr_vcpus;
	struct vmm_runner runner;
	bool running;
	/* Ring-full calls go to this session, one libvmmig handle per vCPU. */
	struct vmmig *h[VMM_MAX_VCPUS];
	uint32_t session;
	uint64_t ring_full_calls;
	void *bar;		/* o->dst_layout's extra memslot */
	void *hole;		/* o->src_hole's */
};

struct mig_result {
	struct vmmig_session_info src, dst;	/* at the end */
	uint64_t diff_pages;	/* paused source vs destination */
	uint64_t guest_errors;	/* reported by the guest after resume */
	uint64_t ring_full;	/* KVM_EXIT_DIRTY_RING_FULL during migration */
	uint64_t total_ms;	/* source session-start to both ended */
	double host_cpu_ms;	/* host_busy_ms() over that time */
	bool switched;		/* switchover was called */
	uint32_t src_id, dst_id;	/* with keep_sessions */
	bool flipped;		/* o->flip's bit was flipped */
	uint64_t page_recs;	/* PAGES records through o->relay */
	const char *stage;	/* where an error (return value) came from */
};

bool mig_debug_profile(void);
void mig_opts_default(struct mig_opts *o);
int __mig_guest_create(struct mig_guest *g, const struct mig_opts *o,
		       bool boot);
int __mig_guest_start(struct mig_guest *g);
void mig_guest_destroy(struct mig_guest *g);
int __mig_guest_check(struct mig_guest *g, unsigned int sweeps,
		      unsigned int timeout_ms, uint64_t *errors);

int __mig_take_rings(struct vmmig *h, struct mig_guest *g, uint32_t sid);
int __mig_live(struct vmmig *h, struct mig_guest *src, struct mig_guest *dst,
	       const struct mig_opts *o, uint16_t port, struct mig_result *r);

#endif
