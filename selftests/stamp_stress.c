// SPDX-License-Identifier: GPL-2.0
/*
 * Stall stress of the stamp guest on KVM alone (no vmmig.ko): rounds of a
 * fresh 1 GiB VM whose vCPUs stamp their working sets (guest/stamp.S),
 * run by the test VMM's runner, in turns of these modes:
 *
 *   log+pause   dirty logging on, the runner harvests full rings, and the
 *               VM is paused every 0.2-1.5 s, its rings harvested and
 *               reset from the main thread, and resumed (as a migration)
 *   log         dirty logging on, the runner harvests, no pauses
 *   nolog-slow  dirty logging off, delay 20000 (a guest before migration)
 *   nolog       dirty logging off, delay 0 (a migrated guest resumed)
 *   move        dirty logging off, delay 0, and every 2-6 s paused, its
 *               state saved and restored into a fresh VM (memory copied)
 *               that goes on running it (a migration's destination)
 *   check       dirty logging off, delay 0, and back to back
 *               __mig_guest_check() for 1 or 2 sweeps, as the migration
 *               tests and the benchmark check a guest; each -ETIMEDOUT is
 *               printed with how long it took and whether the vCPUs went
 *               on sweeping
 *
 * A vCPU that makes no sweep for --stall seconds of running time is a
 * stall: it is reported (__vmm_runner_report(), after the --hook command
 * if any, run with the pid, the vCPU thread's tid and the vCPU index), and
 * watched until it sweeps again or --give-up seconds pass.  At the end:
 * running time, sweeps, longest gap between two sweeps and stalls, per
 * mode, and the stall rate per vCPU-hour.
 *
 * usage: stamp_stress [--minutes M] [--round S] [--stall S] [--give-up S]
 *                     [--vcpus N] [--modes MASK] [--hook CMD]
 *
 * MASK: bit n runs mode n of the list above (default 0x3f, all).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "migrate.h"

#define WS_GPA		0x01000000U	/* first working set: 16 MiB */
#define WS_PAGES	8192		/* 32 MiB per vCPU */
#define RING		4096
#define MEM_PAGES	131072ULL	/* per memslot: 2 x 512 MiB */

enum { M_LOG_PAUSE, M_LOG, M_NOLOG_SLOW, M_NOLOG, M_MOVE, M_CHECK, NR_MODES };

static const struct {
	const char *name;
	bool log, pause, move, check;
	uint32_t delay;
} modes[NR_MODES] = {
	[M_LOG_PAUSE] = { "log+pause", .log = true, .pause = true },
	[M_LOG] = { "log", .log = true },
	[M_NOLOG_SLOW] = { "nolog-slow", .delay = 20000 },
	[M_NOLOG] = { "nolog" },
	[M_MOVE] = { "move", .move = true },
	[M_CHECK] = { "check", .check = true },
};

/* A struct mig_guest without vmmig handles: __mig_guest_check() runs on it. */
#define guest mig_guest

struct mode_stats {
	double vcpu_s;		/* vCPU-seconds of running time */
	uint64_t sweeps, rounds, stalls, pauses, pause_timeouts;
	uint64_t max_gap_ms;	/* longest gap between sweeps, not a stall */
	double stalled_s;
	uint64_t checks, check_timeouts;	/* __mig_guest_check() */
	double check_timeout_s;		/* the longest of those */
};

