/* Where the file comes from, and which files are refused. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "env_table.h"

TestSuite(files, .init = env_clear, .fini = env_teardown);

static const char *one_profile =
	"{\"version\": 1, \"default\": \"file\", \"profiles\": {\"file\": {\"caps\": {\"recv\": \"750ms\"}}}}";

static struct wc_policy policy;

static void expect_file_error(const char *path, const char *what)
{
	expect_refused(&policy, path, what);
}

Test(files, waitcap_config_names_the_file)
{
	const char *path = write_profile(one_profile);
	env_set("WAITCAP_CONFIG", path);
	cr_assert_eq(wc_policy_load(&policy, env_get, false), 0, "%s", policy.error);
	cr_assert_str_eq(policy.file, path);
	cr_assert_str_eq(policy.profile, "file");
	cr_assert_eq(policy.caps.ms[WC_OP_RECV], 750);
	cr_assert_eq(policy.caps.ms[WC_OP_CONNECT], WC_NO_CAP, "no cap where the file sets none");
}

Test(files, secure_mode_ignores_waitcap_config)
{
	env_set("WAITCAP_CONFIG", write_profile(one_profile));
	cr_assert_eq(wc_policy_load(&policy, env_get, true), 0, "%s", policy.error);
	cr_assert_str_neq(policy.file, env_get("WAITCAP_CONFIG"));
	cr_assert_neq(strcmp(policy.profile, "file"), 0, "the named file was not read");
}

Test(files, secure_mode_ignores_even_an_unreadable_waitcap_config)
{
	env_set("WAITCAP_CONFIG", "/nonexistent/profiles.json");
	cr_assert_eq(wc_policy_load(&policy, env_get, true), 0, "%s", policy.error);
}

Test(files, empty_waitcap_config_is_not_a_path)
{
	env_set("WAITCAP_CONFIG", "");
	cr_assert_eq(wc_policy_load(&policy, env_get, false), 0, "%s", policy.error);
	cr_assert_str_eq(policy.file, WC_EMBEDDED_NAME);
}

Test(files, a_present_system_file_is_read_without_waitcap_config)
{
	/* WAITCAP_TEST_SYSTEM_FILE stands in for /etc/waitcap/profiles.json. */
	const char *path = write_profile(one_profile);
	env_set("WAITCAP_TEST_SYSTEM_FILE", path);
	cr_assert_eq(wc_policy_load(&policy, env_get, false), 0, "%s", policy.error);
	cr_assert_str_eq(policy.file, path);
	cr_assert_eq(policy.caps.ms[WC_OP_RECV], 750);
}

Test(files, a_set_uid_program_reads_the_real_system_file_only)
{
	const char *path = write_profile(one_profile);
	env_set("WAITCAP_TEST_SYSTEM_FILE", path);
	cr_assert_str_eq(wc_system_file(env_get, true), WC_SYSTEM_FILE);
}

Test(files, missing_file_is_an_error)
{
	env_set("WAITCAP_CONFIG", "/nonexistent/profiles.json");
	cr_assert_eq(wc_policy_load(&policy, env_get, false), -1);
	cr_assert_str_eq(policy.file, "/nonexistent/profiles.json");
	expect_file_error("/nonexistent/profiles.json", "cannot open: No such file or directory");
}

Test(files, directory_is_refused)
{
	env_set("WAITCAP_CONFIG", "/tmp");
	cr_assert_eq(wc_policy_load(&policy, env_get, false), -1);
	expect_file_error("/tmp", "refused: not a regular file");
}

Test(files, world_writable_file_is_refused)
{
	const char *path = write_profile_mode(one_profile, 0666);
	env_set("WAITCAP_CONFIG", path);
	cr_assert_eq(wc_policy_load(&policy, env_get, false), -1);
	expect_file_error(path, "refused: world-writable (mode 0666)");
}

/* A file owned by another user: tests/root/test_foreign_files.c. */

Test(files, file_owned_by_root_or_us_with_group_write_is_accepted)
{
	const char *path = write_profile_mode(one_profile, 0664);
	env_set("WAITCAP_CONFIG", path);
	cr_assert_eq(wc_policy_load(&policy, env_get, false), 0, "%s", policy.error);
}

Test(files, oversized_file_is_refused)
{
	const char *path = write_profile(one_profile);
	cr_assert_eq(truncate(path, WC_MAX_FILE_SIZE + 1), 0);
	env_set("WAITCAP_CONFIG", path);
	cr_assert_eq(wc_policy_load(&policy, env_get, false), -1);
	expect_file_error(path, "refused: larger than");
}

Test(files, parse_errors_name_the_path)
{
	const char *path = write_profile("{\n  \"version\": 1,\n  \"profiles\": {\"a\": {}},\n  \"default\": 5\n}\n");
	env_set("WAITCAP_CONFIG", path);
	cr_assert_eq(wc_policy_load(&policy, env_get, false), -1);
	char want[600];
	snprintf(want, sizeof want, "%s:4:14: expected a profile name, found a number", path);
	cr_assert_str_eq(policy.error, want);
}

Test(files, embedded_default_is_profiles_default_json)
{
	char path[4096], err[512];
	snprintf(path, sizeof path, "%s/profiles/default.json", getenv("WAITCAP_SRC"));
	struct wc_config *file = wc_config_load_file(path, err, sizeof err);
	cr_assert_not_null(file, "%s", err);
	struct wc_config *embedded = wc_config_load_embedded(err, sizeof err);
	cr_assert_not_null(embedded, "%s", err);
	cr_assert_eq(file->len, embedded->len);
	cr_assert(memcmp(file->text, embedded->text, file->len) == 0, "one source of truth");
	wc_config_free(file);
	wc_config_free(embedded);
}
