/* See timing.h. */
#include <time.h>

#include "timing.h"

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0)
		;
}

int64_t cap_lower_ms(int64_t cap_ms)
{
	return cap_ms - CAP_EARLY_SLACK_MS;
}

int64_t cap_upper_ms(int64_t cap_ms)
{
	int64_t margin = cap_ms / 2 > 200 ? cap_ms / 2 : 200;
	return cap_ms + margin;
}

bool cap_held(int64_t elapsed_ms, int64_t cap_ms)
{
	return elapsed_ms >= cap_lower_ms(cap_ms) && elapsed_ms <= cap_upper_ms(cap_ms);
}
