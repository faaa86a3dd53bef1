// SPDX-License-Identifier: GPL-2.0
/*
 * vmmigctl - inspect and control vmmig migration sessions.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "libvmmig.h"
#include "json_print.h"

#ifndef VMMIG_VERSION
#define VMMIG_VERSION	"unknown"
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define GO_ON		(-1)	/* watch: no exit status yet */
#define SAMPLE_MS	1000	/* watch: progress interval */
#define BAR_CELLS	8	/* watch: progress bar of a live session */

/* Exit status; see EXIT STATUS in vmmigctl(8). */
enum {
	RC_OK,
	RC_FAIL,
	RC_USAGE,
	RC_NOMOD,
	RC_PERM,
	RC_NOSESS,
};

static bool json_out, pretty;
static volatile sig_atomic_t stop;

static void usage(FILE *f)
{
	fputs("Usage: vmmigctl [OPTIONS] COMMAND [ID]\n"
	      "\n"
	      "Commands:\n"
	      "  list        list the sessions of this network namespace\n"
	      "  show ID     show session ID in detail\n"
	      "  watch [ID]  follow session events; with ID, also its progress\n"
	      "              until it ends (exit 0 only if it completed); a live\n"
	      "              migration: one line refreshed in place on a terminal,\n"
	      "              and a summary once it completed\n"
	      "  cancel ID   cancel session ID (in any state but a final one)\n"
	      "  set ID PARAM VALUE...\n"
	      "              change parameters of a live source session while it\n"
	      "              runs: downtime-ms, max-rounds, max-time-ms,\n"
	      "              max-bandwidth (bytes/s, 0: no cap), throttle-max-ms\n"
	      "  host        show the limit and sessions of this network namespace\n"
	      "  help        show this help\n"
	      "\n"
	      "Options:\n"
	      "  -j, --json     JSON output (watch: one object per line)\n"
	      "  -p, --pretty   pretty-print JSON output\n"
	      "  -h, --help     show this help\n"
	      "  -V, --version  show the version\n"
	      "\n"
	      "Exit status: 0 ok, 1 failed, 2 usage error, 3 vmmig module not loaded,\n"
	      "4 permission denied (needs CAP_NET_ADMIN), 5 no such session.\n", f);
}

static int __attribute__((format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vmmigctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'vmmigctl --help'.\n", stderr);
	return RC_USAGE;
}

/* Report failed call @what; the exit status that goes with @err. */
static int fail(const struct vmmig *h, const char *what, uint32_t id, int err)
{
	const char *msg = vmmig_errmsg(h);

	if (err == -EPERM) {
		fprintf(stderr, "vmmigctl: %s: %s%s\n", what, msg,
			strstr(msg, "CAP_NET_ADMIN") ? "" : " (needs CAP_NET_ADMIN)");
		return RC_PERM;
	}
	if (err == -ENOENT && id) {
		fprintf(stderr, "vmmigctl: %s: no session %" PRIu32
			" in this network namespace\n", what, id);
		return RC_NOSESS;
	}
	fprintf(stderr, "vmmigctl: %s: %s\n", what, msg);
	return RC_FAIL;
}

static int open_handle(struct vmmig **h, bool events, const char *what)
{
	int err = events ? vmmig_events_open(h) : vmmig_open(h);

	if (!err)
		return RC_OK;
	if (err == -ENOENT) {
		fprintf(stderr, "vmmigctl: %s\n", vmmig_errmsg(NULL));
		return RC_NOMOD;
	}
	return fail(NULL, what, 0, err);
}

static bool is_final(uint32_t state)
{
	return state == VMMIG_STATE_COMPLETED || state == VMMIG_STATE_FAILED ||
	       state == VMMIG_STATE_CANCELLED;
}

static const char *fmt_bytes(char *buf, size_t len, uint64_t n)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = n / 1024.0;
	size_t i = 0;

	if (n < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", n);
		return buf;
	}
	while (v >= 1024 && i + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, "%.1f %s", v, units[i]);
	return buf;
}

static const char *fmt_ms(char *buf, size_t len, uint64_t ms)
{
	if (ms < 1000)
		snprintf(buf, len, "%" PRIu64 " ms", ms);
	else
		snprintf(buf, len, "%.1f s", ms / 1000.0);
	return buf;
}

/* Compact count for the watch line: 999, 1.2k, 12k, 123M, ... */
static const char *fmt_count(char *buf, size_t len, uint64_t n)
{
	static const char units[] = "kMGTPE";
	double v = n;
	size_t i = 0;

	if (n < 1000) {
		snprintf(buf, len, "%" PRIu64, n);
		return buf;
	}
	v /= 1000;
	while (v >= 999.5 && i + 1 < sizeof(units) - 1) {
		v /= 1000;
		i++;
	}
	snprintf(buf, len, v < 9.95 ? "%.1f%c" : "%.0f%c", v, units[i]);
	return buf;
}

