#include "strace_total.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

long strace_total_calls(const char *summary_path)
{
	FILE *f = fopen(summary_path, "r");
	cr_assert(f, "strace wrote no summary");
	char line[256];
	long calls = -1;
	while (fgets(line, sizeof line, f)) {
		double pct, secs;
		long usecs, c;
		if (strstr(line, " total") &&
		    sscanf(line, "%lf %lf %ld %ld", &pct, &secs, &usecs, &c) == 4)
			calls = c;
	}
	fclose(f);
	cr_assert_gt(calls, 0, "no total line in strace's summary");
	return calls;
}
