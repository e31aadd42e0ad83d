#include "timeline.h"

#include <stdlib.h>
#include <string.h>

#include "aggregate_internal.h"
#include "report.h"

void wc_timeline_add(struct wc_agg *agg, const struct wc_process *proc, const struct wc_obs *obs,
		     const uint64_t *raw, uint32_t n)
{
	struct wc_tl_waits *w = &agg->tl;
	if (w->count == w->cap) {
		if (w->cap >= WC_TIMELINE_MAX) {
			w->dropped++;
			return;
		}
		size_t cap = w->cap ? w->cap * 2 : 4096;
		struct wc_tl_wait *v = realloc(w->v, cap * sizeof(*v));
		if (!v) {
			w->dropped++;
			return;
		}
		w->v = v;
		w->cap = cap;
	}
	struct wc_tl_wait *t = &w->v[w->count++];
	t->end_ns = obs->ts_ns;
	t->dur_ns = obs->dur_ns;
	t->timeout_ms = obs->timeout_ms;
	t->cap_ms = obs->cap_ms;
	t->pid = proc->pid;
	t->tid = obs->tid;
	t->host = proc->host;
	t->op = (uint8_t)obs->op;
	t->capped = obs->outcome == WC_OUT_CAPPED;
	t->nframes = (uint8_t)(n < WC_TIMELINE_FRAMES ? n : WC_TIMELINE_FRAMES);
	memcpy(t->frames, raw, t->nframes * sizeof(*raw));
	snprintf(t->peer, sizeof(t->peer), "%s", obs->peer && obs->peer[0] ? obs->peer : "-");
}

void wc_timeline_absorb(struct wc_agg *dst, struct wc_agg *src)
{
	struct wc_tl_waits *d = &dst->tl, *s = &src->tl;
	d->dropped += s->dropped;
	s->dropped = 0;
	if (!s->count)
		return;
	if (d->count + s->count > d->cap) {
		size_t cap = d->count + s->count;
		struct wc_tl_wait *v = realloc(d->v, cap * sizeof(*v));
		if (!v) {
			d->dropped += s->count;
			return;
		}
		d->v = v;
		d->cap = cap;
	}
	for (size_t i = 0; i < s->count; i++) {
		struct wc_tl_wait *t = &d->v[d->count++];
		*t = s->v[i];
		t->host = wc_agg_host(dst, src->hosts[s->v[i].host]);
	}
	s->count = 0;
}

void wc_timeline_free(struct wc_tl_waits *w)
{
	free(w->v);
	memset(w, 0, sizeof(*w));
}

static int by_thread_then_start(const void *a, const void *b)
{
	const struct wc_tl_wait *x = a, *y = b;
	if (x->host != y->host)
		return x->host < y->host ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	int64_t xs = x->end_ns - x->dur_ns, ys = y->end_ns - y->dur_ns;
	return xs < ys ? -1 : xs > ys;
}