/* Compact duration for the watch line: 999ms, 9.9s, 59s, 59m, 23h, 9d. */
static const char *fmt_dur(char *buf, size_t len, uint64_t ms)
{
	if (ms < 1000)
		snprintf(buf, len, "%" PRIu64 "ms", ms);
	else if (ms < 9950)
		snprintf(buf, len, "%.1fs", ms / 1000.0);
	else if (ms < 99500)
		snprintf(buf, len, "%.0fs", ms / 1000.0);
	else if (ms < 99 * 60000ULL + 30000)
		snprintf(buf, len, "%" PRIu64 "m", (ms + 30000) / 60000);
	else if (ms < 99 * 3600000ULL + 1800000)
		snprintf(buf, len, "%" PRIu64 "h", (ms + 1800000) / 3600000);
	else
		snprintf(buf, len, "%" PRIu64 "d", (ms + 43200000) / 86400000);
	return buf;
}

static bool is_live(const struct vmmig_session_info *s)
{
	return s->params.mode == VMMIG_MODE_LIVE;
}

/* The mode is a source parameter: a destination follows its stream. */
static const char *mode_name(const struct vmmig_session_info *s)
{
	return s->role == VMMIG_ROLE_DESTINATION ? "-" :
	       vmmig_mode_name(s->params.mode);
}

/* @n per @ms milliseconds, per second. */
static uint64_t per_second(uint64_t n, uint64_t ms)
{
	return ms ? n / ms * 1000 + n % ms * 1000 / ms : 0;
}

/* Average transfer rate, bytes per second. */
static uint64_t rate(const struct vmmig_stats *s)
{
	return per_second(s->bytes, s->elapsed_ms);
}

static const char *fmt_rate(char *buf, size_t len, const struct vmmig_stats *s)
{
	char b[32];

	snprintf(buf, len, "%s/s", fmt_bytes(b, sizeof(b), rate(s)));
	return buf;
}

static void json_reason(struct json *j, uint32_t reason, bool with_text)
{
	json_str(j, "reason", vmmig_reason_name(reason));
	if (with_text)
		json_str(j, "reason_text", vmmig_reason_text(reason));
}

static bool ended_abnormally(uint32_t state)
{
	return state == VMMIG_STATE_FAILED || state == VMMIG_STATE_CANCELLED;
}

/* @require_enc: a parameter libvmmig keeps beside struct vmmig_params. */
static void json_params(struct json *j, const struct vmmig_params *p,
			uint32_t require_enc)
{
	json_obj_open(j, "params");
	json_u64(j, "downtime_ms", p->downtime_ms);
	json_u64(j, "max_rounds", p->max_rounds);
	json_u64(j, "max_time_ms", p->max_time_ms);
	json_u64(j, "max_bandwidth", p->max_bandwidth);
	json_str(j, "on_limit", vmmig_on_limit_name(p->on_limit));
	json_u64(j, "throttle_max_ms", p->throttle_max_ms);
	json_str(j, "mode", vmmig_mode_name(p->mode));
	json_u64(j, "peer_timeout_ms", p->peer_timeout_ms);
	json_u64(j, "require_encryption", require_enc);
	json_obj_close(j);
}

static void json_stats(struct json *j, const struct vmmig_stats *s)
{
	json_obj_open(j, "stats");
	json_u64(j, "elapsed_ms", s->elapsed_ms);
	json_u64(j, "bytes", s->bytes);
	json_u64(j, "pages", s->pages);
	json_u64(j, "zero_pages", s->zero_pages);
	json_u64(j, "round", s->round);
	json_u64(j, "cpu_ns", s->cpu_ns);
	json_u64(j, "blob_bytes", s->blob_bytes);
	json_u64(j, "rate", rate(s));
	json_u64(j, "remaining", s->remaining);
	json_u64(j, "dirty_rate", s->dirty_rate);
	json_u64(j, "bandwidth", s->bandwidth);
	json_u64(j, "expected_downtime_ms", s->expected_downtime_ms);
	json_u64(j, "downtime_ms", s->downtime_ms);
	json_u64(j, "setup_ms", s->setup_ms);
	json_u64(j, "dirty_pages", s->dirty_pages);
	json_u64(j, "harvest_ns", s->harvest_ns);
	json_u64(j, "reported_pages", s->reported_pages);
	json_u64(j, "ring_full", s->ring_full);
	json_u64(j, "throttle_ns", s->throttle_ns);
	json_obj_close(j);
}

static void json_session(struct json *j, const struct vmmig_session_info *s)
{
	json_obj_open(j, NULL);
	json_u64(j, "id", s->id);
	json_str(j, "role", vmmig_role_name(s->role));
	json_str(j, "state", vmmig_state_name(s->state));
	json_reason(j, s->reason, ended_abnormally(s->state));
	json_u64(j, "vmm_pid", s->vmm_pid);
	if (s->worker_tid)
		json_u64(j, "worker_tid", s->worker_tid);
	json_u64(j, "channels", s->channels);
	json_str(j, "checksum", vmmig_checksum_name(s->checksum));
	json_str(j, "encryption",
		 vmmig_cipher_name(s->tls_version, s->tls_cipher));
	json_params(j, &s->params, s->require_encryption);
	json_stats(j, &s->stats);
	json_obj_close(j);
}

