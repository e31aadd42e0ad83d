/* Folded stacks, the input of flamegraph.pl, inferno and speedscope:
 * "proc;outermost;...;call site MICROSECONDS" per line, blocked time only. */
#include "report.h"

int wc_format_folded(const struct wc_report *r, FILE *out)
{
	/* Folded stacks have no place for a header: lost events go to stderr,
	 * before anything else is written. */
	if (r->lost_events || r->lost_packets)
		fprintf(stderr, "waitcap analyze: LOST: %llu events%s discarded by LTTng; the "
			"stacks' times are lower bounds\n", (unsigned long long)r->lost_events,
			r->lost_packets ? " (and whole packets)" : "");
	for (size_t i = 0; i < r->nfolded; i++)
		if (r->folded[i].us)
			fprintf(out, "%s %llu\n", r->folded[i].stack, (unsigned long long)r->folded[i].us);
	return ferror(out) ? -1 : 0;
}
