/* The live counters' file: one per preloaded process, written by
 * libwaitcap.so, read by `waitcap stats`, `waitcap top` and `waitcap
 * exporter` (docs/stats.md describes every field).
 *
 * The file is a fixed-layout struct mapped MAP_SHARED by the process and
 * read-only by readers; `waitcap rollback/restore` write its control
 * block (struct wc_control) and nothing else.  Every counter is a 64-bit word updated with a
 * relaxed atomic add: a reader may see one counter a moment ahead of
 * another, never a torn value.  The layout only grows at the end; a
 * change of meaning bumps WC_STATS_VERSION, and readers refuse versions
 * they do not know. */
#ifndef WAITCAP_STATS_LAYOUT_H
#define WAITCAP_STATS_LAYOUT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "wc_vocab.h"

#define WC_STATS_MAGIC 0x3153544143544957ull /* "WITCATS1" little-endian */
#define WC_STATS_VERSION 5 /* 2: the resolve op; the control block and the rows' rollback words in use; 3: would_cap (observe mode); 4: the rows' name; 5: trace_wanted, tracer */

/* The ops counted, one row each, in the file's order (the order is the
 * format: docs/stats.md lists it, and changing it bumps WC_STATS_VERSION):
 * the deadline ops first, then the calls that wait on sets of fds, then
 * name lookups.  The names are the ops' (wc_vocab.h). */
enum wc_stats_op {
	WC_SOP_CONNECT,
	WC_SOP_RECV,
	WC_SOP_SEND,
	WC_SOP_POLL,
	WC_SOP_SELECT,
	WC_SOP_EPOLL,
	WC_SOP_RESOLVE,
	WC_SOP_COUNT
};

/* The row of each op; WC_SOP_COUNT: not counted (accept). */
static const uint8_t wc_stats_row_of[WC_OP_COUNT] = {
	[WC_OP_CONNECT] = WC_SOP_CONNECT, [WC_OP_RECV] = WC_SOP_RECV,
	[WC_OP_SEND] = WC_SOP_SEND,       [WC_OP_RESOLVE] = WC_SOP_RESOLVE,
	[WC_OP_POLL] = WC_SOP_POLL,       [WC_OP_SELECT] = WC_SOP_SELECT,
	[WC_OP_EPOLL] = WC_SOP_EPOLL,     [WC_OP_ACCEPT] = WC_SOP_COUNT,
};
/* An op missing above would count in row 0, connect's: a new op in
 * wc_vocab.h must get its row (or WC_SOP_COUNT) here first. */
_Static_assert(WC_OP_COUNT == 8, "wc_stats_row_of: give the new op its stats row");

/* The name of a row: its op's. */
static inline const char *wc_stats_op_name(unsigned row)
{
	for (int op = 0; op < WC_OP_COUNT; op++)
		if (wc_stats_row_of[op] == row)
			return wc_op_name((enum wc_op)op);
	return "?";
}

enum wc_stats_mode {
	WC_MODE_CAPPING = 0,
	WC_MODE_LEGACY = 1,      /* a legacy flag turned every cap off */
	WC_MODE_ROLLED_BACK = 2, /* rollback (issue #15): caps lifted live */
	WC_MODE_OBSERVE = 3,     /* deadlines tracked, nothing cut */
};

static const char *const wc_stats_mode_names[] = {"capping", "legacy", "rolled_back", "observe"};

static inline const char *wc_stats_mode_name(uint32_t mode)
{
	return mode < sizeof(wc_stats_mode_names) / sizeof(wc_stats_mode_names[0])
		       ? wc_stats_mode_names[mode] : "unknown";
}

/* Log-linear histogram of durations in microseconds: 8 linear buckets per
 * power of two (at most 12.5 % wide), exact below 8 us, everything from
 * 2^36 us (19 h) on in the last bucket.  Powers of two are bucket
 * boundaries, so the exporter's Prometheus buckets (le = 2^k us) are exact
 * sums of these. */
#define WC_HIST_SUB_BITS 3
#define WC_HIST_SUB (1 << WC_HIST_SUB_BITS)
#define WC_HIST_MAX_POW 36
#define WC_HIST_BUCKETS ((WC_HIST_MAX_POW - WC_HIST_SUB_BITS + 1) * WC_HIST_SUB)

struct wc_stats_hist {
	uint64_t count;
	uint64_t sum_us;
	uint64_t bucket[WC_HIST_BUCKETS];
};

static inline unsigned wc_hist_index(uint64_t us)
{
	if (us < WC_HIST_SUB)
		return (unsigned)us;
	unsigned p = 63u - (unsigned)__builtin_clzll(us);
	if (p >= WC_HIST_MAX_POW)
		return WC_HIST_BUCKETS - 1;
	return (p - WC_HIST_SUB_BITS + 1) * WC_HIST_SUB
	       + (unsigned)((us >> (p - WC_HIST_SUB_BITS)) & (WC_HIST_SUB - 1));
}