/* "name value" lines; values line up whether top-level or nested. */
#define FIELD(name, fmt, ...)	printf("  %-20s" fmt "\n", name, __VA_ARGS__)
#define SUBFIELD(name, fmt, ...) printf("    %-18s" fmt "\n", name, __VA_ARGS__)

static void text_params(const struct vmmig_session_info *s)
{
	const struct vmmig_params *p = &s->params;
	char b[32];

	SUBFIELD("mode", "%s", mode_name(s));
	SUBFIELD("downtime", "%s", fmt_ms(b, sizeof(b), p->downtime_ms));
	SUBFIELD("max-rounds", "%" PRIu32, p->max_rounds);
	SUBFIELD("max-time", "%s", p->max_time_ms ?
	      fmt_ms(b, sizeof(b), p->max_time_ms) : "no limit");
	if (p->max_bandwidth)
		SUBFIELD("max-bandwidth", "%s/s", fmt_bytes(b, sizeof(b), p->max_bandwidth));
	else
		SUBFIELD("max-bandwidth", "%s", "no cap");
	SUBFIELD("on-limit", "%s", vmmig_on_limit_name(p->on_limit));
	SUBFIELD("throttle-max", "%s", fmt_ms(b, sizeof(b), p->throttle_max_ms));
	SUBFIELD("peer-timeout", "%s", fmt_ms(b, sizeof(b), p->peer_timeout_ms));
}

/* @pages guest pages as bytes: the module's pages are the host's. */
static const char *fmt_pages(char *buf, size_t len, uint64_t pages)
{
	long psz = sysconf(_SC_PAGESIZE);
	char b[32];

	snprintf(buf, len, "%" PRIu64 " (%s)", pages,
		 fmt_bytes(b, sizeof(b), pages * (psz > 0 ? psz : 4096)));
	return buf;
}

/* What only live migration counts. */
static void text_live_stats(const struct vmmig_session_info *si)
{
	const struct vmmig_stats *s = &si->stats;
	char b[48];

	SUBFIELD("remaining", "%s", fmt_pages(b, sizeof(b), s->remaining));
	if (s->bandwidth) {
		SUBFIELD("dirty-rate", "%" PRIu64 " pages/s", s->dirty_rate);
		SUBFIELD("bandwidth", "%s/s", fmt_bytes(b, sizeof(b), s->bandwidth));
		SUBFIELD("expected-downtime", "%s",
			 fmt_ms(b, sizeof(b), s->expected_downtime_ms));
	} else {
		/* Measured at the end of each round. */
		SUBFIELD("dirty-rate", "%s", "- (after the first round)");
		SUBFIELD("bandwidth", "%s", "-");
		SUBFIELD("expected-downtime", "%s", "-");
	}
	if (si->state == VMMIG_STATE_COMPLETED)
		SUBFIELD("downtime", "%s", fmt_ms(b, sizeof(b), s->downtime_ms));
	else
		SUBFIELD("downtime", "%s", "- (measured at completion)");
	SUBFIELD("setup", "%s", fmt_ms(b, sizeof(b), s->setup_ms));
	SUBFIELD("dirty-pages", "%" PRIu64, s->dirty_pages);
	/* Per dirty-ring entry: what harvesting costs. */
	if (s->dirty_pages)
		SUBFIELD("harvest", "%s (%" PRIu64 " ns/page)",
			 fmt_ms(b, sizeof(b), s->harvest_ns / 1000000),
			 s->harvest_ns / s->dirty_pages);
	else
		SUBFIELD("harvest", "%s", fmt_ms(b, sizeof(b), s->harvest_ns / 1000000));
	SUBFIELD("reported-pages", "%" PRIu64, s->reported_pages);
	SUBFIELD("ring-full", "%" PRIu64, s->ring_full);
	SUBFIELD("throttle", "%s", fmt_ms(b, sizeof(b), s->throttle_ns / 1000000));
}

static void text_stats(const struct vmmig_session_info *si)
{
	const struct vmmig_stats *s = &si->stats;
	char b[48];

	SUBFIELD("elapsed", "%s", fmt_ms(b, sizeof(b), s->elapsed_ms));
	SUBFIELD("bytes", "%s (%" PRIu64 ")", fmt_bytes(b, sizeof(b), s->bytes), s->bytes);
	SUBFIELD("pages", "%" PRIu64, s->pages);
	SUBFIELD("zero-pages", "%" PRIu64, s->zero_pages);
	SUBFIELD("round", "%" PRIu32, s->round);
	SUBFIELD("cpu", "%s", fmt_ms(b, sizeof(b), s->cpu_ns / 1000000));
	SUBFIELD("vmm-state", "%s", fmt_bytes(b, sizeof(b), s->blob_bytes));
	SUBFIELD("rate", "%s", fmt_rate(b, sizeof(b), s));
	if (is_live(si))
		text_live_stats(si);
	else if (si->role == VMMIG_ROLE_DESTINATION && (s->round || s->remaining))
		/* A live stream: the source's count at its last round. */
		SUBFIELD("remaining", "%s", fmt_pages(b, sizeof(b), s->remaining));
}

