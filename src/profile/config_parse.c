/* Profile file → struct wc_config: cJSON parses, this file validates.
 *
 * The walk keeps the index of every member and element it is in (p->at),
 * so that any complaint can be turned into FILE:LINE:COL by locate.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "duration.h"
#include "locate.h"
#include "match.h"

struct parser {
	struct wc_config *cfg;
	struct wc_jloc at;
	char *err;
	size_t errsz;
};

static const char *const op_names[WC_OP_COUNT] = {"connect", "recv", "send"};

/* ---- positions and errors ------------------------------------------- */

static void enter(struct parser *p, int index, bool key)
{
	if (p->at.depth < WC_JLOC_DEPTH)
		p->at.idx[p->at.depth] = index;
	p->at.depth++;
	p->at.key = key;
}

static void leave(struct parser *p)
{
	p->at.depth--;
	p->at.key = false;
}

/* Report at the current location; key=true points at the member's key. */
static int fail_at(struct parser *p, bool key, const char *fmt, ...)
{
	char where[4200], what[400];
	struct wc_jloc loc = p->at;
	loc.key = key;
	if (loc.depth > WC_JLOC_DEPTH)
		loc.depth = WC_JLOC_DEPTH;
	wc_locate(p->cfg->file, p->cfg->text, p->cfg->len, &loc, where, sizeof where);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errsz, "%s: %s", where, what);
	return -1;
}

#define fail(p, ...) fail_at(p, false, __VA_ARGS__)
#define fail_key(p, ...) fail_at(p, true, __VA_ARGS__)

/* ---- small validators ------------------------------------------------- */

static const char *type_name(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsObject(v))
		return "an object";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsBool(v))
		return "a boolean";
	return "null";
}

static int want(struct parser *p, const cJSON *v, cJSON_bool ok, const char *what)
{
	if (!ok)
		return fail(p, "expected %s, found %s", what, type_name(v));
	return 0;
}

/* A name: non-empty, printable, shorter than WC_NAME_MAX. */
static int want_name(struct parser *p, const char *s, bool key, const char *what)
{
	size_t n = strlen(s);
	if (n == 0)
		return fail_at(p, key, "empty %s", what);
	if (n >= WC_NAME_MAX)
		return fail_at(p, key, "%s longer than %d characters", what, WC_NAME_MAX - 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '"' || s[i] == 0x7f)
			return fail_at(p, key, "%s \"%s\" contains a space or control character",
				       what, s);
	return 0;
}

static int op_of(const char *name)
{
	for (int op = 0; op < WC_OP_COUNT; op++)
		if (strcmp(name, op_names[op]) == 0)
			return op;
	return -1;
}

/* A cap: a string with a unit, positive, at most INT32_MAX ms. */
static int want_cap(struct parser *p, const cJSON *v, int32_t *out_ms)
{
	int64_t ns;
	if (cJSON_IsNumber(v))
		return fail(p, "bad duration %g: a bare number needs a unit, e.g. \"%gs\"",
			    v->valuedouble, v->valuedouble);
	if (want(p, v, cJSON_IsString(v), "a duration such as \"5s\"") != 0)
		return -1;
	if (wc_parse_duration_ns(v->valuestring, &ns) != 0) {
		size_t digits = strspn(v->valuestring, "0123456789.");
		if (digits > 0 && v->valuestring[digits] == 0)
			return fail(p, "bad duration \"%s\": a bare number needs a unit, e.g. \"%ss\"",
				    v->valuestring, v->valuestring);
		return fail(p, "bad duration \"%s\" (expected a number with a unit: "
			    "ns, us, ms, s, m, h)", v->valuestring);
	}
	if (wc_ns_to_cap_ms(ns, out_ms) != 0)
		return fail(p, "bad duration \"%s\": a cap must be more than 0 and at most %dms",
			    v->valuestring, INT32_MAX);
	return 0;
}

