/* Start-up cost in system calls: /bin/true bare versus preloaded, with a
 * session daemon running and no session, counted by strace (the calling
 * thread: what delays the program's start; liblttng-ust's listener threads
 * run beside it).  Counts, not time: the same on a busy machine. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "strace_total.h"

static struct lt_env env;

LT_SUITE(startup_syscalls, env, .timeout = 60);

/* System calls /bin/true's thread makes, with extra "-E K=V" for it only
 * (strace itself is not preloaded). */
static long count_syscalls(const char *const set[])
{
	static int run;
	char out[64];
	snprintf(out, sizeof out, "strace-%d.txt", run++);
	const char *argv[16] = {"strace", "-c", "-o", lt_path(&env, out)};
	int n = 4;
	for (int i = 0; set && set[i]; i++) {
		argv[n++] = "-E";
		argv[n++] = set[i];
	}
	argv[n++] = "/bin/true";
	argv[n] = NULL;
	struct lt_proc p;
	cr_assert_eq(lt_run(&env, &p, argv, NULL, 20000), 0, "strace: %s", p.err);

	return strace_total_calls(lt_path(&env, out));
}

Test(startup_syscalls, preloaded_start_up_stays_within_its_budget)
{
	char preload[600];
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", lt_getenv("WAITCAP_LIB"));
	const char *off[] = {preload, "WAITCAP_TRACE=0", NULL};
	const char *armed[] = {preload, NULL};
	const char *eager[] = {preload, "WAITCAP_TRACE=1", NULL};

	long bare = count_syscalls(NULL);
	long traced_off = count_syscalls(off) - bare;
	long tracing_armed = count_syscalls(armed) - bare;
	long tracing_eager = count_syscalls(eager) - bare;
	cr_log_info("bare %ld, tracing off +%ld, tracing armed +%ld, WAITCAP_TRACE=1 +%ld", bare,
		    traced_off, tracing_armed, tracing_eager);

	/* Tracing off: the library's own start, measured 69 on Debian 12 (144
	 * while the library had a runpath, whose subdirectories the loader
	 * probed for each of its libraries):
	 * mapping it and its libraries (libunwind, liblzma, libcjson...: an
	 * openat, read, fstat, a few mmap/mprotect and a close each), the
	 * profile lookup and the stats file.  200 leaves room for a library
	 * more, not for a system call per fd or per rule. */
	cr_assert_leq(traced_off, 200, "tracing off: %ld system calls more than bare", traced_off);

	/* Tracing armed (the default), session daemon up, no session: the
	 * provider is not loaded until `waitcap record` asks (docs/tracing.md,
	 * "When the library loads the tracer"), so start-up is tracing off's
	 * plus N = 8: the two look-ups of a running record's markers
	 * (access() of /run/waitcap.recording and of the stats directory's
	 * "recording"), and libunwind's one-time set-up, which the loader's
	 * signal-handler check needs and which must not happen inside a
	 * program's call (a pipe2 it validates addresses with, a mincore
	 * probe, two mmap for its caches, a signal mask set and restored).
	 * Measured exactly 8 more.  Before issue 17 this was liblttng-ust's
	 * load, registration and base-address state dump, 2800-2900 more
	 * than bare. */
	cr_assert_leq(tracing_armed - traced_off, 8,
		      "tracing armed: %ld system calls more than tracing off (%ld more than bare)",
		      tracing_armed - traced_off, tracing_armed);

	/* WAITCAP_TRACE=1 loads liblttng-ust at start, as `waitcap run --trace`
	 * does: its state dump alone reads every mapped object (measured
	 * 2800 more than bare).  Far more than the lazy start, or the provider
	 * was not loaded. */
	cr_assert_gt(tracing_eager, traced_off + 500,
		     "WAITCAP_TRACE=1 costs only %ld system calls more than bare: was the "
		     "provider loaded at start?", tracing_eager);
}
