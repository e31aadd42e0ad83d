/* Rules (destination matches, per-profile caps, env overrides) and
 * hierarchy pairs of a profile file. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "duration.h"
#include "match.h"
#include "parse.h"

/* ---- rules --------------------------------------------------------------- */

static const char *const match_keys[] = {"host", "port", "name"};

static int parse_match(struct parser *p, const cJSON *match, struct wc_match *out)
{
	const cJSON *found[3];
	int index[3];
	if (wcp_members(p, match, "a match object", match_keys, 3, found, index) != 0)
		return -1;
	if (found[0] && found[2]) {
		wcp_enter(p, index[2], true);
		return fail_key(p, "a match has \"host\" or \"name\", not both "
				"(write two rules)");
	}
	if (found[2]) {
		wcp_enter(p, index[2], false);
		if (wcp_want(p, found[2], cJSON_IsString(found[2]), "a host name") != 0)
			return -1;
		if (wc_match_parse_name(out, found[2]->valuestring) != 0)
			return fail(p, "bad name \"%.260s\" (expected a host name such as "
				    "\"payments.internal\" or a suffix such as \"*.internal\")",
				    found[2]->valuestring);
		wcp_leave(p);
	}
	if (found[0]) {
		wcp_enter(p, index[0], false);
		if (wcp_want(p, found[0], cJSON_IsString(found[0]), "an address or CIDR") != 0)
			return -1;
		if (wc_match_parse_host(out, found[0]->valuestring) != 0)
			return fail(p, "bad host \"%s\" (expected an IPv4 or IPv6 address, "
				    "optionally /PREFIX; for a host name use \"name\")", found[0]->valuestring);
		wcp_leave(p);
	}
	if (found[1]) {
		const cJSON *v = found[1];
		wcp_enter(p, index[1], false);
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
			return wcp_want(p, v, false, "a port or \"LOW-HIGH\"");
		}
		wcp_leave(p);
	}
	return 0;
}

/* A lookup has no destination yet: rules, which match destinations, cannot
 * cap it. */
static int not_per_destination(struct parser *p, int index)
{
	wcp_enter(p, index, true);
	return fail_key(p, "\"resolve\" is a cap of the whole process (a lookup has no "
			"destination yet): set it in a profile's caps, not in a rule");
}

static int parse_rule_caps(struct parser *p, const cJSON *caps, struct wc_config_rule *rule)
{
	const cJSON *found[WC_CAP_OPS];
	int index[WC_CAP_OPS];
	if (wcp_members(p, caps, "a caps object", wc_op_names, WC_CAP_OPS, found, index) != 0)
		return -1;
	if (found[WC_OP_RESOLVE])
		return not_per_destination(p, index[WC_OP_RESOLVE]);
	for (int op = 0; op < WC_CAP_OPS; op++) {
		const cJSON *v = found[op];
		if (!v)
			continue;
		rule->has_op[op] = true;
		wcp_enter(p, index[op], false);
		if (!cJSON_IsObject(v)) {
			if (wcp_want_cap(p, v, &rule->all[op]) != 0)
				return -1;
			wcp_leave(p);
			continue;
		}
		int i = 0;
		for (const cJSON *m = v->child; m; m = m->next, i++) {
			wcp_enter(p, i, true);
			if (wcp_duplicate_key(p, v, m) != 0)
				return -1;
			int prof = wc_config_find_profile(p->cfg, m->string);
			if (prof < 0)
				return fail_key(p, "unknown profile \"%s\" in %s caps", m->string,
						wc_op_names[op]);
			p->at.key = false;
			if (wcp_want_cap(p, m, &rule->per[prof][op]) != 0)
				return -1;
			wcp_leave(p);
		}
		wcp_leave(p);
	}
	return 0;
}

static int parse_rule_env(struct parser *p, const cJSON *env, struct wc_config_rule *rule)
{
	const cJSON *found[WC_CAP_OPS];
	int index[WC_CAP_OPS];
	if (wcp_members(p, env, "an env object", wc_op_names, WC_CAP_OPS, found, index) != 0)
		return -1;
	if (found[WC_OP_RESOLVE])
		return not_per_destination(p, index[WC_OP_RESOLVE]);
	for (int op = 0; op < WC_CAP_OPS; op++) {
		if (!found[op])
			continue;
		wcp_enter(p, index[op], false);
		if (wcp_want(p, found[op], cJSON_IsString(found[op]), "a variable name") != 0 ||
		    wcp_want_name(p, found[op]->valuestring, false, "variable name") != 0)
			return -1;
		snprintf(rule->env[op], WC_NAME_MAX, "%s", found[op]->valuestring);
		rule->env_loc[op] = p->at;
		rule->has_op[op] = true;
		wcp_leave(p);
	}
	return 0;
}

/* The rule's value in each profile: its own, else inherited, else the one
 * value for all, else none. */
static void resolve_rule(const struct wc_config *cfg, struct wc_config_rule *rule)
{
	for (int i = 0; i < cfg->nprofiles; i++)
		for (int op = 0; op < WC_CAP_OPS; op++) {
			int at = i;
			while (at >= 0 && rule->per[at][op] == WC_NO_CAP)
				at = cfg->profiles[at].parent;
			rule->caps[i][op] = at >= 0 ? rule->per[at][op] : rule->all[op];
		}
}

static const char *const rule_keys[] = {"name", "match", "caps", "env", "env_unit", "description",
					"rollback"};

