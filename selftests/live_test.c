// SPDX-License-Identifier: GPL-2.0
/*
 * Live migration through vmmig.ko in the test host, with real KVM and TCP
 * between two network namespaces: a 1 GiB, 2-vCPU guest that keeps
 * stamping its working sets with an iteration number and checks its own
 * memory (guest/stamp.S) is migrated while it runs (migrate.[ch]).  Each
 * migration must end with every page of the paused source equal on the
 * destination, and with the guest, resumed there, finding every page as
 * it last wrote it.  Failures (cap below the dirty rate, the destination
 * gone, the link cut, cancel in every state) must leave the source guest
 * running with its memory intact and a reason in the source's stats.
 */
#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/kvm.h>
#include <linux/vmmig_wire.h>

#include "kselftest_harness.h"
#include "libvmmig.h"
#include "migrate.h"

static uint16_t next_port = 7800;

static uint16_t port(void)
{
	return next_port++;
}

/* Assert a completed migration with nothing lost. */
static void expect_migrated(struct __test_metadata *_metadata,
			    const struct mig_result *r)
{
	EXPECT_EQ(VMMIG_STATE_COMPLETED, r->src.state)
		TH_LOG("source: %s", vmmig_reason_name(r->src.reason));
	EXPECT_EQ(VMMIG_STATE_COMPLETED, r->dst.state)
		TH_LOG("destination: %s", vmmig_reason_name(r->dst.reason));
	EXPECT_EQ(0, r->diff_pages);
	EXPECT_EQ(0, r->guest_errors);
	EXPECT_TRUE(r->switched);
	EXPECT_LE(1, r->src.stats.round);
	EXPECT_EQ(r->src.stats.pages, r->dst.stats.pages);
	/* Harvesting dirty-ring entries takes time, and it is counted. */
	if (r->src.stats.dirty_pages)
		EXPECT_LT(0, r->src.stats.harvest_ns);
	TH_LOG("rounds %u, %llu pages (%llu zero), %llu ms total, downtime %llu ms, setup %llu ms, ring-full %llu, throttled %llu ms, harvest %llu us for %llu dirty pages (%llu ns/page)",
	       r->src.stats.round,
	       (unsigned long long)r->src.stats.pages,
	       (unsigned long long)r->src.stats.zero_pages,
	       (unsigned long long)r->total_ms,
	       (unsigned long long)r->src.stats.downtime_ms,
	       (unsigned long long)r->src.stats.setup_ms,
	       (unsigned long long)r->src.stats.ring_full,
	       (unsigned long long)(r->src.stats.throttle_ns / 1000000),
	       (unsigned long long)(r->src.stats.harvest_ns / 1000),
	       (unsigned long long)r->src.stats.dirty_pages,
	       (unsigned long long)(r->src.stats.dirty_pages ?
				    r->src.stats.harvest_ns /
				    r->src.stats.dirty_pages : 0));
}

/* Assert a failed migration: source ended by @why, guest fine on it. */
static void expect_failed(struct __test_metadata *_metadata,
			  const struct mig_result *r, uint32_t state,
			  uint32_t why)
{
	EXPECT_EQ(state, r->src.state);
	EXPECT_EQ(why, r->src.reason)
		TH_LOG("source reason %s", vmmig_reason_name(r->src.reason));
	EXPECT_NE(VMMIG_STATE_COMPLETED, r->dst.state);
	EXPECT_EQ(0, r->guest_errors);
}

/*
 * Two guests: the source (g[cur]) and the destination.  A guest never
 * moves in memory (its vCPU threads point at it): after a migration the
 * roles swap.
 */
FIXTURE(live) {
	struct vmmig *h;
	struct mig_opts o;
	struct mig_guest g[2];
	int cur;
};

#define SRC(self)	(&(self)->g[(self)->cur])
#define DST(self)	(&(self)->g[!(self)->cur])

FIXTURE_VARIANT(live) {
	uint32_t ring;
};

FIXTURE_VARIANT_ADD(live, ring512) { .ring = 512 };
FIXTURE_VARIANT_ADD(live, ring4096) { .ring = 4096 };
FIXTURE_VARIANT_ADD(live, ring65536) { .ring = 65536 };

FIXTURE_SETUP(live)
{
	int err;

	ASSERT_EQ(0, vmmig_open(&self->h));
	mig_opts_default(&self->o);
	self->o.ring_entries = variant->ring;
	err = __mig_guest_create(SRC(self), &self->o, true);
	ASSERT_EQ(0, err) TH_LOG("source guest: %s", strerror(-err));
	ASSERT_EQ(0, __mig_guest_start(SRC(self)));
}

FIXTURE_TEARDOWN(live)
{
	mig_guest_destroy(&self->g[0]);
	mig_guest_destroy(&self->g[1]);
	vmmig_close(self->h);
}

/*
 * A 256 MiB guest with smaller working sets, for the cases that are about
 * one behaviour rather than about size.
 */
static void small_guest(struct mig_opts *o)
{
	o->mem_mib = 256;
	o->ws_pages = 2048;
	o->static_mib = 16;
}

/* After a completed migration: the destination is the source now. */
static void swap_guests(FIXTURE_DATA(live) *self)
{
	mig_guest_destroy(SRC(self));
	self->cur = !self->cur;
}

/* Start over with a new source guest for the options changed. */
static void new_source(struct __test_metadata *_metadata,
		       FIXTURE_DATA(live) *self)
{
	mig_guest_destroy(SRC(self));
	ASSERT_EQ(0, __mig_guest_create(SRC(self), &self->o, true));
	ASSERT_EQ(0, __mig_guest_start(SRC(self)));
}

/* What the vCPUs did, for a failure's log. */
static void log_guests(struct __test_metadata *_metadata,
		       FIXTURE_DATA(live) *self)
{
	struct vmm_runner_stats st;
	unsigned int g, i;

	for (g = 0; g < 2; g++)
		for (i = 0; self->g[g].running && i < self->g[g].nr_vcpus; i++) {
			vmm_runner_stats(&self->g[g].runner, i, &st);
			TH_LOG("%s vCPU %u: sweeps %llu, errors %llu, ring-full %llu, exits %llu, error %d (exit %u port %#x)",
			       g == self->cur ? "source" : "destination", i,
			       (unsigned long long)st.sweeps,
			       (unsigned long long)st.errors,
			       (unsigned long long)st.ring_full,
			       (unsigned long long)st.exits, st.error,
			       st.exit_reason, st.port);
		}
}

/* Where pre-copy stood, for a failure's log (a timeout: why not ready). */
static void log_source(struct __test_metadata *_metadata,
		       const struct mig_result *r)
{
	const struct vmmig_stats *st = &r->src.stats;

	TH_LOG("source: state %u, round %u, remaining %llu pages, dirty rate %llu pages/s, bandwidth %llu B/s, expected downtime %llu ms, harvest %llu us for %llu dirty pages, ring-full %llu, throttled %llu ms",
	       r->src.state, st->round, (unsigned long long)st->remaining,
	       (unsigned long long)st->dirty_rate,
	       (unsigned long long)st->bandwidth,
	       (unsigned long long)st->expected_downtime_ms,
	       (unsigned long long)(st->harvest_ns / 1000),
	       (unsigned long long)st->dirty_pages,
	       (unsigned long long)st->ring_full,
	       (unsigned long long)(st->throttle_ns / 1000000));
}

static void migrate(struct __test_metadata *_metadata,
		    FIXTURE_DATA(live) *self, struct mig_result *r)
{
	int err;

	mig_guest_destroy(DST(self));
	err = __mig_guest_create(DST(self), &self->o, false);
	ASSERT_EQ(0, err) TH_LOG("destination guest: %s", strerror(-err));
	err = __mig_live(self->h, SRC(self), DST(self), &self->o, port(), r);
	if (err) {
		log_guests(_metadata, self);
		log_source(_metadata, r);
	}
	ASSERT_EQ(0, err) TH_LOG("migration flow, %s: %s", r->stage,
				 strerror(-err));
}

