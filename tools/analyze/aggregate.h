/* Aggregation while reading: every waitcap event lands in a few counters
 * and histograms keyed by where it came from, so memory grows with call
 * sites and stacks, never with events.
 *
 * Addresses are mapped to (binary, offset) through the process's binary map
 * as events arrive.  An event whose addresses the map cannot place yet (its
 * statedump comes later in the trace) is kept per process on its raw
 * addresses and re-keyed at wc_agg_finish(); histograms merge exactly, so
 * the result is the same either way. */
#ifndef WC_ANALYZE_AGGREGATE_H
#define WC_ANALYZE_AGGREGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wc_vocab.h"

#include "binmap.h"
#include "hist.h"
#include "table.h"

struct wc_tl_waits {
	struct wc_tl_wait *v;
	size_t count, cap;
	uint64_t dropped;     /* beyond WC_TIMELINE_MAX (timeline.h) */
};

/* Ops and outcomes are wc_vocab.h's; one past the last stands for a name
 * this build does not know (a trace from a newer waitcap). */
#define WC_OP_OTHER WC_OP_COUNT
#define WC_OUT_OTHER WC_OUT_COUNT
#define WC_ANALYZE_OPS (WC_OP_COUNT + 1) /* with "other" */

const char *wc_analyze_op_name(int op);              /* "other" if unknown */
int wc_analyze_op_parse(const char *name);           /* WC_OP_OTHER if unknown */
int wc_analyze_outcome_parse(const char *name);      /* WC_OUT_OTHER if unknown */

/* One wait as the analyzer needs it. */
struct wc_obs {
	int op, outcome;
	int64_t dur_ns;
	int64_t timeout_ms;   /* the program's own; -1 none */
	int64_t cap_ms;       /* -1 none */
	bool expired;         /* a waitcap:expired: a connection waited, not
			       * necessarily a thread (event loops) */
	/* Decoded only for views (--by): */
	const char *peer, *rule;  /* as the event has them, NULL if absent */
	const char *name;         /* wait: the peer's resolved host name (resolve: the name asked) */
	int64_t tid;              /* vtid, -1 unknown */
	int64_t ts_ns;            /* when the wait ended (ns from origin), for the timeline */
};

/* Numbers a cell keeps for the report's columns beyond its counters. */
#define WC_KEPT_SLOTS 4   /* the columns with a keep() (columns.c), at most */

/* Everything counted for one key.  Two populations, never mixed: blocking
 * waits (waitcap:wait: a thread was blocked) are count, hist and total;
 * expired deadlines (waitcap:expired: a connection waited, no thread did)
 * are expired and expired_max_ns.  capped counts the caps that fired, on
 * both. */
struct wc_cell {
	struct wc_hist hist;  /* blocking waits only */
	uint64_t count;       /* blocking waits */
	uint64_t capped, app_timeouts, errors, unbounded;
	uint64_t expired;     /* deadlines that fired outside a blocking call */
	int64_t expired_max_ns; /* the longest a connection waited for one */
	int64_t cap_ms;       /* the largest cap that ended a wait here, 0 none */
	int64_t total_ns;     /* time threads were blocked */
	int64_t requested_ns; /* program timeouts of capped finite waits */
	int64_t avoided_ns;   /* requested minus waited, same waits */
	int64_t kept[WC_KEPT_SLOTS]; /* what columns with a keep() hold (columns.h) */
};

/* A resolved address: binary id (0: unknown, offset then is the raw
 * address) and offset from the binary's load base. */
struct wc_frame {
	uint64_t binary;
	uint64_t offset;
};

struct wc_site {
	int op;
	struct wc_frame where;
	struct wc_cell cell;
	struct wc_frame *stack;   /* one sample stack, the call site first */
	uint32_t depth;
};

/* One waitcap:phase: how long a connect, response or send phase of a
 * socket took and how it ended (phases.c).  Kept one by one (only slow or
 * capped phases are events): a what-if applies its caps after reading. */

struct wc_phase {
	uint32_t host;
	int64_t pid;
	int op;                /* WC_OP_CONNECT, WC_OP_RECV or WC_OP_SEND */
	int outcome;           /* completed, error, app_timeout, capped, closed (WC_OUT_*) */
	bool would_cap;        /* observe mode: its deadline passed */
	bool observed;         /* recorded in observe mode */
	bool resolved;         /* where is set (wc_agg_finish) */
	int64_t dur_ns;
	int64_t cap_ms;        /* armed for it, -1 none */
	uint64_t ip;           /* the call that armed it */
	struct wc_frame where;
	char *peer, *rule;
};

struct wc_phases {
	struct wc_phase *v;
	size_t count, cap;
};

struct wc_agg;
struct wc_process;
/* A waitcap:phase of proc; strings are copied. */
void wc_agg_phase(struct wc_agg *agg, struct wc_process *proc, const struct wc_phase *phase);
/* Move src's phases into dst (hosts renumbered); resolve call sites. */
void wc_phases_absorb(struct wc_agg *dst, struct wc_agg *src);
void wc_phases_resolve(struct wc_agg *agg);
void wc_phases_free(struct wc_phases *phases);

