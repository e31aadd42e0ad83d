/* A name server that accepts TCP connections and never answers, with
 * `options use-vc`: glibc reads the answer with no timeout at all, so bare
 * the lookup hangs; under a resolve cap the library's watcher shuts the
 * resolver's socket down past the cap and the lookup fails (EAI_AGAIN). */
#include <criterion/criterion.h>

#include "ns.h"
#include "unanswered.h"

static struct proc_result r;

static void silent_tcp(void)
{
	ns_world("silent", NS_SILENT, true);
}

TestSuite(resolve_silent_tcp, .fini = ns_leave, .timeout = 60);

Test(resolve_silent_tcp, getent_under_run_cap_ends_within_the_cap)
{
	silent_tcp();
	assert_getent_under_run_cap_within_cap();
}

Test(resolve_silent_tcp, python_getaddrinfo_ends_within_the_cap)
{
	silent_tcp();
	assert_python_getaddrinfo_within_cap();
}

Test(resolve_silent_tcp, curl_ends_within_the_cap)
{
	silent_tcp();
	assert_curl_within_cap();
}

/* Bare, or under a legacy flag: nothing bounds the read (killed at 12 s). */
static void assert_getent_hangs(const char *const env[], bool preload)
{
	const char *argv[] = {"getent", "ahostsv4", NS_UNKNOWN, NULL};
	cr_assert_eq(proc_run(&r, argv, env, preload, 12000), 0);
	cr_assert(r.timed_out || r.elapsed_ms >= 10000, "getent over TCP ended after %lld ms",
		  (long long)r.elapsed_ms);
}

Test(resolve_silent_tcp, bare_getent_hangs)
{
	silent_tcp();
	assert_getent_hangs(NULL, false);
}

Test(resolve_silent_tcp, a_legacy_flag_restores_the_hang)
{
	silent_tcp();
	const char *env[] = {"WAITCAP_CAPS=resolve=1s", "DISABLE_TIMEOUT_OPTIMIZATIONS=true", NULL};
	assert_getent_hangs(env, true);
}
