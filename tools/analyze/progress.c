#include "progress.h"

#include <stdio.h>
#include <unistd.h>

int wc_progress_fd = STDERR_FILENO;

void wc_progress_start(struct wc_progress *p, bool on, int64_t begin_ns, int64_t end_ns)
{
	p->on = on && end_ns > begin_ns;
	p->begin_ns = begin_ns;
	p->end_ns = end_ns;
	p->last_permille = -1;
}

void wc_progress_update(struct wc_progress *p, int64_t now_ns, uint64_t events)
{
	if (!p->on || now_ns < p->begin_ns)
		return;
	int permille = (int)((double)(now_ns - p->begin_ns) * 1000.0 / (double)(p->end_ns - p->begin_ns));
	if (permille > 1000)
		permille = 1000;
	if (permille / 5 == p->last_permille / 5)
		return;
	p->last_permille = permille;
	char bar[41];
	int filled = permille * 40 / 1000;
	for (int i = 0; i < 40; i++)
		bar[i] = i < filled ? '#' : '.';
	bar[40] = 0;
	dprintf(wc_progress_fd, "\rreading [%s] %3d%%  %llu events", bar, permille / 10,
		(unsigned long long)events);
}

void wc_progress_end(struct wc_progress *p)
{
	if (p->on && p->last_permille >= 0)
		dprintf(wc_progress_fd, "\r\033[K");
}
