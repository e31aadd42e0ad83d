/* CI use: --baseline compares call sites with an earlier JSON report,
 * --fail-if turns thresholds into exit status 3. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

static const char *trace;

static void setup(void)
{
	trace = an_shared_trace("blocker", an_record_blocker);
}

TestSuite(thresholds, .init = setup, .timeout = 100);

/* An "old" report: poll_three_times took twice as long, recv_five_times
 * did not exist, and a call site that is gone now blocked 9 s. */
static void write_baseline(const char *path)
{
	const char *args[] = { trace, NULL };
	cJSON *old = an_analyze_json(args);
	cJSON *sites = cJSON_GetObjectItemCaseSensitive(old, "callsites");
	for (int i = cJSON_GetArraySize(sites) - 1; i >= 0; i--) {
		cJSON *s = cJSON_GetArrayItem(sites, i);
		const char *fn = an_str(s, "function");
		if (strcmp(fn, "poll_three_times") == 0) {
			cJSON_ReplaceItemInObject(s, "total_ms", cJSON_CreateNumber(an_num(s, "total_ms") * 2));
			cJSON_ReplaceItemInObject(s, "line", cJSON_CreateNumber(an_num(s, "line") + 7));
		} else if (strcmp(fn, "recv_five_times") == 0) {
			cJSON_DeleteItemFromArray(sites, i);
		}
	}
	cJSON *gone = cJSON_CreateObject();
	cJSON_AddStringToObject(gone, "function", "fetch_legacy_config");
	cJSON_AddStringToObject(gone, "file", "/src/legacy.c");
	cJSON_AddNumberToObject(gone, "line", 12);
	cJSON_AddStringToObject(gone, "binary", "/usr/bin/legacy");
	cJSON_AddStringToObject(gone, "op", "connect");
	cJSON_AddNumberToObject(gone, "count", 3);
	cJSON_AddNumberToObject(gone, "total_ms", 9000);
	cJSON_AddItemToArray(sites, gone);
	char *text = cJSON_Print(old);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	free(text);
	cJSON_Delete(old);
}

Test(thresholds, baseline_gives_before_after_and_delta_per_call_site)
{
	char path[] = "/tmp/waitcap-baseline-XXXXXX";
	close(mkstemp(path));
	write_baseline(path);
	const char *args[] = { trace, "--baseline", path, NULL };
	cJSON *now = an_analyze_json(args);
	/* Matched although its line moved: before is the doubled total. */
	const cJSON *poll = an_callsite(now, "poll_three_times");
	const cJSON *before = cJSON_GetObjectItemCaseSensitive(poll, "before");
	const cJSON *delta = cJSON_GetObjectItemCaseSensitive(poll, "delta");
	cr_assert(cJSON_IsObject(before) && cJSON_IsObject(delta));
	double after = an_num(poll, "total_ms");
	cr_assert(fabs(an_num(before, "total_ms") - 2 * after) < 1);
	cr_assert(fabs(an_num(delta, "total_ms") + after) < 1, "delta %f", an_num(delta, "total_ms"));
	/* New since the baseline. */
	const cJSON *recv = an_callsite(now, "recv_five_times");
	cr_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(recv, "before")));
	/* Gone since the baseline. */
	const cJSON *gone = cJSON_GetObjectItemCaseSensitive(now, "baseline_only");
	cr_assert_eq(cJSON_GetArraySize(gone), 1);
	cr_assert_str_eq(an_str(cJSON_GetArrayItem(gone, 0), "function"), "fetch_legacy_config");
	cJSON_Delete(now);

	struct an_result r;
	const char *table_args[] = { trace, "--baseline", path, NULL };
	setenv("COLUMNS", "200", 1);
	an_analyze(&r, table_args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert(strstr(r.out, "before") && strstr(r.out, "delta") && strstr(r.out, "new"), "%s", r.out);
	cr_assert(strstr(r.out, "gone since baseline: fetch_legacy_config"), "%s", r.out);
	/* before and delta are per call site: the per-op summary has none. */
	char *ops = strstr(r.out, "\nop ");
	cr_assert(ops, "%s", r.out);
	cr_assert(strncmp(ops + 1, "op ", 3) == 0 && !memmem(ops + 1, strcspn(ops + 1, "\n"), "before", 6),
		  "%s", r.out);
	an_result_free(&r);
	unlink(path);
}

Test(thresholds, breached_thresholds_exit_3_and_are_each_named)
{
	struct an_result r;
	const char *args[] = { trace, "--fail-if", "poll.p95>100ms", "--fail-if", "recv.timeout_rate>50%",
			       "--fail-if", "total>10s", "--fail-if", "recv.count>100", NULL };
	an_analyze(&r, args);
	cr_assert_eq(r.status, 3, "status %d: %s", r.status, r.err);
	cr_assert(strstr(r.err, "threshold breached: poll.p95>100ms"), "%s", r.err);
	cr_assert(strstr(r.err, "threshold breached: recv.timeout_rate>50%"), "%s", r.err);
	cr_assert(!strstr(r.err, "total>10s") && !strstr(r.err, "recv.count>100"), "%s", r.err);
	/* The report is still written. */
	cr_assert(strstr(r.out, "poll_three_times"), "%s", r.out);
	an_result_free(&r);
}

Test(thresholds, thresholds_that_hold_exit_0)
{
	struct an_result r;
	const char *args[] = { trace, "--fail-if", "poll.p95>1s", "--fail-if", "connect.timeout_rate>3%",
			       "--fail-if", "total>10s", "--fail-if", "lost_events>0", NULL };
	an_analyze(&r, args);
	cr_assert_eq(r.status, 0, "status %d: %s", r.status, r.err);
	cr_assert_str_eq(r.err, "");
	an_result_free(&r);
}

static void assert_usage_error(const char *expr, const char *says)
{
	struct an_result r;
	const char *args[] = { trace, "--fail-if", expr, NULL };
	an_analyze(&r, args);
	cr_assert_eq(r.status, 2, "'%s': status %d", expr, r.status);
	cr_assert(strstr(r.err, says), "'%s': %s", expr, r.err);
	cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "not one line: %s", r.err);
	an_result_free(&r);
}

Test(thresholds, malformed_expressions_are_one_line_usage_errors)
{
	assert_usage_error("connect.p95>5", "not a duration with a unit");
	assert_usage_error("conect.p95>5s", "unknown op 'conect'");
	assert_usage_error("connect.p99>5s", "unknown metric 'p99'");
	assert_usage_error("connect.p95", "expected [OP.]METRIC CMP VALUE");
	assert_usage_error("recv.timeout_rate>lots", "not a rate");
}
