/* A program that blocks a known number of times for known durations, run
 * under a real lttng-sessiond with libwaitcap.so preloaded: the analyzer's
 * JSON must say exactly that, at the right function and line. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "timing.h"

static cJSON *report;

static void setup(void)
{
	const char *args[] = { an_shared_trace("blocker", an_record_blocker), NULL };
	report = an_analyze_json(args);
}

static void teardown(void)
{
	cJSON_Delete(report);
}

TestSuite(known_blocking, .init = setup, .fini = teardown, .timeout = 100);

/* Within 5 % of what the program measured itself (a loaded machine
 * overshoots timeouts: the trace must show what really happened), and
 * count waits of each_ms within the bounds of tests/support/timing.h. */
static void assert_total_near(const cJSON *site, int count, int each_ms, const char *measured_as)
{
	double total = an_num(site, "total_ms");
	double measured = an_blocker_measured_ms(measured_as);
	cr_assert(fabs(total - measured) <= measured * 0.05,
		  "%s: total_ms %.1f, the program measured %.1f", an_str(site, "function"), total,
		  measured);
	cr_assert(total >= count * cap_lower_ms(each_ms) && total <= count * cap_upper_ms(each_ms),
		  "%s: total_ms %.1f for %d waits of %d ms", an_str(site, "function"), total, count,
		  each_ms);
}

static void assert_where(const cJSON *site, const char *name)
{
	char *file = strrchr(an_str(site, "file"), '/');
	cr_assert(file && strcmp(file, "/blocker.c") == 0, "%s: file %s", name, an_str(site, "file"));
	cr_assert_eq((int)an_num(site, "line"), an_marker_line("blocker.c", name),
		     "%s: line %d, the call is on line %d", name, (int)an_num(site, "line"),
		     an_marker_line("blocker.c", name));
	cr_assert(strstr(an_str(site, "binary"), "tests/analyze/blocker"), "binary %s",
		  an_str(site, "binary"));
}

Test(known_blocking, three_polls_of_200ms_at_their_line)
{
	const cJSON *site = an_callsite(report, "poll_three_times");
	cr_assert_str_eq(an_str(site, "op"), "poll");
	cr_assert_eq(an_num(site, "count"), 3);
	assert_total_near(site, 3, 200, "poll_three_times");
	cr_assert_eq(an_num(site, "app_timeouts"), 3);
	cr_assert_eq(an_num(site, "capped"), 0);
	assert_where(site, "poll_three_times");
}

Test(known_blocking, five_recvs_of_100ms_at_their_line)
{
	const cJSON *site = an_callsite(report, "recv_five_times");
	cr_assert_str_eq(an_str(site, "op"), "recv");
	cr_assert_eq(an_num(site, "count"), 5);
	assert_total_near(site, 5, 100, "recv_five_times");
	cr_assert_capped((int64_t)an_num(site, "p50_ms"), 100, "the median of 100 ms timeouts");
	cr_assert_eq(an_num(site, "app_timeouts"), 5);
	assert_where(site, "recv_five_times");
}

Test(known_blocking, capped_recv_counts_what_the_cap_avoided)
{
	const cJSON *site = an_callsite(report, "recv_asks_two_s");
	cr_assert_eq(an_num(site, "count"), 1);
	cr_assert_eq(an_num(site, "capped"), 1);
	cr_assert_eq(an_num(site, "unbounded"), 0);
	assert_total_near(site, 1, 300, "recv_asks_two_s");
	cr_assert_eq(an_num(site, "requested_ms"), 2000);
	/* It asked for 2 s and waited what it waited: the rest was avoided. */
	double avoided = an_num(site, "avoided_ms");
	double expected = 2000 - an_blocker_measured_ms("recv_asks_two_s");
	cr_assert(fabs(avoided - expected) <= expected * 0.05, "avoided_ms %.1f, expected %.1f",
		  avoided, expected);
	cr_assert(avoided >= 2000 - cap_upper_ms(300) && avoided <= 2000 - cap_lower_ms(300),
		  "avoided_ms %.1f of 2000 with a 300 ms cap", avoided);
	assert_where(site, "recv_asks_two_s");
}

Test(known_blocking, capped_recv_without_timeout_is_unbounded)
{
	const cJSON *site = an_callsite(report, "recv_asks_forever");
	cr_assert_eq(an_num(site, "count"), 1);
	cr_assert_eq(an_num(site, "capped"), 1);
	cr_assert_eq(an_num(site, "unbounded"), 1);
	cr_assert_eq(an_num(site, "avoided_ms"), 0);
	cr_assert_eq(an_num(site, "requested_ms"), 0);
	assert_where(site, "recv_asks_forever");
}

Test(known_blocking, ops_and_processes_add_up)
{
	const cJSON *ops = cJSON_GetObjectItemCaseSensitive(report, "ops");
	const cJSON *recv = cJSON_GetObjectItemCaseSensitive(ops, "recv");
	const cJSON *poll = cJSON_GetObjectItemCaseSensitive(ops, "poll");
	cr_assert(recv && poll);
	cr_assert_eq(an_num(recv, "count"), 9);
	cr_assert_eq(an_num(poll, "count"), 3);
	/* Every recv timed out: 7 on their own timeout, 2 on the cap. */
	cr_assert_eq(an_num(recv, "timeout_rate"), 1);
	cr_assert_eq(an_num(report, "lost_events"), 0);
	const cJSON *procs = cJSON_GetObjectItemCaseSensitive(report, "processes");
	cr_assert_eq(cJSON_GetArraySize(procs), 1);
	cr_assert_str_eq(an_str(cJSON_GetArrayItem(procs, 0), "procname"), "blocker");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(report, "hosts")), 1);
	/* Shares of all call sites sum to one. */
	double share = 0;
	const cJSON *s;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(report, "callsites"))
		share += an_num(s, "share");
	cr_assert(fabs(share - 1) < 0.01, "shares sum to %f", share);
}

Test(known_blocking, call_site_in_a_library_is_the_library_function)
{
	const cJSON *site = an_callsite(report, "netlib_recv_with_timeout");
	cr_assert_eq(an_num(site, "count"), 2);
	cr_assert(strstr(an_str(site, "binary"), "libanalyze_netlib"), "binary %s", an_str(site, "binary"));
	assert_total_near(site, 2, 150, "recv_via_library");
	cr_assert_eq((int)an_num(site, "line"), an_marker_line("netlib.c", "netlib_recv_with_timeout"));
}

Test(known_blocking, skip_moves_the_call_site_to_the_library_caller)
{
	const char *args[] = { an_shared_trace("blocker", an_record_blocker), "--skip", "netlib", NULL };
	cJSON *skipped = an_analyze_json(args);
	const cJSON *site = an_callsite(skipped, "recv_via_library");
	cr_assert_eq(an_num(site, "count"), 2);
	assert_total_near(site, 2, 150, "recv_via_library");
	assert_where(site, "recv_via_library");
	/* The stack starts at the call site and goes outwards. */
	const cJSON *stack = cJSON_GetObjectItemCaseSensitive(site, "stack");
	cr_assert_str_eq(an_str(cJSON_GetArrayItem(stack, 0), "function"), "recv_via_library");
	cr_assert_str_eq(an_str(cJSON_GetArrayItem(stack, 1), "function"), "main");
	cJSON_Delete(skipped);
}
