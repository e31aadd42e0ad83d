#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "proc.h"

extern char **environ;

static void clean_environment(void)
{
	static const char *const keep[] = {"WAITCAP_LIB", "WAITCAP_BIN", "WAITCAP_BUILD",
					   "WAITCAP_SRC"};
	static const char *const drop[] = {"ENVIRONMENT", "LOCAL_DEVELOPMENT",
					   "FORCE_LEGACY_TIMEOUTS", "DISABLE_TIMEOUT_OPTIMIZATIONS",
					   "XDG_RUNTIME_DIR", "FACTORY_TIMEOUT_SECONDS"};
	for (size_t i = 0; i < sizeof(drop) / sizeof(drop[0]); i++)
		unsetenv(drop[i]);
	for (bool again = true; again;) {
		again = false;
		for (char **e = environ; *e; e++) {
			if (strncmp(*e, "WAITCAP_", 8))
				continue;
			char name[128];
			size_t n = strcspn(*e, "=");
			snprintf(name, sizeof(name), "%.*s", (int)n, *e);
			bool kept = false;
			for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
				kept |= !strcmp(name, keep[k]);
			if (!kept) {
				unsetenv(name);
				again = true; /* environ changed under us */
				break;
			}
		}
	}
}

void st_setup(struct st *t, int rule_port)
{
	clean_environment();
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
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (t->dir[0] && system(cmd) != 0)
		cr_log_warn("could not remove %s", t->dir);
}

pid_t st_connector(struct st *t, const char *mode, int port, int count)
{
	char port_s[16], count_s[16];
	snprintf(port_s, sizeof(port_s), "%d", port);
	snprintf(count_s, sizeof(count_s), "%d", count);
	const char *argv[] = {build_path("tests/stats/connector"), mode, port_s, count_s,
			      "--hold-ms", "60000", NULL};
	int p[2];
	cr_assert_eq(pipe(p), 0);
	pid_t pid = proc_start(argv, t->env, true, p[1], -1);
	close(p[1]);
	if (!strcmp(mode, "loop")) {
		close(p[0]);
		return pid;
	}
	/* Bounded by the connects' caps; the read fails if the child dies. */
	char buf[4096];
	size_t len = 0;
	int64_t end = now_ms() + 20000;
	while (!strstr(buf, "done\n") && now_ms() < end && len + 1 < sizeof(buf)) {
		ssize_t n = read(p[0], buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
	}
	buf[len] = '\0';
	close(p[0]);
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
