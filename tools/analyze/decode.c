#include "decode.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum wc_kind {
	K_IGNORED, K_WAIT, K_EXPIRED, K_PHASE, K_BIN_INFO, K_BUILD_ID, K_DEBUG_LINK, K_UNLOAD
};

/* Payload fields the analyzer reads, in one enum across all kinds. */
enum wc_field {
	F_OP, F_DUR_NS, F_OUTCOME, F_TIMEOUT_MS, F_CAP_MS, F_FRAMES,   /* wait */
	F_PEER, F_RULE,                                                 /* wait, expired */
	F_NAME,                                                         /* wait */
	F_WAITED_NS, F_ARMED_IP,                                        /* expired */
	F_WOULD_CAP, F_MODE,                                            /* phase */
	F_OBSERVED,                                                     /* expired */
	F_BADDR, F_MEMSZ, F_PATH, F_IS_PIC, F_BUILD_ID, F_FILENAME,     /* binary map */
	F_COUNT
};

enum wc_ctx { C_VPID, C_VTID, C_PROCNAME, C_IP, C_COUNT };

/* An op or outcome field: an enumeration (its values mapped once, through
 * their labels, to wc_vocab.h's enum) or, in traces from before
 * WAITCAP_TP_API_VERSION 5, a string. */
#define WC_LABELLED_MAX 64        /* enumeration values mapped; others are "other" */
struct wc_labelled {
	bool is_enum;
	int8_t id[WC_LABELLED_MAX];  /* by the field's value: enum wc_op or wc_outcome */
};

struct wc_class {
	enum wc_kind kind;
	int64_t field[F_COUNT];   /* member index in the payload, -1 absent */
	int64_t ctx[C_COUNT];     /* member index in the common context, -1 absent */
	struct wc_labelled op, outcome;
};

struct field_spec {
	enum wc_field id;
	const char *name;
	int type;                 /* 'i' integer, 's' string, 'a' array of integers,
				   * 'e' enumeration or string */
	bool required;
};

static const struct field_spec wait_fields[] = {
	{ F_OP, "op", 'e', true }, { F_DUR_NS, "dur_ns", 'i', true },
	{ F_OUTCOME, "outcome", 'e', true }, { F_TIMEOUT_MS, "timeout_ms", 'i', true },
	{ F_CAP_MS, "cap_ms", 'i', true }, { F_FRAMES, "frames", 'a', false },
	{ F_PEER, "peer", 's', false }, { F_RULE, "rule", 's', false },
	{ F_NAME, "name", 's', false }, { 0 }
};
static const struct field_spec expired_fields[] = {
	{ F_OP, "op", 'e', true }, { F_CAP_MS, "cap_ms", 'i', true },
	{ F_WAITED_NS, "waited_ns", 'i', true }, { F_ARMED_IP, "armed_ip", 'i', true },
	{ F_PEER, "peer", 's', false }, { F_RULE, "rule", 's', false },
	{ F_OBSERVED, "observed", 'i', false }, { 0 }
};
static const struct field_spec phase_fields[] = {
	{ F_OP, "op", 'e', true }, { F_DUR_NS, "dur_ns", 'i', true },
	{ F_OUTCOME, "outcome", 'e', true }, { F_CAP_MS, "cap_ms", 'i', true },
	{ F_ARMED_IP, "armed_ip", 'i', true }, { F_WOULD_CAP, "would_cap", 'i', false },
	{ F_MODE, "mode", 's', false },
	{ F_PEER, "peer", 's', false }, { F_RULE, "rule", 's', false }, { 0 }
};
static const struct field_spec bin_info_fields[] = {
	{ F_BADDR, "baddr", 'i', true }, { F_MEMSZ, "memsz", 'i', true },
	{ F_PATH, "path", 's', true }, { F_IS_PIC, "is_pic", 'i', false }, { 0 }
};
static const struct field_spec build_id_fields[] = {
	{ F_BADDR, "baddr", 'i', true }, { F_BUILD_ID, "build_id", 'a', true }, { 0 }
};
static const struct field_spec debug_link_fields[] = {
	{ F_BADDR, "baddr", 'i', true }, { F_FILENAME, "filename", 's', true }, { 0 }
};
static const struct field_spec unload_fields[] = {
	{ F_BADDR, "baddr", 'i', true }, { 0 }
};