static void text_session(const struct vmmig_session_info *s)
{
	printf("session %" PRIu32 "\n", s->id);
	FIELD("role", "%s", vmmig_role_name(s->role));
	FIELD("state", "%s", vmmig_state_name(s->state));
	if (ended_abnormally(s->state))
		FIELD("reason", "%s: %s", vmmig_reason_name(s->reason),
		      vmmig_reason_text(s->reason));
	else
		FIELD("reason", "%s", vmmig_reason_name(s->reason));
	FIELD("vmm-pid", "%" PRIu32, s->vmm_pid);
	if (s->worker_tid)
		FIELD("worker-tid", "%" PRIu32, s->worker_tid);
	FIELD("channels", "%" PRIu32, s->channels);
	FIELD("checksum", "%s", vmmig_checksum_name(s->checksum));
	FIELD("encryption", "%s",
	      vmmig_cipher_name(s->tls_version, s->tls_cipher));
	printf("  params:\n");
	text_params(s);
	SUBFIELD("require-encryption", "%s",
		 s->require_encryption ? "yes" : "no");
	printf("  stats:\n");
	text_stats(s);
}

#define ROW_FMT "%-6s %-11s %-5s %-10s %-15s %7s %8s %5s %10s %9s %8s\n"

static void text_row(const struct vmmig_session_info *s)
{
	char id[16], pid[16], ch[16], round[16], pages[24], bytes[32], el[32];

	snprintf(id, sizeof(id), "%" PRIu32, s->id);
	snprintf(pid, sizeof(pid), "%" PRIu32, s->vmm_pid);
	snprintf(ch, sizeof(ch), "%" PRIu32, s->channels);
	snprintf(round, sizeof(round), "%" PRIu32, s->stats.round);
	snprintf(pages, sizeof(pages), "%" PRIu64, s->stats.pages);
	printf(ROW_FMT, id, vmmig_role_name(s->role), mode_name(s),
	       vmmig_state_name(s->state), vmmig_reason_name(s->reason), pid, ch,
	       round, fmt_bytes(bytes, sizeof(bytes), s->stats.bytes), pages,
	       fmt_ms(el, sizeof(el), s->stats.elapsed_ms));
}

