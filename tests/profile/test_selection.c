/* Selection order, legacy flags and WAITCAP_CAPS on the embedded default. */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <string.h>

#include "env_table.h"
#include "policy.h"

TestSuite(selection, .init = env_clear, .fini = env_teardown);

static struct wc_policy policy;

static void load_ok(void)
{
	int rc = wc_policy_load(&policy, env_get, false);
	cr_assert_eq(rc, 0, "load failed: %s", policy.error);
	cr_assert_str_eq(policy.error, "");
}

static void expect_caps(int connect, int recv, int send)
{
	cr_assert_eq(policy.caps.ms[WC_OP_CONNECT], connect);
	cr_assert_eq(policy.caps.ms[WC_OP_RECV], recv);
	cr_assert_eq(policy.caps.ms[WC_OP_SEND], send);
}

Test(selection, nothing_set_means_the_files_default_local)
{
	load_ok();
	cr_assert_str_eq(policy.file, "(embedded)");
	cr_assert_str_eq(policy.profile, "local");
	cr_assert_eq(policy.reason, WC_REASON_DEFAULT);
	cr_assert_str_eq(policy.reason_text, "default");
	cr_assert_not(policy.legacy);
	expect_caps(5000, 5000, 5000);
}

Test(selection, waitcap_profile_wins_over_everything)
{
	env_set("WAITCAP_PROFILE", "testing");
	env_set("LOCAL_DEVELOPMENT", "true");
	env_set("ENVIRONMENT", "staging");
	load_ok();
	cr_assert_str_eq(policy.profile, "testing");
	cr_assert_eq(policy.reason, WC_REASON_WAITCAP_PROFILE);
	cr_assert_str_eq(policy.reason_text, "WAITCAP_PROFILE=testing");
	expect_caps(10000, 15000, 15000);
}

Test(selection, local_development_wins_over_environment)
{
	env_set("LOCAL_DEVELOPMENT", "true");
	env_set("ENVIRONMENT", "production");
	load_ok();
	cr_assert_str_eq(policy.profile, "local");
	cr_assert_eq(policy.reason, WC_REASON_LOCAL_DEVELOPMENT);
}

Test(selection, local_development_other_than_true_is_ignored)
{
	env_set("LOCAL_DEVELOPMENT", "false");
	env_set("ENVIRONMENT", "testing");
	load_ok();
	cr_assert_str_eq(policy.profile, "testing");
}

Test(selection, environment_maps_through_environments_case_insensitively)
{
	env_set("ENVIRONMENT", "Dev");
	load_ok();
	cr_assert_str_eq(policy.profile, "local");
	env_set("ENVIRONMENT", "test");
	load_ok();
	cr_assert_str_eq(policy.profile, "testing");
	cr_assert_eq(policy.reason, WC_REASON_ENVIRONMENT);
	cr_assert_str_eq(policy.reason_text, "ENVIRONMENT=test");
}

Test(selection, production_inherits_staging)
{
	env_set("ENVIRONMENT", "production");
	load_ok();
	cr_assert_str_eq(policy.profile, "production");
	expect_caps(30000, 35000, 35000);
}

Test(selection, unmapped_environment_falls_back_to_default_and_says_so)
{
	env_set("ENVIRONMENT", "qa");
	load_ok();
	cr_assert_str_eq(policy.profile, "local");
	cr_assert_eq(policy.reason, WC_REASON_DEFAULT);
	cr_assert(strstr(policy.reason_text, "ENVIRONMENT=qa"), "%s", policy.reason_text);
}

Test(selection, unknown_waitcap_profile_is_an_error_with_no_caps)
{
	env_set("WAITCAP_PROFILE", "qa");
	cr_assert_eq(wc_policy_load(&policy, env_get, false), -1);
	cr_assert(strstr(policy.error, "WAITCAP_PROFILE=qa"), "%s", policy.error);
	cr_assert(strstr(policy.error, "local, testing, staging, production"), "%s", policy.error);
	expect_caps(WC_NO_CAP, WC_NO_CAP, WC_NO_CAP);
}

