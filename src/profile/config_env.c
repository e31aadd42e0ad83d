/* Environment overrides of rule values, and the hierarchy they must keep.
 *
 * The seed plan's level-1 rollback is "set WEBSOCKET_RECV_TIMEOUT=35 and
 * restart": a rule's "env" names that variable, and its value replaces the
 * rule's value in every profile.  The hierarchy is checked afterwards, so a
 * rollback that breaks it is caught like a file that does. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "duration.h"
#include "locate.h"

int wc_config_apply_env(struct wc_config *cfg, wc_getenv_fn getenv_fn, char *err, size_t errsz)
{
	for (int r = 0; r < cfg->nrules; r++) {
		struct wc_config_rule *rule = &cfg->rules[r];
		for (int op = 0; op < WC_CAP_OPS; op++) {
			const char *value = rule->env[op][0] && getenv_fn ? getenv_fn(rule->env[op]) : NULL;
			if (!value || !*value)
				continue;
			int32_t ms;
			if (wc_parse_cap_ms(value, rule->env_unit_ns, &ms) != 0) {
				char where[4200];
				wc_config_where(cfg, &rule->env_loc[op], where, sizeof where);
				snprintf(err, errsz, "%s: %s=\"%.40s\" is not a %s", where,
					 rule->env[op], value,
					 rule->env_unit_ns ? "positive number (in env_unit) or duration"
							   : "positive duration with a unit");
				wc_one_line(err);
				return -1;
			}
			for (int p = 0; p < cfg->nprofiles; p++)
				rule->caps[p][op] = ms;
			rule->env_applied[op] = true;
			snprintf(rule->env_value[op], sizeof rule->env_value[op], "%s", value);
		}
	}
	return 0;
}

int32_t wc_config_ref_ms(const struct wc_config *cfg, const struct wc_config_ref *ref, int profile)
{
	if (ref->rule >= 0 && cfg->rules[ref->rule].caps[profile][ref->op] != WC_NO_CAP)
		return cfg->rules[ref->rule].caps[profile][ref->op];
	return cfg->profiles[profile].caps[ref->op];
}

bool wc_config_pair_holds(const struct wc_config *cfg, int pair, int profile)
{
	int32_t outer = wc_config_ref_ms(cfg, &cfg->pairs[pair].outer, profile);
	int32_t inner = wc_config_ref_ms(cfg, &cfg->pairs[pair].inner, profile);
	if (outer == WC_NO_CAP)
		return inner != WC_NO_CAP;
	return inner != WC_NO_CAP && outer > inner;
}

/* "5s (WEBSOCKET_RECV_TIMEOUT=5)" or "5s". */
static void describe(const struct wc_config *cfg, const struct wc_config_ref *ref, int profile,
		     char *buf, size_t size)
{
	char v[32];
	wc_format_ms(wc_config_ref_ms(cfg, ref, profile), v, sizeof v);
	const struct wc_config_rule *rule = ref->rule >= 0 ? &cfg->rules[ref->rule] : NULL;
	if (rule && rule->env_applied[ref->op])
		snprintf(buf, size, "%s from %s=%s", v, rule->env[ref->op], rule->env_value[ref->op]);
	else
		snprintf(buf, size, "%s", v);
}

int wc_config_check_hierarchy(const struct wc_config *cfg, char *err, size_t errsz)
{
	for (int i = 0; i < cfg->npairs; i++)
		for (int p = 0; p < cfg->nprofiles; p++) {
			if (wc_config_pair_holds(cfg, i, p))
				continue;
			const struct wc_config_pair *pair = &cfg->pairs[i];
			char where[4200], outer[160], inner[160];
			wc_config_where(cfg, &pair->loc, where, sizeof where);
			describe(cfg, &pair->outer, p, outer, sizeof outer);
			describe(cfg, &pair->inner, p, inner, sizeof inner);
			snprintf(err, errsz, "%s: hierarchy violated in profile \"%s\": %s (%s) "
				 "must be greater than %s (%s)", where, cfg->profiles[p].name,
				 pair->outer_text, outer, pair->inner_text, inner);
			wc_one_line(err);
			return -1;
		}
	return 0;
}