static int cmp_id(const void *a, const void *b)
{
	const struct vmmig_session_info *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static void print_list(const struct vmmig_session_info *s, unsigned int n)
{
	struct json j;
	unsigned int i;

	if (json_out) {
		json_init(&j, stdout, pretty);
		json_arr_open(&j, NULL);
		for (i = 0; i < n; i++)
			json_session(&j, &s[i]);
		json_arr_close(&j);
		return;
	}
	printf(ROW_FMT, "ID", "ROLE", "MODE", "STATE", "REASON", "VMM-PID",
	       "CHANNELS", "ROUND", "BYTES", "PAGES", "ELAPSED");
	for (i = 0; i < n; i++)
		text_row(&s[i]);
}

static int cmd_list(uint32_t id, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct vmmig_session_info *s;
	struct vmmig *h;
	unsigned int n;
	int rc, err;

	(void)id;
	rc = open_handle(&h, false, "list");
	if (rc)
		return rc;
	err = vmmig_session_list(h, &s, &n);
	if (err) {
		rc = fail(h, "list", 0, err);
	} else {
		if (n)
			qsort(s, n, sizeof(*s), cmp_id);
		print_list(s, n);
		free(s);
	}
	vmmig_close(h);
	return rc;
}

static int cmd_show(uint32_t id, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct vmmig_session_info s;
	struct vmmig *h;
	struct json j;
	int rc, err;

	rc = open_handle(&h, false, "show");
	if (rc)
		return rc;
	err = vmmig_session_get(h, id, &s);
	if (err) {
		rc = fail(h, "show", id, err);
	} else if (json_out) {
		json_init(&j, stdout, pretty);
		json_session(&j, &s);
	} else {
		text_session(&s);
	}
	vmmig_close(h);
	return rc;
}

static int cmd_cancel(uint32_t id, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct vmmig *h;
	int rc, err;

	rc = open_handle(&h, false, "cancel");
	if (rc)
		return rc;
	err = vmmig_session_cancel(h, id);
	if (err)
		rc = fail(h, "cancel", id, err);
	vmmig_close(h);
	return rc;
}

/* vmmigctl set ID PARAM VALUE...: session-set. */
static int cmd_set(uint32_t id, int argc, char **argv)
{
	static const struct {
		const char *name;
		uint32_t bit;
		size_t off;
		bool is64;
	} params[] = {
		{ "downtime-ms", VMMIG_TUNE_DOWNTIME_MS,
		  offsetof(struct vmmig_tune, downtime_ms), false },
		{ "max-rounds", VMMIG_TUNE_MAX_ROUNDS,
		  offsetof(struct vmmig_tune, max_rounds), false },
		{ "max-time-ms", VMMIG_TUNE_MAX_TIME_MS,
		  offsetof(struct vmmig_tune, max_time_ms), false },
		{ "max-bandwidth", VMMIG_TUNE_MAX_BANDWIDTH,
		  offsetof(struct vmmig_tune, max_bandwidth), true },
		{ "throttle-max-ms", VMMIG_TUNE_THROTTLE_MAX_MS,
		  offsetof(struct vmmig_tune, throttle_max_ms), false },
	};
	struct vmmig_tune t = VMMIG_TUNE();
	struct vmmig *h;
	int i, rc, err;

	if (!argc)
		return usage_error("set: missing PARAM VALUE");
	for (i = 0; i < argc; i += 2) {
		unsigned long long v;
		size_t k;
		char *end;

		for (k = 0; k < ARRAY_SIZE(params); k++)
			if (!strcmp(argv[i], params[k].name))
				break;
		if (k == ARRAY_SIZE(params))
			return usage_error("set: unknown parameter '%s'", argv[i]);
		if (t.set & params[k].bit)
			return usage_error("set: %s given twice", argv[i]);
		if (i + 1 == argc)
			return usage_error("set: %s: missing value", argv[i]);
		errno = 0;
		v = strtoull(argv[i + 1], &end, 10);
		if (argv[i + 1][0] < '0' || argv[i + 1][0] > '9' || errno ||
		    *end || (!params[k].is64 && v > UINT32_MAX))
			return usage_error("set: %s: invalid value '%s'",
					   argv[i], argv[i + 1]);
		t.set |= params[k].bit;
		if (params[k].is64) {
			uint64_t v64 = v;

			memcpy((char *)&t + params[k].off, &v64, sizeof(v64));
		} else {
			uint32_t v32 = v;

			memcpy((char *)&t + params[k].off, &v32, sizeof(v32));
		}
	}
	rc = open_handle(&h, false, "set");
	if (rc)
		return rc;
	err = vmmig_session_set(h, id, &t);
	if (err)
		rc = fail(h, "set", id, err);
	vmmig_close(h);
	return rc;
}

static void print_host(const struct vmmig_host_info *info)
{
	struct json j;

	if (!json_out) {
		printf("max-sessions  %" PRIu32 "\n", info->max_sessions);
		printf("sessions      %" PRIu32 "\n", info->sessions);
		printf("wire-version  %" PRIu32 "\n", info->wire_version);
		return;
	}
	json_init(&j, stdout, pretty);
	json_obj_open(&j, NULL);
	json_u64(&j, "max_sessions", info->max_sessions);
	json_u64(&j, "sessions", info->sessions);
	json_u64(&j, "wire_version", info->wire_version);
	json_obj_close(&j);
}

static int cmd_host(uint32_t id, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct vmmig_host_info info;
	struct vmmig *h;
	int rc, err;

	(void)id;
	rc = open_handle(&h, false, "host");
	if (rc)
		return rc;
	err = vmmig_host_get(h, 0, &info);
	if (err)
		rc = fail(h, "host", 0, err);
	else
		print_host(&info);
	vmmig_close(h);
	return rc;
}

static int cmd_help(uint32_t id, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	(void)id;
	usage(stdout);
	return RC_OK;
}

/* watch */

struct watch {
	struct vmmig *ev;	/* events */
	struct vmmig *req;	/* polls session id; only with an id */
	uint32_t id;		/* 0: all sessions, no progress */
	struct json j;
	bool live;		/* the session is a live migration */
	bool tty;		/* live text on a terminal: one line, in place */
	bool header;		/* the live header is due before the next line */
	size_t line_len;	/* live line on screen, not yet ended */
	bool have_round;	/* round and round_base are known */
	uint32_t round;		/* round of the last sample */
	uint64_t round_base;	/* stats.pages as the round began (or was
				 * first seen)
				 */
	bool have_last;
	struct vmmig_session_info last;	/* last sample */
};

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* SIGINT/SIGTERM end the watch; no SA_RESTART, so poll() returns early. */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int ms_until(long long t)
{
	long long left = t - now_ms();

	return left > 0 ? (int)left : 0;
}

/* End the live line on screen, keeping it, before any other output. */
static void line_break(struct watch *w)
{
	if (!w->line_len)
		return;
	putchar('\n');
	fflush(stdout);
	w->line_len = 0;
}

static size_t term_cols(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || !ws.ws_col)
		return 80;
	return ws.ws_col;
}

/*
 * Progress of the current round: sent against sent + remaining.  Nothing
 * to send is done, but in round 0, where it means not begun yet.
 */
static void fmt_bar(char *buf, size_t len, uint32_t round, uint64_t done,
		    uint64_t left)
{
	uint64_t total = done + left;
	unsigned int pct = total ? done * 100 / total : round ? 100 : 0, i;
	char cells[BAR_CELLS + 1];

	for (i = 0; i < BAR_CELLS; i++)
		cells[i] = i < pct * BAR_CELLS / 100 ? '#' : '-';
	cells[BAR_CELLS] = '\0';
	snprintf(buf, len, "[%s]%4u%%", cells, pct);
}

/*
 * Pages sent before the current round began.  Round 0 begins at 0; a later
 * one once the previous round had sent what it had left at the last sample
 * (the module does not report it: an estimate).
 */
