/* Profile files in a real process: a rule for one destination, the
 * profile's cap for another, an environment override, and a refused file. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "peers.h"
#include "proc.h"
#include "timing.h"

static struct peer ruled, other;
static char dir[] = "/tmp/waitcap-rules-XXXXXX", path[256], config[300];
static struct proc_result r;

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(peer_silent_server(&ruled, 0), 0);
	cr_assert_eq(peer_silent_server(&other, 0), 0);
	snprintf(path, sizeof(path), "%s/profiles.json", dir);
	snprintf(config, sizeof(config), "WAITCAP_CONFIG=%s", path);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f,
		"{\n"
		"  \"version\": 1,\n"
		"  \"default\": \"local\",\n"
		"  \"profiles\": {\"local\": {\"caps\": {\"connect\": \"2s\", \"recv\": \"1s\", \"send\": \"2s\"}}},\n"
		"  \"rules\": [\n"
		"    {\"name\": \"fast_backend\", \"match\": {\"host\": \"127.0.0.0/8\", \"port\": %d},\n"
		"     \"caps\": {\"recv\": \"300ms\"},\n"
		"     \"env\": {\"recv\": \"FAST_BACKEND_TIMEOUT\"}, \"env_unit\": \"ms\"}\n"
		"  ]\n"
		"}\n",
		ruled.port);
	fclose(f);
	chmod(path, 0644);
}

static void teardown(void)
{
	peer_stop(&ruled);
	peer_stop(&other);
	unlink(path);
	rmdir(dir);
}

TestSuite(rules_in_process, .init = setup, .fini = teardown, .timeout = 60);

static long recv_ms(int port, const char *const env[], const char *own_ms)
{
	char p[16];
	snprintf(p, sizeof(p), "%d", port);
	const char *argv[] = {build_path("tests/core/client"), "recv", p, "--timeout-ms", own_ms, NULL};
	cr_assert_eq(proc_run(&r, argv, env, true, 20000), 0);
	cr_assert(!r.timed_out);
	const char *e = strstr(r.out, "elapsed_ms=");
	cr_assert_not_null(e, "%s", r.out);
	return atol(e + 11);
}

/* The client's clock starts before its connect: a recv cap (armed by its
 * send) holds within the bounds of tests/support/timing.h. */
static void assert_near(long got, long want, const char *what)
{
	cr_assert_capped(got, want, what);
}

Test(rules_in_process, the_rule_caps_its_destination_and_the_profile_the_rest)
{
	const char *env[] = {config, "WAITCAP_TRACE=0", NULL};
	assert_near(recv_ms(ruled.port, env, "30000"), 300, "ruled port");
	cr_assert(strstr(r.out, "errno=ETIMEDOUT"), "%s", r.out);
	assert_near(recv_ms(other.port, env, "30000"), 1000, "other port");
	cr_assert(strstr(r.out, "errno=ETIMEDOUT"), "%s", r.out);
}

Test(rules_in_process, an_environment_override_changes_the_cap_without_touching_the_file)
{
	const char *env[] = {config, "FAST_BACKEND_TIMEOUT=600", "WAITCAP_TRACE=0", NULL};
	assert_near(recv_ms(ruled.port, env, "30000"), 600, "overridden rule");
	assert_near(recv_ms(other.port, env, "30000"), 1000, "other port, unchanged");
}

Test(rules_in_process, a_world_writable_file_is_refused_and_nothing_is_capped)
{
	cr_assert_eq(chmod(path, 0666), 0);
	const char *env[] = {config, "WAITCAP_TRACE=0", NULL};
	long ms = recv_ms(ruled.port, env, "1500");
	cr_assert(strstr(r.out, "errno=EAGAIN"), "the program's own timeout ends it: %s", r.out);
	assert_near(ms, 1500, "uncapped");
	cr_assert(strstr(r.err, "waitcap: ") && strstr(r.err, path) && strstr(r.err, "writable"),
		  "no refusal on stderr: %s", r.err);
	cr_assert(strstr(r.err, "running without caps"), "%s", r.err);
}