/* Members of an object: every key known, none twice.  found[i] gets the
 * member named keys[i] (or NULL) and index[i] its position. */
static int members(struct parser *p, const cJSON *obj, const char *what,
		   const char *const *keys, int nkeys, const cJSON **found, int *index)
{
	if (want(p, obj, cJSON_IsObject(obj), what) != 0)
		return -1;
	for (int k = 0; k < nkeys; k++)
		found[k] = NULL;
	int i = 0;
	for (const cJSON *m = obj->child; m; m = m->next, i++) {
		int k = 0;
		while (k < nkeys && strcmp(m->string, keys[k]) != 0)
			k++;
		enter(p, i, true);
		if (k == nkeys) {
			char known[200] = "";
			for (int j = 0; j < nkeys; j++)
				snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
					 j ? ", " : "", keys[j]);
			return fail_key(p, "unknown key \"%s\" in %s (known: %s)", m->string,
					what + (strncmp(what, "an ", 3) == 0 ? 3 : 2), known);
		}
		if (found[k])
			return fail_key(p, "duplicate key \"%s\"", m->string);
		leave(p);
		found[k] = m;
		index[k] = i;
	}
	return 0;
}

/* Free-form keys (profile names, environment names): none twice. */
static int duplicate_key(struct parser *p, const cJSON *obj, const cJSON *m)
{
	for (const cJSON *o = obj->child; o != m; o = o->next)
		if (strcmp(o->string, m->string) == 0)
			return fail_key(p, "duplicate key \"%s\"", m->string);
	return 0;
}

static int want_profile(struct parser *p, const cJSON *v, const char *what, int *out)
{
	if (want(p, v, cJSON_IsString(v), "a profile name") != 0)
		return -1;
	int idx = wc_config_find_profile(p->cfg, v->valuestring);
	if (idx < 0)
		return fail(p, "unknown profile \"%s\" in %s", v->valuestring, what);
	*out = idx;
	return 0;
}

/* ---- profiles ---------------------------------------------------------- */

static int parse_profile_caps(struct parser *p, const cJSON *caps, int32_t *own)
{
	const cJSON *found[WC_OP_COUNT];
	int index[WC_OP_COUNT];
	if (members(p, caps, "a caps object", op_names, WC_OP_COUNT, found, index) != 0)
		return -1;
	for (int op = 0; op < WC_OP_COUNT; op++) {
		if (!found[op])
			continue;
		enter(p, index[op], false);
		if (want_cap(p, found[op], &own[op]) != 0)
			return -1;
		leave(p);
	}
	return 0;
}

static const char *const profile_keys[] = {"caps", "inherits", "description"};

/* First pass: names and caps; "inherits" is resolved once all names exist. */
static int parse_profiles(struct parser *p, const cJSON *profiles)
{
	struct wc_config *cfg = p->cfg;
	if (want(p, profiles, cJSON_IsObject(profiles), "an object of profiles") != 0)
		return -1;
	if (!profiles->child)
		return fail(p, "no profiles: at least one is needed");
	int i = 0;
	for (const cJSON *m = profiles->child; m; m = m->next, i++) {
		enter(p, i, true);
		if (duplicate_key(p, profiles, m) != 0 || want_name(p, m->string, true, "profile name") != 0)
			return -1;
		if (cfg->nprofiles == WC_MAX_PROFILES)
			return fail_key(p, "too many profiles (at most %d)", WC_MAX_PROFILES);
		p->at.key = false;

		struct wc_config_profile *prof = &cfg->profiles[cfg->nprofiles++];
		snprintf(prof->name, sizeof prof->name, "%s", m->string);
		prof->parent = -1;
		for (int op = 0; op < WC_OP_COUNT; op++)
			prof->own[op] = WC_NO_CAP;

		const cJSON *found[3];
		int index[3];
		if (members(p, m, "a profile object", profile_keys, 3, found, index) != 0)
			return -1;
		if (found[0]) {
			enter(p, index[0], false);
			if (parse_profile_caps(p, found[0], prof->own) != 0)
				return -1;
			leave(p);
		}
		if (found[2]) {
			enter(p, index[2], false);
			if (want(p, found[2], cJSON_IsString(found[2]), "a string") != 0)
				return -1;
			leave(p);
		}
		leave(p);
	}
	return 0;
}

