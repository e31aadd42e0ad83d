/* Running real programs from tests: with or without libwaitcap.so, with
 * extra environment, output captured, time measured, bounded. */
#ifndef WAITCAP_TEST_PROC_H
#define WAITCAP_TEST_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_result {
	int status;        /* raw wait status */
	int exit_code;     /* WEXITSTATUS, or 128+signal */
	bool timed_out;    /* killed by us after timeout_ms */
	int64_t elapsed_ms;
	char out[65536];
	char err[65536];
};

/* Run argv (argv[0] looked up in PATH) and wait.  env: extra "K=V"
 * entries (NULL-terminated, may be NULL).  preload: LD_PRELOAD the
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

/* Path of a built program: $WAITCAP_BUILD/REL. */
const char *build_path(const char *rel);
/* Path of the library, $WAITCAP_LIB. */
const char *lib_path(void);

int64_t now_ms(void);

#endif
