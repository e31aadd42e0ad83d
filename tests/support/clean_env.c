/* See clean_env.h. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean_env.h"

extern char **environ;

/* The harness's own variables (tests/meson.build, tests/fuzz): tests and
 * their scripts need them, and waitcap does not read them. */
static const char *const harness_vars[] = {
	"WAITCAP_LIB", "WAITCAP_BIN", "WAITCAP_BUILD", "WAITCAP_SRC", "WAITCAP_KEEP_TMP",
	"WAITCAP_FUZZ_SECONDS", "WAITCAP_FUZZ_BUILD", NULL};

/* Read by the code itself (src/profile/select.c, tools/session.c, the
 * dynamic loader); WAITCAP_* is matched as a prefix. */
static const char *const fixed_vars[] = {
	"ENVIRONMENT", "LOCAL_DEVELOPMENT", "LD_PRELOAD", "LTTNG_HOME", "LTTNG_SESSIOND_PATH",
	NULL};

#define MAX_PLAN_VARS 64
static char plan_vars[MAX_PLAN_VARS][64];
static int nplan_vars = -1;

static void add_plan_var(const char *name)
{
	for (int i = 0; i < nplan_vars; i++)
		if (!strcmp(plan_vars[i], name))
			return;
	if (nplan_vars < MAX_PLAN_VARS)
		snprintf(plan_vars[nplan_vars++], sizeof plan_vars[0], "%s", name);
}

/* Every string under "legacy_flags" and under a rule's "env": names of
 * variables the plan reads. */
static void collect(const cJSON *node)
{
	for (const cJSON *c = node ? node->child : NULL; c; c = c->next) {
		if (c->string && (!strcmp(c->string, "legacy_flags") || !strcmp(c->string, "env"))) {
			for (const cJSON *v = c->child; v; v = v->next)
				if (cJSON_IsString(v))
					add_plan_var(v->valuestring);
		} else {
			collect(c);
		}
	}
}

static void collect_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	static char text[1 << 20];
	size_t len = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[len] = '\0';
	cJSON *json = cJSON_Parse(text);
	collect(json);
	cJSON_Delete(json);
}

static void load_plan_vars(void)
{
	if (nplan_vars >= 0)
		return;
	nplan_vars = 0;
	/* The embedded default's legacy flags, also without WAITCAP_SRC. */
	static const char *const always[] = {"FORCE_LEGACY_TIMEOUTS",
					     "DISABLE_TIMEOUT_OPTIMIZATIONS", NULL};
	for (int i = 0; always[i]; i++)
		add_plan_var(always[i]);
	const char *src = getenv("WAITCAP_SRC");
	if (!src)
		return;
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/profiles/default.json", src);
	collect_file(path);
	snprintf(path, sizeof path, "%s/profiles/examples", src);
	DIR *dir = opendir(path);
	for (struct dirent *d; dir && (d = readdir(dir));) {
		size_t n = strlen(d->d_name);
		if (n > 5 && !strcmp(d->d_name + n - 5, ".json")) {
			snprintf(path, sizeof path, "%s/profiles/examples/%s", src, d->d_name);
			collect_file(path);
		}
	}
	if (dir)
		closedir(dir);
}

static bool in(const char *name, const char *const list[])
{
	for (int i = 0; list[i]; i++)
		if (!strcmp(name, list[i]))
			return true;
	return false;
}

bool clean_env_drops(const char *name)
{
	load_plan_vars();
	if (in(name, harness_vars))
		return false;
	if (!strncmp(name, "WAITCAP_", 8) || in(name, fixed_vars))
		return true;
	for (int i = 0; i < nplan_vars; i++)
		if (!strcmp(name, plan_vars[i]))
			return true;
	return false;
}

void clean_env_apply(const char *const also[])
{
	for (int i = 0; also && also[i]; i++)
		unsetenv(also[i]);
	for (bool again = true; again;) {
		again = false;
		for (char **e = environ; *e; e++) {
			char name[128];
			snprintf(name, sizeof name, "%.*s", (int)strcspn(*e, "="), *e);
			if (clean_env_drops(name)) {
				unsetenv(name);
				again = true; /* environ changed under us */
				break;
			}
		}
	}
}

const char *clean_env_no_system_file(void)
{
	/* tests/meson.build names it; run by hand, any absent path does. */
	const char *path = getenv("WAITCAP_TEST_SYSTEM_FILE");
	return path && *path ? path : "/nonexistent/waitcap-test-system-profile.json";
}

/* NAME=VALUE has the name of one of extra's entries. */
static bool set_by(const char *entry, const char *const extra[])
{
	size_t n = strcspn(entry, "=");
	for (int i = 0; extra && extra[i]; i++)
		if (strcspn(extra[i], "=") == n && !strncmp(entry, extra[i], n))
			return true;
	return false;
}

char **clean_environ(const char *const extra[])
{
	size_t n = 0, nextra = 0;
	while (environ[n])
		n++;
	while (extra && extra[nextra])
		nextra++;
	char **envp = calloc(n + nextra + 3, sizeof *envp);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char name[256];
		snprintf(name, sizeof name, "%.*s", (int)strcspn(environ[i], "="), environ[i]);
		if (!clean_env_drops(name) && !set_by(environ[i], extra))
			envp[k++] = environ[i];
	}
	static char system_file[PATH_MAX + 32];
	snprintf(system_file, sizeof system_file, "WAITCAP_TEST_SYSTEM_FILE=%s",
		 clean_env_no_system_file());
	if (!set_by(system_file, extra))
		envp[k++] = system_file;
	/* The host's `waitcap record` marker: never the machine's
	 * (/run/waitcap.recording), which a record elsewhere, or another test's
	 * record running as root, would create. */
	static const char recording_file[] =
		"WAITCAP_TEST_RECORDING_FILE=/nonexistent/waitcap-test-host-recording";
	if (!set_by(recording_file, extra))
		envp[k++] = (char *)recording_file;
	for (size_t i = 0; i < nextra; i++)
		envp[k++] = (char *)extra[i];
	envp[k] = NULL;
	return envp;
}
