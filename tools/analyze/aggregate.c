#include "aggregate.h"
#include "aggregate_internal.h"
#include "columns.h"
#include "groups.h"
#include "timeline.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>


/* Names in keys are zero-padded, so equal names give equal key bytes. */
static void copy_name(char dst[32], const char *src)
{
	if (!src)
		src = "?";
	size_t n = strnlen(src, 31);
	memset(dst, 0, 32);
	memcpy(dst, src, n);
}

const char *wc_analyze_op_name(int op)
{
	return op >= 0 && op < WC_OP_COUNT ? wc_op_name((enum wc_op)op) : "other";
}

int wc_analyze_op_parse(const char *name)
{
	int op = wc_op_parse(name);
	return op < 0 ? WC_OP_OTHER : op;
}

int wc_analyze_outcome_parse(const char *name)
{
	int outcome = wc_outcome_parse(name);
	return outcome < 0 ? WC_OUT_OTHER : outcome;
}

void wc_cell_add(struct wc_cell *cell, const struct wc_obs *obs)
{
	if (obs->outcome == WC_OUT_CAPPED && obs->cap_ms > cell->cap_ms)
		cell->cap_ms = obs->cap_ms;
	if (obs->expired) {
		/* The connection waited waited_ns for its answer; the thread
		 * may have been blocked in a wait recorded on its own (poll,
		 * epoll) or busy elsewhere: neither a blocking wait nor time
		 * blocked, so that nothing is counted twice. */
		cell->expired++;
		cell->capped++;
		cell->unbounded++;
		if (obs->dur_ns > cell->expired_max_ns)
			cell->expired_max_ns = obs->dur_ns;
		return;
	}
	cell->count++;
	wc_columns_keep(cell, obs);
	wc_hist_add(&cell->hist, obs->dur_ns);
	cell->total_ns += obs->dur_ns;
	switch (obs->outcome) {
	case WC_OUT_CAPPED:
		cell->capped++;
		if (obs->timeout_ms < 0) {
			cell->unbounded++;
		} else {
			int64_t asked = obs->timeout_ms * 1000000;
			cell->requested_ns += asked;
			if (asked > obs->dur_ns)
				cell->avoided_ns += asked - obs->dur_ns;
		}
		break;
	case WC_OUT_APP_TIMEOUT:
		cell->app_timeouts++;
		break;
	case WC_OUT_ERROR:
		cell->errors++;
		break;
	}
}

bool wc_cell_merge(struct wc_cell *into, const struct wc_cell *from)
{
	into->count += from->count;
	into->capped += from->capped;
	into->expired += from->expired;
	if (from->expired_max_ns > into->expired_max_ns)
		into->expired_max_ns = from->expired_max_ns;
	if (from->cap_ms > into->cap_ms)
		into->cap_ms = from->cap_ms;
	into->app_timeouts += from->app_timeouts;
	into->errors += from->errors;
	into->unbounded += from->unbounded;
	into->total_ns += from->total_ns;
	into->requested_ns += from->requested_ns;
	into->avoided_ns += from->avoided_ns;
	wc_columns_merge(into, from);
	return wc_hist_merge(&into->hist, &from->hist);
}

void wc_cell_free(struct wc_cell *cell)
{
	wc_hist_free(&cell->hist);
}

void wc_agg_init(struct wc_agg *agg, const struct wc_filters *filters,
		 const char *const *skip)
{
	memset(agg, 0, sizeof(*agg));
	agg->filters = *filters;
	agg->bins.skip = skip;
}

uint32_t wc_agg_host(struct wc_agg *agg, const char *hostname)
{
	for (uint32_t i = 0; i < agg->nhosts; i++)
		if (strcmp(agg->hosts[i], hostname) == 0)
			return i;
	char **hosts = realloc(agg->hosts, (agg->nhosts + 1) * sizeof(*hosts));
	char *copy = strdup(hostname);
	if (!hosts || !copy) {
		free(copy);
		if (hosts)
			agg->hosts = hosts;
		agg->out_of_memory = true;
		return 0;
	}
	agg->hosts = hosts;
	agg->hosts[agg->nhosts] = copy;
	return agg->nhosts++;
}

