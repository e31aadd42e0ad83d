/* One duration grammar (src/profile/duration.c) for every option that
 * takes a duration: the same spelling means the same time everywhere, and
 * a bad one is one line that names the option and the value. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static const char *trace;

static void setup(void)
{
	trace = an_shared_trace("blocker", an_record_blocker);
}

TestSuite(durations, .init = setup, .timeout = 100);

static double count_with_min(const char *min)
{
	const char *args[] = { trace, "--min", min, NULL };
	cJSON *report = an_analyze_json(args);
	double n = 0;
	const cJSON *site;
	cJSON_ArrayForEach(site, cJSON_GetObjectItemCaseSensitive(report, "callsites"))
		n += an_num(site, "count");
	cJSON_Delete(report);
	return n;
}

Test(durations, min_takes_every_unit_of_the_profile_grammar)
{
	/* blocker's waits are 150 ms to 2 s: 100 ms keeps them all, a minute
	 * none, however it is written. */
	double all = count_with_min("100ms");
	cr_assert_gt(all, 0);
	cr_assert_eq(count_with_min("0.1s"), all);
	cr_assert_eq(count_with_min("100000us"), all);
	cr_assert_eq(count_with_min("1min"), 0);
	cr_assert_eq(count_with_min("1m"), 0);
	cr_assert_eq(count_with_min("0.5h"), 0);
}

Test(durations, fail_if_reads_durations_as_min_does)
{
	struct an_result r;
	/* blocker blocks several seconds in all: more than 0.01 min, less
	 * than an hour. */
	const char *args[] = { trace, "--fail-if", "total>0.01min", "--fail-if", "total>1h", NULL };
	an_analyze(&r, args);
	cr_assert_eq(r.status, 3, "status %d: %s", r.status, r.err);
	cr_assert(strstr(r.err, "total>0.01min"), "%s", r.err);
	cr_assert_null(strstr(r.err, "total>1h"), "%s", r.err);
	an_result_free(&r);
}

/* Status 2 and one line on stderr naming the option and the value. */
static void assert_one_line(const char *const argv[], const char *option, const char *value)
{
	char *out = NULL, *err = NULL;
	int status = an_exec(argv, 30000, &out, &err);
	cr_assert_eq(status, 2, "%s %s: status %d", option, value, status);
	cr_assert(strstr(err, option) && strstr(err, value), "%s %s: %s", option, value, err);
	cr_assert(strstr(err, "min"), "the units are listed: %s", err);
	cr_assert_eq(strchr(err, '\n'), err + strlen(err) - 1, "not one line: %s", err);
	free(out);
	free(err);
}

Test(durations, nan_inf_and_bare_numbers_are_refused_by_every_option)
{
	const char *waitcap = an_build("tools/waitcap");
	const char *bad[] = { "nanms", "infs", "5", "-1s", "1.5x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		const char *min[] = { waitcap, "analyze", trace, "--min", bad[i], NULL };
		assert_one_line(min, "--min", bad[i]);
		char expr[64];
		snprintf(expr, sizeof(expr), "p95>%s", bad[i]);
		const char *fail_if[] = { waitcap, "analyze", trace, "--fail-if", expr, NULL };
		assert_one_line(fail_if, "--fail-if", bad[i]);
		const char *floor[] = { waitcap, "suggest", trace, "--floor", bad[i], NULL };
		assert_one_line(floor, "--floor", bad[i]);
		const char *interval[] = { waitcap, "analyze", "--live", "net://127.0.0.1:1",
					   "--interval", bad[i], NULL };
		assert_one_line(interval, "--interval", bad[i]);
	}
	/* top takes a bare number as milliseconds (its old --interval MS). */
	const char *top[] = { waitcap, "top", "--interval", "nanms", NULL };
	assert_one_line(top, "--interval", "nanms");
}