struct wc_timeline *wc_timeline_build(const struct wc_agg *agg, struct wc_symbolizer *sym)
{
	const struct wc_tl_waits *w = &agg->tl;
	if (!w->count)
		return NULL;
	/* Sorted in place: the aggregation is done with them. */
	struct wc_tl_wait *v = w->v;
	qsort(v, w->count, sizeof(*v), by_thread_then_start);
	struct wc_timeline *tl = calloc(1, sizeof(*tl));
	if (!tl)
		return NULL;
	tl->dropped = w->dropped;
	size_t nthreads = 0;
	for (size_t i = 0; i < w->count; i++)
		if (!i || v[i].host != v[i - 1].host || v[i].pid != v[i - 1].pid || v[i].tid != v[i - 1].tid)
			nthreads++;
	tl->threads = calloc(nthreads, sizeof(*tl->threads));
	if (!tl->threads)
		goto fail;
	tl->t0_ns = INT64_MAX;
	tl->t1_ns = INT64_MIN;
	for (size_t i = 0; i < w->count;) {
		size_t end = i;
		while (end < w->count && v[end].host == v[i].host && v[end].pid == v[i].pid &&
		       v[end].tid == v[i].tid)
			end++;
		struct wc_tl_thread *th = &tl->threads[tl->nthreads++];
		struct { uint64_t host; int64_t pid; } key = { v[i].host, v[i].pid };
		const struct wc_process *proc = wc_table_get(&agg->processes, &key, sizeof(key));
		snprintf(th->label, sizeof(th->label), "%s[%lld] tid %lld @%s",
			 proc && proc->procname[0] ? proc->procname : "?", (long long)v[i].pid,
			 (long long)v[i].tid, agg->hosts[v[i].host]);
		th->bars = calloc(end - i, sizeof(*th->bars));
		if (!th->bars)
			goto fail;
		for (size_t k = i; k < end; k++) {
			struct wc_tl_bar *b = &th->bars[th->nbars++];
			b->start_ns = v[k].end_ns - v[k].dur_ns;
			b->dur_ns = v[k].dur_ns;
			b->timeout_ms = v[k].timeout_ms;
			b->cap_ms = v[k].cap_ms;
			b->op = v[k].op;
			b->capped = v[k].capped;
			b->peer = v[k].peer;
			b->where = NULL;
			if (proc && v[k].nframes) {
				struct wc_frame f[WC_TIMELINE_FRAMES];
				wc_agg_resolve(&proc->map, v[k].frames, v[k].nframes, f);
				b->where = wc_symbolize(sym, &f[wc_agg_callsite_index(agg, f, v[k].nframes)]);
			}
			if (b->start_ns < tl->t0_ns)
				tl->t0_ns = b->start_ns;
			if (v[k].end_ns > tl->t1_ns)
				tl->t1_ns = v[k].end_ns;
		}
		i = end;
	}
	return tl;
fail:
	wc_timeline_destroy(tl);
	return NULL;
}

void wc_timeline_destroy(struct wc_timeline *tl)
{
	if (!tl)
		return;
	for (size_t i = 0; i < tl->nthreads; i++)
		free(tl->threads[i].bars);
	free(tl->threads);
	free(tl);
}

/* ---- drawing ---- */

#define TL_WIDTH 1000     /* plot width in px: one column per px */
#define TL_LABEL 260
#define TL_ROW 16
#define TL_MIN_BAR 3      /* narrower bars are summed per column */
#define TL_MAX_THREADS 300
/* What a browser draws at once, whatever the threads: bars have at least
 * width * threads / TL_BAR_BUDGET px, columns width * threads /
 * TL_COLUMN_BUDGET px, so the whole timeline has at most about 15 000
 * elements. */
#define TL_BAR_BUDGET 5000
#define TL_COLUMN_BUDGET 10000

static void bar_title(const struct wc_tl_bar *b, FILE *out)
{
	char t[32], where[256];
	fputs("<title>", out);
	if (b->where) {
		wc_html_text(out, b->where->function);
		fputs(" (", out);
		wc_html_text(out, wc_fmt_where(b->where, where, sizeof(where)));
		fputs(")", out);
	} else {
		fputs("?", out);
	}
	fprintf(out, "\n%s ", wc_analyze_op_name(b->op));
	wc_html_text(out, b->peer);
	fprintf(out, ": waited %s", wc_fmt_ms((double)b->dur_ns / 1e6, t));
	if (b->timeout_ms >= 0)
		fprintf(out, "\nasked %s", wc_fmt_ms((double)b->timeout_ms, t));
	else
		fputs("\nasked: no timeout", out);
	if (b->capped)
		fprintf(out, "\ncapped at %s", wc_fmt_ms((double)b->cap_ms, t));
	else if (b->cap_ms >= 0)
		fprintf(out, "\ncap %s (not reached)", wc_fmt_ms((double)b->cap_ms, t));
	fputs("</title>", out);
}

/* Ticks at 1-2-5 steps, about eight over the axis. */
static void axis(const struct wc_timeline *tl, double ns_per_px, int y, FILE *out)
{
	double span = (double)(tl->t1_ns - tl->t0_ns), step;
	static const double steps[] = { 1, 2, 5 };
	double best = 0;
	for (double decade = 1; decade < 1e15 && !best; decade *= 10)
		for (int i = 0; i < 3; i++)
			if (span / (steps[i] * decade) <= 8) {
				best = steps[i] * decade;
				break;
			}
	step = best;
	for (double t = 0; t <= span; t += step) {
		int x = TL_LABEL + (int)(t / ns_per_px);
		char buf[32];
		fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"tick\"/>"
			"<text x=\"%d\" y=\"%d\" class=\"axis\">+%s</text>\n", x, 14, x, y, x + 2, 12,
			wc_fmt_ms(t / 1e6, buf));
	}
}