struct wc_process *wc_agg_process(struct wc_agg *agg, uint32_t host, int64_t pid,
				  const char *procname)
{
	struct { uint64_t host; int64_t pid; } key = { host, pid };
	struct wc_table_entry *e = wc_table_upsert(&agg->processes, &key, sizeof(key));
	if (!e) {
		agg->out_of_memory = true;
		return NULL;
	}
	if (!e->value) {
		struct wc_process *p = calloc(1, sizeof(*p));
		if (!p) {
			agg->out_of_memory = true;
			return NULL;
		}
		p->host = host;
		p->pid = pid;
		e->value = p;
	}
	struct wc_process *p = e->value;
	/* Statedump events come from LTTng's own thread ("name-ust"): keep
	 * the name of the first thread that waited, or else any name seen. */
	if (procname && (!p->procname[0] || (!p->waits && !strstr(procname, "-ust"))))
		copy_name(p->procname, procname);
	return p;
}

void wc_agg_bin_info(struct wc_agg *agg, struct wc_process *proc, uint64_t baddr,
		     uint64_t memsz, const char *path, bool is_pic)
{
	struct wc_binary *b = wc_binaries_intern(&agg->bins, path, NULL, 0, is_pic);
	if (!b || wc_procmap_add(&proc->map, baddr, memsz, b) < 0)
		agg->out_of_memory = true;
}

void wc_agg_build_id(struct wc_agg *agg, struct wc_process *proc, uint64_t baddr,
		     const uint8_t *id, size_t len)
{
	struct wc_mapping *m = wc_procmap_at(&proc->map, baddr);
	if (!m) {
		struct wc_orphan *o = realloc(proc->orphans, (proc->norphans + 1) * sizeof(*o));
		if (!o) {
			agg->out_of_memory = true;
			return;
		}
		proc->orphans = o;
		o = &o[proc->norphans++];
		o->baddr = baddr;
		o->build_id_len = len < sizeof(o->build_id) ? len : sizeof(o->build_id);
		memcpy(o->build_id, id, o->build_id_len);
		return;
	}
	struct wc_binary *b = wc_binaries_intern(&agg->bins, m->binary->path, id, len,
						 m->binary->is_pic);
	if (!b) {
		agg->out_of_memory = true;
		return;
	}
	if (!b->debug_link && m->binary->debug_link)
		b->debug_link = strdup(m->binary->debug_link);
	m->binary = b;
}

void wc_agg_debug_link(struct wc_agg *agg, struct wc_process *proc, uint64_t baddr,
		       const char *filename)
{
	struct wc_mapping *m = wc_procmap_at(&proc->map, baddr);
	if (m && !m->binary->debug_link)
		m->binary->debug_link = strdup(filename);
}

void wc_agg_unload(struct wc_agg *agg, struct wc_process *proc, uint64_t baddr)
{
	wc_procmap_remove(&proc->map, baddr);
}

bool wc_agg_frame_is_code(const struct wc_agg *agg, const struct wc_frame *frame)
{
	const struct wc_binary *b = wc_binaries_get(&agg->bins, (uint32_t)frame->binary);
	return !b || b->role == WC_BINARY_CODE;
}

/* Which frame is the call site: the innermost one in code that is neither
 * libc nor libwaitcap nor --skip; failing that, the innermost one outside
 * libc and libwaitcap; failing that, the innermost. */
uint32_t wc_agg_callsite_index(const struct wc_agg *agg, const struct wc_frame *f, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (wc_agg_frame_is_code(agg, &f[i]))
			return i;
	for (uint32_t i = 0; i < n; i++) {
		const struct wc_binary *b = wc_binaries_get(&agg->bins, (uint32_t)f[i].binary);
		if (b && b->role == WC_BINARY_USER_SKIP)
			return i;
	}
	return 0;
}