static uint64_t round_base(const struct watch *w, const struct vmmig_stats *st)
{
	const struct vmmig_stats *prev = &w->last.stats;
	uint64_t tail;

	if (!st->round)
		return 0;
	if (!w->have_last || prev->round >= st->round || prev->pages > st->pages)
		return st->pages;	/* first seen in this round */
	tail = st->pages - prev->pages;
	return prev->pages + (prev->remaining < tail ? prev->remaining : tail);
}

/* Bytes per second as MB/s (10^6), at most 5 characters up to 99 GB/s. */
static const char *fmt_mbs(char *buf, size_t len, uint64_t bps)
{
	double mbs = bps / 1e6;

	snprintf(buf, len, mbs < 9.95 ? "%.1f" : "%.0f", mbs);
	return buf;
}

/*
 * One line of a live session, 79 columns; the header names the columns.
 * Gauges are those of the last round; before the module measured one, MB/s
 * and DIRTY/s are the averages since the start.
 */
#define LIVE_FMT "%-10s %5s %-15s %5s %7s %6s %6s %9s %8s"

static void live_line(struct watch *w, const struct vmmig_session_info *s)
{
	const struct vmmig_stats *st = &s->stats;
	bool measured = st->bandwidth != 0;
	char round[16], bar[32], mbs[16], dirty[16], left[16], exp[16];
	char rf[16], thr[16], line[256];
	size_t cols = w->tty ? term_cols() : sizeof(line), n;

	if (!w->have_round || st->round != w->round) {
		w->have_round = true;
		w->round = st->round;
		w->round_base = round_base(w, st);
	}
	snprintf(round, sizeof(round), "%" PRIu32, st->round);
	fmt_bar(bar, sizeof(bar), st->round, st->pages - w->round_base,
		st->remaining);
	fmt_mbs(mbs, sizeof(mbs), measured ? st->bandwidth :
		per_second(st->bytes, st->elapsed_ms));
	fmt_count(dirty, sizeof(dirty), measured ? st->dirty_rate :
		  per_second(st->dirty_pages, st->elapsed_ms));
	fmt_count(left, sizeof(left), st->remaining);
	if (measured)
		fmt_dur(exp, sizeof(exp), st->expected_downtime_ms);
	else
		snprintf(exp, sizeof(exp), "-");
	fmt_count(rf, sizeof(rf), st->ring_full);
	fmt_dur(thr, sizeof(thr), st->throttle_ns / 1000000);

	/* Never wrap: a wrapped line cannot be redrawn with \r. */
	n = cols > 1 ? cols - 1 : 1;
	if (w->header) {
		snprintf(line, sizeof(line), LIVE_FMT, "STATE", "ROUND",
			 "PROGRESS", "MB/s", "DIRTY/s", "REMAIN", "EXP-DT",
			 "RING-FULL", "THROTTLE");
		printf("%.*s\n", (int)n, line);
		w->header = false;
	}
	snprintf(line, sizeof(line), LIVE_FMT, vmmig_state_name(s->state),
		 round, bar, mbs, dirty, left, exp, rf, thr);
	if (strlen(line) < n)
		n = strlen(line);
	if (!w->tty) {
		printf("%.*s\n", (int)n, line);
		return;
	}
	/* Overwrite the previous line, blanking what is longer of it. */
	printf("\r%.*s%*s", (int)n, line,
	       w->line_len > n ? (int)(w->line_len - n) : 0, "");
	w->line_len = n;
}

/* The end of a completed live migration; @stale: from an earlier sample. */
static void live_summary(struct watch *w, const struct vmmig_session_info *s,
			 bool stale)
{
	const struct vmmig_stats *st = &s->stats;
	char b[32];

	if (json_out) {
		json_obj_open(&w->j, NULL);
		json_str(&w->j, "event", "summary");
		json_u64(&w->j, "id", s->id);
		json_str(&w->j, "state", vmmig_state_name(VMMIG_STATE_COMPLETED));
		if (stale)
			json_str(&w->j, "source", "last-sample");
		json_u64(&w->j, "elapsed_ms", st->elapsed_ms);
		json_u64(&w->j, "downtime_ms", st->downtime_ms);
		json_u64(&w->j, "setup_ms", st->setup_ms);
		json_u64(&w->j, "rounds", (uint64_t)st->round + 1);
		json_u64(&w->j, "bytes", st->bytes);
		json_u64(&w->j, "pages", st->pages);
		json_u64(&w->j, "zero_pages", st->zero_pages);
		json_obj_close(&w->j);
		return;
	}
	printf("session %" PRIu32 " completed%s\n", s->id, stale ?
	       " (as of the last sample: the session is gone)" : "");
	FIELD("total time", "%s", fmt_ms(b, sizeof(b), st->elapsed_ms));
	if (st->downtime_ms || !stale)
		FIELD("downtime", "%s", fmt_ms(b, sizeof(b), st->downtime_ms));
	else
		FIELD("downtime", "%s", "-");
	FIELD("setup time", "%s", fmt_ms(b, sizeof(b), st->setup_ms));
	FIELD("rounds", "%" PRIu64, (uint64_t)st->round + 1);
	FIELD("bytes", "%s (%" PRIu64 ")", fmt_bytes(b, sizeof(b), st->bytes),
	      st->bytes);
	FIELD("pages", "%" PRIu64, st->pages);
	FIELD("zero pages", "%" PRIu64, st->zero_pages);
}