static int resolve_inherits(struct parser *p, const cJSON *profiles)
{
	struct wc_config *cfg = p->cfg;
	int i = 0;
	for (const cJSON *m = profiles->child; m; m = m->next, i++) {
		const cJSON *inh = cJSON_GetObjectItemCaseSensitive(m, "inherits");
		if (!inh)
			continue;
		int k = 0;
		for (const cJSON *c = m->child; c != inh; c = c->next)
			k++;
		enter(p, i, false);
		enter(p, k, false);
		if (want_profile(p, inh, "inherits", &cfg->profiles[i].parent) != 0)
			return -1;
		leave(p);
		leave(p);
	}

	/* A cycle: following parents from i comes back to i. */
	i = 0;
	for (const cJSON *m = profiles->child; m; m = m->next, i++) {
		int at = cfg->profiles[i].parent;
		for (int steps = 0; at >= 0 && steps < cfg->nprofiles; steps++) {
			if (at != i) {
				at = cfg->profiles[at].parent;
				continue;
			}
			char chain[400];
			int n = snprintf(chain, sizeof chain, "%s", cfg->profiles[i].name);
			int c = cfg->profiles[i].parent;
			for (int s = 0; s <= steps && n < (int)sizeof chain; s++) {
				n += snprintf(chain + n, sizeof chain - (size_t)n, " -> %s",
					      cfg->profiles[c].name);
				c = cfg->profiles[c].parent;
			}
			const cJSON *inh = cJSON_GetObjectItemCaseSensitive(m, "inherits");
			int k = 0;
			for (const cJSON *x = m->child; x != inh; x = x->next)
				k++;
			enter(p, i, false);
			enter(p, k, false);
			return fail(p, "inheritance cycle: %s", chain);
		}
	}

	/* Acyclic now: every chain ends within nprofiles steps. */
	for (i = 0; i < cfg->nprofiles; i++)
		for (int op = 0; op < WC_OP_COUNT; op++) {
			int at = i;
			while (at >= 0 && cfg->profiles[at].own[op] == WC_NO_CAP)
				at = cfg->profiles[at].parent;
			cfg->profiles[i].caps[op] = at >= 0 ? cfg->profiles[at].own[op] : WC_NO_CAP;
		}
	return 0;
}

/* ---- environments, legacy flags --------------------------------------- */

static int parse_environments(struct parser *p, const cJSON *envs)
{
	struct wc_config *cfg = p->cfg;
	if (want(p, envs, cJSON_IsObject(envs), "an object mapping ENVIRONMENT values to profiles") != 0)
		return -1;
	int i = 0;
	for (const cJSON *m = envs->child; m; m = m->next, i++) {
		enter(p, i, true);
		if (duplicate_key(p, envs, m) != 0 ||
		    want_name(p, m->string, true, "environment name") != 0)
			return -1;
		if (cfg->nenvironments == WC_MAX_ENVIRONMENTS)
			return fail_key(p, "too many environments (at most %d)", WC_MAX_ENVIRONMENTS);
		p->at.key = false;
		int n = cfg->nenvironments;
		if (want_profile(p, m, "environments", &cfg->environments[n].profile) != 0)
			return -1;
		snprintf(cfg->environments[n].name, WC_NAME_MAX, "%s", m->string);
		cfg->nenvironments++;
		leave(p);
	}
	return 0;
}