static void add_stack_total(struct wc_agg *agg, const char *procname,
			    const struct wc_frame *f, uint32_t n, int64_t ns)
{
	struct { char procname[32]; struct wc_frame f[MAX_FRAMES]; } key;
	copy_name(key.procname, procname);
	memcpy(key.f, f, n * sizeof(*f));
	struct wc_table_entry *e = wc_table_upsert(&agg->stacks, &key,
						   sizeof(key.procname) + n * sizeof(*f));
	if (!e || (!e->value && !(e->value = calloc(1, sizeof(int64_t))))) {
		agg->out_of_memory = true;
		return;
	}
	*(int64_t *)e->value += ns;
}

/* Account a cell for resolved frames: the call site row and the stack. */
void wc_agg_add_resolved(struct wc_agg *agg, const char *procname, int op,
			 const struct wc_frame *f, uint32_t n, const struct wc_cell *cell,
			 const struct wc_obs *obs)
{
	uint32_t at = wc_agg_callsite_index(agg, f, n);
	struct { uint64_t op; struct wc_frame where; } key = { (uint64_t)op, f[at] };
	struct wc_table_entry *e = wc_table_upsert(&agg->sites, &key, sizeof(key));
	if (!e) {
		agg->out_of_memory = true;
		return;
	}
	if (!e->value) {
		struct wc_site *s = calloc(1, sizeof(*s));
		if (s)
			s->stack = malloc((n - at) * sizeof(*s->stack));
		if (!s || !s->stack) {
			if (s)
				free(s);
			agg->out_of_memory = true;
			return;
		}
		s->op = op;
		s->where = f[at];
		s->depth = n - at;
		memcpy(s->stack, f + at, s->depth * sizeof(*f));
		e->value = s;
	}
	struct wc_site *s = e->value;
	if (cell)
		wc_cell_merge(&s->cell, cell);
	else
		wc_cell_add(&s->cell, obs);
	/* Flame graphs start at the call site: libc and libwaitcap frames
	 * below it are plumbing. */
	int64_t blocked = cell ? cell->total_ns : obs->expired ? 0 : obs->dur_ns;
	if (blocked)
		add_stack_total(agg, procname, f + at, n - at, blocked);
}

bool wc_agg_resolve(const struct wc_procmap *map, const uint64_t *raw, uint32_t n,
		    struct wc_frame *out)
{
	bool all = true;
	for (uint32_t i = 0; i < n; i++) {
		const struct wc_mapping *m = wc_procmap_find(map, raw[i]);
		if (m) {
			out[i].binary = m->binary->id;
			out[i].offset = raw[i] - m->baddr;
		} else {
			out[i].binary = 0;
			out[i].offset = raw[i];
			all = false;
		}
	}
	return all;
}

static void add_pending(struct wc_agg *agg, struct wc_process *proc, const char *procname,
			const struct wc_obs *obs, const uint64_t *raw, uint32_t n)
{
	struct { uint64_t op; char procname[32]; uint64_t raw[MAX_FRAMES]; } key;
	memset(&key, 0, offsetof(__typeof__(key), raw));
	key.op = (uint64_t)obs->op;
	copy_name(key.procname, procname);
	memcpy(key.raw, raw, n * sizeof(*raw));
	struct wc_table_entry *e = wc_table_upsert(&proc->pending, &key,
						   offsetof(__typeof__(key), raw) + n * sizeof(*raw));
	if (!e) {
		agg->out_of_memory = true;
		return;
	}
	if (!e->value) {
		struct wc_pending *p = calloc(1, sizeof(*p) + n * sizeof(*raw));
		if (!p) {
			agg->out_of_memory = true;
			return;
		}
		p->op = obs->op;
		memcpy(p->procname, key.procname, sizeof(p->procname));
		p->n = n;
		memcpy(p->raw, raw, n * sizeof(*raw));
		e->value = p;
	}
	wc_cell_add(&((struct wc_pending *)e->value)->cell, obs);
}