static int parse_rule(struct parser *p, const cJSON *r, struct wc_config_rule *rule)
{
	const cJSON *found[7];
	int index[7];
	if (wcp_members(p, r, "a rule object", rule_keys, 7, found, index) != 0)
		return -1;
	wc_match_any(&rule->match);
	for (int op = 0; op < WC_CAP_OPS; op++) {
		rule->all[op] = WC_NO_CAP;
		for (int i = 0; i < WC_MAX_PROFILES; i++)
			rule->per[i][op] = WC_NO_CAP;
	}
	if (!found[0])
		return fail(p, "rule without \"name\"");
	wcp_enter(p, index[0], false);
	if (wcp_want(p, found[0], cJSON_IsString(found[0]), "a rule name") != 0 ||
	    wcp_want_name(p, found[0]->valuestring, false, "rule name") != 0)
		return -1;
	if (strchr(found[0]->valuestring, '.'))
		return fail(p, "rule name \"%s\" contains '.' (hierarchy uses \"rule.op\")",
			    found[0]->valuestring);
	for (int i = 0; i < p->cfg->nrules; i++)
		if (strcmp(p->cfg->rules[i].name, found[0]->valuestring) == 0)
			return fail(p, "duplicate rule name \"%s\"", found[0]->valuestring);
	snprintf(rule->name, sizeof rule->name, "%s", found[0]->valuestring);
	wcp_leave(p);

	static int (*const parts[])(struct parser *, const cJSON *, struct wc_config_rule *) = {
		NULL, NULL, parse_rule_caps, parse_rule_env};
	if (found[1]) {
		wcp_enter(p, index[1], false);
		if (parse_match(p, found[1], &rule->match) != 0)
			return -1;
		wcp_leave(p);
	}
	for (int k = 2; k <= 3; k++)
		if (found[k]) {
			wcp_enter(p, index[k], false);
			if (parts[k](p, found[k], rule) != 0)
				return -1;
			wcp_leave(p);
		}
	if (found[4]) {
		wcp_enter(p, index[4], false);
		if (wcp_want(p, found[4], cJSON_IsString(found[4]), "a unit such as \"s\"") != 0)
			return -1;
		if (wc_unit_ns(found[4]->valuestring, &rule->env_unit_ns) != 0)
			return fail(p, "bad env_unit \"%s\" (expected ns, us, ms, s, m or h)",
				    found[4]->valuestring);
		wcp_leave(p);
	}
	if (found[5]) {
		wcp_enter(p, index[5], false);
		if (wcp_want(p, found[5], cJSON_IsString(found[5]), "a string") != 0)
			return -1;
		wcp_leave(p);
	}
	if (found[6]) {
		wcp_enter(p, index[6], false);
		if (wcp_parse_rollback(p, found[6], &rule->rollback) != 0)
			return -1;
		wcp_leave(p);
	}
	resolve_rule(p->cfg, rule);
	return 0;
}

int wcp_parse_rules(struct parser *p, const cJSON *rules)
{
	if (wcp_want(p, rules, cJSON_IsArray(rules), "an array of rules") != 0)
		return -1;
	int i = 0;
	for (const cJSON *r = rules->child; r; r = r->next, i++) {
		wcp_enter(p, i, false);
		if (p->cfg->nrules == WC_MAX_RULES)
			return fail(p, "too many rules (at most %d)", WC_MAX_RULES);
		if (parse_rule(p, r, &p->cfg->rules[p->cfg->nrules]) != 0)
			return -1;
		p->cfg->nrules++;
		wcp_leave(p);
	}
	return 0;
}

/* ---- hierarchy ------------------------------------------------------------ */

static int parse_ref(struct parser *p, const cJSON *v, struct wc_config_ref *ref, char *text,
		     size_t size)
{
	if (wcp_want(p, v, cJSON_IsString(v), "\"rule.op\" or \"op\"") != 0)
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
	int o = wcp_op_of(op);
	if (o < 0)
		return fail(p, "unknown op \"%s\" in hierarchy (expected connect, recv or send)", op);
	ref->op = (enum wc_op)o;
	snprintf(text, size, "%s", s);
	return 0;
}

static const char *const pair_keys[] = {"outer", "inner"};

int wcp_parse_hierarchy(struct parser *p, const cJSON *pairs)
{
	struct wc_config *cfg = p->cfg;
	if (wcp_want(p, pairs, cJSON_IsArray(pairs), "an array of {\"outer\", \"inner\"} pairs") != 0)
		return -1;
	int i = 0;
	for (const cJSON *e = pairs->child; e; e = e->next, i++) {
		wcp_enter(p, i, false);
		if (cfg->npairs == WC_MAX_PAIRS)
			return fail(p, "too many hierarchy pairs (at most %d)", WC_MAX_PAIRS);
		struct wc_config_pair *pair = &cfg->pairs[cfg->npairs];
		const cJSON *found[2];
		int index[2];
		if (wcp_members(p, e, "a hierarchy pair", pair_keys, 2, found, index) != 0)
			return -1;
		if (!found[0] || !found[1])
			return fail(p, "hierarchy pair without \"%s\"", found[0] ? "inner" : "outer");
		wcp_enter(p, index[0], false);
		if (parse_ref(p, found[0], &pair->outer, pair->outer_text, sizeof pair->outer_text) != 0)
			return -1;
		wcp_leave(p);
		wcp_enter(p, index[1], false);
		if (parse_ref(p, found[1], &pair->inner, pair->inner_text, sizeof pair->inner_text) != 0)
			return -1;
		wcp_leave(p);
		pair->loc = p->at;
		cfg->npairs++;
		wcp_leave(p);
	}
	return 0;
}
