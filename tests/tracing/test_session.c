/* Sessions as the commands open them: a daemon started when none runs,
 * the trace where the user asked, LTTng's errors in one line. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "harness.h"

static struct lt_env env;

static void setup(void)
{
	lt_init(&env);
}

static void teardown(void)
{
	lt_cleanup(&env);
}

TestSuite(session, .init = setup, .fini = teardown, .timeout = 50);

/* The pid of the daemon in env's LTTNG_HOME, 0 if none. */
static pid_t daemon_pid(void)
{
	char path[300];
	snprintf(path, sizeof path, "%s/.lttng/lttng-sessiond.pid", env.home);
	return (pid_t)read_first_number(path);
}

Test(session, run_trace_starts_a_session_daemon_when_none_runs)
{
	cr_assert_eq(daemon_pid(), 0);
	char client[512], trace_opt[300];
	snprintf(client, sizeof client, "%s/tests/tracing/traced_client", lt_getenv("WAITCAP_BUILD"));
	snprintf(trace_opt, sizeof trace_opt, "--trace=%s", lt_path(&env, "trace"));
	const char *argv[] = {lt_getenv("WAITCAP_BIN"), "run", trace_opt, "--", client, "idle", NULL};
	struct lt_proc p;
	int status = lt_run(&env, &p, argv, NULL, 30000);
	/* The daemon it started is ours to stop, by pid, whatever happens. */
	env.sessiond = daemon_pid();
	cr_assert_eq(status, 0, "%s\n%s", p.out, p.err);
	cr_assert_neq(env.sessiond, 0, "no session daemon was started");
	cr_assert(kill(env.sessiond, 0) == 0, "the session daemon is not running");
	char where[600];
	snprintf(where, sizeof where, "waitcap: trace written to %s\n", lt_path(&env, "trace"));
	cr_assert(strstr(p.err, where), "%s", p.err);

	char *text = lt_babeltrace(lt_path(&env, "trace"), false);
	const char *config[] = {"waitcap:config:", "procname = \"traced_client\"", NULL};
	cr_assert_eq(lt_count_lines(text, config, NULL, 0), 1, "%.3000s", text);
	free(text);
}

Test(session, lttng_error_comes_back_as_one_line)
{
	lt_start_sessiond(&env);
	const char *argv[] = {lt_getenv("WAITCAP_BIN"), "record", "--duration", "100ms", "-o",
			      "/proc/waitcap-cannot-write-here", NULL};
	struct lt_proc p;
	int status = lt_run(&env, &p, argv, NULL, 20000);
	cr_assert_eq(status, 1, "%s", p.err);
	cr_assert(!strncmp(p.err, "waitcap record: lttng: cannot ", 30), "%s", p.err);
	cr_assert(strstr(p.err, "/proc/waitcap-cannot-write-here"), "%s", p.err);
	cr_assert_eq(strchr(p.err, '\n'), p.err + p.errlen - 1, "more than one line:\n%s", p.err);
}
