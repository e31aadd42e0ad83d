/* What the rollout tests share: three real dependencies on loopback (a
 * full accept queue, a slow but healthy peer, a silent one), the Python
 * service that uses them (three_deps.py), recorded under a real session
 * daemon, and the waitcap command on what it recorded. */
#ifndef WAITCAP_TEST_ROLLOUT_H
#define WAITCAP_TEST_ROLLOUT_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "lttng.h"
#include "peers.h"

#define SLOW_ANSWER_MS 600
#define FULL_OWN_MS 1500   /* the service's own connect timeout */
#define SILENT_OWN_MS 1000 /* its own read timeout on the silent peer */

struct deps {
	struct peer full, slow, silent;
};

void deps_start(struct deps *d);
void deps_stop(struct deps *d);

/* The rollout suites' fixture: for every test a session daemon of its own
 * in env and the three dependencies in deps (both of the test file),
 * stopped after it:  ROLLOUT_SUITE(observe, env, deps, .timeout = 90); */
#define ROLLOUT_SUITE(name, env, deps, ...)                                         \
	static void name##_start(void)                                              \
	{                                                                           \
		lt_init(&(env));                                                    \
		lt_start_sessiond(&(env));                                          \
		deps_start(&(deps));                                                \
	}                                                                           \
	static void name##_stop(void)                                               \
	{                                                                           \
		deps_stop(&(deps));                                                 \
		lt_cleanup(&(env));                                                 \
	}                                                                           \
	TestSuite(name, .init = name##_start, .fini = name##_stop, __VA_ARGS__)

/* What three_deps.py printed about one dependency. */
struct dep_result {
	char outcome[32];
	double seconds;
};

struct service_run {
	struct dep_result database, api, cache;
	int pid;                /* the Python process */
	cJSON *stats;           /* `waitcap stats --pid --json` while it ran, or NULL */
	char out[32768], err[16384];
};

/* three_deps.py under `waitcap run --trace=TRACE_DIR` with extra env (and
 * WAITCAP_MIN_BLOCK=100ms: only the slow phases are events); with
 * stats_dir, its live counters are read before it exits. */
void service_record(struct lt_env *env, const struct deps *d, const char *trace_dir,
		    const char *const extra_env[], const char *stats_dir, struct service_run *run);
/* The same with another script of tests/rollout (asyncio_deps.py). */
void service_record_script(struct lt_env *env, const struct deps *d, const char *script,
			   const char *trace_dir, const char *const extra_env[],
			   const char *stats_dir, struct service_run *run);

/* `waitcap ARGS...` (NULL-terminated); status, stdout and stderr (malloc()ed). */
int waitcap_tool(const char *const args[], char **out, char **err);

/* The same, asserting status 0 and parsing stdout as JSON. */
cJSON *waitcap_json(const char *const args[]);

double jnum(const cJSON *obj, const char *key);
const char *jstr(const cJSON *obj, const char *key);

#endif
