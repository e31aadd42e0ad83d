/* Timing a cap in a test.
 *
 * A cap is armed by a call (the connect, the send, the recv that starts
 * waiting); the clock starts right before that call, never after it, so
 * whatever the machine does between arming and measuring counts toward
 * the measured time and cannot make a capped wait look short.  The
 * kernel never wakes a waiter early, so the lower bound needs only a
 * little slack for clock rounding; the machine is busy (2 cores shared
 * with other work), so the upper bound is generous:
 *
 *     cap - CAP_EARLY_SLACK_MS  <=  t  <=  cap + max(200 ms, cap / 2)
 *
 * Never assert a speed: that is what bench/ is for. */
#ifndef WAITCAP_TEST_TIMING_H
#define WAITCAP_TEST_TIMING_H

#include <stdbool.h>
#include <stdint.h>

#define CAP_EARLY_SLACK_MS 5

/* CLOCK_MONOTONIC in milliseconds, in microseconds. */
int64_t now_ms(void);
int64_t now_us(void);
void sleep_ms(int ms);

int64_t cap_lower_ms(int64_t cap_ms);
int64_t cap_upper_ms(int64_t cap_ms);
bool cap_held(int64_t elapsed_ms, int64_t cap_ms);

/* Asserts (criterion) that elapsed_ms, measured from the arming call,
 * is within the bounds of cap_ms; what names the wait in the message. */
#define cr_assert_capped(elapsed_ms, cap_ms, what)                                          \
	cr_assert(cap_held((elapsed_ms), (cap_ms)),                                         \
		  "%s took %lld ms from the arming call; a cap of %lld ms allows %lld..%lld", \
		  (what), (long long)(elapsed_ms), (long long)(cap_ms),                     \
		  (long long)cap_lower_ms(cap_ms), (long long)cap_upper_ms(cap_ms))

#endif
