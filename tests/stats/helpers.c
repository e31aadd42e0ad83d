#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clean_env.h"
#include "files.h"
#include "helpers.h"
#include "proc.h"

void st_setup(struct st *t, int rule_port)
{
	clean_env_apply((const char *const[]){"XDG_RUNTIME_DIR", "FACTORY_TIMEOUT_SECONDS", NULL});
	snprintf(t->dir, sizeof(t->dir), "/tmp/waitcap-stats-test-XXXXXX");
	cr_assert_not_null(mkdtemp(t->dir));
	snprintf(t->stats_dir, sizeof(t->stats_dir), "%s/stats", t->dir);
	cr_assert_eq(mkdir(t->stats_dir, 0700), 0);
	snprintf(t->env_stats, sizeof(t->env_stats), "WAITCAP_STATS_DIR=%s", t->stats_dir);
	char path[128];
	snprintf(path, sizeof(path), "%s/profiles.json", t->dir);
	snprintf(t->env_config, sizeof(t->env_config), "WAITCAP_CONFIG=%s", path);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f,
		"{\"version\": 1, \"default\": \"local\",\n"
		" \"legacy_flags\": [\"FORCE_LEGACY_TIMEOUTS\"],\n"
		" \"profiles\": {\"local\": {\"caps\": {\"connect\": \"5s\", \"recv\": \"5s\", \"send\": \"5s\"}}},\n"
		" \"rules\": [{\"name\": \"" RULE "\", \"match\": {\"host\": \"127.0.0.1\", \"port\": %d},\n"
		"             \"caps\": {\"connect\": \"%dms\"}}]}\n",
		rule_port, CAP_MS);
	fclose(f);
	chmod(path, 0644);
	t->env[0] = t->env_stats;
	t->env[1] = t->env_config;
	t->env[2] = "WAITCAP_TRACE=0";
	t->env[3] = "ENVIRONMENT=staging-test";
	t->env[4] = NULL;
}

void st_teardown(struct st *t)
{
	if (t->dir[0] && remove_tree(t->dir) != 0)
		cr_log_warn("could not remove %s", t->dir);
}

pid_t st_start_until(struct st *t, const char *const argv[], const char *const env[],
		     const char *marker, int timeout_ms, char *buf, size_t size)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	pid_t pid = proc_start(argv, env ? env : t->env, true, p[1], -1);
	close(p[1]);
	/* The read fails if the child dies. */
	size_t len = 0;
	buf[0] = '\0';
	int64_t end = now_ms() + timeout_ms;
	while (!strstr(buf, marker) && now_ms() < end && len + 1 < size) {
		ssize_t n = read(p[0], buf + len, size - 1 - len);
		if (n <= 0)
			break;
		buf[len += (size_t)n] = '\0';
	}
	close(p[0]);
	return pid;
}

pid_t st_connector(struct st *t, const char *mode, int port, int count)
{
	char port_s[16], count_s[16];
	snprintf(port_s, sizeof(port_s), "%d", port);
	snprintf(count_s, sizeof(count_s), "%d", count);
	const char *argv[] = {build_path("tests/stats/connector"), mode, port_s, count_s,
			      "--hold-ms", "60000", NULL};
	if (!strcmp(mode, "loop"))
		return proc_start(argv, t->env, true, -1, -1);
	/* Bounded by the connects' caps. */
	char buf[4096];
	pid_t pid = st_start_until(t, argv, NULL, "done\n", 20000, buf, sizeof(buf));
	cr_assert(strstr(buf, "done\n"), "connector did not finish its connects: %s", buf);
	return pid;
}

void st_stop(pid_t pid)
{
	kill(pid, SIGTERM);
	cr_assert_eq(proc_wait(pid, 10000), 0, "connector %d did not exit cleanly", pid);
}

cJSON *st_stats(struct st *t, pid_t pid)
{
	static struct proc_result r;
	char pid_s[16];
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	const char *argv[] = {getenv("WAITCAP_BIN"), "stats", "--pid", pid_s, "--json", NULL};
	cr_assert_eq(proc_run(&r, argv, t->env, false, 10000), 0);
	cr_assert_eq(r.exit_code, 0, "waitcap stats failed: %s", r.err);
	cJSON *doc = cJSON_Parse(r.out);
	cr_assert_not_null(doc, "not JSON: %s", r.out);
	cJSON *procs = cJSON_GetObjectItem(doc, "processes");
	cr_assert_eq(cJSON_GetArraySize(procs), 1, "%s", r.out);
	cJSON *proc = cJSON_DetachItemFromArray(procs, 0);
	cJSON_Delete(doc);
	cr_assert_eq(st_num(proc, "pid"), pid);
	return proc;
}

cJSON *st_dest(cJSON *proc, const char *peer)
{
	cJSON *d;
	cJSON_ArrayForEach(d, cJSON_GetObjectItem(proc, "destinations"))
	{
		cJSON *p = cJSON_GetObjectItem(d, "peer");
		if (cJSON_IsString(p) && !strcmp(p->valuestring, peer))
			return d;
	}
	return NULL;
}

double st_num(cJSON *obj, const char *key)
{
	cJSON *v = cJSON_GetObjectItem(obj, key);
	cr_assert(cJSON_IsNumber(v), "'%s' is not a number", key);
	return v->valuedouble;
}

const char *st_file(struct st *t, pid_t pid)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%d", t->stats_dir, pid);
	return path;
}