/* The watched live session completed (event): its final counters. */
static void live_completed(struct watch *w)
{
	struct vmmig_session_info s;

	if (!vmmig_session_get(w->req, w->id, &s))
		live_summary(w, &s, false);
	else if (w->have_last)
		/* Destroyed meanwhile (the VMM is done with it). */
		live_summary(w, &w->last, true);
}

static void text_event(const struct vmmig_event *ev)
{
	if (ev->cmd == VMMIG_CMD_SESSION_STATE_NTF && !ev->old_state)
		printf("session %" PRIu32 " (%s): created", ev->id,
		       vmmig_role_name(ev->role));
	else if (ev->cmd == VMMIG_CMD_SESSION_STATE_NTF)
		printf("session %" PRIu32 " (%s): %s -> %s", ev->id,
		       vmmig_role_name(ev->role), vmmig_state_name(ev->old_state),
		       vmmig_state_name(ev->state));
	else if (ev->cmd == VMMIG_CMD_SESSION_SET_NTF)
		printf("session %" PRIu32 ": parameters changed", ev->id);
	else
		printf("session %" PRIu32 ": destroyed", ev->id);
	if (ev->reason != VMMIG_REASON_NONE)
		printf(", reason %s: %s", vmmig_reason_name(ev->reason),
		       vmmig_reason_text(ev->reason));
	putchar('\n');
}

static void json_event(struct json *j, const struct vmmig_event *ev)
{
	bool state = ev->cmd == VMMIG_CMD_SESSION_STATE_NTF;

	json_obj_open(j, NULL);
	if (ev->cmd == VMMIG_CMD_SESSION_SET_NTF) {
		json_str(j, "event", "set");
		json_u64(j, "id", ev->id);
		json_obj_close(j);
		return;
	}
	json_str(j, "event", state ? "state" : "destroyed");
	json_u64(j, "id", ev->id);
	if (state) {
		json_str(j, "role", vmmig_role_name(ev->role));
		if (ev->old_state)
			json_str(j, "old_state",
				 vmmig_state_name(ev->old_state));
		json_str(j, "state", vmmig_state_name(ev->state));
		json_reason(j, ev->reason, ended_abnormally(ev->state));
	} else {
		json_reason(j, ev->reason, ev->reason != VMMIG_REASON_NONE);
	}
	json_obj_close(j);
}

static void json_progress(struct json *j, const struct vmmig_session_info *s)
{
	const struct vmmig_stats *st = &s->stats;

	json_obj_open(j, NULL);
	json_str(j, "event", "progress");
	json_u64(j, "id", s->id);
	json_str(j, "state", vmmig_state_name(s->state));
	json_u64(j, "elapsed_ms", st->elapsed_ms);
	json_u64(j, "bytes", st->bytes);
	json_u64(j, "pages", st->pages);
	json_u64(j, "rate", rate(st));
	if (is_live(s)) {
		json_str(j, "mode", vmmig_mode_name(s->params.mode));
		json_u64(j, "round", st->round);
		json_u64(j, "remaining", st->remaining);
		json_u64(j, "dirty_rate", st->dirty_rate);
		json_u64(j, "bandwidth", st->bandwidth);
		json_u64(j, "expected_downtime_ms", st->expected_downtime_ms);
		json_u64(j, "dirty_pages", st->dirty_pages);
		json_u64(j, "harvest_ns", st->harvest_ns);
		json_u64(j, "ring_full", st->ring_full);
		json_u64(j, "throttle_ns", st->throttle_ns);
	}
	json_obj_close(j);
}

static void text_progress(const struct vmmig_session_info *s)
{
	char b[32], r[32], e[32];

	printf("session %" PRIu32 ": %-10s bytes %s  pages %" PRIu64
	       "  rate %s  elapsed %s\n", s->id, vmmig_state_name(s->state),
	       fmt_bytes(b, sizeof(b), s->stats.bytes), s->stats.pages,
	       fmt_rate(r, sizeof(r), &s->stats),
	       fmt_ms(e, sizeof(e), s->stats.elapsed_ms));
}

/* Exit status once a session is in @state: GO_ON while it has not ended. */
static int final_status(uint32_t state)
{
	if (!is_final(state))
		return GO_ON;
	return state == VMMIG_STATE_COMPLETED ? RC_OK : RC_FAIL;
}

/* Print the progress of the watched session. */
static int sample(struct watch *w, bool first)
{
	struct vmmig_session_info s;
	int err;

	err = vmmig_session_get(w->req, w->id, &s);
	if (err)
		line_break(w);
	if (err == -ENOENT && !first) {
		fprintf(stderr, "vmmigctl: watch: session %" PRIu32
			" was destroyed\n", w->id);
		return RC_FAIL;
	}
	if (err)
		return fail(w->req, "watch", w->id, err);
	if (first && is_live(&s)) {
		w->live = true;
		w->tty = !json_out && isatty(STDOUT_FILENO);
		w->header = true;
	}
	if (json_out)
		json_progress(&w->j, &s);
	else if (w->live)
		live_line(w, &s);
	else
		text_progress(&s);
	w->last = s;
	w->have_last = true;
	if (w->live && s.state == VMMIG_STATE_COMPLETED) {
		line_break(w);
		live_summary(w, &s, false);
	}
	fflush(stdout);
	return final_status(s.state);
}

