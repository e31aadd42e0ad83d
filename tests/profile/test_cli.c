/* `waitcap check` and `waitcap explain`, run as the real command. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env_table.h"
#include "run_tool.h"

TestSuite(check, .init = env_clear, .fini = env_teardown);
TestSuite(explain, .init = env_clear, .fini = env_teardown);

static struct tool_run run;

static const char *seed_plan(void)
{
	static char path[4096];
	snprintf(path, sizeof path, "%s/profiles/examples/seed-plan.json", getenv("WAITCAP_SRC"));
	return path;
}

/* Line number of the first line of the seed plan containing needle. */
static int seed_line_of(const char *needle)
{
	FILE *f = fopen(seed_plan(), "r");
	cr_assert_not_null(f);
	char line[1024];
	int n = 0, found = 0;
	while (fgets(line, sizeof line, f)) {
		n++;
		if (strstr(line, needle)) {
			found = n;
			break;
		}
	}
	fclose(f);
	cr_assert_gt(found, 0, "%s not in the seed plan", needle);
	return found;
}

static void expect_row(const char *text, const char *label, const char *want)
{
	const char *line = line_starting(text, label);
	cr_assert_not_null(line, "no row %s in:\n%s", label, text);
	cr_assert_str_eq(line, want);
}

/* ---- check ----------------------------------------------------------------- */

Test(check, seed_plan_prints_the_seeds_table)
{
	const char *args[] = {"check", seed_plan(), NULL};
	cr_assert_eq(run_tool(&run, NULL, args), 0, "%s", run.err);
	expect_row(run.out, " local", " local testing staging production"); /* the header */
	expect_row(run.out, "connect ", "connect 5s 10s 30s 30s");
	expect_row(run.out, "recv ", "recv 5s 15s 35s 35s");
	expect_row(run.out, "factory.connect", "factory.connect 5s 10s 30s 30s");
	expect_row(run.out, "websocket_recv.recv", "websocket_recv.recv 5s 15s 35s 35s");
	expect_row(run.out, "agent_execution.recv", "agent_execution.recv 3s 10s 30s 30s");
	expect_row(run.out, "startup_wait.connect", "startup_wait.connect 3s 3s 20s 20s");
	expect_row(run.out, "service_health.recv", "service_health.recv 2s 2s 20s 20s");
	expect_row(run.out, "service_api.recv", "service_api.recv 1s 1s 10s 10s");
	expect_row(run.out, "orchestration.connect", "orchestration.connect 5s 5s 30s 30s");
	expect_row(run.out, " ok", " ok websocket_recv.recv > agent_execution.recv");
	expect_row(run.out, "valid:", "valid: 4 profiles, 7 rules, 1 hierarchy pair");
	cr_assert_str_eq(run.err, "");
}

Test(check, environment_overrides_show_their_variable)
{
	const char *env[] = {"WEBSOCKET_RECV_TIMEOUT=40", "FACTORY_TIMEOUT_SECONDS=30.0", NULL};
	const char *args[] = {"check", seed_plan(), NULL};
	cr_assert_eq(run_tool(&run, env, args), 0, "%s", run.err);
	expect_row(run.out, "websocket_recv.recv",
		   "websocket_recv.recv 40s (WEBSOCKET_RECV_TIMEOUT) 40s (WEBSOCKET_RECV_TIMEOUT) "
		   "40s (WEBSOCKET_RECV_TIMEOUT) 40s (WEBSOCKET_RECV_TIMEOUT)");
	expect_row(run.out, "factory.connect",
		   "factory.connect 30s (FACTORY_TIMEOUT_SECONDS) 30s (FACTORY_TIMEOUT_SECONDS) "
		   "30s (FACTORY_TIMEOUT_SECONDS) 30s (FACTORY_TIMEOUT_SECONDS)");
	expect_row(run.out, "agent_execution.recv", "agent_execution.recv 3s 10s 30s 30s");
}

Test(check, a_violated_pair_is_marked_and_the_exit_status_is_1)
{
	const char *env[] = {"AGENT_EXECUTION_TIMEOUT=31", NULL};
	const char *args[] = {"check", seed_plan(), NULL};
	cr_assert_eq(run_tool(&run, env, args), 1);
	expect_row(run.out, "websocket_recv.recv", "websocket_recv.recv 5s ! 15s ! 35s 35s");
	expect_row(run.out, "agent_execution.recv",
		   "agent_execution.recv 31s (AGENT_EXECUTION_TIMEOUT) ! 31s (AGENT_EXECUTION_TIMEOUT) ! "
		   "31s (AGENT_EXECUTION_TIMEOUT) 31s (AGENT_EXECUTION_TIMEOUT)");
	const char *line = line_starting(run.out, " VIOLATED");
	cr_assert_not_null(line, "%s", run.out);
	cr_assert(strstr(line, "websocket_recv.recv > agent_execution.recv"), "%s", line);
	cr_assert(strstr(line, "local: 5s <= 31s, testing: 15s <= 31s"), "%s", line);
	cr_assert_null(strstr(line, "staging"), "holds in staging: %s", line);

	char want[4200];
	snprintf(want, sizeof want, "waitcap check: %s:%d:5: hierarchy violated in profile \"local\"",
		 seed_plan(), seed_line_of("\"outer\": \"websocket_recv.recv\""));
	cr_assert(strncmp(run.err, want, strlen(want)) == 0, "\nwanted: %s\ngot:    %s", want, run.err);
	expect_row(run.out, "invalid:", "invalid: 1 hierarchy pair violated");
}