/*
 * The guest keeps dirtying; rings of every size.  Whether a 512-entry ring
 * fills depends on how soon the worker harvests it (0 or 1 ring-full exits
 * a migration in the 2026-12-07 runs, as the data path got faster): the
 * cases that need ring-full exits cap the link (cap_setup()).  Every exit
 * the VMM saw, vmmig counted.
 */
TEST_F_TIMEOUT(live, running_guest, 600)
{
	struct mig_result r;

	migrate(_metadata, self, &r);
	expect_migrated(_metadata, &r);
	EXPECT_LE(r.ring_full, r.src.stats.ring_full);
	EXPECT_LT(0, r.src.stats.dirty_pages);
	EXPECT_LT(0, r.src.stats.downtime_ms);
}

/* ---- record checksums through a corrupting relay ----------------------- */

/* A page of the VMM-stamped data (memslot 1): sent once, never written. */
static uint64_t static_gfn(const struct mig_opts *o, uint64_t page)
{
	return ((uint64_t)o->mem_mib << 20) / 2 / VMM_PAGE + page;
}

/*
 * A checksummed live migration through the relay completes; then one bit
 * flipped in a page on the way (the first record, a guest code or page
 * table page; a page of static data; a record header) fails it with
 * bad-checksum at both ends, and the source guest runs on.
 */
TEST_F_TIMEOUT(live, checksum_catches_flipped_bits, 1800)
{
	struct relay_flip flips[] = {
		{ .what = "first PAGES record", .rec = 0, .off = 0, .bit = 0 },
		{ .what = "static data page", .off = 1234, .bit = 2 },
		{ .what = "static data page, last byte", .off = VMM_PAGE - 1,
		  .bit = 7 },
		{ .what = "PAGES record 3, gfn low bit", .rec = 3,
		  .in_header = true,
		  .off = offsetof(struct vmmig_wire_rec, gfn) + 7, .bit = 0 },
	};
	struct mig_result r;
	unsigned int i;

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	small_guest(&self->o);
	new_source(_metadata, self);
	flips[1].gfn = static_gfn(&self->o, 100);
	flips[2].gfn = static_gfn(&self->o, 3000);
	self->o.checksum = true;
	self->o.relay = true;

	migrate(_metadata, self, &r);
	expect_migrated(_metadata, &r);
	EXPECT_EQ(VMMIG_CHECKSUM_CRC32C, r.src.checksum);
	EXPECT_EQ(VMMIG_CHECKSUM_CRC32C, r.dst.checksum);
	EXPECT_LT(3, r.page_recs);
	swap_guests(self);

	for (i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		self->o.flip = &flips[i];
		migrate(_metadata, self, &r);
		EXPECT_TRUE(r.flipped) TH_LOG("%s: not flipped", flips[i].what);
		EXPECT_EQ(VMMIG_STATE_FAILED, r.dst.state) TH_LOG("%s", flips[i].what);
		EXPECT_EQ(VMMIG_REASON_BAD_CHECKSUM, r.dst.reason)
			TH_LOG("%s: destination %s", flips[i].what,
			       vmmig_reason_name(r.dst.reason));
		/* expect_failed() checks it; this says which flip. */
		if (r.src.reason != VMMIG_REASON_BAD_CHECKSUM)
			TH_LOG("%s: source %s in round %u", flips[i].what,
			       vmmig_reason_name(r.src.reason),
			       r.src.stats.round);
		expect_failed(_metadata, &r, VMMIG_STATE_FAILED,
			      VMMIG_REASON_BAD_CHECKSUM);
	}
}

/*
 * What the option buys: without checksums a page of static data flipped
 * on the way completes the migration, and the destination has it wrong.
 */
TEST_F_TIMEOUT(live, no_checksum_misses_flipped_bit, 900)
{
	struct relay_flip flip = { .what = "static data page", .off = 99,
				   .bit = 4 };
	struct mig_result r;

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	small_guest(&self->o);
	new_source(_metadata, self);
	flip.gfn = static_gfn(&self->o, 2000);
	self->o.relay = true;
	self->o.flip = &flip;
	migrate(_metadata, self, &r);
	EXPECT_TRUE(r.flipped);
	EXPECT_EQ(VMMIG_STATE_COMPLETED, r.src.state)
		TH_LOG("source: %s", vmmig_reason_name(r.src.reason));
	EXPECT_EQ(VMMIG_STATE_COMPLETED, r.dst.state)
		TH_LOG("destination: %s", vmmig_reason_name(r.dst.reason));
	EXPECT_EQ(VMMIG_CHECKSUM_NONE, r.dst.checksum);
	EXPECT_EQ(1, r.diff_pages);
}

/* ---- kTLS: encrypted and authenticated, still zero copy ---------------- */

/*
 * Live migration over kTLS sockets, keyed after a GnuTLS handshake between
 * the two network namespaces (AES-GCM-128 with a pre-shared key,
 * AES-GCM-256 with a certificate the client checks): the guest moves with
 * nothing lost, and both sessions say how they were encrypted.
 */
TEST_F_TIMEOUT(live, ktls_both_ciphers, 1200)
{
	const enum ktls_cipher ciphers[] = { KTLS_AES_GCM_128,
					     KTLS_AES_GCM_256 };
	struct mig_result r;
	unsigned int i;

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	small_guest(&self->o);
	/*
	 * The test host's TCG makes AES-GCM some 30 times the cost of the
	 * plaintext path (make bench, README): the guest writes slower, and
	 * after 5 rounds the source switches over anyway.  The case is about
	 * what arrives, not about converging over an emulated cipher.
	 */
	self->o.delay *= 4;
	self->o.params.max_rounds = 5;
	self->o.params.on_limit = VMMIG_ON_LIMIT_SWITCHOVER;
	new_source(_metadata, self);
	self->o.tls = true;
	for (i = 0; i < 2; i++) {
		self->o.cipher = ciphers[i];
		migrate(_metadata, self, &r);
		expect_migrated(_metadata, &r);
		ASSERT_EQ(VMMIG_STATE_COMPLETED, r.dst.state);
		EXPECT_EQ(0x0304, r.src.tls_version);
		EXPECT_EQ(0x0304, r.dst.tls_version);
		EXPECT_EQ(ktls_cipher_type(ciphers[i]), r.src.tls_cipher);
		EXPECT_EQ(ktls_cipher_type(ciphers[i]), r.dst.tls_cipher);
		EXPECT_EQ(1, r.src.require_encryption);
		EXPECT_EQ(1, r.dst.require_encryption);
		swap_guests(self);
	}
}

/*
 * One ciphertext byte flipped on the way (a record in the first pass, one
 * later): the destination fails with tls-bad-record, the source fails
 * too and its guest runs on.  The destination cannot tell the source why:
 * a TLS record that failed authentication leaves the socket in error for
 * both directions (tls_err_abort()), so the source sees its peer go
 * (peer-closed); the VMMs' own control connection carries the reason.
 */
TEST_F_TIMEOUT(live, ktls_tampered_record, 900)
{
	struct relay_flip flips[] = {
		{ .what = "ciphertext at 200 KiB", .raw = true,
		  .off = 200 << 10, .bit = 0 },
		{ .what = "ciphertext at 9 MiB", .raw = true,
		  .off = (9 << 20) + 5, .bit = 6 },
	};
	struct mig_result r;
	unsigned int i;

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	small_guest(&self->o);
	new_source(_metadata, self);
	self->o.tls = true;
	self->o.cipher = KTLS_AES_GCM_128;
	self->o.relay = true;
	for (i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		self->o.flip = &flips[i];
		migrate(_metadata, self, &r);
		EXPECT_TRUE(r.flipped) TH_LOG("%s: not flipped", flips[i].what);
		EXPECT_EQ(VMMIG_STATE_FAILED, r.dst.state) TH_LOG("%s", flips[i].what);
		EXPECT_EQ(VMMIG_REASON_TLS_BAD_RECORD, r.dst.reason)
			TH_LOG("%s: destination %s", flips[i].what,
			       vmmig_reason_name(r.dst.reason));
		EXPECT_EQ(VMMIG_STATE_FAILED, r.src.state);
		EXPECT_TRUE(r.src.reason == VMMIG_REASON_PEER_CLOSED ||
			    r.src.reason == VMMIG_REASON_TLS_BAD_RECORD)
			TH_LOG("%s: source %s", flips[i].what,
			       vmmig_reason_name(r.src.reason));
		EXPECT_EQ(0, r.guest_errors);
	}
}

