/* waitcap analyze --what-if on the Python service's traces: the caps
 * connect=300ms,recv=300ms would have saved about 1.9 s (the 1.5 s connect
 * and the 1 s read, each cut at 300 ms) and broken exactly one phase (the
 * 0.6 s answer), at the right call sites and destinations; the same from a
 * trace recorded with FORCE_LEGACY_TIMEOUTS=true (no caps at all). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "rollout.h"

static struct lt_env env;
static struct deps deps;

ROLLOUT_SUITE(whatif, env, deps, .timeout = 120);

#define SAVED_MS ((FULL_OWN_MS - 300) + (SILENT_OWN_MS - 300))

static const cJSON *dest(const cJSON *w, const char *op, int port)
{
	char peer[64];
	snprintf(peer, sizeof peer, "127.0.0.1:%d", port);
	const cJSON *d;
	cJSON_ArrayForEach(d, cJSON_GetObjectItem(w, "destinations"))
		if (!strcmp(jstr(d, "peer"), peer) && !strcmp(jstr(d, "op"), op))
			return d;
	char *text = cJSON_Print(w);
	cr_assert_fail("no %s row for %s in:\n%s", op, peer, text);
	return NULL;
}

/* The what-if object of `waitcap analyze TRACE --format json EXTRA...`. */
static cJSON *what_if_json(const char *trace, const char *const extra[])
{
	const char *args[16] = {"analyze", trace, "--format", "json"};
	size_t k = 4;
	for (size_t i = 0; extra && extra[i]; i++)
		args[k++] = extra[i];
	args[k] = NULL;
	return waitcap_json(args);
}

static void expect_what_if(const cJSON *report, double saved_ms)
{
	const cJSON *w = cJSON_GetObjectItem(report, "what_if");
	char *text = cJSON_Print(report);
	cr_assert(w, "no what_if in:\n%.6000s", text);
	cr_assert_eq(jnum(w, "broken"), 1, "%s", text);
	cr_assert_eq(jnum(w, "cut"), 2, "%s", text);
	cr_assert(jnum(w, "saved_ms") >= saved_ms - 20 && jnum(w, "saved_ms") <= saved_ms + 400,
		  "saved %.0f ms, expected about %.0f:\n%s", jnum(w, "saved_ms"), saved_ms, text);
	const cJSON *caps = cJSON_GetObjectItem(w, "caps");
	cr_assert_eq(jnum(caps, "connect"), 300);
	cr_assert_eq(jnum(caps, "recv"), 300);

	/* Per destination: the slow answer is the broken one. */
	const cJSON *full = dest(w, "connect", deps.full.port);
	cr_assert_eq(jnum(full, "cut"), 1);
	cr_assert_eq(jnum(full, "broken"), 0);
	cr_assert(jnum(full, "saved_ms") >= FULL_OWN_MS - 300 - 10, "%s", text);
	const cJSON *slow = dest(w, "recv", deps.slow.port);
	cr_assert_eq(jnum(slow, "broken"), 1, "%s", text);
	cr_assert_eq(jnum(slow, "cut"), 0);
	cr_assert(jnum(slow, "broken_max_ms") >= SLOW_ANSWER_MS - 5, "%s", text);
	const cJSON *silent = dest(w, "recv", deps.silent.port);
	cr_assert_eq(jnum(silent, "cut"), 1);
	cr_assert(jnum(silent, "saved_ms") >= SILENT_OWN_MS - 300 - 10, "%s", text);

	/* Per call site: the connect in CPython's socket module, and the send
	 * that armed both responses. */
	const cJSON *sites = cJSON_GetObjectItem(w, "callsites");
	cr_assert_eq(cJSON_GetArraySize(sites), 2, "%s", text);
	const cJSON *s, *connect_site = NULL, *send_site = NULL;
	cJSON_ArrayForEach(s, sites) {
		if (!strcmp(jstr(s, "op"), "connect"))
			connect_site = s;
		else if (!strcmp(jstr(s, "op"), "recv"))
			send_site = s;
	}
	cr_assert(connect_site && send_site, "%s", text);
	/* Both in the interpreter (CPython's socket module is built in), at
	 * two different calls: the connect, and the send of both requests. */
	cr_assert(strstr(jstr(connect_site, "binary"), "python"), "%s", text);
	cr_assert(strstr(jstr(send_site, "binary"), "python"), "%s", text);
	cr_assert_str_neq(jstr(connect_site, "function"), jstr(send_site, "function"), "%s", text);
	cr_assert_eq(jnum(connect_site, "phases"), 1, "%s", text);
	cr_assert_eq(jnum(send_site, "phases"), 2);
	cr_assert_eq(jnum(send_site, "broken"), 1);
	cr_assert_eq(jnum(send_site, "cut"), 1);
	cr_assert_eq(jnum(connect_site, "cut"), 1);
	free(text);
}

