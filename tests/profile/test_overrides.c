/* Environment overrides of rule values (the seed's level-1 rollback) and
 * the hierarchy they must keep. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "env_table.h"

TestSuite(overrides, .init = env_clear, .fini = env_teardown);

static struct wc_policy policy;

/* Line 7 holds the websocket rule's "env", line 12 the hierarchy pair. */
static const char *seedlike =
	"{\n"
	"  \"version\": 1, \"default\": \"local\",\n"
	"  \"profiles\": {\"local\": {\"caps\": {\"recv\": \"5s\"}},\n"
	"               \"staging\": {\"caps\": {\"recv\": \"35s\"}}},\n"
	"  \"rules\": [\n"
	"    {\"name\": \"websocket_recv\", \"match\": {\"port\": 18002}, \"caps\": {\"recv\": {\"local\": \"5s\", \"staging\": \"35s\"}},\n"
	"     \"env\": {\"recv\": \"WEBSOCKET_RECV_TIMEOUT\"}, \"env_unit\": \"s\"},\n"
	"    {\"name\": \"agent_execution\", \"match\": {\"port\": 18003}, \"caps\": {\"recv\": {\"local\": \"3s\", \"staging\": \"30s\"}},\n"
	"     \"env\": {\"recv\": \"AGENT_EXECUTION_TIMEOUT\"}, \"env_unit\": \"s\"}\n"
	"  ],\n"
	"  \"hierarchy\": [\n"
	"    {\"outer\": \"websocket_recv.recv\", \"inner\": \"agent_execution.recv\"}\n"
	"  ]\n"
	"}\n";

static int rule_recv(const char *name)
{
	for (int i = 0; i < policy.nrules; i++)
		if (strcmp(policy.rules[i].name, name) == 0)
			return policy.rules[i].caps.ms[WC_OP_RECV];
	cr_assert_fail("no rule %s", name);
	return 0;
}

static void expect_error_at(const char *line_col_what)
{
	char want[600];
	snprintf(want, sizeof want, "%s:%s", env_get("WAITCAP_CONFIG"), line_col_what);
	cr_assert(strncmp(policy.error, want, strlen(want)) == 0, "\nwanted: %s...\ngot:    %s",
		  want, policy.error);
	cr_assert_eq(policy.nrules, 0);
	cr_assert_eq(policy.caps.ms[WC_OP_RECV], WC_NO_CAP);
}

Test(overrides, without_variables_the_files_values_apply)
{
	cr_assert_eq(load_json(&policy, seedlike), 0, "%s", policy.error);
	cr_assert_eq(rule_recv("websocket_recv"), 5000);
	cr_assert_eq(rule_recv("agent_execution"), 3000);
}

Test(overrides, a_bare_number_is_read_in_env_unit)
{
	env_set("WEBSOCKET_RECV_TIMEOUT", "35");
	env_set("AGENT_EXECUTION_TIMEOUT", "30.0");
	cr_assert_eq(load_json(&policy, seedlike), 0, "%s", policy.error);
	cr_assert_eq(rule_recv("websocket_recv"), 35000);
	cr_assert_eq(rule_recv("agent_execution"), 30000);
	cr_assert_eq(policy.caps.ms[WC_OP_RECV], 5000, "the profile's own cap is untouched");
}

Test(overrides, a_value_with_a_unit_is_taken_as_written)
{
	env_set("WEBSOCKET_RECV_TIMEOUT", "40500ms");
	cr_assert_eq(load_json(&policy, seedlike), 0, "%s", policy.error);
	cr_assert_eq(rule_recv("websocket_recv"), 40500);
}

Test(overrides, an_override_applies_in_every_profile)
{
	env_set("ENVIRONMENT", "staging");
	env_set("AGENT_EXECUTION_TIMEOUT", "3");
	env_set("WAITCAP_PROFILE", "staging");
	cr_assert_eq(load_json(&policy, seedlike), 0, "%s", policy.error);
	cr_assert_eq(rule_recv("agent_execution"), 3000);
	cr_assert_eq(rule_recv("websocket_recv"), 35000);
}

