/* The tracepoint call sites of the waitcap provider, behind the plain C
 * emit API of waitcap_emit.h.
 *
 * Call sites and probes both live in libwaitcap-tp.so so that libwaitcap.so
 * needs no LTTng header and maps liblttng-ust only when it loads us. */
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "waitcap_tp.h"

#include <lttng/ust-fork.h>

#define WAITCAP_EXPORT __attribute__((visibility("default")))

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

WAITCAP_EXPORT void waitcap_tp_emit_wait(const struct waitcap_tp_wait *w,
					 const uint64_t *frames, uint32_t nframes,
					 void *ip)
{
	if (!lttng_ust_tracepoint_enabled(waitcap, wait))
		return;
	struct waitcap_tp_wait safe = *w;
	safe.func = or_empty(w->func);
	safe.peer = or_empty(w->peer);
	safe.rule = or_empty(w->rule);
	safe.name = or_empty(w->name);
	if (!frames)
		nframes = 0;
	if (nframes > WAITCAP_TP_MAX_FRAMES)
		nframes = WAITCAP_TP_MAX_FRAMES;
	lttng_ust_do_tracepoint(waitcap, wait, &safe, frames, nframes, ip);
}

WAITCAP_EXPORT void waitcap_tp_emit_expired(const struct waitcap_tp_expired *e)
{
	if (!lttng_ust_tracepoint_enabled(waitcap, expired))
		return;
	struct waitcap_tp_expired safe = *e;
	safe.peer = or_empty(e->peer);
	safe.rule = or_empty(e->rule);
	lttng_ust_do_tracepoint(waitcap, expired, &safe, e->armed_ip);
}

WAITCAP_EXPORT void waitcap_tp_emit_phase(const struct waitcap_tp_phase *p)
{
	if (!lttng_ust_tracepoint_enabled(waitcap, phase))
		return;
	struct waitcap_tp_phase safe = *p;
	safe.peer = or_empty(p->peer);
	safe.rule = or_empty(p->rule);
	safe.mode = or_empty(p->mode);
	lttng_ust_do_tracepoint(waitcap, phase, &safe, p->armed_ip);
}

WAITCAP_EXPORT void waitcap_tp_emit_config(const struct waitcap_tp_config *c, void *ip)
{
	if (!lttng_ust_tracepoint_enabled(waitcap, config))
		return;
	struct waitcap_tp_config safe = *c;
	safe.profile = or_empty(c->profile);
	safe.reason = or_empty(c->reason);
	safe.file = or_empty(c->file);
	safe.legacy_flag = or_empty(c->legacy_flag);
	safe.error = or_empty(c->error);
	safe.control = or_empty(c->control);
	lttng_ust_do_tracepoint(waitcap, config, &safe, ip);
}

/* lttng_ust_tracepoint_enabled() is LTTng-UST's public way to ask; it is a
 * macro over the tracepoint's own definition, so it can only be asked here,
 * where the tracepoints are defined: libwaitcap.so calls this instead of
 * reading LTTng's internal structures.  Measured with callgrind on the
 * ping-pong (docs/tracing.md, "Start-up cost"). */
WAITCAP_EXPORT uint32_t waitcap_tp_enabled(uint32_t which)
{
	uint32_t on = 0;
	if ((which & WAITCAP_TP_WAIT) && lttng_ust_tracepoint_enabled(waitcap, wait))
		on |= WAITCAP_TP_WAIT;
	if ((which & WAITCAP_TP_EXPIRED) && lttng_ust_tracepoint_enabled(waitcap, expired))
		on |= WAITCAP_TP_EXPIRED;
	if ((which & WAITCAP_TP_CONFIG) && lttng_ust_tracepoint_enabled(waitcap, config))
		on |= WAITCAP_TP_CONFIG;
	if ((which & WAITCAP_TP_PHASE) && lttng_ust_tracepoint_enabled(waitcap, phase))
		on |= WAITCAP_TP_PHASE;
	return on;
}

WAITCAP_EXPORT const struct waitcap_tp_api *waitcap_tp_get_api(void)
{
	static const struct waitcap_tp_api api = {
		.version = WAITCAP_TP_API_VERSION,
		.enabled = waitcap_tp_enabled,
		.emit_wait = waitcap_tp_emit_wait,
		.emit_expired = waitcap_tp_emit_expired,
		.emit_config = waitcap_tp_emit_config,
		.before_fork = lttng_ust_before_fork,
		.after_fork_parent = lttng_ust_after_fork_parent,
		.after_fork_child = lttng_ust_after_fork_child,
		.emit_phase = waitcap_tp_emit_phase,
	};
	return &api;
}