/* [lower, upper) of bucket i, in microseconds. */
static inline uint64_t wc_hist_lower(unsigned i)
{
	if (i < WC_HIST_SUB)
		return i;
	unsigned p = i / WC_HIST_SUB + WC_HIST_SUB_BITS - 1, sub = i % WC_HIST_SUB;
	return (uint64_t)(WC_HIST_SUB + sub) << (p - WC_HIST_SUB_BITS);
}

static inline uint64_t wc_hist_upper(unsigned i)
{
	return i + 1 < WC_HIST_BUCKETS ? wc_hist_lower(i + 1) : UINT64_MAX;
}

/* Per op.  waits: blocking waits the library bounded (and every wait while
 * a trace records waits); connect counts every connect() on a capped
 * socket.  blocked_ns/timed_waits: the time of waits the library timed
 * anyway (ended by a cap or the program's own timeout, or traced); a wait
 * that ends ready is not timed, so the hot path reads no extra clock.
 * capped: for connect/recv/send, that op's deadline fired (whatever call
 * the program was waiting in); for poll/select/epoll, the wait ended
 * because of a cap.  app_timeouts: the program's own timeout ended the
 * wait.  errors: other failures.  would_cap (connect/recv/send, observe
 * mode): that op's deadline passed and was not enforced (version 2). */
struct wc_stats_op_counts {
	uint64_t waits;
	uint64_t blocked_ns;
	uint64_t timed_waits;
	uint64_t capped;
	uint64_t app_timeouts;
	uint64_t errors;
	uint64_t would_cap;
	uint64_t reserved[1];
};

/* One destination: a capped socket's peer and the rule that capped it. */
#define WC_STATS_DESTS 64
enum { WC_DEST_EMPTY = 0, WC_DEST_CLAIMED = 1, WC_DEST_READY = 2 };

struct wc_stats_dest {
	uint32_t state;    /* WC_DEST_*; readers use READY rows only */
	uint8_t family;    /* AF_INET, AF_INET6; 0 in the "other" row */
	uint8_t pad;
	uint16_t port;     /* host order */
	uint8_t addr[16];  /* network order */
	char rule[48];     /* "" when no rule matched (the profile's caps) */
	/* The host name the program resolved the address from (its last
	 * lookup of it; at most 63 bytes), "" when it never did.  Part of the
	 * row's key. */
	char name[64];
	uint64_t connects;          /* connects that ended: ok, failed or timed out */
	uint64_t connect_failures;  /* refused, unreachable... (not timeouts) */
	uint64_t connect_timeouts;  /* the connect deadline fired */
	uint64_t capped;            /* deadlines fired, any op */
	/* Response phases (a request's response deadline) that ended with
	 * data, and that ended because the deadline fired: the automatic
	 * rollback's response timeout rate (docs/stats.md). */
	uint64_t responses;
	uint64_t response_timeouts;
	/* Automatic rollback: caps to this destination are lifted until this
	 * CLOCK_MONOTONIC time (ns); 0 when they apply. */
	int64_t lifted_until_ns;
	uint64_t would_cap;         /* observe mode: deadlines passed, not enforced */
	struct wc_stats_hist connect_time;
};

/* The control word: what `waitcap rollback/restore` write, in a process's
 * stats file (ctl, for that process) and in the host control file (every
 * process, including those started later).  control is written last with
 * release order after reason and seq; the library reads control and pad
 * together, as one relaxed 64-bit load. */
enum wc_control_value {
	WC_CONTROL_NONE = 0,     /* caps as the profile says */
	WC_CONTROL_PROCESS = 1,  /* `waitcap rollback --pid`: this process */
	WC_CONTROL_HOST = 2,     /* `waitcap rollback --all`: cleared by restore --all */
};

struct wc_control {
	uint32_t control;  /* enum wc_control_value */
	uint32_t pad;      /* the library's flags (src/preload/control.h); 0 in the host file */
	uint64_t seq;      /* bumped by each change */
	char reason[48];   /* --reason, "" when none given */
};

/* Where the tracer stands in a process (wc_stats_file.tracer). */
enum wc_tracer_state {
	WC_TRACER_LAZY = 0,     /* not loaded; loads when a session wants it */
	WC_TRACER_LOADING = 1,  /* asked: its loader thread is loading it */
	WC_TRACER_LOADED = 2,   /* libwaitcap-tp.so (and liblttng-ust) loaded */
	WC_TRACER_OFF = 3,      /* WAITCAP_TRACE=0: never loaded */
	WC_TRACER_FAILED = 4,   /* could not be loaded */
};

