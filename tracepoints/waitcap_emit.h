/* The emit API of libwaitcap-tp.so: how a program records waitcap events
 * without including any LTTng header.
 *
 * libwaitcap.so dlopen()s libwaitcap-tp.so and looks up waitcap_tp_get_api()
 * (one symbol, one table); a plain program (the trace generator in bench/)
 * may instead link libwaitcap-tp.so and call the functions directly.
 *
 * All strings may be NULL (recorded as "").  Ops and outcomes are the enums
 * of wc_vocab.h, recorded as enumeration fields (value and label).  The
 * emit functions never block and never allocate; they do nothing unless a
 * session enabled the event.
 */
#ifndef WAITCAP_EMIT_H
#define WAITCAP_EMIT_H

#include <signal.h>
#include <stdint.h>

#include "wc_vocab.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most frames recorded per waitcap:wait event. */
#define WAITCAP_TP_MAX_FRAMES 32

struct waitcap_tp_wait {
	enum wc_op op;       /* any op */
	const char *func;    /* the libc name the program called: "recv",
			      * "__poll_chk", ... */
	int32_t fd;          /* the socket; for poll/select/epoll the capped
			      * socket that bounded the wait, else the first
			      * network socket in the set */
	const char *peer;    /* "127.0.0.1:8000", "[::1]:443" or "" */
	const char *rule;    /* matched rule name or "" */
	int64_t timeout_ms;  /* the program's own timeout, -1 for none */
	int64_t cap_ms;      /* the cap that bounded the wait, -1 for none */
	int64_t dur_ns;      /* time blocked */
	enum wc_outcome outcome; /* ready, app_timeout, capped, error, interrupted */
	int64_t ret;         /* return value the program saw */
	int32_t err;         /* errno the program saw, 0 when none */
	const char *name;    /* resolve: the host name (or address) asked; a
			      * socket op: the name the peer was resolved from;
			      * else NULL or "" */
};

struct waitcap_tp_expired {
	enum wc_op op;       /* connect, recv or send: which deadline fired */
	int32_t fd;
	const char *peer;
	const char *rule;
	int64_t cap_ms;
	int64_t waited_ns;   /* since the deadline was armed */
	void *armed_ip;      /* the connect or send that armed it */
	int32_t observed;    /* observe mode: it would have fired, nothing was cut */
};

struct waitcap_tp_phase {
	enum wc_op op;       /* connect, recv (the response) or send */
	int32_t fd;
	const char *peer;
	const char *rule;
	int64_t cap_ms;      /* the cap armed for it, -1 none (legacy) */
	int64_t dur_ns;      /* from the call that armed it to its end */
	enum wc_outcome outcome; /* completed, error, app_timeout, capped, closed */
	int32_t would_cap;   /* observe mode: its deadline passed, not enforced */
	const char *mode;    /* capping, observe, legacy */
	void *armed_ip;      /* the connect or send that started it */
};

struct waitcap_tp_config {
	const char *profile;
	const char *reason;      /* why this profile: "ENVIRONMENT=staging", ... */
	const char *file;        /* profile file, or "(embedded)" */
	const char *legacy_flag; /* the legacy flag that is on, or "" */
	const char *error;       /* why the file was refused, or "" */
	int32_t legacy;          /* 1: every cap is off */
	int64_t connect_cap_ms;  /* -1: none */
	int64_t recv_cap_ms;
	int64_t send_cap_ms;
	int32_t nrules;
	const char *control;     /* the last rollback/restore, or "" */
};

/* Record waitcap:wait.  frames: return addresses, innermost first (at most
 * WAITCAP_TP_MAX_FRAMES are kept).  ip: the program's call, recorded as the
 * `ip` context. */
void waitcap_tp_emit_wait(const struct waitcap_tp_wait *w, const uint64_t *frames,
			  uint32_t nframes, void *ip);

/* Record waitcap:expired; the `ip` context is e->armed_ip. */
void waitcap_tp_emit_expired(const struct waitcap_tp_expired *e);

/* Record waitcap:phase; the `ip` context is p->armed_ip. */
void waitcap_tp_emit_phase(const struct waitcap_tp_phase *p);

/* Record waitcap:config; ip: the caller's address, or NULL. */
void waitcap_tp_emit_config(const struct waitcap_tp_config *c, void *ip);

/* Which of the events in `which` (WAITCAP_TP_* bits) at least one session
 * has enabled now (LTTng-UST's lttng_ust_tracepoint_enabled() for each one
 * asked): the whole cost of asking "is anyone listening?" is this call. */
#define WAITCAP_TP_WAIT 1u
#define WAITCAP_TP_EXPIRED 2u
#define WAITCAP_TP_CONFIG 4u
#define WAITCAP_TP_PHASE 8u
uint32_t waitcap_tp_enabled(uint32_t which);

/* Everything above in one table, for dlsym() users. */
#define WAITCAP_TP_API_VERSION 5 /* 2: the fork hooks; 3: waitcap_tp_wait.name; 4: phases;
				  * 5: op and outcome are enums (wc_vocab.h), and enabled()
				  *    instead of LTTng's internal state words */

struct waitcap_tp_api {
	uint32_t version;            /* WAITCAP_TP_API_VERSION */
	uint32_t (*enabled)(uint32_t which); /* waitcap_tp_enabled */
	void (*emit_wait)(const struct waitcap_tp_wait *, const uint64_t *, uint32_t, void *);
	void (*emit_expired)(const struct waitcap_tp_expired *);
	void (*emit_config)(const struct waitcap_tp_config *, void *);
	/* liblttng-ust's own fork hooks (what liblttng-ust-fork calls around
	 * fork()): before, then one of the two afters with the same set.
	 * Without them a forked child never registers with the session
	 * daemon.  Calling before twice deadlocks: one caller per fork. */
	void (*before_fork)(sigset_t *saved);
	void (*after_fork_parent)(sigset_t *saved);
	void (*after_fork_child)(sigset_t *saved);
	void (*emit_phase)(const struct waitcap_tp_phase *);
};

#define WAITCAP_TP_GET_API "waitcap_tp_get_api"
typedef const struct waitcap_tp_api *(*waitcap_tp_get_api_fn)(void);
const struct waitcap_tp_api *waitcap_tp_get_api(void);

#ifdef __cplusplus
}
#endif

#endif