/* Writes the VMM makes itself reach the destination only if reported. */
struct report_ctx {
	struct vmmig *h;
	struct mig_guest *g;
	uint32_t sid;
	bool done;
};

static void report_started(void *ctx, uint32_t sid, uint32_t did)
{
	((struct report_ctx *)ctx)->sid = sid;
}

static bool report_switch(void *ctx, const struct vmmig_session_info *si)
{
	struct report_ctx *c = ctx;
	uint64_t gpa = (uint64_t)c->g->vm.slots[1].gpa + 0x100000;

	if (!c->done && si->stats.round >= 1) {
		/* Two pages of "device emulation"; only the first is told. */
		memset(vmm_gpa_hva(&c->g->vm, gpa), 0x5a, VMM_PAGE);
		memset(vmm_gpa_hva(&c->g->vm, gpa + VMM_PAGE), 0xa5, VMM_PAGE);
		if (vmmig_session_dirty(c->h, c->sid, gpa, VMM_PAGE))
			return false;
		c->done = true;
	}
	return c->done && si->state == VMMIG_STATE_READY;
}

TEST_F_TIMEOUT(live, vmm_writes_reported, 600)
{
	struct report_ctx c = { .h = self->h, .g = SRC(self) };
	struct mig_result r;

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	self->o.started = report_started;
	self->o.switch_now = report_switch;
	self->o.ctx = &c;
	migrate(_metadata, self, &r);
	ASSERT_TRUE(c.done);
	EXPECT_EQ(VMMIG_STATE_COMPLETED, r.src.state);
	EXPECT_EQ(1, r.src.stats.reported_pages);
	/* The unreported page differs: the comparison can fail. */
	EXPECT_EQ(1, r.diff_pages);
	EXPECT_EQ(0, r.guest_errors);
}

/*
 * A destination whose KVM memslots are not the source's (the first split
 * in two, all renumbered, a BAR-like slot more) receives the running
 * guest through the layout its VMM hands over: every page equal, and the
 * guest sweeps on there with no lost write.  Its own memslots would fail
 * the HELLO (layout-mismatch), which the control below shows.
 */
TEST_F_TIMEOUT(live, destination_layout_from_vmm, 600)
{
	struct mig_result r;
	int err;

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	small_guest(&self->o);
	new_source(_metadata, self);

	/*
	 * Control first: such a destination without the layout fails the
	 * HELLO, and the source guest goes on.  (Creating it with dst_layout
	 * remaps its memslots; the session then gets none.)
	 */
	self->o.dst_layout = true;
	mig_guest_destroy(DST(self));
	err = __mig_guest_create(DST(self), &self->o, false);
	ASSERT_EQ(0, err) TH_LOG("destination guest: %s", strerror(-err));
	self->o.dst_layout = false;
	self->o.timeout_s = 120;
	err = __mig_live(self->h, SRC(self), DST(self), &self->o, port(), &r);
	ASSERT_EQ(0, err) TH_LOG("migration flow, %s: %s", r.stage,
				 strerror(-err));
	EXPECT_EQ(VMMIG_STATE_FAILED, r.dst.state);
	EXPECT_EQ(VMMIG_REASON_LAYOUT_MISMATCH, r.dst.reason)
		TH_LOG("destination reason %s", vmmig_reason_name(r.dst.reason));
	EXPECT_EQ(VMMIG_STATE_FAILED, r.src.state)
		TH_LOG("source reason %s", vmmig_reason_name(r.src.reason));
	EXPECT_EQ(0, r.guest_errors);

	/* With the source's layout from its VMM. */
	self->o.dst_layout = true;
	migrate(_metadata, self, &r);
	expect_migrated(_metadata, &r);
	EXPECT_EQ(0, r.diff_pages);
}

/*
 * Memslot 2 aliases memslot 1 (the same host memory at another gpa, as
 * SMM's address space repeats RAM) and the source has memslot 3 on
 * PROT_NONE memory without dirty logging, left out of the memslots it
 * migrates.  Pre-copy sends the aliased memory once: a nearly idle
 * guest's migration sends about its RAM, not RAM plus the alias (its
 * round 0 would be 1.5 times RAM).  Memslot 3 is never read: reading it
 * would fail the session (a fault), as would its logging being off.
 */
TEST_F_TIMEOUT(live, alias_and_filtered_slots, 600)
{
	struct mig_result r;
	uint64_t ram, alias;

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	small_guest(&self->o);
	self->o.delay = 2000000;	/* nearly idle: few pages sent again */
	self->o.alias_slot = true;
	self->o.src_hole = true;
	new_source(_metadata, self);
	ASSERT_EQ(3, SRC(self)->vm.nr_slots);
	migrate(_metadata, self, &r);
	expect_migrated(_metadata, &r);
	ram = SRC(self)->vm.slots[0].npages + SRC(self)->vm.slots[1].npages;
	alias = SRC(self)->vm.slots[2].npages;
	TH_LOG("sent %llu pages for %llu of RAM and %llu aliased",
	       (unsigned long long)r.src.stats.pages, (unsigned long long)ram,
	       (unsigned long long)alias);
	EXPECT_LE(ram, r.src.stats.pages);
	EXPECT_LT(r.src.stats.pages, ram + alias / 4);
}

/*
 * 10,000 writes scattered over the second memslot, past the static data
 * (a page every few, as virtio's buffers land), reported in one batched
 * call, all arrive; one more written and not reported does not.
 */
#define BATCH_WRITES	10000

struct batch_ctx {
	struct vmmig *h;
	struct mig_guest *g;
	uint64_t static_pages;
	uint32_t sid;
	int err;
	char msg[256];
	bool done;
};

static void batch_started(void *ctx, uint32_t sid, uint32_t did)
{
	((struct batch_ctx *)ctx)->sid = sid;
}

static bool batch_switch(void *ctx, const struct vmmig_session_info *si)
{
	struct batch_ctx *c = ctx;
	const struct vmm_slot *slot = &c->g->vm.slots[1];
	uint64_t first = slot->gpa + c->static_pages * VMM_PAGE;
	uint64_t stride = (slot->npages - c->static_pages) / (BATCH_WRITES + 1);
	struct vmmig_range *r;
	unsigned int k;

	if (c->done || si->stats.round < 1)
		return c->done && si->state == VMMIG_STATE_READY;
	c->done = true;
	r = calloc(BATCH_WRITES, sizeof(*r));
	if (!r) {
		c->err = -ENOMEM;
		return false;
	}
	/* Each write a different value, the unreported one last. */
	for (k = 0; k <= BATCH_WRITES; k++) {
		uint64_t gpa = first + k * stride * VMM_PAGE + (k % 7) * 512;
		uint64_t v = 0x5a5a000000000000ULL | k;

		memcpy(vmm_gpa_hva(&c->g->vm, gpa), &v, sizeof(v));
		if (k < BATCH_WRITES)
			r[k] = (struct vmmig_range){ .gpa = gpa, .length = 8 };
	}
	c->err = vmmig_session_dirty_ranges(c->h, c->sid, r, BATCH_WRITES);
	snprintf(c->msg, sizeof(c->msg), "%s", vmmig_errmsg(c->h));
	free(r);
	return false;
}

TEST_F_TIMEOUT(live, vmm_writes_batched, 600)
{
	struct batch_ctx c = { .h = self->h, .g = SRC(self) };
	struct mig_result r;

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	c.static_pages = (uint64_t)self->o.static_mib << 8;
	ASSERT_LT(BATCH_WRITES + 1,
		  SRC(self)->vm.slots[1].npages - c.static_pages);
	self->o.started = batch_started;
	self->o.switch_now = batch_switch;
	self->o.ctx = &c;
	migrate(_metadata, self, &r);
	ASSERT_TRUE(c.done);
	ASSERT_EQ(0, c.err) TH_LOG("%s", c.msg);
	EXPECT_EQ(VMMIG_STATE_COMPLETED, r.src.state);
	EXPECT_EQ(BATCH_WRITES, r.src.stats.reported_pages);
	/* The unreported page differs: the comparison can fail. */
	EXPECT_EQ(1, r.diff_pages);
	EXPECT_EQ(0, r.guest_errors);
}

