/* Event loops in traces: the epoll wait a cap ended is a waitcap:wait with
 * op "epoll" and outcome "capped", and the deadline that fired is a
 * waitcap:expired naming the socket and the cap (real lttng-sessiond,
 * tests/tracing/harness.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "peers.h"

static struct lt_env env;
static struct peer silent;

LT_SUITE_PEER(epoll_traced, env, silent, peer_silent_server, .timeout = 60);

static void assert_field(const char *line, const char *name, const char *want)
{
	char value[256];
	cr_assert(lt_field(line, name, value, sizeof value), "no %s in %s", name, line);
	cr_assert_str_eq(value, want, "%s in %s", name, line);
}

/* Run CLIENT (a script in tests/epoll) reading from the silent server
 * under `waitcap run --trace`, and check both events. */
static void check_traced(const char *interp, const char *script, const char *mode,
			 const char *procname, const char *func)
{
	char path[4096], port[16], trace_opt[300];
	snprintf(path, sizeof path, "%s/tests/epoll/%s", lt_getenv("WAITCAP_SRC"), script);
	snprintf(port, sizeof port, "%d", silent.port);
	snprintf(trace_opt, sizeof trace_opt, "--trace=%s", lt_path(&env, "trace"));
	const char *argv[] = {lt_getenv("WAITCAP_BIN"), "run", "--cap", "connect=300ms", "--cap",
			      "recv=300ms", trace_opt, "--", interp, path, mode, port, NULL};
	struct lt_proc p;
	int status = lt_run(&env, &p, argv, NULL, 40000);
	cr_assert_eq(status, 0, "waitcap run: %d\n%s\n%s", status, p.out, p.err);
	cr_assert(strstr(p.out, "error "), "the client was not cut short:\n%s", p.out);

	char *text = lt_babeltrace(lt_path(&env, "trace"), false);
	char peer[64], proc[64], line[4096];
	snprintf(peer, sizeof peer, "peer = \"127.0.0.1:%d\"", silent.port);
	snprintf(proc, sizeof proc, "procname = \"%s\"", procname);

	const char *expired[] = {"waitcap:expired:", proc, peer, NULL};
	int n = lt_count_lines(text, expired, line, sizeof line);
	cr_assert_eq(n, 1, "expected one waitcap:expired for %s, found %d:\n%.6000s", peer, n, text);
	assert_field(line, "op", "recv");
	assert_field(line, "cap_ms", "300");

	const char *capped[] = {"waitcap:wait:", proc, "op = ( \"epoll\"", "outcome = ( \"capped\"", NULL};
	n = lt_count_lines(text, capped, line, sizeof line);
	cr_assert_eq(n, 1, "expected one capped epoll wait, found %d:\n%.6000s", n, text);
	assert_field(line, "func", func);
	assert_field(line, "cap_ms", "300");
	cr_assert(strstr(line, peer), "the wait names the socket whose cap ended it: %s", line);
	free(text);
}

Test(epoll_traced, asyncio_read_cut_by_cap_is_a_capped_epoll_wait)
{
	check_traced("python3", "asyncio_client.py", "read", "python3", "epoll_wait");
}

Test(epoll_traced, node_http_get_cut_by_cap_is_a_capped_epoll_wait)
{
	check_traced("node", "node_client.js", "http", "node", "epoll_pwait");
}
