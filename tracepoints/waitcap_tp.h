/* The `waitcap` LTTng-UST provider: the events and their fields.
 *
 * Only tracepoints/ includes this header.  libwaitcap.so never does: it
 * dlopen()s libwaitcap-tp.so and calls the emit functions of
 * waitcap_emit.h, so that liblttng-ust is mapped only once a session wants
 * the process (never with WAITCAP_TRACE=0).
 *
 * Every event takes the program's call address as its last argument `ip`
 * (LTTNG_UST_TP_IP_PARAM), so the `ip` context points at the program, not
 * at the wrapper or at libwaitcap-tp.so.
 *
 * Field names and types are a contract with the analyzer (tools/analyze):
 * change them only together.  `op` and `outcome` are enumeration fields
 * whose labels are wc_vocab.h's names: a reader gets the name without
 * knowing the values (babeltrace2 prints the label).
 */
#undef LTTNG_UST_TRACEPOINT_PROVIDER
#define LTTNG_UST_TRACEPOINT_PROVIDER waitcap

#undef LTTNG_UST_TRACEPOINT_INCLUDE
#define LTTNG_UST_TRACEPOINT_INCLUDE "waitcap_tp.h"

#if !defined(WAITCAP_TP_H) || defined(LTTNG_UST_TRACEPOINT_HEADER_MULTI_READ)
#define WAITCAP_TP_H

#include <stdint.h>
#include <lttng/tracepoint.h>

#include "waitcap_emit.h"

/* One entry per op and per outcome, from wc_vocab.h's lists. */
#define WAITCAP_TP_OP_VALUE_(id, name) lttng_ust_field_enum_value(name, WC_OP_##id)
#define WAITCAP_TP_OUTCOME_VALUE_(id, name) lttng_ust_field_enum_value(name, WC_OUT_##id)

LTTNG_UST_TRACEPOINT_ENUM(waitcap, op,
	LTTNG_UST_TP_ENUM_VALUES(WC_OPS(WAITCAP_TP_OP_VALUE_))
)

LTTNG_UST_TRACEPOINT_ENUM(waitcap, outcome,
	LTTNG_UST_TP_ENUM_VALUES(WC_OUTCOMES(WAITCAP_TP_OUTCOME_VALUE_))
)

/* waitcap:wait — one wait that blocked at least WAITCAP_MIN_BLOCK, or was
 * capped.  frames: return addresses, innermost first, libwaitcap.so's own
 * frames dropped, at most WAITCAP_TP_MAX_FRAMES. */
LTTNG_UST_TRACEPOINT_EVENT(waitcap, wait,
	LTTNG_UST_TP_ARGS(const struct waitcap_tp_wait *, w,
			  const uint64_t *, frames, uint32_t, nframes,
			  void *, ip),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_enum(waitcap, op, uint8_t, op, w->op)
		lttng_ust_field_string(func, w->func)
		lttng_ust_field_integer(int32_t, fd, w->fd)
		lttng_ust_field_string(peer, w->peer)
		lttng_ust_field_string(rule, w->rule)
		lttng_ust_field_integer(int64_t, timeout_ms, w->timeout_ms)
		lttng_ust_field_integer(int64_t, cap_ms, w->cap_ms)
		lttng_ust_field_integer(int64_t, dur_ns, w->dur_ns)
		lttng_ust_field_enum(waitcap, outcome, uint8_t, outcome, w->outcome)
		lttng_ust_field_integer(int64_t, ret, w->ret)
		lttng_ust_field_integer(int32_t, err, w->err)
		lttng_ust_field_string(name, w->name)
		lttng_ust_field_sequence_hex(uint64_t, frames, frames,
					     uint32_t, nframes)
		lttng_ust_field_unused(ip)
	)
)

/* waitcap:expired — a socket deadline fired while no blocking call was
 * waiting on it (event loops, poll loops).  ip and armed_ip are both the
 * connect or send that armed the deadline. */
LTTNG_UST_TRACEPOINT_EVENT(waitcap, expired,
	LTTNG_UST_TP_ARGS(const struct waitcap_tp_expired *, e, void *, ip),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_enum(waitcap, op, uint8_t, op, e->op)
		lttng_ust_field_integer(int32_t, fd, e->fd)
		lttng_ust_field_string(peer, e->peer)
		lttng_ust_field_string(rule, e->rule)
		lttng_ust_field_integer(int64_t, cap_ms, e->cap_ms)
		lttng_ust_field_integer(int64_t, waited_ns, e->waited_ns)
		lttng_ust_field_integer_hex(uint64_t, armed_ip,
					    (uint64_t)(uintptr_t)e->armed_ip)
		lttng_ust_field_integer(int32_t, observed, e->observed)
		lttng_ust_field_unused(ip)
	)
)

/* waitcap:phase — a connect, response or send phase of a socket ended
 * (armed at the connect or the request's send, ended by the connection,
 * the answer, the send going through, an error, the cap, or a close),
 * when it lasted at least WAITCAP_MIN_BLOCK or was (or, observing, would
 * have been) capped.  ip and armed_ip are the call that started it. */
LTTNG_UST_TRACEPOINT_EVENT(waitcap, phase,
	LTTNG_UST_TP_ARGS(const struct waitcap_tp_phase *, p, void *, ip),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_enum(waitcap, op, uint8_t, op, p->op)
		lttng_ust_field_integer(int32_t, fd, p->fd)
		lttng_ust_field_string(peer, p->peer)
		lttng_ust_field_string(rule, p->rule)
		lttng_ust_field_integer(int64_t, cap_ms, p->cap_ms)
		lttng_ust_field_integer(int64_t, dur_ns, p->dur_ns)
		lttng_ust_field_enum(waitcap, outcome, uint8_t, outcome, p->outcome)
		lttng_ust_field_integer(int32_t, would_cap, p->would_cap)
		lttng_ust_field_string(mode, p->mode)
		lttng_ust_field_integer_hex(uint64_t, armed_ip,
					    (uint64_t)(uintptr_t)p->armed_ip)
		lttng_ust_field_unused(ip)
	)
)

/* waitcap:config — the active policy, at start and whenever it changes
 * (control: the last rollback or restore, with its reason).
 * Strings are empty when not applicable; caps are -1 for none. */
LTTNG_UST_TRACEPOINT_EVENT(waitcap, config,
	LTTNG_UST_TP_ARGS(const struct waitcap_tp_config *, c, void *, ip),
	LTTNG_UST_TP_FIELDS(
		lttng_ust_field_string(profile, c->profile)
		lttng_ust_field_string(reason, c->reason)
		lttng_ust_field_string(file, c->file)
		lttng_ust_field_string(legacy_flag, c->legacy_flag)
		lttng_ust_field_string(error, c->error)
		lttng_ust_field_integer(int32_t, legacy, c->legacy)
		lttng_ust_field_integer(int64_t, connect_cap_ms, c->connect_cap_ms)
		lttng_ust_field_integer(int64_t, recv_cap_ms, c->recv_cap_ms)
		lttng_ust_field_integer(int64_t, send_cap_ms, c->send_cap_ms)
		lttng_ust_field_integer(int32_t, nrules, c->nrules)
		lttng_ust_field_string(control, c->control)
		lttng_ust_field_unused(ip)
	)
)

#endif /* WAITCAP_TP_H */

#include <lttng/tracepoint-event.h>
