/* Traces from the generator (bench/analyze/gen_trace), whose content is
 * known exactly: waitcap:expired at the arming call site, caps and what
 * they avoided, several processes and traces at once, lost events,
 * filters. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "relay.h"

static const char *known(void)
{
	return an_shared_trace("known", an_record_known);
}

static cJSON *analyze_known(const char *extra1, const char *extra2)
{
	const char *args[] = { known(), extra1, extra2, NULL };
	return an_analyze_json(args);
}

TestSuite(generated, .timeout = 120);

Test(generated, expired_deadlines_are_capped_at_the_arming_call_but_no_blocking_wait)
{
	cJSON *r = analyze_known(NULL, NULL);
	const cJSON *site = an_callsite(r, "arms_deadline");
	cr_assert_str_eq(an_str(site, "op"), "recv");
	/* No thread was blocked there: no wait, no percentile, no total. */
	cr_assert_eq(an_num(site, "count"), 0);
	cr_assert_eq(an_num(site, "capped"), 3);
	/* Nothing says what timeout the program meant: unbounded. */
	cr_assert_eq(an_num(site, "unbounded"), 3);
	cr_assert_eq(an_num(site, "avoided_ms"), 0);
	cr_assert_eq(an_num(site, "expired"), 3);
	/* The connections waited 300 ms each: their own column. */
	cr_assert_eq(an_num(site, "total_ms"), 0);
	cr_assert_eq(an_num(site, "max_ms"), 0);
	cr_assert_eq(an_num(site, "p95_ms"), 0);
	cr_assert(an_num(site, "expired_max_ms") >= 297 && an_num(site, "expired_max_ms") <= 303,
		  "%f", an_num(site, "expired_max_ms"));
	cr_assert(strstr(an_str(site, "file"), "gen_trace.c"), "%s", an_str(site, "file"));
	cJSON_Delete(r);
}

Test(generated, capped_waits_sum_what_was_asked_minus_what_was_waited)
{
	cJSON *r = analyze_known(NULL, NULL);
	const cJSON *site = an_callsite(r, "connects_slowly");
	cr_assert_str_eq(an_str(site, "op"), "connect");
	cr_assert_eq(an_num(site, "count"), 4);
	cr_assert_eq(an_num(site, "capped"), 4);
	cr_assert_eq(an_num(site, "unbounded"), 0);
	cr_assert_eq(an_num(site, "requested_ms"), 4000);
	cr_assert_eq(an_num(site, "avoided_ms"), 3000);
	cr_assert_eq(an_num(site, "total_ms"), 1000);
	const cJSON *connect = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "ops"), "connect");
	cr_assert_eq(an_num(connect, "timeout_rate"), 1);
	cJSON_Delete(r);
}

Test(generated, percentiles_are_within_half_a_percent)
{
	cJSON *r = analyze_known(NULL, NULL);
	const cJSON *site = an_callsite(r, "reads_quickly");
	cr_assert_eq(an_num(site, "count"), 100);
	cr_assert_eq(an_num(site, "total_ms"), 200);
	cr_assert_eq(an_num(site, "max_ms"), 2);
	cr_assert(fabs(an_num(site, "p50_ms") - 2) <= 0.01, "p50 %f", an_num(site, "p50_ms"));
	cr_assert(fabs(an_num(site, "p95_ms") - 2) <= 0.01, "p95 %f", an_num(site, "p95_ms"));
	cJSON_Delete(r);
}

/* The per-op summary: 100 recv waits of 2 ms each and 3 expired recv
 * deadlines of 300 ms.  count, total, avg and p95 are the same 100 waits;
 * the deadlines are a column of their own and only enter the rate of
 * outcomes (the demo once said count 3, total 3 s, avg 1.5 s, p95 5 s). */
Test(generated, per_op_columns_describe_the_same_waits)
{
	cJSON *r = analyze_known(NULL, NULL);
	const cJSON *recv = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "ops"), "recv");
	cr_assert_eq(an_num(recv, "count"), 100);
	cr_assert_eq(an_num(recv, "total_ms"), 200);
	cr_assert_eq(an_num(recv, "avg_ms"), an_num(recv, "total_ms") / an_num(recv, "count"));
	cr_assert(fabs(an_num(recv, "p95_ms") - 2) <= 0.01, "p95 %f: an expired 300 ms leaked in",
		  an_num(recv, "p95_ms"));
	cr_assert_eq(an_num(recv, "expired"), 3);
	cr_assert(fabs(an_num(recv, "timeout_rate") - 3.0 / 103) < 1e-3);
	cJSON_Delete(r);
}

/* Two processes, two sessions, ASLR: the same code still aggregates to the
 * same call sites, keyed by binary and offset, not by address. */
Test(generated, several_traces_and_processes_at_once)
{
	const char *dir = an_shared_trace("known_twice", an_record_known_twice);
	const char *args[] = { dir, NULL };
	cJSON *r = an_analyze_json(args);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "processes")), 2);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "hosts")), 1);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "callsites")), 3);
	cr_assert_eq(an_num(an_callsite(r, "connects_slowly"), "count"), 8);
	cr_assert_eq(an_num(an_callsite(r, "reads_quickly"), "count"), 200);
	cr_assert_eq(an_num(an_callsite(r, "arms_deadline"), "expired"), 6);
	cJSON_Delete(r);
}

