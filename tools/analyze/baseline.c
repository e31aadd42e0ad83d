#include "baseline.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "groups.h"

static char *slurp(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "--baseline %s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		len += fread(buf + len, 1, cap - len - 1, f);
		if (len < cap - 1)
			break;
		char *bigger = realloc(buf, cap *= 2);
		if (!bigger)
			free(buf);
		buf = bigger;
	}
	if (buf)
		buf[len] = 0;
	else
		snprintf(err, errlen, "--baseline %s: out of memory", path);
	fclose(f);
	return buf;
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* The columns a baseline keeps, by their JSON keys.  null (nothing to
 * show then, e.g. max_asked_ms of a call site that never asked) and a key
 * an older report did not write stay unknown: NAN, shown "-", null in JSON. */
static void read_values(struct wc_before *b, const cJSON *o)
{
	for (size_t i = 0; i < wc_ncolumns; i++) {
		if (!wc_columns[i].baseline)
			continue;
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, wc_columns[i].key);
		b->value[i] = cJSON_IsNumber(v) ? v->valuedouble : NAN;
	}
}

static const char *base(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static struct wc_before *match(struct wc_report *r, const struct wc_row *row, bool with_file)
{
	for (size_t i = 0; i < r->nbaseline; i++) {
		struct wc_before *b = &r->baseline[i];
		if (b->matched || strcmp(b->op, wc_analyze_op_name(row->op)) ||
		    strcmp(b->function, row->where->function))
			continue;
		if (with_file && strcmp(base(b->file), base(row->where->file)))
			continue;
		return b;
	}
	return NULL;
}

static struct wc_before *add_group(struct wc_report *r, const cJSON *g, const char *outer)
{
	struct wc_before *b = &r->baseline[r->nbaseline++];
	const char *key = str(g, "key");
	size_t len = strlen(key) + (outer ? strlen(outer) + 1 : 0) + 1;
	b->group = malloc(len);
	if (!b->group)
		return NULL;
	snprintf(b->group, len, "%s%s%s", outer ? outer : "", outer ? "/" : "", key);
	read_values(b, g);
	return b;
}

/* A view's baseline: a report with the same --by, its groups matched by
 * their keys ("outer/inner" with two levels). */
static int load_groups(struct wc_report *r, const cJSON *root, const char *path, char *err,
		       size_t errlen)
{
	const cJSON *by = cJSON_GetObjectItemCaseSensitive(root, "by");
	const cJSON *groups = cJSON_GetObjectItemCaseSensitive(root, "groups");
	bool same = cJSON_IsArray(by) && cJSON_IsArray(groups) && cJSON_GetArraySize(by) == r->nby;
	for (int i = 0; same && i < r->nby; i++) {
		const cJSON *d = cJSON_GetArrayItem(by, i);
		same = cJSON_IsString(d) && strcmp(d->valuestring, wc_by_name(r->by[i])) == 0;
	}
	if (!same) {
		snprintf(err, errlen, "--baseline %s: not a report by %s%s%s; give one written by "
			 "'waitcap analyze --by ... --format json' with the same --by", path,
			 wc_by_name(r->by[0]), r->nby > 1 ? "," : "", r->nby > 1 ? wc_by_name(r->by[1]) : "");
		return -1;
	}
	size_t n = 0;
	const cJSON *g, *sub;
	cJSON_ArrayForEach(g, groups)
		n += 1 + (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(g, "groups"));
	r->baseline = calloc(n + 1, sizeof(*r->baseline));
	r->baseline_path = path;
	if (!r->baseline) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	cJSON_ArrayForEach(g, groups) {
		if (!add_group(r, g, NULL)) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		cJSON_ArrayForEach(sub, cJSON_GetObjectItemCaseSensitive(g, "groups"))
			if (!add_group(r, sub, str(g, "key"))) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
	}
	return 0;
}

static const struct wc_before *find_group(struct wc_report *r, const char *outer, const char *key)
{
	char full[2048];
	snprintf(full, sizeof(full), "%s%s%s", outer ? outer : "", outer ? "/" : "", key);
	for (size_t i = 0; i < r->nbaseline; i++)
		if (r->baseline[i].group && strcmp(r->baseline[i].group, full) == 0) {
			r->baseline[i].matched = true;
			return &r->baseline[i];
		}
	return NULL;
}

static void match_groups(struct wc_report *r)
{
	for (size_t i = 0; i < r->ngroups; i++) {
		struct wc_group_row *g = &r->groups[i];
		g->before = find_group(r, NULL, g->key);
		for (size_t k = 0; k < g->nsub; k++)
			g->sub[k].before = find_group(r, g->key, g->sub[k].key);
	}
}

int wc_baseline_apply(struct wc_report *r, const char *path, char *err, size_t errlen)
{
	char *text = slurp(path, err, errlen);
	if (!text)
		return -1;
	const char *where = NULL;
	cJSON *root = cJSON_ParseWithOpts(text, &where, false);
	if (!root) {
		snprintf(err, errlen, "--baseline %s: not JSON (near byte %td); give a report "
			 "written by 'waitcap analyze --format json'", path, where ? where - text : 0);
		free(text);
		return -1;
	}
	free(text);
	if (r->nby && load_groups(r, root, path, err, errlen) < 0) {
		cJSON_Delete(root);
		return -1;
	}
	const cJSON *sites = cJSON_GetObjectItemCaseSensitive(root, "callsites");
	if (!cJSON_IsArray(sites)) {
		snprintf(err, errlen, "--baseline %s: no \"callsites\" array; give a report "
			 "written by 'waitcap analyze --format json'", path);
		cJSON_Delete(root);
		return -1;
	}
	if (r->nby) {
		cJSON_Delete(root);
		match_groups(r);
		return 0;
	}
	int n = cJSON_GetArraySize(sites);
	r->baseline = calloc((size_t)n + 1, sizeof(*r->baseline));
	r->baseline_path = path;
	const cJSON *s;
	cJSON_ArrayForEach(s, sites) {
		struct wc_before *b = &r->baseline[r->nbaseline++];
		b->op = strdup(str(s, "op"));
		b->function = strdup(str(s, "function"));
		b->file = strdup(str(s, "file"));
		b->binary = strdup(str(s, "binary"));
		b->line = (long)num(s, "line");
		read_values(b, s);
		if (!b->op || !b->function || !b->file || !b->binary) {
			snprintf(err, errlen, "out of memory");
			cJSON_Delete(root);
			return -1;
		}
	}
	cJSON_Delete(root);
	/* Exact matches first, so a fallback never steals another's match. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->nrows; i++) {
			struct wc_row *row = &r->rows[i];
			if (row->before)
				continue;
			struct wc_before *b = match(r, row, pass == 0);
			if (b) {
				b->matched = true;
				row->before = b;
			}
		}
	return 0;
}

void wc_baseline_free(struct wc_report *r)
{
	for (size_t i = 0; i < r->nbaseline; i++) {
		free(r->baseline[i].op);
		free(r->baseline[i].function);
		free(r->baseline[i].file);
		free(r->baseline[i].binary);
		free(r->baseline[i].group);
	}
	free(r->baseline);
	r->baseline = NULL;
	r->nbaseline = 0;
}
