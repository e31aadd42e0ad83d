/* Real event-loop runtimes under the library: python3 asyncio and Node.js
 * (libuv) wait in epoll_wait and keep their timers in user space.  With
 * 300 ms caps, a connect to a full accept queue and a request to a silent
 * server end with the runtime's own timeout error within the bounds of
 * tests/support/timing.h, measured from the connect or write that armed
 * the cap;
 * with FORCE_LEGACY_TIMEOUTS=true they wait for the program's own timeout. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "echo_proc.h"
#include "peers.h"
#include "proc.h"
#include "timing.h"

/* Tracing off: these tests are about caps (test_traced.c is about the
 * trace), and a machine-wide session daemon must not slow their start. */
#define CAPS "WAITCAP_CAPS=connect=300ms,recv=300ms", "WAITCAP_TRACE=0"
static const char *const capped_env[] = {CAPS, NULL};
static const char *const legacy_env[] = {CAPS, "FORCE_LEGACY_TIMEOUTS=true", NULL};

static struct peer peer;
static struct proc_result res;

static const char *script(const char *name)
{
	static char path[4096];
	const char *src = getenv("WAITCAP_SRC");
	snprintf(path, sizeof(path), "%s/tests/epoll/%s", src ? src : ".", name);
	return path;
}

/* Run "INTERP SCRIPT MODE PORT [OWN]" preloaded; returns its result line. */
static const char *run_client(const char *interp, const char *file, const char *mode, int port,
			      const char *own, const char *const env[])
{
	char port_s[16];
	snprintf(port_s, sizeof(port_s), "%d", port);
	const char *argv[] = {interp, script(file), mode, port_s, own, NULL};
	cr_assert_eq(proc_run(&res, argv, env, true, 20000), 0, "could not run %s", interp);
	cr_assert_eq(res.exit_code, 0, "%s %s %s exited %d:\n%s%s", interp, file, mode,
		     res.exit_code, res.out, res.err);
	return res.out;
}

static long result_ms(const char *out)
{
	const char *ms = strstr(out, "ms=");
	cr_assert(ms, "no duration in \"%s\"", out);
	return strtol(ms + 3, NULL, 10);
}

/* Ended by the 300 ms cap. */
static void assert_capped(const char *out)
{
	cr_assert_capped(result_ms(out), 300, out);
}

/* Ended by the program's own 1.5 s timeout. */
static void assert_own_timeout(const char *out)
{
	cr_assert_capped(result_ms(out), 1500, out);
}

/* ---- python3 asyncio ---------------------------------------------------- */

Test(epoll_runtimes, asyncio_open_connection_to_full_listener_times_out, .timeout = 30)
{
	cr_assert_eq(peer_full_listener(&peer, 0), 0);
	const char *out = run_client("python3", "asyncio_client.py", "connect", peer.port, NULL,
				     capped_env);
	peer_stop(&peer);
	cr_assert(!strncmp(out, "error TimeoutError errno=110 ", 29), "%s", out);
	assert_capped(out);
}

Test(epoll_runtimes, asyncio_read_from_silent_server_times_out, .timeout = 30)
{
	cr_assert_eq(peer_silent_server(&peer, 0), 0);
	const char *out = run_client("python3", "asyncio_client.py", "read", peer.port, NULL,
				     capped_env);
	peer_stop(&peer);
	cr_assert(!strncmp(out, "error TimeoutError errno=110 ", 29), "%s", out);
	assert_capped(out);
}

Test(epoll_runtimes, asyncio_legacy_flag_keeps_own_timeouts, .timeout = 30)
{
	cr_assert_eq(peer_full_listener(&peer, 0), 0);
	const char *out = run_client("python3", "asyncio_client.py", "connect", peer.port, "1.5",
				     legacy_env);
	peer_stop(&peer);
	cr_assert(!strncmp(out, "error TimeoutError errno=None ", 30), "%s", out);
	assert_own_timeout(out);

	cr_assert_eq(peer_silent_server(&peer, 0), 0);
	out = run_client("python3", "asyncio_client.py", "read", peer.port, "1.5", legacy_env);
	peer_stop(&peer);
	cr_assert(!strncmp(out, "error TimeoutError errno=None ", 30), "%s", out);
	assert_own_timeout(out);
}

/* ---- Node.js (libuv) ----------------------------------------------------- */

Test(epoll_runtimes, node_connect_to_full_listener_emits_etimedout, .timeout = 30)
{
	cr_assert_eq(peer_full_listener(&peer, 0), 0);
	const char *out = run_client("node", "node_client.js", "connect", peer.port, NULL,
				     capped_env);
	peer_stop(&peer);
	cr_assert(!strncmp(out, "error ETIMEDOUT ", 16), "%s", out);
	assert_capped(out);
}

Test(epoll_runtimes, node_http_get_from_silent_server_errors, .timeout = 30)
{
	cr_assert_eq(peer_silent_server(&peer, 0), 0);
	const char *out = run_client("node", "node_client.js", "http", peer.port, NULL, capped_env);
	peer_stop(&peer);
	cr_assert(!strncmp(out, "error ETIMEDOUT ", 16), "%s", out);
	assert_capped(out);
}

Test(epoll_runtimes, node_legacy_flag_keeps_own_timeouts, .timeout = 30)
{
	cr_assert_eq(peer_full_listener(&peer, 0), 0);
	const char *out = run_client("node", "node_client.js", "connect", peer.port, "1500",
				     legacy_env);
	peer_stop(&peer);
	cr_assert(!strncmp(out, "error OWN_TIMEOUT ", 18), "%s", out);
	assert_own_timeout(out);

	cr_assert_eq(peer_silent_server(&peer, 0), 0);
	out = run_client("node", "node_client.js", "http", peer.port, "1500", legacy_env);
	peer_stop(&peer);
	cr_assert(!strncmp(out, "error OWN_TIMEOUT ", 18), "%s", out);
	assert_own_timeout(out);
}

/* ---- a pool of idle connections next to one stuck request -------------- */

Test(epoll_runtimes, asyncio_pool_of_200_idle_survives_one_timeout, .timeout = 60)
{
	int echo_port;
	pid_t echo = echo_proc_start(&echo_port); /* the shared peers hold 64 clients */
	cr_assert(echo > 0, "echo server did not start");
	cr_assert_eq(peer_silent_server(&peer, 0), 0);
	char ports[64];
	snprintf(ports, sizeof(ports), "%d", echo_port);
	char silent[16];
	snprintf(silent, sizeof(silent), "%d", peer.port);
	const char *argv[] = {"python3", script("asyncio_client.py"), "pool", ports, silent, "200",
			      NULL};
	int ran = proc_run(&res, argv, capped_env, true, 30000);
	peer_stop(&peer);
	echo_proc_stop(echo);
	cr_assert_eq(ran, 0);
	cr_assert_eq(res.exit_code, 0, "%s%s", res.out, res.err);
	cr_assert(!strncmp(res.out, "pool answered=200/200 active: error TimeoutError errno=110 ", 59),
		  "%s", res.out);
	assert_capped(res.out);
}