/*
 * 20 migrations in a row, back and forth, the same guest going on.  A
 * 256 MiB guest with smaller working sets: the hops are about the
 * repetition (stale state between sessions, swapped roles), the 1 GiB
 * cases about size.
 */
TEST_F_TIMEOUT(live, twenty_in_a_row, 2400)
{
	struct mig_result r;
	int hop, hops;

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	small_guest(&self->o);
	new_source(_metadata, self);
	/* The debug kernel: 5 hops (see mig_debug_profile()). */
	hops = mig_debug_profile() ? 5 : 20;
	for (hop = 0; hop < hops; hop++) {
		migrate(_metadata, self, &r);
		expect_migrated(_metadata, &r);
		if (r.src.state != VMMIG_STATE_COMPLETED || r.diff_pages ||
		    r.guest_errors)
			break;
		swap_guests(self);
	}
	EXPECT_EQ(hops, hop);
}

/*
 * What is in flight counts: on a slow link (tbf at 100 Mbit/s, much less
 * than the sender and the socket buffers take in), the source is ready
 * only once the destination has read what it sent, all but what
 * downtime-ms carries over that link (whatever the source's own estimate
 * of the bandwidth).  Counting only the dirty
 * pages, "ready" comes with megabytes still in the socket buffers, all of
 * which must move after the pause (the comparison can fail).
 */
#define LINK_RATE	"100mbit"
#define LINK_BPS	100000000ULL

struct inflight_ctx {
	struct vmmig *h;
	uint32_t did;
	bool seen;
	uint64_t src_bytes, dst_bytes, bandwidth;
};

static void inflight_started(void *ctx, uint32_t sid, uint32_t did)
{
	((struct inflight_ctx *)ctx)->did = did;
}

static bool inflight_switch(void *ctx, const struct vmmig_session_info *si)
{
	struct inflight_ctx *c = ctx;
	struct vmmig_session_info di;

	if (si->state != VMMIG_STATE_READY)
		return false;
	if (!c->seen && !vmmig_session_get(c->h, c->did, &di)) {
		c->seen = true;
		c->src_bytes = si->stats.bytes;
		c->dst_bytes = di.stats.bytes;
		c->bandwidth = si->stats.bandwidth;
	}
	return true;
}

TEST_F_TIMEOUT(live, ready_counts_data_in_flight, 600)
{
	struct inflight_ctx c = { .h = self->h };
	struct mig_result r;
	uint64_t bound;
	int err;

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	small_guest(&self->o);
	self->o.delay = 2000000;	/* a nearly idle guest */
	self->o.dst_delay = 0;
	self->o.params.downtime_ms = 20;
	self->o.params.on_limit = VMMIG_ON_LIMIT_FAIL;
	self->o.started = inflight_started;
	self->o.switch_now = inflight_switch;
	self->o.ctx = &c;
	new_source(_metadata, self);
	mig_guest_destroy(DST(self));
	err = __mig_guest_create(DST(self), &self->o, false);
	ASSERT_EQ(0, err) TH_LOG("destination guest: %s", strerror(-err));
	ASSERT_EQ(0, system("ip netns exec vmmig-src tc qdisc replace dev vmmig0 root tbf rate " LINK_RATE " burst 32kb latency 500ms"));
	err = __mig_live(self->h, SRC(self), DST(self), &self->o, port(), &r);
	system("ip netns exec vmmig-src tc qdisc del dev vmmig0 root");
	if (err) {
		log_guests(_metadata, self);
		log_source(_metadata, &r);
	}
	ASSERT_EQ(0, err) TH_LOG("migration flow, %s: %s", r.stage,
				 strerror(-err));
	expect_migrated(_metadata, &r);
	ASSERT_TRUE(c.seen);
	/* downtime-ms over the link, and 256 KiB sent since "ready". */
	bound = LINK_BPS / 8 * self->o.params.downtime_ms / 1000 + (256 << 10);
	TH_LOG("at ready: source sent %llu page bytes, destination had %llu, source's bandwidth estimate %llu B/s, bound %llu",
	       (unsigned long long)c.src_bytes,
	       (unsigned long long)c.dst_bytes,
	       (unsigned long long)c.bandwidth, (unsigned long long)bound);
	/*
	 * The destination is sampled after the source: it may have read
	 * more than the source had sent when it was sampled (signed).
	 */
	EXPECT_LE((int64_t)(c.src_bytes - c.dst_bytes), (int64_t)bound);
	EXPECT_GT(c.dst_bytes, 0);
}

/*
 * A bandwidth cap below the guest's dirty rate: without a throttle the
 * session fails by its policy (or switches over anyway), with one it
 * converges by holding vCPUs at their ring-full exits.
 */
static void cap_setup(FIXTURE_DATA(live) *self, uint32_t throttle_ms,
		      uint32_t on_limit)
{
	self->o.ws_pages = 2048;
	self->o.params.max_bandwidth = 4 << 20;
	self->o.params.downtime_ms = 1000;
	self->o.params.throttle_max_ms = throttle_ms;
	self->o.params.max_rounds = throttle_ms ? 200 : 4;
	self->o.params.on_limit = on_limit;
}

TEST_F_TIMEOUT(live, cap_converges_by_throttling, 900)
{
	struct mig_result r;

	if (variant->ring != 512)
		SKIP(return, "the throttle acts at ring-full exits");
	cap_setup(self, 2000, VMMIG_ON_LIMIT_FAIL);
	new_source(_metadata, self);
	migrate(_metadata, self, &r);
	expect_migrated(_metadata, &r);
	EXPECT_LT(0, r.src.stats.throttle_ns);
}

TEST_F_TIMEOUT(live, cap_fails_by_policy, 900)
{
	struct mig_result r;

	if (variant->ring != 512)
		SKIP(return, "one ring size is enough");
	cap_setup(self, 0, VMMIG_ON_LIMIT_FAIL);
	new_source(_metadata, self);
	migrate(_metadata, self, &r);
	expect_failed(_metadata, &r, VMMIG_STATE_FAILED,
		      VMMIG_REASON_NOT_CONVERGED);
	EXPECT_FALSE(r.switched);
	EXPECT_EQ(4, r.src.stats.round + 1);
}

TEST_F_TIMEOUT(live, cap_switches_over_by_policy, 900)
{
	struct mig_result r;

	if (variant->ring != 512)
		SKIP(return, "one ring size is enough");
	cap_setup(self, 0, VMMIG_ON_LIMIT_SWITCHOVER);
	new_source(_metadata, self);
	migrate(_metadata, self, &r);
	expect_migrated(_metadata, &r);
}

/*
 * session-set on a running session.  Capped at 4 MiB/s, downtime-ms 1
 * carries one page: unless both vCPUs stopped writing between two
 * harvests, what a round leaves never fits (downtime-ms 1 alone did fit,
 * now and then, on a fast link: a round's leftovers are only what the
 * guest wrote since the last harvest, a few pages), and the session
 * stays active round after round, without a throttle.  Raised to 30 s it
 * becomes ready at a round's end (the cap sends the working sets in a few
 * seconds), and from then on a new downtime-ms is refused (ready is
 * final).  Were the change not applied, the migration would time out not
 * ready.
 */
struct set_ctx {
	struct vmmig *h;
	uint32_t sid;
	bool set;		/* downtime-ms was raised */
	uint32_t set_round;	/* in this round */
	bool ready_early;	/* ready before that */
	uint32_t ready_round;
	int set_err, busy_err;
	char busy_msg[256];
};

static void set_started(void *ctx, uint32_t sid, uint32_t did)
{
	((struct set_ctx *)ctx)->sid = sid;
}

