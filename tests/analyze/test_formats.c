/* The same real trace in every format: folded stacks a flame graph tool
 * reads, an HTML page Chromium renders with its chart, Markdown and a
 * table that fits the terminal. */
#include <criterion/criterion.h>
#include <ctype.h>
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

TestSuite(formats, .init = setup, .timeout = 120);

static char *report_in(const char *format)
{
	struct an_result r;
	const char *args[] = { trace, "--format", format, NULL };
	an_analyze(&r, args);
	cr_assert_eq(r.status, 0, "--format %s: status %d: %s", format, r.status, r.err);
	free(r.err);
	return r.out;
}

/* flamegraph.pl reads each line as /^(.*)\s+?(\d+(?:\.\d*)?)$/, frames
 * split on ';'.  Check every line that way and the numbers behind it. */
Test(formats, folded_lines_are_flame_graph_input)
{
	char *text = report_in("folded");
	unsigned long long total_us = 0, recv_five_us = 0;
	int lines = 0;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lines++;
		char *space = strrchr(line, ' ');
		cr_assert(space && space[1], "no count: '%s'", line);
		for (const char *d = space + 1; *d; d++)
			cr_assert(isdigit((unsigned char)*d), "count not a number: '%s'", line);
		*space = 0;
		cr_assert(!strchr(line, ' '), "a frame has a space: '%s'", line);
		cr_assert(strncmp(line, "blocker;", 8) == 0, "stack does not start with the process: '%s'", line);
		for (const char *p = line; *p; p++)
			cr_assert(!(p[0] == ';' && (p[1] == ';' || p[1] == 0)), "empty frame: '%s'", line);
		unsigned long long us = strtoull(space + 1, NULL, 10);
		total_us += us;
		size_t len = strlen(line);
		if (len > 21 && strcmp(line + len - 21, ";main;recv_five_times") == 0)
			recv_five_us += us;
	}
	cr_assert_geq(lines, 5);
	double measured = an_blocker_measured_ms("recv_five_times") * 1000;
	cr_assert(fabs((double)recv_five_us - measured) < measured * 0.05, "recv_five_times: %llu us, "
		  "measured %.0f", recv_five_us, measured);
	/* Every wait of the program: 3x200 + 5x100 + 300 + 300 + 2x150 ms. */
	static const char *const all[] = { "poll_three_times", "recv_five_times", "recv_asks_two_s",
					   "recv_asks_forever", "recv_via_library" };
	double all_us = 0;
	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
		all_us += an_blocker_measured_ms(all[i]) * 1000;
	cr_assert(fabs((double)total_us - all_us) < all_us * 0.05, "total %llu us, measured %.0f",
		  total_us, all_us);
	free(text);
}

static bool render(const char *html, const char *png, char **dom)
{
	char profile[] = "/tmp/waitcap-chromium-XXXXXX", shot[700], url[700];
	cr_assert(mkdtemp(profile));
	char user_data[640];
	snprintf(user_data, sizeof(user_data), "--user-data-dir=%s", profile);
	snprintf(shot, sizeof(shot), "--screenshot=%s", png);
	snprintf(url, sizeof(url), "file://%s", html);
	const char *common[] = { "chromium", "--headless", "--no-sandbox", "--disable-gpu",
				 "--disable-quic", "--no-first-run", "--disable-background-networking",
				 "--disable-component-update", "--disable-sync", user_data,
				 "--window-size=1200,900" };
	const char *argv[16];
	size_t n = sizeof(common) / sizeof(*common);
	memcpy(argv, common, sizeof(common));
	argv[n] = shot;
	argv[n + 1] = url;
	argv[n + 2] = NULL;
	char *out, *err;
	int status = an_exec(argv, 90000, &out, &err);
	cr_assert_eq(status, 0, "chromium --screenshot: %d: %s", status, err);
	free(out);
	free(err);
	argv[n] = "--dump-dom";
	status = an_exec(argv, 90000, dom, &err);
	cr_assert_eq(status, 0, "chromium --dump-dom: %d: %s", status, err);
	free(err);
	char rm[700];
	snprintf(rm, sizeof(rm), "rm -rf '%s'", profile);
	return system(rm) == 0;
}