Test(overrides, a_bad_value_is_an_error_at_the_env_key)
{
	env_set("WEBSOCKET_RECV_TIMEOUT", "fast");
	cr_assert_eq(load_json(&policy, seedlike), -1);
	expect_error_at("7:22: WEBSOCKET_RECV_TIMEOUT=\"fast\" is not a positive number");
}

Test(overrides, a_unit_is_required_without_env_unit)
{
	env_set("R", "5");
	cr_assert_eq(load_json(&policy, "{\"version\": 1, \"default\": \"a\", \"profiles\": {\"a\": {}},\n"
			       " \"rules\": [{\"name\": \"r\", \"env\": {\"send\": \"R\"}}]}"), -1);
	expect_error_at("2:42: R=\"5\" is not a positive duration with a unit");
	env_set("R", "5s");
	cr_assert_eq(load_json(&policy, "{\"version\": 1, \"default\": \"a\", \"profiles\": {\"a\": {}},\n"
			       " \"rules\": [{\"name\": \"r\", \"env\": {\"send\": \"R\"}}]}"), 0);
	cr_assert_eq(policy.rules[0].caps.ms[WC_OP_SEND], 5000);
}

Test(overrides, an_override_that_breaks_the_hierarchy_is_an_error_at_the_pair)
{
	env_set("AGENT_EXECUTION_TIMEOUT", "5");
	cr_assert_eq(load_json(&policy, seedlike), -1);
	expect_error_at("12:5: hierarchy violated in profile \"local\": websocket_recv.recv "
			"(5s) must be greater than agent_execution.recv (5s from AGENT_EXECUTION_TIMEOUT=5)");
}

Test(overrides, the_rollback_values_keep_the_hierarchy)
{
	env_set("WEBSOCKET_RECV_TIMEOUT", "35");
	env_set("AGENT_EXECUTION_TIMEOUT", "30");
	env_set("FACTORY_TIMEOUT_SECONDS", "30.0");
	cr_assert_eq(load_json(&policy, seedlike), 0, "%s", policy.error);
}

Test(overrides, a_file_that_violates_its_hierarchy_is_an_error)
{
	cr_assert_eq(load_json(&policy,
			       "{\"version\": 1, \"default\": \"a\",\n"
			       " \"profiles\": {\"a\": {\"caps\": {\"recv\": \"5s\"}}, \"b\": {\"caps\": {\"recv\": \"1s\"}}},\n"
			       " \"rules\": [{\"name\": \"slow\", \"caps\": {\"recv\": {\"a\": \"10s\", \"b\": \"1s\"}}}],\n"
			       " \"hierarchy\": [{\"outer\": \"recv\", \"inner\": \"send\"},\n"
			       "               {\"outer\": \"slow.recv\", \"inner\": \"recv\"}]}"), -1);
	/* The first pair: recv (5s) vs send (no cap: unbounded). */
	expect_error_at("4:16: hierarchy violated in profile \"a\": recv (5s) must be greater than send (none)");
}

Test(overrides, an_unbounded_outer_holds_over_any_cap)
{
	cr_assert_eq(load_json(&policy,
			       "{\"version\": 1, \"default\": \"a\",\n"
			       " \"profiles\": {\"a\": {\"caps\": {\"recv\": \"5s\"}}},\n"
			       " \"hierarchy\": [{\"outer\": \"send\", \"inner\": \"recv\"}]}"), 0,
		     "%s", policy.error);
}

Test(overrides, a_rule_without_a_value_uses_the_profiles_cap_in_the_hierarchy)
{
	cr_assert_eq(load_json(&policy,
			       "{\"version\": 1, \"default\": \"a\",\n"
			       " \"profiles\": {\"a\": {\"caps\": {\"recv\": \"5s\"}}, \"b\": {\"caps\": {\"recv\": \"9s\"}}},\n"
			       " \"rules\": [{\"name\": \"r\", \"caps\": {\"recv\": {\"a\": \"6s\"}}}],\n"
			       " \"hierarchy\": [{\"outer\": \"r.recv\", \"inner\": \"recv\"}]}"), -1);
	expect_error_at("4:16: hierarchy violated in profile \"b\": r.recv (9s) must be greater than recv (9s)");
}
