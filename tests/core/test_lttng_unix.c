/* A program with LTTng-UST loaded keeps talking to its session daemon
 * under the library, even with 10 ms caps: AF_UNIX sockets and LTTng's own
 * threads are never capped nor traced, while its TCP waits are. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tracing/harness.h"
#include "peers.h"

static struct lt_env env;
static struct peer silent;

LT_SUITE_PEER(lttng_unix, env, silent, peer_silent_server, .timeout = 60);

/* A new connection every 100 ms, a request, and a wait for the answer in
 * poll() with a 50 ms timeout, which the 10 ms cap cuts short. */
static const char client[] =
	"import socket, sys, time\n"
	"for i in range(40):\n"
	"    s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n"
	"    s.settimeout(0.05)\n"
	"    s.sendall(b'ping')\n"
	"    try:\n"
	"        s.recv(10)\n"
	"        r = 'data'\n"
	"    except OSError as e:\n"
	"        r = type(e).__name__\n"
	"    s.close()\n"
	"    print('iteration %d: %s' % (i, r), flush=True)\n"
	"    time.sleep(0.1)\n";

Test(lttng_unix, session_daemon_channel_survives_tiny_caps)
{
	char preload[600], port[16];
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", lt_getenv("WAITCAP_LIB"));
	snprintf(port, sizeof port, "%d", silent.port);
	const char *client_argv[] = {"python3", "-c", client, port, NULL};
	const char *client_env[] = {preload, "WAITCAP_CAPS=connect=10ms,recv=10ms,send=10ms", NULL};
	struct lt_proc program;
	lt_spawn(&env, &program, client_argv, client_env);
	cr_assert(lt_wait_output(&program, "iteration 1: TimeoutError", 10000), "%s%s", program.out,
		  program.err);

	/* The session is opened while the program runs: its registration,
	 * the channel set-up and every buffer flush go over AF_UNIX sockets
	 * and LTTng's own threads, all under the library's 10 ms caps. */
	const char *record_argv[] = {lt_getenv("WAITCAP_BIN"), "record", "--duration", "2s",
				     "-o", lt_path(&env, "trace"), NULL};
	struct lt_proc record;
	int status = lt_run(&env, &record, record_argv, NULL, 20000);
	cr_assert_eq(status, 0, "waitcap record: %d\n%s\n%s", status, record.out, record.err);
	cr_assert_eq(lt_finish(&program, 20000), 0, "the program broke: %s", program.err);
	cr_assert(strstr(program.out, "iteration 39: TimeoutError"), "%s", program.out);

	char *text = lt_babeltrace(lt_path(&env, "trace"), false);
	char vpid[64];
	snprintf(vpid, sizeof vpid, "vpid = %d,", (int)program.pid);
	const char *capped[] = {"waitcap:wait:", vpid, "outcome = ( \"capped\"", "cap_ms = 10,", NULL};
	int n = lt_count_lines(text, capped, NULL, 0);
	cr_assert_geq(n, 4, "only %d capped TCP waits recorded:\n%.3000s", n, text);
	const char *untagged[] = {"waitcap:wait:", vpid, "peer = \"\"", NULL};
	char first[512] = "";
	cr_assert_eq(lt_count_lines(text, untagged, first, sizeof first), 0,
		     "a wait on a non-TCP socket was traced: %s", first);
	free(text);
}
