/* The main job, end to end: tools/demo as the README runs it, on the build
 * under test (--build), with a session daemon of the test's own (the LTTng
 * fixture, stopped by pid), real unresponsive peers on ports the kernel
 * picked, then report.json checked component by component.  A second run
 * takes the legacy path on a scaled-down variant and shows that no cap
 * applied. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "lttng.h"
#include "timing.h"

struct component {
	const char *function, *op;
	double cap_ms, legacy_ms;
};

/* profiles/examples/seed-plan.json, local profile; tools/demo.c legacy timeouts. */
static const struct component components[] = {
	{"create_factory", "connect", 5000, 30000},
	{"websocket_receive", "poll", 5000, 30000},
	{"wait_for_startup", "poll", 3000, 20000},
	{"validate_service_health", "recv", 2000, 20000},
	{"validate_service_api", "recv", 1000, 10000},
	{"wait_for_orchestration", "connect", 5000, 30000},
};

static struct lt_env env;

LT_SUITE(demo, env, .timeout = 240);

/* tools/demo on the build under test (--build, so no tools/setup), as the
 * fixture's user next to its own session daemon; report.json parsed. */
static struct lt_proc p;

static cJSON *run_demo_with(const char *const extra_env[], const char *scale, const char *mode)
{
	char demo[4096], out[600], report[700];
	snprintf(demo, sizeof(demo), "%s/tools/demo", lt_getenv("WAITCAP_SRC"));
	snprintf(out, sizeof(out), "%s", lt_path(&env, "demo-output"));
	const char *argv[] = {demo, out, "--build", lt_getenv("WAITCAP_BUILD"),
			      scale ? "--scale" : mode, scale ? scale : NULL, mode, NULL};
	int status = lt_run(&env, &p, argv, extra_env, 200000);
	cr_assert_neq(status, -1, "tools/demo hung:\n%s\n%s", p.out, p.err);
	cr_assert_eq(status, 0, "tools/demo failed (%d):\n%s\n%s", status, p.out, p.err);
	cr_assert(strstr(p.out, "report: "), "the demo does not say where the report is:\n%s", p.out);
	cr_assert(strstr(p.out, "call site"), "the demo printed no per-callsite table:\n%s", p.out);
	cr_assert(!strstr(p.out, "tools/setup"), "the demo ran tools/setup:\n%s", p.out);
	snprintf(report, sizeof(report), "%s/report.json", out);
	char *text = read_whole_file(report);
	cr_assert_not_null(text, "no %s", report);
	cJSON *json = cJSON_Parse(text);
	free(text);
	cr_assert_not_null(json, "report.json is not JSON");
	snprintf(report, sizeof(report), "%s/report.html", out);
	cr_assert_eq(access(report, R_OK), 0, "no report.html");
	return json;
}

static cJSON *run_demo(const char *const extra_env[], const char *scale)
{
	return run_demo_with(extra_env, scale, NULL);
}

static const cJSON *callsite(const cJSON *json, const struct component *c)
{
	const cJSON *site;
	cJSON_ArrayForEach(site, cJSON_GetObjectItem(json, "callsites"))
	{
		const char *fn = cJSON_GetStringValue(cJSON_GetObjectItem(site, "function"));
		const char *op = cJSON_GetStringValue(cJSON_GetObjectItem(site, "op"));
		if (fn && op && !strcmp(fn, c->function) && !strcmp(op, c->op))
			return site;
	}
	cr_assert_fail("%s (%s) is not in report.json", c->function, c->op);
	return NULL;
}

static double number(const cJSON *site, const char *key)
{
	const cJSON *v = cJSON_GetObjectItem(site, key);
	cr_assert(cJSON_IsNumber(v), "no number '%s'", key);
	return v->valuedouble;
}

static void exactly(double got, double want, const char *what, const struct component *c)
{
	cr_assert(got >= want * 0.999 && got <= want * 1.001, "%s %s: %.0f, expected %.0f",
		  c->function, what, got, want);
}

/* One wait of the component, ended by a cap (or an own timeout) of ms. */
static void blocked(const cJSON *site, double ms, const struct component *c)
{
	cr_assert_capped((int64_t)number(site, "total_ms"), (int64_t)ms, c->function);
}

