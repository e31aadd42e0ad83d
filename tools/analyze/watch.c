#include "watch.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct shared {
	uint64_t beats;      /* batches and reads begun, by every reader */
	int readers;         /* reads running now */
	char trace[PATH_MAX];
};

static struct shared *page;

/* The supervisor's view: the count it saw last, and since when. */
static uint64_t seen_beats;
static int64_t seen_since_ms = -1;

int wc_watch_init(void)
{
	void *p = mmap(NULL, sizeof(struct shared), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	page = p;
	return 0;
}

void wc_watch_begin(void)
{
	if (!page)
		return;
	__atomic_add_fetch(&page->readers, 1, __ATOMIC_RELAXED);
	wc_watch_beat();
}

void wc_watch_at(const char *trace)
{
	if (!page)
		return;
	/* A parallel reader's directory is a temporary one of symlinks
	 * (read_parallel.c): the metadata link leads to the real trace. */
	char link[PATH_MAX + 16], *real;
	snprintf(link, sizeof link, "%s/metadata", trace);
	if ((real = realpath(link, NULL))) {
		snprintf(page->trace, sizeof page->trace, "%s", dirname(real));
		free(real);
	} else {
		snprintf(page->trace, sizeof page->trace, "%s", trace);
	}
	wc_watch_beat();
}

void wc_watch_beat(void)
{
	if (page)
		__atomic_add_fetch(&page->beats, 1, __ATOMIC_RELAXED);
}

void wc_watch_end(void)
{
	if (!page)
		return;
	__atomic_sub_fetch(&page->readers, 1, __ATOMIC_RELAXED);
	wc_watch_beat();
}

bool wc_watch_stalled(int64_t now_ms, char *trace, size_t tracelen)
{
	if (!page)
		return false;
	uint64_t beats = __atomic_load_n(&page->beats, __ATOMIC_RELAXED);
	bool reading = __atomic_load_n(&page->readers, __ATOMIC_RELAXED) > 0;
	if (!reading || beats != seen_beats || seen_since_ms < 0) {
		seen_beats = beats;
		seen_since_ms = now_ms;
		return false;
	}
	if (now_ms - seen_since_ms < WC_WATCH_STALL_SECONDS * 1000)
		return false;
	snprintf(trace, tracelen, "%.*s", (int)sizeof page->trace - 1, page->trace);
	return true;
}
