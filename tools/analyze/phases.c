/* waitcap:phase events, kept one by one for what-ifs (whatif.c): only
 * slow, capped or would-be-capped phases are events, so there are few. */
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "aggregate_internal.h"

static struct wc_phase *append(struct wc_agg *agg)
{
	struct wc_phases *ps = &agg->phases;
	if (ps->count == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 64;
		struct wc_phase *v = realloc(ps->v, cap * sizeof(*v));
		if (!v) {
			agg->out_of_memory = true;
			return NULL;
		}
		ps->v = v;
		ps->cap = cap;
	}
	return &ps->v[ps->count++];
}

void wc_agg_phase(struct wc_agg *agg, struct wc_process *proc, const struct wc_phase *phase)
{
	if (!proc || (agg->filters.pid >= 0 && proc->pid != agg->filters.pid))
		return;
	struct wc_phase *p = append(agg);
	if (!p)
		return;
	*p = *phase;
	p->host = proc->host;
	p->pid = proc->pid;
	p->resolved = false;
	p->peer = strdup(phase->peer ? phase->peer : "");
	p->rule = strdup(phase->rule ? phase->rule : "");
	if (!p->peer || !p->rule) {
		free(p->peer);
		free(p->rule);
		agg->phases.count--;
		agg->out_of_memory = true;
	}
}

void wc_phases_absorb(struct wc_agg *dst, struct wc_agg *src)
{
	for (size_t i = 0; i < src->phases.count; i++) {
		struct wc_phase *p = append(dst);
		if (!p) {
			free(src->phases.v[i].peer);
			free(src->phases.v[i].rule);
			continue;
		}
		*p = src->phases.v[i];
		p->host = wc_agg_host(dst, src->hosts[p->host]);
	}
	src->phases.count = 0; /* moved: a live reader absorbs again */
}

void wc_phases_resolve(struct wc_agg *agg)
{
	for (size_t i = 0; i < agg->phases.count; i++) {
		struct wc_phase *p = &agg->phases.v[i];
		if (p->resolved)
			continue;
		struct wc_process *proc = wc_agg_process(agg, p->host, p->pid, NULL);
		if (!proc)
			continue;
		wc_agg_resolve(&proc->map, &p->ip, 1, &p->where);
		p->resolved = true;
	}
}

void wc_phases_free(struct wc_phases *phases)
{
	for (size_t i = 0; i < phases->count; i++) {
		free(phases->v[i].peer);
		free(phases->v[i].rule);
	}
	free(phases->v);
	memset(phases, 0, sizeof(*phases));
}
