/* Rules by name: a destination reached by a name the program resolved
 * gets the rule for that name; the same address reached by address, or
 * another name, does not. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "world.h"

TestSuite(names_caps, .fini = world_leave, .timeout = 60);

static const char *const rule_backend =
	"{\"name\": \"backend\", \"match\": {\"name\": \"backend.test\"}, "
	"\"caps\": {\"connect\": \"300ms\"}}";
static const char *const rule_suffix =
	"{\"name\": \"tests\", \"match\": {\"name\": \"*.TEST\"}, "
	"\"caps\": {\"connect\": \"300ms\"}}";

/* Python's create_connection to host:port with a 30 s timeout of its own,
 * timed around the call (which resolves, then connects: the connect arms
 * the cap microseconds after the clock starts). */
static const char *const connect_py =
	"import socket, sys, time\n"
	"t = time.monotonic()\n"
	"try:\n"
	"    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)\n"
	"    what = 'connected'\n"
	"except OSError as e:\n"
	"    what = type(e).__name__\n"
	"print(int((time.monotonic() - t) * 1000), what)\n";

/* Milliseconds the connect took, checked against cap_ms. */
static void python_connect_capped(const char *profile, const char *host, int port, int cap_ms)
{
	char port_text[16], config[256];
	snprintf(port_text, sizeof port_text, "%d", port);
	snprintf(config, sizeof config, "WAITCAP_CONFIG=%s", profile);
	const char *argv[] = {"python3", "-c", connect_py, host, port_text, NULL};
	const char *env[] = {config, NULL};
	struct proc_result r;
	cr_assert_eq(proc_run(&r, argv, env, true, 40000), 0);
	cr_assert_eq(r.exit_code, 0, "python: exit %d\n%s", r.exit_code, r.err);
	long ms = 0;
	char what[64] = "";
	cr_assert_eq(sscanf(r.out, "%ld %63s", &ms, what), 2, "python said: %s%s", r.out, r.err);
	cr_assert_str_eq(what, "TimeoutError", "%s: %s (%ld ms)", host, what, ms);
	long slack = cap_ms / 2 > 200 ? cap_ms / 2 : 200;
	cr_assert(ms >= cap_ms - 20 && ms <= cap_ms + slack,
		  "connect to %s took %ld ms, cap %d ms", host, ms, cap_ms);
}

Test(names_caps, the_rule_for_a_name_caps_a_connect_by_that_name)
{
	int port = world_enter(NULL);
	python_connect_capped(world_profile(rule_backend), BACKEND, port, 300);
}

Test(names_caps, another_name_gets_the_profile_cap)
{
	int port = world_enter(NULL);
	python_connect_capped(world_profile(rule_backend), OTHER, port, 2000);
}

Test(names_caps, the_same_address_by_address_gets_the_profile_cap)
{
	int port = world_enter(NULL);
	python_connect_capped(world_profile(rule_backend), BACKEND_ADDR, port, 2000);
}

Test(names_caps, a_suffix_rule_caps_every_name_under_it)
{
	int port = world_enter(NULL);
	const char *profile = world_profile(rule_suffix);
	python_connect_capped(profile, BACKEND, port, 300);
	python_connect_capped(profile, OTHER, port, 300);
	python_connect_capped(profile, BACKEND_ADDR, port, 2000);
}

Test(names_caps, file_order_decides_between_a_name_and_an_address_rule)
{
	int port = world_enter(NULL);
	/* An address rule before the name rule wins for that address, even
	 * reached by name; after it, the name rule wins. */
	char rules[1024];
	snprintf(rules, sizeof rules,
		 "{\"name\": \"byaddr\", \"match\": {\"host\": \"" BACKEND_ADDR "\"}, "
		 "\"caps\": {\"connect\": \"1s\"}}, %s", rule_backend);
	python_connect_capped(world_profile(rules), BACKEND, port, 1000);
	snprintf(rules, sizeof rules,
		 "%s, {\"name\": \"byaddr\", \"match\": {\"host\": \"" BACKEND_ADDR "\"}, "
		 "\"caps\": {\"connect\": \"1s\"}}", rule_backend);
	python_connect_capped(world_profile(rules), BACKEND, port, 300);
	python_connect_capped(world_profile(rules), BACKEND_ADDR, port, 1000);
}

/* curl resolves (getaddrinfo, in its resolver thread) and connects; its
 * own connect timeout is 30 s.  Timed around the whole run: the process's
 * start adds milliseconds, within the bound's slack. */
static int64_t curl_ms(const char *profile, const char *host, int port, int *exit_code)
{
	char url[128], config[256];
	snprintf(url, sizeof url, "http://%s:%d/", host, port);
	snprintf(config, sizeof config, "WAITCAP_CONFIG=%s", profile);
	const char *argv[] = {"curl", "-sS", "--connect-timeout", "30", url, NULL};
	const char *env[] = {config, NULL};
	struct proc_result r;
	cr_assert_eq(proc_run(&r, argv, env, true, 40000), 0);
	*exit_code = r.exit_code;
	return r.elapsed_ms;
}

Test(names_caps, curl_by_name_is_capped_by_the_name_rule)
{
	int port = world_enter(NULL);
	const char *profile = world_profile(rule_backend);
	int code;
	int64_t ms = curl_ms(profile, BACKEND, port, &code);
	cr_assert_eq(code, 28, "curl exit %d (28: timeout)", code);
	cr_assert(ms >= 280 && ms <= 500, "curl to " BACKEND " took %lld ms, cap 300 ms",
		  (long long)ms);
	ms = curl_ms(profile, OTHER, port, &code);
	cr_assert_eq(code, 28, "curl exit %d (28: timeout)", code);
	cr_assert(ms >= 1980 && ms <= 3000, "curl to " OTHER " took %lld ms, cap 2 s",
		  (long long)ms);
}
