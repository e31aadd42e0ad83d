/* The active policy: the profile file reduced to what the library needs.
 *
 * wc_policy_load runs once at library start: it may allocate (and frees
 * what it allocated), it never prints (the caller prints policy->error
 * once) and never exits.  wc_policy_caps_for runs at connect time: plain
 * arithmetic over the resolved rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "duration.h"
#include "locate.h"
#include "match.h"

static void no_caps(struct wc_caps *caps)
{
	for (int op = 0; op < WC_CAP_OPS; op++)
		caps->ms[op] = WC_NO_CAP;
}

int wc_parse_op_caps(const char *what, const char *text, int nops, int64_t *ms, char *err,
		     size_t errsz)
{
	int64_t out[WC_OP_COUNT];
	memcpy(out, ms, sizeof out[0] * (size_t)nops);
	int items = 0;
	const char *s = text;
	while (*s) {
		size_t n = strcspn(s, ",");
		char item[96];
		if (n == 0 || n >= sizeof item) {
			snprintf(err, errsz, "%s\"%.100s\": expected OP=DURATION[,OP=DURATION]... "
				 "(connect=300ms,recv=2s)", what, text);
			return -1;
		}
		memcpy(item, s, n);
		item[n] = 0;
		char *eq = strchr(item, '=');
		int op = -1;
		if (eq) {
			*eq = 0;
			op = wc_op_parse(item);
			*eq = '=';
		}
		if (op >= nops)
			op = -1;
		if (op < 0) {
			char ops[WC_OP_LIST_MAX];
			snprintf(err, errsz, "%s\"%.100s\": \"%s\" is not OP=DURATION with OP one of %s",
				 what, text, item, wc_op_list(ops, sizeof ops, nops));
			return -1;
		}
		int32_t cap;
		if (strcmp(eq + 1, "none") == 0) {
			out[op] = WC_NO_CAP;
		} else if (wc_parse_cap_ms(eq + 1, 0, &cap) != 0) {
			snprintf(err, errsz, "%s\"%.100s\": \"%s\" is not a duration (e.g. 300ms, 2s)",
				 what, text, item);
			return -1;
		} else {
			out[op] = cap;
		}
		items++;
		s += n;
		if (*s == ',' && *++s == 0) {
			snprintf(err, errsz, "%s\"%.100s\": trailing comma", what, text);
			return -1;
		}
	}
	memcpy(ms, out, sizeof out[0] * (size_t)nops);
	return items;
}

int wc_parse_caps_override(const char *text, struct wc_caps *caps, char *err, size_t errsz)
{
	int64_t ms[WC_CAP_OPS];
	for (int op = 0; op < WC_CAP_OPS; op++)
		ms[op] = caps->ms[op];
	if (wc_parse_op_caps("WAITCAP_CAPS=", text, WC_CAP_OPS, ms, err, errsz) < 0)
		return -1;
	for (int op = 0; op < WC_CAP_OPS; op++)
		caps->ms[op] = (int32_t)ms[op];
	return 0;
}

static void fail(struct wc_policy *policy, const char *err)
{
	snprintf(policy->error, sizeof policy->error, "%s", err);
	wc_one_line(policy->error); /* WAITCAP_CAPS, WAITCAP_PROFILE come from anywhere */
	policy->legacy = false;
	policy->observe = false;
	policy->caps_overridden = false;
	no_caps(&policy->caps);
	policy->nrules = 0;
}