void wc_timeline_svg(const struct wc_timeline *tl, FILE *out)
{
	size_t shown = tl->nthreads < TL_MAX_THREADS ? tl->nthreads : TL_MAX_THREADS;
	int64_t span = tl->t1_ns - tl->t0_ns;
	double ns_per_px = span > 0 ? (double)span / TL_WIDTH : 1;
	int height = 20 + (int)shown * TL_ROW + 4;
	fprintf(out, "<svg id=\"timeline\" role=\"img\" aria-label=\"Waits per thread over time\" "
		"xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
		TL_LABEL + TL_WIDTH + 10, height, TL_LABEL + TL_WIDTH + 10, height);
	axis(tl, ns_per_px, height, out);
	int min_bar = (int)((shown * TL_WIDTH + TL_BAR_BUDGET - 1) / TL_BAR_BUDGET);
	int col_px = (int)((shown * TL_WIDTH + TL_COLUMN_BUDGET - 1) / TL_COLUMN_BUDGET);
	if (min_bar < TL_MIN_BAR)
		min_bar = TL_MIN_BAR;
	if (col_px < 1)
		col_px = 1;
	/* Per column of one thread: waits too narrow to draw alone. */
	static struct { uint32_t n, capped; int64_t ns; } col[TL_WIDTH + 1];
	for (size_t i = 0; i < shown; i++) {
		const struct wc_tl_thread *th = &tl->threads[i];
		int y = 20 + (int)i * TL_ROW;
		fprintf(out, "<g class=\"thread\"><text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"label\">",
			TL_LABEL - 6, y + 11);
		wc_html_text(out, th->label);
		fprintf(out, "</text>\n");
		memset(col, 0, sizeof(col));
		/* A bar never covers another: a wait that overlaps the last one
		 * drawn (threads of a trace's own timestamps do not, but a
		 * thread id can be reused) joins the column sums.  So a thread
		 * has at most TL_WIDTH / TL_MIN_BAR bars and TL_WIDTH + 1
		 * columns, whatever the number of waits. */
		int free_from = 0;
		for (size_t k = 0; k < th->nbars; k++) {
			const struct wc_tl_bar *b = &th->bars[k];
			int x0 = (int)((double)(b->start_ns - tl->t0_ns) / ns_per_px);
			int w = (int)((double)b->dur_ns / ns_per_px + 0.5);
			if (x0 > TL_WIDTH)
				x0 = TL_WIDTH;
			if (w >= min_bar && x0 >= free_from) {
				free_from = x0 + w;
				fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"w%s\">",
					TL_LABEL + x0, y + 2, w - 1, TL_ROW - 4, b->capped ? " capped" : "");
				bar_title(b, out);
				fputs("</rect>\n", out);
			} else {
				int c = x0 / col_px * col_px;
				col[c].n++;
				col[c].capped += b->capped;
				col[c].ns += b->dur_ns;
			}
		}
		for (int x = 0; x <= TL_WIDTH; x++) {
			if (!col[x].n)
				continue;
			char t[32];
			fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"w%s\">"
				"<title>%u waits, %s blocked, %u capped</title></rect>\n", TL_LABEL + x, y + 2,
				col_px, TL_ROW - 4, col[x].capped ? " capped" : "", col[x].n,
				wc_fmt_ms((double)col[x].ns / 1e6, t), col[x].capped);
		}
		fputs("</g>\n", out);
	}
	fputs("</svg>\n", out);
	if (shown < tl->nthreads)
		fprintf(out, "<p>%zu more threads not drawn.</p>\n", tl->nthreads - shown);
	if (tl->dropped)
		fprintf(out, "<p>%llu waits beyond the first %d not drawn.</p>\n",
			(unsigned long long)tl->dropped, WC_TIMELINE_MAX);
}
