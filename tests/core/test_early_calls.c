/* Wrapped calls made before the library's constructor has run (from
 * another library's constructor) reach libc: every wrapper resolves the
 * real functions itself when it is called first (real.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "proc.h"

static struct proc_result r;

static void run_with_early_library(void)
{
	static char preload[8192];
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s %s", lib_path(),
		 build_path("tests/core/libearly_calls.so"));
	/* The local profile caps resolve: the constructor sets RES_OPTIONS. */
	const char *env[] = {preload, "WAITCAP_PROFILE=local", NULL};
	const char *argv[] = {"printenv", "RES_OPTIONS", NULL};
	cr_assert_eq(proc_run(&r, argv, env, false, 20000), 0);
	cr_assert(!r.timed_out);
}

Test(early_calls, lookups_before_the_constructor_reach_libc)
{
	run_with_early_library();
	cr_assert_eq(r.exit_code, 0, "exit %d\nstdout:\n%s\nstderr:\n%s", r.exit_code, r.out, r.err);
	/* The calls ran first, the library's start-up after them. */
	cr_assert_not_null(strstr(r.out, "early: RES_OPTIONS unset\n"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "timeout:"), "RES_OPTIONS never set:\n%s", r.out);
	cr_assert_not_null(strstr(r.out, "early: getaddrinfo 0\n"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "early: getnameinfo 0 127.0.0.1\n"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "early: gethostbyname found\n"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "early: gethostbyname2 found\n"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "early: gethostbyname_r 0 found\n"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "early: gethostbyname2_r 0 found\n"), "%s", r.out);
}

Test(early_calls, socket_calls_before_the_constructor_reach_libc)
{
	run_with_early_library();
	cr_assert_eq(r.exit_code, 0, "exit %d\n%s%s", r.exit_code, r.out, r.err);
	cr_assert_not_null(strstr(r.out, "early: RES_OPTIONS unset\n"), "%s", r.out);
	cr_assert_not_null(strstr(r.out, "early: socket ok\nearly: close 0\n"), "%s", r.out);
}
