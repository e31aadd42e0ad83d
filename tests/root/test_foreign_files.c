/* What only root can set up: a profile file owned by another user. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <unistd.h>

#include "config.h"
#include "env_table.h"

TestSuite(foreign, .init = env_clear, .fini = env_teardown);

static struct wc_policy policy;

Test(foreign, file_owned_by_another_user_is_refused)
{
	cr_assert_eq(geteuid(), 0, "the root suite runs as root (meson test --no-suite root "
		     "runs the others)");
	const char *path = write_profile(
		"{\"version\": 1, \"default\": \"file\", \"profiles\": {\"file\": {\"caps\": "
		"{\"recv\": \"750ms\"}}}}");
	uid_t other = 65534;
	cr_assert_eq(chown(path, other, (gid_t)-1), 0, "chown: %m");
	env_set("WAITCAP_CONFIG", path);
	cr_assert_eq(wc_policy_load(&policy, env_get, false), -1);
	char what[100];
	snprintf(what, sizeof what, "refused: owned by uid %u", (unsigned)other);
	expect_refused(&policy, path, what);
}