static int handle_event(struct watch *w, const struct vmmig_event *ev)
{
	int rc;

	if (w->id && ev->id != w->id)
		return GO_ON;
	line_break(w);
	if (json_out)
		json_event(&w->j, ev);
	else
		text_event(ev);
	w->header = w->live;	/* the live lines go on under a new header */
	fflush(stdout);
	if (!w->id)
		return GO_ON;
	if (ev->cmd == VMMIG_CMD_SESSION_DEL_NTF)
		return RC_FAIL;
	if (ev->cmd != VMMIG_CMD_SESSION_STATE_NTF)
		return GO_ON;
	rc = final_status(ev->state);
	if (rc == RC_OK && w->live) {
		live_completed(w);
		fflush(stdout);
	}
	return rc;
}

static int watch_loop(struct watch *w)
{
	long long next = now_ms() + SAMPLE_MS;
	struct vmmig_event ev;
	int rc;

	while (!stop) {
		if (w->id && now_ms() >= next) {
			rc = sample(w, false);
			if (rc != GO_ON)
				return rc;
			next = now_ms() + SAMPLE_MS;
		}
		rc = vmmig_event_next(w->ev, &ev,
				      w->id ? ms_until(next) : SAMPLE_MS);
		if (rc == -EINTR)
			continue;
		if (rc == -ENOBUFS) {
			line_break(w);
			fprintf(stderr, "vmmigctl: watch: %s\n", vmmig_errmsg(w->ev));
			w->header = w->live;
			next = 0;	/* missed events: look at the session now */
			continue;
		}
		if (rc < 0) {
			line_break(w);
			return fail(w->ev, "watch", 0, rc);
		}
		rc = rc ? handle_event(w, &ev) : GO_ON;
		if (rc != GO_ON)
			return rc;
	}
	return w->id ? RC_FAIL : RC_OK;
}

/* Subscribe first so that no change is missed, then look at the session. */
static int watch_start(struct watch *w)
{
	int rc = open_handle(&w->ev, true, "watch");

	if (rc)
		return rc;
	if (!w->id)
		return GO_ON;
	rc = open_handle(&w->req, false, "watch");
	return rc ? rc : sample(w, true);
}

static int cmd_watch(uint32_t id, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct watch w = { .id = id };
	int rc;

	json_init(&w.j, stdout, false);
	rc = watch_start(&w);
	if (rc == GO_ON) {
		catch_signals();
		rc = watch_loop(&w);
	}
	line_break(&w);
	vmmig_close(w.req);
	vmmig_close(w.ev);
	return rc;
}

struct command {
	const char *name;
	int min_args, max_args;
	int (*fn)(uint32_t id, int argc, char **argv);	/* the args after ID */
};

static const struct command commands[] = {
	{ "list",	0, 0, cmd_list },
	{ "show",	1, 1, cmd_show },
	{ "watch",	0, 1, cmd_watch },
	{ "cancel",	1, 1, cmd_cancel },
	{ "set",	1, INT_MAX, cmd_set },
	{ "host",	0, 0, cmd_host },
	{ "help",	0, 0, cmd_help },
};

static int parse_id(const char *s, uint32_t *id)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || !v || v > UINT32_MAX)
		return -EINVAL;
	*id = v;
	return 0;
}

static int run(const char *name, int argc, char **argv)
{
	const struct command *c = NULL;
	uint32_t id = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(commands) && !c; i++)
		if (!strcmp(name, commands[i].name))
			c = &commands[i];
	if (!c)
		return usage_error("unknown command '%s'", name);
	if (argc < c->min_args)
		return usage_error("%s: missing session ID", name);
	if (argc > c->max_args)
		return usage_error("%s: too many arguments", name);
	if (argc && parse_id(argv[0], &id))
		return usage_error("%s: invalid session ID '%s' (1 to %" PRIu32 ")",
				   name, argv[0], UINT32_MAX);
	return argc ? c->fn(id, argc - 1, argv + 1) : c->fn(id, 0, NULL);
}

/* Output that could not be written is a failure too. */
static int finish(int rc)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "vmmigctl: write error: %s\n", strerror(errno));
		return rc ? rc : RC_FAIL;
	}
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json",	no_argument, NULL, 'j' },
		{ "pretty",	no_argument, NULL, 'p' },
		{ "help",	no_argument, NULL, 'h' },
		{ "version",	no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+jphV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json_out = true;
			break;
		case 'p':
			pretty = true;
			break;
		case 'h':
			usage(stdout);
			return finish(RC_OK);
		case 'V':
			printf("vmmigctl %s (vmmig netlink family version %d)\n",
			       VMMIG_VERSION, VMMIG_GENL_VERSION);
			return finish(RC_OK);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind == argc)
		return usage_error("missing command");
	return finish(run(argv[optind], argc - optind - 1, argv + optind + 1));
}