static enum wc_kind kind_of(const char *name, const struct field_spec **spec)
{
	static const struct { const char *name; enum wc_kind kind; const struct field_spec *spec; } known[] = {
		{ "waitcap:wait", K_WAIT, wait_fields },
		{ "waitcap:expired", K_EXPIRED, expired_fields },
		{ "waitcap:phase", K_PHASE, phase_fields },
		{ "lttng_ust_statedump:bin_info", K_BIN_INFO, bin_info_fields },
		{ "lttng_ust_statedump:build_id", K_BUILD_ID, build_id_fields },
		{ "lttng_ust_statedump:debug_link", K_DEBUG_LINK, debug_link_fields },
		{ "lttng_ust_lib:load", K_BIN_INFO, bin_info_fields },
		{ "lttng_ust_lib:build_id", K_BUILD_ID, build_id_fields },
		{ "lttng_ust_lib:debug_link", K_DEBUG_LINK, debug_link_fields },
		{ "lttng_ust_lib:unload", K_UNLOAD, unload_fields },
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++)
		if (strcmp(name, known[i].name) == 0) {
			*spec = known[i].spec;
			return known[i].kind;
		}
	return K_IGNORED;
}

static bool type_matches(const bt_field_class *fc, int type)
{
	switch (type) {
	case 'i':
		return bt_field_class_type_is(bt_field_class_get_type(fc), BT_FIELD_CLASS_TYPE_INTEGER);
	case 's':
		return bt_field_class_get_type(fc) == BT_FIELD_CLASS_TYPE_STRING;
	case 'e':
		return bt_field_class_get_type(fc) == BT_FIELD_CLASS_TYPE_STRING ||
		       bt_field_class_type_is(bt_field_class_get_type(fc),
					      BT_FIELD_CLASS_TYPE_ENUMERATION);
	case 'a':
		return bt_field_class_type_is(bt_field_class_get_type(fc), BT_FIELD_CLASS_TYPE_ARRAY) &&
		       bt_field_class_type_is(bt_field_class_get_type(
			       bt_field_class_array_borrow_element_field_class_const(fc)),
			       BT_FIELD_CLASS_TYPE_INTEGER);
	}
	return false;
}

/* Index of the member `name` of type `type` in struct class sc, or -1. */
static int64_t member_index(const bt_field_class *sc, const char *name, int type)
{
	if (!sc || bt_field_class_get_type(sc) != BT_FIELD_CLASS_TYPE_STRUCTURE)
		return -1;
	uint64_t n = bt_field_class_structure_get_member_count(sc);
	for (uint64_t i = 0; i < n; i++) {
		const bt_field_class_structure_member *m =
			bt_field_class_structure_borrow_member_by_index_const(sc, i);
		if (strcmp(bt_field_class_structure_member_get_name(m), name) == 0)
			return type_matches(bt_field_class_structure_member_borrow_field_class_const(m), type)
			       ? (int64_t)i : -1;
	}
	return -1;
}

/* Values [lower, upper] of an enumeration field are called label. */
static void label_range(struct wc_labelled *l, uint64_t lower, uint64_t upper, const char *label,
			int (*parse)(const char *))
{
	int id = parse(label);
	for (uint64_t v = lower; v <= upper && v < WC_LABELLED_MAX; v++)
		l->id[v] = (int8_t)id;
}

/* l from the enumeration field class fc (a string field leaves it unset);
 * parse: the analyzer's name → id. */
