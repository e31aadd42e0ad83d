/* Killing the session daemon mid-run leaves the traced program alone: same
 * output, same exit status as a run without any daemon. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "peers.h"

static struct lt_env env;
static struct peer silent;

static void setup(void)
{
	lt_init(&env);
	cr_assert(peer_silent_server(&silent, 0) == 0);
}

static void teardown(void)
{
	peer_stop(&silent);
	lt_cleanup(&env);
}

TestSuite(sessiond_death, .init = setup, .fini = teardown, .timeout = 50);

Test(sessiond_death, program_output_and_status_unchanged)
{
	char client[512], preload[600], port[16];
	snprintf(client, sizeof client, "%s/tests/tracing/traced_client", lt_getenv("WAITCAP_BUILD"));
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", lt_getenv("WAITCAP_LIB"));
	snprintf(port, sizeof port, "%d", silent.port);
	const char *client_argv[] = {client, "loop", port, "8", "100", NULL};
	const char *client_env[] = {preload, NULL};

	struct lt_proc baseline;
	int baseline_status = lt_run(&env, &baseline, client_argv, client_env, 20000);
	cr_assert_eq(baseline_status, 0, "%s", baseline.err);

	lt_start_sessiond(&env);
	const char *record_argv[] = {lt_getenv("WAITCAP_BIN"), "record", "-o",
				     lt_path(&env, "trace"), NULL};
	struct lt_proc record;
	lt_spawn(&env, &record, record_argv, NULL);
	cr_assert(lt_wait_output(&record, "recording to", 15000), "%s", record.err);

	struct lt_proc program;
	lt_spawn(&env, &program, client_argv, client_env);
	cr_assert(lt_wait_output(&program, "iteration 2:", 10000), "%s", program.err);
	lt_kill_sessiond(&env, SIGKILL);
	int status = lt_finish(&program, 20000);

	cr_assert_eq(status, baseline_status);
	cr_assert_str_eq(program.out, baseline.out);

	/* The recorder cannot stop a session whose daemon is gone: it says so
	 * in one line and fails. */
	kill(record.pid, SIGINT);
	int record_status = lt_finish(&record, 20000);
	cr_assert_eq(record_status, 1, "record: %d\n%s", record_status, record.err);
	cr_assert(strstr(record.err, "waitcap record: lttng: cannot stop session"), "%s",
		  record.err);
}
