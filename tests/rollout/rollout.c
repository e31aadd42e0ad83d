#include "rollout.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "proc.h"

void deps_start(struct deps *d)
{
	cr_assert(peer_full_listener(&d->full, 0) == 0);
	cr_assert(peer_delayed_server(&d->slow, 0, SLOW_ANSWER_MS) == 0);
	cr_assert(peer_silent_server(&d->silent, 0) == 0);
}

void deps_stop(struct deps *d)
{
	peer_stop(&d->full);
	peer_stop(&d->slow);
	peer_stop(&d->silent);
}

static void parse_dep(const char *out, const char *name, struct dep_result *r)
{
	char key[40];
	snprintf(key, sizeof key, "%s ", name);
	const char *at = strstr(out, key);
	cr_assert(at, "three_deps.py printed nothing about %s:\n%s", name, out);
	cr_assert_eq(sscanf(at + strlen(key), "%31s %lf", r->outcome, &r->seconds), 2, "%s", at);
}

void service_record(struct lt_env *env, const struct deps *d, const char *trace_dir,
		    const char *const extra_env[], const char *stats_dir, struct service_run *run)
{
	service_record_script(env, d, "three_deps.py", trace_dir, extra_env, stats_dir, run);
}

void service_record_script(struct lt_env *env, const struct deps *d, const char *name,
			   const char *trace_dir, const char *const extra_env[],
			   const char *stats_dir, struct service_run *run)
{
	char script[512], ports[3][16], trace_opt[600], stats_env[600];
	snprintf(script, sizeof script, "%s/tests/rollout/%s", lt_getenv("WAITCAP_SRC"), name);
	snprintf(ports[0], sizeof ports[0], "%d", d->full.port);
	snprintf(ports[1], sizeof ports[1], "%d", d->slow.port);
	snprintf(ports[2], sizeof ports[2], "%d", d->silent.port);
	snprintf(trace_opt, sizeof trace_opt, "--trace=%s", trace_dir);
	const char *argv[] = {lt_getenv("WAITCAP_BIN"), "run", trace_opt, "--", "python3", script,
			      ports[0], ports[1], ports[2], NULL};
	/* Phases and waits of 100 ms and more: the connects that succeed at
	 * once are no events, however busy the machine. */
	const char *env_list[16] = {"WAITCAP_MIN_BLOCK=100ms"};
	size_t k = 1;
	for (size_t i = 0; extra_env && extra_env[i] && k < 14; i++)
		env_list[k++] = extra_env[i];
	snprintf(stats_env, sizeof stats_env, "WAITCAP_STATS_DIR=%s", stats_dir ? stats_dir : "");
	if (stats_dir)
		env_list[k++] = stats_env;
	env_list[k] = NULL;

	struct lt_proc p;
	lt_spawn(env, &p, argv, env_list);
	cr_assert(lt_wait_output(&p, " done", 30000), "three_deps.py did not finish:\n%s\n%s",
		  p.out, p.err);
	const char *pid_at = strstr(p.out, "pid ");
	cr_assert(pid_at);
	run->pid = atoi(pid_at + 4);
	run->stats = NULL;
	if (stats_dir) {
		char pid_s[16];
		snprintf(pid_s, sizeof pid_s, "%d", run->pid);
		const char *args[] = {"stats", "--pid", pid_s, "--json", NULL};
		char *out, *err;
		int status;
		/* The reader looks where the library wrote. */
		setenv("WAITCAP_STATS_DIR", stats_dir, 1);
		status = waitcap_tool(args, &out, &err);
		unsetenv("WAITCAP_STATS_DIR");
		cr_assert_eq(status, 0, "waitcap stats: %s", err);
		run->stats = cJSON_Parse(out);
		cr_assert(run->stats, "not JSON: %s", out);
		free(out);
		free(err);
	}
	int status = lt_finish(&p, 60000);
	snprintf(run->out, sizeof run->out, "%s", p.out);
	snprintf(run->err, sizeof run->err, "%s", p.err);
	cr_assert_eq(status, 0, "waitcap run: status %d\n%s\n%s", status, p.out, p.err);
	parse_dep(p.out, "database", &run->database);
	parse_dep(p.out, "api", &run->api);
	parse_dep(p.out, "cache", &run->cache);
}

int waitcap_tool(const char *const args[], char **out, char **err)
{
	const char *argv[40];
	size_t k = 0;
	argv[k++] = lt_getenv("WAITCAP_BIN");
	for (size_t i = 0; args[i] && k < 39; i++)
		argv[k++] = args[i];
	argv[k] = NULL;
	char out_path[] = "/tmp/waitcap-rollout-out-XXXXXX";
	char err_path[] = "/tmp/waitcap-rollout-err-XXXXXX";
	int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
	cr_assert(out_fd >= 0 && err_fd >= 0);
	const char *env[] = {NULL, NULL};
	char stats_env[600];
	const char *sd = getenv("WAITCAP_STATS_DIR");
	if (sd) {
		snprintf(stats_env, sizeof stats_env, "WAITCAP_STATS_DIR=%s", sd);
		env[0] = stats_env;
	}
	pid_t pid = proc_start(argv, env, false, out_fd, err_fd);
	cr_assert(pid > 0);
	int status = proc_wait(pid, 60000);
	close(out_fd);
	close(err_fd);
	*out = read_whole_file(out_path);
	*err = read_whole_file(err_path);
	unlink(out_path);
	unlink(err_path);
	return status;
}

cJSON *waitcap_json(const char *const args[])
{
	char *out, *err;
	int status = waitcap_tool(args, &out, &err);
	cr_assert_eq(status, 0, "waitcap %s: status %d: %s", args[0], status, err);
	cJSON *j = cJSON_Parse(out);
	cr_assert(j, "waitcap %s: not JSON:\n%.4000s", args[0], out);
	free(out);
	free(err);
	return j;
}

double jnum(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	cr_assert(cJSON_IsNumber(v), "no number %s", key);
	return v->valuedouble;
}

const char *jstr(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	cr_assert(cJSON_IsString(v), "no string %s", key);
	return v->valuestring;
}