struct wc_process {
	uint32_t host;            /* index into wc_agg.hosts */
	int64_t pid;
	char procname[32];
	struct wc_procmap map;
	uint64_t waits;           /* blocking waits */
	uint64_t expired;         /* expired deadlines */
	int64_t blocked_ns;
	struct wc_table pending;  /* raw key -> struct wc_pending * */
	struct wc_orphan *orphans; /* build ids seen before their mapping */
	size_t norphans;
};

/* A build id or debug link for a base address this reader has no mapping
 * for (yet): with parallel readers, the statedump of one process can be
 * split across streams read by different threads. */
struct wc_orphan {
	uint64_t baddr;
	uint8_t build_id[64];
	size_t build_id_len;
};

struct wc_filters {
	int64_t pid;              /* -1: all */
	const char *procname;     /* NULL: all */
	int op;                   /* -1: all */
	int64_t min_ns;
};

struct wc_agg {
	struct wc_filters filters;
	struct wc_binaries bins;
	struct wc_table processes;     /* (host, pid) -> struct wc_process * */
	struct wc_table sites;         /* (op, frame) -> struct wc_site * */
	struct wc_table stacks;        /* procname + frames -> int64_t * ns */
	int by[2], nby;                /* views (groups.h); nby 0: call sites only */
	bool timeline;                 /* keep every wait for the HTML timeline */
	struct wc_tl_waits tl;         /* timeline.h */
	struct wc_phases phases;       /* waitcap:phase events (phases.c) */
	struct wc_table groups;        /* level keys, '\0'-separated -> struct wc_cell * */
	struct wc_cell ops[WC_ANALYZE_OPS];  /* filled by wc_agg_finish */
	struct wc_cell all;               /* filled by wc_agg_finish */
	char **hosts;
	uint32_t nhosts;
	uint64_t lost_events;
	uint64_t lost_packets;          /* whole packets lost: counts unknown */
	uint64_t events_read;          /* every event message, for progress */
	bool out_of_memory;
	bool defer_all;                /* keep every event on raw addresses: this
					* reader sees only part of the binary map */
};

void wc_agg_init(struct wc_agg *agg, const struct wc_filters *filters,
		 const char *const *skip);
uint32_t wc_agg_host(struct wc_agg *agg, const char *hostname);
struct wc_process *wc_agg_process(struct wc_agg *agg, uint32_t host, int64_t pid,
				  const char *procname);

/* The binary map, from statedump and lttng_ust_lib events. */
void wc_agg_bin_info(struct wc_agg *agg, struct wc_process *proc, uint64_t baddr,
		     uint64_t memsz, const char *path, bool is_pic);
void wc_agg_build_id(struct wc_agg *agg, struct wc_process *proc, uint64_t baddr,
		     const uint8_t *id, size_t len);
void wc_agg_debug_link(struct wc_agg *agg, struct wc_process *proc, uint64_t baddr,
		       const char *filename);
void wc_agg_unload(struct wc_agg *agg, struct wc_process *proc, uint64_t baddr);

/* A waitcap:wait (frames innermost first; ip used when there are none). */
void wc_agg_wait(struct wc_agg *agg, struct wc_process *proc, const char *procname,
		 const struct wc_obs *obs, const uint64_t *frames, uint32_t nframes,
		 uint64_t ip);
/* A waitcap:expired at the call that armed it: obs has op, cap_ms,
 * dur_ns = waited_ns and what views need; the rest is set here. */
void wc_agg_expired(struct wc_agg *agg, struct wc_process *proc, const char *procname,
		    struct wc_obs *obs, uint64_t armed_ip);

/* Move everything src counted into dst (src is left empty but must still
 * be freed; it may go on reading and be absorbed again: its binary maps
 * stay).  Both must use the same filters.  Then wc_agg_finish(dst), which
 * may be called again after further absorbs. */
void wc_agg_absorb(struct wc_agg *dst, struct wc_agg *src);

/* Re-key what was kept on raw addresses.  Call once, after reading. */
void wc_agg_finish(struct wc_agg *agg);
void wc_agg_free(struct wc_agg *agg);

/* Is this frame where a call site can be (not libc, not libwaitcap, not
 * --skip)?  Unknown binaries count as code. */
bool wc_agg_frame_is_code(const struct wc_agg *agg, const struct wc_frame *frame);

/* Which of resolved frames f[0..n) is the call site. */
uint32_t wc_agg_callsite_index(const struct wc_agg *agg, const struct wc_frame *f, uint32_t n);

void wc_cell_add(struct wc_cell *cell, const struct wc_obs *obs);
bool wc_cell_merge(struct wc_cell *into, const struct wc_cell *from);
void wc_cell_free(struct wc_cell *cell);

#endif
