/* What a resolve cap becomes in the resolver's own options, and how it
 * gives way to options already there (src/profile/resolver_options.c). */
#include <criterion/criterion.h>

#include "policy.h"

static char out[512];

Test(resolver_options, a_cap_becomes_whole_seconds_within_it)
{
	int t, a;
	wc_resolver_knobs(1000, &t, &a);
	cr_assert(t == 1 && a == 1);
	wc_resolver_knobs(2000, &t, &a);
	cr_assert(t == 1 && a == 2);
	wc_resolver_knobs(5000, &t, &a);
	cr_assert(t == 2 && a == 2, "5s: timeout:%d attempts:%d", t, a);
	wc_resolver_knobs(10000, &t, &a);
	cr_assert(t == 5 && a == 2);
	/* Below a second: the resolver's least, one second. */
	wc_resolver_knobs(300, &t, &a);
	cr_assert(t == 1 && a == 1);
	wc_resolver_knobs(1999, &t, &a);
	cr_assert(t == 1 && a == 1);
}

Test(resolver_options, nothing_given_sets_both)
{
	int added = wc_resolver_env(2000, NULL, "nameserver 10.0.0.1\n", out, sizeof out);
	cr_assert_str_eq(out, "timeout:1 attempts:2");
	cr_assert_eq(added, WC_RESOLVER_SET_TIMEOUT | WC_RESOLVER_SET_ATTEMPTS);
}

Test(resolver_options, the_environments_options_stay_and_win)
{
	int added = wc_resolver_env(2000, "rotate timeout:3", NULL, out, sizeof out);
	cr_assert_str_eq(out, "rotate timeout:3 attempts:2");
	cr_assert_eq(added, WC_RESOLVER_SET_ATTEMPTS);
	added = wc_resolver_env(2000, "attempts:5 timeout:3", NULL, out, sizeof out);
	cr_assert_eq(added, 0);
}

Test(resolver_options, resolv_conf_options_win_and_only_options_lines_count)
{
	int added = wc_resolver_env(2000, NULL,
				    "# options timeout:9\nsearch timeout:7\nnameserver 10.0.0.1\n"
				    "options\tndots:2 attempts:4\n",
				    out, sizeof out);
	cr_assert_str_eq(out, "timeout:1");
	cr_assert_eq(added, WC_RESOLVER_SET_TIMEOUT);
	cr_assert(wc_resolver_has_option(NULL, "options rotate use-vc\n", "use-vc"));
	cr_assert_not(wc_resolver_has_option(NULL, "nameserver 10.0.0.1\n", "use-vc"));
	cr_assert(wc_resolver_has_option("use-vc", NULL, "use-vc"));
}

Test(resolver_options, no_room_sets_nothing)
{
	char small[8];
	cr_assert_eq(wc_resolver_env(2000, NULL, NULL, small, sizeof small), 0);
}