static bool set_switch(void *ctx, const struct vmmig_session_info *si)
{
	struct vmmig_tune t = VMMIG_TUNE(.set = VMMIG_TUNE_DOWNTIME_MS,
					 .downtime_ms = 30000);
	struct set_ctx *c = ctx;

	if (si->state == VMMIG_STATE_READY) {
		c->ready_early |= !c->set;
		if (!c->ready_round) {
			c->ready_round = si->stats.round;
			t.downtime_ms = 1;
			c->busy_err = vmmig_session_set(c->h, c->sid, &t);
			snprintf(c->busy_msg, sizeof(c->busy_msg), "%s",
				 vmmig_errmsg(c->h));
		}
		return true;
	}
	if (!c->set && si->stats.round >= 4) {
		c->set = true;
		c->set_round = si->stats.round;
		c->set_err = vmmig_session_set(c->h, c->sid, &t);
	}
	return false;
}

TEST_F_TIMEOUT(live, set_downtime_converges, 600)
{
	struct set_ctx c = { .h = self->h };
	struct mig_result r;

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	small_guest(&self->o);
	self->o.params.downtime_ms = 1;
	self->o.params.max_bandwidth = 4 << 20;
	self->o.params.throttle_max_ms = 0;
	self->o.params.max_rounds = 10000;
	self->o.params.on_limit = VMMIG_ON_LIMIT_FAIL;
	self->o.started = set_started;
	self->o.switch_now = set_switch;
	self->o.ctx = &c;
	new_source(_metadata, self);
	migrate(_metadata, self, &r);
	expect_migrated(_metadata, &r);
	EXPECT_TRUE(c.set);
	EXPECT_EQ(0, c.set_err) TH_LOG("%s", vmmig_errmsg(self->h));
	EXPECT_FALSE(c.ready_early)
		TH_LOG("ready in round %u under downtime-ms 1", c.ready_round);
	EXPECT_LE(c.set_round, c.ready_round);
	EXPECT_EQ(-EBUSY, c.busy_err) TH_LOG("%s", c.busy_msg);
	EXPECT_NE(NULL, strstr(c.busy_msg, "ready")) TH_LOG("%s", c.busy_msg);
	EXPECT_EQ(30000, r.src.params.downtime_ms);
	TH_LOG("downtime-ms raised in round %u, ready in round %u",
	       c.set_round, c.ready_round);
}

/* Faults in the middle of a round. */
struct fault_ctx {
	struct vmmig *h;
	uint32_t sid, did;
	uint32_t at_state;	/* act once the source is in this state */
	int what;
	bool done;
	int err;
};

enum { FAULT_DST_GONE, FAULT_LINK_CUT, FAULT_CANCEL };

static void fault_started(void *ctx, uint32_t sid, uint32_t did)
{
	struct fault_ctx *c = ctx;

	c->sid = sid;
	c->did = did;
}

static void fault_act(struct fault_ctx *c)
{
	switch (c->what) {
	case FAULT_DST_GONE:
		c->err = vmmig_session_destroy(c->h, c->did);
		break;
	case FAULT_LINK_CUT:
		c->err = system("ip -n vmmig-dst link set vmmig1 down");
		break;
	case FAULT_CANCEL:
		c->err = vmmig_session_cancel(c->h, c->sid);
		break;
	}
	c->done = true;
}

static bool fault_switch(void *ctx, const struct vmmig_session_info *si)
{
	struct fault_ctx *c = ctx;

	if (!c->done && si->state == c->at_state &&
	    (c->at_state != VMMIG_STATE_ACTIVE || si->stats.round >= 1))
		fault_act(c);
	/* In ready, switch over unless that is where the fault was. */
	return si->state == VMMIG_STATE_READY && c->at_state != VMMIG_STATE_READY;
}

static void fault_switched(void *ctx, uint32_t sid, uint32_t did)
{
	struct fault_ctx *c = ctx;

	if (c->at_state == VMMIG_STATE_SWITCHOVER && !c->done)
		fault_act(c);
}

static void run_fault(struct __test_metadata *_metadata,
		      FIXTURE_DATA(live) *self, struct fault_ctx *c,
		      struct mig_result *r)
{
	c->h = self->h;
	self->o.started = fault_started;
	self->o.switch_now = fault_switch;
	self->o.switched = fault_switched;
	self->o.ctx = c;
	migrate(_metadata, self, r);
	EXPECT_TRUE(c->done);
	EXPECT_EQ(0, c->err);
	mig_guest_destroy(DST(self));
}

TEST_F_TIMEOUT(live, destination_gone_mid_round, 600)
{
	struct fault_ctx c = { .what = FAULT_DST_GONE,
			       .at_state = VMMIG_STATE_ACTIVE };
	struct mig_result r;

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	/* Keep it in pre-copy for a while. */
	self->o.params.max_bandwidth = 16 << 20;
	run_fault(_metadata, self, &c, &r);
	EXPECT_EQ(VMMIG_STATE_FAILED, r.src.state);
	EXPECT_TRUE(r.src.reason == VMMIG_REASON_PEER_CLOSED ||
		    r.src.reason == VMMIG_REASON_IO_ERROR)
		TH_LOG("reason %s", vmmig_reason_name(r.src.reason));
	EXPECT_EQ(0, r.guest_errors);
}

TEST_F_TIMEOUT(live, link_cut_peer_timeout, 600)
{
	struct fault_ctx c = { .what = FAULT_LINK_CUT,
			       .at_state = VMMIG_STATE_ACTIVE };
	struct mig_result r;

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	self->o.params.max_bandwidth = 16 << 20;
	self->o.params.peer_timeout_ms = 1000;
	run_fault(_metadata, self, &c, &r);
	system("ip -n vmmig-dst link set vmmig1 up");
	expect_failed(_metadata, &r, VMMIG_STATE_FAILED,
		      VMMIG_REASON_PEER_TIMEOUT);
	/* The destination saw the silence too, and did not complete. */
	EXPECT_EQ(VMMIG_STATE_FAILED, r.dst.state);
}

/*
 * Cancel the source in every state.  A state added to the uapi without a
 * case here fails the test.
 */
