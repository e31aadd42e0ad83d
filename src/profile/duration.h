/* Durations and caps: one grammar for profiles, environment variables and
 * every command line option that takes a duration. */
#ifndef WAITCAP_DURATION_H
#define WAITCAP_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* The units every duration takes, for help texts and error messages; the
 * table is in duration.c. */
#define WC_DURATION_UNITS "ns, us, ms, s, m (or min), h"

/* Parse a duration with a unit ("250ms", "5s", "1.5s", "2m", "100us") into
 * nanoseconds.  A bare number, a negative value, overflow or trailing junk
 * is an error (-1).  Returns 0 on success.  Caps are kept in milliseconds,
 * rounded up. */
int wc_parse_duration_ns(const char *text, int64_t *out_ns);

/* Like wc_parse_duration_ns, but a bare number ("35", "30.0") is read in
 * default_unit_ns; with default_unit_ns == 0 a unit is required. */
int wc_parse_number_ns(const char *text, int64_t default_unit_ns, int64_t *out_ns);

/* A cap in milliseconds, rounded up; zero, negative and > INT32_MAX ms are
 * errors (-1). */
int wc_ns_to_cap_ms(int64_t ns, int32_t *out_ms);
int wc_parse_cap_ms(const char *text, int64_t default_unit_ns, int32_t *out_ms);

/* Nanoseconds in one "s", "ms", ...; -1 for an unknown unit. */
int wc_unit_ns(const char *suffix, int64_t *out_ns);

/* "5s", "250ms", "2m", or "none" for WC_NO_CAP. */
void wc_format_ms(int32_t ms, char *buf, size_t size);

#endif
