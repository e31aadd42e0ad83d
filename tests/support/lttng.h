/* The LTTng fixture of every suite that traces (tracing, analyze, core,
 * epoll, demo): a real lttng-sessiond in a temporary LTTNG_HOME, started
 * and stopped by pid, and the programs under test run next to it, in the
 * environment of clean_env.h plus HOME and LTTNG_HOME.
 *
 * A root session daemon ignores LTTNG_HOME (it owns /var/run/lttng, shared
 * with everything else on the machine), so when the tests run as root the
 * daemon, the waitcap command and the traced programs all run as the
 * unprivileged user "nobody", whose daemon lives in LTTNG_HOME alone. */
#ifndef WAITCAP_TEST_LTTNG_H
#define WAITCAP_TEST_LTTNG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct lt_env {
	char dir[128];      /* temporary directory of this test */
	char home[192];     /* LTTNG_HOME (and HOME) of everything started */
	bool drop;          /* run children as uid/gid below */
	uid_t uid;
	gid_t gid;
	pid_t sessiond;     /* 0: not running */
	pid_t consumerd[4]; /* the daemon's consumers, to clean up after a kill */
};

/* A started program and what it printed so far. */
struct lt_proc {
	pid_t pid;
	int in_fd, out_fd, err_fd;   /* -1 when closed */
	char out[32768];
	size_t outlen;
	char err[16384];
	size_t errlen;
};

void lt_init(struct lt_env *env);
void lt_start_sessiond(struct lt_env *env);
void lt_kill_sessiond(struct lt_env *env, int sig);
void lt_cleanup(struct lt_env *env);

/* The fixture of the suites that trace a program against a peer that never
 * answers: lt_init, the session daemon started, a silent server on
 * loopback (peers.h); and its end: the peer stopped, then lt_cleanup. */
struct peer;
void lt_start_with_silent_peer(struct lt_env *env, struct peer *silent);
void lt_stop_with_peer(struct lt_env *env, struct peer *peer);

/* "$dir/NAME" */
const char *lt_path(const struct lt_env *env, const char *name);

/* Start argv (argv[0] looked up in PATH) as the env's user, in the cleaned
 * environment (clean_env.h) with HOME and LTTNG_HOME set to env->home and
 * WAITCAP_STATS_DIR to "$dir/stats" (unless extra sets WAITCAP_STATS*),
 * plus extra "K=V" entries (NULL-terminated list, may be NULL).  stdin is
 * a pipe. */
void lt_spawn(const struct lt_env *env, struct lt_proc *p, const char *const argv[],
	      const char *const extra_env[]);

/* Read output until `text` appears in stdout or stderr; false on timeout
 * or EOF. */
bool lt_wait_output(struct lt_proc *p, const char *text, int timeout_ms);

/* Close stdin, read everything, reap.  Returns the exit status, or -1
 * (after SIGKILL) when it did not end within timeout_ms. */
int lt_finish(struct lt_proc *p, int timeout_ms);

/* Run to completion; the exit status, or -1. */
int lt_run(const struct lt_env *env, struct lt_proc *p, const char *const argv[],
	   const char *const extra_env[], int timeout_ms);

/* The trace as text (babeltrace2, with --debug-info when asked); a
 * malloc()ed string the caller frees. */
char *lt_babeltrace(const char *trace_dir, bool debug_info);

/* Lines of text containing every one of the NULL-terminated needles,
 * counted; the first one copied to first (if not NULL). */
int lt_count_lines(const char *text, const char *const needles[], char *first, size_t firstlen);

/* The value of `name = VALUE` in an event line ("op", "peer", ...), quotes
 * removed; false when absent. */
bool lt_field(const char *line, const char *name, char *value, size_t valuelen);

/* Environment the tests were given (tests/meson.build). */
const char *lt_getenv(const char *name);

#endif
