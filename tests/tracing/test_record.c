/* `waitcap record` over a program that was already running with the
 * library: it joins the session as soon as the session exists. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "peers.h"

static struct lt_env env;
static struct peer silent;

LT_SUITE_PEER(record, env, silent, peer_silent_server, .timeout = 50);

Test(record, program_started_before_the_session_is_traced)
{
	char client[512], preload[600], port[16];
	snprintf(client, sizeof client, "%s/tests/tracing/traced_client", lt_getenv("WAITCAP_BUILD"));
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", lt_getenv("WAITCAP_LIB"));
	snprintf(port, sizeof port, "%d", silent.port);
	const char *client_argv[] = {client, "loop", port, "30", "100", NULL};
	const char *client_env[] = {preload, NULL};
	struct lt_proc program;
	lt_spawn(&env, &program, client_argv, client_env);
	cr_assert(lt_wait_output(&program, "iteration 1:", 10000), "%s", program.err);

	const char *record_argv[] = {lt_getenv("WAITCAP_BIN"), "record", "--duration", "2s",
				     "-o", lt_path(&env, "trace"), NULL};
	struct lt_proc record;
	int status = lt_run(&env, &record, record_argv, NULL, 20000);
	cr_assert_eq(status, 0, "waitcap record: %d\n%s\n%s", status, record.out, record.err);
	char where[600];
	snprintf(where, sizeof where, "trace: %s\n", lt_path(&env, "trace"));
	cr_assert(strstr(record.out, where), "record does not say where the trace is:\n%s",
		  record.out);
	cr_assert_eq(lt_finish(&program, 20000), 0, "%s", program.err);

	char *text = lt_babeltrace(lt_path(&env, "trace"), false);
	char vpid[64];
	snprintf(vpid, sizeof vpid, "vpid = %d,", (int)program.pid);
	const char *waits[] = {"waitcap:wait:", vpid, "func = \"recv\"", "outcome = ( \"app_timeout\"",
			       NULL};
	int n = lt_count_lines(text, waits, NULL, 0);
	/* 2 s of a 150 ms loop: about thirteen; allow for the session's start. */
	cr_assert_geq(n, 4, "only %d waits of the running program recorded:\n%.4000s", n, text);
	const char *config[] = {"waitcap:config:", vpid, NULL};
	cr_assert_geq(lt_count_lines(text, config, NULL, 0), 1,
		     "the program's policy was not recorded for the late session:\n%.4000s", text);
	free(text);
}

Test(record, rejects_a_bad_duration_with_one_line)
{
	const char *argv[] = {lt_getenv("WAITCAP_BIN"), "record", "--duration", "5", NULL};
	struct lt_proc p;
	int status = lt_run(&env, &p, argv, NULL, 10000);
	cr_assert_eq(status, 2);
	cr_assert_str_eq(p.err, "waitcap record: --duration 5: not a duration (e.g. 30s, 5m)\n");
}
