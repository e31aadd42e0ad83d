/* waitcap suggest on the Python service's observe-mode trace: a profile
 * whose rule for the slow dependency lets its 0.6 s answer through, which
 * `waitcap check` accepts and which, enforced, breaks nothing the trace
 * saw succeed while it still cuts the other two dependencies. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "proc.h"
#include "rollout.h"

static struct lt_env env;
static struct deps deps;

ROLLOUT_SUITE(suggest, env, deps, .timeout = 120);

/* Milliseconds of a profile duration ("1.5s", "300ms"). */
static double ms_of(const char *text)
{
	char *end;
	double v = strtod(text, &end);
	cr_assert(end != text, "%s", text);
	return !strcmp(end, "s") ? v * 1000 : !strcmp(end, "ms") ? v : -1;
}

static const cJSON *rule_for(const cJSON *profile, int port)
{
	const cJSON *r;
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(profile, "rules")) {
		const cJSON *m = cJSON_GetObjectItem(r, "match");
		if (jnum(m, "port") == port && !strcmp(jstr(m, "host"), "127.0.0.1"))
			return r;
	}
	char *text = cJSON_Print(profile);
	cr_assert_fail("no rule for port %d:\n%s", port, text);
	return NULL;
}

Test(suggest, the_slow_dependency_keeps_its_answer_and_check_accepts_the_file)
{
	const char *extra[] = {"WAITCAP_MODE=observe", "WAITCAP_CAPS=connect=5s,recv=5s,send=5s",
			       NULL};
	struct service_run run;
	service_record(&env, &deps, lt_path(&env, "observe"), extra, NULL, &run);

	const char *out_file = lt_path(&env, "suggested.json");
	const char *args[] = {"suggest", lt_path(&env, "observe"), "-o", out_file, NULL};
	char *out, *err;
	cr_assert_eq(waitcap_tool(args, &out, &err), 0, "%s", err);
	free(out);
	free(err);
	char *text = read_whole_file(out_file);
	cJSON *profile = cJSON_Parse(text);
	cr_assert(profile, "not JSON:\n%s", text);

	/* The slow dependency: p99.9 of one 0.6 s answer x 2, rounded up. */
	const cJSON *slow = rule_for(profile, deps.slow.port);
	double recv_ms = ms_of(jstr(cJSON_GetObjectItem(slow, "caps"), "recv"));
	cr_assert_geq(recv_ms, SLOW_ANSWER_MS, "%s", text);
	cr_assert_leq(recv_ms, 1500 + 0.0, "%s", text);
	cr_assert(strstr(jstr(slow, "description"), "recv"), "%s", text);
	cr_assert(strstr(jstr(slow, "description"), "1 completed"), "%s", text);
	/* The two that never answered get no cap of their own: the profile's. */
	const cJSON *silent = rule_for(profile, deps.silent.port);
	cr_assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(silent, "caps"), "recv"), "%s", text);
	cr_assert(strstr(jstr(silent, "description"), "1 failed"), "%s", text);
	const cJSON *pcaps = cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(profile, "profiles"), "suggested"), "caps");
	cr_assert_geq(ms_of(jstr(pcaps, "recv")), SLOW_ANSWER_MS, "%s", text);
	/* No successful slow connect was seen: the cap the trace recorded. */
	cr_assert_eq(ms_of(jstr(pcaps, "connect")), 5000, "%s", text);
	cJSON_Delete(profile);

	const char *check[] = {"check", out_file, NULL};
	cr_assert_eq(waitcap_tool(check, &out, &err), 0, "waitcap check refused:\n%s\n%s", err, text);
	cr_assert(strstr(out, "valid:"), "%s", out);
	free(out);
	free(err);

	/* Enforced, the suggested profile lets the slow answer through. */
	char config[600];
	snprintf(config, sizeof config, "WAITCAP_CONFIG=%s", out_file);
	const char *enforce[] = {config, NULL};
	service_record(&env, &deps, lt_path(&env, "enforced"), enforce, NULL, &run);
	cr_assert_str_eq(run.api.outcome, "answered", "%s", run.out);
	free(text);
}

Test(suggest, margin_quantile_and_floor)
{
	const char *extra[] = {"FORCE_LEGACY_TIMEOUTS=true", NULL};
	struct service_run run;
	service_record(&env, &deps, lt_path(&env, "legacy"), extra, NULL, &run);
	const char *args[] = {"suggest", lt_path(&env, "legacy"), "--margin", "3x", "--quantile",
			      "50", "--floor", "2s", NULL};
	char *out, *err;
	cr_assert_eq(waitcap_tool(args, &out, &err), 0, "%s", err);
	cJSON *profile = cJSON_Parse(out);
	cr_assert(profile, "%s", out);
	const cJSON *slow = rule_for(profile, deps.slow.port);
	/* 0.6 s x 3 = 1.8 s, under the 2 s floor. */
	cr_assert_eq(ms_of(jstr(cJSON_GetObjectItem(slow, "caps"), "recv")), 2000, "%s", out);
	cJSON_Delete(profile);
	free(out);
	free(err);
	const char *margin[] = {"suggest", lt_path(&env, "legacy"), "--margin", "2.5", NULL};
	cr_assert_eq(waitcap_tool(margin, &out, &err), 0, "%s", err);
	profile = cJSON_Parse(out);
	/* A little over 0.6 s x 2.5 is a little over 1.5 s: rounded up to the
	 * next readable value, 2 s (exactly 1.5 s only for an exact 600 ms). */
	double ms = ms_of(jstr(cJSON_GetObjectItem(rule_for(profile, deps.slow.port), "caps"), "recv"));
	cr_assert(ms == 1500 || ms == 2000, "%s", out);
	cJSON_Delete(profile);
	free(out);
	free(err);

	const char *bad[][3] = {{"--margin", "0.5x"}, {"--quantile", "101"}, {"--floor", "2"}};
	for (int i = 0; i < 3; i++) {
		const char *a[] = {"suggest", lt_path(&env, "legacy"), bad[i][0], bad[i][1], NULL};
		cr_assert_eq(waitcap_tool(a, &out, &err), 2, "%s %s", bad[i][0], bad[i][1]);
		cr_assert(strstr(err, bad[i][0]), "%s", err);
		free(out);
		free(err);
	}
}
