/* Every error in a profile file is one line "FILE:LINE:COL: what", pointing
 * at the offending key or value. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "env_table.h"

TestSuite(errors, .init = env_clear, .fini = env_teardown);

/* The error starts with want (file:line:col and the first words). */
static void expect_error(const char *json, const char *want)
{
	const char *err = parse_error_of(json);
	cr_assert(strncmp(err, want, strlen(want)) == 0, "\nwanted: %s...\ngot:    %s", want, err);
	cr_assert_null(strchr(err, '\n'), "one line: %s", err);
}

#define HEAD "{\n  \"version\": 1,\n  \"default\": \"a\",\n"

Test(errors, json_syntax_error_points_at_the_unexpected_token)
{
	expect_error("{\n  \"version\": 1,\n  \"default\": \"a\"\n  \"profiles\": {}\n}\n",
		     "t.json:4:3: JSON syntax error");
}

Test(errors, json_truncated_file_says_unexpected_end)
{
	const char *err = parse_error_of("{\n  \"version\": 1,\n");
	cr_assert(strstr(err, "t.json:") == err && strstr(err, "JSON syntax error"), "%s", err);
	cr_assert(strstr(err, "unexpected end of file"), "%s", err);
}

Test(errors, trailing_junk_after_the_object_is_a_syntax_error)
{
	expect_error("{\"version\": 1}\n  x\n", "t.json:2:3: JSON syntax error");
}

Test(errors, top_level_must_be_an_object)
{
	expect_error("\n  [1, 2]\n", "t.json:2:3: expected a top-level object, found an array");
}

Test(errors, unknown_top_level_key)
{
	expect_error(HEAD "  \"profilez\": {}\n}\n",
		     "t.json:4:3: unknown key \"profilez\" in top-level object (known: version, default,");
}

Test(errors, unknown_key_in_a_profile)
{
	expect_error(HEAD "  \"profiles\": {\n    \"a\": {\"cap\": {}}\n  }\n}\n",
		     "t.json:5:11: unknown key \"cap\" in profile object (known: caps, inherits, description, rollback, mode)");
}

Test(errors, unknown_mode_in_a_profile)
{
	expect_error(HEAD "  \"profiles\": {\n    \"a\": {\"mode\": \"watch\"}\n  }\n}\n",
		     "t.json:5:19: expected \"capping\" or \"observe\", found a string");
}

Test(errors, unknown_op_in_profile_caps)
{
	expect_error(HEAD "  \"profiles\": {\n    \"a\": {\"caps\": {\"read\": \"1s\"}}\n  }\n}\n",
		     "t.json:5:20: unknown key \"read\" in caps object (known: connect, recv, send, resolve)");
}

Test(errors, duplicate_key)
{
	expect_error(HEAD "  \"default\": \"b\",\n  \"profiles\": {\"a\": {}}\n}\n",
		     "t.json:4:3: duplicate key \"default\"");
}

Test(errors, duplicate_profile)
{
	expect_error(HEAD "  \"profiles\": {\"a\": {},\n               \"a\": {}}\n}\n",
		     "t.json:5:16: duplicate key \"a\"");
}

Test(errors, missing_version_profiles_default)
{
	expect_error("{\"default\": \"a\", \"profiles\": {\"a\": {}}}", "t.json:1:1: missing \"version\"");
	expect_error("{\"version\": 1, \"default\": \"a\"}", "t.json:1:1: missing \"profiles\"");
	expect_error("{\"version\": 1, \"profiles\": {\"a\": {}}}", "t.json:1:1: missing \"default\"");
}

Test(errors, unsupported_version)
{
	expect_error("{\n  \"version\": 2,\n  \"default\": \"a\", \"profiles\": {\"a\": {}}}",
		     "t.json:2:14: unsupported version (expected 1)");
}

Test(errors, empty_profiles)
{
	expect_error(HEAD "  \"profiles\": {}\n}\n", "t.json:4:15: no profiles");
}

Test(errors, bare_number_duration)
{
	expect_error(HEAD "  \"profiles\": {\n    \"a\": {\"caps\": {\"recv\": 5}}\n  }\n}\n",
		     "t.json:5:28: bad duration 5: a bare number needs a unit, e.g. \"5s\"");
}

Test(errors, bare_number_string_duration)
{
	expect_error(HEAD "  \"profiles\": {\n    \"a\": {\"caps\": {\"recv\": \"30.0\"}}\n  }\n}\n",
		     "t.json:5:28: bad duration \"30.0\": a bare number needs a unit, e.g. \"30.0s\"");
}

Test(errors, malformed_duration)
{
	expect_error(HEAD "  \"profiles\": {\n    \"a\": {\"caps\": {\"send\": \"5 sec\"}}\n  }\n}\n",
		     "t.json:5:28: bad duration \"5 sec\" (expected a number with a unit");
}

Test(errors, zero_cap)
{
	expect_error(HEAD "  \"profiles\": {\n    \"a\": {\"caps\": {\"connect\": \"0ms\"}}\n  }\n}\n",
		     "t.json:5:31: bad duration \"0ms\": a cap must be more than 0");
}

