/* wc_policy_caps_for: which rule a destination gets, and its caps. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>
#include <sys/un.h>

#include "env_table.h"
#include "policy.h"

TestSuite(rules, .init = env_clear, .fini = env_teardown);

static struct wc_policy policy;

static const char *rules_json =
	"{\"version\": 1, \"default\": \"local\", \"profiles\": {"
	"  \"local\": {\"caps\": {\"connect\": \"1s\", \"recv\": \"2s\", \"send\": \"3s\"}},"
	"  \"staging\": {\"caps\": {\"connect\": \"30s\", \"recv\": \"35s\", \"send\": \"35s\"}}},"
	" \"rules\": ["
	"  {\"name\": \"api\", \"match\": {\"host\": \"127.0.0.1\", \"port\": 18001},"
	"   \"caps\": {\"recv\": {\"local\": \"300ms\", \"staging\": \"10s\"}}},"
	"  {\"name\": \"range\", \"match\": {\"host\": \"127.0.0.0/8\", \"port\": \"18010-18020\"},"
	"   \"caps\": {\"connect\": \"100ms\", \"recv\": \"200ms\"}},"
	"  {\"name\": \"v6host\", \"match\": {\"host\": \"::1\", \"port\": 18001},"
	"   \"caps\": {\"send\": \"400ms\"}},"
	"  {\"name\": \"v6net\", \"match\": {\"host\": \"fd00::/8\"}, \"caps\": {\"recv\": \"500ms\"}},"
	"  {\"name\": \"tennet\", \"match\": {\"host\": \"10.0.0.0/8\"}, \"caps\": {\"recv\": \"600ms\"}},"
	"  {\"name\": \"dns\", \"match\": {\"port\": 53}, \"caps\": {\"recv\": \"700ms\"}}"
	" ]}";

static void load(void)
{
	cr_assert_eq(load_json(&policy, rules_json), 0, "%s", policy.error);
}

/* Caps for ADDR:PORT; returns the rule name or "" when none matched. */
static const char *caps_for(const char *addr, int port, struct wc_caps *caps)
{
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof ss);
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		cr_assert_eq(inet_pton(AF_INET6, addr, &in6->sin6_addr), 1);
		len = sizeof *in6;
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		cr_assert_eq(inet_pton(AF_INET, addr, &in->sin_addr), 1);
		len = sizeof *in;
	}
	int rule = -2;
	wc_policy_caps_for(&policy, (struct sockaddr *)&ss, len, caps, &rule);
	cr_assert_geq(rule, -1);
	return rule < 0 ? "" : policy.rules[rule].name;
}

static void expect(const struct wc_caps *caps, int connect, int recv, int send)
{
	cr_assert_eq(caps->ms[WC_OP_CONNECT], connect, "connect %d", caps->ms[WC_OP_CONNECT]);
	cr_assert_eq(caps->ms[WC_OP_RECV], recv, "recv %d", caps->ms[WC_OP_RECV]);
	cr_assert_eq(caps->ms[WC_OP_SEND], send, "send %d", caps->ms[WC_OP_SEND]);
}

Test(rules, exact_host_and_port_gets_the_rules_cap_for_the_active_profile)
{
	struct wc_caps caps;
	load();
	cr_assert_str_eq(caps_for("127.0.0.1", 18001, &caps), "api");
	expect(&caps, 1000, 300, 3000);

	env_set("WAITCAP_PROFILE", "staging");
	load();
	cr_assert_str_eq(caps_for("127.0.0.1", 18001, &caps), "api");
	expect(&caps, 30000, 10000, 35000);
}

Test(rules, another_port_on_the_same_host_gets_the_profiles_caps)
{
	struct wc_caps caps;
	load();
	cr_assert_str_eq(caps_for("127.0.0.1", 18002, &caps), "");
	expect(&caps, 1000, 2000, 3000);
}

Test(rules, ipv4_cidr_and_port_range_bounds)
{
	struct wc_caps caps;
	load();
	cr_assert_str_eq(caps_for("127.1.2.3", 18010, &caps), "range");
	expect(&caps, 100, 200, 3000);
	cr_assert_str_eq(caps_for("127.255.255.254", 18020, &caps), "range");
	cr_assert_str_eq(caps_for("127.0.0.1", 18009, &caps), "");
	cr_assert_str_eq(caps_for("127.0.0.1", 18021, &caps), "");
	cr_assert_str_eq(caps_for("128.0.0.1", 18015, &caps), "");
	cr_assert_str_eq(caps_for("10.200.0.1", 80, &caps), "tennet");
	cr_assert_str_eq(caps_for("11.0.0.1", 80, &caps), "");
}

Test(rules, ipv6_host_and_cidr)
{
	struct wc_caps caps;
	load();
	cr_assert_str_eq(caps_for("::1", 18001, &caps), "v6host");
	expect(&caps, 1000, 2000, 400);
	cr_assert_str_eq(caps_for("::1", 18002, &caps), "");
	cr_assert_str_eq(caps_for("fd12:3456::1", 9000, &caps), "v6net");
	expect(&caps, 1000, 500, 3000);
	cr_assert_str_eq(caps_for("fe80::1", 9000, &caps), "");
}

Test(rules, ipv4_mapped_ipv6_matches_ipv4_rules)
{
	struct wc_caps caps;
	load();
	cr_assert_str_eq(caps_for("::ffff:127.0.0.1", 18001, &caps), "api");
	cr_assert_str_eq(caps_for("::ffff:10.1.1.1", 1, &caps), "tennet");
}

