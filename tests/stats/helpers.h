/* What the stats tests share: a temp dir with its own stats directory and
 * profile, a preloaded connector to start and stop, `waitcap stats` as
 * JSON. */
#ifndef WAITCAP_TEST_STATS_HELPERS_H
#define WAITCAP_TEST_STATS_HELPERS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <sys/types.h>

#define CAP_MS 300
#define RULE "factory"

struct st {
	char dir[64];         /* the test's temp dir */
	char stats_dir[128];  /* dir/stats: WAITCAP_STATS_DIR */
	char env_stats[160];  /* "WAITCAP_STATS_DIR=..." */
	char env_config[200]; /* "WAITCAP_CONFIG=dir/profiles.json" */
	const char *env[6];   /* the environment every program of the test gets */
};

/* Make the temp dir and a profile whose rule RULE caps connects to
 * 127.0.0.1:rule_port at CAP_MS (5 s elsewhere).  Clears the caller's
 * WAITCAP_*, ENVIRONMENT and legacy variables from this process, so no
 * program of the test sees them. */
void st_setup(struct st *t, int rule_port);
void st_teardown(struct st *t);

/* Start argv preloaded with env (NULL: the test's), and read its stdout
 * into buf (NUL-terminated) until it holds marker, it closes or timeout_ms
 * pass.  Returns its pid; the caller asserts on what it said. */
pid_t st_start_until(struct st *t, const char *const argv[], const char *const env[],
		     const char *marker, int timeout_ms, char *buf, size_t size);

/* Start tests/stats/connector (preloaded) and wait until it printed
 * "done" (all its connects made).  Returns its pid. */
pid_t st_connector(struct st *t, const char *mode, int port, int count);
/* SIGTERM it (it exits normally) and reap it. */
void st_stop(pid_t pid);

/* `waitcap stats --pid PID --json`, parsed; asserts it succeeded. */
cJSON *st_stats(struct st *t, pid_t pid);
/* The destination object for peer in a process object, or NULL. */
cJSON *st_dest(cJSON *proc, const char *peer);
double st_num(cJSON *obj, const char *key);

/* Path of the stats file of pid. */
const char *st_file(struct st *t, pid_t pid);

#endif
