/* Durations and caps: the helpers behind wc_parse_duration_ns (policy.h). */
#ifndef WAITCAP_DURATION_H
#define WAITCAP_DURATION_H

#include <stddef.h>
#include <stdint.h>

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