TEST_F_TIMEOUT(live, cancel_in_every_state, 1800)
{
	struct vmmig_session_info si;
	uint64_t errors;
	uint32_t st, id;

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	for (st = VMMIG_STATE_NEW; st <= VMMIG_STATE_MAX; st++) {
		struct fault_ctx c = { .what = FAULT_CANCEL, .at_state = st };
		struct vmmig_params p = { .mode = VMMIG_MODE_LIVE };
		struct mig_result r;
		int fd[2];

		TH_LOG("cancel in state %s", vmmig_state_name(st));
		switch (st) {
		case VMMIG_STATE_NEW:
			ASSERT_EQ(0, __vmm_tcp_pair(fd));
			ASSERT_EQ(0, vmmig_session_create(self->h,
							  VMMIG_ROLE_SOURCE,
							  SRC(self)->vm.fd, fd,
							  1, &p, &id));
			EXPECT_EQ(0, vmmig_session_cancel(self->h, id));
			ASSERT_EQ(0, vmmig_session_get(self->h, id, &si));
			EXPECT_EQ(VMMIG_STATE_CANCELLED, si.state);
			EXPECT_EQ(VMMIG_REASON_CANCEL, si.reason);
			EXPECT_EQ(0, vmmig_session_destroy(self->h, id));
			close(fd[0]);
			close(fd[1]);
			break;
		case VMMIG_STATE_ACTIVE:
			self->o.params.max_bandwidth = 16 << 20;
			run_fault(_metadata, self, &c, &r);
			self->o.params.max_bandwidth = 0;
			expect_failed(_metadata, &r, VMMIG_STATE_CANCELLED,
				      VMMIG_REASON_CANCEL);
			break;
		case VMMIG_STATE_READY:
			run_fault(_metadata, self, &c, &r);
			expect_failed(_metadata, &r, VMMIG_STATE_CANCELLED,
				      VMMIG_REASON_CANCEL);
			break;
		case VMMIG_STATE_SWITCHOVER:
			/* Switch over with much left, then cancel. */
			self->o.params.max_bandwidth = 2 << 20;
			self->o.params.max_rounds = 1;
			self->o.params.on_limit = VMMIG_ON_LIMIT_SWITCHOVER;
			run_fault(_metadata, self, &c, &r);
			self->o.params.max_bandwidth = 0;
			self->o.params.max_rounds = 0;
			self->o.params.on_limit = 0;
			EXPECT_TRUE(r.switched);
			expect_failed(_metadata, &r, VMMIG_STATE_CANCELLED,
				      VMMIG_REASON_CANCEL);
			break;
		case VMMIG_STATE_COMPLETED:
			/* An ended session: cancel is refused, nothing moves. */
			self->o.started = NULL;
			self->o.switch_now = NULL;
			self->o.switched = NULL;
			self->o.keep_sessions = true;
			migrate(_metadata, self, &r);
			self->o.keep_sessions = false;
			expect_migrated(_metadata, &r);
			EXPECT_EQ(-EALREADY,
				  vmmig_session_cancel(self->h, r.src_id));
			ASSERT_EQ(0, vmmig_session_get(self->h, r.src_id, &si));
			EXPECT_EQ(VMMIG_STATE_COMPLETED, si.state);
			vmmig_session_destroy(self->h, r.src_id);
			vmmig_session_destroy(self->h, r.dst_id);
			swap_guests(self);
			break;
		case VMMIG_STATE_FAILED:
		case VMMIG_STATE_CANCELLED:
			/* Fails at once: the peer closes; or is cancelled. */
			ASSERT_EQ(0, __vmm_tcp_pair(fd));
			ASSERT_EQ(0, vmmig_session_create(self->h,
							  VMMIG_ROLE_SOURCE,
							  SRC(self)->vm.fd, fd,
							  1, &p, &id));
			if (st == VMMIG_STATE_FAILED) {
				close(fd[1]);
				fd[1] = -1;
				/* The VMM's part: logging on, rings lent. */
				ASSERT_EQ(0, __vmm_vm_set_dirty_logging(&SRC(self)->vm,
									true));
				__atomic_store_n(&SRC(self)->session, id,
						 __ATOMIC_RELEASE);
				ASSERT_EQ(0, vmmig_session_start(self->h, id));
				ASSERT_EQ(0, vmmig_session_wait(self->h, id,
								30000, &si));
				ASSERT_EQ(0, __mig_take_rings(self->h, SRC(self),
							      id));
			} else {
				ASSERT_EQ(0, vmmig_session_cancel(self->h, id));
			}
			EXPECT_EQ(-EALREADY, vmmig_session_cancel(self->h, id));
			ASSERT_EQ(0, vmmig_session_get(self->h, id, &si));
			EXPECT_EQ(st, si.state);
			vmmig_session_destroy(self->h, id);
			close(fd[0]);
			if (fd[1] >= 0)
				close(fd[1]);
			/* The guest went on undisturbed. */
			ASSERT_EQ(0, __mig_guest_check(SRC(self), 1, 120000,
						       &errors));
			EXPECT_EQ(0, errors);
			break;
		default:
			ASSERT_TRUE(false) TH_LOG("state %u has no cancel case", st);
		}
	}
}

/* The VMM adds a memslot during pre-copy: the session fails, safely. */
struct slot_ctx {
	struct mig_guest *g;
	void *mem;
	bool done;
	int err;
};

static bool slot_switch(void *ctx, const struct vmmig_session_info *si)
{
	struct slot_ctx *c = ctx;
	struct kvm_userspace_memory_region r = {
		.slot = 5,
		.guest_phys_addr = 0x100000000ULL,
		.memory_size = 1 << 20,
		.userspace_addr = (uintptr_t)c->mem,
	};

	if (!c->done && si->stats.round >= 1) {
		c->done = true;
		c->err = ioctl(c->g->vm.fd, KVM_SET_USER_MEMORY_REGION, &r);
	}
	return false;
}

TEST_F_TIMEOUT(live, memslot_added_mid_migration, 600)
{
	struct slot_ctx c = { .g = SRC(self) };
	struct mig_result r;

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	c.mem = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, c.mem);
	self->o.params.max_bandwidth = 16 << 20;
	self->o.switch_now = slot_switch;
	self->o.ctx = &c;
	migrate(_metadata, self, &r);
	EXPECT_TRUE(c.done);
	EXPECT_EQ(0, c.err);
	expect_failed(_metadata, &r, VMMIG_STATE_FAILED,
		      VMMIG_REASON_MEMSLOT_CHANGED);
}

/*
 * F1 of the December review: the VMM deletes a memslot during pre-copy.
 * The session fails (memslot-changed) and leaves KVM's memslots as the
 * VMM made them: vmmig never issues KVM_SET_USER_MEMORY_REGION, so the
 * VMM can create the slot again at a new address (it could not when
 * vmmig had brought the deleted slot back at its old one).
 */
struct slot_del_ctx {
	struct mig_guest *g;
	bool deleted, checked;
	int del_err, add_err;
};

static bool slot_del_switch(void *ctx, const struct vmmig_session_info *si)
{
	struct slot_del_ctx *c = ctx;
	struct kvm_userspace_memory_region r = {
		.slot = c->g->vm.slots[1].slot,
		.guest_phys_addr = c->g->vm.slots[1].gpa,
	};

	if (!c->deleted && si->stats.round >= 1) {
		c->deleted = true;
		c->del_err = ioctl(c->g->vm.fd, KVM_SET_USER_MEMORY_REGION, &r);
	}
	return false;
}

/* Once the session failed: the slot again, at a new host address. */
static void slot_del_progress(void *ctx, const struct vmmig_session_info *si)
{
	struct slot_del_ctx *c = ctx;
	struct vmm_vm *vm = &c->g->vm;
	size_t len = vm->slots[1].npages * VMM_PAGE;
	struct kvm_userspace_memory_region r = {
		.slot = vm->slots[1].slot,
		.flags = KVM_MEM_LOG_DIRTY_PAGES,
		.guest_phys_addr = vm->slots[1].gpa,
		.memory_size = len,
	};
	void *mem;

	if (!c->deleted || c->checked || si->state != VMMIG_STATE_FAILED)
		return;
	c->checked = true;
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		c->add_err = -1;
		return;
	}
	r.userspace_addr = (uintptr_t)mem;
	c->add_err = ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
	if (!c->add_err) {
		munmap(vm->mem[1], len);
		vm->mem[1] = mem;
	}
}

TEST_F_TIMEOUT(live, memslot_deleted_mid_migration, 600)
{
	struct slot_del_ctx c = { .g = SRC(self) };
	struct mig_result r;

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	self->o.params.max_bandwidth = 16 << 20;
	self->o.switch_now = slot_del_switch;
	self->o.progress = slot_del_progress;
	self->o.ctx = &c;
	migrate(_metadata, self, &r);
	EXPECT_TRUE(c.deleted);
	EXPECT_EQ(0, c.del_err);
	expect_failed(_metadata, &r, VMMIG_STATE_FAILED,
		      VMMIG_REASON_MEMSLOT_CHANGED);
	EXPECT_TRUE(c.checked);
	EXPECT_EQ(0, c.add_err) TH_LOG("re-adding the deleted slot: %s",
				       strerror(-c.add_err));
}

/*
 * F4 and F20 of the December review: signals hammer the vCPU threads while
 * they harvest at ring-full exits (a 512-entry ring on a capped link fills
 * all the time).
 * From 6.16 KVM stops a ring reset early on a pending signal; no write may
 * be lost for it.
 */
struct hammer {
	struct mig_guest *g;
	pthread_t thread;
	bool stop;
	uint64_t sent;
};

static void *hammer_thread(void *arg)
{
	struct hammer *hm = arg;
	unsigned int i;

	while (!__atomic_load_n(&hm->stop, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < hm->g->nr_vcpus; i++)
			if (!pthread_kill(hm->g->runner.vc[i].thread, SIGUSR1))
				hm->sent++;
		usleep(200);
	}
	return NULL;
}

