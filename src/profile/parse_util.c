/* Positions, errors and small validators for the profile parser. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "duration.h"
#include "locate.h"
#include "parse.h"


/* ---- positions and errors ------------------------------------------- */

void wcp_enter(struct parser *p, int index, bool key)
{
	if (p->at.depth < WC_JLOC_DEPTH)
		p->at.idx[p->at.depth] = index;
	p->at.depth++;
	p->at.key = key;
}

void wcp_leave(struct parser *p)
{
	p->at.depth--;
	p->at.key = false;
}

/* Report at the current location; key=true points at the member's key. */
int wcp_fail_at(struct parser *p, bool key, const char *fmt, ...)
{
	char where[4200], what[400];
	struct wc_jloc loc = p->at;
	loc.key = key;
	if (loc.depth > WC_JLOC_DEPTH)
		loc.depth = WC_JLOC_DEPTH;
	wc_locate(p->cfg->file, p->cfg->text, p->cfg->len, &loc, where, sizeof where);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errsz, "%s: %s", where, what);
	return -1;
}


/* ---- small validators ------------------------------------------------- */

static const char *type_name(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsObject(v))
		return "an object";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsBool(v))
		return "a boolean";
	return "null";
}

int wcp_want(struct parser *p, const cJSON *v, cJSON_bool ok, const char *what)
{
	if (!ok)
		return fail(p, "expected %s, found %s", what, type_name(v));
	return 0;
}

/* A name: non-empty, printable, shorter than WC_NAME_MAX. */
int wcp_want_name(struct parser *p, const char *s, bool key, const char *what)
{
	size_t n = strlen(s);
	if (n == 0)
		return wcp_fail_at(p, key, "empty %s", what);
	if (n >= WC_NAME_MAX)
		return wcp_fail_at(p, key, "%s longer than %d characters", what, WC_NAME_MAX - 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '"' || s[i] == 0x7f)
			return wcp_fail_at(p, key, "%s \"%s\" contains a space or control character",
				       what, s);
	return 0;
}

int wcp_op_of(const char *name)
{
	int op = wc_op_parse(name);
	return op < WC_CAP_OPS ? op : -1;
}

/* A cap: a string with a unit, positive, at most INT32_MAX ms. */
int wcp_want_cap(struct parser *p, const cJSON *v, int32_t *out_ms)
{
	int64_t ns;
	if (cJSON_IsNumber(v))
		return fail(p, "bad duration %g: a bare number needs a unit, e.g. \"%gs\"",
			    v->valuedouble, v->valuedouble);
	if (wcp_want(p, v, cJSON_IsString(v), "a duration such as \"5s\"") != 0)
		return -1;
	if (wc_parse_duration_ns(v->valuestring, &ns) != 0) {
		size_t digits = strspn(v->valuestring, "0123456789.");
		if (digits > 0 && v->valuestring[digits] == 0)
			return fail(p, "bad duration \"%s\": a bare number needs a unit, e.g. \"%ss\"",
				    v->valuestring, v->valuestring);
		return fail(p, "bad duration \"%s\" (expected a number with a unit: "
			    "ns, us, ms, s, m, h)", v->valuestring);
	}
	if (wc_ns_to_cap_ms(ns, out_ms) != 0)
		return fail(p, "bad duration \"%s\": a cap must be more than 0 and at most %dms",
			    v->valuestring, INT32_MAX);
	return 0;
}

/* Members of an object: every key known, none twice.  found[i] gets the
 * member named keys[i] (or NULL) and index[i] its position. */
int wcp_members(struct parser *p, const cJSON *obj, const char *what,
		   const char *const *keys, int nkeys, const cJSON **found, int *index)
{
	if (wcp_want(p, obj, cJSON_IsObject(obj), what) != 0)
		return -1;
	for (int k = 0; k < nkeys; k++)
		found[k] = NULL;
	int i = 0;
	for (const cJSON *m = obj->child; m; m = m->next, i++) {
		int k = 0;
		while (k < nkeys && strcmp(m->string, keys[k]) != 0)
			k++;
		wcp_enter(p, i, true);
		if (k == nkeys) {
			char known[200] = "";
			for (int j = 0; j < nkeys; j++)
				snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
					 j ? ", " : "", keys[j]);
			return fail_key(p, "unknown key \"%s\" in %s (known: %s)", m->string,
					what + (strncmp(what, "an ", 3) == 0 ? 3 : 2), known);
		}
		if (found[k])
			return fail_key(p, "duplicate key \"%s\"", m->string);
		wcp_leave(p);
		found[k] = m;
		index[k] = i;
	}
	return 0;
}

/* Free-form keys (profile names, environment names): none twice. */
int wcp_duplicate_key(struct parser *p, const cJSON *obj, const cJSON *m)
{
	for (const cJSON *o = obj->child; o != m; o = o->next)
		if (strcmp(o->string, m->string) == 0)
			return fail_key(p, "duplicate key \"%s\"", m->string);
	return 0;
}

int wcp_want_profile(struct parser *p, const cJSON *v, const char *what, int *out)
{
	if (wcp_want(p, v, cJSON_IsString(v), "a profile name") != 0)
		return -1;
	int idx = wc_config_find_profile(p->cfg, v->valuestring);
	if (idx < 0)
		return fail(p, "unknown profile \"%s\" in %s", v->valuestring, what);
	*out = idx;
	return 0;
}
