/* 16 threads hammering wrapped calls on churned fds: no crash, no hang,
 * and clean under AddressSanitizer and ThreadSanitizer builds of the
 * library (tests/core/sanitized-lib.sh builds them). */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"

static const char *const capped[] = {"WAITCAP_CAPS=connect=300ms,recv=300ms,send=300ms",
				     "WAITCAP_TRACE=0", NULL};

static void assert_churn_ran(const struct proc_result *r, const char *how)
{
	cr_assert(!r->timed_out, "churn hung (%s)", how);
	cr_assert_eq(r->exit_code, 0, "churn failed (%s), status %d:\n%s", how, r->exit_code,
		     r->err);
	cr_assert(strstr(r->out, "ops="), "%s", r->out);
	long ops = atol(strstr(r->out, "ops=") + 4);
	cr_assert_gt(ops, 1000, "churn did too little work (%ld ops, %s)", ops, how);
}

/* churn printed "mapped=PATH" for this object (the preload took). */
static void assert_mapped(const struct proc_result *r, const char *path, const char *how)
{
	char real[4096], want[4200];
	cr_assert(realpath(path, real), "%s: %m", path);
	snprintf(want, sizeof want, "mapped=%s\n", real);
	cr_assert(strstr(r->out, want), "%s is not mapped (%s): the preload did not take:\n%s%s",
		  real, how, r->out, r->err);
}

Test(threads, churn_preloaded, .timeout = 60)
{
	static struct proc_result r;
	const char *argv[] = {build_path("tests/core/churn"), "1500", NULL};
	cr_assert_eq(proc_run(&r, argv, capped, true, 30000), 0);
	assert_churn_ran(&r, "preloaded");
	assert_mapped(&r, lib_path(), "preloaded");
}

/* Builds the library with -Db_sanitize=KIND (once per build tree) and runs
 * churn with the sanitizer runtime and that library preloaded. */
static void churn_sanitized(const char *kind)
{
	static struct proc_result r;
	char script[4096];
	snprintf(script, sizeof(script), "%s/tests/core/sanitized-lib.sh", getenv("WAITCAP_SRC"));
	const char *build[] = {"bash", script, kind, NULL};
	cr_assert_eq(proc_run(&r, build, NULL, false, 600000), 0);
	cr_assert_eq(r.exit_code, 0, "building the %s library failed:\n%s%s", kind, r.out, r.err);
	char preload[8192], runtime[4096], library[4096];
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", strtok(r.out, "\n"));
	cr_assert(sscanf(preload + strlen("LD_PRELOAD="), "%4095s %4095s", runtime, library) == 2,
		  "sanitized-lib.sh printed %s", preload);
	const char *env[] = {preload, "WAITCAP_CAPS=connect=300ms,recv=300ms,send=300ms",
			     "WAITCAP_TRACE=0", "ASAN_OPTIONS=detect_leaks=0:exitcode=66",
			     "TSAN_OPTIONS=exitcode=66:report_signal_unsafe=0", NULL};
	const char *argv[] = {build_path("tests/core/churn"), "1500", NULL};
	cr_assert_eq(proc_run(&r, argv, env, false, 120000), 0);
	cr_assert(!strstr(r.err, "Sanitizer"), "%s report:\n%s", kind, r.err);
	assert_churn_ran(&r, kind);
	assert_mapped(&r, runtime, kind);
	assert_mapped(&r, library, kind);
}

Test(threads, churn_under_asan, .timeout = 600)
{
	churn_sanitized("address");
}

Test(threads, churn_under_tsan, .timeout = 600)
{
	churn_sanitized("thread");
}
