/* A pretend environment for the policy: tests set variables here instead of
 * in the process environment, so each test sees exactly what it sets. */
#ifndef WAITCAP_TEST_ENV_TABLE_H
#define WAITCAP_TEST_ENV_TABLE_H

#include "config.h"
#include "policy.h"

#include <sys/types.h>

/* Suite .init and .fini: an environment with only the stand-in for
 * /etc/waitcap/profiles.json (WAITCAP_TEST_SYSTEM_FILE, absent); remove
 * written files. */
void env_clear(void);
void env_teardown(void);
void env_set(const char *name, const char *value);
const char *env_get(const char *name); /* a wc_getenv_fn */

/* A profile file in a fresh temporary directory, mode 0644 (or mode);
 * removed by env_teardown. */
const char *write_profile(const char *json);
const char *write_profile_mode(const char *json, mode_t mode);

/* Load json through WAITCAP_CONFIG like the library; returns the rc. */
int load_json(struct wc_policy *policy, const char *json);

/* policy's load failed with "PATH:1:1: " followed by what, and left no
 * caps and no rules. */
void expect_refused(const struct wc_policy *policy, const char *path, const char *what);

/* Parse json, expect failure, and return the error line. */
const char *parse_error_of(const char *json);

#endif
