/* Caps against real peers on loopback: a listener whose accept queue is
 * full (connect hangs) and a server that accepts and never answers.
 * With 300 ms caps every client ends with ETIMEDOUT or its own timeout
 * error within the bounds of tests/support/timing.h, measured from before
 * the call that armed the cap (the connect, the send); with
 * FORCE_LEGACY_TIMEOUTS=true each waits for its own 2 s timeout instead. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peers.h"
#include "proc.h"
#include "timing.h"

#define CAP_MS 300
#define OWN_MS 2000

static const char *const capped[] = {"WAITCAP_CAPS=connect=300ms,recv=300ms,send=300ms",
				     "WAITCAP_TRACE=0", NULL};
static const char *const legacy[] = {"WAITCAP_CAPS=connect=300ms,recv=300ms,send=300ms",
				     "FORCE_LEGACY_TIMEOUTS=true", "WAITCAP_TRACE=0", NULL};

static struct peer full, silent;

static void start_peers(void)
{
	cr_assert_eq(peer_full_listener(&full, 0), 0, "cannot fill a listener's accept queue");
	cr_assert_eq(peer_silent_server(&silent, 0), 0);
}

static void stop_peers(void)
{
	peer_stop(&full);
	peer_stop(&silent);
}

TestSuite(caps, .init = start_peers, .fini = stop_peers, .timeout = 60);

/* The elapsed time a program printed as "KEY=N" (ms) or "KEY=S.SSS" (s). */
static long printed_ms(const char *out, const char *key, int seconds)
{
	const char *p = strstr(out, key);
	cr_assert(p, "no '%s' in output: %s", key, out);
	double v = atof(p + strlen(key));
	return seconds ? (long)(v * 1000) : (long)v;
}

static void assert_capped_ms(long ms, const char *what)
{
	cr_assert_capped(ms, CAP_MS, what);
}

/* The program's own timeout holds like a cap. */
static void assert_own_ms(long ms, const char *what)
{
	cr_assert_capped(ms, OWN_MS, what);
}

static struct proc_result r;

static void run_client(const char *mode, int port, const char *const *env, const char *own)
{
	char p[16];
	snprintf(p, sizeof(p), "%d", port);
	const char *argv[] = {build_path("tests/core/client"), mode, p, "--timeout-ms", own, NULL};
	cr_assert_eq(proc_run(&r, argv, env, true, 20000), 0);
	cr_assert(!r.timed_out, "client %s hung", mode);
}

/* ---- the project's own C clients -------------------------------------- */

Test(caps, c_blocking_connect_to_full_listener)
{
	run_client("connect", full.port, capped, "30000");
	cr_assert(strstr(r.out, "result=fail errno=ETIMEDOUT"), "%s", r.out);
	assert_capped_ms(printed_ms(r.out, "elapsed_ms=", 0), "blocking connect");
}

Test(caps, c_poll_connect_to_full_listener)
{
	run_client("connect-poll", full.port, capped, "30000");
	cr_assert(strstr(r.out, "result=fail errno=ETIMEDOUT"), "%s", r.out);
	assert_capped_ms(printed_ms(r.out, "elapsed_ms=", 0), "poll-driven connect");
}

Test(caps, c_blocking_recv_from_silent_server)
{
	run_client("recv", silent.port, capped, "30000");
	cr_assert(strstr(r.out, "result=fail errno=ETIMEDOUT"), "%s", r.out);
	assert_capped_ms(printed_ms(r.out, "elapsed_ms=", 0), "blocking recv");
}

Test(caps, c_poll_recv_from_silent_server)
{
	run_client("recv-poll", silent.port, capped, "30000");
	cr_assert(strstr(r.out, "result=fail errno=ETIMEDOUT"), "%s", r.out);
	assert_capped_ms(printed_ms(r.out, "elapsed_ms=", 0), "poll-driven recv");
}

Test(caps, c_clients_wait_for_their_own_timeout_under_legacy_flag)
{
	run_client("connect", full.port, legacy, "2000");
	assert_own_ms(printed_ms(r.out, "elapsed_ms=", 0), "legacy blocking connect");
	run_client("connect-poll", full.port, legacy, "2000");
	assert_own_ms(printed_ms(r.out, "elapsed_ms=", 0), "legacy poll connect");
	run_client("recv", silent.port, legacy, "2000");
	cr_assert(strstr(r.out, "errno=EAGAIN"), "own SO_RCVTIMEO gives EAGAIN: %s", r.out);
	assert_own_ms(printed_ms(r.out, "elapsed_ms=", 0), "legacy blocking recv");
	run_client("recv-poll", silent.port, legacy, "2000");
	assert_own_ms(printed_ms(r.out, "elapsed_ms=", 0), "legacy poll recv");
}

/* ---- curl: a poll loop next to its wake-up socketpair ----------------- */

static void run_curl(const char *const *env, const char *opt, const char *secs, int port)
{
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	const char *argv[] = {"curl", "-sS", "-o", "/dev/null", "-w", "time_total=%{time_total}\n",
			      opt, secs, url, NULL};
	cr_assert_eq(proc_run(&r, argv, env, true, 20000), 0);
	cr_assert(!r.timed_out);
}

Test(caps, curl_connect_to_full_listener)
{
	run_curl(capped, "--connect-timeout", "30", full.port);
	cr_assert_eq(r.exit_code, 28, "curl exit %d: %s", r.exit_code, r.err);
	cr_assert(strstr(r.err, "Failed to connect"), "%s", r.err);
	assert_capped_ms(printed_ms(r.out, "time_total=", 1), "curl connect");
}

