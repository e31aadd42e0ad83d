/* Profile file → struct wc_config: cJSON parses, this walk validates.
 *
 * The walk keeps the index of every member and element it is in (p->at),
 * so that any complaint becomes FILE:LINE:COL through locate.c.  This file
 * holds the top level, profiles (with inheritance), environments and legacy
 * flags; config_rules.c the rules and hierarchy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "locate.h"
#include "parse.h"

/* ---- profiles ---------------------------------------------------------- */

static int parse_profile_caps(struct parser *p, const cJSON *caps, int32_t *own)
{
	const cJSON *found[WC_CAP_OPS];
	int index[WC_CAP_OPS];
	if (wcp_members(p, caps, "a caps object", wc_op_names, WC_CAP_OPS, found, index) != 0)
		return -1;
	for (int op = 0; op < WC_CAP_OPS; op++) {
		if (!found[op])
			continue;
		wcp_enter(p, index[op], false);
		if (wcp_want_cap(p, found[op], &own[op]) != 0)
			return -1;
		wcp_leave(p);
	}
	return 0;
}

static const char *const profile_keys[] = {"caps", "inherits", "description", "rollback",
						   "mode"};

/* First pass: names and caps; "inherits" is resolved once all names exist. */
static int parse_profiles(struct parser *p, const cJSON *profiles)
{
	struct wc_config *cfg = p->cfg;
	if (wcp_want(p, profiles, cJSON_IsObject(profiles), "an object of profiles") != 0)
		return -1;
	if (!profiles->child)
		return fail(p, "no profiles: at least one is needed");
	int i = 0;
	for (const cJSON *m = profiles->child; m; m = m->next, i++) {
		wcp_enter(p, i, true);
		if (wcp_duplicate_key(p, profiles, m) != 0 || wcp_want_name(p, m->string, true, "profile name") != 0)
			return -1;
		if (cfg->nprofiles == WC_MAX_PROFILES)
			return fail_key(p, "too many profiles (at most %d)", WC_MAX_PROFILES);
		p->at.key = false;

		struct wc_config_profile *prof = &cfg->profiles[cfg->nprofiles++];
		snprintf(prof->name, sizeof prof->name, "%s", m->string);
		prof->parent = -1;
		for (int op = 0; op < WC_CAP_OPS; op++)
			prof->own[op] = WC_NO_CAP;

		const cJSON *found[5];
		int index[5];
		if (wcp_members(p, m, "a profile object", profile_keys, 5, found, index) != 0)
			return -1;
		if (found[3]) {
			wcp_enter(p, index[3], false);
			if (wcp_parse_rollback(p, found[3], &prof->own_rollback) != 0)
				return -1;
			wcp_leave(p);
		}
		if (found[4]) {
			wcp_enter(p, index[4], false);
			const char *v = cJSON_GetStringValue(found[4]);
			bool known = v && (!strcmp(v, "capping") || !strcmp(v, "observe"));
			if (wcp_want(p, found[4], known, "\"capping\" or \"observe\"") != 0)
				return -1;
			prof->mode = !strcmp(v, "observe") ? WC_PMODE_OBSERVE : WC_PMODE_CAPPING;
			wcp_leave(p);
		}
		if (found[0]) {
			wcp_enter(p, index[0], false);
			if (parse_profile_caps(p, found[0], prof->own) != 0)
				return -1;
			wcp_leave(p);
		}
		if (found[2]) {
			wcp_enter(p, index[2], false);
			if (wcp_want(p, found[2], cJSON_IsString(found[2]), "a string") != 0)
				return -1;
			wcp_leave(p);
		}
		wcp_leave(p);
	}
	return 0;
}

