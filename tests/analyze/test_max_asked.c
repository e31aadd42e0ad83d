/* max_asked: the longest timeout a call site's program asked for (its own
 * timeout, a field of waitcap:wait), in every format, for --fail-if and in
 * a baseline; "none" (JSON null) when no wait of the site asked for one. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* tests/analyze/asks against a silent loopback peer. */
static void record_asks(const char *trace_dir)
{
	an_record_silent(trace_dir, "tests/analyze/asks", NULL, NULL);
}

static const char *trace;

static void setup(void)
{
	trace = an_shared_trace("asks", record_asks);
	unsetenv("COLUMNS");
}

TestSuite(max_asked, .init = setup, .timeout = 120);

/* The report in format, as text. */
static char *report(const char *format)
{
	struct an_result r;
	const char *args[] = { trace, "--format", format, NULL };
	an_analyze(&r, args);
	cr_assert_eq(r.status, 0, "%s: %s", format, r.err);
	char *out = r.out;
	r.out = NULL;
	an_result_free(&r);
	return out;
}

/* The line of text that names poll_asks_twice. */
static char *site_line(char *text)
{
	char *at = strstr(text, "poll_asks_twice");
	cr_assert(at, "%s", text);
	char *end = strchr(at, '\n');
	if (end)
		*end = 0;
	while (at > text && at[-1] != '\n')
		at--;
	return at;
}

Test(max_asked, json_has_the_longest_timeout_of_the_call_site)
{
	const char *args[] = { trace, NULL };
	cJSON *r = an_analyze_json(args);
	const cJSON *site = an_callsite(r, "poll_asks_twice");
	cr_assert_eq(an_num(site, "count"), 2);
	cr_assert_eq(an_num(site, "max_asked_ms"), 700);
	cJSON_Delete(r);
}

Test(max_asked, table_markdown_and_html_show_it)
{
	char *table = report("table");
	cr_assert(strstr(table, "max asked"), "%s", table);
	cr_assert(strstr(site_line(table), " 700 ms"), "%s", table);
	free(table);
	char *md = report("markdown");
	cr_assert(strstr(md, "| max asked |"), "%s", md);
	cr_assert(strstr(site_line(md), "| 700 ms |"), "%s", md);
	free(md);
	char *html = report("html");
	cr_assert(strstr(html, "<th>max asked</th>"), "%s", html);
	/* The call-site table's row, not the chart's label. */
	char *table_part = strstr(html, "<h2>Call sites</h2>");
	cr_assert(table_part, "%s", html);
	cr_assert(strstr(site_line(table_part), "<td>700 ms</td>"), "%s", html);
	free(html);
}

Test(max_asked, a_call_site_that_never_asked_shows_none)
{
	/* blocker's recv_asks_forever: one recv with no timeout of its own. */
	const char *blocker = an_shared_trace("blocker", an_record_blocker);
	const char *args[] = { blocker, NULL };
	cJSON *r = an_analyze_json(args);
	const cJSON *site = an_callsite(r, "recv_asks_forever");
	cr_assert(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(site, "max_asked_ms")));
	cr_assert_eq(an_num(an_callsite(r, "poll_three_times"), "max_asked_ms"), 200);
	cJSON_Delete(r);

	struct an_result t;
	const char *table_args[] = { blocker, "--format", "markdown", NULL };
	an_analyze(&t, table_args);
	cr_assert_eq(t.status, 0, "%s", t.err);
	char *at = strstr(t.out, "`recv_asks_forever`");
	cr_assert(at, "%s", t.out);
	*strchr(at, '\n') = 0;
	cr_assert(strstr(at, "| none |"), "%s", at);
	an_result_free(&t);
}

static int status_with(const char *expr)
{
	struct an_result r;
	const char *args[] = { trace, "--fail-if", expr, NULL };
	an_analyze(&r, args);
	int status = r.status;
	if (status == 3)
		cr_assert(strstr(r.err, expr) && strstr(r.err, "measured 700ms"), "%s", r.err);
	an_result_free(&r);
	return status;
}

Test(max_asked, fail_if_checks_it_per_op_and_for_all_waits)
{
	cr_assert_eq(status_with("poll.max_asked>600ms"), 3);
	cr_assert_eq(status_with("max_asked>=0.7s"), 3);
	cr_assert_eq(status_with("max_asked>800ms"), 0);
	cr_assert_eq(status_with("poll.max_asked<1s"), 3);
}

Test(max_asked, a_baseline_keeps_it_in_before)
{
	char path[] = "/tmp/waitcap-max-asked-XXXXXX";
	close(mkstemp(path));
	struct an_result r;
	const char *write_args[] = { trace, "--format", "json", NULL };
	an_analyze(&r, write_args);
	cr_assert_eq(r.status, 0, "%s", r.err);
	FILE *f = fopen(path, "w");
	fputs(r.out, f);
	fclose(f);
	an_result_free(&r);
	const char *args[] = { trace, "--baseline", path, NULL };
	cJSON *now = an_analyze_json(args);
	const cJSON *before = cJSON_GetObjectItemCaseSensitive(an_callsite(now, "poll_asks_twice"),
							      "before");
	cr_assert_eq(an_num(before, "max_asked_ms"), 700);
	cJSON_Delete(now);
	unlink(path);
}