Test(check, an_invalid_file_is_one_line_with_its_position_and_exit_1)
{
	const char *path = write_profile("{\n  \"version\": 1,\n  \"default\": \"a\",\n"
					 "  \"profiles\": {\"a\": {\"caps\": {\"recv\": \"5\"}}}\n}\n");
	const char *args[] = {"check", path, NULL};
	cr_assert_eq(run_tool(&run, NULL, args), 1);
	char want[4200];
	snprintf(want, sizeof want, "waitcap check: %s:4:39: bad duration \"5\": a bare number "
		 "needs a unit, e.g. \"5s\"\n", path);
	cr_assert_str_eq(run.err, want);
	cr_assert_str_eq(run.out, "", "no table for an invalid file");
}

Test(check, a_world_writable_file_is_refused)
{
	const char *path = write_profile_mode("{\"version\": 1, \"default\": \"a\", \"profiles\": {\"a\": {}}}",
					      0646);
	const char *args[] = {"check", path, NULL};
	cr_assert_eq(run_tool(&run, NULL, args), 1);
	char want[4200];
	snprintf(want, sizeof want, "waitcap check: %s:1:1: refused: world-writable (mode 0646)", path);
	cr_assert(strncmp(run.err, want, strlen(want)) == 0, "\nwanted: %s\ngot:    %s", want, run.err);
}

Test(check, without_a_file_it_checks_what_the_library_reads)
{
	const char *env[] = {NULL, NULL};
	char config[4200];
	snprintf(config, sizeof config, "WAITCAP_CONFIG=%s", seed_plan());
	env[0] = config;
	const char *args[] = {"check", NULL};
	cr_assert_eq(run_tool(&run, env, args), 0, "%s", run.err);
	cr_assert(strncmp(run.out, seed_plan(), strlen(seed_plan())) == 0, "%s", run.out);
	cr_assert_not_null(line_starting(run.out, "agent_execution.recv"));

	cr_assert_eq(run_tool(&run, NULL, args), 0, "%s", run.err);
	cr_assert(strncmp(run.out, "(embedded)\n", 11) == 0, "%s", run.out);

	/* A system file present: it is the one checked. */
	char system_file[4200];
	snprintf(system_file, sizeof system_file, "WAITCAP_TEST_SYSTEM_FILE=%s", seed_plan());
	env[0] = system_file;
	cr_assert_eq(run_tool(&run, env, args), 0, "%s", run.err);
	cr_assert(strncmp(run.out, seed_plan(), strlen(seed_plan())) == 0, "%s", run.out);
}

Test(check, help_and_usage_errors)
{
	const char *help[] = {"check", "--help", NULL};
	cr_assert_eq(run_tool(&run, NULL, help), 0);
	cr_assert(strncmp(run.out, "usage: waitcap check [FILE]", 27) == 0, "%s", run.out);
	const char *bad[] = {"check", "--frobnicate", NULL};
	cr_assert_eq(run_tool(&run, NULL, bad), 2);
	const char *two[] = {"check", "a.json", "b.json", NULL};
	cr_assert_eq(run_tool(&run, NULL, two), 2);
}

/* ---- explain --------------------------------------------------------------- */

Test(explain, default_profile_and_why)
{
	const char *args[] = {"explain", NULL};
	cr_assert_eq(run_tool(&run, NULL, args), 0, "%s", run.err);
	char file[4300];
	snprintf(file, sizeof file, "file: (embedded) (no WAITCAP_CONFIG, no %s)",
		 getenv("WAITCAP_TEST_SYSTEM_FILE"));
	expect_row(run.out, "file:", file);
	expect_row(run.out, "profile:", "profile: local (default)");
	expect_row(run.out, "legacy:", "legacy: off (FORCE_LEGACY_TIMEOUTS, DISABLE_TIMEOUT_OPTIMIZATIONS not true)");
}

Test(explain, a_present_system_file_is_named)
{
	char system_file[4200];
	snprintf(system_file, sizeof system_file, "WAITCAP_TEST_SYSTEM_FILE=%s", seed_plan());
	const char *env[] = {system_file, NULL};
	const char *args[] = {"explain", NULL};
	cr_assert_eq(run_tool(&run, env, args), 0, "%s", run.err);
	char file[4300];
	snprintf(file, sizeof file, "file: %s (present, no WAITCAP_CONFIG)", seed_plan());
	expect_row(run.out, "file:", file);
}