static struct {
	unsigned int minutes, round_s, stall_s, give_up_s, nr;
	unsigned int mode_mask;
	const char *hook;
} opt = { 40, 120, 30, 300, 2, (1 << NR_MODES) - 1, NULL };

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void stamp(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static double t_start;

static void stamp(const char *fmt, ...)
{
	va_list ap;

	printf("[%8.1f] ", now_s() - t_start);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static int vm_create(struct vmm_vm *vm, struct vmm_vcpu *v, unsigned int mode,
		     bool boot)
{
	static const struct vmm_slot slots[] = {
		{ 0, 0, MEM_PAGES },
		{ 1, MEM_PAGES * VMM_PAGE, MEM_PAGES },
	};
	unsigned int i;
	int err;

	err = __vmm_vm_create(vm, slots, 2, 0);
	if (!err)
		err = __vmm_vm_enable_dirty_ring(vm, RING);
	if (!err && boot)
		err = __vmm_load_stamp_guest(vm, VMM_STAMP_CODE_GPA);
	for (i = 0; !err && i < opt.nr; i++) {
		err = __vmm_vcpu_create_id(&v[i], vm, i);
		if (!err && boot)
			err = __vmm_stamp_setup(vm, &v[i], i,
						WS_GPA + i * WS_PAGES * VMM_PAGE,
						WS_PAGES, modes[mode].delay);
	}
	if (!err && modes[mode].log)
		err = __vmm_vm_set_dirty_logging(vm, true);
	return err;
}

static void run_hook(struct vmm_runner *r, unsigned int idx)
{
	char cmd[512];

	if (!opt.hook)
		return;
	snprintf(cmd, sizeof(cmd), "%s %d %d %u", opt.hook, (int)getpid(),
		 __atomic_load_n(&r->vc[idx].tid, __ATOMIC_RELAXED), idx);
	fflush(stdout);
	if (system(cmd))
		stamp("hook failed: %s\n", cmd);
}

/* Pause, harvest and reset every ring, resume; false if a vCPU hung. */
static bool pause_cycle(struct vmm_runner *r, struct vmm_vm *vm,
			struct vmm_vcpu *v, struct mode_stats *ms)
{
	unsigned int i;
	int err;

	ms->pauses++;
	err = __vmm_runner_pause_timeout(r, 10000);
	if (err) {
		ms->pause_timeouts++;
		ms->stalls++;
		stamp("STALL: a pause did not park every vCPU in 10 s\n");
		for (i = 0; i < opt.nr; i++)
			if (__atomic_load_n(&r->vc[i].where, __ATOMIC_RELAXED) !=
			    VMM_AT_PARK) {
				run_hook(r, i);
				__vmm_runner_report(r, i, stdout);
			}
		vmm_runner_resume(r);
		return false;
	}
	for (i = 0; i < opt.nr; i++)
		vmm_vcpu_ring_harvest(&v[i], NULL, NULL);
	__vmm_vm_reset_rings(vm);
	usleep(20000);
	vmm_runner_resume(r);
	return true;
}

static void guest_destroy(struct guest *g)
{
	unsigned int i;

	vmm_runner_stop(&g->runner);
	for (i = 0; i < opt.nr; i++)
		vmm_vcpu_destroy(&g->vcpus[i]);
	vmm_vm_destroy(&g->vm);
}

/* Pause @a, move its state and memory into a fresh VM @b, run @b. */
static bool move_cycle(struct guest *a, struct guest *b, unsigned int mode,
		       struct mode_stats *ms)
{
	unsigned int i;
	int fd, err;

	ms->pauses++;
	err = __vmm_runner_pause_timeout(&a->runner, 10000);
	if (err) {
		ms->pause_timeouts++;
		ms->stalls++;
		stamp("STALL: a pause did not park every vCPU in 10 s\n");
		for (i = 0; i < opt.nr; i++)
			if (__atomic_load_n(&a->runner.vc[i].where, __ATOMIC_RELAXED) !=
			    VMM_AT_PARK) {
				run_hook(&a->runner, i);
				__vmm_runner_report(&a->runner, i, stdout);
			}
		vmm_runner_resume(&a->runner);
		return false;
	}
	fd = memfd_create("vcpus", MFD_CLOEXEC);
	b->nr_vcpus = opt.nr;
	err = fd < 0 ? -errno : vm_create(&b->vm, b->vcpus, mode, false);
	if (!err)
		err = __vmm_vcpus_save(a->vcpus, opt.nr, fd);
	if (!err)
		err = __vmm_vm_copy(&b->vm, &a->vm, 0, 0x100000);
	for (i = 0; !err && i < opt.nr; i++)
		err = __vmm_vm_copy(&b->vm, &a->vm, WS_GPA + i * WS_PAGES * VMM_PAGE,
				    WS_PAGES * VMM_PAGE);
	if (!err) {
		guest_destroy(a);
		err = __vmm_vcpus_restore(b->vcpus, opt.nr, fd);
	}
	if (!err)
		err = __vmm_runner_start(&b->runner, &b->vm, b->vcpus, opt.nr, NULL, NULL);
	if (fd >= 0)
		close(fd);
	if (err) {
		stamp("move: %s\n", strerror(-err));
		exit(2);
	}
	return true;
}

/*
 * __mig_guest_check() as the migration tests call it on a running guest;
 * an -ETIMEDOUT is printed with what the vCPUs did meanwhile.
 */
static void check_once(struct guest *g, struct mode_stats *ms)
{
	unsigned int sweeps = 1 + ms->checks % 2, i;
	uint64_t iter0[VMM_MAX_VCPUS], sw0[VMM_MAX_VCPUS], errors;
	double t0 = now_s(), dt;
	int err;

	for (i = 0; i < opt.nr; i++) {
		iter0[i] = vmm_stamp_ctl(&g->vm, i)->iter;
		sw0[i] = vmm_runner_sweeps(&g->runner, i);
	}
	ms->checks++;
	err = __mig_guest_check(g, sweeps, 120000, &errors);
	dt = now_s() - t0;
	if (err != -ETIMEDOUT)
		return;
	ms->check_timeouts++;
	if (dt > ms->check_timeout_s)
		ms->check_timeout_s = dt;
	stamp("CHECK: __mig_guest_check(%u sweeps, 120 s) = -ETIMEDOUT after %.3f s (check %llu)\n",
	      sweeps, dt, (unsigned long long)ms->checks);
	for (i = 0; i < opt.nr; i++) {
		uint64_t sw = vmm_runner_sweeps(&g->runner, i);

		usleep(50000);
		printf("    vCPU %u: guest iter %llu -> %llu, runner sweeps %llu -> %llu, 50 ms later %llu\n",
		       i, (unsigned long long)iter0[i],
		       (unsigned long long)vmm_stamp_ctl(&g->vm, i)->iter,
		       (unsigned long long)sw0[i], (unsigned long long)sw,
		       (unsigned long long)vmm_runner_sweeps(&g->runner, i));
	}
}

/* One round of @mode; false: give up the stress (a vCPU hangs for good). */
static bool round_run(unsigned int mode, struct mode_stats *ms)
{
	static struct guest gs[2];
	struct guest *g = &gs[0];
	uint64_t last[VMM_MAX_VCPUS] = { 0 }, gap[VMM_MAX_VCPUS] = { 0 };
	uint64_t sweeps = 0;
	double stall_t0[VMM_MAX_VCPUS] = { 0 }, t0, t, next_pause;
	bool ok = true;
	unsigned int i;
	int err;

	memset(gs, 0, sizeof(gs));
	g->nr_vcpus = opt.nr;
	err = vm_create(&g->vm, g->vcpus, mode, true);
	if (!err)
		err = __vmm_runner_start(&g->runner, &g->vm, g->vcpus, opt.nr, NULL, NULL);
	if (err) {
		stamp("round setup (%s): %s\n", modes[mode].name, strerror(-err));
		exit(2);
	}
	t0 = now_s();
	next_pause = t0 + 0.2 + (rand() % 1300) / 1000.0;
	for (t = t0; t - t0 < opt.round_s; t = now_s()) {
		bool stalled = false;

		/* As __vmm_runner_wait_sweeps() polls. */
		usleep(5000);
		if (modes[mode].check)
			check_once(g, ms);
		for (i = 0; i < opt.nr; i++) {
			/* The guest's own count: it moves with it. */
			uint64_t sw = __atomic_load_n(&vmm_stamp_ctl(&g->vm, i)->iter,
						      __ATOMIC_RELAXED);
			uint64_t idle = vmm_runner_idle_ms(&g->runner, i);

			err = vmm_runner_error(&g->runner, i);
			if (err) {
				struct vmm_runner_stats st;

				vmm_runner_stats(&g->runner, i, &st);
				stamp("vCPU %u stopped: %s, exit %u port %#x\n",
				      i, strerror(-err), st.exit_reason, st.port);
				exit(3);
			}
			if (sw != last[i]) {
				if (stall_t0[i]) {
					stamp("STALL END: vCPU %u (%s) swept again after %.1f s\n",
					      i, modes[mode].name,
					      now_s() - stall_t0[i]);
					ms->stalled_s += now_s() - stall_t0[i];
					stall_t0[i] = 0;
				}
				if (gap[i] > ms->max_gap_ms)
					ms->max_gap_ms = gap[i];
				last[i] = sw;
				gap[i] = 0;
				continue;
			}
			if (idle > gap[i])
				gap[i] = idle;
			if (stall_t0[i]) {
				stalled = true;
				if (now_s() - stall_t0[i] > opt.give_up_s) {
					stamp("STALL: vCPU %u still stalled after %u s more, giving up the round\n",
					      i, opt.give_up_s);
					run_hook(&g->runner, i);
					__vmm_runner_report(&g->runner, i, stdout);
					ms->stalled_s += now_s() - stall_t0[i];
					stall_t0[i] = 0;
					ok = false;
				}
				continue;
			}
			if (idle < opt.stall_s * 1000ULL)
				continue;
			ms->stalls++;
			stalled = true;
			stall_t0[i] = now_s() - idle / 1000.0;
			stamp("STALL: vCPU %u (%s, round %llu) made no sweep for %llu ms, after %llu sweeps\n",
			      i, modes[mode].name,
			      (unsigned long long)ms->rounds,
			      (unsigned long long)idle, (unsigned long long)sw);
			run_hook(&g->runner, i);
			__vmm_runner_report(&g->runner, i, stdout);
		}
		if (!ok)
			break;
		/* Keep a stalled vCPU as it is: no pauses meanwhile. */
		if (stalled || now_s() < next_pause)
			continue;
		if (modes[mode].pause && !pause_cycle(&g->runner, &g->vm, g->vcpus, ms)) {
			ok = false;
			break;
		}
		if (modes[mode].move) {
			struct guest *b = g == &gs[0] ? &gs[1] : &gs[0];

			for (i = 0; i < opt.nr; i++)
				sweeps += vmm_runner_sweeps(&g->runner, i);
			if (!move_cycle(g, b, mode, ms)) {
				ok = false;
				break;
			}
			g = b;
		}
		next_pause = now_s() + (modes[mode].move ? 2 + rand() % 4 :
					0.2 + (rand() % 1300) / 1000.0);
	}
	t = now_s() - t0;
	for (i = 0; i < opt.nr; i++) {
		if (stall_t0[i])
			ms->stalled_s += now_s() - stall_t0[i];
		sweeps += vmm_runner_sweeps(&g->runner, i);
	}
	ms->sweeps += sweeps;
	ms->vcpu_s += t * opt.nr;
	ms->rounds++;
	stamp("round %s: %.0f s, %llu sweeps, guest iter", modes[mode].name, t,
	      (unsigned long long)sweeps);
	for (i = 0; i < opt.nr; i++)
		printf(" %llu", (unsigned long long)vmm_stamp_ctl(&g->vm, i)->iter);
	printf(", guest errors");
	for (i = 0; i < opt.nr; i++)
		printf(" %llu", (unsigned long long)vmm_stamp_ctl(&g->vm, i)->errors);
	printf("\n");
	fflush(stdout);
	if (!ok)
		return false;
	guest_destroy(g);
	return true;
}

int main(int argc, char **argv)
{
	struct mode_stats ms[NR_MODES] = { 0 };
	double total_vcpu_h = 0;
	uint64_t stalls = 0;
	unsigned int m, k = 0;
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		const char *a = argv[i], *v = argv[i + 1];

		if (!strcmp(a, "--minutes"))
			opt.minutes = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--round"))
			opt.round_s = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--stall"))
			opt.stall_s = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--give-up"))
			opt.give_up_s = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--vcpus"))
			opt.nr = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--modes"))
			opt.mode_mask = strtoul(v, NULL, 0);
		else if (!strcmp(a, "--hook"))
			opt.hook = v;
		else
			break;
	}
	if (i < argc || !opt.nr || opt.nr > VMM_MAX_VCPUS ||
	    !(opt.mode_mask & ((1 << NR_MODES) - 1))) {
		fprintf(stderr, "usage: %s [--minutes M] [--round S] [--stall S] [--give-up S] [--vcpus N] [--modes MASK] [--hook CMD]\n",
			argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	srand(getpid());
	t_start = now_s();
	stamp("stamp_stress: %u vCPUs, %u min, rounds of %u s, stall after %u s without a sweep\n",
	      opt.nr, opt.minutes, opt.round_s, opt.stall_s);
	while (now_s() - t_start < opt.minutes * 60.0) {
		m = k++ % NR_MODES;
		if (!(opt.mode_mask & 1 << m))
			continue;
		if (!round_run(m, &ms[m]))
			break;
	}
	stamp("summary: mode, vCPU-hours running, sweeps, longest sweep gap (s), stalls, time stalled (s), pauses (timed out)\n");
	for (m = 0; m < NR_MODES; m++) {
		if (!ms[m].rounds)
			continue;
		stamp("  %-10s %7.3f %8llu %6.1f %3llu %7.1f %6llu (%llu)\n",
		      modes[m].name, ms[m].vcpu_s / 3600,
		      (unsigned long long)ms[m].sweeps, ms[m].max_gap_ms / 1e3,
		      (unsigned long long)ms[m].stalls, ms[m].stalled_s,
		      (unsigned long long)ms[m].pauses,
		      (unsigned long long)ms[m].pause_timeouts);
		total_vcpu_h += ms[m].vcpu_s / 3600;
		stalls += ms[m].stalls;
	}
	for (m = 0; m < NR_MODES; m++)
		if (ms[m].checks)
			stamp("CHECKS (%s): %llu __mig_guest_check() calls, %llu returned -ETIMEDOUT, the longest after %.3f s\n",
			      modes[m].name, (unsigned long long)ms[m].checks,
			      (unsigned long long)ms[m].check_timeouts,
			      ms[m].check_timeout_s);
	stamp("STALL RATE: %llu stalls in %.3f vCPU-hours = %.2f per vCPU-hour\n",
	      (unsigned long long)stalls, total_vcpu_h,
	      total_vcpu_h ? stalls / total_vcpu_h : 0);
	return 0;
}
