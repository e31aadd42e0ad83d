/* The validating walk over cJSON's tree, shared by the parser's files
 * (config_parse.c: top level, profiles, environments; config_rules.c: rules
 * and hierarchy; parse_util.c: positions, errors, small validators). */
#ifndef WAITCAP_PARSE_H
#define WAITCAP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config.h"

struct parser {
	struct wc_config *cfg;
	struct wc_jloc at;  /* where the walk is: index at each level */
	char *err;
	size_t errsz;
};


/* Step into child number index (its key when key=true), and back out. */
void wcp_enter(struct parser *p, int index, bool key);
void wcp_leave(struct parser *p);

/* Set the error "FILE:LINE:COL: what" at the current location; returns -1. */
int wcp_fail_at(struct parser *p, bool key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define fail(p, ...) wcp_fail_at(p, false, __VA_ARGS__)
#define fail_key(p, ...) wcp_fail_at(p, true, __VA_ARGS__)

/* -1 with "expected WHAT, found a TYPE" unless ok. */
int wcp_want(struct parser *p, const cJSON *v, cJSON_bool ok, const char *what);
/* A name: non-empty, printable, shorter than WC_NAME_MAX. */
int wcp_want_name(struct parser *p, const char *s, bool key, const char *what);
/* A cap: a duration string with a unit, positive, at most INT32_MAX ms. */
int wcp_want_cap(struct parser *p, const cJSON *v, int32_t *out_ms);
/* A known profile's name, into *out. */
int wcp_want_profile(struct parser *p, const cJSON *v, const char *what, int *out);
/* An op a profile caps (connect, recv, send, resolve) → enum wc_op, else -1. */
int wcp_op_of(const char *name);

/* An object whose keys are all among keys[], none twice: found[i] gets the
 * member named keys[i] (or NULL), index[i] its position. */
int wcp_members(struct parser *p, const cJSON *obj, const char *what, const char *const *keys,
	    int nkeys, const cJSON **found, int *index);
/* -1 when m's key appeared earlier in obj (free-form keys). */
int wcp_duplicate_key(struct parser *p, const cJSON *obj, const cJSON *m);

/* config_rollback.c: a "rollback" object. */
int wcp_parse_rollback(struct parser *p, const cJSON *obj, struct wc_rollback *out);

/* config_rules.c */
int wcp_parse_rules(struct parser *p, const cJSON *rules);
int wcp_parse_hierarchy(struct parser *p, const cJSON *pairs);

#endif