TEST_F_TIMEOUT(live, signals_on_vcpu_threads, 900)
{
	struct hammer hm = { .g = SRC(self) };
	struct mig_result r;

	if (variant->ring != 512)
		SKIP(return, "a small ring fills the most");
	/*
	 * A capped link, so that the rings fill between harvests: signals
	 * then land in the ring-full handler too.  (Uncapped, a fast
	 * migration harvested every ring before it filled: 0 ring-full
	 * exits, and nothing tested.)  It switches over after its rounds:
	 * a throttle would not converge it, as every signal ends a hold.
	 */
	cap_setup(self, 0, VMMIG_ON_LIMIT_SWITCHOVER);
	new_source(_metadata, self);
	ASSERT_EQ(0, pthread_create(&hm.thread, NULL, hammer_thread, &hm));
	migrate(_metadata, self, &r);
	__atomic_store_n(&hm.stop, true, __ATOMIC_RELEASE);
	pthread_join(hm.thread, NULL);
	expect_migrated(_metadata, &r);
	EXPECT_LT(0, r.ring_full);
	TH_LOG("%llu signals to the vCPU threads, %llu ring-full exits",
	       (unsigned long long)hm.sent, (unsigned long long)r.ring_full);
}

/*
 * F16: after a live session the VMM takes its rings back where vmmig left
 * them (vmmig_session_rings()) and harvests them itself: a guest that
 * fills its 512-entry rings over and over runs on.
 */
TEST_F_TIMEOUT(live, rings_back_to_the_vmm, 600)
{
	struct fault_ctx c = { .what = FAULT_CANCEL,
			       .at_state = VMMIG_STATE_ACTIVE };
	struct vmm_runner_stats before, after;
	struct mig_result r;
	uint64_t errors;

	if (variant->ring != 512)
		SKIP(return, "a small ring fills the most");
	self->o.params.max_bandwidth = 16 << 20;
	run_fault(_metadata, self, &c, &r);
	expect_failed(_metadata, &r, VMMIG_STATE_CANCELLED,
		      VMMIG_REASON_CANCEL);
	vmm_runner_stats(&SRC(self)->runner, 0, &before);
	ASSERT_EQ(0, __vmm_vm_set_dirty_logging(&SRC(self)->vm, true));
	ASSERT_EQ(0, __mig_guest_check(SRC(self), 3, 120000, &errors));
	EXPECT_EQ(0, errors);
	vmm_runner_stats(&SRC(self)->runner, 0, &after);
	/* Its own harvest found the entries: the rings work for it. */
	EXPECT_LT(before.harvested, after.harvested);
	EXPECT_LT(before.ring_full, after.ring_full);
	ASSERT_EQ(0, __vmm_vm_set_dirty_logging(&SRC(self)->vm, false));
}

/*
 * F11: a VMM thread forges DIRTY entries into the shared rings, ahead of
 * KVM.  vmmig harvests only what KVM produced (up to its producer index),
 * a ring's worth per call: the migration completes, nothing lost.
 */
struct forger {
	struct mig_guest *g;
	pthread_t thread;
	bool stop;
	uint64_t forged;
};

#define FORGED_SLOT	0xfff0

static void *forger_thread(void *arg)
{
	struct forger *f = arg;
	unsigned int i, j;

	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < f->g->nr_vcpus; i++) {
			struct vmm_vcpu *v = &f->g->vcpus[i];

			for (j = 0; j < v->ring_entries; j++) {
				struct kvm_dirty_gfn *e = &v->ring[j];

				if (__atomic_load_n(&e->flags, __ATOMIC_ACQUIRE))
					continue;
				e->slot = FORGED_SLOT;
				e->offset = j;
				__atomic_store_n(&e->flags,
						 KVM_DIRTY_GFN_F_DIRTY,
						 __ATOMIC_RELEASE);
				f->forged++;
			}
		}
		usleep(100);
	}
	return NULL;
}

/* Stop forging before the switchover and take the forged entries back. */
static bool forger_switch(void *ctx, const struct vmmig_session_info *si)
{
	struct forger *f = ctx;
	unsigned int i, j;

	if (si->state != VMMIG_STATE_READY)
		return false;
	__atomic_store_n(&f->stop, true, __ATOMIC_RELEASE);
	pthread_join(f->thread, NULL);
	for (i = 0; i < f->g->nr_vcpus; i++) {
		struct vmm_vcpu *v = &f->g->vcpus[i];

		for (j = 0; j < v->ring_entries; j++) {
			struct kvm_dirty_gfn *e = &v->ring[j];
			uint32_t flags = KVM_DIRTY_GFN_F_DIRTY;

			if (e->slot == FORGED_SLOT && e->offset == j)
				__atomic_compare_exchange_n(&e->flags, &flags,
							    0, false,
							    __ATOMIC_ACQ_REL,
							    __ATOMIC_ACQUIRE);
		}
	}
	return true;
}

TEST_F_TIMEOUT(live, forged_ring_entries, 600)
{
	struct forger f = { .g = SRC(self) };
	struct mig_result r;

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	self->o.timeout_s = 180;
	self->o.switch_now = forger_switch;
	self->o.ctx = &f;
	ASSERT_EQ(0, pthread_create(&f.thread, NULL, forger_thread, &f));
	migrate(_metadata, self, &r);
	if (!__atomic_load_n(&f.stop, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&f.stop, true, __ATOMIC_RELEASE);
		pthread_join(f.thread, NULL);
	}
	expect_migrated(_metadata, &r);
	EXPECT_LT(0, f.forged);
	TH_LOG("%llu entries forged", (unsigned long long)f.forged);
}

/*
 * F14: a destination that floods the source with PROGRESS records (valid
 * each, but more than the ROUNDs it was asked) fails the source at once;
 * the source never spins on them.  The test plays the destination.
 */
static void *flood_thread(void *arg)
{
	int fd = *(int *)arg;
	struct {
		struct vmmig_wire_rec rec;
		struct vmmig_wire_progress p;
	} __attribute__((packed)) msg = {
		.rec = { .type = VMMIG_WIRE_PROGRESS, .len = htobe32(16) },
	};
	static char sink[1 << 16];
	int i;

	/* Drain what the source sends, answer far more than it asks. */
	for (i = 0; i < 100000; i++) {
		if (send(fd, &msg, sizeof(msg), MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
		    errno != EAGAIN)
			break;
		if (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) == 0)
			break;
	}
	return NULL;
}

TEST_F_TIMEOUT(live, progress_flood, 300)
{
	struct vmmig_params p = { .mode = VMMIG_MODE_LIVE,
				  .peer_timeout_ms = 3000 };
	struct vmmig_session_info si;
	pthread_t t;
	uint32_t id;
	int fd[2];

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	ASSERT_EQ(0, __vmm_tcp_pair(fd));
	ASSERT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_SOURCE,
					  SRC(self)->vm.fd, fd, 1, &p, &id));
	ASSERT_EQ(0, __vmm_vm_set_dirty_logging(&SRC(self)->vm, true));
	__atomic_store_n(&SRC(self)->session, id, __ATOMIC_RELEASE);
	ASSERT_EQ(0, vmmig_session_start(self->h, id));
	ASSERT_EQ(0, pthread_create(&t, NULL, flood_thread, &fd[1]));
	ASSERT_EQ(0, vmmig_session_wait(self->h, id, 60000, &si));
	shutdown(fd[1], SHUT_RDWR);
	pthread_join(t, NULL);
	EXPECT_EQ(VMMIG_STATE_FAILED, si.state);
	EXPECT_EQ(VMMIG_REASON_BAD_RECORD_TYPE, si.reason)
		TH_LOG("%s", vmmig_reason_name(si.reason));
	ASSERT_EQ(0, __mig_take_rings(self->h, SRC(self), id));
	vmmig_session_destroy(self->h, id);
	close(fd[0]);
	close(fd[1]);
}

/*
 * F15: VMM writes reported while the VMM switches over.  A report that
 * returns 0 is migrated; once the switchover's last harvest began, reports
 * fail with EBUSY (that write is not migrated).  A thread writes a counter
 * into a page and reports it, racing the switchover.
 */
struct race {
	struct mig_guest *g;
	uint32_t sid;
	pthread_t thread;
	bool running;
	uint64_t gpa;
	uint64_t last_ok;	/* the last value reported with success */
	uint64_t reports;
	int last_err;
};

static void race_started(void *ctx, uint32_t sid, uint32_t did)
{
	((struct race *)ctx)->sid = sid;
}