static int parse_legacy_flags(struct parser *p, const cJSON *flags)
{
	struct wc_config *cfg = p->cfg;
	if (want(p, flags, cJSON_IsArray(flags), "an array of variable names") != 0)
		return -1;
	int i = 0;
	for (const cJSON *e = flags->child; e; e = e->next, i++) {
		enter(p, i, false);
		if (want(p, e, cJSON_IsString(e), "a variable name") != 0 ||
		    want_name(p, e->valuestring, false, "variable name") != 0)
			return -1;
		if (cfg->nlegacy == WC_MAX_LEGACY_FLAGS)
			return fail(p, "too many legacy flags (at most %d)", WC_MAX_LEGACY_FLAGS);
		snprintf(cfg->legacy_flags[cfg->nlegacy++], WC_NAME_MAX, "%s", e->valuestring);
		leave(p);
	}
	return 0;
}

/* ---- rules --------------------------------------------------------------- */

static const char *const match_keys[] = {"host", "port"};

static int parse_match(struct parser *p, const cJSON *match, struct wc_match *out)
{
	const cJSON *found[2];
	int index[2];
	if (members(p, match, "a match object", match_keys, 2, found, index) != 0)
		return -1;
	if (found[0]) {
		enter(p, index[0], false);
		if (want(p, found[0], cJSON_IsString(found[0]), "an address or CIDR") != 0)
			return -1;
		if (wc_match_parse_host(out, found[0]->valuestring) != 0)
			return fail(p, "bad host \"%s\" (expected an IPv4 or IPv6 address, "
				    "optionally /PREFIX; no host names)", found[0]->valuestring);
		leave(p);
	}
	if (found[1]) {
		const cJSON *v = found[1];
		enter(p, index[1], false);
		if (cJSON_IsNumber(v)) {
			char text[32];
			if (v->valuedouble < 1 || v->valuedouble > 65535 ||
			    v->valuedouble != (double)(int)v->valuedouble)
				return fail(p, "bad port %g (expected 1..65535)", v->valuedouble);
			snprintf(text, sizeof text, "%d", (int)v->valuedouble);
			wc_match_parse_ports(out, text);
		} else if (cJSON_IsString(v)) {
			if (wc_match_parse_ports(out, v->valuestring) != 0)
				return fail(p, "bad port \"%s\" (expected a port or a range "
					    "\"LOW-HIGH\" within 1..65535)", v->valuestring);
		} else {
			return want(p, v, false, "a port or \"LOW-HIGH\"");
		}
		leave(p);
	}
	return 0;
}

static int parse_rule_caps(struct parser *p, const cJSON *caps, struct wc_config_rule *rule)
{
	const cJSON *found[WC_OP_COUNT];
	int index[WC_OP_COUNT];
	if (members(p, caps, "a caps object", op_names, WC_OP_COUNT, found, index) != 0)
		return -1;
	for (int op = 0; op < WC_OP_COUNT; op++) {
		const cJSON *v = found[op];
		if (!v)
			continue;
		rule->has_op[op] = true;
		enter(p, index[op], false);
		if (!cJSON_IsObject(v)) {
			if (want_cap(p, v, &rule->all[op]) != 0)
				return -1;
			leave(p);
			continue;
		}
		int i = 0;
		for (const cJSON *m = v->child; m; m = m->next, i++) {
			enter(p, i, true);
			if (duplicate_key(p, v, m) != 0)
				return -1;
			int prof = wc_config_find_profile(p->cfg, m->string);
			if (prof < 0)
				return fail_key(p, "unknown profile \"%s\" in %s caps", m->string,
						op_names[op]);
			p->at.key = false;
			if (want_cap(p, m, &rule->per[prof][op]) != 0)
				return -1;
			leave(p);
		}
		leave(p);
	}
	return 0;
}

