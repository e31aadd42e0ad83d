/* A progress bar on stderr for long reads, by trace time: the reader knows
 * the time span of the traces, and events arrive in time order. */
#ifndef WC_ANALYZE_PROGRESS_H
#define WC_ANALYZE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

/* Where the bar goes: stderr, or the real stderr when it is redirected
 * (supervise.h). */
extern int wc_progress_fd;

struct wc_progress {
	bool on;
	int64_t begin_ns, end_ns;
	int last_permille;
};

void wc_progress_start(struct wc_progress *p, bool on, int64_t begin_ns, int64_t end_ns);
void wc_progress_update(struct wc_progress *p, int64_t now_ns, uint64_t events);
void wc_progress_end(struct wc_progress *p);

#endif
