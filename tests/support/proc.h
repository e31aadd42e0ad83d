/* Running real programs from tests: bare, with libwaitcap.so preloaded, or
 * through the waitcap command; with the test's environment only
 * (clean_env.h: nothing of the caller's that waitcap reads), output
 * captured, time measured, bounded.  The one way the tests start a
 * program (the LTTng fixture, lttng.h, adds its user and LTTNG_HOME). */
#ifndef WAITCAP_TEST_PROC_H
#define WAITCAP_TEST_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "clean_env.h"
#include "timing.h"

struct proc_result {
	int status;        /* raw wait status */
	int exit_code;     /* WEXITSTATUS, or 128+signal */
	bool timed_out;    /* killed by us after timeout_ms */
	int64_t elapsed_ms;
	char out[65536];
	char err[65536];
};

/* Run argv (argv[0] looked up in PATH) and wait.  env: "K=V" entries
 * added to the cleaned environment (NULL-terminated, may be NULL).  preload: LD_PRELOAD the
 * library ($WAITCAP_LIB).  The child is killed by pid after timeout_ms.
 * Returns 0 when the program ran. */
int proc_run(struct proc_result *r, const char *const argv[], const char *const env[],
	     bool preload, int timeout_ms);

/* Start argv in the background (same env/preload rules), stdout and
 * stderr to the given fds (-1: /dev/null).  Returns the pid. */
pid_t proc_start(const char *const argv[], const char *const env[], bool preload, int out_fd,
		 int err_fd);

/* Wait for pid at most timeout_ms, then kill it (by pid).  Returns the
 * exit code (128+signal), or -1 if it had to be killed. */
int proc_wait(pid_t pid, int timeout_ms);

/* `$WAITCAP_BIN args...` (the waitcap command under test), like proc_run
 * without preload. */
int proc_run_tool(struct proc_result *r, const char *const args[], const char *const env[],
		  int timeout_ms);

/* Path of a built program: $WAITCAP_BUILD/REL. */
const char *build_path(const char *rel);
/* Path of the library, $WAITCAP_LIB. */
const char *lib_path(void);

#endif
