/* A name server that never answers, over UDP: the resolve cap bounds a
 * lookup through the resolver's own options; without it (bare, or a legacy
 * flag) the resolver waits its own 5 s × 2 attempts. */
#include <criterion/criterion.h>

#include "ns.h"
#include "unanswered.h"

static struct proc_result r;

static void silent(void)
{
	ns_world("silent", NS_SILENT, false);
}

TestSuite(resolve_silent_udp, .fini = ns_leave, .timeout = 60);

Test(resolve_silent_udp, getent_under_run_cap_ends_within_the_cap)
{
	silent();
	assert_getent_under_run_cap_within_cap();
}

Test(resolve_silent_udp, python_getaddrinfo_under_waitcap_caps_ends_within_the_cap)
{
	silent();
	assert_python_getaddrinfo_within_cap();
}

Test(resolve_silent_udp, curl_under_waitcap_caps_ends_within_the_cap)
{
	silent();
	assert_curl_within_cap();
}

Test(resolve_silent_udp, bare_getent_waits_the_resolvers_own_ten_seconds)
{
	silent();
	getent_unknown(&r, NULL, false, 30000);
	cr_assert_geq(r.elapsed_ms, 9500, "bare getent took only %lld ms", (long long)r.elapsed_ms);
}

Test(resolve_silent_udp, a_legacy_flag_restores_the_resolvers_own_wait)
{
	silent();
	const char *env[] = {"WAITCAP_CAPS=resolve=1s", "FORCE_LEGACY_TIMEOUTS=true", NULL};
	getent_unknown(&r, env, true, 30000);
	cr_assert_geq(r.elapsed_ms, 9500, "getent took only %lld ms under the legacy flag",
		      (long long)r.elapsed_ms);
}

Test(resolve_silent_udp, the_default_profile_caps_a_lookup_at_two_seconds)
{
	silent();
	/* local: resolve 2s = timeout:1 attempts:2. */
	getent_unknown(&r, NULL, true, 30000);
	cr_assert_geq(r.elapsed_ms, 1900);
	cr_assert_leq(r.elapsed_ms, 3500, "getent took %lld ms", (long long)r.elapsed_ms);
}

Test(resolve_silent_udp, res_options_from_the_environment_win)
{
	silent();
	const char *env[] = {"WAITCAP_CAPS=resolve=1s", "RES_OPTIONS=timeout:3 attempts:1", NULL};
	getent_unknown(&r, env, true, 30000);
	cr_assert_geq(r.elapsed_ms, 2900, "the environment's timeout:3 lost: %lld ms",
		      (long long)r.elapsed_ms);
	cr_assert_leq(r.elapsed_ms, 4500);
}

Test(resolve_silent_udp, resolv_conf_options_win)
{
	silent();
	ns_resolv_conf("nameserver " NS_SILENT "\noptions timeout:2 attempts:1\n");
	const char *env[] = {"WAITCAP_CAPS=resolve=1s", NULL};
	getent_unknown(&r, env, true, 30000);
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
	assert_within_cap(&r, "getent");
}