static void label_values(struct wc_labelled *l, const bt_field_class *fc, int (*parse)(const char *))
{
	l->is_enum = fc && bt_field_class_type_is(bt_field_class_get_type(fc),
						  BT_FIELD_CLASS_TYPE_ENUMERATION);
	if (!l->is_enum)
		return;
	int unknown = parse("");
	for (int v = 0; v < WC_LABELLED_MAX; v++)
		l->id[v] = (int8_t)unknown;
	bool is_signed = bt_field_class_get_type(fc) == BT_FIELD_CLASS_TYPE_SIGNED_ENUMERATION;
	uint64_t n = bt_field_class_enumeration_get_mapping_count(fc);
	for (uint64_t i = 0; i < n; i++) {
		if (is_signed) {
			const bt_field_class_enumeration_signed_mapping *m =
				bt_field_class_enumeration_signed_borrow_mapping_by_index_const(fc, i);
			const char *label = bt_field_class_enumeration_mapping_get_label(
				bt_field_class_enumeration_signed_mapping_as_mapping_const(m));
			const bt_integer_range_set_signed *ranges =
				bt_field_class_enumeration_signed_mapping_borrow_ranges_const(m);
			for (uint64_t r = 0; r < bt_integer_range_set_get_range_count(
					     bt_integer_range_set_signed_as_range_set_const(ranges)); r++) {
				const bt_integer_range_signed *range =
					bt_integer_range_set_signed_borrow_range_by_index_const(ranges, r);
				int64_t lo = bt_integer_range_signed_get_lower(range);
				int64_t hi = bt_integer_range_signed_get_upper(range);
				if (hi >= 0)
					label_range(l, lo < 0 ? 0 : (uint64_t)lo, (uint64_t)hi, label, parse);
			}
		} else {
			const bt_field_class_enumeration_unsigned_mapping *m =
				bt_field_class_enumeration_unsigned_borrow_mapping_by_index_const(fc, i);
			const char *label = bt_field_class_enumeration_mapping_get_label(
				bt_field_class_enumeration_unsigned_mapping_as_mapping_const(m));
			const bt_integer_range_set_unsigned *ranges =
				bt_field_class_enumeration_unsigned_mapping_borrow_ranges_const(m);
			for (uint64_t r = 0; r < bt_integer_range_set_get_range_count(
					     bt_integer_range_set_unsigned_as_range_set_const(ranges)); r++) {
				const bt_integer_range_unsigned *range =
					bt_integer_range_set_unsigned_borrow_range_by_index_const(ranges, r);
				label_range(l, bt_integer_range_unsigned_get_lower(range),
					    bt_integer_range_unsigned_get_upper(range), label, parse);
			}
		}
	}
}

static const bt_field_class *member_class(const bt_field_class *sc, int64_t index)
{
	return index < 0 ? NULL : bt_field_class_structure_member_borrow_field_class_const(
		bt_field_class_structure_borrow_member_by_index_const(sc, (uint64_t)index));
}

static struct wc_class *class_info(struct wc_decoder *dec, const bt_event_class *ec)
{
	if (ec == dec->last_class)
		return dec->last_info;
	struct wc_table_entry *e = wc_table_upsert(&dec->classes, &ec, sizeof(ec));
	if (!e)
		return NULL;
	if (!e->value) {
		struct wc_class *c = calloc(1, sizeof(*c));
		if (!c)
			return NULL;
		const struct field_spec *spec = NULL;
		const char *name = bt_event_class_get_name(ec);
		c->kind = name ? kind_of(name, &spec) : K_IGNORED;
		for (int i = 0; i < F_COUNT; i++)
			c->field[i] = -1;
		const bt_field_class *payload = bt_event_class_borrow_payload_field_class_const(ec);
		for (const struct field_spec *s = spec; s && s->name; s++) {
			c->field[s->id] = member_index(payload, s->name, s->type);
			if (c->field[s->id] < 0 && s->required) {
				snprintf(dec->error, sizeof(dec->error),
					 "event %s has no %s field of the expected type "
					 "(a trace from another waitcap version?)", name, s->name);
				free(c);
				return NULL;
			}
		}
		label_values(&c->op, member_class(payload, c->field[F_OP]), wc_analyze_op_parse);
		label_values(&c->outcome, member_class(payload, c->field[F_OUTCOME]),
			     wc_analyze_outcome_parse);
		const bt_field_class *ctx = bt_stream_class_borrow_event_common_context_field_class_const(
			bt_event_class_borrow_stream_class_const(ec));
		c->ctx[C_VPID] = member_index(ctx, "vpid", 'i');
		c->ctx[C_VTID] = member_index(ctx, "vtid", 'i');
		c->ctx[C_PROCNAME] = member_index(ctx, "procname", 's');
		c->ctx[C_IP] = member_index(ctx, "ip", 'i');
		e->value = c;
	}
	dec->last_class = ec;
	dec->last_info = e->value;
	return e->value;
}