static int resolve_inherits(struct parser *p, const cJSON *profiles)
{
	struct wc_config *cfg = p->cfg;
	int i = 0;
	for (const cJSON *m = profiles->child; m; m = m->next, i++) {
		const cJSON *inh = cJSON_GetObjectItemCaseSensitive(m, "inherits");
		if (!inh)
			continue;
		int k = 0;
		for (const cJSON *c = m->child; c != inh; c = c->next)
			k++;
		wcp_enter(p, i, false);
		wcp_enter(p, k, false);
		if (wcp_want_profile(p, inh, "inherits", &cfg->profiles[i].parent) != 0)
			return -1;
		wcp_leave(p);
		wcp_leave(p);
	}

	/* A cycle: following parents from i comes back to i. */
	i = 0;
	for (const cJSON *m = profiles->child; m; m = m->next, i++) {
		int at = cfg->profiles[i].parent;
		for (int steps = 0; at >= 0 && steps < cfg->nprofiles; steps++) {
			if (at != i) {
				at = cfg->profiles[at].parent;
				continue;
			}
			char chain[400];
			int n = snprintf(chain, sizeof chain, "%s", cfg->profiles[i].name);
			int c = cfg->profiles[i].parent;
			for (int s = 0; s <= steps && n < (int)sizeof chain; s++) {
				n += snprintf(chain + n, sizeof chain - (size_t)n, " -> %s",
					      cfg->profiles[c].name);
				c = cfg->profiles[c].parent;
			}
			const cJSON *inh = cJSON_GetObjectItemCaseSensitive(m, "inherits");
			int k = 0;
			for (const cJSON *x = m->child; x != inh; x = x->next)
				k++;
			wcp_enter(p, i, false);
			wcp_enter(p, k, false);
			return fail(p, "inheritance cycle: %s", chain);
		}
	}

	/* Acyclic now: every chain ends within nprofiles steps. */
	for (i = 0; i < cfg->nprofiles; i++)
		for (int op = 0; op < WC_CAP_OPS; op++) {
			int at = i;
			while (at >= 0 && cfg->profiles[at].own[op] == WC_NO_CAP)
				at = cfg->profiles[at].parent;
			cfg->profiles[i].caps[op] = at >= 0 ? cfg->profiles[at].own[op] : WC_NO_CAP;
		}
	return 0;
}

/* After the top level is read: a profile's rollback is its own, else its
 * nearest ancestor's, else the file's. */
static void resolve_rollback(struct wc_config *cfg)
{
	for (int i = 0; i < cfg->nprofiles; i++) {
		int at = i;
		while (at >= 0 && !cfg->profiles[at].own_rollback.on)
			at = cfg->profiles[at].parent;
		cfg->profiles[i].rollback = at >= 0 ? cfg->profiles[at].own_rollback : cfg->rollback;
	}
}

bool wc_config_profile_observes(const struct wc_config *cfg, int profile)
{
	for (int at = profile, steps = 0; at >= 0 && steps <= cfg->nprofiles; steps++) {
		if (cfg->profiles[at].mode != WC_PMODE_UNSET)
			return cfg->profiles[at].mode == WC_PMODE_OBSERVE;
		at = cfg->profiles[at].parent;
	}
	return false;
}

/* ---- environments, legacy flags --------------------------------------- */

static int parse_environments(struct parser *p, const cJSON *envs)
{
	struct wc_config *cfg = p->cfg;
	if (wcp_want(p, envs, cJSON_IsObject(envs), "an object mapping ENVIRONMENT values to profiles") != 0)
		return -1;
	int i = 0;
	for (const cJSON *m = envs->child; m; m = m->next, i++) {
		wcp_enter(p, i, true);
		if (wcp_duplicate_key(p, envs, m) != 0 ||
		    wcp_want_name(p, m->string, true, "environment name") != 0)
			return -1;
		if (cfg->nenvironments == WC_MAX_ENVIRONMENTS)
			return fail_key(p, "too many environments (at most %d)", WC_MAX_ENVIRONMENTS);
		p->at.key = false;
		int n = cfg->nenvironments;
		if (wcp_want_profile(p, m, "environments", &cfg->environments[n].profile) != 0)
			return -1;
		snprintf(cfg->environments[n].name, WC_NAME_MAX, "%s", m->string);
		cfg->nenvironments++;
		wcp_leave(p);
	}
	return 0;
}

static int parse_legacy_flags(struct parser *p, const cJSON *flags)
{
	struct wc_config *cfg = p->cfg;
	if (wcp_want(p, flags, cJSON_IsArray(flags), "an array of variable names") != 0)
		return -1;
	int i = 0;
	for (const cJSON *e = flags->child; e; e = e->next, i++) {
		wcp_enter(p, i, false);
		if (wcp_want(p, e, cJSON_IsString(e), "a variable name") != 0 ||
		    wcp_want_name(p, e->valuestring, false, "variable name") != 0)
			return -1;
		if (cfg->nlegacy == WC_MAX_LEGACY_FLAGS)
			return fail(p, "too many legacy flags (at most %d)", WC_MAX_LEGACY_FLAGS);
		snprintf(cfg->legacy_flags[cfg->nlegacy++], WC_NAME_MAX, "%s", e->valuestring);
		wcp_leave(p);
	}
	return 0;
}

/* ---- the top level --------------------------------------------------------- */

enum { K_VERSION, K_DEFAULT, K_ENVIRONMENTS, K_LEGACY, K_PROFILES, K_RULES, K_HIERARCHY,
       K_DESCRIPTION, K_ROLLBACK, K_COUNT };
static const char *const top_keys[K_COUNT] = {"version", "default", "environments",
	"legacy_flags", "profiles", "rules", "hierarchy", "description", "rollback"};

