/* The whole profile file as a model: every profile, every rule's value in
 * every profile, the hierarchy.  wc_policy_load reduces it to the active
 * profile (policy.h); `waitcap check` and `waitcap explain` print it.
 *
 * Not part of the preload contract: only src/profile and the tools use it. */
#ifndef WAITCAP_CONFIG_H
#define WAITCAP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define WC_NAME_MAX 64
#define WC_MAX_PROFILES 32
#define WC_MAX_ENVIRONMENTS 64
#define WC_MAX_LEGACY_FLAGS 16
#define WC_MAX_PAIRS 64
#define WC_JLOC_DEPTH 8
#define WC_MAX_FILE_SIZE (1024 * 1024)
#define WC_EMBEDDED_NAME "(embedded)"
#define WC_SYSTEM_FILE "/etc/waitcap/profiles.json"

/* Where something is in the file: the child index at each level (object
 * members and array elements alike, in text order); key=true points at the
 * member's key rather than its value.  Turned into LINE:COL only on error. */
struct wc_jloc {
	int depth;
	int idx[WC_JLOC_DEPTH];
	bool key;
};

struct wc_config_profile {
	char name[WC_NAME_MAX];
	int parent;                  /* index of the inherited profile, -1 none */
	int32_t own[WC_CAP_OPS];    /* written in this profile, or WC_NO_CAP */
	int32_t caps[WC_CAP_OPS];   /* after inheritance */
	struct wc_rollback own_rollback; /* written in this profile (on=false: not) */
	struct wc_rollback rollback;     /* after inheritance, else the file's */
	int mode;                    /* own "mode": WC_PMODE_*, inherited when unset */
};

/* A profile's "mode": unset (inherit; capping at the root), "capping",
 * "observe". */
enum { WC_PMODE_UNSET = 0, WC_PMODE_CAPPING, WC_PMODE_OBSERVE };

/* The profile's mode after inheritance: true when it observes. */
struct wc_config;
bool wc_config_profile_observes(const struct wc_config *config, int profile);

struct wc_config_rule {
	char name[WC_NAME_MAX];
	struct wc_match match;
	bool has_op[WC_CAP_OPS];    /* the rule says something about this op */
	int32_t all[WC_CAP_OPS];    /* one value for every profile, or WC_NO_CAP */
	int32_t per[WC_MAX_PROFILES][WC_CAP_OPS];  /* per profile, WC_NO_CAP */
	/* The value in each profile: per-profile (inherited along "inherits"),
	 * else the one value, else WC_NO_CAP (the profile's cap applies);
	 * environment overrides applied by wc_config_apply_env. */
	int32_t caps[WC_MAX_PROFILES][WC_CAP_OPS];
	char env[WC_CAP_OPS][WC_NAME_MAX];   /* override variable, "" none */
	struct wc_jloc env_loc[WC_CAP_OPS];
	int64_t env_unit_ns;         /* bare numbers in env values; 0: unit required */
	bool env_applied[WC_CAP_OPS];
	char env_value[WC_CAP_OPS][32];      /* the variable's value, when applied */
	struct wc_rollback rollback; /* its own trigger (on=false: the profile's) */
};

/* One side of a hierarchy pair: "rule.op", or "op" for the profile's cap. */
struct wc_config_ref {
	int rule;                    /* -1: the profile's op cap */
	enum wc_op op;
};

struct wc_config_pair {
	struct wc_config_ref outer, inner;
	char outer_text[2 * WC_NAME_MAX], inner_text[2 * WC_NAME_MAX];
	struct wc_jloc loc;
};

struct wc_config {
	char file[4096];             /* path, or WC_EMBEDDED_NAME */
	char *text;                  /* the file's bytes, NUL-terminated (owned) */
	size_t len;
	int default_profile;
	int nenvironments;
	struct {
		char name[WC_NAME_MAX];
		int profile;
	} environments[WC_MAX_ENVIRONMENTS];
	int nlegacy;
	char legacy_flags[WC_MAX_LEGACY_FLAGS][WC_NAME_MAX];
	int nprofiles;
	struct wc_config_profile profiles[WC_MAX_PROFILES];
	int nrules;
	struct wc_config_rule rules[WC_MAX_RULES];
	int npairs;
	struct wc_config_pair pairs[WC_MAX_PAIRS];
	struct wc_rollback rollback; /* the top-level "rollback" (on=false: none) */
};

