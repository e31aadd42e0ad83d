/* What the rollback tests share: a temp dir with its own stats directory,
 * profile and host control file; programs started with the library and
 * their per-attempt lines; the waitcap command. */
#ifndef WAITCAP_TEST_ROLLBACK_HELPERS_H
#define WAITCAP_TEST_ROLLBACK_HELPERS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc.h"

struct rb {
	char dir[64];
	char stats_dir[128];
	char config[128];        /* dir/profiles.json */
	char control[128];       /* dir/control: the host control file */
	char env_stats[160];
	char env_config[160];
	char env_control[160];
	const char *env[6];
};

/* Temp dir, stats dir, host control path (not created); the caller's
 * WAITCAP_* and environment variables are cleared from this process. */
void rb_setup(struct rb *t);
void rb_teardown(struct rb *t);
/* Write the profile file (mode 0644), replacing it in place. */
void rb_profile(struct rb *t, const char *json);

/* `waitcap ARGS...` with the test's environment; returns its exit code. */
int rb_waitcap(struct rb *t, struct proc_result *r, const char *const args[]);
/* The same as another user (setpriv --reuid=USER). */
int rb_waitcap_as(struct rb *t, struct proc_result *r, const char *user,
		  const char *const args[]);

/* A preloaded program printing one line per attempt, "OUTCOME MS START_MS"
 * (START_MS on CLOCK_MONOTONIC), read as it goes. */
struct prog {
	pid_t pid;
	int out;             /* its stdout */
	int err_fd;          /* its stderr, a file in the temp dir */
	char err_path[160];
	char buf[65536];
	size_t len, pos;
};
struct attempt {
	char outcome[64];
	int64_t ms, start_ms;
};
void prog_start(struct rb *t, struct prog *p, const char *const argv[]);
/* The next attempt line, waiting at most timeout_ms; false at the end. */
bool prog_next(struct prog *p, struct attempt *a, int timeout_ms);
/* The first attempt that started at or after since_ms. */
bool prog_attempt_after(struct prog *p, int64_t since_ms, struct attempt *a, int timeout_ms);
void prog_stop(struct prog *p);
/* What it wrote on stderr so far. */
const char *prog_stderr(struct prog *p);

/* `waitcap stats --pid PID --json`, the process object. */
cJSON *rb_stats(struct rb *t, pid_t pid);
const char *rb_str(cJSON *o, const char *key);

#endif
