/* Profile reload: a Python client connects in a loop to a listener whose
 * accept queue is full (its own timeout 2 s) while its profile file is
 * edited.  The new cap applies within 3 s, without a restart; a broken
 * edit keeps the last good policy and says so once on stderr. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "peers.h"

static struct peer full;
static struct rb t;
static char port_s[16];

#define PROFILE(cap) "{\"version\": 1, \"default\": \"local\", \"profiles\": {\"local\": " \
		     "{\"caps\": {\"connect\": \"" cap "\"}}}}\n"

static void setup(void)
{
	cr_assert_eq(peer_full_listener(&full, 0), 0, "cannot fill a listener's accept queue");
	snprintf(port_s, sizeof(port_s), "%d", full.port);
	rb_setup(&t);
	rb_profile(&t, PROFILE("300ms"));
}

static void teardown(void)
{
	peer_stop(&full);
	rb_teardown(&t);
}

TestSuite(reload, .init = setup, .fini = teardown, .timeout = 90);

static void client(struct prog *p, const char *seconds)
{
	char script[512];
	snprintf(script, sizeof(script), "%s/tests/rollback/connect_loop.py", getenv("WAITCAP_SRC"));
	const char *argv[] = {"/usr/bin/python3", script, port_s, seconds, NULL};
	prog_start(&t, p, argv);
}

static void expect_near(struct attempt *a, int cap_ms, const char *when)
{
	int slack = cap_ms / 2 > 200 ? cap_ms / 2 : 200;
	cr_expect(a->ms >= cap_ms - 20 && a->ms <= cap_ms + slack,
		  "%s: a connect took %lld ms, cap %d ms", when, (long long)a->ms, cap_ms);
}

static int count_lines(const char *text, const char *needle)
{
	int n = 0;
	for (const char *s = text; (s = strstr(s, needle)); s += strlen(needle))
		n++;
	return n;
}

Test(reload, an_edited_cap_applies_within_3s_and_a_broken_edit_keeps_the_last_good)
{
	struct prog p;
	client(&p, "14");
	struct attempt a;
	cr_assert(prog_next(&p, &a, 5000));
	expect_near(&a, 300, "before the edit");

	rb_profile(&t, PROFILE("800ms"));
	int64_t edited = now_ms();
	cr_assert(prog_attempt_after(&p, edited + 3000, &a, 6000), "no attempt 3 s after the edit");
	expect_near(&a, 800, "3 s after the edit");
	cr_expect(count_lines(prog_stderr(&p), "changed: profile local applied (connect 800ms") == 1,
		  "stderr: %s", prog_stderr(&p));

	/* A missing brace: reported once, the 800 ms cap stays. */
	rb_profile(&t, "{\"version\": 1, \"default\": \"local\", \"profiles\": {\"local\": "
		       "{\"caps\": {\"connect\": \"100ms\"}}}\n");
	int64_t broken = now_ms();
	for (int i = 0; i < 3; i++) {
		cr_assert(prog_attempt_after(&p, broken + 1500 + 1000 * i, &a, 6000));
		expect_near(&a, 800, "after a broken edit");
	}
	const char *err = prog_stderr(&p);
	cr_expect_eq(count_lines(err, "keeping the last good policy"), 1, "stderr: %s", err);
	char where[400];
	snprintf(where, sizeof(where), "waitcap: %s:2:1: JSON syntax error (unexpected end of file); "
		 "keeping the last good policy (profile local)\n", t.config);
	cr_expect(strstr(err, where), "stderr: %s\nwanted: %s", err, where);
	cJSON *proc = rb_stats(&t, p.pid);
	cr_expect_str_eq(rb_str(proc, "mode"), "capping");
	cJSON_Delete(proc);
	prog_stop(&p);
}