static void observe(struct wc_agg *agg, struct wc_process *proc, const char *procname,
		    const struct wc_obs *obs, const uint64_t *raw, uint32_t n)
{
	if (agg->filters.op >= 0 && obs->op != agg->filters.op)
		return;
	if (obs->dur_ns < agg->filters.min_ns)
		return;
	if (agg->filters.procname && (!procname || strcmp(procname, agg->filters.procname)))
		return;
	if (n > MAX_FRAMES)
		n = MAX_FRAMES;
	if (obs->expired) {
		proc->expired++;
	} else {
		proc->waits++;
		proc->blocked_ns += obs->dur_ns;
	}
	if (procname && proc->waits + proc->expired == 1)
		copy_name(proc->procname, procname);
	if (agg->nby)
		wc_groups_add(agg, proc, procname, obs, raw, n);
	if (agg->timeline && !obs->expired)
		wc_timeline_add(agg, proc, obs, raw, n);

	struct wc_frame f[MAX_FRAMES];
	if (!agg->defer_all && wc_agg_resolve(&proc->map, raw, n, f))
		wc_agg_add_resolved(agg, procname, obs->op, f, n, NULL, obs);
	else
		add_pending(agg, proc, procname, obs, raw, n);
}

void wc_agg_wait(struct wc_agg *agg, struct wc_process *proc, const char *procname,
		 const struct wc_obs *obs, const uint64_t *frames, uint32_t nframes,
		 uint64_t ip)
{
	if (!proc || (agg->filters.pid >= 0 && proc->pid != agg->filters.pid))
		return;
	if (nframes == 0) {
		frames = &ip;
		nframes = 1;
	}
	observe(agg, proc, procname, obs, frames, nframes);
}

void wc_agg_expired(struct wc_agg *agg, struct wc_process *proc, const char *procname,
		    struct wc_obs *obs, uint64_t armed_ip)
{
	if (!proc || (agg->filters.pid >= 0 && proc->pid != agg->filters.pid))
		return;
	/* Nothing records what timeout the program meant to apply to a socket
	 * it waits on in an event loop: it counts as unbounded. */
	obs->outcome = WC_OUT_CAPPED;
	obs->timeout_ms = -1;
	obs->expired = true;
	observe(agg, proc, procname, obs, &armed_ip, 1);
}

void wc_agg_free(struct wc_agg *agg)
{
	WC_TABLE_FOREACH(&agg->processes, e) {
		struct wc_process *proc = e->value;
		wc_procmap_free(&proc->map);
		WC_TABLE_FOREACH(&proc->pending, p) {
			if (p->value)
				wc_cell_free(&((struct wc_pending *)p->value)->cell);
			free(p->value);
		}
		wc_table_free(&proc->pending);
		free(proc->orphans);
		free(proc);
	}
	wc_table_free(&agg->processes);
	WC_TABLE_FOREACH(&agg->sites, e) {
		struct wc_site *s = e->value;
		wc_cell_free(&s->cell);
		free(s->stack);
		free(s);
	}
	wc_table_free(&agg->sites);
	wc_phases_free(&agg->phases);
	WC_TABLE_FOREACH(&agg->stacks, e)
		free(e->value);
	wc_table_free(&agg->stacks);
	for (int i = 0; i < WC_ANALYZE_OPS; i++)
		wc_cell_free(&agg->ops[i]);
	wc_cell_free(&agg->all);
	wc_groups_free(agg);
	wc_timeline_free(&agg->tl);
	for (uint32_t i = 0; i < agg->nhosts; i++)
		free(agg->hosts[i]);
	free(agg->hosts);
	wc_binaries_free(&agg->bins);
}
