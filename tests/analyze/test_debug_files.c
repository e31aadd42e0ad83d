/* Symbolization checks build ids: a binary stripped since the trace was
 * taken is named through --debug-dir (DIR/.build-id/xx/yyyy.debug); a
 * binary that changed is left unnamed, with one warning. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

static char dir[600];

/* A copy of gen_trace in its own directory, recorded there. */
static void record_copy(const char *trace_dir)
{
	snprintf(dir, sizeof(dir), "%s", trace_dir);
	*strrchr(dir, '/') = 0;
	char bin[700], cp[800];
	snprintf(bin, sizeof(bin), "%s/prog", dir);
	mkdir(bin, 0755);
	chmod(bin, 0755);
	snprintf(bin, sizeof(bin), "%s/prog/gen_trace", dir);
	snprintf(cp, sizeof(cp), "cp '%s' '%s'", an_build("tests/analyze/gen_trace"), bin);
	cr_assert(system(cp) == 0);
	struct lt_env env;
	lt_init(&env);
	lt_start_sessiond(&env);
	const char *argv[] = { bin, "known", NULL };
	an_record(&env, trace_dir, argv, NULL);
	lt_cleanup(&env);
}

static const char *trace(void)
{
	return an_shared_trace("copy", record_copy);
}

static void sh(const char *fmt, const char *a, const char *b)
{
	char cmd[2000];
	snprintf(cmd, sizeof(cmd), fmt, a, b);
	cr_assert(system(cmd) == 0, "%s", cmd);
}

TestSuite(debug_files, .timeout = 100);

Test(debug_files, stripped_binary_is_named_through_debug_dir)
{
	const char *t = trace();
	char work[] = "/tmp/waitcap-debugdir-XXXXXX";
	cr_assert(mkdtemp(work));
	char bin[700];
	snprintf(bin, sizeof(bin), "%s/prog/gen_trace", dir);
	/* The debug file where elfutils looks for it by build id. */
	char id[128] = "";
	char cmd[1000];
	snprintf(cmd, sizeof(cmd), "readelf -n '%s' | sed -n 's/.*Build ID: //p'", bin);
	FILE *p = popen(cmd, "r");
	cr_assert(p && fgets(id, sizeof(id), p));
	pclose(p);
	id[strcspn(id, "\n")] = 0;
	cr_assert_geq(strlen(id), 8);
	char debug[900];
	snprintf(debug, sizeof(debug), "%s/.build-id/%.2s", work, id);
	sh("mkdir -p '%s'%s", debug, "");
	snprintf(debug + strlen(debug), sizeof(debug) - strlen(debug), "/%s.debug", id + 2);
	sh("objcopy --only-keep-debug '%s' '%s'", bin, debug);
	sh("strip --strip-all '%s'%s", bin, "");

	/* Stripped and no debug directory: no names. */
	const char *plain[] = { t, NULL };
	cJSON *r = an_analyze_json(plain);
	const cJSON *s, *sites = cJSON_GetObjectItemCaseSensitive(r, "callsites");
	cJSON_ArrayForEach(s, sites)
		cr_assert(strncmp(an_str(s, "function"), "gen_trace+0x", 12) == 0, "%s", an_str(s, "function"));
	cJSON_Delete(r);

	const char *with[] = { t, "--debug-dir", work, NULL };
	r = an_analyze_json(with);
	const cJSON *site = an_callsite(r, "connects_slowly");
	cr_assert(strstr(an_str(site, "file"), "gen_trace.c"), "%s", an_str(site, "file"));
	cr_assert_gt(an_num(site, "line"), 0);
	cJSON_Delete(r);

	/* A different program at the recorded path: its build id differs, and
	 * nothing with the recorded one is around (no --debug-dir). */
	sh("cp /bin/true '%s'%s", bin, "");
	struct an_result out;
	an_analyze(&out, plain);
	cr_assert_eq(out.status, 0, "%s", out.err);
	cr_assert(strstr(out.err, "changed since the trace was recorded"), "%s", out.err);
	cr_assert(!strstr(out.out, "connects_slowly"), "a changed binary named a call site");
	an_result_free(&out);

	/* With the debug directory, the recorded build is found again. */
	r = an_analyze_json(with);
	an_callsite(r, "connects_slowly");
	cJSON_Delete(r);
	sh("rm -rf '%s'%s", work, "");
}
