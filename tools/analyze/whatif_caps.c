/* The caps a what-if applies (--what-if, --what-if-profile): parsed and
 * resolved with the library's own profile code (src/profile), so that a
 * profile file means here exactly what it means in libwaitcap.so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "config.h"
#include "policy.h"
#include "whatif_caps.h"

int wc_whatif_parse_caps(const char *text, int64_t caps_ms[WC_WHATIF_OPS], char *err, size_t errsz)
{
	for (int i = 0; i < WC_WHATIF_OPS; i++)
		caps_ms[i] = -1;
	int items = wc_parse_op_caps("--what-if ", text, WC_WHATIF_OPS, caps_ms, err, errsz);
	if (items == 0) {
		snprintf(err, errsz, "--what-if needs caps: connect=300ms,recv=2s");
		return -1;
	}
	return items < 0 ? -1 : 0;
}

/* The environment a --what-if-profile resolves in: ENVIRONMENT only, so
 * that the caller's own variables do not change the answer. */
static const char *what_if_environment;

static const char *profile_env(const char *name)
{
	if (what_if_environment && strcmp(name, "ENVIRONMENT") == 0)
		return what_if_environment;
	return NULL;
}

void *wc_whatif_load_profile(const char *path, const char *environment, char *desc, size_t desclen,
			     char *err, size_t errsz)
{
	struct wc_config *cfg = wc_config_load_file(path, err, errsz);
	if (!cfg)
		return NULL;
	struct wc_policy *policy = calloc(1, sizeof(*policy));
	if (!policy) {
		wc_config_free(cfg);
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	what_if_environment = environment;
	int rc = wc_policy_from_config(policy, cfg, profile_env);
	wc_config_free(cfg);
	if (rc != 0) {
		snprintf(err, errsz, "%s", policy->error);
		free(policy);
		return NULL;
	}
	snprintf(desc, desclen, "profile %s of %s (%s)", policy->profile, path, policy->reason_text);
	return policy;
}

void wc_whatif_profile_caps(const void *profile, int64_t caps_ms[WC_WHATIF_OPS])
{
	const struct wc_policy *policy = profile;
	for (int i = 0; i < WC_WHATIF_OPS; i++)
		caps_ms[i] = policy->caps.ms[i];
}

void wc_whatif_caps_for_peer(const void *profile, const char *peer, int64_t caps_ms[WC_WHATIF_OPS])
{
	const struct wc_policy *policy = profile;
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	socklen_t len = 0;
	char host[64];
	const char *colon = peer ? strrchr(peer, ':') : NULL;
	int port = colon ? atoi(colon + 1) : 0;
	size_t hl = colon ? (size_t)(colon - peer) : 0;
	if (hl >= 2 && peer[0] == '[' && peer[hl - 1] == ']') {
		snprintf(host, sizeof host, "%.*s", (int)(hl - 2), peer + 1);
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
			in6->sin6_family = AF_INET6;
			in6->sin6_port = htons((uint16_t)port);
			len = sizeof(*in6);
		}
	} else if (hl && hl < sizeof host) {
		snprintf(host, sizeof host, "%.*s", (int)hl, peer);
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
			in->sin_family = AF_INET;
			in->sin_port = htons((uint16_t)port);
			len = sizeof(*in);
		}
	}
	struct wc_caps caps;
	int rule = -1;
	if (len) {
		wc_policy_caps_for(policy, (const struct sockaddr *)&ss, len, &caps, &rule);
	} else {
		caps = policy->caps;
	}
	for (int i = 0; i < WC_WHATIF_OPS; i++)
		caps_ms[i] = caps.ms[i];
}

void wc_whatif_free_profile(void *profile)
{
	free(profile);
}
