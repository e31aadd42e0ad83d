/* The resolved policy: what libwaitcap.so needs to know to cap a connection.
 *
 * This header is the contract between src/profile (which owns JSON,
 * environment selection, rules and hierarchy) and src/preload (which owns
 * sockets).  The preload library never parses JSON; the profile code never
 * touches a socket.  Everything here is plain data, resolved at start and
 * again whenever reload.c applies a changed profile file; a published
 * policy is never changed.
 */
#ifndef WAITCAP_POLICY_H
#define WAITCAP_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "duration.h"

#define WC_NO_CAP (-1) /* no cap for that op */

/* The ops a profile caps are the first WC_CAP_OPS of wc_vocab.h: the socket
 * ops (WC_SOCKET_OPS), then resolve, a cap of the whole process. */
#include "wc_vocab.h" /* enum wc_op, WC_SOCKET_OPS, WC_CAP_OPS */

/* Caps per op, in milliseconds; WC_NO_CAP where none applies. */
struct wc_caps {
	int32_t ms[WC_CAP_OPS];
};

/* A host name, as long as DNS allows (253) plus NUL, rounded up. */
#define WC_HOSTNAME_MAX 256

/* A destination match, compiled from a rule's "match" object: by address
 * ("host") or by the name the program resolved ("name"), never both. */
struct wc_match {
	char name[WC_HOSTNAME_MAX]; /* lower case; "*.x" a suffix; "" not by name */
	int family;          /* AF_INET, AF_INET6, or 0: any host */
	uint8_t addr[16];    /* network byte order, family's length */
	int prefix;          /* CIDR prefix length in bits */
	int port_lo, port_hi; /* inclusive; 0..65535 when any port */
};

/* Automatic rollback (the profile's "rollback" object): when a
 * destination's capped timeouts exceed rate_ppm (parts per million) of its
 * waits over window_ns, with at least min_waits waits, its caps lift for
 * cooldown_ns.  on=false: no automatic rollback. */
struct wc_rollback {
	bool on;
	uint32_t rate_ppm;
	int64_t window_ns;
	uint32_t min_waits;
	int64_t cooldown_ns;
};

/* A rule as it applies in the active profile (values already resolved for
 * that profile, environment overrides applied). */
struct wc_rule {
	char name[64];
	struct wc_match match;
	struct wc_caps caps; /* WC_NO_CAP: the profile's cap applies for that op */
	struct wc_rollback rollback; /* on=false: the profile's applies */
};

enum wc_reason {
	WC_REASON_WAITCAP_PROFILE,   /* WAITCAP_PROFILE=NAME */
	WC_REASON_LOCAL_DEVELOPMENT, /* LOCAL_DEVELOPMENT=true */
	WC_REASON_ENVIRONMENT,       /* ENVIRONMENT=VALUE mapped by "environments" */
	WC_REASON_DEFAULT,           /* the file's "default" */
};

#define WC_MAX_RULES 64


struct wc_policy {
	char file[4096];        /* path of the profile file, or "(embedded)" */
	char profile[64];       /* active profile name */
	enum wc_reason reason;
	char reason_text[160];  /* e.g. "ENVIRONMENT=staging", "default" */
	bool legacy;            /* a legacy flag is on: no cap at all */
	char legacy_flag[64];   /* which one, e.g. "FORCE_LEGACY_TIMEOUTS" */
	/* Observe mode (WAITCAP_MODE=observe, or the profile's "mode"):
	 * deadlines are armed and tracked as when capping, but a deadline that
	 * passes is only counted and traced (would_cap), nothing is cut. */
	bool observe;
	char observe_why[64];   /* "WAITCAP_MODE=observe" or "profile" */
	bool caps_overridden;   /* WAITCAP_CAPS changed the profile's op caps */
	struct wc_caps caps;    /* the profile's op caps (after WAITCAP_CAPS) */
	int nrules;
	struct wc_rule rules[WC_MAX_RULES];
	struct wc_rollback rollback; /* the active profile's, else the file's */
	char error[512];        /* non-empty: the file failed; no caps, tracing on */
};

/* How the policy reads its environment: getenv() in the tools and in the
 * library (init.c, also for reload.c's later loads), a table in tests. */
typedef const char *(*wc_getenv_fn)(const char *name);

/* Resolve the active policy.  Never fails: on any error the policy has no
 * caps, policy->error says why (one line: "FILE:LINE:COL: what"), and the
 * return value is -1.  Returns 0 on success.  With secure=true
 * (AT_SECURE), environment-supplied paths (WAITCAP_CONFIG) are ignored. */
int wc_policy_load(struct wc_policy *policy, wc_getenv_fn getenv_fn, bool secure);

/* The caps for one destination: the profile's, narrowed by the first rule
 * that matches.  *rule is the index of that rule in policy->rules, or -1.
 * With policy->legacy every cap is WC_NO_CAP.
 *
 * For each op the matching rule has a value for, that value replaces the
 * profile's cap; other ops keep the profile's.  With legacy on, *rule still
 * names the matching rule (traces show it) while every cap is WC_NO_CAP.
 * Only AF_INET/AF_INET6 addresses match rules (IPv4-mapped IPv6 addresses
 * match IPv4 rules).  No allocation, no locks, no environment: call it once
 * per connection, at connect time. */
void wc_policy_caps_for(const struct wc_policy *policy, const struct sockaddr *addr,
			socklen_t addrlen, struct wc_caps *out, int *rule);

/* The same for a destination the program reached by name: name is the host
 * name it resolved to addr (NULL: none known, then rules by name never
 * match).  Rules by name and by address are tried in file order; the first
 * that matches wins. */
void wc_policy_caps_for_dest(const struct wc_policy *policy, const struct sockaddr *addr,
			     socklen_t addrlen, const char *name, struct wc_caps *out, int *rule);

/* The automatic rollback trigger for connections that matched rule (-1:
 * none): the rule's own, else the profile's. */
static inline const struct wc_rollback *wc_policy_rollback_for(const struct wc_policy *policy,
							      int rule)
{
	if (rule >= 0 && rule < policy->nrules && policy->rules[rule].rollback.on)
		return &policy->rules[rule].rollback;
	return &policy->rollback;
}

/* wc_parse_duration_ns, the one duration grammar, is in duration.h. */

/* The resolver knobs a resolve cap becomes (resolver_options.c): the
 * timeout for one name server in whole seconds (at least 1) and the rounds
 * over the servers, timeout × attempts within the cap. */
void wc_resolver_knobs(int32_t cap_ms, int *timeout_s, int *attempts);

/* Does RES_OPTIONS (env) or resolv.conf (conf) give option NAME ("use-vc")? */
bool wc_resolver_has_option(const char *env, const char *conf, const char *name);

/* The RES_OPTIONS value that applies cap_ms: env (the current RES_OPTIONS,
 * or NULL) followed by " timeout:T attempts:A", leaving out each option
 * env or conf (the text of /etc/resolv.conf, or NULL) already gives.
 * Returns which options were added (WC_RESOLVER_SET_*; 0: nothing to set). */
#define WC_RESOLVER_SET_TIMEOUT 1
#define WC_RESOLVER_SET_ATTEMPTS 2
int wc_resolver_env(int32_t cap_ms, const char *env, const char *conf, char *out, size_t size);

#endif
