/* A rollback shows in the trace: a waitcap:config event whose control
 * field carries the reason, in a program traced by `waitcap run --trace`
 * (a real lttng-sessiond, tests/tracing/harness.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "peers.h"
#include "proc.h"

static struct lt_env env;
static struct peer full;

LT_SUITE_PEER(rollback_trace, env, full, peer_full_listener, .timeout = 60);

Test(rollback_trace, config_event_carries_the_reason)
{
	char config[300], stats[300], control[300], script[512], port[16], trace_opt[300];
	snprintf(config, sizeof config, "WAITCAP_CONFIG=%s", lt_path(&env, "profiles.json"));
	snprintf(stats, sizeof stats, "WAITCAP_STATS_DIR=%s", lt_path(&env, "stats"));
	snprintf(control, sizeof control, "WAITCAP_CONTROL=%s", lt_path(&env, "control"));
	FILE *f = fopen(lt_path(&env, "profiles.json"), "w");
	cr_assert_not_null(f);
	fputs("{\"version\": 1, \"default\": \"local\", \"profiles\": {\"local\": "
	      "{\"caps\": {\"connect\": \"300ms\"}}}}\n", f);
	fclose(f);
	chmod(lt_path(&env, "profiles.json"), 0644);
	snprintf(script, sizeof script, "%s/tests/rollback/connect_loop.py", lt_getenv("WAITCAP_SRC"));
	snprintf(port, sizeof port, "%d", full.port);
	snprintf(trace_opt, sizeof trace_opt, "--trace=%s", lt_path(&env, "trace"));
	const char *argv[] = {lt_getenv("WAITCAP_BIN"), "run", trace_opt, "--", "/usr/bin/python3",
			      script, port, "4", NULL};
	const char *extra[] = {config, stats, control, NULL};
	struct lt_proc p;
	lt_spawn(&env, &p, argv, extra);
	cr_assert(lt_wait_output(&p, "TimeoutError", 10000), "%s", p.err);

	const char *rollback[] = {lt_getenv("WAITCAP_BIN"), "rollback", "--all", "--reason",
				  "trace reason", NULL};
	const char *cmd_env[] = {stats, control, NULL};
	static struct proc_result r;
	cr_assert_eq(proc_run(&r, rollback, cmd_env, false, 10000), 0);
	cr_assert_eq(r.exit_code, 0, "rollback: %s", r.err);
	cr_assert_eq(lt_finish(&p, 30000), 0, "%s\n%s", p.out, p.err);

	char *text = lt_babeltrace(lt_path(&env, "trace"), false);
	const char *needles[] = {"waitcap:config:",
				 "control = \"rolled back (waitcap rollback --all: trace reason): caps lifted\"",
				 NULL};
	char line[4096];
	int n = lt_count_lines(text, needles, line, sizeof line);
	cr_expect_geq(n, 1, "no waitcap:config with the reason:\n%.4000s\n---\n%s\n%s", text, p.out, p.err);
	char profile[64];
	cr_expect(lt_field(line, "profile", profile, sizeof profile) && !strcmp(profile, "local"),
		  "%s", line);
	free(text);
}