Test(errors, unknown_profile_in_default)
{
	expect_error("{\n  \"version\": 1,\n  \"default\": \"loca\",\n  \"profiles\": {\"local\": {}}\n}",
		     "t.json:3:14: unknown profile \"loca\" in default");
}

Test(errors, unknown_profile_in_inherits)
{
	expect_error(HEAD "  \"profiles\": {\n    \"a\": {},\n    \"b\": {\"inherits\": \"c\"}\n  }\n}\n",
		     "t.json:6:23: unknown profile \"c\" in inherits");
}

Test(errors, unknown_profile_in_environments)
{
	expect_error(HEAD "  \"environments\": {\"prod\": \"production\"},\n  \"profiles\": {\"a\": {}}\n}\n",
		     "t.json:4:28: unknown profile \"production\" in environments");
}

Test(errors, inheritance_cycle)
{
	expect_error(HEAD "  \"profiles\": {\n    \"a\": {\"inherits\": \"b\"},\n"
		     "    \"b\": {\"inherits\": \"a\"}\n  }\n}\n",
		     "t.json:5:23: inheritance cycle: a -> b -> a");
}

Test(errors, inheriting_oneself_is_a_cycle)
{
	expect_error(HEAD "  \"profiles\": {\n    \"a\": {},\n    \"b\": {\"caps\": {}, \"inherits\": \"b\"}\n  }\n}\n",
		     "t.json:6:35: inheritance cycle: b -> b");
}

Test(errors, wrong_types)
{
	expect_error(HEAD "  \"profiles\": {\"a\": {}},\n  \"legacy_flags\": \"FORCE\"\n}\n",
		     "t.json:5:19: expected an array of variable names, found a string");
	expect_error(HEAD "  \"profiles\": {\"a\": {}},\n  \"rules\": {}\n}\n",
		     "t.json:5:12: expected an array of rules, found an object");
	expect_error(HEAD "  \"profiles\": {\"a\": {\"inherits\": 3}}\n}\n",
		     "t.json:4:34: expected a profile name, found a number");
}

#define RULES HEAD "  \"profiles\": {\"a\": {}, \"b\": {}},\n  \"rules\": [\n"

Test(errors, rule_without_a_name)
{
	expect_error(RULES "    {\"caps\": {\"recv\": \"1s\"}}\n  ]\n}\n",
		     "t.json:6:5: rule without \"name\"");
}

Test(errors, unknown_key_in_a_rule)
{
	expect_error(RULES "    {\"name\": \"r\", \"cap\": {}}\n  ]\n}\n",
		     "t.json:6:19: unknown key \"cap\" in rule object (known: name, match, caps, env, env_unit, description, rollback)");
}

Test(errors, duplicate_rule_name)
{
	expect_error(RULES "    {\"name\": \"r\"},\n    {\"name\": \"r\"}\n  ]\n}\n",
		     "t.json:7:14: duplicate rule name \"r\"");
}

Test(errors, unknown_key_in_match)
{
	expect_error(RULES "    {\"name\": \"r\", \"match\": {\"addr\": \"::1\"}}\n  ]\n}\n",
		     "t.json:6:29: unknown key \"addr\" in match object (known: host, port, name)");
}

Test(errors, bad_host)
{
	expect_error(RULES "    {\"name\": \"r\", \"match\": {\"host\": \"localhost\"}}\n  ]\n}\n",
		     "t.json:6:37: bad host \"localhost\"");
	expect_error(RULES "    {\"name\": \"r\", \"match\": {\"host\": \"10.0.0.0/33\"}}\n  ]\n}\n",
		     "t.json:6:37: bad host \"10.0.0.0/33\"");
	expect_error(RULES "    {\"name\": \"r\", \"match\": {\"host\": \"::1/129\"}}\n  ]\n}\n",
		     "t.json:6:37: bad host \"::1/129\"");
}

Test(errors, bad_name_pattern)
{
	expect_error(RULES "    {\"name\": \"r\", \"match\": {\"name\": \"back end.test\"}}\n  ]\n}\n",
		     "t.json:6:37: bad name \"back end.test\" (expected a host name");
	expect_error(RULES "    {\"name\": \"r\", \"match\": {\"name\": \"a..test\"}}\n  ]\n}\n",
		     "t.json:6:37: bad name \"a..test\"");
	expect_error(RULES "    {\"name\": \"r\", \"match\": {\"name\": \"a.*.test\"}}\n  ]\n}\n",
		     "t.json:6:37: bad name \"a.*.test\"");
	expect_error(RULES "    {\"name\": \"r\", \"match\": {\"name\": \"*\"}}\n  ]\n}\n",
		     "t.json:6:37: bad name \"*\"");
	expect_error(RULES "    {\"name\": \"r\", \"match\": {\"name\": 5}}\n  ]\n}\n",
		     "t.json:6:37: ");
	expect_error(RULES "    {\"name\": \"r\", \"match\": {\"host\": \"::1\", \"name\": \"a.test\"}}\n  ]\n}\n",
		     "t.json:6:44: a match has \"host\" or \"name\", not both");
}

