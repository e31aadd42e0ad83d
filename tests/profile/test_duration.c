/* Durations: units required, exact decimals, caps rounded up to ms. */
#include <criterion/criterion.h>

#include "duration.h"
#include "policy.h"

static int64_t ns_of(const char *text)
{
	int64_t ns = -7;
	cr_assert_eq(wc_parse_duration_ns(text, &ns), 0, "\"%s\" should parse", text);
	return ns;
}

static void rejected(const char *text)
{
	int64_t ns = -7;
	cr_assert_eq(wc_parse_duration_ns(text, &ns), -1, "\"%s\" should be rejected", text);
	cr_assert_eq(ns, -7, "a rejected duration leaves the output alone");
}

Test(duration, every_unit_scales_exactly)
{
	cr_assert_eq(ns_of("100ns"), 100);
	cr_assert_eq(ns_of("100us"), 100000);
	cr_assert_eq(ns_of("100\xc2\xb5s"), 100000);
	cr_assert_eq(ns_of("250ms"), 250000000);
	cr_assert_eq(ns_of("5s"), 5000000000LL);
	cr_assert_eq(ns_of("2m"), 120000000000LL);
	cr_assert_eq(ns_of("2min"), 120000000000LL);
	cr_assert_eq(ns_of("1h"), 3600000000000LL);
}

Test(duration, decimals_are_exact_not_binary_floats)
{
	cr_assert_eq(ns_of("1.5s"), 1500000000LL);
	cr_assert_eq(ns_of("0.1s"), 100000000LL);
	cr_assert_eq(ns_of("30.0s"), 30000000000LL);
	cr_assert_eq(ns_of("0.0000000001s"), 1, "a fraction of a ns rounds up");
}

Test(duration, bare_number_is_an_error)
{
	rejected("5");
	rejected("30.0");
}

Test(duration, negative_junk_overflow_and_empty_are_errors)
{
	rejected("-1s");
	rejected("+1s");
	rejected("");
	rejected("s");
	rejected(".5s");
	rejected("5.s");
	rejected("1.2.3s");
	rejected("5 s");
	rejected(" 5s");
	rejected("5sx");
	rejected("5d");
	rejected("99999999999999999999s");
	rejected("9223372036854775807s");
}

Test(duration, bare_number_takes_the_default_unit_when_given)
{
	int64_t ns;
	cr_assert_eq(wc_parse_number_ns("35", 1000000000, &ns), 0);
	cr_assert_eq(ns, 35000000000LL);
	cr_assert_eq(wc_parse_number_ns("30.0", 1000000000, &ns), 0);
	cr_assert_eq(ns, 30000000000LL);
	cr_assert_eq(wc_parse_number_ns("250ms", 1000000000, &ns), 0, "an explicit unit wins");
	cr_assert_eq(ns, 250000000);
}

Test(duration, caps_round_up_to_milliseconds_and_must_be_positive)
{
	int32_t ms;
	cr_assert_eq(wc_parse_cap_ms("1500us", 0, &ms), 0);
	cr_assert_eq(ms, 2);
	cr_assert_eq(wc_parse_cap_ms("1ns", 0, &ms), 0);
	cr_assert_eq(ms, 1);
	cr_assert_eq(wc_parse_cap_ms("0s", 0, &ms), -1);
	cr_assert_eq(wc_parse_cap_ms("1000h", 0, &ms), -1, "beyond INT32_MAX ms");
}

Test(duration, formatting_picks_the_natural_unit)
{
	char buf[32];
	wc_format_ms(5000, buf, sizeof buf);
	cr_assert_str_eq(buf, "5s");
	wc_format_ms(250, buf, sizeof buf);
	cr_assert_str_eq(buf, "250ms");
	wc_format_ms(1500, buf, sizeof buf);
	cr_assert_str_eq(buf, "1500ms");
	wc_format_ms(180000, buf, sizeof buf);
	cr_assert_str_eq(buf, "3m");
	wc_format_ms(WC_NO_CAP, buf, sizeof buf);
	cr_assert_str_eq(buf, "none");
}
