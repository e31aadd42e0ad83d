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

/* A criterion suite whose every test gets a session daemon of its own in
 * env (an lt_env of the test file), stopped and cleaned up after the test:
 *	static struct lt_env env;
 *	LT_SUITE(config, env, .timeout = 50);
 * With LT_SUITE_PEER, also a loopback peer (peers.h) that start_peer
 * (peer_silent_server, peer_full_listener) starts after the daemon:
 *	static struct peer silent;
 *	LT_SUITE_PEER(record, env, silent, peer_silent_server, .timeout = 50); */
#define LT_SUITE(name, env, ...)                                                    \
	static void name##_start(void)                                              \
	{                                                                           \
		lt_init(&(env));                                                    \
		lt_start_sessiond(&(env));                                          \
	}                                                                           \
	static void name##_stop(void) { lt_cleanup(&(env)); }                       \
	TestSuite(name, .init = name##_start, .fini = name##_stop, __VA_ARGS__)

#define LT_SUITE_PEER(name, env, peer, start_peer, ...)                             \
	static void name##_start(void)                                              \
	{                                                                           \
		lt_init(&(env));                                                    \
		lt_start_sessiond(&(env));                                          \
		cr_assert_eq(start_peer(&(peer), 0), 0, #start_peer " failed");     \
	}                                                                           \
	static void name##_stop(void)                                               \
	{                                                                           \
		peer_stop(&(peer));                                                 \
		lt_cleanup(&(env));                                                 \
	}                                                                           \
	TestSuite(name, .init = name##_start, .fini = name##_stop, __VA_ARGS__)

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
 * removed; an enumeration field (`op = ( "recv" : container = 1 )`) gives
 * its label; false when absent. */
bool lt_field(const char *line, const char *name, char *value, size_t valuelen);

/* Environment the tests were given (tests/meson.build). */
const char *lt_getenv(const char *name);

#endif