Test(rules, first_matching_rule_wins)
{
	struct wc_caps caps;
	load();
	/* 10.0.0.53:53 matches "tennet" (listed first) and "dns". */
	cr_assert_str_eq(caps_for("10.0.0.53", 53, &caps), "tennet");
	cr_assert_str_eq(caps_for("192.0.2.1", 53, &caps), "dns");
	cr_assert_str_eq(caps_for("2001:db8::1", 53, &caps), "dns", "any host means v6 too");
}

Test(rules, non_ip_and_short_addresses_match_no_rule)
{
	struct wc_caps caps;
	int rule;
	load();
	struct sockaddr_un un = {.sun_family = AF_UNIX, .sun_path = "/tmp/x"};
	wc_policy_caps_for(&policy, (struct sockaddr *)&un, sizeof un, &caps, &rule);
	cr_assert_eq(rule, -1);
	expect(&caps, 1000, 2000, 3000);

	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(53)};
	wc_policy_caps_for(&policy, (struct sockaddr *)&in, 4, &caps, &rule);
	cr_assert_eq(rule, -1, "a truncated address is not read past its length");
	wc_policy_caps_for(&policy, NULL, 0, &caps, &rule);
	cr_assert_eq(rule, -1);
}

Test(rules, legacy_names_the_rule_but_caps_nothing)
{
	struct wc_caps caps;
	env_set("FORCE_LEGACY_TIMEOUTS", "true");
	cr_assert_eq(load_json(&policy, "{\"version\": 1, \"default\": \"a\","
			       " \"legacy_flags\": [\"FORCE_LEGACY_TIMEOUTS\"],"
			       " \"profiles\": {\"a\": {\"caps\": {\"recv\": \"1s\"}}},"
			       " \"rules\": [{\"name\": \"r\", \"caps\": {\"recv\": \"2s\"}}]}"), 0);
	cr_assert_str_eq(caps_for("127.0.0.1", 1, &caps), "r");
	expect(&caps, WC_NO_CAP, WC_NO_CAP, WC_NO_CAP);
}

Test(rules, waitcap_caps_changes_the_profile_not_the_rule)
{
	struct wc_caps caps;
	env_set("WAITCAP_CAPS", "recv=9s");
	load();
	cr_assert_str_eq(caps_for("127.0.0.1", 18001, &caps), "api");
	expect(&caps, 1000, 300, 3000);
	cr_assert_str_eq(caps_for("127.0.0.1", 18002, &caps), "");
	expect(&caps, 1000, 9000, 3000);
}

/* ---- rules by name -------------------------------------------------------- */

static const char *names_json =
	"{\"version\": 1, \"default\": \"p\", \"profiles\": {\"p\": {\"caps\": {\"connect\": \"2s\"}}},"
	" \"rules\": ["
	"  {\"name\": \"pay\", \"match\": {\"name\": \"Payments.Internal.\", \"port\": 443},"
	"   \"caps\": {\"connect\": \"100ms\"}},"
	"  {\"name\": \"net\", \"match\": {\"host\": \"10.0.0.0/8\"}, \"caps\": {\"connect\": \"200ms\"}},"
	"  {\"name\": \"internal\", \"match\": {\"name\": \"*.internal\"}, \"caps\": {\"connect\": \"300ms\"}}"
	" ]}";

/* The rule for 10.1.2.3:PORT reached by name (NULL: by address). */
static const char *rule_for_name(const char *name, int port)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, "10.1.2.3", &in.sin_addr);
	struct wc_caps caps;
	int rule = -2;
	wc_policy_caps_for_dest(&policy, (struct sockaddr *)&in, sizeof in, name, &caps, &rule);
	cr_assert_geq(rule, -1);
	return rule < 0 ? "" : policy.rules[rule].name;
}

Test(rules, a_name_rule_matches_the_resolved_name_exactly_without_case)
{
	cr_assert_eq(load_json(&policy, names_json), 0, "%s", policy.error);
	cr_assert_str_eq(rule_for_name("payments.internal", 443), "pay");
	cr_assert_str_eq(rule_for_name("PAYMENTS.internal.", 443), "pay", "case, trailing dot");
	cr_assert_str_eq(rule_for_name("payments.internal", 444), "net", "port decides too");
	cr_assert_str_eq(rule_for_name("xpayments.internal", 443), "net");
}

Test(rules, file_order_decides_between_name_and_address_rules)
{
	cr_assert_eq(load_json(&policy, names_json), 0, "%s", policy.error);
	/* "net" comes before "*.internal": the address rule wins for 10/8. */
	cr_assert_str_eq(rule_for_name("db.internal", 5432), "net");
	cr_assert_str_eq(rule_for_name(NULL, 443), "net", "never resolved: address rules only");
}

Test(rules, a_suffix_matches_names_under_it_and_not_itself)
{
	const char *json =
		"{\"version\": 1, \"default\": \"p\", \"profiles\": {\"p\": {\"caps\": {}}},"
		" \"rules\": [{\"name\": \"i\", \"match\": {\"name\": \"*.internal\"},"
		" \"caps\": {\"connect\": \"300ms\"}}]}";
	cr_assert_eq(load_json(&policy, json), 0, "%s", policy.error);
	cr_assert_str_eq(rule_for_name("db.internal", 1), "i");
	cr_assert_str_eq(rule_for_name("a.b.INTERNAL", 1), "i");
	cr_assert_str_eq(rule_for_name("internal", 1), "");
	cr_assert_str_eq(rule_for_name("dbinternal", 1), "");
	cr_assert_str_eq(rule_for_name("db.internal.example", 1), "");
	cr_assert_str_eq(rule_for_name(NULL, 1), "");
}
