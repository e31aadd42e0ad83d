/* Changing uid or gid with tracing on: liblttng-ust's listener threads
 * take part in glibc's set*id broadcast (every thread of the process runs
 * the same setresuid/setresgid/setgroups and glibc abort()s if their
 * results differ).  Capabilities are per thread: a program that changes
 * its own thread's capabilities (PR_SET_KEEPCAPS then a uid change, or
 * capset()) before a set*id call gets EPERM in the tracer's threads and
 * success in its own, and dies.  setpriv(1) does exactly that when it
 * changes the uid, so these tests use it (as root).  The limit and its
 * workarounds are in README.md (Limits) and docs/tracing.md. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

static char home[] = "/tmp/waitcap-setxid-XXXXXX";
static char home_env[64];

static void setup(void)
{
	cr_assert_eq(geteuid(), 0, "changing uid needs root: run it in the root suite as root");
	cr_assert(mkdtemp(home), "mkdtemp: %m");
	snprintf(home_env, sizeof home_env, "LTTNG_HOME=%s", home);
}

static void teardown(void)
{
	rmdir(home);
}

TestSuite(setxid, .init = setup, .fini = teardown, .timeout = 25);

#define NOBODY "65534"
#define SETPRIV "setpriv", "--reuid=" NOBODY, "--regid=" NOBODY, "--clear-groups"

/* The environment every run gets, whatever the caller's: tracing on or
 * off as the test says, no wait for a session daemon, a private home. */
#define RUN_ENV(trace) {"WAITCAP_TRACE=" trace, "LTTNG_UST_REGISTER_TIMEOUT=0", \
			home_env, "HOME=/nonexistent", NULL}

Test(setxid, uid_change_keeping_capabilities_aborts_with_tracing_on)
{
	const char *argv[] = {SETPRIV, "id", "-u", NULL};
	const char *env[] = RUN_ENV("on");
	struct proc_result r;

	cr_assert_eq(proc_run(&r, argv, NULL, false, 10000), 0);
	cr_assert_eq(r.exit_code, 0, "bare setpriv fails: %d %s", r.exit_code, r.err);
	cr_assert_str_eq(r.out, NOBODY "\n");

	cr_assert_eq(proc_run(&r, argv, env, true, 10000), 0);
	cr_assert_eq(r.exit_code, 128 + SIGABRT,
		     "setpriv under the library with tracing on: exit %d (out: %s err: %s); "
		     "if this is fixed, update README.md Limits and docs/tracing.md",
		     r.exit_code, r.out, r.err);
}

Test(setxid, with_tracing_off_the_same_program_runs)
{
	const char *argv[] = {SETPRIV, "id", "-u", NULL};
	const char *env[] = RUN_ENV("0");
	struct proc_result r;
	cr_assert_eq(proc_run(&r, argv, env, true, 10000), 0);
	cr_assert_eq(r.exit_code, 0, "exit %d: %s", r.exit_code, r.err);
	cr_assert_str_eq(r.out, NOBODY "\n");
}

/* By default the tracer is not loaded until a session wants the process
 * (docs/tracing.md, "When the library loads the tracer"): no tracer
 * thread, and the program runs as it does bare. */
Test(setxid, by_default_no_tracer_thread_and_the_same_program_runs)
{
	const char *argv[] = {SETPRIV, "id", "-u", NULL};
	const char *env[] = RUN_ENV("lazy");
	struct proc_result r;
	cr_assert_eq(proc_run(&r, argv, env, true, 10000), 0);
	cr_assert_eq(r.exit_code, 0, "exit %d: %s", r.exit_code, r.err);
	cr_assert_str_eq(r.out, NOBODY "\n");
}

/* The workaround that keeps tracing: preload the library into the program
 * that runs after the privilege change, not into the program making it.
 * The shell prints its uid and whether liblttng-ust is mapped in it. */
Test(setxid, preloading_after_the_privilege_change_keeps_tracing)
{
	char preload[600];
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", lib_path());
	const char *argv[] = {SETPRIV, "env", preload, "sh", "-c",
			      "id -u; grep -c liblttng-ust /proc/$$/maps", NULL};
	const char *env[] = RUN_ENV("on");
	struct proc_result r;
	cr_assert_eq(proc_run(&r, argv, env, false, 10000), 0);
	cr_assert_eq(r.exit_code, 0, "exit %d: %s", r.exit_code, r.err);
	int uid = -1, mapped = -1;
	cr_assert_eq(sscanf(r.out, "%d %d", &uid, &mapped), 2, "output: %s", r.out);
	cr_assert_eq(uid, 65534);
	cr_assert_gt(mapped, 0, "liblttng-ust is not mapped after the change: %s", r.err);
}

/* What most services do, gid and groups first, then uid, without touching
 * their own thread's capabilities: every thread gets the same result, and
 * the program runs with the tracer's threads in place. */
Test(setxid, groups_gid_then_uid_works_with_tracing_on)
{
	const char *argv[] = {"/usr/bin/python3", "-c",
			      "import os\n"
			      "os.setgroups([]); os.setgid(65534); os.setuid(65534)\n"
			      "maps = open('/proc/self/maps').read()\n"
			      "print(os.getuid(), os.getgid(), 'liblttng-ust' in maps)\n",
			      NULL};
	const char *env[] = RUN_ENV("on");
	struct proc_result r;
	cr_assert_eq(proc_run(&r, argv, env, true, 10000), 0);
	cr_assert_eq(r.exit_code, 0, "exit %d: %s", r.exit_code, r.err);
	cr_assert_str_eq(r.out, "65534 65534 True\n");
}
