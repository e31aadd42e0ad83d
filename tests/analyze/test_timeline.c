/* The HTML report's timeline: a real two-thread program (two_peers
 * threads: the main thread waits on peer A, a second thread on peer B, at
 * the same time) recorded by a real session daemon, rendered by headless
 * Chromium; and a 100 k-wait trace, whose page stays small because what
 * does not fit the pixels is summed per column. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "peers.h"

enum { WAITS_A = 3, WAITS_B = 4 };

static void record_threads(const char *trace_dir)
{
	/* Each 100 ms recv capped at 60 ms: the bars are marked capped. */
	const char *more[] = { "0", "threads", NULL };
	const char *extra[] = { "WAITCAP_CAPS=recv=60ms", "WAITCAP_MIN_BLOCK=20ms", NULL };
	int ports[2];
	an_record_two_peers(trace_dir, WAITS_A, WAITS_B, more, extra, ports);
}

/* gen_trace bulk 100000: as many as LTTng's default buffers keep. */
static void record_bulk(const char *trace_dir)
{
	struct lt_env env;
	lt_init(&env);
	lt_start_sessiond(&env);
	const char *argv[] = { an_build("tests/analyze/gen_trace"), "bulk", "100000", NULL };
	an_record(&env, trace_dir, argv, NULL);
	lt_cleanup(&env);
}

static char *html_of(const char *trace, const char *page)
{
	struct an_result res;
	const char *args[] = { trace, "-f", "html", NULL };
	an_analyze(&res, args);
	cr_assert_eq(res.status, 0, "%s", res.err);
	FILE *f = fopen(page, "w");
	cr_assert(f && fputs(res.out, f) >= 0 && fclose(f) == 0);
	char *html = res.out;
	free(res.err);
	return html;
}

static char *chromium(const char *page, const char *png, const char *what)
{
	char profile[] = "/tmp/waitcap-chromium-XXXXXX", user_data[640], shot[700], url[700];
	cr_assert(mkdtemp(profile));
	snprintf(user_data, sizeof(user_data), "--user-data-dir=%s", profile);
	snprintf(shot, sizeof(shot), "--screenshot=%s", png);
	snprintf(url, sizeof(url), "file://%s", page);
	const char *argv[] = { "/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
			       "--disable-quic", "--no-first-run", "--disable-background-networking",
			       "--disable-component-update", "--disable-sync", user_data,
			       "--window-size=1400,2400", strcmp(what, "dom") ? shot : "--dump-dom", url,
			       NULL };
	char *out, *err;
	int status = an_exec(argv, 90000, &out, &err);
	cr_assert_eq(status, 0, "chromium %s: %d: %s", what, status, err);
	free(err);
	char rm[700];
	snprintf(rm, sizeof(rm), "rm -rf '%s'", profile);
	cr_assert(system(rm) == 0);
	return out;
}

static long png_pixels(const char *png, const char *colour)
{
	char script[600], *out, *err;
	snprintf(script, sizeof(script), "%s/tests/analyze/png_colors.py", lt_getenv("WAITCAP_SRC"));
	const char *argv[] = { "/usr/bin/python3", script, png, colour, NULL };
	cr_assert_eq(an_exec(argv, 60000, &out, &err), 0, "%s", err);
	long n = atol(out);
	free(out);
	free(err);
	return n;
}

static size_t count(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

TestSuite(timeline, .timeout = 200);

Test(timeline, every_thread_has_its_bars_in_chromium)
{
	const char *trace = an_shared_trace("threads", record_threads);
	char page[700], png[700];
	snprintf(page, sizeof(page), "%s.timeline.html", trace);
	snprintf(png, sizeof(png), "%s.timeline.png", trace);
	char *html = html_of(trace, page);
	cr_assert(!strstr(html, "<script") && !strstr(html, "https://"), "not self-contained");
	char *dom = chromium(page, png, "dom");
	char *svg = strstr(dom, "<svg id=\"timeline\"");
	cr_assert(svg, "no timeline in the rendered page:\n%.3000s", dom);
	char *end = strstr(svg, "</svg>");
	cr_assert(end);
	*end = 0;
	/* Two threads, each its own row, each with its waits as bars whose
	 * hover names the call site, the peer, what it asked and the cap. */
	cr_assert_eq(count(svg, "<g class=\"thread\">"), 2, "%s", svg);
	const char *functions[] = { "wait_on_peer_a", "wait_on_peer_b" };
	const int waits[] = { WAITS_A, WAITS_B };
	for (int i = 0; i < 2; i++) {
		char *row = strstr(svg, "<g class=\"thread\">");
		cr_assert(row);
		char *next = strstr(row + 1, "<g class=\"thread\">");
		char *stop = next ? next : svg + strlen(svg);
		char saved = *stop;
		*stop = 0;
		int f = strstr(row, functions[0]) ? 0 : 1;
		cr_assert(strstr(row, functions[f]), "a row without a known call site: %s", row);
		cr_assert_eq(count(row, "<rect"), (size_t)waits[f], "%s: %s", functions[f], row);
		cr_assert_eq(count(row, "class=\"w capped\""), (size_t)waits[f], "%s", row);
		cr_assert(strstr(row, "127.0.0.1:"), "no peer in %s", row);
		cr_assert(strstr(row, "asked 100 ms") && strstr(row, "capped at 60 ms"), "%s", row);
		*stop = saved;
		svg = stop;
		if (!next)
			break;
	}
	free(chromium(page, png, "screenshot"));
	/* The capped bars are drawn: orange (#d9822b) pixels on the page. */
	cr_assert_gt(png_pixels(png, "d9822b"), 100, "no capped bar in the screenshot %s", png);
	free(dom);
	free(html);
}

/* Bounded by the pixels, not by the waits: at most TL_WIDTH / 3 bars and
 * TL_WIDTH + 1 columns (1000 px) per thread, about 15 000 in all, and the
 * page small. */
Test(timeline, a_hundred_thousand_waits_stay_within_the_pixels)
{
	const char *trace = an_shared_trace("bulk", record_bulk);
	char page[700];
	snprintf(page, sizeof(page), "%s.timeline.html", trace);
	cJSON *r = an_analyze_json((const char *[]){ trace, NULL });
	double waits = cJSON_GetObjectItemCaseSensitive(r, "callsites") ? 0 : 0;
	const cJSON *s;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(r, "callsites"))
		waits += an_num(s, "count");
	cJSON_Delete(r);
	cr_assert_gt(waits, 20000, "only %.0f waits recorded", waits);
	char *html = html_of(trace, page);
	char *svg = strstr(html, "<svg id=\"timeline\"");
	cr_assert(svg);
	char *end = strstr(svg, "</svg>");
	*end = 0;
	size_t threads = count(svg, "<g class=\"thread\">"), rects = count(svg, "<rect");
	cr_assert_geq(threads, 1);
	cr_assert_leq(rects, threads * (1000 / 3 + 1001), "%zu bars for %zu threads", rects, threads);
	cr_assert_leq(rects, 15000 + 2 * threads, "%zu bars for %zu threads", rects, threads);
	*end = '<';
	cr_assert_lt(strlen(html), 2u << 20, "%.0f waits made a %zu-byte page", waits, strlen(html));
	free(html);
}