Test(whatif, observe_trace_with_5s_caps)
{
	const char *extra[] = {"WAITCAP_MODE=observe", "WAITCAP_CAPS=connect=5s,recv=5s,send=5s",
			       NULL};
	struct service_run run;
	int64_t start = now_ms();
	service_record(&env, &deps, lt_path(&env, "observe"), extra, NULL, &run);
	cr_assert_geq(now_ms() - start, 3100, "the service did not wait its own timeouts");
	cr_assert_str_eq(run.api.outcome, "answered");

	const char *what_if[] = {"--what-if", "connect=300ms,recv=300ms", NULL};
	cJSON *report = what_if_json(lt_path(&env, "observe"), what_if);
	expect_what_if(report, SAVED_MS);
	cJSON_Delete(report);

	/* Without --what-if, an observe-mode trace answers for its own caps:
	 * 5 s would have cut and broken nothing here. */
	report = what_if_json(lt_path(&env, "observe"), NULL);
	const cJSON *w = cJSON_GetObjectItem(report, "what_if");
	cr_assert(w);
	cr_assert_eq(jnum(cJSON_GetObjectItem(w, "caps"), "recv"), 5000);
	cr_assert_eq(jnum(w, "phases"), 3);
	cr_assert_eq(jnum(w, "cut"), 0);
	cr_assert_eq(jnum(w, "broken"), 0);
	cJSON_Delete(report);

	/* Every human format has it too. */
	const char *formats[] = {"table", "markdown", "html"};
	const char *marks[] = {"what if: --what-if connect=300ms,recv=300ms",
			       "## What if: --what-if connect=300ms,recv=300ms",
			       "<h2 id=\"what-if\">What if: --what-if connect=300ms,recv=300ms"};
	for (int i = 0; i < 3; i++) {
		const char *args[] = {"analyze", lt_path(&env, "observe"), "--format", formats[i],
				      "--what-if", "connect=300ms,recv=300ms", NULL};
		char *out, *err;
		cr_assert_eq(waitcap_tool(args, &out, &err), 0, "%s", err);
		cr_assert(strstr(out, marks[i]), "%s: no what-if section:\n%s", formats[i], out);
		cr_assert(strstr(out, "1 broken") || strstr(out, "<b>1 broken</b>"), "%s", out);
		free(out);
		free(err);
	}
}

Test(whatif, observe_trace_with_300ms_caps_shows_them_by_default)
{
	const char *extra[] = {"WAITCAP_MODE=observe", "WAITCAP_CAPS=connect=300ms,recv=300ms",
			       NULL};
	struct service_run run;
	service_record(&env, &deps, lt_path(&env, "observe300"), extra, NULL, &run);
	cJSON *report = what_if_json(lt_path(&env, "observe300"), NULL);
	expect_what_if(report, SAVED_MS);
	/* Nothing was cut: no call site counts a cap or an expired deadline. */
	const cJSON *site;
	cJSON_ArrayForEach(site, cJSON_GetObjectItem(report, "callsites")) {
		cr_assert_eq(jnum(site, "capped"), 0);
		cr_assert_eq(jnum(site, "expired"), 0);
	}
	cJSON_Delete(report);
}

