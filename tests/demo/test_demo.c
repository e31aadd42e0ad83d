/* The main job, end to end: tools/demo exactly as the README runs it (as
 * root, a real session daemon, real unresponsive peers), then report.json
 * checked component by component.  A second run takes the legacy path on a
 * scaled-down variant and shows that no cap applied. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

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

#define SESSIOND_PIDFILE "/var/run/lttng/lttng-sessiond.pid"

/* The machine's session daemon, if one runs: the demo starts one when
 * none does, and the test stops only one that it caused to start. */
static pid_t running_sessiond(void)
{
	FILE *f = fopen(SESSIOND_PIDFILE, "r");
	int pid = 0;
	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return pid > 0 && kill(pid, 0) == 0 ? pid : 0;
}

static pid_t sessiond_before;
static char workdir[] = "/tmp/waitcap-demo-test-XXXXXX";

static void setup(void)
{
	sessiond_before = running_sessiond();
	cr_assert_not_null(mkdtemp(workdir));
}

static void teardown(void)
{
	pid_t now = running_sessiond();
	if (!sessiond_before && now)
		kill(now, SIGTERM);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", workdir);
	(void)!system(cmd);
}

TestSuite(demo, .init = setup, .fini = teardown, .timeout = 240);

static cJSON *run_demo(const char *const env[], const char *scale)
{
	static struct proc_result r;
	char demo[4096], out[4200], report[4300];
	snprintf(demo, sizeof(demo), "%s/tools/demo", getenv("WAITCAP_SRC"));
	snprintf(out, sizeof(out), "%s/demo-output", workdir);
	const char *argv[] = {demo, out, scale ? "--scale" : NULL, scale, NULL};
	cr_assert_eq(chdir(workdir), 0);
	cr_assert_eq(proc_run(&r, argv, env, false, 200000), 0);
	cr_assert(!r.timed_out, "tools/demo hung:\n%s\n%s", r.out, r.err);
	cr_assert_eq(r.exit_code, 0, "tools/demo failed (%d):\n%s\n%s", r.exit_code, r.out, r.err);
	cr_assert(strstr(r.out, "report: "), "the demo does not say where the report is:\n%s", r.out);
	cr_assert(strstr(r.out, "call site"), "the demo printed no per-callsite table:\n%s", r.out);
	snprintf(report, sizeof(report), "%s/report.json", out);
	FILE *f = fopen(report, "r");
	cr_assert_not_null(f, "no %s", report);
	static char text[1 << 20];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	cJSON *json = cJSON_Parse(text);
	cr_assert_not_null(json, "report.json is not JSON");
	snprintf(report, sizeof(report), "%s/report.html", out);
	cr_assert_eq(access(report, R_OK), 0, "no report.html");
	return json;
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

static void within(double got, double want, double tolerance, const char *what,
		   const struct component *c)
{
	cr_assert(got >= want * (1 - tolerance) && got <= want * (1 + tolerance),
		  "%s %s: %.0f, expected %.0f ± %.0f%%", c->function, what, got, want, tolerance * 100);
}

Test(demo, every_component_is_capped_at_its_cap)
{
	const char *env[] = {NULL};
	cJSON *json = run_demo(env, NULL);
	for (size_t i = 0; i < sizeof(components) / sizeof(components[0]); i++) {
		const struct component *c = &components[i];
		const cJSON *site = callsite(json, c);
		cr_assert_geq(number(site, "capped"), 1, "%s was not capped", c->function);
		within(number(site, "total_ms"), c->cap_ms, 0.10, "blocked", c);
		within(number(site, "requested_ms"), c->legacy_ms, 0.001, "requested", c);
		within(number(site, "avoided_ms"), c->legacy_ms - c->cap_ms, 0.10, "avoided", c);
		const char *file = cJSON_GetStringValue(cJSON_GetObjectItem(site, "file"));
		cr_assert(file && strstr(file, "demo.c"), "%s: file %s", c->function, file);
		cr_assert_gt(number(site, "line"), 0);
	}
	cJSON_Delete(json);
}

Test(demo, legacy_flag_applies_no_cap)
{
	const char *env[] = {"FORCE_LEGACY_TIMEOUTS=true", NULL};
	double scale = 0.05;
	cJSON *json = run_demo(env, "0.05");
	for (size_t i = 0; i < sizeof(components) / sizeof(components[0]); i++) {
		const struct component *c = &components[i];
		const cJSON *site = callsite(json, c);
		cr_assert_eq(number(site, "capped"), 0, "%s was capped under the legacy flag",
			     c->function);
		within(number(site, "total_ms"), c->legacy_ms * scale, 0.10, "blocked", c);
		cr_assert_eq(number(site, "avoided_ms"), 0);
	}
	cJSON_Delete(json);
}
