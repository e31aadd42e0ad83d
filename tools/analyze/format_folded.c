/* Folded stacks, the input of flamegraph.pl, inferno and speedscope:
 * "proc;outermost;...;call site MICROSECONDS" per line, blocked time only. */
#include "report.h"

int wc_format_folded(const struct wc_report *r, FILE *out)
{
	for (size_t i = 0; i < r->nfolded; i++)
		if (r->folded[i].us)
			fprintf(out, "%s %llu\n", r->folded[i].stack, (unsigned long long)r->folded[i].us);
	return ferror(out) ? -1 : 0;
}
