/* Automatic rollback from the profile: a dependency that is slow but alive
 * (it answers after 0.6 s) under a 300 ms recv cap, with the trigger
 * {"timeout_rate": "50%", "window": "10s", "min_waits": 3, "cooldown": "4s"}.
 * The first requests fail; then the caps to that destination lift by
 * themselves and the rest succeed; after the cooldown they come back. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

#define CAP_MS 300
#define DELAY_MS 600

static struct rb t;
static struct prog server;
static char port_s[16], peer[32];

static void setup(void)
{
	rb_setup(&t);
	rb_profile(&t, "{\"version\": 1, \"default\": \"local\",\n"
		       " \"profiles\": {\"local\": {\"caps\": {\"connect\": \"5s\", \"recv\": \"300ms\"}}},\n"
		       " \"rollback\": {\"timeout_rate\": \"50%\", \"window\": \"10s\", \"min_waits\": 3,\n"
		       "              \"cooldown\": \"4s\"}}\n");
	char script[512];
	snprintf(script, sizeof(script), "%s/tests/rollback/slow_server.py", getenv("WAITCAP_SRC"));
	const char *argv[] = {"/usr/bin/python3", script, "0.6", "60", NULL};
	/* The dependency itself runs without the library. */
	memset(&server, 0, sizeof(server));
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	server.pid = proc_start(argv, t.env, false, fds[1], -1);
	close(fds[1]);
	char buf[32] = "";
	ssize_t n = read(fds[0], buf, sizeof(buf) - 1); /* its port, once listening */
	close(fds[0]);
	cr_assert(n > 0, "the slow server did not start");
	buf[n] = '\0';
	snprintf(port_s, sizeof(port_s), "%d", atoi(buf));
	snprintf(peer, sizeof(peer), "127.0.0.1:%s", port_s);
	server.out = server.err_fd = -1;
}

static void teardown(void)
{
	prog_stop(&server);
	rb_teardown(&t);
}

TestSuite(auto_rollback, .init = setup, .fini = teardown, .timeout = 90);

static cJSON *dest_of(cJSON *proc)
{
	cJSON *d;
	cJSON_ArrayForEach(d, cJSON_GetObjectItem(proc, "destinations"))
		if (!strcmp(rb_str(d, "peer"), peer))
			return d;
	return NULL;
}

static void expect_failed_at_cap(struct attempt *a, int i)
{
	cr_expect(strcmp(a->outcome, "ok") != 0, "request %d succeeded under the cap", i);
	cr_expect(a->ms >= CAP_MS - 20 && a->ms <= CAP_MS + 200, "request %d took %lld ms, cap %d",
		  i, (long long)a->ms, CAP_MS);
}

static void expect_answered(struct attempt *a, int i)
{
	cr_expect_str_eq(a->outcome, "ok", "request %d: %s after %lld ms", i, a->outcome,
			 (long long)a->ms);
	cr_expect(a->ms >= DELAY_MS - 20 && a->ms <= DELAY_MS + 300, "request %d took %lld ms", i,
		  (long long)a->ms);
}

Test(auto_rollback, caps_lift_after_the_trigger_and_come_back_after_the_cooldown)
{
	char script[512];
	snprintf(script, sizeof(script), "%s/tests/rollback/request_loop.py", getenv("WAITCAP_SRC"));
	const char *argv[] = {"/usr/bin/python3", script, port_s, "14", NULL};
	struct prog c;
	prog_start(&t, &c, argv);
	struct attempt a;
	/* 3 waits, 3 timeouts: 100 % > 50 % with min_waits reached. */
	for (int i = 1; i <= 3; i++) {
		cr_assert(prog_next(&c, &a, 5000), "request %d: no answer", i);
		expect_failed_at_cap(&a, i);
		cr_expect_str_eq(a.outcome, "TimeoutError", "request %d", i);
	}
	int64_t lifted = a.start_ms + a.ms;
	cr_assert(prog_next(&c, &a, 5000));
	expect_answered(&a, 4);
	cJSON *proc = rb_stats(&t, c.pid);
	cJSON *d = dest_of(proc);
	cr_assert_not_null(d, "no destination %s", peer);
	cr_expect_str_eq(rb_str(d, "mode"), "rolled_back");
	cr_expect_eq(cJSON_GetObjectItem(d, "response_timeouts")->valuedouble, 3);
	cJSON_Delete(proc);
	char want[128];
	snprintf(want, sizeof(want),
		 "waitcap: automatic rollback of %s: response timeouts 3 of 3 in 10s > 50.0%%; caps "
		 "lifted for 4s\n", peer);
	cr_expect(strstr(prog_stderr(&c), want), "stderr: %s", prog_stderr(&c));
	/* Answered while lifted; the first request that starts after the
	 * cooldown is capped again. */
	int n = 5;
	for (; prog_next(&c, &a, 5000) && a.start_ms < lifted + 4000; n++)
		expect_answered(&a, n);
	expect_failed_at_cap(&a, n);
	cr_expect(strstr(prog_stderr(&c), "ended (cooldown over): caps apply again"), "stderr: %s",
		  prog_stderr(&c));
	/* Still slow: it trips again after 3 more. */
	for (int k = 0; k < 2; k++) {
		cr_assert(prog_next(&c, &a, 5000));
		expect_failed_at_cap(&a, ++n);
	}
	cr_assert(prog_next(&c, &a, 5000));
	expect_answered(&a, ++n);
	prog_stop(&c);
}

/* With WAITCAP_STATS=0 there are no destination rows: no automatic
 * rollback, the caps stay (docs/profiles.md). */
Test(auto_rollback, without_counters_caps_stay)
{
	t.env[4] = "WAITCAP_STATS=0";
	t.env[5] = NULL;
	char script[512];
	snprintf(script, sizeof(script), "%s/tests/rollback/request_loop.py", getenv("WAITCAP_SRC"));
	const char *argv[] = {"/usr/bin/python3", script, port_s, "5", NULL};
	struct prog c;
	prog_start(&t, &c, argv);
	struct attempt a;
	for (int i = 1; i <= 5; i++) {
		cr_assert(prog_next(&c, &a, 5000), "request %d: no answer", i);
		expect_failed_at_cap(&a, i);
	}
	cr_expect_str_eq(prog_stderr(&c), "");
	prog_stop(&c);
}