/* Parse and validate TEXT (len bytes, no NUL needed) named NAME in error
 * messages.  NULL on error, with one line "NAME:LINE:COL: what" in err. */
struct wc_config *wc_config_parse(const char *name, const char *text, size_t len,
				  char *err, size_t errsz);

/* Open PATH the way the library does: refuse a world-writable file, a file
 * owned by someone other than root or us, anything but a regular file; then
 * parse it.  NULL on error, err set. */
struct wc_config *wc_config_load_file(const char *path, char *err, size_t errsz);

/* The embedded copy of profiles/default.json. */
struct wc_config *wc_config_load_embedded(char *err, size_t errsz);

/* The machine's profile file: WC_SYSTEM_FILE.  A build made for the tests
 * (-Dtest_hooks=true) lets WAITCAP_TEST_SYSTEM_FILE stand in for it
 * (unless secure). */
const char *wc_system_file(wc_getenv_fn getenv_fn, bool secure);

/* Which file the library would read: WAITCAP_CONFIG (unless secure), else
 * the system file if it exists, else NULL (the embedded default). */
const char *wc_config_pick_path(wc_getenv_fn getenv_fn, bool secure);

/* pick + load. */
struct wc_config *wc_config_load_default(wc_getenv_fn getenv_fn, bool secure,
					 char *err, size_t errsz);

void wc_config_free(struct wc_config *config);

/* Apply the rules' "env" overrides from the environment.  -1 and err set
 * when a variable's value is not a duration. */
int wc_config_apply_env(struct wc_config *config, wc_getenv_fn getenv_fn,
			char *err, size_t errsz);

/* The value of a hierarchy side in one profile: the rule's, else the
 * profile's cap.  WC_NO_CAP means unbounded. */
int32_t wc_config_ref_ms(const struct wc_config *config, const struct wc_config_ref *ref,
			 int profile);

/* Does the pair hold in this profile (outer strictly greater; unbounded is
 * greater than any cap, and not greater than itself)? */
bool wc_config_pair_holds(const struct wc_config *config, int pair, int profile);

/* The first violated pair as an error line; 0 when all hold. */
int wc_config_check_hierarchy(const struct wc_config *config, char *err, size_t errsz);

int wc_config_find_profile(const struct wc_config *config, const char *name);

/* Which profile the environment selects, and whether a legacy flag is on. */
struct wc_selection {
	int profile;
	enum wc_reason reason;
	char reason_text[160];
	bool legacy;
	char legacy_flag[WC_NAME_MAX];
};

/* WAITCAP_PROFILE, LOCAL_DEVELOPMENT=true, ENVIRONMENT (through
 * "environments"), then "default".  -1 and err set when WAITCAP_PROFILE or
 * LOCAL_DEVELOPMENT name a profile the file does not have. */
int wc_config_select(const struct wc_config *config, wc_getenv_fn getenv_fn,
		     struct wc_selection *sel, char *err, size_t errsz);

/* OP=DURATION[,OP=DURATION]... ("connect=300ms,recv=2s"; "none" removes a
 * cap) over ms[0..nops), the first nops ops of wc_vocab.h, in whole
 * milliseconds rounded up: the one grammar of WAITCAP_CAPS and `analyze
 * --what-if`.  what names the source in errors
 * ("WAITCAP_CAPS=", "--what-if ").  Returns how many items it read; on a bad
 * value -1, err set, ms untouched. */
int wc_parse_op_caps(const char *what, const char *text, int nops, int64_t *ms, char *err,
		     size_t errsz);

/* WAITCAP_CAPS over caps (wc_parse_op_caps).  -1 and err set on a bad value. */
int wc_parse_caps_override(const char *text, struct wc_caps *caps, char *err, size_t errsz);

/* Everything wc_policy_load does after loading: environment overrides,
 * hierarchy, selection, legacy flags, WAITCAP_CAPS, the active rules. */
int wc_policy_from_config(struct wc_policy *policy, struct wc_config *config,
			  wc_getenv_fn getenv_fn);

/* "timeout rate > 5.00% over 60s (at least 20 waits): caps lifted for 10m",
 * or "none" (config_rollback.c). */
void wc_rollback_text(const struct wc_rollback *rb, char *buf, size_t size);

/* "FILE:LINE:COL" of a location, into buf. */
void wc_config_where(const struct wc_config *config, const struct wc_jloc *loc,
		     char *buf, size_t size);

#endif
