/* libFuzzer target for the profile loader: parse, validate, locate errors,
 * apply environment overrides, check the hierarchy, select, match.
 *
 * Beyond "no crash, no leak", it checks the loader's promises: a rejected
 * file gives exactly one line "fuzz.json:LINE:COL: what", and a failed
 * policy has no caps. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "duration.h"
#include "match.h"

static const char *fuzz_getenv(const char *name)
{
	if (strcmp(name, "ENVIRONMENT") == 0)
		return "staging";
	size_t n = strlen(name);
	if (n >= 7 && strcmp(name + n - 7, "TIMEOUT") == 0)
		return "35";
	if (n >= 7 && strcmp(name + n - 7, "SECONDS") == 0)
		return "30.0";
	return NULL;
}

static void check_error_line(const char *err)
{
	if (strncmp(err, "fuzz.json:", 10) != 0 || strchr(err, '\n') || err[10] < '1' || err[10] > '9')
		abort();
}

/* Short inputs also go to the small parsers directly. */
static void fuzz_small_parsers(const uint8_t *data, size_t size)
{
	char text[80];
	if (size >= sizeof text)
		return;
	memcpy(text, data, size);
	text[size] = 0;
	int64_t ns;
	int32_t ms;
	struct wc_caps caps = {{1, 2, 3}};
	char err[512];
	struct wc_match m;
	wc_match_any(&m);
	(void)wc_parse_duration_ns(text, &ns);
	(void)wc_parse_cap_ms(text, 1000000000, &ms);
	(void)wc_parse_caps_override(text, &caps, err, sizeof err);
	(void)wc_match_parse_host(&m, text);
	(void)wc_match_parse_ports(&m, text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct wc_policy policy;
	char err[512] = "";

	fuzz_small_parsers(data, size);

	struct wc_config *cfg = wc_config_parse("fuzz.json", (const char *)data, size, err, sizeof err);
	if (!cfg) {
		check_error_line(err);
		return 0;
	}
	memset(&policy, 0, sizeof policy);
	if (wc_policy_from_config(&policy, cfg, fuzz_getenv) != 0) {
		if (policy.error[0] == 0 || policy.nrules != 0)
			abort();
		for (int op = 0; op < WC_CAP_OPS; op++)
			if (policy.caps.ms[op] != WC_NO_CAP)
				abort();
	} else {
		struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(18002)};
		struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(443)};
		inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
		inet_pton(AF_INET6, "::ffff:10.0.0.1", &in6.sin6_addr);
		struct wc_caps caps;
		int rule;
		wc_policy_caps_for(&policy, (struct sockaddr *)&in, sizeof in, &caps, &rule);
		if (rule >= policy.nrules)
			abort();
		wc_policy_caps_for(&policy, (struct sockaddr *)&in6, sizeof in6, &caps, &rule);
		if (rule >= policy.nrules)
			abort();
	}
	/* Every stored location must resolve inside the text. */
	for (int i = 0; i < cfg->npairs; i++) {
		char where[4200];
		wc_config_where(cfg, &cfg->pairs[i].loc, where, sizeof where);
		check_error_line(where);
	}
	wc_config_free(cfg);
	return 0;
}
