/* The tools and names: explain --dest NAME:PORT resolves the name as a
 * program would and shows each address's rule and caps; check shows name
 * patterns. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "proc.h"
#include "world.h"

TestSuite(names_tools, .fini = world_leave, .timeout = 30);

static const char *const rules =
	"{\"name\": \"backend\", \"match\": {\"name\": \"backend.test\"}, "
	"\"caps\": {\"connect\": \"300ms\"}}, "
	"{\"name\": \"tests\", \"match\": {\"name\": \"*.test\", \"port\": 9000}, "
	"\"caps\": {\"connect\": \"1s\"}}";

Test(names_tools, explain_dest_by_name_shows_the_name_rule)
{
	world_enter(NULL);
	const char *profile = world_profile(rules);
	const char *args[] = {"explain", "--config", profile, "--dest", "backend.test:8000", NULL};
	struct proc_result r;
	cr_assert_eq(proc_run_tool(&r, args, NULL, 10000), 0);
	cr_assert_eq(r.exit_code, 0, "%s", r.err);
	cr_assert(strstr(r.out, "dest:     backend.test (127.0.0.5:8000)\n"), "%s", r.out);
	cr_assert(strstr(r.out, "rule:     backend (name backend.test)\n"), "%s", r.out);
	cr_assert(strstr(r.out, "applied:  connect 300ms (rule)"), "%s", r.out);
}

Test(names_tools, explain_dest_by_address_meets_only_address_rules)
{
	world_enter(NULL);
	const char *profile = world_profile(rules);
	const char *args[] = {"explain", "--config", profile, "--dest", "127.0.0.5:8000", NULL};
	struct proc_result r;
	cr_assert_eq(proc_run_tool(&r, args, NULL, 10000), 0);
	cr_assert_eq(r.exit_code, 0, "%s", r.err);
	cr_assert(strstr(r.out, "rule:     none matches; the profile's caps apply\n"), "%s", r.out);
	cr_assert(strstr(r.out, "applied:  connect 2s (profile)"), "%s", r.out);
}

Test(names_tools, explain_dest_with_a_suffix_rule_and_port)
{
	world_enter(NULL);
	const char *profile = world_profile(rules);
	const char *args[] = {"explain", "--config", profile, "--dest", "other.test:9000", NULL};
	struct proc_result r;
	cr_assert_eq(proc_run_tool(&r, args, NULL, 10000), 0);
	cr_assert(strstr(r.out, "rule:     tests (name *.test port 9000)\n"), "%s", r.out);
	cr_assert(strstr(r.out, "applied:  connect 1s (rule)"), "%s", r.out);
}

Test(names_tools, explain_dest_with_an_unknown_name_fails_with_the_lookups_error)
{
	world_enter(NULL);
	const char *args[] = {"explain", "--config", world_profile(rules), "--dest",
			      "nothere.test:80", NULL};
	struct proc_result r;
	cr_assert_eq(proc_run_tool(&r, args, NULL, 10000), 0);
	cr_assert_eq(r.exit_code, 1);
	cr_assert(strstr(r.err, "waitcap explain: --dest nothere.test:80: cannot resolve nothere.test: "),
		  "%s", r.err);
}

Test(names_tools, check_shows_name_patterns)
{
	world_enter(NULL);
	const char *args[] = {"check", world_profile(rules), NULL};
	struct proc_result r;
	cr_assert_eq(proc_run_tool(&r, args, NULL, 10000), 0);
	cr_assert_eq(r.exit_code, 0, "%s", r.err);
	cr_assert(strstr(r.out, "  backend                  name backend.test\n"), "%s", r.out);
	cr_assert(strstr(r.out, "  tests                    name *.test port 9000\n"), "%s", r.out);
}
