/* `waitcap run --trace` preloads liblttng-ust-fork, whose fork() wrapper
 * runs liblttng-ust's fork hooks; the library runs them itself otherwise.
 * Both at once would take the tracer's locks twice and hang the fork: the
 * library leaves them to the wrapper, and the child is traced once. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "peers.h"

static struct lt_env env;
static struct peer silent;

LT_SUITE_PEER(run_trace_fork, env, silent, peer_silent_server, .timeout = 60);

Test(run_trace_fork, forked_child_is_traced_once_and_the_fork_does_not_hang)
{
	char client[512], trace_opt[300], port[16];
	snprintf(client, sizeof client, "%s/tests/cheap/fork_client", lt_getenv("WAITCAP_BUILD"));
	snprintf(trace_opt, sizeof trace_opt, "--trace=%s", lt_path(&env, "trace"));
	snprintf(port, sizeof port, "%d", silent.port);
	const char *argv[] = {lt_getenv("WAITCAP_BIN"), "run", trace_opt, "--", client, port, NULL};
	struct lt_proc p;
	int status = lt_run(&env, &p, argv, NULL, 30000);
	cr_assert_eq(status, 0, "%s\n%s", p.out, p.err);
	int child = 0;
	const char *line = strstr(p.out, "child ");
	cr_assert(line && sscanf(line, "child %d", &child) == 1 && child > 0, "%s", p.out);

	char *text = lt_babeltrace(lt_path(&env, "trace"), false);
	char vpid[64];
	snprintf(vpid, sizeof vpid, "vpid = %d,", child);
	const char *waits[] = {"waitcap:wait:", vpid, "func = \"recv\"", "outcome = ( \"app_timeout\"",
			       NULL};
	int n = lt_count_lines(text, waits, NULL, 0);
	cr_assert_eq(n, 1, "the child's recv was recorded %d times:\n%.4000s", n, text);
	free(text);
}
