/* A traced run: the capped lookup is a waitcap:wait event with op resolve,
 * the name asked and the outcome, and the analyzer puts it at the
 * program's call (resolve_probe's lookup_for_trace), under a real
 * lttng-sessiond. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "ns.h"

TestSuite(resolve_trace, .fini = ns_leave, .timeout = 120);

Test(resolve_trace, a_capped_lookup_is_traced_at_its_call_site)
{
	ns_world("silent", NS_SILENT, false);
	struct lt_env env;
	lt_init(&env);
	lt_start_sessiond(&env);
	const char *trace = lt_path(&env, "trace");
	const char *argv[] = {an_build("tests/resolve/resolve_probe"), "lookup", NS_UNKNOWN, NULL};
	const char *extra[] = {"WAITCAP_CAPS=resolve=1s", NULL};
	an_record(&env, trace, argv, extra);

	char *text = lt_babeltrace(trace, false);
	const char *needles[] = {"waitcap:wait", "op = ( \"resolve\"", NULL};
	char line[4096] = "";
	cr_assert_eq(lt_count_lines(text, needles, line, sizeof line), 1, "trace:\n%.4000s", text);
	char value[256];
	cr_assert(lt_field(line, "name", value, sizeof value));
	cr_assert_str_eq(value, NS_UNKNOWN);
	cr_assert(lt_field(line, "func", value, sizeof value));
	cr_assert_str_eq(value, "getaddrinfo");
	cr_assert(lt_field(line, "outcome", value, sizeof value));
	cr_assert_str_eq(value, "capped", "%s", line);
	cr_assert(lt_field(line, "cap_ms", value, sizeof value));
	cr_assert_str_eq(value, "1000");
	cr_assert(lt_field(line, "dur_ns", value, sizeof value));
	double ms = atof(value) / 1e6;
	cr_assert(ms >= 900 && ms <= 2500, "dur %.0f ms", ms);
	free(text);

	const char *args[] = {trace, NULL};
	cJSON *report = an_analyze_json(args);
	const cJSON *site = an_callsite(report, "lookup_for_trace");
	cr_assert_str_eq(an_str(site, "op"), "resolve");
	cr_assert(strstr(an_str(site, "file"), "resolve_probe.c"), "%s", an_str(site, "file"));
	cr_assert_eq(an_num(site, "capped"), 1);
	const cJSON *ops = cJSON_GetObjectItemCaseSensitive(report, "ops");
	cr_assert(cJSON_GetObjectItemCaseSensitive(ops, "resolve"), "no resolve in the per-op table");
	cJSON_Delete(report);
	lt_cleanup(&env);
}
