/* The "rollback" object: automatic rollback's trigger, at the top level or
 * per profile (a profile's replaces the top level's, and is inherited
 * along "inherits").
 *
 *   "rollback": {"timeout_rate": "5%", "window": "60s", "min_waits": 20,
 *                "cooldown": "10m"}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "parse.h"

enum { R_RATE, R_WINDOW, R_MIN_WAITS, R_COOLDOWN, R_DESCRIPTION, R_COUNT };
static const char *const rollback_keys[R_COUNT] = {"timeout_rate", "window", "min_waits",
						   "cooldown", "description"};

/* "5%", "2.5%", "50%": more than 0, at most 100, in parts per million. */
static int want_rate(struct parser *p, const cJSON *v, uint32_t *ppm)
{
	if (wcp_want(p, v, cJSON_IsString(v), "a percentage such as \"5%\"") != 0)
		return -1;
	char *end;
	double pct = strtod(v->valuestring, &end);
	if (end == v->valuestring || strcmp(end, "%") != 0 || !(pct > 0) || pct > 100)
		return fail(p, "bad timeout_rate \"%s\" (expected a percentage more than 0%% and "
			       "at most 100%%, e.g. \"5%%\")", v->valuestring);
	*ppm = (uint32_t)(pct * 10000 + 0.5);
	return 0;
}

static int want_duration(struct parser *p, const cJSON *v, int64_t *ns)
{
	int32_t ms;
	if (wcp_want_cap(p, v, &ms) != 0) /* same grammar and bounds as a cap */
		return -1;
	*ns = (int64_t)ms * 1000000;
	return 0;
}

int wcp_parse_rollback(struct parser *p, const cJSON *obj, struct wc_rollback *out)
{
	const cJSON *f[R_COUNT];
	int idx[R_COUNT];
	if (wcp_members(p, obj, "a rollback object", rollback_keys, R_COUNT, f, idx) != 0)
		return -1;
	if (f[R_DESCRIPTION]) {
		wcp_enter(p, idx[R_DESCRIPTION], false);
		if (wcp_want(p, f[R_DESCRIPTION], cJSON_IsString(f[R_DESCRIPTION]), "a string") != 0)
			return -1;
		wcp_leave(p);
	}
	for (int k = 0; k < R_DESCRIPTION; k++)
		if (!f[k])
			return fail(p, "rollback: missing \"%s\" (timeout_rate, window, min_waits and "
				       "cooldown are all needed)", rollback_keys[k]);
	struct wc_rollback rb = {.on = true};
	wcp_enter(p, idx[R_RATE], false);
	if (want_rate(p, f[R_RATE], &rb.rate_ppm) != 0)
		return -1;
	wcp_leave(p);
	wcp_enter(p, idx[R_WINDOW], false);
	if (want_duration(p, f[R_WINDOW], &rb.window_ns) != 0)
		return -1;
	wcp_leave(p);
	wcp_enter(p, idx[R_MIN_WAITS], false);
	const cJSON *m = f[R_MIN_WAITS];
	if (wcp_want(p, m, cJSON_IsNumber(m), "a whole number of waits") != 0)
		return -1;
	if (m->valuedouble < 1 || m->valuedouble > 1000000 || m->valuedouble != (double)(long)m->valuedouble)
		return fail(p, "bad min_waits %g (expected a whole number from 1 to 1000000)",
			    m->valuedouble);
	rb.min_waits = (uint32_t)m->valuedouble;
	wcp_leave(p);
	wcp_enter(p, idx[R_COOLDOWN], false);
	if (want_duration(p, f[R_COOLDOWN], &rb.cooldown_ns) != 0)
		return -1;
	wcp_leave(p);
	*out = rb;
	return 0;
}

void wc_rollback_text(const struct wc_rollback *rb, char *buf, size_t size)
{
	if (!rb->on) {
		snprintf(buf, size, "none");
		return;
	}
	char window[32], cooldown[32];
	wc_format_ms((int32_t)(rb->window_ns / 1000000), window, sizeof window);
	wc_format_ms((int32_t)(rb->cooldown_ns / 1000000), cooldown, sizeof cooldown);
	snprintf(buf, size, "timeout rate > %u.%02u%% over %s (at least %u waits): caps lifted "
		 "for %s", rb->rate_ppm / 10000, rb->rate_ppm / 100 % 100, window, rb->min_waits,
		 cooldown);
}
