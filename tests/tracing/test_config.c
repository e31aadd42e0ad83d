/* waitcap:config at start names the profile, why it was chosen, the legacy
 * switch and the caps. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct lt_env env;

LT_SUITE(config, env, .timeout = 50);

/* Run a program that exits at once under `waitcap run --trace`; the trace's
 * only waitcap:config line. */
static void config_line(const char *trace_name, const char *const extra[], char *line,
			size_t len)
{
	char client[512], trace_opt[300];
	snprintf(client, sizeof client, "%s/tests/tracing/traced_client", lt_getenv("WAITCAP_BUILD"));
	snprintf(trace_opt, sizeof trace_opt, "--trace=%s", lt_path(&env, trace_name));
	const char *argv[] = {lt_getenv("WAITCAP_BIN"), "run", trace_opt, "--", client, "idle", NULL};
	struct lt_proc p;
	int status = lt_run(&env, &p, argv, extra, 30000);
	cr_assert_eq(status, 0, "status %d\n%s\n%s", status, p.out, p.err);
	char *text = lt_babeltrace(lt_path(&env, trace_name), false);
	const char *needles[] = {"waitcap:config:", "procname = \"traced_client\"", NULL};
	int n = lt_count_lines(text, needles, line, len);
	cr_assert_eq(n, 1, "expected one waitcap:config, found %d:\n%.4000s", n, text);
	free(text);
}

static void assert_field(const char *line, const char *name, const char *expected)
{
	char value[256];
	cr_assert(lt_field(line, name, value, sizeof value), "no %s in %s", name, line);
	cr_assert_str_eq(value, expected, "%s: expected %s, got %s in\n%s", name, expected, value,
			 line);
}

Test(config, names_the_profile_chosen_by_environment)
{
	char line[4096];
	const char *extra[] = {"ENVIRONMENT=testing", NULL};
	config_line("trace", extra, line, sizeof line);
	assert_field(line, "profile", "testing");
	assert_field(line, "reason", "ENVIRONMENT=testing");
	assert_field(line, "file", "(embedded)");
	assert_field(line, "legacy", "0");
	assert_field(line, "legacy_flag", "");
	assert_field(line, "error", "");
	assert_field(line, "connect_cap_ms", "10000");
	assert_field(line, "recv_cap_ms", "15000");
	assert_field(line, "send_cap_ms", "15000");
}

Test(config, names_the_legacy_flag_that_turned_caps_off)
{
	char line[4096];
	const char *extra[] = {"LOCAL_DEVELOPMENT=true", "FORCE_LEGACY_TIMEOUTS=true", NULL};
	config_line("trace", extra, line, sizeof line);
	assert_field(line, "profile", "local");
	assert_field(line, "reason", "LOCAL_DEVELOPMENT=true");
	assert_field(line, "legacy", "1");
	assert_field(line, "legacy_flag", "FORCE_LEGACY_TIMEOUTS");
	assert_field(line, "connect_cap_ms", "-1");
	assert_field(line, "recv_cap_ms", "-1");
	assert_field(line, "send_cap_ms", "-1");
}
