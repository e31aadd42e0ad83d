/* The support library's promise: a program a test starts sees nothing of
 * the caller's that waitcap reads, whatever the caller set. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"

/* What a hostile caller may have in its shell (issue #11's list, plus a
 * rule override named only in profiles/examples/seed-plan.json). */
static const char *const hostile[][2] = {
	{"ENVIRONMENT", "production"}, {"LOCAL_DEVELOPMENT", "true"},
	{"WAITCAP_PROFILE", "staging"}, {"FORCE_LEGACY_TIMEOUTS", "true"},
	{"DISABLE_TIMEOUT_OPTIMIZATIONS", "true"}, {"WAITCAP_CAPS", "connect=1ms"},
	{"WAITCAP_CONFIG", "/nonexistent"}, {"WAITCAP_TRACE", "0"}, {"WAITCAP_MIN_BLOCK", "1h"},
	{"FACTORY_TIMEOUT_SECONDS", "1"}, {"LD_PRELOAD", "/nonexistent/lib.so"},
	{"LTTNG_HOME", "/nonexistent"},
};

static void set_hostile(void)
{
	for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++)
		setenv(hostile[i][0], hostile[i][1], 1);
}

TestSuite(clean_env, .init = set_hostile);

static bool has_line(const char *out, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, line, n) && (p[n] == '\n' || !p[n]))
			return true;
	return false;
}

Test(clean_env, a_child_sees_none_of_what_waitcap_reads)
{
	static struct proc_result r;
	const char *argv[] = {"env", NULL};
	const char *mine[] = {"ENVIRONMENT=testing", NULL};
	cr_assert_eq(proc_run(&r, argv, mine, false, 10000), 0);
	cr_assert_eq(r.exit_code, 0, "%s", r.err);
	for (size_t i = 0; i < sizeof hostile / sizeof *hostile; i++) {
		char entry[256];
		snprintf(entry, sizeof entry, "%s=%s", hostile[i][0], hostile[i][1]);
		cr_assert(!has_line(r.out, entry), "%s reached the child:\n%s", entry, r.out);
	}
	cr_assert(has_line(r.out, "ENVIRONMENT=testing"), "what the test sets wins:\n%s", r.out);
	char system_file[4200];
	snprintf(system_file, sizeof system_file, "WAITCAP_TEST_SYSTEM_FILE=%s",
		 clean_env_no_system_file());
	cr_assert(has_line(r.out, system_file), "no stand-in for /etc/waitcap:\n%s", r.out);
	cr_assert(strstr(r.out, "\nWAITCAP_BUILD=") || !strncmp(r.out, "WAITCAP_BUILD=", 14),
		  "the harness's own variables stay:\n%s", r.out);
}

Test(clean_env, waitcap_explain_sees_the_embedded_default_and_no_flag)
{
	static struct proc_result r;
	const char *args[] = {"explain", NULL};
	cr_assert_eq(proc_run_tool(&r, args, NULL, 10000), 0);
	cr_assert_eq(r.exit_code, 0, "%s", r.err);
	cr_assert(strstr(r.out, "file:     (embedded)"), "%s", r.out);
	cr_assert(strstr(r.out, "profile:  local (default)"), "%s", r.out);
}
