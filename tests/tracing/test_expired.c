/* A poll-loop client (curl) whose connect deadline fires: waitcap:expired
 * names the socket, the cap, and points at the connect that armed it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "peers.h"
#include "proc.h"

static struct lt_env env;
static struct peer full;

LT_SUITE_PEER(expired, env, full, peer_full_listener, .timeout = 50);

Test(expired, curl_connect_deadline_is_traced_at_the_connect_in_libcurl)
{
	char url[64], trace_opt[300];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", full.port);
	snprintf(trace_opt, sizeof trace_opt, "--trace=%s", lt_path(&env, "trace"));
	const char *argv[] = {lt_getenv("WAITCAP_BIN"), "run", trace_opt, "--", "curl", "-sS",
			      "-o", "/dev/null", "--connect-timeout", "20", url, NULL};
	const char *extra[] = {"WAITCAP_CAPS=connect=300ms", NULL};
	struct lt_proc p;
	int64_t start = now_ms();
	lt_spawn(&env, &p, argv, extra);
	/* The command's output comes before the report. */
	cr_assert(lt_wait_output(&p, "waitcap: trace written to", 15000),
		  "curl was not cut short by the 300 ms connect cap:\n%s\n%s", p.out, p.err);
	int64_t curl_ms = now_ms() - start;
	int status = lt_finish(&p, 30000);
	cr_assert(status == 7 || status == 28, "curl's status %d (expected 7 or 28):\n%s\n%s",
		  status, p.out, p.err);
	cr_assert_lt(curl_ms, 10000, "curl took %lld ms", (long long)curl_ms);

	char *text = lt_babeltrace(lt_path(&env, "trace"), true);
	char peer[64], line[4096];
	snprintf(peer, sizeof peer, "peer = \"127.0.0.1:%d\"", full.port);
	const char *needles[] = {"waitcap:expired:", "procname = \"curl\"", peer, NULL};
	int n = lt_count_lines(text, needles, line, sizeof line);
	cr_assert_eq(n, 1, "expected one waitcap:expired for %s, found %d:\n%.6000s", peer, n, text);

	char value[256];
	cr_assert(lt_field(line, "op", value, sizeof value) && !strcmp(value, "connect"), "%s", line);
	cr_assert(lt_field(line, "cap_ms", value, sizeof value) && !strcmp(value, "300"), "%s", line);
	/* What the library measured, from the connect that armed the cap. */
	cr_assert(lt_field(line, "waited_ns", value, sizeof value), "%s", line);
	cr_assert_capped(atoll(value) / 1000000, 300, "the traced wait (waited_ns)");
	/* armed_ip is the ip context: the return address of connect() in libcurl */
	cr_assert(lt_field(line, "armed_ip", value, sizeof value));
	unsigned long long armed = strtoull(value, NULL, 16);
	cr_assert(lt_field(line, "ip", value, sizeof value));
	cr_assert_eq(strtoull(value, NULL, 10), armed, "%s", line);
	const char *debug = strstr(line, "debug_info");
	cr_assert(debug && lt_field(debug, "bin", value, sizeof value), "%s", line);
	cr_assert(!strncmp(value, "libcurl.so", strlen("libcurl.so")),
		  "the connect is not in libcurl: %s", line);
	free(text);
}

/* An asyncio client waits in epoll_wait; the library's connect deadline
 * fires there.  CPython calls connect() from its socket module, built into
 * the interpreter binary. */
static const char asyncio_client[] =
	"import asyncio, sys\n"
	"async def main():\n"
	"    try:\n"
	"        await asyncio.wait_for(asyncio.open_connection('127.0.0.1', int(sys.argv[1])), 20)\n"
	"        print('connected')\n"
	"    except OSError as e:\n"
	"        print('connect failed: errno', e.errno)\n"
	"asyncio.run(main())\n";

Test(expired, asyncio_connect_deadline_is_traced_at_the_connect_in_python)
{
	char port[16], trace_opt[300];
	snprintf(port, sizeof port, "%d", full.port);
	snprintf(trace_opt, sizeof trace_opt, "--trace=%s", lt_path(&env, "trace"));
	const char *argv[] = {lt_getenv("WAITCAP_BIN"), "run", trace_opt, "--", "python3",
			      "-c", asyncio_client, port, NULL};
	const char *extra[] = {"WAITCAP_CAPS=connect=300ms", NULL};
	struct lt_proc p;
	int64_t start = now_ms();
	lt_spawn(&env, &p, argv, extra);
	cr_assert(lt_wait_output(&p, "waitcap: trace written to", 15000),
		  "python was not cut short by the 300 ms connect cap:\n%s\n%s", p.out, p.err);
	int64_t client_ms = now_ms() - start;
	cr_assert_eq(lt_finish(&p, 30000), 0, "%s\n%s", p.out, p.err);
	cr_assert(strstr(p.out, "connect failed: errno 110\n"), "%s\n%s", p.out, p.err);
	cr_assert_lt(client_ms, 10000, "python took %lld ms", (long long)client_ms);

	char *text = lt_babeltrace(lt_path(&env, "trace"), true);
	char peer[64], line[4096];
	snprintf(peer, sizeof peer, "peer = \"127.0.0.1:%d\"", full.port);
	const char *needles[] = {"waitcap:expired:", peer, NULL};
	int n = lt_count_lines(text, needles, line, sizeof line);
	cr_assert_eq(n, 1, "expected one waitcap:expired for %s, found %d:\n%.6000s", peer, n, text);
	char value[256];
	cr_assert(lt_field(line, "op", value, sizeof value) && !strcmp(value, "connect"), "%s", line);
	cr_assert(lt_field(line, "cap_ms", value, sizeof value) && !strcmp(value, "300"), "%s", line);
	const char *debug = strstr(line, "debug_info");
	cr_assert(debug && lt_field(debug, "bin", value, sizeof value), "%s", line);
	/* The interpreter's own file name (python3 is a link to it). */
	static struct proc_result py;
	const char *ask[] = {"python3", "-c",
			     "import os, sys; print(os.path.basename(os.path.realpath(sys.executable)))",
			     NULL};
	cr_assert(proc_run(&py, ask, NULL, false, 10000) == 0 && py.exit_code == 0, "%s", py.err);
	py.out[strcspn(py.out, "\n")] = '\0';
	cr_assert(!strncmp(value, py.out, strlen(py.out)) && strlen(py.out) > strlen("python3"),
		  "the connect is not in the interpreter %s: %s", py.out, line);
	free(text);
}