Test(errors, bad_port)
{
	expect_error(RULES "    {\"name\": \"r\", \"match\": {\"port\": 70000}}\n  ]\n}\n",
		     "t.json:6:37: bad port 70000");
	expect_error(RULES "    {\"name\": \"r\", \"match\": {\"port\": \"8100-8000\"}}\n  ]\n}\n",
		     "t.json:6:37: bad port \"8100-8000\"");
	expect_error(RULES "    {\"name\": \"r\", \"match\": {\"port\": 80.5}}\n  ]\n}\n",
		     "t.json:6:37: bad port 80.5");
}

Test(errors, bad_duration_in_rule_caps)
{
	expect_error(RULES "    {\"name\": \"r\", \"caps\": {\"recv\": {\"a\": \"1s\", \"b\": \"2\"}}}\n  ]\n}\n",
		     "t.json:6:53: bad duration \"2\": a bare number needs a unit");
}

Test(errors, unknown_profile_in_rule_caps)
{
	expect_error(RULES "    {\"name\": \"r\", \"caps\": {\"recv\": {\"staging\": \"1s\"}}}\n  ]\n}\n",
		     "t.json:6:37: unknown profile \"staging\" in recv caps");
}

Test(errors, bad_env_unit)
{
	expect_error(RULES "    {\"name\": \"r\", \"env\": {\"recv\": \"X\"}, \"env_unit\": \"sec\"}\n  ]\n}\n",
		     "t.json:6:53: bad env_unit \"sec\"");
}

#define PAIRS RULES "    {\"name\": \"ws\", \"caps\": {\"recv\": \"5s\"}}\n  ],\n  \"hierarchy\": [\n"

Test(errors, unknown_rule_in_hierarchy)
{
	expect_error(PAIRS "    {\"outer\": \"wss.recv\", \"inner\": \"recv\"}\n  ]\n}\n",
		     "t.json:9:15: unknown rule \"wss\" in hierarchy");
}

Test(errors, unknown_op_in_hierarchy)
{
	expect_error(PAIRS "    {\"outer\": \"ws.recv\", \"inner\": \"ws.wait\"}\n  ]\n}\n",
		     "t.json:9:35: unknown op \"wait\" in hierarchy");
}

Test(errors, unknown_key_in_a_hierarchy_pair)
{
	expect_error(PAIRS "    {\"outer\": \"ws.recv\", \"inside\": \"recv\"}\n  ]\n}\n",
		     "t.json:9:26: unknown key \"inside\" in hierarchy pair (known: outer, inner)");
}

Test(errors, hierarchy_pair_missing_a_side)
{
	expect_error(PAIRS "    {\"outer\": \"ws.recv\"}\n  ]\n}\n",
		     "t.json:9:5: hierarchy pair without \"inner\"");
}

Test(errors, nul_byte_in_the_file)
{
	static const char text[] = "{\n  \"version\": 1,\0\n}";
	char err[512];
	cr_assert_null(wc_config_parse("t.json", text, sizeof text - 1, err, sizeof err));
	cr_assert_str_eq(err, "t.json:2:16: NUL byte in the file");
}

Test(errors, too_many_profiles)
{
	char json[4096] = "{\"version\": 1, \"default\": \"p0\", \"profiles\": {";
	for (int i = 0; i <= WC_MAX_PROFILES; i++)
		snprintf(json + strlen(json), sizeof json - strlen(json), "%s\"p%d\": {}", i ? ", " : "", i);
	strcat(json, "}}");
	const char *err = parse_error_of(json);
	cr_assert(strstr(err, "too many profiles (at most 32)"), "%s", err);
	cr_assert(strncmp(err, "t.json:1:", 9) == 0, "%s", err);
}

Test(errors, control_characters_never_break_the_one_line)
{
	/* cJSON accepts a raw newline inside a key; the message must not. */
	const char *err = parse_error_of("{\"ver\nsion\": 1}");
	cr_assert_str_eq(err, "t.json:1:2: unknown key \"ver?sion\" in top-level object (known: version, "
			      "default, environments, legacy_flags, profiles, rules, hierarchy, description, rollback)");
}

Test(errors, resolve_in_a_rule_is_refused_where_it_is_written)
{
	expect_error(RULES "    {\"name\": \"r\", \"match\": {\"host\": \"10.0.0.0/8\"},\n"
		     "     \"caps\": {\"connect\": \"1s\", \"resolve\": \"1s\"}}\n  ]\n}\n",
		     "t.json:7:32: \"resolve\" is a cap of the whole process");
	expect_error(RULES "    {\"name\": \"r\", \"env\": {\"resolve\": \"R_TIMEOUT\"}}\n  ]\n}\n",
		     "t.json:6:27: \"resolve\" is a cap of the whole process");
}
