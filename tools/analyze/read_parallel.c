/* Reading on several cores.  libbabeltrace2 decodes one graph on one
 * thread, and decoding is most of the analyzer's time; so the stream files
 * are spread over threads, each reading its share through its own graph (a
 * temporary directory of symlinks: the trace's metadata plus the chosen
 * stream files) into its own aggregation, kept on raw addresses because
 * each thread sees only part of the binary maps.  The aggregations are then
 * merged and re-keyed as one: histograms and counters add up exactly. */
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "read.h"

/* Below this much data, threads cost more than they save. */
#define PARALLEL_MIN_BYTES (16u << 20)
#define MAX_THREADS 16

struct stream {
	size_t trace;
	char *path;
	uint64_t size;
};

struct worker {
	pthread_t thread;
	struct wc_agg agg;
	struct wc_plugins plugins;
	char **dirs;        /* its temporary trace directories */
	size_t *origin;     /* for each, the index of the real trace */
	size_t ndirs;
	uint64_t load;
	bool progress;
	int rc;
	char err[1024];
};

static int list_streams(const struct wc_trace_list *traces, struct stream **out, size_t *count)
{
	*out = NULL;
	*count = 0;
	for (size_t t = 0; t < traces->count; t++) {
		DIR *d = opendir(traces->dirs[t]);
		if (!d)
			return -1;
		struct dirent *e;
		while ((e = readdir(d))) {
			char path[PATH_MAX];
			struct stat st;
			if (e->d_name[0] == '.' || strcmp(e->d_name, "metadata") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", traces->dirs[t], e->d_name);
			if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
				continue;
			struct stream *s = realloc(*out, (*count + 1) * sizeof(**out));
			if (!s) {
				closedir(d);
				return -1;
			}
			*out = s;
			s[*count].trace = t;
			s[*count].size = (uint64_t)st.st_size;
			if (!(s[*count].path = realpath(path, NULL))) {
				closedir(d);
				return -1;
			}
			(*count)++;
		}
		closedir(d);
	}
	return 0;
}

static int by_size_desc(const void *a, const void *b)
{
	const struct stream *x = a, *y = b;
	return x->size < y->size ? 1 : x->size > y->size ? -1 : 0;
}

/* root/W/T: metadata and the streams of trace T that worker W reads. */
static int link_stream(const char *root, struct worker *w, size_t windex,
		       const struct wc_trace_list *traces, const struct stream *s)
{
	char dir[PATH_MAX], link[PATH_MAX];
	/* The temporary root is short; a path that does not fit is refused. */
#define FITS(buf, ...) (snprintf(buf, sizeof(buf), __VA_ARGS__) < (int)sizeof(buf))
	if (!FITS(dir, "%s/%zu/%zu", root, windex, s->trace))
		return -1;
	size_t i;
	for (i = 0; i < w->ndirs && w->origin[i] != s->trace; i++)
		;
	if (i == w->ndirs) {
		char wdir[PATH_MAX], *meta;
		if (!FITS(wdir, "%s/%zu", root, windex) ||
		    !FITS(link, "%s/metadata", traces->dirs[s->trace]))
			return -1;
		mkdir(wdir, 0700);
		if (mkdir(dir, 0700) != 0 || !(meta = realpath(link, NULL)))
			return -1;
		int rc = FITS(link, "%s/metadata", dir) ? symlink(meta, link) : -1;
		free(meta);
		char **dirs = realloc(w->dirs, (w->ndirs + 1) * sizeof(*dirs));
		size_t *origin = dirs ? realloc(w->origin, (w->ndirs + 1) * sizeof(*origin)) : NULL;
		if (dirs)
			w->dirs = dirs;
		if (origin)
			w->origin = origin;
		if (rc != 0 || !dirs || !origin || !(w->dirs[w->ndirs] = strdup(dir)))
			return -1;
		w->origin[w->ndirs++] = s->trace;
	}
	const char *name = strrchr(s->path, '/') + 1;
	return FITS(link, "%s/%s", dir, name) ? symlink(s->path, link) : -1;
#undef FITS
}

static void *work(void *arg)
{
	struct worker *w = arg;
	w->rc = wc_read_traces(&w->agg, w->dirs, w->ndirs, &w->plugins, w->progress, w->err,
			       sizeof(w->err));
	return NULL;
}

/* Error messages name the temporary directories: name the real ones. */
static void real_paths(const struct worker *w, const struct wc_trace_list *traces, char *err,
		       size_t errlen)
{
	for (size_t i = 0; i < w->ndirs; i++) {
		char *at = strstr(w->err, w->dirs[i]);
		if (at) {
			*at = 0;
			snprintf(err, errlen, "%s%s%s", w->err, traces->dirs[w->origin[i]],
				 at + strlen(w->dirs[i]));
			return;
		}
	}
	snprintf(err, errlen, "%s", w->err);
}

static int remove_tree(const char *root)
{
	DIR *d = opendir(root);
	if (!d)
		return unlink(root);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char path[PATH_MAX];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", root, e->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	return rmdir(root);
}

int wc_read_all(struct wc_agg *agg, const struct wc_trace_list *traces, int nthreads,
		bool progress, char *err, size_t errlen)
{
	struct wc_plugins plugins;
	/* WAITCAP_ANALYZE_THREADS=N forces N readers whatever the size (the
	 * tests compare 1 and 2; benchmarks may pin it). */
	const char *forced = getenv("WAITCAP_ANALYZE_THREADS");
	uint64_t min_bytes = PARALLEL_MIN_BYTES;
	if (forced && atoi(forced) > 0) {
		nthreads = atoi(forced);
		min_bytes = 0;
	}
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;
	struct stream *streams = NULL;
	size_t nstreams = 0;
	if (nthreads < 2 || traces->bytes < min_bytes ||
	    list_streams(traces, &streams, &nstreams) < 0 || nstreams < 2) {
		for (size_t i = 0; i < nstreams; i++)
			free(streams[i].path);
		free(streams);
		if (wc_plugins_load(&plugins, err, errlen) < 0)
			return -1;
		int rc = wc_read_traces(agg, traces->dirs, traces->count, &plugins, progress, err, errlen);
		wc_plugins_put(&plugins);
		return rc;
	}
	if ((size_t)nthreads > nstreams)
		nthreads = (int)nstreams;

	int rc = -1;
	struct worker *w = calloc((size_t)nthreads, sizeof(*w));
	const char *tmp = getenv("TMPDIR");
	char root[PATH_MAX];
	snprintf(root, sizeof(root), "%s/waitcap-analyze-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!w || !mkdtemp(root)) {
		snprintf(err, errlen, "cannot make a temporary directory in %s", tmp && *tmp ? tmp : "/tmp");
		free(w);
		w = NULL;
		root[0] = 0;
		goto out;
	}
	/* Largest streams first, each to the least loaded worker. */
	qsort(streams, nstreams, sizeof(*streams), by_size_desc);
	for (size_t i = 0; i < nstreams; i++) {
		size_t best = 0;
		for (int k = 1; k < nthreads; k++)
			if (w[k].load < w[best].load)
				best = (size_t)k;
		w[best].load += streams[i].size;
		if (link_stream(root, &w[best], best, traces, &streams[i]) < 0) {
			snprintf(err, errlen, "cannot prepare %s for reading (in %s)", streams[i].path, root);
			goto out;
		}
	}
	for (int k = 0; k < nthreads; k++) {
		wc_agg_init(&w[k].agg, &agg->filters, agg->bins.skip);
		w[k].agg.defer_all = true;
		w[k].agg.nby = agg->nby;
		w[k].agg.timeline = agg->timeline;
		memcpy(w[k].agg.by, agg->by, sizeof(agg->by));
		w[k].progress = progress && k == 0;
		if (wc_plugins_load(&w[k].plugins, err, errlen) < 0)
			goto out;
	}
	int started = 0;
	for (; started < nthreads; started++)
		if (pthread_create(&w[started].thread, NULL, work, &w[started]) != 0)
			break;
	for (int k = 0; k < started; k++)
		pthread_join(w[k].thread, NULL);
	if (started < nthreads) {
		snprintf(err, errlen, "cannot start reading threads");
		goto out;
	}
	for (int k = 0; k < nthreads; k++)
		if (w[k].rc != 0) {
			real_paths(&w[k], traces, err, errlen);
			goto out;
		}
	for (int k = 0; k < nthreads; k++)
		wc_agg_absorb(agg, &w[k].agg);
	rc = agg->out_of_memory ? -1 : 0;
	if (rc)
		snprintf(err, errlen, "out of memory while aggregating");
out:
	for (int k = 0; w && k < nthreads; k++) {
		wc_agg_free(&w[k].agg);
		wc_plugins_put(&w[k].plugins);
		for (size_t i = 0; i < w[k].ndirs; i++)
			free(w[k].dirs[i]);
		free(w[k].dirs);
		free(w[k].origin);
	}
	free(w);
	if (root[0])
		remove_tree(root);
	for (size_t i = 0; i < nstreams; i++)
		free(streams[i].path);
	free(streams);
	return rc;
}