static const bt_field *member(const bt_field *sf, int64_t index)
{
	return index < 0 ? NULL : bt_field_structure_borrow_member_field_by_index_const(sf, (uint64_t)index);
}

static int64_t get_int(const bt_field *sf, int64_t index, int64_t dflt)
{
	const bt_field *f = member(sf, index);
	if (!f)
		return dflt;
	if (bt_field_get_class_type(f) == BT_FIELD_CLASS_TYPE_SIGNED_INTEGER ||
	    bt_field_get_class_type(f) == BT_FIELD_CLASS_TYPE_SIGNED_ENUMERATION)
		return bt_field_integer_signed_get_value(f);
	return (int64_t)bt_field_integer_unsigned_get_value(f);
}

static const char *get_str(const bt_field *sf, int64_t index)
{
	const bt_field *f = member(sf, index);
	return f ? bt_field_string_get_value(f) : NULL;
}

/* An op or outcome: the enumeration's value through l, or the string parsed. */
static int get_labelled(const bt_field *sf, int64_t index, const struct wc_labelled *l,
			int (*parse)(const char *))
{
	const bt_field *f = member(sf, index);
	if (!f)
		return parse("");
	if (!l->is_enum) {
		const char *s = bt_field_string_get_value(f);
		return parse(s ? s : "");
	}
	int64_t v = get_int(sf, index, -1);
	return v >= 0 && v < WC_LABELLED_MAX ? l->id[v] : parse("");
}

/* Up to max integers of an array member into out; returns how many. */
static uint32_t get_array(const bt_field *sf, int64_t index, void *out, size_t elem, uint32_t max)
{
	const bt_field *f = member(sf, index);
	if (!f)
		return 0;
	uint64_t n = bt_field_array_get_length(f);
	if (n > max)
		n = max;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t v = bt_field_integer_unsigned_get_value(
			bt_field_array_borrow_element_field_by_index_const(f, i));
		if (elem == 8)
			((uint64_t *)out)[i] = v;
		else
			((uint8_t *)out)[i] = (uint8_t)v;
	}
	return (uint32_t)n;
}

/* A relay daemon writes OUTPUT/HOST/SESSION/ust/...: HOST is the
 * component two above the domain directory (ust or kernel). */
static bool host_from_relay_path(const char *path, char *host, size_t len)
{
	if (!path)
		return false;
	const char *dom = strstr(path, "/ust/");
	if (!dom)
		dom = strstr(path, "/kernel");
	if (!dom)
		return false;
	const char *session = dom, *start;
	while (session > path && session[-1] != '/')
		session--;
	if (session <= path + 1)
		return false;
	start = session - 1;
	while (start > path && start[-1] != '/')
		start--;
	size_t n = (size_t)(session - 1 - start);
	if (!n || n >= len)
		return false;
	memcpy(host, start, n);
	host[n] = 0;
	return true;
}

/* The trace environment's hostname (the session daemon's) is the
 * authority; the relay tree's path a fallback. */
static uint32_t host_of(struct wc_decoder *dec, const bt_event *ev)
{
	const bt_trace *trace = bt_stream_borrow_trace_const(bt_event_borrow_stream_const(ev));
	if (trace == dec->last_trace)
		return dec->last_host;
	const bt_value *v = bt_trace_borrow_environment_entry_value_by_name_const(trace, "hostname");
	char from_path[256];
	const char *host = v && bt_value_is_string(v) ? bt_value_string_get(v) :
			   host_from_relay_path(bt_trace_get_name(trace), from_path, sizeof(from_path))
			   ? from_path : "unknown";
	dec->last_trace = trace;
	dec->last_host = wc_agg_host(dec->agg, host);
	return dec->last_host;
}