int wc_policy_from_config(struct wc_policy *policy, struct wc_config *cfg, wc_getenv_fn getenv_fn)
{
	char err[sizeof policy->error];
	struct wc_selection sel;

	snprintf(policy->file, sizeof policy->file, "%s", cfg->file);
	if (wc_config_apply_env(cfg, getenv_fn, err, sizeof err) != 0 ||
	    wc_config_check_hierarchy(cfg, err, sizeof err) != 0 ||
	    wc_config_select(cfg, getenv_fn, &sel, err, sizeof err) != 0) {
		fail(policy, err);
		return -1;
	}

	const struct wc_config_profile *prof = &cfg->profiles[sel.profile];
	snprintf(policy->profile, sizeof policy->profile, "%s", prof->name);
	policy->reason = sel.reason;
	snprintf(policy->reason_text, sizeof policy->reason_text, "%s", sel.reason_text);
	policy->legacy = sel.legacy;
	snprintf(policy->legacy_flag, sizeof policy->legacy_flag, "%s", sel.legacy_flag);
	memcpy(policy->caps.ms, prof->caps, sizeof policy->caps.ms);
	policy->rollback = prof->rollback;

	/* WAITCAP_MODE overrides the profile's "mode" either way. */
	const char *mode = getenv_fn ? getenv_fn("WAITCAP_MODE") : NULL;
	if (mode && *mode) {
		if (strcmp(mode, "observe") != 0 && strcmp(mode, "capping") != 0) {
			snprintf(err, sizeof err,
				 "WAITCAP_MODE=\"%.100s\": not a mode (expected observe or capping)", mode);
			fail(policy, err);
			return -1;
		}
		policy->observe = !strcmp(mode, "observe");
		snprintf(policy->observe_why, sizeof policy->observe_why, "WAITCAP_MODE=%s", mode);
	} else if (wc_config_profile_observes(cfg, sel.profile)) {
		policy->observe = true;
		snprintf(policy->observe_why, sizeof policy->observe_why, "profile %.40s", prof->name);
	}
	if (policy->legacy) /* no cap at all: nothing to observe either */
		policy->observe = false;

	const char *override = getenv_fn ? getenv_fn("WAITCAP_CAPS") : NULL;
	if (override && *override) {
		if (wc_parse_caps_override(override, &policy->caps, err, sizeof err) != 0) {
			fail(policy, err);
			return -1;
		}
		policy->caps_overridden = true;
	}

	policy->nrules = cfg->nrules;
	for (int r = 0; r < cfg->nrules; r++) {
		struct wc_rule *out = &policy->rules[r];
		snprintf(out->name, sizeof out->name, "%s", cfg->rules[r].name);
		out->match = cfg->rules[r].match;
		memcpy(out->caps.ms, cfg->rules[r].caps[sel.profile], sizeof out->caps.ms);
		out->rollback = cfg->rules[r].rollback;
	}
	if (policy->legacy) { /* the rollback switch: nothing is capped */
		no_caps(&policy->caps);
		for (int r = 0; r < policy->nrules; r++)
			no_caps(&policy->rules[r].caps);
	}
	return 0;
}

int wc_policy_load(struct wc_policy *policy, wc_getenv_fn getenv_fn, bool secure)
{
	char err[sizeof policy->error];
	const char *path = wc_config_pick_path(getenv_fn, secure);

	memset(policy, 0, sizeof *policy);
	no_caps(&policy->caps);
	snprintf(policy->file, sizeof policy->file, "%s", path ? path : WC_EMBEDDED_NAME);

	struct wc_config *cfg = path ? wc_config_load_file(path, err, sizeof err)
				     : wc_config_load_embedded(err, sizeof err);
	if (!cfg) {
		fail(policy, err);
		return -1;
	}
	int rc = wc_policy_from_config(policy, cfg, getenv_fn);
	wc_config_free(cfg);
	return rc;
}

void wc_policy_caps_for(const struct wc_policy *policy, const struct sockaddr *addr,
			socklen_t addrlen, struct wc_caps *out, int *rule)
{
	wc_policy_caps_for_dest(policy, addr, addrlen, NULL, out, rule);
}

void wc_policy_caps_for_dest(const struct wc_policy *policy, const struct sockaddr *addr,
			     socklen_t addrlen, const char *name, struct wc_caps *out, int *rule)
{
	*out = policy->caps;
	*rule = -1;
	for (int r = 0; r < policy->nrules && r < WC_MAX_RULES; r++) {
		const struct wc_rule *rl = &policy->rules[r];
		if (!wc_match_dest(&rl->match, addr, addrlen, name))
			continue;
		for (int op = 0; op < WC_SOCKET_OPS; op++)
			if (rl->caps.ms[op] != WC_NO_CAP)
				out->ms[op] = rl->caps.ms[op];
		*rule = r;
		break;
	}
	/* Legacy still names the rule (traces show it), but caps nothing. */
	if (policy->legacy || policy->error[0])
		no_caps(out);
}