static int parse_rule_env(struct parser *p, const cJSON *env, struct wc_config_rule *rule)
{
	const cJSON *found[WC_OP_COUNT];
	int index[WC_OP_COUNT];
	if (members(p, env, "an env object", op_names, WC_OP_COUNT, found, index) != 0)
		return -1;
	for (int op = 0; op < WC_OP_COUNT; op++) {
		if (!found[op])
			continue;
		enter(p, index[op], false);
		if (want(p, found[op], cJSON_IsString(found[op]), "a variable name") != 0 ||
		    want_name(p, found[op]->valuestring, false, "variable name") != 0)
			return -1;
		snprintf(rule->env[op], WC_NAME_MAX, "%s", found[op]->valuestring);
		rule->env_loc[op] = p->at;
		rule->has_op[op] = true;
		leave(p);
	}
	return 0;
}

/* The rule's value in each profile: its own, else inherited, else the one
 * value for all, else none. */
static void resolve_rule(const struct wc_config *cfg, struct wc_config_rule *rule)
{
	for (int i = 0; i < cfg->nprofiles; i++)
		for (int op = 0; op < WC_OP_COUNT; op++) {
			int at = i;
			while (at >= 0 && rule->per[at][op] == WC_NO_CAP)
				at = cfg->profiles[at].parent;
			rule->caps[i][op] = at >= 0 ? rule->per[at][op] : rule->all[op];
		}
}

static const char *const rule_keys[] = {"name", "match", "caps", "env", "env_unit", "description"};

static int parse_rule(struct parser *p, const cJSON *r, struct wc_config_rule *rule)
{
	const cJSON *found[6];
	int index[6];
	if (members(p, r, "a rule object", rule_keys, 6, found, index) != 0)
		return -1;
	wc_match_any(&rule->match);
	for (int op = 0; op < WC_OP_COUNT; op++) {
		rule->all[op] = WC_NO_CAP;
		for (int i = 0; i < WC_MAX_PROFILES; i++)
			rule->per[i][op] = WC_NO_CAP;
	}
	if (!found[0])
		return fail(p, "rule without \"name\"");
	enter(p, index[0], false);
	if (want(p, found[0], cJSON_IsString(found[0]), "a rule name") != 0 ||
	    want_name(p, found[0]->valuestring, false, "rule name") != 0)
		return -1;
	if (strchr(found[0]->valuestring, '.'))
		return fail(p, "rule name \"%s\" contains '.' (hierarchy uses \"rule.op\")",
			    found[0]->valuestring);
	for (int i = 0; i < p->cfg->nrules; i++)
		if (strcmp(p->cfg->rules[i].name, found[0]->valuestring) == 0)
			return fail(p, "duplicate rule name \"%s\"", found[0]->valuestring);
	snprintf(rule->name, sizeof rule->name, "%s", found[0]->valuestring);
	leave(p);

	static int (*const parts[])(struct parser *, const cJSON *, struct wc_config_rule *) = {
		NULL, NULL, parse_rule_caps, parse_rule_env};
	if (found[1]) {
		enter(p, index[1], false);
		if (parse_match(p, found[1], &rule->match) != 0)
			return -1;
		leave(p);
	}
	for (int k = 2; k <= 3; k++)
		if (found[k]) {
			enter(p, index[k], false);
			if (parts[k](p, found[k], rule) != 0)
				return -1;
			leave(p);
		}
	if (found[4]) {
		enter(p, index[4], false);
		if (want(p, found[4], cJSON_IsString(found[4]), "a unit such as \"s\"") != 0)
			return -1;
		if (wc_unit_ns(found[4]->valuestring, &rule->env_unit_ns) != 0)
			return fail(p, "bad env_unit \"%s\" (expected ns, us, ms, s, m or h)",
				    found[4]->valuestring);
		leave(p);
	}
	if (found[5]) {
		enter(p, index[5], false);
		if (want(p, found[5], cJSON_IsString(found[5]), "a string") != 0)
			return -1;
		leave(p);
	}
	resolve_rule(p->cfg, rule);
	return 0;
}