static struct wc_process *process_of(struct wc_decoder *dec, uint32_t host, int64_t pid,
				     const char *procname)
{
	if (dec->last_proc.proc && dec->last_proc.host == host && dec->last_proc.pid == pid) {
		struct wc_process *p = dec->last_proc.proc;
		if (!p->procname[0] && procname)
			return wc_agg_process(dec->agg, host, pid, procname);
		return p;
	}
	struct wc_process *p = wc_agg_process(dec->agg, host, pid, procname);
	dec->last_proc.host = host;
	dec->last_proc.pid = pid;
	dec->last_proc.proc = p;
	return p;
}

/* What only views and the timeline need: read only when asked for, so
 * that the default report decodes no more than it uses. */
static void decode_details(const struct wc_decoder *dec, const bt_message *msg,
			   const struct wc_class *c, const bt_field *payload,
			   const bt_field *ctx, struct wc_obs *obs)
{
	obs->tid = -1;
	if (!dec->details)
		return;
	obs->peer = get_str(payload, c->field[F_PEER]);
	obs->rule = get_str(payload, c->field[F_RULE]);
	obs->name = get_str(payload, c->field[F_NAME]);
	obs->tid = ctx ? get_int(ctx, c->ctx[C_VTID], -1) : -1;
	const bt_clock_snapshot *cs = bt_message_event_borrow_default_clock_snapshot_const(msg);
	if (cs && bt_clock_snapshot_get_ns_from_origin(cs, &obs->ts_ns) !=
		  BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK)
		obs->ts_ns = 0;
}

static void decode_event(struct wc_decoder *dec, const bt_message *msg, struct wc_class *c)
{
	const bt_event *ev = bt_message_event_borrow_event_const(msg);
	const bt_field *payload = bt_event_borrow_payload_field_const(ev);
	const bt_field *ctx = bt_event_borrow_common_context_field_const(ev);
	int64_t pid = ctx ? get_int(ctx, c->ctx[C_VPID], -1) : -1;
	const char *procname = ctx ? get_str(ctx, c->ctx[C_PROCNAME]) : NULL;
	struct wc_process *proc = process_of(dec, host_of(dec, ev), pid, procname);
	if (!proc)
		return;

	switch (c->kind) {
	case K_WAIT: {
		uint64_t frames[128];
		struct wc_obs obs = {
			.op = get_labelled(payload, c->field[F_OP], &c->op, wc_analyze_op_parse),
			.outcome = get_labelled(payload, c->field[F_OUTCOME], &c->outcome,
						wc_analyze_outcome_parse),
			.dur_ns = get_int(payload, c->field[F_DUR_NS], 0),
			.timeout_ms = get_int(payload, c->field[F_TIMEOUT_MS], -1),
			.cap_ms = get_int(payload, c->field[F_CAP_MS], -1),
		};
		decode_details(dec, msg, c, payload, ctx, &obs);
		uint32_t n = get_array(payload, c->field[F_FRAMES], frames, 8, 128);
		uint64_t ip = ctx ? (uint64_t)get_int(ctx, c->ctx[C_IP], 0) : 0;
		wc_agg_wait(dec->agg, proc, procname, &obs, frames, n, ip);
		break;
	}
	case K_EXPIRED: {
		/* Observe mode: a deadline that would have fired cut nothing; the
		 * what-if (waitcap:phase) accounts for it. */
		if (get_int(payload, c->field[F_OBSERVED], 0))
			break;
		struct wc_obs obs = {
			.op = get_labelled(payload, c->field[F_OP], &c->op, wc_analyze_op_parse),
			.dur_ns = get_int(payload, c->field[F_WAITED_NS], 0),
			.cap_ms = get_int(payload, c->field[F_CAP_MS], -1),
		};
		decode_details(dec, msg, c, payload, ctx, &obs);
		wc_agg_expired(dec->agg, proc, procname, &obs,
			       (uint64_t)get_int(payload, c->field[F_ARMED_IP], 0));
		break;
	}
	case K_PHASE: {
		const char *mode = get_str(payload, c->field[F_MODE]);
		struct wc_phase ph = {
			.op = get_labelled(payload, c->field[F_OP], &c->op, wc_analyze_op_parse),
			.outcome = get_labelled(payload, c->field[F_OUTCOME], &c->outcome,
						wc_analyze_outcome_parse),
			.would_cap = get_int(payload, c->field[F_WOULD_CAP], 0) != 0,
			.observed = mode && strcmp(mode, "observe") == 0,
			.dur_ns = get_int(payload, c->field[F_DUR_NS], 0),
			.cap_ms = get_int(payload, c->field[F_CAP_MS], -1),
			.ip = (uint64_t)get_int(payload, c->field[F_ARMED_IP], 0),
			.peer = (char *)get_str(payload, c->field[F_PEER]),
			.rule = (char *)get_str(payload, c->field[F_RULE]),
		};
		wc_agg_phase(dec->agg, proc, &ph);
		break;
	}
	case K_BIN_INFO: {
		const char *path = get_str(payload, c->field[F_PATH]);
		wc_agg_bin_info(dec->agg, proc, (uint64_t)get_int(payload, c->field[F_BADDR], 0),
				(uint64_t)get_int(payload, c->field[F_MEMSZ], 0), path ? path : "?",
				get_int(payload, c->field[F_IS_PIC], 1) != 0);
		break;
	}
	case K_BUILD_ID: {
		uint8_t id[64];
		uint32_t n = get_array(payload, c->field[F_BUILD_ID], id, 1, sizeof(id));
		wc_agg_build_id(dec->agg, proc, (uint64_t)get_int(payload, c->field[F_BADDR], 0), id, n);
		break;
	}
	case K_DEBUG_LINK: {
		const char *name = get_str(payload, c->field[F_FILENAME]);
		if (name)
			wc_agg_debug_link(dec->agg, proc, (uint64_t)get_int(payload, c->field[F_BADDR], 0), name);
		break;
	}
	case K_UNLOAD:
		wc_agg_unload(dec->agg, proc, (uint64_t)get_int(payload, c->field[F_BADDR], 0));
		break;
	case K_IGNORED:
		break;
	}
}