/* A `waitcap record` session runs: processes that start while one of
 * these exists load the tracer at start.  The host one is root's (a root
 * session daemon records every user's processes); the other lives in the
 * user's own stats directory (wc_stats_dir) and is that user's. */
#define WC_HOST_RECORDING_PATH "/run/waitcap.recording"
#define WC_RECORDING_NAME "recording"

/* The host marker's path.  A test build (-Dtest_hooks=true) lets
 * WAITCAP_TEST_RECORDING_FILE stand in for it (ignored under AT_SECURE),
 * so that a test neither sees a record running on the machine nor, running
 * its own record as root, makes other tests' processes load the tracer. */
static inline const char *wc_host_recording_path(void)
{
#ifdef WC_TEST_HOOKS
	const char *stand_in = secure_getenv("WAITCAP_TEST_RECORDING_FILE");
	if (stand_in && stand_in[0] == '/')
		return stand_in;
#endif
	return WC_HOST_RECORDING_PATH;
}

/* The host control file: root's, mode 0644 (the library maps it read-only
 * in every process, root or not, at start).  Outside /run/waitcap, which
 * is root's private stats directory (0700).  WAITCAP_CONTROL names another
 * file (tests), ignored by the library under AT_SECURE. */
#define WC_HOST_CONTROL_PATH "/run/waitcap.control"

/* The whole file.  Header fields are written once at start (mode and the
 * control block may change later); readers trust a file only once magic is
 * set, which the library stores last with release order. */
struct wc_stats_file {
	uint64_t magic;
	uint32_t version;
	uint32_t size;           /* sizeof(struct wc_stats_file) of the writer */
	int32_t pid;
	uint32_t uid;
	int64_t start_time_ns;   /* CLOCK_REALTIME at library start */
	char procname[64];
	char profile[64];
	char why[160];           /* why that profile: "ENVIRONMENT=staging", "default" */
	char environment[64];    /* $ENVIRONMENT at start, "" if unset */
	uint32_t mode;           /* enum wc_stats_mode */
	uint32_t dest_capacity;  /* WC_STATS_DESTS of the writer */
	/* Loading the tracer late (docs/tracing.md, "When the library loads
	 * the tracer"): `waitcap record` stores 1 in trace_wanted, which the
	 * library notices on its next wait and loads libwaitcap-tp.so; tracer
	 * is the library's own account of it (enum wc_tracer_state). */
	uint32_t trace_wanted;
	uint32_t tracer;
	uint64_t reserved_header[7];

	/* Control block: written by `waitcap rollback/restore` (owner or
	 * root), read by the library with one relaxed load where a cap is
	 * about to be applied.  Its own cache line, away from the counters
	 * the library writes. */
	struct wc_control ctl __attribute__((aligned(64)));

	struct wc_stats_op_counts ops[WC_SOP_COUNT] __attribute__((aligned(64)));
	uint64_t dests_overflow; /* destinations that found the table full (in "other") */
	uint64_t reserved_counters[7];
	struct wc_stats_hist connection_time; /* connect() to established or failure */
	struct wc_stats_hist response_time;   /* request sent to first byte */
	struct wc_stats_dest dest[WC_STATS_DESTS];
	struct wc_stats_dest other;           /* everything past the table */
};

/* The offsets docs/stats.md documents: a change here is a new version. */
_Static_assert(__builtin_offsetof(struct wc_stats_file, mode) == 384
	       && __builtin_offsetof(struct wc_stats_file, ctl) == 512
	       && __builtin_offsetof(struct wc_stats_file, ops) == 576
	       && __builtin_offsetof(struct wc_stats_file, connection_time) == 1088
	       && __builtin_offsetof(struct wc_stats_file, dest) == 5472
	       && sizeof(struct wc_stats_dest) == 2392
	       && sizeof(struct wc_stats_file) == 160960,
	       "stats file layout version 5");

/* The counters' directory for a user: WAITCAP_STATS_DIR (env_dir, NULL to
 * ignore), /run/waitcap for root, $XDG_RUNTIME_DIR/waitcap, else
 * /tmp/waitcap-UID.  Shared by the library and the readers so both look in
 * the same place. */
static inline void wc_stats_dir(char *buf, size_t len, const char *env_dir, unsigned uid,
				const char *xdg)
{
	if (env_dir && env_dir[0])
		snprintf(buf, len, "%s", env_dir);
	else if (uid == 0)
		snprintf(buf, len, "/run/waitcap");
	else if (xdg && xdg[0] == '/')
		snprintf(buf, len, "%s/waitcap", xdg);
	else
		snprintf(buf, len, "/tmp/waitcap-%u", uid);
}

#endif
