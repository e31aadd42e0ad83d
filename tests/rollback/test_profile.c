/* The "rollback" object as `waitcap check` and `waitcap explain` see it:
 * validated with file:line:col errors, printed per profile and rule. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

static struct rb t;

static void setup(void)
{
	rb_setup(&t);
}

static void teardown(void)
{
	rb_teardown(&t);
}

TestSuite(rollback_profile, .init = setup, .fini = teardown, .timeout = 30);

static int check(struct proc_result *r)
{
	const char *args[] = {"check", t.config, NULL};
	return rb_waitcap(&t, r, args);
}

static void expect_error(const char *json, const char *where_what)
{
	static struct proc_result r;
	rb_profile(&t, json);
	cr_assert_eq(check(&r), 1, "accepted: %s", r.out);
	char want[512];
	snprintf(want, sizeof(want), "waitcap check: %s:%s\n", t.config, where_what);
	cr_expect_str_eq(r.err, want);
}

#define HEAD "{\"version\": 1, \"default\": \"local\",\n"
#define PROFILES " \"profiles\": {\"local\": {\"caps\": {\"recv\": \"5s\"}}},\n"

Test(rollback_profile, check_prints_each_profiles_trigger_and_its_source)
{
	static struct proc_result r;
	rb_profile(&t, HEAD
		   " \"rollback\": {\"timeout_rate\": \"5%\", \"window\": \"60s\", \"min_waits\": 20, \"cooldown\": \"10m\"},\n"
		   " \"profiles\": {\"local\": {\"caps\": {\"recv\": \"5s\"}},\n"
		   "   \"staging\": {\"rollback\": {\"timeout_rate\": \"2.5%\", \"window\": \"5m\", \"min_waits\": 50, \"cooldown\": \"30m\"}},\n"
		   "   \"production\": {\"inherits\": \"staging\"}},\n"
		   " \"rules\": [{\"name\": \"agent\", \"match\": {\"port\": 18007}, \"caps\": {\"recv\": \"3s\"},\n"
		   "   \"rollback\": {\"timeout_rate\": \"3%\", \"window\": \"5m\", \"min_waits\": 20, \"cooldown\": \"10m\"}}]}\n");
	cr_assert_eq(check(&r), 0, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "automatic rollback (per destination):\n"
				"  local        timeout rate > 5.00% over 60s (at least 20 waits): caps lifted for 10m\n"
				"  staging      timeout rate > 2.50% over 5m (at least 50 waits): caps lifted for 30m (its own)\n"
				"  production   timeout rate > 2.50% over 5m (at least 50 waits): caps lifted for 30m\n"
				"  rule agent   timeout rate > 3.00% over 5m (at least 20 waits): caps lifted for 10m\n"),
		  "%s", r.out);
	const char *explain[] = {"explain", NULL};
	cr_assert_eq(rb_waitcap(&t, &r, explain), 0, "%s", r.err);
	cr_expect(strstr(r.out, "rollback: timeout rate > 5.00% over 60s (at least 20 waits): caps "
				"lifted for 10m\n"), "%s", r.out);
}

Test(rollback_profile, a_rate_outside_0_to_100_percent_is_refused_where_it_is)
{
	expect_error(HEAD PROFILES " \"rollback\": {\"timeout_rate\": \"150%\", \"window\": \"60s\", "
		     "\"min_waits\": 20, \"cooldown\": \"10m\"}}\n",
		     "3:31: bad timeout_rate \"150%\" (expected a percentage more than 0% and at "
		     "most 100%, e.g. \"5%\")");
	expect_error(HEAD PROFILES " \"rollback\": {\"timeout_rate\": 5, \"window\": \"60s\", "
		     "\"min_waits\": 20, \"cooldown\": \"10m\"}}\n",
		     "3:31: expected a percentage such as \"5%\", found a number");
}

Test(rollback_profile, a_missing_key_a_bare_duration_and_a_bad_count_are_refused)
{
	expect_error(HEAD PROFILES " \"rollback\": {\"timeout_rate\": \"5%\", \"window\": \"60s\", "
		     "\"cooldown\": \"10m\"}}\n",
		     "3:14: rollback: missing \"min_waits\" (timeout_rate, window, min_waits and "
		     "cooldown are all needed)");
	expect_error(HEAD PROFILES " \"rollback\": {\"timeout_rate\": \"5%\", \"window\": 60, "
		     "\"min_waits\": 20, \"cooldown\": \"10m\"}}\n",
		     "3:47: bad duration 60: a bare number needs a unit, e.g. \"60s\"");
	expect_error(HEAD PROFILES " \"rollback\": {\"timeout_rate\": \"5%\", \"window\": \"60s\", "
		     "\"min_waits\": 2.5, \"cooldown\": \"10m\"}}\n",
		     "3:67: bad min_waits 2.5 (expected a whole number from 1 to 1000000)");
}
