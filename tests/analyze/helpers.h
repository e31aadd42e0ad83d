/* Shared by the analyzer tests: record a real trace, run `waitcap analyze`
 * on it, look things up in its JSON. */
#ifndef ANALYZE_HELPERS_H
#define ANALYZE_HELPERS_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "harness.h"

/* `waitcap run --trace=DIR -- argv...` as the harness's user, with extra
 * environment; asserts that the program exited 0. */
void an_record(struct lt_env *env, const char *trace_dir, const char *const argv[],
	       const char *const extra_env[]);

/* The same, for a program that may fail: returns waitcap run's status
 * (the program's). */
int an_record_status(struct lt_env *env, const char *trace_dir, const char *const argv[],
		     const char *const extra_env[]);

struct an_result {
	int status;      /* exit status of waitcap analyze */
	char *out;       /* what it wrote (-o FILE), malloc()ed */
	char *err;       /* its stderr, malloc()ed */
};

/* A trace recorded once per test binary and shared by its tests (criterion
 * runs each test in its own process): the first test to ask runs record()
 * into the returned directory while the others wait on a lock; later ones
 * reuse it.  Removed when the run ends. */
const char *an_shared_trace(const char *name, void (*record)(const char *trace_dir));

/* PROGRAM (a path under the build directory) PORT [ARG] against a silent
 * loopback peer listening on PORT, with extra "K=V" environment (may be
 * NULL), recorded into trace_dir under a real lttng-sessiond of its own. */
void an_record_silent(const char *trace_dir, const char *program, const char *arg,
		      const char *const extra_env[]);

/* tests/analyze/blocker against a silent loopback peer, with
 * WAITCAP_CAPS=recv=300ms, recorded into trace_dir under a real
 * lttng-sessiond (for an_shared_trace). */
void an_record_blocker(const char *trace_dir);

/* tests/analyze/two_peers against two silent loopback peers: waits_a and
 * waits_b 100 ms waits, then the arguments in more (NULL-terminated, may be
 * NULL), with extra "K=V" environment; recorded into trace_dir under a real
 * lttng-sessiond.  ports: the two peers' ports, as the trace has them. */
void an_record_two_peers(const char *trace_dir, int waits_a, int waits_b,
			 const char *const more[], const char *const extra_env[], int ports[2]);

/* Run argv (argv[0] a path) with stdin /dev/null, stdout and stderr
 * collected (malloc()ed), killed by pid after timeout_ms.  The exit
 * status, 128+signal when killed by one. */
int an_exec(const char *const argv[], int timeout_ms, char **out, char **err);

/* gen_trace known (the generator's exactly known trace), recorded with
 * `waitcap run --trace` under a real lttng-sessiond. */
void an_record_known(const char *trace_dir);

/* The same run twice, as two processes in two sessions: dir/a and dir/b. */
void an_record_known_twice(const char *dir);

/* gen_trace bulk into buffers far too small for it (4 KiB sub-buffers,
 * discard mode): LTTng must drop events. */
void an_record_lossy(const char *trace_dir);

/* A private copy of a trace (cp -r), to damage. */
void an_copy_tree(const char *from, const char *to);

/* A private copy of trace in a new temp dir /tmp/waitcap-NAME-XXXXXX
 * (dir), at dir/trace (trace), and the directory that holds its metadata
 * (stream_dir): for the tests that damage a recorded trace. */
struct an_copy {
	char dir[64];
	char trace[600];
	char stream_dir[900];
};
void an_private_copy(struct an_copy *c, const char *trace, const char *name);
/* Remove its temp dir. */
void an_private_copy_remove(struct an_copy *c);

/* What blocker measured of its own waits in the shared recording: the
 * total in ms of the function `name`. */
double an_blocker_measured_ms(const char *name);

/* waitcap analyze with these arguments (NULL-terminated); output through
 * -o so that its size is not limited. */
void an_analyze(struct an_result *r, const char *const args[]);
void an_result_free(struct an_result *r);

/* Runs waitcap analyze ... --format json, asserts status 0 and parses. */
cJSON *an_analyze_json(const char *const args[]);

/* The callsite whose function is `function` (asserts there is one). */
const cJSON *an_callsite(const cJSON *report, const char *function);
/* The group of a view (--by) whose key is `key` (asserts there is one). */
const cJSON *an_group(const cJSON *groups, const char *key);
double an_num(const cJSON *obj, const char *key);
const char *an_str(const cJSON *obj, const char *key);

/* The line of $WAITCAP_SRC/tests/analyze/FILE that holds CALLSITE(name). */
int an_marker_line(const char *file, const char *name);

/* A path in the build tree ($WAITCAP_BUILD/rel). */
const char *an_build(const char *rel);

char *an_read_file(const char *path);

#endif