/* No address but the SVG namespace's (a name, never fetched), no script,
 * no linked resource: the page opens offline. */
static void assert_self_contained(const char *html)
{
	static const char svg_ns[] = "xmlns=\"http://www.w3.org/2000/svg\"";
	char *rest = strdup(html);
	for (char *ns; (ns = strstr(rest, svg_ns));)
		memset(ns, '_', strlen(svg_ns));
	const char *url = strstr(rest, "http://") ? strstr(rest, "http://") : strstr(rest, "https://");
	cr_assert(!url, "the page refers to the network: %.80s", url);
	cr_assert(!strstr(rest, "<script") && !strstr(rest, "<link"), "the page loads resources");
	free(rest);
}

Test(formats, html_renders_the_chart_and_the_top_call_site_in_chromium, .timeout = 200)
{
	char *html = report_in("html");
	assert_self_contained(html);
	char dir[] = "/tmp/waitcap-html-XXXXXX", page[600], png[600];
	cr_assert(mkdtemp(dir));
	snprintf(page, sizeof(page), "%s/report.html", dir);
	snprintf(png, sizeof(png), "%s/report.png", dir);
	FILE *f = fopen(page, "w");
	fputs(html, f);
	fclose(f);
	char *dom;
	render(page, png, &dom);
	/* The top call site by blocked time: 3 x 200 ms of poll. */
	cr_assert(strstr(dom, "poll_three_times"), "top call site not in the page:\n%.3000s", dom);
	cr_assert(strstr(dom, "<svg id=\"callsite-chart\""), "no chart in the rendered page");
	cr_assert(strstr(dom, "<rect"), "the chart has no bars");
	char *out, *err;
	const char *argv[] = { "python3", NULL, png, NULL };
	char script[600];
	snprintf(script, sizeof(script), "%s/tests/analyze/png_colors.py", lt_getenv("WAITCAP_SRC"));
	argv[1] = script;
	cr_assert_eq(an_exec(argv, 60000, &out, &err), 0, "%s", err);
	cr_assert_gt(atoi(out), 3, "the screenshot is blank (%s colours)", out);
	free(out);
	free(err);
	free(dom);
	free(html);
	unlink(page);
	unlink(png);
	rmdir(dir);
}

Test(formats, markdown_lists_lost_events_first_and_the_call_sites)
{
	char *md = report_in("markdown");
	char *lost = strstr(md, "Lost events: 0"), *site = strstr(md, "| 1 | `poll_three_times` |");
	cr_assert(lost && site && lost < site, "%s", md);
	cr_assert(strstr(md, "| recv |"), "%s", md);
	free(md);
}

Test(formats, table_in_a_file_names_call_sites_in_full)
{
	unsetenv("COLUMNS");
	char *table = report_in("table");
	cr_assert(strstr(table, "lost events: 0"), "%s", table);
	char expected[128];
	snprintf(expected, sizeof(expected), "poll_three_times (blocker.c:%d)",
		 an_marker_line("blocker.c", "poll_three_times"));
	cr_assert(strstr(table, expected), "no '%s' in:\n%s", expected, table);
	cr_assert(strstr(table, "netlib_recv_with_timeout (netlib.c:"), "%s", table);
	free(table);
}

Test(formats, table_fits_the_terminal_width)
{
	setenv("COLUMNS", "80", 1);
	char *table = report_in("table");
	cr_assert(strstr(table, "lost events: 0"), "%s", table);
	/* Names are shortened, never where they are. */
	char expected[64];
	snprintf(expected, sizeof(expected), "(blocker.c:%d)", an_marker_line("blocker.c", "poll_three_times"));
	cr_assert(strstr(table, expected), "no '%s' in:\n%s", expected, table);
	bool in_sites = false;
	for (char *save = NULL, *line = strtok_r(table, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "call site"))
			in_sites = true;
		if (in_sites)
			cr_assert_leq(strlen(line), 80, "wider than 80 columns: '%s'", line);
	}
	free(table);
}
