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
#include <stdint.h>

#include "binmap.h"
#include "hist.h"
#include "table.h"

enum wc_op { WC_OP_CONNECT, WC_OP_ACCEPT, WC_OP_RECV, WC_OP_SEND, WC_OP_POLL,
	     WC_OP_SELECT, WC_OP_EPOLL, WC_OP_RESOLVE, WC_OP_OTHER, WC_OP_COUNT };
enum wc_outcome { WC_OUT_READY, WC_OUT_APP_TIMEOUT, WC_OUT_CAPPED, WC_OUT_ERROR,
		  WC_OUT_INTERRUPTED, WC_OUT_OTHER };

const char *wc_analyze_op_name(int op);
int wc_analyze_op_parse(const char *name);           /* WC_OP_OTHER if unknown */
int wc_outcome_parse(const char *name);

/* One wait as the analyzer needs it. */
struct wc_obs {
	int op, outcome;
	int64_t dur_ns;
	int64_t timeout_ms;   /* the program's own; -1 none */
	int64_t cap_ms;       /* -1 none */
	bool expired;         /* a waitcap:expired: a connection waited, not
			       * necessarily a thread (event loops) */
};

/* Everything counted for one key. */
struct wc_cell {
	struct wc_hist hist;
	uint64_t count, capped, app_timeouts, errors, unbounded;
	uint64_t expired;     /* deadlines that fired outside a blocking call */
	int64_t cap_ms;       /* the largest cap that ended a wait here, 0 none */
	int64_t total_ns;     /* time threads were blocked (expiries not included) */
	int64_t requested_ns; /* program timeouts of capped finite waits */
	int64_t avoided_ns;   /* requested minus waited, same waits */
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

struct wc_process {
	uint32_t host;            /* index into wc_agg.hosts */
	int64_t pid;
	char procname[32];
	struct wc_procmap map;
	uint64_t waits;
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
	struct wc_cell ops[WC_OP_COUNT];  /* filled by wc_agg_finish */
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
/* A waitcap:expired: a capped wait of waited_ns at the call that armed it. */
void wc_agg_expired(struct wc_agg *agg, struct wc_process *proc, const char *procname,
		    int op, int64_t cap_ms, int64_t waited_ns, uint64_t armed_ip);

/* Move everything src counted into dst (src is left empty but must still
 * be freed).  Both must use the same filters.  Then wc_agg_finish(dst). */
void wc_agg_absorb(struct wc_agg *dst, struct wc_agg *src);

/* Re-key what was kept on raw addresses.  Call once, after reading. */
void wc_agg_finish(struct wc_agg *agg);
void wc_agg_free(struct wc_agg *agg);

/* Is this frame where a call site can be (not libc, not libwaitcap, not
 * --skip)?  Unknown binaries count as code. */
bool wc_agg_frame_is_code(const struct wc_agg *agg, const struct wc_frame *frame);

void wc_cell_add(struct wc_cell *cell, const struct wc_obs *obs);
bool wc_cell_merge(struct wc_cell *into, const struct wc_cell *from);
void wc_cell_free(struct wc_cell *cell);

#endif