_Atomic uint64_t wc_events_seen;

void wc_decoder_init(struct wc_decoder *dec, struct wc_agg *agg)
{
	memset(dec, 0, sizeof(*dec));
	dec->agg = agg;
	dec->details = agg->nby > 0 || agg->timeline;
}

bool wc_decode_message(struct wc_decoder *dec, const bt_message *msg)
{
	switch (bt_message_get_type(msg)) {
	case BT_MESSAGE_TYPE_EVENT: {
		dec->agg->events_read++;
		if ((dec->agg->events_read & 0xffff) == 0) {
			atomic_fetch_add_explicit(&wc_events_seen, 0x10000, memory_order_relaxed);
			int64_t ns;
			const bt_clock_snapshot *cs = bt_message_event_borrow_default_clock_snapshot_const(msg);
			if (cs && bt_clock_snapshot_get_ns_from_origin(cs, &ns) ==
				  BT_CLOCK_SNAPSHOT_GET_NS_FROM_ORIGIN_STATUS_OK)
				dec->last_ns = ns;
		}
		const bt_event *ev = bt_message_event_borrow_event_const(msg);
		struct wc_class *c = class_info(dec, bt_event_borrow_class_const(ev));
		if (!c) {
			if (!dec->error[0])
				snprintf(dec->error, sizeof(dec->error), "out of memory");
			return false;
		}
		if (c->kind != K_IGNORED)
			decode_event(dec, msg, c);
		return true;
	}
	case BT_MESSAGE_TYPE_DISCARDED_EVENTS: {
		uint64_t n;
		if (bt_message_discarded_events_get_count(msg, &n) == BT_PROPERTY_AVAILABILITY_AVAILABLE)
			dec->agg->lost_events += n;
		return true;
	}
	case BT_MESSAGE_TYPE_DISCARDED_PACKETS: {
		uint64_t n;
		if (bt_message_discarded_packets_get_count(msg, &n) == BT_PROPERTY_AVAILABILITY_AVAILABLE)
			dec->agg->lost_packets += n;
		return true;
	}
	default:
		return true;
	}
}

void wc_decoder_free(struct wc_decoder *dec)
{
	WC_TABLE_FOREACH(&dec->classes, e)
		free(e->value);
	wc_table_free(&dec->classes);
}
