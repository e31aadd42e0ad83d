/* Every element of the profile file, accepted and meaning what
 * docs/profiles.md ("The file") says. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

#include "config.h"
#include "env_table.h"

TestSuite(schema, .init = env_clear, .fini = env_teardown);

static struct wc_config *parse(const char *json)
{
	char err[512] = "";
	struct wc_config *cfg = wc_config_parse("t.json", json, strlen(json), err, sizeof err);
	cr_assert_not_null(cfg, "rejected: %s", err);
	return cfg;
}

#define P3 "\"profiles\": {\"local\": {\"caps\": {\"connect\": \"1s\", \"recv\": \"2s\"}}," \
	   " \"staging\": {\"caps\": {\"connect\": \"30s\", \"recv\": \"35s\", \"send\": \"35s\"}}," \
	   " \"production\": {\"inherits\": \"staging\", \"caps\": {\"send\": \"40s\"}}}"

Test(schema, minimal_file_is_version_default_and_one_profile)
{
	struct wc_config *cfg = parse("{\"version\": 1, \"default\": \"a\", \"profiles\": {\"a\": {}}}");
	cr_assert_eq(cfg->nprofiles, 1);
	cr_assert_eq(cfg->default_profile, 0);
	for (int op = 0; op < WC_CAP_OPS; op++)
		cr_assert_eq(cfg->profiles[0].caps[op], WC_NO_CAP);
	wc_config_free(cfg);
}

Test(schema, descriptions_are_allowed_at_top_profile_and_rule)
{
	wc_config_free(parse("{\"version\": 1, \"description\": \"x\", \"default\": \"a\","
			     " \"profiles\": {\"a\": {\"description\": \"y\"}},"
			     " \"rules\": [{\"name\": \"r\", \"description\": \"z\"}]}"));
}

Test(schema, profile_caps_and_inheritance_with_partial_override)
{
	struct wc_config *cfg = parse("{\"version\": 1, \"default\": \"local\", " P3 "}");
	int prod = wc_config_find_profile(cfg, "production");
	int staging = wc_config_find_profile(cfg, "staging");
	cr_assert_eq(cfg->profiles[prod].parent, staging);
	cr_assert_eq(cfg->profiles[prod].caps[WC_OP_CONNECT], 30000, "inherited");
	cr_assert_eq(cfg->profiles[prod].caps[WC_OP_RECV], 35000, "inherited");
	cr_assert_eq(cfg->profiles[prod].caps[WC_OP_SEND], 40000, "its own wins");
	cr_assert_eq(cfg->profiles[0].caps[WC_OP_SEND], WC_NO_CAP, "not written: no cap");
	wc_config_free(cfg);
}

Test(schema, inheritance_chains_over_several_levels)
{
	struct wc_config *cfg = parse("{\"version\": 1, \"default\": \"c\", \"profiles\": {"
				      "\"c\": {\"inherits\": \"b\"}, \"b\": {\"inherits\": \"a\"},"
				      " \"a\": {\"caps\": {\"recv\": \"7s\"}}}}");
	cr_assert_eq(cfg->profiles[0].caps[WC_OP_RECV], 7000);
	wc_config_free(cfg);
}

Test(schema, environments_and_legacy_flags)
{
	struct wc_config *cfg = parse("{\"version\": 1, \"default\": \"local\", " P3 ","
				      " \"environments\": {\"dev\": \"local\", \"prod\": \"production\"},"
				      " \"legacy_flags\": [\"OLD_TIMEOUTS\", \"NO_CAPS\"]}");
	cr_assert_eq(cfg->nenvironments, 2);
	cr_assert_str_eq(cfg->environments[1].name, "prod");
	cr_assert_eq(cfg->environments[1].profile, 2);
	cr_assert_eq(cfg->nlegacy, 2);
	cr_assert_str_eq(cfg->legacy_flags[1], "NO_CAPS");
	wc_config_free(cfg);

	struct wc_policy policy;
	env_set("ENVIRONMENT", "prod");
	env_set("NO_CAPS", "1");
	cr_assert_eq(load_json(&policy, "{\"version\": 1, \"default\": \"local\", " P3 ","
			       " \"environments\": {\"prod\": \"production\"},"
			       " \"legacy_flags\": [\"NO_CAPS\"]}"), 0, "%s", policy.error);
	cr_assert_str_eq(policy.profile, "production");
	cr_assert(policy.legacy);
}

Test(schema, rule_match_host_and_port_forms)
{
	struct wc_config *cfg = parse(
		"{\"version\": 1, \"default\": \"a\", \"profiles\": {\"a\": {}}, \"rules\": ["
		"{\"name\": \"v4\", \"match\": {\"host\": \"10.1.2.3\", \"port\": 8000}},"
		"{\"name\": \"v4net\", \"match\": {\"host\": \"127.0.0.1/8\", \"port\": \"8000-8100\"}},"
		"{\"name\": \"v6\", \"match\": {\"host\": \"::1\", \"port\": \"443\"}},"
		"{\"name\": \"v6net\", \"match\": {\"host\": \"fd00::/8\"}},"
		"{\"name\": \"anyhost\", \"match\": {\"port\": 53}},"
		"{\"name\": \"everything\"}]}");
	cr_assert_eq(cfg->nrules, 6);
	const struct wc_match *m = &cfg->rules[0].match;
	cr_assert_eq(m->family, AF_INET);
	cr_assert_eq(m->prefix, 32);
	cr_assert_eq(m->port_lo, 8000);
	cr_assert_eq(m->port_hi, 8000);
	m = &cfg->rules[1].match;
	cr_assert_eq(m->prefix, 8);
	cr_assert_eq(m->addr[0], 127);
	cr_assert_eq(m->addr[3], 0, "host bits cleared");
	cr_assert_eq(m->port_lo, 8000);
	cr_assert_eq(m->port_hi, 8100);
	m = &cfg->rules[2].match;
	cr_assert_eq(m->family, AF_INET6);
	cr_assert_eq(m->prefix, 128);
	cr_assert_eq(m->addr[15], 1);
	cr_assert_eq(m->port_lo, 443);
	m = &cfg->rules[3].match;
	cr_assert_eq(m->prefix, 8);
	cr_assert_eq(m->port_lo, 0);
	cr_assert_eq(m->port_hi, 65535);
	cr_assert_eq(cfg->rules[4].match.family, 0);
	cr_assert_eq(cfg->rules[4].match.port_lo, 53);
	cr_assert_eq(cfg->rules[5].match.family, 0);
	cr_assert_eq(cfg->rules[5].match.port_hi, 65535);
	wc_config_free(cfg);
}

Test(schema, rule_caps_one_value_applies_in_every_profile)
{
	struct wc_config *cfg = parse("{\"version\": 1, \"default\": \"local\", " P3 ","
				      " \"rules\": [{\"name\": \"r\", \"caps\": {\"recv\": \"500ms\"}}]}");
	for (int p = 0; p < cfg->nprofiles; p++) {
		cr_assert_eq(cfg->rules[0].caps[p][WC_OP_RECV], 500);
		cr_assert_eq(cfg->rules[0].caps[p][WC_OP_CONNECT], WC_NO_CAP, "the profile's applies");
	}
	cr_assert(cfg->rules[0].has_op[WC_OP_RECV]);
	cr_assert_not(cfg->rules[0].has_op[WC_OP_SEND]);
	wc_config_free(cfg);
}

Test(schema, rule_caps_per_profile_follow_inheritance)
{
	struct wc_config *cfg = parse("{\"version\": 1, \"default\": \"local\", " P3 ", \"rules\": ["
				      "{\"name\": \"ws\", \"caps\": {\"recv\": {\"local\": \"5s\", \"staging\": \"35s\"}}}]}");
	cr_assert_eq(cfg->rules[0].caps[0][WC_OP_RECV], 5000);
	cr_assert_eq(cfg->rules[0].caps[1][WC_OP_RECV], 35000);
	cr_assert_eq(cfg->rules[0].caps[2][WC_OP_RECV], 35000, "production inherits staging's");
	wc_config_free(cfg);
}

Test(schema, rule_env_and_env_unit)
{
	struct wc_config *cfg = parse("{\"version\": 1, \"default\": \"local\", " P3 ", \"rules\": ["
				      "{\"name\": \"ws\", \"caps\": {\"recv\": \"5s\"},"
				      " \"env\": {\"recv\": \"WS_RECV\", \"send\": \"WS_SEND\"}, \"env_unit\": \"ms\"}]}");
	cr_assert_str_eq(cfg->rules[0].env[WC_OP_RECV], "WS_RECV");
	cr_assert_str_eq(cfg->rules[0].env[WC_OP_SEND], "WS_SEND");
	cr_assert(cfg->rules[0].has_op[WC_OP_SEND], "an env-only op is still the rule's");
	cr_assert_eq(cfg->rules[0].env_unit_ns, 1000000);
	wc_config_free(cfg);
}

Test(schema, hierarchy_pairs_name_rule_ops_or_profile_ops)
{
	struct wc_config *cfg = parse("{\"version\": 1, \"default\": \"local\", " P3 ", \"rules\": ["
				      "{\"name\": \"ws\", \"caps\": {\"recv\": \"50s\"}}],"
				      " \"hierarchy\": [{\"outer\": \"ws.recv\", \"inner\": \"recv\"}]}");
	cr_assert_eq(cfg->npairs, 1);
	cr_assert_eq(cfg->pairs[0].outer.rule, 0);
	cr_assert_eq(cfg->pairs[0].outer.op, WC_OP_RECV);
	cr_assert_eq(cfg->pairs[0].inner.rule, -1);
	cr_assert_str_eq(cfg->pairs[0].outer_text, "ws.recv");
	char err[512] = "";
	cr_assert_eq(wc_config_check_hierarchy(cfg, err, sizeof err), 0, "%s", err);
	wc_config_free(cfg);
}

Test(schema, utf8_bom_and_crlf_line_ends_are_accepted)
{
	wc_config_free(parse("\xef\xbb\xbf{\r\n\"version\": 1,\r\n\"default\": \"a\",\r\n"
			     "\"profiles\": {\"a\": {}}\r\n}\r\n"));
}
