/* After reading: merging the aggregations of parallel readers, and
 * re-keying what was kept on raw addresses once every binary map is known. */
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "aggregate_internal.h"
#include "groups.h"
#include "timeline.h"

static void absorb_process(struct wc_agg *dst, struct wc_agg *src, struct wc_process *sp)
{
	struct wc_process *dp = wc_agg_process(dst, wc_agg_host(dst, src->hosts[sp->host]),
					       sp->pid, sp->procname[0] ? sp->procname : NULL);
	if (!dp)
		return;
	if (sp->waits && (!dp->waits || !dp->procname[0]))
		memcpy(dp->procname, sp->procname, sizeof(dp->procname));
	dp->waits += sp->waits;
	dp->expired += sp->expired;
	dp->blocked_ns += sp->blocked_ns;
	/* Moved, not copied: a live reader absorbs the same source again. */
	sp->waits = sp->expired = 0;
	sp->blocked_ns = 0;
	for (size_t i = 0; i < sp->map.count; i++) {
		const struct wc_mapping *m = &sp->map.v[i];
		struct wc_binary *b = wc_binaries_intern(&dst->bins, m->binary->path, m->binary->build_id,
							 m->binary->build_id_len, m->binary->is_pic);
		struct wc_mapping *old = wc_procmap_at(&dp->map, m->baddr);
		/* A build id another reader saw wins over a mapping without one. */
		if (!b || (old && old->binary->build_id_len && !m->binary->build_id_len))
			continue;
		if (!b->debug_link && m->binary->debug_link)
			b->debug_link = strdup(m->binary->debug_link);
		if (wc_procmap_add(&dp->map, m->baddr, m->memsz, b) < 0)
			dst->out_of_memory = true;
	}
	for (size_t i = 0; i < sp->norphans; i++) {
		const struct wc_orphan *o = &sp->orphans[i];
		wc_agg_build_id(dst, dp, o->baddr, o->build_id, o->build_id_len);
	}
	sp->norphans = 0;
	WC_TABLE_FOREACH(&sp->pending, e) {
		if (!e->value)
			continue; /* moved by an earlier absorb */
		struct wc_table_entry *d = wc_table_upsert(&dp->pending, e->key, e->keylen);
		if (!d) {
			dst->out_of_memory = true;
			continue;
		}
		if (!d->value) {
			d->value = e->value;
		} else {
			struct wc_pending *p = e->value;
			wc_cell_merge(&((struct wc_pending *)d->value)->cell, &p->cell);
			wc_cell_free(&p->cell);
			free(p);
		}
		e->value = NULL;
	}
}

/* Orphan build ids whose mapping arrived later (or from another reader). */
static void adopt_orphans(struct wc_agg *agg, struct wc_process *proc)
{
	size_t kept = 0;
	for (size_t i = 0; i < proc->norphans; i++) {
		struct wc_orphan o = proc->orphans[i];
		if (wc_procmap_at(&proc->map, o.baddr))
			wc_agg_build_id(agg, proc, o.baddr, o.build_id, o.build_id_len);
		else
			proc->orphans[kept++] = o;
	}
	proc->norphans = kept;
}

void wc_agg_absorb(struct wc_agg *dst, struct wc_agg *src)
{
	WC_TABLE_FOREACH(&src->processes, e)
		absorb_process(dst, src, e->value);
	wc_groups_absorb(dst, src);
	wc_timeline_absorb(dst, src);
	wc_phases_absorb(dst, src);
	for (int op = 0; op < WC_ANALYZE_OPS; op++)
		if (!wc_cell_merge(&dst->ops[op], &src->ops[op]))
			dst->out_of_memory = true;
	if (!wc_cell_merge(&dst->all, &src->all))
		dst->out_of_memory = true;
	dst->lost_events += src->lost_events;
	dst->lost_packets += src->lost_packets;
	dst->events_read += src->events_read;
	dst->out_of_memory |= src->out_of_memory;
	src->lost_events = src->lost_packets = src->events_read = 0;
	for (int op = 0; op < WC_ANALYZE_OPS; op++) {
		wc_cell_free(&src->ops[op]);
		memset(&src->ops[op], 0, sizeof(src->ops[op]));
	}
	wc_cell_free(&src->all);
	memset(&src->all, 0, sizeof(src->all));
}

void wc_agg_finish(struct wc_agg *agg)
{
	WC_TABLE_FOREACH(&agg->processes, pe) {
		struct wc_process *proc = pe->value;
		adopt_orphans(agg, proc);
		WC_TABLE_FOREACH(&proc->pending, e) {
			struct wc_pending *p = e->value;
			if (!p)
				continue;
			struct wc_frame f[MAX_FRAMES];
			wc_agg_resolve(&proc->map, p->raw, p->n, f);
			wc_agg_add_resolved(agg, p->procname, p->op, f, p->n, &p->cell, NULL);
			wc_cell_free(&p->cell);
			free(p);
			e->value = NULL;
		}
		wc_table_free(&proc->pending);
	}
	wc_phases_resolve(agg);
	/* Per-op and overall figures are sums of call sites: one histogram
	 * update per event while reading instead of three.  From zero, so
	 * that a live view can finish the same aggregation again. */
	for (int op = 0; op < WC_ANALYZE_OPS; op++) {
		wc_cell_free(&agg->ops[op]);
		memset(&agg->ops[op], 0, sizeof(agg->ops[op]));
	}
	wc_cell_free(&agg->all);
	memset(&agg->all, 0, sizeof(agg->all));
	WC_TABLE_FOREACH(&agg->sites, e) {
		const struct wc_site *s = e->value;
		if (!wc_cell_merge(&agg->ops[s->op], &s->cell) || !wc_cell_merge(&agg->all, &s->cell))
			agg->out_of_memory = true;
	}
}