static int parse_rules(struct parser *p, const cJSON *rules)
{
	if (want(p, rules, cJSON_IsArray(rules), "an array of rules") != 0)
		return -1;
	int i = 0;
	for (const cJSON *r = rules->child; r; r = r->next, i++) {
		enter(p, i, false);
		if (p->cfg->nrules == WC_MAX_RULES)
			return fail(p, "too many rules (at most %d)", WC_MAX_RULES);
		if (parse_rule(p, r, &p->cfg->rules[p->cfg->nrules]) != 0)
			return -1;
		p->cfg->nrules++;
		leave(p);
	}
	return 0;
}

/* ---- hierarchy ------------------------------------------------------------ */

static int parse_ref(struct parser *p, const cJSON *v, struct wc_config_ref *ref, char *text,
		     size_t size)
{
	if (want(p, v, cJSON_IsString(v), "\"rule.op\" or \"op\"") != 0)
		return -1;
	const char *s = v->valuestring;
	const char *dot = strrchr(s, '.');
	const char *op = dot ? dot + 1 : s;
	ref->rule = -1;
	if (dot) {
		size_t n = (size_t)(dot - s);
		int i = 0;
		while (i < p->cfg->nrules &&
		       !(strlen(p->cfg->rules[i].name) == n && strncmp(p->cfg->rules[i].name, s, n) == 0))
			i++;
		if (i == p->cfg->nrules)
			return fail(p, "unknown rule \"%.*s\" in hierarchy", (int)(n < 200 ? n : 200), s);
		ref->rule = i;
	}
	int o = op_of(op);
	if (o < 0)
		return fail(p, "unknown op \"%s\" in hierarchy (expected connect, recv or send)", op);
	ref->op = (enum wc_op)o;
	snprintf(text, size, "%s", s);
	return 0;
}

static const char *const pair_keys[] = {"outer", "inner"};

static int parse_hierarchy(struct parser *p, const cJSON *pairs)
{
	struct wc_config *cfg = p->cfg;
	if (want(p, pairs, cJSON_IsArray(pairs), "an array of {\"outer\", \"inner\"} pairs") != 0)
		return -1;
	int i = 0;
	for (const cJSON *e = pairs->child; e; e = e->next, i++) {
		enter(p, i, false);
		if (cfg->npairs == WC_MAX_PAIRS)
			return fail(p, "too many hierarchy pairs (at most %d)", WC_MAX_PAIRS);
		struct wc_config_pair *pair = &cfg->pairs[cfg->npairs];
		const cJSON *found[2];
		int index[2];
		if (members(p, e, "a hierarchy pair", pair_keys, 2, found, index) != 0)
			return -1;
		if (!found[0] || !found[1])
			return fail(p, "hierarchy pair without \"%s\"", found[0] ? "inner" : "outer");
		enter(p, index[0], false);
		if (parse_ref(p, found[0], &pair->outer, pair->outer_text, sizeof pair->outer_text) != 0)
			return -1;
		leave(p);
		enter(p, index[1], false);
		if (parse_ref(p, found[1], &pair->inner, pair->inner_text, sizeof pair->inner_text) != 0)
			return -1;
		leave(p);
		pair->loc = p->at;
		cfg->npairs++;
		leave(p);
	}
	return 0;
}

/* ---- the top level --------------------------------------------------------- */

enum { K_VERSION, K_DEFAULT, K_ENVIRONMENTS, K_LEGACY, K_PROFILES, K_RULES, K_HIERARCHY,
       K_DESCRIPTION, K_COUNT };
static const char *const top_keys[K_COUNT] = {"version", "default", "environments",
	"legacy_flags", "profiles", "rules", "hierarchy", "description"};