Test(explain, environment_selects_and_is_named)
{
	char config[4200];
	snprintf(config, sizeof config, "WAITCAP_CONFIG=%s", seed_plan());
	const char *env[] = {config, "ENVIRONMENT=staging", NULL};
	const char *args[] = {"explain", NULL};
	cr_assert_eq(run_tool(&run, env, args), 0, "%s", run.err);
	char file[4300];
	snprintf(file, sizeof file, "file: %s (WAITCAP_CONFIG)", seed_plan());
	expect_row(run.out, "file:", file);
	expect_row(run.out, "profile:", "profile: staging (ENVIRONMENT=staging)");
	expect_row(run.out, "caps:", "caps: connect 30s, recv 35s, send 35s, resolve none");
	expect_row(run.out, "rules:", "rules: 7, first match wins");
	expect_row(run.out, " websocket_recv", " websocket_recv 127.0.0.1 port 18002 recv 35s");
}

Test(explain, dest_names_the_matching_rule_and_its_caps)
{
	const char *env[] = {"LOCAL_DEVELOPMENT=true", "WEBSOCKET_RECV_TIMEOUT=40", NULL};
	const char *args[] = {"explain", "--config", seed_plan(), "--dest", "127.0.0.1:18002", NULL};
	cr_assert_eq(run_tool(&run, env, args), 0, "%s", run.err);
	expect_row(run.out, "profile:", "profile: local (LOCAL_DEVELOPMENT=true)");
	expect_row(run.out, "dest:", "dest: 127.0.0.1:18002");
	expect_row(run.out, "rule:", "rule: websocket_recv (127.0.0.1 port 18002)");
	expect_row(run.out, "applied: connect",
		   "applied: connect 5s (profile), recv 40s (rule, WEBSOCKET_RECV_TIMEOUT=40), send 5s (profile)");
}

Test(explain, dest_without_a_rule_gets_the_profiles_caps)
{
	const char *env[] = {"WAITCAP_CAPS=recv=250ms", NULL};
	const char *args[] = {"explain", "--config", seed_plan(), "--profile", "testing",
			      "--dest", "[::1]:18002", NULL};
	cr_assert_eq(run_tool(&run, env, args), 0, "%s", run.err);
	expect_row(run.out, "profile:", "profile: testing (--profile)");
	expect_row(run.out, "rule:", "rule: none matches; the profile's caps apply");
	expect_row(run.out, "applied: connect",
		   "applied: connect 10s (profile), recv 250ms (WAITCAP_CAPS), send 15s (profile)");
}

Test(explain, legacy_flag_means_no_caps)
{
	const char *env[] = {"DISABLE_TIMEOUT_OPTIMIZATIONS=true", NULL};
	const char *args[] = {"explain", "--config", seed_plan(), "--dest", "127.0.0.1:18001", NULL};
	cr_assert_eq(run_tool(&run, env, args), 0, "%s", run.err);
	expect_row(run.out, "legacy:",
		   "legacy: DISABLE_TIMEOUT_OPTIMIZATIONS=true: no cap at all (tracing unchanged)");
	expect_row(run.out, "applied: connect",
		   "applied: connect none (DISABLE_TIMEOUT_OPTIMIZATIONS), recv none (DISABLE_TIMEOUT_OPTIMIZATIONS), "
		   "send none (DISABLE_TIMEOUT_OPTIMIZATIONS)");
	expect_row(run.out, "rule:", "rule: factory (127.0.0.1 port 18001)");
}

Test(explain, a_failing_policy_is_reported_with_exit_1)
{
	const char *args[] = {"explain", "--config", "/nonexistent/p.json", NULL};
	cr_assert_eq(run_tool(&run, NULL, args), 1);
	expect_row(run.out, "error:", "error: /nonexistent/p.json:1:1: cannot open: No such file or directory");
	expect_row(run.out, "result:", "result: the library would run with no caps at all (tracing on)");
	cr_assert_str_eq(run.err, "waitcap explain: /nonexistent/p.json:1:1: cannot open: No such file or directory\n");
}

Test(explain, help_and_usage_errors)
{
	const char *help[] = {"explain", "--help", NULL};
	cr_assert_eq(run_tool(&run, NULL, help), 0);
	cr_assert(strncmp(run.out, "usage: waitcap explain", 22) == 0, "%s", run.out);
	const char *bad[] = {"explain", "--dest", "localhost", NULL};
	cr_assert_eq(run_tool(&run, NULL, bad), 2);
	cr_assert(strstr(run.err, "--dest localhost: expected ADDR:PORT or NAME:PORT"), "%s",
		  run.err);
}

Test(check, a_bad_override_value_is_an_error_at_the_env_key)
{
	const char *env[] = {"FACTORY_TIMEOUT_SECONDS=thirty", NULL};
	const char *args[] = {"check", seed_plan(), NULL};
	cr_assert_eq(run_tool(&run, env, args), 1);
	char want[4200];
	snprintf(want, sizeof want, "waitcap check: %s:%d:", seed_plan(),
		 seed_line_of("\"env\": {\"connect\": \"FACTORY_TIMEOUT_SECONDS\"}"));
	cr_assert(strncmp(run.err, want, strlen(want)) == 0, "\nwanted: %s\ngot:    %s", want, run.err);
	cr_assert(strstr(run.err, "FACTORY_TIMEOUT_SECONDS=\"thirty\" is not a positive number"), "%s", run.err);
}
