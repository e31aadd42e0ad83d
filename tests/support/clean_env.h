/* The environment a program under test starts with: the caller's, minus
 * everything waitcap reads, plus what the test sets.
 *
 * A test must mean the same thing on every machine and under every
 * caller: a developer with ENVIRONMENT=production or WAITCAP_CAPS set in
 * their shell, CI with LD_PRELOAD, a machine with /etc/waitcap/profiles.json.
 * So every child of a test gets its environment from here:
 *   - removed: every WAITCAP_* except the test harness's own (tests/meson.build),
 *     ENVIRONMENT, LOCAL_DEVELOPMENT, the legacy flags and the rules' override
 *     variables named in $WAITCAP_SRC/profiles (read from the files, so a new
 *     name there is cleared too), LD_PRELOAD, LTTNG_HOME, LTTNG_SESSIOND_PATH;
 *   - added: WAITCAP_TEST_SYSTEM_FILE=<a path that does not exist>, the
 *     stand-in for /etc/waitcap/profiles.json (src/profile/config_load.c),
 *     so "no WAITCAP_CONFIG" means the embedded default;
 *   - then the test's own "NAME=VALUE" entries, which win. */
#ifndef WAITCAP_TEST_CLEAN_ENV_H
#define WAITCAP_TEST_CLEAN_ENV_H

#include <stdbool.h>

/* A NULL-terminated environment (malloc()ed, never freed: for a child
 * about to exec).  extra: "NAME=VALUE" entries, NULL-terminated, may be
 * NULL. */
char **clean_environ(const char *const extra[]);

/* Remove from this process's own environment every variable a child
 * would lose (clean_env_drops), and the names in also (NULL-terminated,
 * may be NULL): for tests that also start children some other way. */
void clean_env_apply(const char *const also[]);

/* Whether a child of a test would lose the variable NAME. */
bool clean_env_drops(const char *name);

/* The value WAITCAP_TEST_SYSTEM_FILE has when the test does not set it:
 * a path that does not exist (named in tests/meson.build). */
const char *clean_env_no_system_file(void);

#endif