Test(demo, every_component_is_capped_at_its_cap)
{
	cJSON *json = run_demo(NULL, NULL);
	for (size_t i = 0; i < sizeof(components) / sizeof(components[0]); i++) {
		const struct component *c = &components[i];
		const cJSON *site = callsite(json, c);
		cr_assert_geq(number(site, "capped"), 1, "%s was not capped", c->function);
		blocked(site, c->cap_ms, c);
		exactly(number(site, "requested_ms"), c->legacy_ms, "requested", c);
		double avoided = number(site, "avoided_ms");
		cr_assert(avoided >= c->legacy_ms - cap_upper_ms(c->cap_ms) &&
				  avoided <= c->legacy_ms - cap_lower_ms(c->cap_ms),
			  "%s avoided %.0f ms of %.0f with a %.0f ms cap", c->function, avoided,
			  c->legacy_ms, c->cap_ms);
		const char *file = cJSON_GetStringValue(cJSON_GetObjectItem(site, "file"));
		cr_assert(file && strstr(file, "demo.c"), "%s: file %s", c->function, file);
		cr_assert_gt(number(site, "line"), 0);
	}
	cJSON_Delete(json);
}

Test(demo, legacy_flag_applies_no_cap)
{
	const char *legacy[] = {"FORCE_LEGACY_TIMEOUTS=true", NULL};
	double scale = 0.05;
	cJSON *json = run_demo(legacy, "0.05");
	for (size_t i = 0; i < sizeof(components) / sizeof(components[0]); i++) {
		const struct component *c = &components[i];
		const cJSON *site = callsite(json, c);
		cr_assert_eq(number(site, "capped"), 0, "%s was capped under the legacy flag",
			     c->function);
		blocked(site, c->legacy_ms * scale, c);
		cr_assert_eq(number(site, "avoided_ms"), 0);
	}
	cJSON_Delete(json);
}

/* The safe rollout (tools/demo --rollout): observed, the components wait
 * their (scaled) legacy timeouts; the seed plan's caps would have cut every
 * one of them and broken nothing (no component ever answers); the
 * suggested profile passes waitcap check; the enforced run is capped. */
Test(demo, rollout_observe_what_if_suggest_enforce)
{
	int64_t start = now_ms();
	cJSON *json = run_demo_with(NULL, "0.2", "--rollout");
	int64_t took = now_ms() - start;
	const char *steps[] = {"== 1. observe", "== 2. what if", "== 3. suggest", "== 4. enforce"};
	for (size_t i = 0; i < 4; i++)
		cr_assert(strstr(p.out, steps[i]), "no step '%s':\n%s", steps[i], p.out);
	cr_assert(strstr(p.out, "what if: profile local of "), "%s", p.out);
	cr_assert(strstr(p.out, ", 0 broken"), "the seed plan's caps broke a phase:\n%s", p.out);
	cr_assert(strstr(p.out, "valid: 1 profile"), "waitcap check:\n%s\n%s", p.out, p.err);
	/* Observed: every component waited its legacy timeout x 0.2 (28 s). */
	double legacy_ms = 0;
	for (size_t i = 0; i < sizeof(components) / sizeof(components[0]); i++)
		legacy_ms += components[i].legacy_ms * 0.2;
	cr_assert_geq(took, (int64_t)legacy_ms, "the observed run cut something (%lld ms)",
		      (long long)took);
	char path[700];
	snprintf(path, sizeof(path), "%s/suggested.json", lt_path(&env, "demo-output"));
	char *text = read_whole_file(path);
	cr_assert_not_null(text);
	cJSON *suggested = cJSON_Parse(text);
	cr_assert_not_null(suggested, "%s", text);
	cJSON_Delete(suggested);
	free(text);
	/* Enforced: capped waits in the report. */
	double capped = 0;
	const cJSON *site;
	cJSON_ArrayForEach(site, cJSON_GetObjectItem(json, "callsites"))
		capped += number(site, "capped");
	cr_assert_gt(capped, 0, "nothing capped in the enforced run");
	cJSON_Delete(json);
}