Test(generated, filters_select_ops_durations_and_processes)
{
	cJSON *r = analyze_known("--op", "connect");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "callsites")), 1);
	an_callsite(r, "connects_slowly");
	cJSON_Delete(r);

	r = analyze_known("--min", "100ms");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "callsites")), 2);
	cr_assert_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "ops"), "accept"));
	cJSON_Delete(r);

	r = analyze_known("--procname", "gen_trace");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "callsites")), 3);
	cJSON_Delete(r);

	r = analyze_known("--pid", "1");
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "callsites")), 0);
	cJSON_Delete(r);

	r = analyze_known("--top", "1");
	const cJSON *sites = cJSON_GetObjectItemCaseSensitive(r, "callsites");
	cr_assert_eq(cJSON_GetArraySize(sites), 1);
	cr_assert_str_eq(an_str(cJSON_GetArrayItem(sites, 0), "function"), "connects_slowly");
	cJSON_Delete(r);
}

Test(generated, lost_events_are_counted_and_shown_first_in_every_format)
{
	const char *trace = an_shared_trace("lossy", an_record_lossy);
	const char *args[] = { trace, NULL };
	cJSON *r = an_analyze_json(args);
	double lost = an_num(r, "lost_events");
	cr_assert_gt(lost, 0, "LTTng lost nothing with 8 KiB of buffers?");
	cJSON_Delete(r);
	static const char *const formats[] = { "table", "markdown", "html" };
	static const char *const says[] = { "LOST: ", "**Lost events: ", "Lost events: " };
	for (int i = 0; i < 3; i++) {
		struct an_result out;
		const char *fargs[] = { trace, "--format", formats[i], NULL };
		an_analyze(&out, fargs);
		cr_assert_eq(out.status, 0, "%s", out.err);
		char *at = strstr(out.out, says[i]);
		cr_assert(at, "%s: no lost events line:\n%.2000s", formats[i], out.out);
		char number[32];
		snprintf(number, sizeof(number), "%.0f", lost);
		cr_assert(strstr(at, number) && strstr(at, number) < at + 40, "%s: %.100s", formats[i], at);
		/* Before any call site. */
		const char *first_site = strstr(out.out, "bulk_site");
		cr_assert(!first_site || at < first_site, "%s: lost events after the call sites", formats[i]);
		an_result_free(&out);
	}
	/* Folded stacks have no header: the count goes to stderr. */
	struct an_result out;
	const char *fargs[] = { trace, "--format", "folded", NULL };
	an_analyze(&out, fargs);
	cr_assert_eq(out.status, 0, "%s", out.err);
	cr_assert(strstr(out.err, "LOST: "), "folded: no lost events on stderr: %s", out.err);
	an_result_free(&out);
}

/* Reading with several threads (each a share of the stream files, merged
 * at the end) gives exactly the report of one thread. */
Test(generated, parallel_reading_gives_the_same_report)
{
	const char *dir = an_shared_trace("known_twice", an_record_known_twice);
	char *reports[3];
	for (int threads = 1; threads <= 3; threads++) {
		char n[8];
		snprintf(n, sizeof(n), "%d", threads);
		setenv("WAITCAP_ANALYZE_THREADS", n, 1);
		struct an_result r;
		const char *args[] = { dir, "--format", "json", NULL };
		an_analyze(&r, args);
		cr_assert_eq(r.status, 0, "%d threads: %s", threads, r.err);
		reports[threads - 1] = r.out;
		free(r.err);
	}
	unsetenv("WAITCAP_ANALYZE_THREADS");
	cr_assert_str_eq(reports[1], reports[0], "2 threads differ from 1");
	cr_assert_str_eq(reports[2], reports[0], "3 threads differ from 1");
	for (int i = 0; i < 3; i++)
		free(reports[i]);
}

Test(generated, several_hosts_at_once)
{
	char dir[] = "/tmp/waitcap-hosts-XXXXXX", a[600], b[600];
	cr_assert(mkdtemp(dir));
	cr_assert(chmod(dir, 0777) == 0);
	snprintf(a, sizeof(a), "%s/here", dir);
	snprintf(b, sizeof(b), "%s/there", dir);
	an_copy_tree(known(), a);
	/* This test process's own host name (a UTS namespace of its own): the
	 * session daemon it starts records it in the trace's environment, as a
	 * relay daemon's traces from another machine would have. */
	relay_become_host("waitcap-host-b");
	an_record_known(b);
	const char *args[] = { dir, NULL };
	cJSON *r = an_analyze_json(args);
	const cJSON *hosts = cJSON_GetObjectItemCaseSensitive(r, "hosts");
	cr_assert_eq(cJSON_GetArraySize(hosts), 2);
	bool found = false;
	const cJSON *h;
	cJSON_ArrayForEach(h, hosts)
		found |= strcmp(h->valuestring, "waitcap-host-b") == 0;
	cr_assert(found, "waitcap-host-b not among the hosts");
	const cJSON *p, *procs = cJSON_GetObjectItemCaseSensitive(r, "processes");
	cr_assert_eq(cJSON_GetArraySize(procs), 2);
	cr_assert_str_neq(an_str(cJSON_GetArrayItem(procs, 0), "host"), an_str(cJSON_GetArrayItem(procs, 1), "host"));
	cJSON_ArrayForEach(p, procs) {
		cr_assert_eq(an_num(p, "waits"), 104);
		cr_assert_eq(an_num(p, "expired"), 3);
	}
	cr_assert_eq(an_num(an_callsite(r, "connects_slowly"), "count"), 8);
	cJSON_Delete(r);
	char rm[700];
	snprintf(rm, sizeof(rm), "rm -rf '%s'", dir);
	cr_assert(system(rm) == 0);
}