Test(legacy, each_flag_from_legacy_flags_turns_every_cap_off, .init = env_clear,
     .fini = env_teardown)
{
	const char *flags[] = {"FORCE_LEGACY_TIMEOUTS", "DISABLE_TIMEOUT_OPTIMIZATIONS"};
	for (int i = 0; i < 2; i++) {
		env_clear();
		env_set("ENVIRONMENT", "staging");
		env_set(flags[i], "true");
		load_ok();
		cr_assert(policy.legacy);
		cr_assert_str_eq(policy.legacy_flag, flags[i]);
		cr_assert_str_eq(policy.profile, "staging", "the profile is still reported");
		expect_caps(WC_NO_CAP, WC_NO_CAP, WC_NO_CAP);
		struct wc_caps caps;
		int rule;
		struct sockaddr_in sin = {.sin_family = AF_INET};
		wc_policy_caps_for(&policy, (struct sockaddr *)&sin, sizeof sin, &caps, &rule);
		cr_assert_eq(caps.ms[WC_OP_RECV], WC_NO_CAP);
	}
}

Test(legacy, false_value_leaves_caps_on, .init = env_clear, .fini = env_teardown)
{
	env_set("FORCE_LEGACY_TIMEOUTS", "false");
	load_ok();
	cr_assert_not(policy.legacy);
	expect_caps(5000, 5000, 5000);
}

Test(legacy, only_names_listed_in_the_file_count, .init = env_clear, .fini = env_teardown)
{
	load_json(&policy, "{\"version\": 1, \"default\": \"a\", \"legacy_flags\": [\"OLD\"],"
		  " \"profiles\": {\"a\": {\"caps\": {\"recv\": \"1s\"}}}}");
	env_set("FORCE_LEGACY_TIMEOUTS", "true");
	load_ok();
	cr_assert_not(policy.legacy);
	env_set("OLD", "TRUE");
	load_ok();
	cr_assert(policy.legacy);
	cr_assert_str_eq(policy.legacy_flag, "OLD");
}

Test(waitcap_caps, overrides_the_active_profiles_op_caps, .init = env_clear,
     .fini = env_teardown)
{
	env_set("ENVIRONMENT", "staging");
	env_set("WAITCAP_CAPS", "connect=300ms,recv=2s");
	load_ok();
	cr_assert(policy.caps_overridden);
	expect_caps(300, 2000, 35000);
}

Test(waitcap_caps, none_removes_a_cap, .init = env_clear, .fini = env_teardown)
{
	env_set("WAITCAP_CAPS", "send=none");
	load_ok();
	expect_caps(5000, 5000, WC_NO_CAP);
}

Test(waitcap_caps, a_bad_value_is_an_error_with_no_caps, .init = env_clear,
     .fini = env_teardown)
{
	const char *bad[] = {"connect=300", "connect", "wait=1s", "recv=1s,", ",recv=1s",
			     "recv=-1s", "recv=0ms"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		env_set("WAITCAP_CAPS", bad[i]);
		cr_assert_eq(wc_policy_load(&policy, env_get, false), -1, "%s accepted", bad[i]);
		cr_assert(strstr(policy.error, "WAITCAP_CAPS="), "%s", policy.error);
		expect_caps(WC_NO_CAP, WC_NO_CAP, WC_NO_CAP);
	}
}

Test(selection, local_development_needs_a_local_profile)
{
	env_set("LOCAL_DEVELOPMENT", "true");
	cr_assert_eq(load_json(&policy, "{\"version\": 1, \"default\": \"dev\", \"profiles\": {\"dev\": {}}}"), -1);
	cr_assert(strstr(policy.error, "LOCAL_DEVELOPMENT=true: profile \"local\" is not in"), "%s",
		  policy.error);
	expect_caps(WC_NO_CAP, WC_NO_CAP, WC_NO_CAP);
}

Test(selection, empty_variables_count_as_unset)
{
	env_set("WAITCAP_PROFILE", "");
	env_set("ENVIRONMENT", "");
	env_set("WAITCAP_CAPS", "");
	load_ok();
	cr_assert_str_eq(policy.profile, "local");
	cr_assert_eq(policy.reason, WC_REASON_DEFAULT);
	cr_assert_not(policy.caps_overridden);
}
