/* Durations as written in profile files, environment variables and on
 * every command line option that takes one (one grammar: WC_DURATION_UNITS).
 *
 * Parsed by hand rather than with strtod: strtod follows LC_NUMERIC (a host
 * program may have switched to a decimal comma before we run) and rounds in
 * binary, while "1.5s" must mean exactly 1500000000 ns everywhere. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"
#include "policy.h"

struct unit {
	const char *suffix;
	int64_t ns;
};

/* Longest suffix first so "ms" is not read as "m" + junk. */
static const struct unit units[] = {
	{"ns", 1},
	{"us", 1000},
	{"\xc2\xb5s", 1000}, /* µs */
	{"ms", 1000000},
	{"s", 1000000000},
	{"m", 60LL * 1000000000},
	{"min", 60LL * 1000000000},
	{"h", 3600LL * 1000000000},
};

/* Split "1.5ms" into its digits and its unit.  Returns the unit's length in
 * nanoseconds, 0 when there is no suffix, -1 for an unknown suffix. */
static int64_t unit_of(const char *text, size_t *number_len)
{
	size_t len = strlen(text);
	size_t n = 0;
	while (n < len && ((text[n] >= '0' && text[n] <= '9') || text[n] == '.'))
		n++;
	*number_len = n;
	if (n == len)
		return 0;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(text + n, units[i].suffix) == 0)
			return units[i].ns;
	return -1;
}

/* "DIGITS[.DIGITS]" times unit_ns, rounded up to a whole nanosecond. */
static int scale_decimal(const char *text, size_t len, int64_t unit_ns, int64_t *out_ns)
{
	unsigned __int128 whole = 0, frac = 0, frac_scale = 1;
	size_t i = 0, int_digits = 0, frac_digits = 0;

	for (; i < len && text[i] != '.'; i++, int_digits++) {
		whole = whole * 10 + (unsigned)(text[i] - '0');
		if (whole > INT64_MAX)
			return -1;
	}
	if (i < len) { /* the '.' */
		for (i++; i < len; i++, frac_digits++) {
			if (text[i] == '.')
				return -1;
			if (frac_digits < 18) { /* beyond 1e-18 of a unit nothing counts */
				frac = frac * 10 + (unsigned)(text[i] - '0');
				frac_scale *= 10;
			}
		}
		if (frac_digits == 0)
			return -1; /* "5." */
	}
	if (int_digits == 0)
		return -1; /* ".5s" and "" */

	unsigned __int128 ns = whole * (unsigned __int128)unit_ns;
	ns += (frac * (unsigned __int128)unit_ns + frac_scale - 1) / frac_scale;
	if (ns > INT64_MAX)
		return -1;
	*out_ns = (int64_t)ns;
	return 0;
}

int wc_parse_duration_ns(const char *text, int64_t *out_ns)
{
	return wc_parse_number_ns(text, 0, out_ns);
}

int wc_parse_number_ns(const char *text, int64_t default_unit_ns, int64_t *out_ns)
{
	size_t number_len;
	if (text == NULL)
		return -1;
	int64_t unit_ns = unit_of(text, &number_len);
	if (unit_ns < 0)
		return -1;
	if (unit_ns == 0)
		unit_ns = default_unit_ns;
	if (unit_ns == 0)
		return -1; /* a bare number where a unit is required */
	return scale_decimal(text, number_len, unit_ns, out_ns);
}

int wc_ns_to_cap_ms(int64_t ns, int32_t *out_ms)
{
	if (ns <= 0)
		return -1;
	int64_t ms = ns / 1000000 + (ns % 1000000 != 0);
	if (ms > INT32_MAX)
		return -1;
	*out_ms = (int32_t)ms;
	return 0;
}

int wc_parse_cap_ms(const char *text, int64_t default_unit_ns, int32_t *out_ms)
{
	int64_t ns;
	if (wc_parse_number_ns(text, default_unit_ns, &ns) != 0)
		return -1;
	return wc_ns_to_cap_ms(ns, out_ms);
}

int wc_unit_ns(const char *suffix, int64_t *out_ns)
{
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(suffix, units[i].suffix) == 0) {
			*out_ns = units[i].ns;
			return 0;
		}
	return -1;
}

void wc_format_ms(int32_t ms, char *buf, size_t size)
{
	if (ms < 0)
		snprintf(buf, size, "none");
	else if (ms == 0 || ms % 1000 != 0)
		snprintf(buf, size, "%" PRId32 "ms", ms);
	else if (ms % 60000 == 0 && ms >= 120000)
		snprintf(buf, size, "%" PRId32 "m", ms / 60000);
	else
		snprintf(buf, size, "%" PRId32 "s", ms / 1000);
}