Test(caps, curl_request_to_silent_server)
{
	run_curl(capped, "--max-time", "30", silent.port);
	cr_assert_eq(r.exit_code, 56, "curl exit %d: %s", r.exit_code, r.err);
	cr_assert(strstr(r.err, "Connection timed out"), "%s", r.err);
	assert_capped_ms(printed_ms(r.out, "time_total=", 1), "curl recv");
}

Test(caps, curl_waits_for_its_own_timeout_under_legacy_flag)
{
	run_curl(legacy, "--connect-timeout", "2", full.port);
	cr_assert_eq(r.exit_code, 28, "%s", r.err);
	assert_own_ms(printed_ms(r.out, "time_total=", 1), "legacy curl connect");
	run_curl(legacy, "--max-time", "2", silent.port);
	cr_assert_eq(r.exit_code, 28, "%s", r.err);
	assert_own_ms(printed_ms(r.out, "time_total=", 1), "legacy curl recv");
}

/* ---- python3: non-blocking sockets in poll, and a plain blocking recv -- */

static void run_python(const char *const *env, const char *code, int port)
{
	char p[16];
	snprintf(p, sizeof(p), "%d", port);
	const char *argv[] = {"python3", "-c", code, p, NULL};
	cr_assert_eq(proc_run(&r, argv, env, true, 20000), 0);
	cr_assert(!r.timed_out);
	cr_assert_eq(r.exit_code, 0, "python failed: %s", r.err);
}

static const char py_connect[] =
	"import socket, sys, time\n"
	"t = time.monotonic()\n"
	"try:\n"
	"    socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=float(sys.argv[2]) if len(sys.argv) > 2 else 30)\n"
	"    print('connected')\n"
	"except OSError as e:\n"
	"    print('error=%s errno=%s' % (type(e).__name__, e.errno))\n"
	"print('elapsed_ms=%d' % ((time.monotonic() - t) * 1000))\n";

/* The clock starts before sendall, which arms the response deadline. */
static const char py_recv[] =
	"import socket, sys, time\n"
	"s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n"
	"if len(sys.argv) > 2: s.settimeout(float(sys.argv[2]))\n"
	"t = time.monotonic()\n"
	"s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n')\n"
	"try:\n"
	"    print('got', s.recv(10))\n"
	"except OSError as e:\n"
	"    print('error=%s errno=%s' % (type(e).__name__, e.errno))\n"
	"print('elapsed_ms=%d' % ((time.monotonic() - t) * 1000))\n";

Test(caps, python_create_connection_to_full_listener)
{
	run_python(capped, py_connect, full.port);
	cr_assert(strstr(r.out, "error=TimeoutError errno=110"), "%s", r.out);
	assert_capped_ms(printed_ms(r.out, "elapsed_ms=", 0), "python connect");
}

Test(caps, python_blocking_recv_from_silent_server)
{
	run_python(capped, py_recv, silent.port);
	cr_assert(strstr(r.out, "error=TimeoutError errno=110"), "%s", r.out);
	assert_capped_ms(printed_ms(r.out, "elapsed_ms=", 0), "python recv");
}

Test(caps, python_waits_for_its_own_timeout_under_legacy_flag)
{
	char p[16];
	snprintf(p, sizeof(p), "%d", full.port);
	const char *argv[] = {"python3", "-c", py_connect, p, "2", NULL};
	cr_assert_eq(proc_run(&r, argv, legacy, true, 20000), 0);
	cr_assert(strstr(r.out, "error=TimeoutError errno=None"), "own timeout: %s", r.out);
	assert_own_ms(printed_ms(r.out, "elapsed_ms=", 0), "legacy python connect");
	snprintf(p, sizeof(p), "%d", silent.port);
	const char *argv2[] = {"python3", "-c", py_recv, p, "2", NULL};
	cr_assert_eq(proc_run(&r, argv2, legacy, true, 20000), 0);
	cr_assert(strstr(r.out, "error=TimeoutError errno=None"), "own timeout: %s", r.out);
	assert_own_ms(printed_ms(r.out, "elapsed_ms=", 0), "legacy python recv");
}

/* Python's subprocess runs its child with vfork(): the child shares the
 * parent's memory, fd table included, and closes every fd before exec.
 * The parent's socket must keep its caps.  The clock starts before
 * sendall, which armed the deadline: the subprocess's time counts. */
static const char py_recv_after_subprocess[] =
	"import socket, subprocess, sys, time\n"
	"s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))\n"
	"t = time.monotonic()\n"
	"s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n')\n"
	"subprocess.run(['true'], check=True)\n"
	"try:\n"
	"    print('got', s.recv(10))\n"
	"except OSError as e:\n"
	"    print('error=%s errno=%s' % (type(e).__name__, e.errno))\n"
	"print('elapsed_ms=%d' % ((time.monotonic() - t) * 1000))\n";

Test(caps, python_socket_keeps_its_cap_across_a_subprocess)
{
	run_python(capped, py_recv_after_subprocess, silent.port);
	cr_assert(strstr(r.out, "error=TimeoutError errno=110"), "%s", r.out);
	assert_capped_ms(printed_ms(r.out, "elapsed_ms=", 0), "python recv after subprocess");
}

/* ---- a cap only shortens ---------------------------------------------- */

Test(caps, a_shorter_own_timeout_wins)
{
	run_client("recv", silent.port, capped, "100");
	cr_assert(strstr(r.out, "errno=EAGAIN"), "own SO_RCVTIMEO (EAGAIN) expected: %s", r.out);
	cr_assert_capped(printed_ms(r.out, "elapsed_ms=", 0), 100, "the own 100 ms timeout");
}