static void *race_thread(void *arg)
{
	struct race *c = arg;
	uint64_t *p = vmm_gpa_hva(&c->g->vm, c->gpa), v;
	struct vmmig *h;

	if (vmmig_open(&h)) {
		c->last_err = -ENOMEM;
		return NULL;
	}
	for (v = 1;; v++) {
		__atomic_store_n(p, v, __ATOMIC_RELEASE);
		c->last_err = vmmig_session_dirty(h, c->sid, c->gpa, 8);
		if (c->last_err)
			break;
		c->last_ok = v;
		c->reports++;
	}
	vmmig_close(h);
	return NULL;
}

static bool race_switch(void *ctx, const struct vmmig_session_info *si)
{
	struct race *c = ctx;

	if (si->state != VMMIG_STATE_READY)
		return false;
	if (!c->running)
		c->running = !pthread_create(&c->thread, NULL, race_thread, c);
	return true;
}

TEST_F_TIMEOUT(live, reports_race_the_switchover, 900)
{
	struct race c = { .g = SRC(self) };
	struct mig_result r;
	uint64_t got;
	int i;

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	small_guest(&self->o);
	self->o.started = race_started;
	self->o.switch_now = race_switch;
	self->o.ctx = &c;
	self->o.keep_sessions = true;
	for (i = 0; i < 5; i++) {
		new_source(_metadata, self);
		c.g = SRC(self);
		c.gpa = SRC(self)->vm.slots[1].gpa;
		/* The counter starts at 0 (round 0 sends that). */
		*(uint64_t *)vmm_gpa_hva(&c.g->vm, c.gpa) = 0;
		c.running = false;
		c.last_ok = 0;
		mig_guest_destroy(DST(self));
		ASSERT_EQ(0, __mig_guest_create(DST(self), &self->o, false));
		ASSERT_EQ(0, __mig_live(self->h, SRC(self), DST(self),
					&self->o, port(), &r))
			TH_LOG("%s", r.stage);
		ASSERT_TRUE(c.running);
		pthread_join(c.thread, NULL);
		EXPECT_EQ(VMMIG_STATE_COMPLETED, r.src.state);
		EXPECT_EQ(VMMIG_STATE_COMPLETED, r.dst.state);
		EXPECT_EQ(-EBUSY, c.last_err);
		EXPECT_EQ(0, r.guest_errors);
		/* Only the page written after the last report may differ. */
		EXPECT_GE(1, r.diff_pages);
		got = *(uint64_t *)vmm_gpa_hva(&DST(self)->vm, c.gpa);
		EXPECT_LE(c.last_ok, got)
			TH_LOG("round %d: a report that returned 0 was lost", i);
		EXPECT_GE(c.last_ok + 1, got);
		TH_LOG("round %d: %llu reports, the last one migrated %llu, the destination has %llu",
		       i, (unsigned long long)c.reports,
		       (unsigned long long)c.last_ok, (unsigned long long)got);
		vmmig_session_destroy(self->h, r.src_id);
		vmmig_session_destroy(self->h, r.dst_id);
		swap_guests(self);
	}
}

/*
 * F3: a memslot over 128 GiB (MAP_NORESERVE, nothing behind it) needs a
 * dirty bitmap over the largest kmalloc: a live session starts and moves
 * pages.  The peer is a socket pair the test drains.
 */
static void *drain_thread(void *arg)
{
	static char sink[1 << 16];
	int fd = *(int *)arg;

	while (recv(fd, sink, sizeof(sink), 0) > 0)
		;
	return NULL;
}

TEST_F_TIMEOUT(live, huge_memslot, 300)
{
	const struct vmm_slot big = { 0, 0, 256ULL << (30 - 12) };
	struct vmmig_params p = { .mode = VMMIG_MODE_LIVE };
	struct vmmig_session_info si;
	struct vmm_vm vm;
	pthread_t t;
	uint32_t id;
	int fd[2], i;

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	ASSERT_EQ(0, __vmm_vm_create(&vm, &big, 1, 0));
	ASSERT_EQ(0, __vmm_vm_enable_dirty_ring(&vm, 4096));
	ASSERT_EQ(0, __vmm_vm_set_dirty_logging(&vm, true));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, fd));
	ASSERT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_SOURCE, vm.fd,
					  fd, 1, &p, &id))
		TH_LOG("%s", vmmig_errmsg(self->h));
	ASSERT_EQ(0, pthread_create(&t, NULL, drain_thread, &fd[1]));
	ASSERT_EQ(0, vmmig_session_start(self->h, id));
	for (i = 0; i < 300; i++) {
		ASSERT_EQ(0, vmmig_session_get(self->h, id, &si));
		if (si.stats.pages || si.state != VMMIG_STATE_ACTIVE)
			break;
		usleep(100000);
	}
	EXPECT_EQ(VMMIG_STATE_ACTIVE, si.state)
		TH_LOG("%s: %s", vmmig_state_name(si.state),
		       vmmig_reason_name(si.reason));
	EXPECT_LT(0, si.stats.pages);
	EXPECT_EQ(0, vmmig_session_cancel(self->h, id));
	ASSERT_EQ(0, vmmig_session_wait(self->h, id, 30000, &si));
	EXPECT_EQ(VMMIG_STATE_CANCELLED, si.state);
	vmmig_session_destroy(self->h, id);
	shutdown(fd[1], SHUT_RDWR);
	pthread_join(t, NULL);
	close(fd[0]);
	close(fd[1]);
	vmm_vm_destroy(&vm);
}

/* Bad requests to the live-migration calls: clear errors, nothing moves. */
TEST_F(live, bad_requests)
{
	struct vmmig_params p = { .mode = VMMIG_MODE_LIVE };
	struct vmmig_params q = { .mode = VMMIG_MODE_QUICK };
	struct vmm_vm plain;
	struct vmm_slot s = { 0, 0, 256 };
	uint32_t id;
	int fd[2];

	if (variant->ring != 4096)
		SKIP(return, "one ring size is enough");
	ASSERT_EQ(0, __vmm_tcp_pair(fd));
	/* Live needs the dirty ring. */
	ASSERT_EQ(0, __vmm_vm_create(&plain, &s, 1, 0));
	EXPECT_EQ(-EOPNOTSUPP, vmmig_session_create(self->h, VMMIG_ROLE_SOURCE,
						    plain.fd, fd, 1, &p, &id));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "dirty ring"));
	vmm_vm_destroy(&plain);
	/* Live is for sources. */
	EXPECT_EQ(-EINVAL, vmmig_session_create(self->h,
						VMMIG_ROLE_DESTINATION,
						SRC(self)->vm.fd, fd, 1, &p, &id));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "mode"));
	/* The live calls on a quick session. */
	ASSERT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_SOURCE,
					  SRC(self)->vm.fd, fd, 1, &q, &id));
	EXPECT_EQ(-EOPNOTSUPP, vmmig_session_switchover(self->h, id));
	EXPECT_EQ(-EOPNOTSUPP, vmmig_session_ring_full(self->h, id, 0));
	EXPECT_EQ(-EOPNOTSUPP, vmmig_session_dirty(self->h, id, 0, 4096));
	EXPECT_EQ(0, vmmig_session_destroy(self->h, id));
	/* On a live one that was not started. */
	ASSERT_EQ(0, vmmig_session_create(self->h, VMMIG_ROLE_SOURCE,
					  SRC(self)->vm.fd, fd, 1, &p, &id));
	EXPECT_EQ(-EINVAL, vmmig_session_switchover(self->h, id));
	EXPECT_EQ(-ENOENT, vmmig_session_ring_full(self->h, id, 77));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "vcpu"));
	EXPECT_EQ(-ERANGE, vmmig_session_dirty(self->h, id, 1ULL << 40, 4096));
	EXPECT_NE(NULL, strstr(vmmig_errmsg(self->h), "gpa"));
	EXPECT_EQ(0, vmmig_session_dirty(self->h, id, 0, 4096));
	EXPECT_EQ(0, vmmig_session_destroy(self->h, id));
	close(fd[0]);
	close(fd[1]);
}

TEST_HARNESS_MAIN