Test(whatif, legacy_trace)
{
	const char *extra[] = {"FORCE_LEGACY_TIMEOUTS=true", NULL};
	struct service_run run;
	service_record(&env, &deps, lt_path(&env, "legacy"), extra, NULL, &run);
	cr_assert_str_eq(run.api.outcome, "answered");
	/* No caps, nothing observed: no what-if unless asked. */
	cJSON *report = what_if_json(lt_path(&env, "legacy"), NULL);
	cr_assert_null(cJSON_GetObjectItem(report, "what_if"));
	cJSON_Delete(report);
	const char *what_if[] = {"--what-if", "connect=300ms,recv=300ms", NULL};
	report = what_if_json(lt_path(&env, "legacy"), what_if);
	expect_what_if(report, SAVED_MS);
	cJSON_Delete(report);

	/* A profile file's caps: its rule for the slow peer lets it answer. */
	const char *profile = lt_path(&env, "whatif.json");
	FILE *f = fopen(profile, "w");
	cr_assert(f);
	fprintf(f, "{\"version\": 1, \"default\": \"prod\", \"environments\": {\"staging\": \"tight\"},\n"
		   " \"profiles\": {\"prod\": {\"caps\": {\"connect\": \"300ms\", \"recv\": \"300ms\"}},\n"
		   "              \"tight\": {\"caps\": {\"connect\": \"100ms\", \"recv\": \"100ms\"}}},\n"
		   " \"rules\": [{\"name\": \"api\", \"match\": {\"host\": \"127.0.0.1\", \"port\": %d},\n"
		   "              \"caps\": {\"recv\": \"2s\"}}]}\n", deps.slow.port);
	fclose(f);
	const char *by_profile[] = {"--what-if-profile", profile, NULL};
	report = what_if_json(lt_path(&env, "legacy"), by_profile);
	const cJSON *w = cJSON_GetObjectItem(report, "what_if");
	char *text = cJSON_Print(report);
	cr_assert(w, "%s", text);
	cr_assert_eq(jnum(w, "broken"), 0, "%s", text);
	cr_assert_eq(jnum(w, "cut"), 2, "%s", text);
	cr_assert_eq(jnum(dest(w, "recv", deps.slow.port), "cap_ms"), 2000, "%s", text);
	cr_assert_str_eq(jstr(dest(w, "recv", deps.slow.port), "rule"), "", "%s", text);
	free(text);
	cJSON_Delete(report);
	const char *staging[] = {"--what-if-profile", profile, "--environment", "staging", NULL};
	report = what_if_json(lt_path(&env, "legacy"), staging);
	w = cJSON_GetObjectItem(report, "what_if");
	cr_assert(w);
	cr_assert(jnum(w, "saved_ms") >= (FULL_OWN_MS - 100) + (SILENT_OWN_MS - 100) - 20);
	cJSON_Delete(report);
}

Test(whatif, bad_options_are_one_line_errors)
{
	const char *cases[][4] = {
		{"--what-if", "connect=300", NULL},
		{"--what-if", "read=1s", NULL},
		{"--what-if", "recv=1s,", NULL},
		{"--environment", "staging", NULL},
		{"--what-if-profile", "/nonexistent/profiles.json", NULL},
	};
	const char *expect[] = {"not a duration", "not OP=DURATION", "trailing comma",
				"--environment goes with --what-if-profile",
				"--what-if-profile: /nonexistent/profiles.json"};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *args[8] = {"analyze", lt_path(&env, "."), cases[i][0], cases[i][1], NULL};
		char *out, *err;
		int status = waitcap_tool(args, &out, &err);
		cr_assert_eq(status, 2, "%s %s: status %d", cases[i][0], cases[i][1], status);
		cr_assert(strstr(err, expect[i]), "%s %s: %s", cases[i][0], cases[i][1], err);
		cr_assert_eq(strchr(err, '\n'), err + strlen(err) - 1, "not one line: %s", err);
		free(out);
		free(err);
	}
}
