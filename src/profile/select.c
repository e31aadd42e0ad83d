/* Which profile applies, first match wins (docs/profiles.md, "Which profile"). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "locate.h"

static bool is_true(const char *v)
{
	return v && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

static const char *env(wc_getenv_fn getenv_fn, const char *name)
{
	const char *v = getenv_fn ? getenv_fn(name) : NULL;
	return v && *v ? v : NULL;
}

static int no_such_profile(const struct wc_config *cfg, const char *why, const char *name,
			   char *err, size_t errsz)
{
	char known[300] = "";
	for (int i = 0; i < cfg->nprofiles; i++)
		snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
			 i ? ", " : "", cfg->profiles[i].name);
	snprintf(err, errsz, "%s: profile \"%.64s\" is not in %s (profiles: %s)", why, name,
		 cfg->file, known);
	wc_one_line(err);
	return -1;
}

int wc_config_select(const struct wc_config *cfg, wc_getenv_fn getenv_fn,
		     struct wc_selection *sel, char *err, size_t errsz)
{
	const char *v;
	memset(sel, 0, sizeof *sel);

	for (int i = 0; i < cfg->nlegacy; i++)
		if (is_true(env(getenv_fn, cfg->legacy_flags[i]))) {
			sel->legacy = true;
			snprintf(sel->legacy_flag, sizeof sel->legacy_flag, "%s", cfg->legacy_flags[i]);
			break;
		}

	if ((v = env(getenv_fn, "WAITCAP_PROFILE"))) {
		char why[100];
		snprintf(why, sizeof why, "WAITCAP_PROFILE=%.64s", v);
		sel->profile = wc_config_find_profile(cfg, v);
		if (sel->profile < 0)
			return no_such_profile(cfg, why, v, err, errsz);
		sel->reason = WC_REASON_WAITCAP_PROFILE;
		snprintf(sel->reason_text, sizeof sel->reason_text, "%s", why);
		return 0;
	}
	if (is_true(env(getenv_fn, "LOCAL_DEVELOPMENT"))) {
		sel->profile = wc_config_find_profile(cfg, "local");
		if (sel->profile < 0)
			return no_such_profile(cfg, "LOCAL_DEVELOPMENT=true", "local", err, errsz);
		sel->reason = WC_REASON_LOCAL_DEVELOPMENT;
		snprintf(sel->reason_text, sizeof sel->reason_text, "LOCAL_DEVELOPMENT=true");
		return 0;
	}
	const char *unmapped = NULL;
	if ((v = env(getenv_fn, "ENVIRONMENT"))) {
		/* Case-insensitive, as the seed's lower() of ENVIRONMENT. */
		for (int i = 0; i < cfg->nenvironments; i++)
			if (strcasecmp(cfg->environments[i].name, v) == 0) {
				sel->profile = cfg->environments[i].profile;
				sel->reason = WC_REASON_ENVIRONMENT;
				snprintf(sel->reason_text, sizeof sel->reason_text, "ENVIRONMENT=%.64s", v);
				return 0;
			}
		unmapped = v;
	}
	sel->profile = cfg->default_profile;
	sel->reason = WC_REASON_DEFAULT;
	if (unmapped)
		snprintf(sel->reason_text, sizeof sel->reason_text,
			 "default (ENVIRONMENT=%.64s is not in \"environments\")", unmapped);
	else
		snprintf(sel->reason_text, sizeof sel->reason_text, "default");
	return 0;
}
