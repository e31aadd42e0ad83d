/* What one clock read costs here: clock_gettime(CLOCK_MONOTONIC), the
 * library's clock, timed over ITERATIONS calls.  On a virtual machine
 * this is far from free, and the library reads it around capped waits.
 *
 *   clockread ITERATIONS */
#include <stdio.h>
#include <time.h>

#include "bench_util.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: clockread ITERATIONS\n");
		return 2;
	}
	long iters = bench_count_arg(argv[1], "ITERATIONS");
	struct timespec ts;
	struct bench_clock start = bench_start();
	for (long i = 0; i < iters; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	struct bench_clock took = bench_since(start);
	bench_report("clockread", iters, took);
	return 0;
}
