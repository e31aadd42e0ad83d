/* A name server that never answers, over UDP: the resolve cap bounds a
 * lookup through the resolver's own options; without it (bare, or a legacy
 * flag) the resolver waits its own 5 s × 2 attempts. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "ns.h"
#include "proc.h"

static struct proc_result r;

/* A 1 s cap at whole-second granularity: the lookup ends after one
 * resolver timeout of 1 s; startup of the program on top. */
#define CAP_MS 1000
#define BOUND_MS 2500


static void silent(void)
{
	ns_world("silent", NS_SILENT, false);
}

TestSuite(resolve_silent_udp, .fini = ns_leave, .timeout = 60);

Test(resolve_silent_udp, getent_under_run_cap_ends_within_the_cap)
{
	silent();
	const char *argv[] = {getenv("WAITCAP_BIN"), "run", "--cap", "resolve=1s", "--", "getent",
			      "ahostsv4", NS_UNKNOWN, NULL};
	cr_assert_eq(proc_run(&r, argv, NULL, false, 20000), 0);
	cr_assert_eq(r.exit_code, 2, "getent: exit %d (2: not found)\n%s", r.exit_code, r.err);
	cr_assert_geq(r.elapsed_ms, CAP_MS - 100);
	cr_assert_leq(r.elapsed_ms, BOUND_MS, "getent took %lld ms", (long long)r.elapsed_ms);
}

Test(resolve_silent_udp, python_getaddrinfo_under_waitcap_caps_ends_within_the_cap)
{
	silent();
	/* Timed from the call, inside the program. */
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

Test(resolve_silent_udp, curl_under_waitcap_caps_ends_within_the_cap)
{
	silent();
	const char *argv[] = {"curl", "-sS", "http://" NS_UNKNOWN "/", NULL};
	const char *env[] = {"WAITCAP_CAPS=resolve=1s", NULL};
	cr_assert_eq(proc_run(&r, argv, env, true, 20000), 0);
	cr_assert_eq(r.exit_code, 6, "curl: exit %d (6: could not resolve)\n%s", r.exit_code, r.err);
	cr_assert_geq(r.elapsed_ms, CAP_MS - 100);
	cr_assert_leq(r.elapsed_ms, BOUND_MS, "curl took %lld ms", (long long)r.elapsed_ms);
}

Test(resolve_silent_udp, bare_getent_waits_the_resolvers_own_ten_seconds)
{
	silent();
	const char *argv[] = {"getent", "ahostsv4", NS_UNKNOWN, NULL};
	cr_assert_eq(proc_run(&r, argv, NULL, false, 30000), 0);
	cr_assert_eq(r.exit_code, 2);
	cr_assert_geq(r.elapsed_ms, 9500, "bare getent took only %lld ms", (long long)r.elapsed_ms);
}

Test(resolve_silent_udp, a_legacy_flag_restores_the_resolvers_own_wait)
{
	silent();
	const char *argv[] = {"getent", "ahostsv4", NS_UNKNOWN, NULL};
	const char *env[] = {"WAITCAP_CAPS=resolve=1s", "FORCE_LEGACY_TIMEOUTS=true", NULL};
	cr_assert_eq(proc_run(&r, argv, env, true, 30000), 0);
	cr_assert_eq(r.exit_code, 2);
	cr_assert_geq(r.elapsed_ms, 9500, "getent took only %lld ms under the legacy flag",
		      (long long)r.elapsed_ms);
}

Test(resolve_silent_udp, the_default_profile_caps_a_lookup_at_two_seconds)
{
	silent();
	/* local: resolve 2s = timeout:1 attempts:2. */
	const char *argv[] = {"getent", "ahostsv4", NS_UNKNOWN, NULL};
	cr_assert_eq(proc_run(&r, argv, NULL, true, 30000), 0);
	cr_assert_eq(r.exit_code, 2);
	cr_assert_geq(r.elapsed_ms, 1900);
	cr_assert_leq(r.elapsed_ms, 3500, "getent took %lld ms", (long long)r.elapsed_ms);
}

Test(resolve_silent_udp, res_options_from_the_environment_win)
{
	silent();
	const char *argv[] = {"getent", "ahostsv4", NS_UNKNOWN, NULL};
	const char *env[] = {"WAITCAP_CAPS=resolve=1s", "RES_OPTIONS=timeout:3 attempts:1", NULL};
	cr_assert_eq(proc_run(&r, argv, env, true, 30000), 0);
	cr_assert_eq(r.exit_code, 2);
	cr_assert_geq(r.elapsed_ms, 2900, "the environment's timeout:3 lost: %lld ms",
		      (long long)r.elapsed_ms);
	cr_assert_leq(r.elapsed_ms, 4500);
}

Test(resolve_silent_udp, resolv_conf_options_win)
{
	silent();
	ns_resolv_conf("nameserver " NS_SILENT "\noptions timeout:2 attempts:1\n");
	const char *argv[] = {"getent", "ahostsv4", NS_UNKNOWN, NULL};
	const char *env[] = {"WAITCAP_CAPS=resolve=1s", NULL};
	cr_assert_eq(proc_run(&r, argv, env, true, 30000), 0);
	cr_assert_eq(r.exit_code, 2);
	cr_assert_geq(r.elapsed_ms, 1900, "resolv.conf's timeout:2 lost: %lld ms",
		      (long long)r.elapsed_ms);
	cr_assert_leq(r.elapsed_ms, 3500);
}

Test(resolve_silent_udp, a_child_under_a_legacy_flag_drops_its_parents_options)
{
	silent();
	/* The capped shell sets RES_OPTIONS for itself; getent inherits it,
	 * but runs under a legacy flag: the resolver's own 10 s again. */
	const char *argv[] = {"sh", "-c",
			      "FORCE_LEGACY_TIMEOUTS=true exec getent ahostsv4 " NS_UNKNOWN, NULL};
	const char *env[] = {"WAITCAP_CAPS=resolve=1s", NULL};
	cr_assert_eq(proc_run(&r, argv, env, true, 30000), 0);
	cr_assert_eq(r.exit_code, 2);
	cr_assert_geq(r.elapsed_ms, 9500, "getent took only %lld ms", (long long)r.elapsed_ms);
}

Test(resolve_silent_udp, a_child_keeps_the_cap_and_knows_it_as_its_own)
{
	silent();
	const char *argv[] = {"sh", "-c", "exec getent ahostsv4 " NS_UNKNOWN, NULL};
	const char *env[] = {"WAITCAP_CAPS=resolve=1s", NULL};
	cr_assert_eq(proc_run(&r, argv, env, true, 30000), 0);
	cr_assert_eq(r.exit_code, 2);
	cr_assert_geq(r.elapsed_ms, CAP_MS - 100);
	cr_assert_leq(r.elapsed_ms, BOUND_MS, "getent took %lld ms", (long long)r.elapsed_ms);
}
