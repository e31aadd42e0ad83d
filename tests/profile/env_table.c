/* See env_table.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "env_table.h"

#define MAX_VARS 32

static struct {
	char name[64];
	char value[256];
} vars[MAX_VARS];
static int nvars;

void env_clear(void)
{
	nvars = 0;
	/* Not the machine's /etc/waitcap/profiles.json: the stand-in that
	 * tests/meson.build names (a path that does not exist). */
	const char *system_file = getenv("WAITCAP_TEST_SYSTEM_FILE");
	cr_assert(system_file && *system_file, "run the tests with meson test");
	env_set("WAITCAP_TEST_SYSTEM_FILE", system_file);
}

void env_set(const char *name, const char *value)
{
	for (int i = 0; i < nvars; i++)
		if (strcmp(vars[i].name, name) == 0) {
			snprintf(vars[i].value, sizeof vars[i].value, "%s", value);
			return;
		}
	cr_assert_lt(nvars, MAX_VARS);
	snprintf(vars[nvars].name, sizeof vars[nvars].name, "%s", name);
	snprintf(vars[nvars].value, sizeof vars[nvars].value, "%s", value);
	nvars++;
}

const char *env_get(const char *name)
{
	for (int i = 0; i < nvars; i++)
		if (strcmp(vars[i].name, name) == 0)
			return vars[i].value;
	return NULL;
}

static char made[16][256];
static int nmade;

void env_teardown(void)
{
	for (int i = nmade - 1; i >= 0; i--) {
		unlink(made[i]);
		char *slash = strrchr(made[i], '/');
		*slash = 0;
		rmdir(made[i]);
	}
	nmade = 0;
	nvars = 0;
}

const char *write_profile_mode(const char *json, mode_t mode)
{
	char dir[] = "/tmp/waitcap-profile-XXXXXX";
	cr_assert_lt(nmade, 16);
	cr_assert_not_null(mkdtemp(dir));
	char *path = made[nmade++];
	snprintf(path, sizeof made[0], "%s/profiles.json", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(json, f);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(chmod(path, mode), 0);
	return path;
}

const char *write_profile(const char *json)
{
	return write_profile_mode(json, 0644);
}

int load_json(struct wc_policy *policy, const char *json)
{
	env_set("WAITCAP_CONFIG", write_profile(json));
	return wc_policy_load(policy, env_get, false);
}

const char *parse_error_of(const char *json)
{
	static char err[512];
	err[0] = 0;
	struct wc_config *cfg = wc_config_parse("t.json", json, strlen(json), err, sizeof err);
	cr_assert_null(cfg, "expected an error, the file was accepted");
	cr_assert_neq(err[0], 0);
	return err;
}

void expect_refused(const struct wc_policy *policy, const char *path, const char *what)
{
	char want[600];
	snprintf(want, sizeof want, "%s:1:1: %s", path, what);
	cr_assert(strncmp(policy->error, want, strlen(want)) == 0, "\nwanted: %s...\ngot:    %s",
		  want, policy->error);
	for (int op = 0; op < WC_CAP_OPS; op++)
		cr_assert_eq(policy->caps.ms[op], WC_NO_CAP, "a refused file leaves no caps");
	cr_assert_eq(policy->nrules, 0);
}
