/* The wrappers never change a result: resolve_probe's transcript (results,
 * return codes, errno set to a sentinel before each call, h_errno) is the
 * same bare and under the library with a resolve cap, for names found, not
 * found and bad input, through every wrapped function. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ns.h"
#include "proc.h"

static struct proc_result bare, wrapped;

TestSuite(resolve_conformance, .fini = ns_leave, .timeout = 60);

static void compare(bool tcp)
{
	ns_world("answer", NS_WORKING, tcp);
	const char *argv[] = {build_path("tests/resolve/resolve_probe"), "transcript", NS_NAME, NULL};
	const char *env[] = {"WAITCAP_CAPS=resolve=1s", NULL};
	cr_assert_eq(proc_run(&bare, argv, NULL, false, 20000), 0);
	cr_assert_eq(proc_run(&wrapped, argv, env, true, 20000), 0);
	cr_assert_eq(bare.exit_code, 0, "%s", bare.err);
	cr_assert_eq(wrapped.exit_code, 0, "%s", wrapped.err);
	/* The transcript covers all three kinds of answer. */
	cr_assert(strstr(bare.out, "addr=" NS_NAME_ADDR), "%s", bare.out);
	cr_assert(strstr(bare.out, "rc=-2 (Name or service not known)"), "%s", bare.out);
	cr_assert(strstr(bare.out, "rc=-1 (Bad value for ai_flags)"), "%s", bare.out);
	cr_assert_str_eq(wrapped.out, bare.out, "bare:\n%s\nwrapped:\n%s", bare.out, wrapped.out);
}

Test(resolve_conformance, transcripts_over_udp_equal_bare)
{
	compare(false);
}

Test(resolve_conformance, transcripts_over_tcp_equal_bare)
{
	compare(true);
}