static int parse_top(struct parser *p, const cJSON *root)
{
	const cJSON *f[K_COUNT];
	int idx[K_COUNT];
	if (members(p, root, "a top-level object", top_keys, K_COUNT, f, idx) != 0)
		return -1;
	if (!f[K_VERSION])
		return fail(p, "missing \"version\": 1");
	if (!f[K_PROFILES])
		return fail(p, "missing \"profiles\"");
	if (!f[K_DEFAULT])
		return fail(p, "missing \"default\" (the profile used when nothing selects one)");

	enter(p, idx[K_VERSION], false);
	if (!cJSON_IsNumber(f[K_VERSION]) || f[K_VERSION]->valuedouble != 1)
		return fail(p, "unsupported version (expected 1)");
	leave(p);

	enter(p, idx[K_PROFILES], false);
	if (parse_profiles(p, f[K_PROFILES]) != 0 || resolve_inherits(p, f[K_PROFILES]) != 0)
		return -1;
	leave(p);

	enter(p, idx[K_DEFAULT], false);
	if (want_profile(p, f[K_DEFAULT], "default", &p->cfg->default_profile) != 0)
		return -1;
	leave(p);

	static int (*const sections[])(struct parser *, const cJSON *) = {
		[K_ENVIRONMENTS] = parse_environments, [K_LEGACY] = parse_legacy_flags,
		[K_RULES] = parse_rules, [K_HIERARCHY] = parse_hierarchy};
	for (int k = K_ENVIRONMENTS; k <= K_HIERARCHY; k++) {
		if (!sections[k] || !f[k])
			continue;
		enter(p, idx[k], false);
		if (sections[k](p, f[k]) != 0)
			return -1;
		leave(p);
	}
	if (f[K_DESCRIPTION]) {
		enter(p, idx[K_DESCRIPTION], false);
		if (want(p, f[K_DESCRIPTION], cJSON_IsString(f[K_DESCRIPTION]), "a string") != 0)
			return -1;
		leave(p);
	}
	return 0;
}

static int parse_error(struct parser *p, const char *text, size_t len, const char *end)
{
	size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
	int line, col;
	wc_offset_line_col(text, len, off, &line, &col);
	snprintf(p->err, p->errsz, "%s:%d:%d: JSON syntax error%s", p->cfg->file, line, col,
		 off >= len ? " (unexpected end of file)" : "");
	return -1;
}

struct wc_config *wc_config_parse(const char *name, const char *text, size_t len, char *err,
				  size_t errsz)
{
	struct wc_config *cfg = calloc(1, sizeof *cfg);
	char *copy = malloc(len + 1);
	if (!cfg || !copy) {
		snprintf(err, errsz, "%s:1:1: out of memory", name);
		free(cfg);
		free(copy);
		return NULL;
	}
	memcpy(copy, text, len);
	copy[len] = 0;
	snprintf(cfg->file, sizeof cfg->file, "%s", name);
	cfg->text = copy;
	cfg->len = len;

	struct parser p = {.cfg = cfg, .err = err, .errsz = errsz};
	const char *nul = memchr(copy, 0, len);
	if (nul) {
		int line, col;
		wc_offset_line_col(copy, len, (size_t)(nul - copy), &line, &col);
		snprintf(err, errsz, "%s:%d:%d: NUL byte in the file", name, line, col);
		wc_one_line(err);
		wc_config_free(cfg);
		return NULL;
	}

	const char *end = NULL;
	/* len + 1: cJSON checks the terminating NUL to refuse trailing junk. */
	cJSON *root = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 1);
	int rc = root ? parse_top(&p, root) : parse_error(&p, copy, len, end);
	cJSON_Delete(root);
	if (rc != 0) {
		wc_one_line(err);
		wc_config_free(cfg);
		return NULL;
	}
	return cfg;
}

int wc_config_find_profile(const struct wc_config *cfg, const char *name)
{
	for (int i = 0; i < cfg->nprofiles; i++)
		if (strcmp(cfg->profiles[i].name, name) == 0)
			return i;
	return -1;
}

void wc_config_free(struct wc_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->text);
	free(cfg);
}

void wc_config_where(const struct wc_config *cfg, const struct wc_jloc *loc, char *buf,
		     size_t size)
{
	wc_locate(cfg->file, cfg->text, cfg->len, loc, buf, size);
}
