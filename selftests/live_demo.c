// SPDX-License-Identifier: GPL-2.0
/*
 * `make demo`: one live migration of a running 1 GiB, 2-vCPU guest that
 * keeps stamping its memory, between the network namespaces vmmig-src and
 * vmmig-dst, as a VMM drives vmmig.ko.  Writes the source session's id to
 * the file given as argument (so an operator's `vmmigctl watch ID` can
 * follow it), prints what happens and the final figures, and exits 0 only
 * if the guest runs on the destination with every page as it wrote it.
 *
 * usage: live_demo ID_FILE [HOPS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libvmmig.h"
#include "migrate.h"

struct demo {
	const char *id_file;
};

static void demo_started(void *ctx, uint32_t sid, uint32_t did)
{
	struct demo *d = ctx;
	FILE *f = fopen(d->id_file, "w");

	printf("source session %u and destination session %u started\n",
	       sid, did);
	fflush(stdout);
	if (f) {
		fprintf(f, "%u\n", sid);
		fclose(f);
	}
}

static void demo_switched(void *ctx, uint32_t sid, uint32_t did)
{
	printf("\nsession %u ready: vCPUs paused, state saved, switchover\n",
	       sid);
	fflush(stdout);
}

static void demo_print(const char *who, const struct vmmig_session_info *si)
{
	const struct vmmig_stats *st = &si->stats;

	printf("%-11s %s%s%s, %llu ms, last round %u, %llu pages (%llu zero), %.1f MiB, downtime %llu ms, setup %llu ms, ring-full %llu, throttled %llu ms, cpu %llu ms\n",
	       who, vmmig_state_name(si->state),
	       si->reason ? " " : "", si->reason ? vmmig_reason_name(si->reason) : "",
	       (unsigned long long)st->elapsed_ms, st->round,
	       (unsigned long long)st->pages,
	       (unsigned long long)st->zero_pages, st->bytes / 1048576.0,
	       (unsigned long long)st->downtime_ms,
	       (unsigned long long)st->setup_ms,
	       (unsigned long long)st->ring_full,
	       (unsigned long long)(st->throttle_ns / 1000000),
	       (unsigned long long)(st->cpu_ns / 1000000));
}

int main(int argc, char **argv)
{
	struct demo d = { .id_file = argc > 1 ? argv[1] : "/tmp/demo.sid" };
	int hops = argc > 2 ? atoi(argv[2]) : 1, hop, err;
	struct mig_guest g[2];
	struct mig_result r;
	struct mig_opts o;
	struct vmmig *h;
	uint64_t errors;
	int cur = 0;

	memset(g, 0, sizeof(g));
	mig_opts_default(&o);
	o.started = demo_started;
	o.switched = demo_switched;
	o.ctx = &d;
	if (vmmig_open(&h)) {
		fprintf(stderr, "vmmig: %s\n", vmmig_errmsg(NULL));
		return 1;
	}
	err = __mig_guest_create(&g[cur], &o, true);
	if (!err)
		err = __mig_guest_start(&g[cur]);
	if (err) {
		fprintf(stderr, "guest: %s\n", strerror(-err));
		return 1;
	}
	printf("guest of %u MiB, %u vCPUs stamping %u pages each, dirty ring %u entries\n",
	       o.mem_mib, o.nr_vcpus, o.ws_pages, o.ring_entries);
	sleep(2);
	err = __mig_guest_check(&g[cur], 1, 60000, &errors);
	for (unsigned int i = 0; i < g[cur].nr_vcpus; i++) {
		struct vmm_runner_stats st;

		vmm_runner_stats(&g[cur].runner, i, &st);
		printf("guest running on the source: vCPU %u: %llu sweeps (runner %llu, exits %llu, error %d exit %u), %llu errors\n",
		       i, (unsigned long long)vmm_stamp_ctl(&g[cur].vm, i)->iter,
		       (unsigned long long)st.sweeps,
		       (unsigned long long)st.exits, st.error, st.exit_reason,
		       (unsigned long long)vmm_stamp_ctl(&g[cur].vm, i)->errors);
	}
	if (err)
		fprintf(stderr, "guest check: %s\n", strerror(-err));

	for (hop = 0; !err && hop < hops; hop++) {
		err = __mig_guest_create(&g[!cur], &o, false);
		if (!err)
			err = __mig_live(h, &g[cur], &g[!cur], &o, 7900 + hop,
					 &r);
		if (err) {
			fprintf(stderr, "migration: %s\n", strerror(-err));
			break;
		}
		printf("\n");
		demo_print("source", &r.src);
		demo_print("destination", &r.dst);
		printf("check: %llu pages differ between the paused source and the destination\n",
		       (unsigned long long)r.diff_pages);
		printf("check: the guest, resumed on the destination, swept its memory twice and found %llu lost writes\n",
		       (unsigned long long)r.guest_errors);
		if (r.src.state != VMMIG_STATE_COMPLETED || r.diff_pages ||
		    r.guest_errors) {
			err = -EIO;
			break;
		}
		mig_guest_destroy(&g[cur]);
		cur = !cur;
	}
	mig_guest_destroy(&g[0]);
	mig_guest_destroy(&g[1]);
	vmmig_close(h);
	return err ? 1 : 0;
}
