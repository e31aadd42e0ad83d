/* A name server that accepts TCP connections and never answers, with
 * `options use-vc`: glibc reads the answer with no timeout at all, so bare
 * the lookup hangs; under a resolve cap the library's watcher shuts the
 * resolver's socket down past the cap and the lookup fails (EAI_AGAIN). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "ns.h"
#include "proc.h"

static struct proc_result r;

#define CAP_MS 1000
#define BOUND_MS 2500


static void silent_tcp(void)
{
	ns_world("silent", NS_SILENT, true);
}

TestSuite(resolve_silent_tcp, .fini = ns_leave, .timeout = 60);

Test(resolve_silent_tcp, getent_under_run_cap_ends_within_the_cap)
{
	silent_tcp();
	const char *argv[] = {getenv("WAITCAP_BIN"), "run", "--cap", "resolve=1s", "--", "getent",
			      "ahostsv4", NS_UNKNOWN, NULL};
	cr_assert_eq(proc_run(&r, argv, NULL, false, 20000), 0);
	cr_assert_eq(r.exit_code, 2, "getent: exit %d\n%s", r.exit_code, r.err);
	cr_assert_geq(r.elapsed_ms, CAP_MS - 100);
	cr_assert_leq(r.elapsed_ms, BOUND_MS, "getent took %lld ms", (long long)r.elapsed_ms);
}

Test(resolve_silent_tcp, python_getaddrinfo_ends_within_the_cap)
{
	silent_tcp();
	const char *argv[] = {"python3", "-c",
			      "import socket, time\n"
			      "t = time.monotonic()\n"
			      "try:\n"
			      "    socket.getaddrinfo('" NS_UNKNOWN "', 80)\n"
			      "except socket.gaierror as e:\n"
			      "    print(e.errno, int((time.monotonic() - t) * 1000))\n",
			      NULL};
	const char *env[] = {"WAITCAP_CAPS=resolve=1s", NULL};
	cr_assert_eq(proc_run(&r, argv, env, true, 20000), 0);
	int err = 0, ms = -1;
	cr_assert_eq(sscanf(r.out, "%d %d", &err, &ms), 2, "python said: %s%s", r.out, r.err);
	cr_assert_eq(err, -3, "gaierror %d, not EAI_AGAIN", err);
	cr_assert_geq(ms, CAP_MS - 100);
	cr_assert_leq(ms, BOUND_MS);
}

Test(resolve_silent_tcp, curl_ends_within_the_cap)
{
	silent_tcp();
	const char *argv[] = {"curl", "-sS", "http://" NS_UNKNOWN "/", NULL};
	const char *env[] = {"WAITCAP_CAPS=resolve=1s", NULL};
	cr_assert_eq(proc_run(&r, argv, env, true, 20000), 0);
	cr_assert_eq(r.exit_code, 6, "curl: exit %d\n%s", r.exit_code, r.err);
	cr_assert_geq(r.elapsed_ms, CAP_MS - 100);
	cr_assert_leq(r.elapsed_ms, BOUND_MS, "curl took %lld ms", (long long)r.elapsed_ms);
}

Test(resolve_silent_tcp, bare_getent_hangs)
{
	silent_tcp();
	const char *argv[] = {"getent", "ahostsv4", NS_UNKNOWN, NULL};
	cr_assert_eq(proc_run(&r, argv, NULL, false, 12000), 0);
	cr_assert(r.timed_out || r.elapsed_ms >= 10000, "bare getent over TCP ended after %lld ms",
		  (long long)r.elapsed_ms);
}

Test(resolve_silent_tcp, a_legacy_flag_restores_the_hang)
{
	silent_tcp();
	const char *argv[] = {"getent", "ahostsv4", NS_UNKNOWN, NULL};
	const char *env[] = {"WAITCAP_CAPS=resolve=1s", "DISABLE_TIMEOUT_OPTIMIZATIONS=true", NULL};
	cr_assert_eq(proc_run(&r, argv, env, true, 12000), 0);
	cr_assert(r.timed_out || r.elapsed_ms >= 10000, "getent ended after %lld ms",
		  (long long)r.elapsed_ms);
}