static int parse_top(struct parser *p, const cJSON *root)
{
	const cJSON *f[K_COUNT];
	int idx[K_COUNT];
	if (wcp_members(p, root, "a top-level object", top_keys, K_COUNT, f, idx) != 0)
		return -1;
	if (!f[K_VERSION])
		return fail(p, "missing \"version\": 1");
	if (!f[K_PROFILES])
		return fail(p, "missing \"profiles\"");
	if (!f[K_DEFAULT])
		return fail(p, "missing \"default\" (the profile used when nothing selects one)");

	wcp_enter(p, idx[K_VERSION], false);
	if (!cJSON_IsNumber(f[K_VERSION]) || f[K_VERSION]->valuedouble != 1)
		return fail(p, "unsupported version (expected 1)");
	wcp_leave(p);

	wcp_enter(p, idx[K_PROFILES], false);
	if (parse_profiles(p, f[K_PROFILES]) != 0 || resolve_inherits(p, f[K_PROFILES]) != 0)
		return -1;
	wcp_leave(p);

	wcp_enter(p, idx[K_DEFAULT], false);
	if (wcp_want_profile(p, f[K_DEFAULT], "default", &p->cfg->default_profile) != 0)
		return -1;
	wcp_leave(p);

	static int (*const sections[])(struct parser *, const cJSON *) = {
		[K_ENVIRONMENTS] = parse_environments, [K_LEGACY] = parse_legacy_flags,
		[K_RULES] = wcp_parse_rules, [K_HIERARCHY] = wcp_parse_hierarchy};
	for (int k = K_ENVIRONMENTS; k <= K_HIERARCHY; k++) {
		if (!sections[k] || !f[k])
			continue;
		wcp_enter(p, idx[k], false);
		if (sections[k](p, f[k]) != 0)
			return -1;
		wcp_leave(p);
	}
	if (f[K_ROLLBACK]) {
		wcp_enter(p, idx[K_ROLLBACK], false);
		if (wcp_parse_rollback(p, f[K_ROLLBACK], &p->cfg->rollback) != 0)
			return -1;
		wcp_leave(p);
	}
	resolve_rollback(p->cfg);
	if (f[K_DESCRIPTION]) {
		wcp_enter(p, idx[K_DESCRIPTION], false);
		if (wcp_want(p, f[K_DESCRIPTION], cJSON_IsString(f[K_DESCRIPTION]), "a string") != 0)
			return -1;
		wcp_leave(p);
	}
	return 0;
}

static int parse_error(struct parser *p, const char *text, size_t len, const char *end)
{
	size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
	int line, col;
	wc_offset_line_col(text, len, off, &line, &col);
	snprintf(p->err, p->errsz, "%s:%d:%d: JSON syntax error%s", p->cfg->file, line, col,
		 off >= len ? " (unexpected end of file)" : "");
	return -1;
}

struct wc_config *wc_config_parse(const char *name, const char *text, size_t len, char *err,
				  size_t errsz)
{
	struct wc_config *cfg = calloc(1, sizeof *cfg);
	char *copy = malloc(len + 1);
	if (!cfg || !copy) {
		snprintf(err, errsz, "%s:1:1: out of memory", name);
		free(cfg);
		free(copy);
		return NULL;
	}
	memcpy(copy, text, len);
	copy[len] = 0;
	snprintf(cfg->file, sizeof cfg->file, "%s", name);
	cfg->text = copy;
	cfg->len = len;

	struct parser p = {.cfg = cfg, .err = err, .errsz = errsz};
	const char *nul = memchr(copy, 0, len);
	if (nul) {
		int line, col;
		wc_offset_line_col(copy, len, (size_t)(nul - copy), &line, &col);
		snprintf(err, errsz, "%s:%d:%d: NUL byte in the file", name, line, col);
		wc_one_line(err);
		wc_config_free(cfg);
		return NULL;
	}

	const char *end = NULL;
	/* len + 1: cJSON checks the terminating NUL to refuse trailing junk. */
	cJSON *root = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 1);
	int rc = root ? parse_top(&p, root) : parse_error(&p, copy, len, end);
	cJSON_Delete(root);
	if (rc != 0) {
		wc_one_line(err);
		wc_config_free(cfg);
		return NULL;
	}
	return cfg;
}

int wc_config_find_profile(const struct wc_config *cfg, const char *name)
{
	for (int i = 0; i < cfg->nprofiles; i++)
		if (strcmp(cfg->profiles[i].name, name) == 0)
			return i;
	return -1;
}

void wc_config_free(struct wc_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->text);
	free(cfg);
}

void wc_config_where(const struct wc_config *cfg, const struct wc_jloc *loc, char *buf,
		     size_t size)
{
	wc_locate(cfg->file, cfg->text, cfg->len, loc, buf, size);
}
