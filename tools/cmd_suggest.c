/* waitcap suggest TRACE... [-o FILE] [--margin 2x] [--quantile 99.9]
 * [--floor DUR]: a profile file whose caps break no successful phase the
 * traces saw.
 *
 * From the waitcap:phase events (tools/analyze reads them): per
 * destination and op, the chosen quantile of the durations of the phases
 * that completed, times the margin, rounded up to a readable value (1, 1.5,
 * 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten, in ms), never below the
 * floor.  One rule per destination with a cap for each op it saw succeed;
 * the profile's own caps (for every other destination and op) from all
 * destinations' successful phases of that op, else the largest cap the
 * trace recorded.  The evidence for each rule is its "description" (a
 * field the loader accepts and ignores). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "analyze/aggregate.h"
#include "analyze/discover.h"
#include "analyze/read.h"
#include "duration.h"
#include "tools.h"

/* The ops suggested: the socket ops, indexed by enum wc_op. */
#define SUGGEST_OPS WC_SOCKET_OPS

static const char usage[] =
	"usage: waitcap suggest TRACE... [-o FILE] [--margin 2x] [--quantile 99.9]\n"
	"                       [--floor DUR]\n"
	"\n"
	"Propose caps from what a service did: reads traces recorded with\n"
	"libwaitcap.so (best in observe mode, WAITCAP_MODE=observe, or with\n"
	"FORCE_LEGACY_TIMEOUTS=true) and writes a profile file with one rule per\n"
	"destination whose caps break no successful connect, response or send\n"
	"phase seen: the quantile of the phases that completed, times the margin,\n"
	"rounded up to a readable value (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k ms),\n"
	"never below the floor.  The profile's own caps (every other destination)\n"
	"come from all successful phases of the op, else from the largest cap the\n"
	"trace recorded.  Each rule's \"description\" holds its evidence (count,\n"
	"quantile, max).  Phases shorter than WAITCAP_MIN_BLOCK (1 ms by default)\n"
	"are not in traces: the quantile is of the slower phases, which errs on\n"
	"the safe side.  'waitcap check FILE' accepts the result.\n"
	"\n"
	"  -o, --output FILE   write the profile there (default: stdout)\n"
	"      --margin M      times the quantile: 2x (default), 1.5, 3x\n"
	"      --quantile Q    percentile of successful durations: 99.9 (default)\n"
	"      --floor DUR     smallest cap suggested: 100ms (default)\n"
	"  -h, --help          show this help\n"
	"\n"
	"Exit status: 0 done, 1 unreadable trace or no phase events, 2 usage error.\n";

struct series {
	int64_t *v;       /* durations, ns */
	size_t n, cap;
	uint64_t failed;  /* phases that did not complete */
	int64_t max_cap;  /* largest cap recorded, -1 none */
};

struct dest {
	char *peer;
	struct series op[SUGGEST_OPS];
};

static int op_index(int op)
{
	return op >= 0 && op < SUGGEST_OPS ? op : -1;
}

static int add(struct series *s, int64_t ns)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		int64_t *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = ns;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Nearest rank: the smallest value with at least q % of the values at or
 * below it. */
static int64_t quantile(struct series *s, double q)
{
	qsort(s->v, s->n, sizeof(*s->v), cmp_i64);
	size_t rank = (size_t)ceil(q / 100.0 * (double)s->n);
	if (rank < 1)
		rank = 1;
	if (rank > s->n)
		rank = s->n;
	return s->v[rank - 1];
}

/* Round up to 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k ms. */
static int64_t readable_ms(double ms)
{
	static const double steps[] = {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10};
	if (ms <= 1)
		return 1;
	double p = pow(10, floor(log10(ms)));
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (steps[i] * p >= ms - 1e-9)
			return (int64_t)llround(steps[i] * p);
	return (int64_t)llround(10 * p);
}

static void fmt_dur(int64_t ms, char *buf, size_t len)
{
	if (ms >= 1000 && ms % 100 == 0) {
		if (ms % 1000 == 0)
			snprintf(buf, len, "%llds", (long long)(ms / 1000));
		else
			snprintf(buf, len, "%lld.%llds", (long long)(ms / 1000), (long long)(ms % 1000 / 100));
	} else {
		snprintf(buf, len, "%lldms", (long long)ms);
	}
}

static int64_t suggest_ms(struct series *s, double q, double margin, int64_t floor_ms,
			  int64_t *q_ns, int64_t *max_ns)
{
	*q_ns = quantile(s, q);
	*max_ns = s->v[s->n - 1];
	int64_t ms = readable_ms((double)*q_ns / 1e6 * margin);
	/* Never below what was seen to succeed, whatever the quantile. */
	if (ms * 1000000 < *max_ns)
		ms = readable_ms((double)*max_ns / 1e6);
	return ms < floor_ms ? floor_ms : ms;
}

/* A duration (duration.c's grammar) in whole milliseconds, rounded up;
 * more than 0 and at most a day. */
static int parse_floor_ms(const char *text, int64_t *ms)
{
	int64_t ns;
	int32_t cap_ms;
	if (wc_parse_duration_ns(text, &ns) != 0 || wc_ns_to_cap_ms(ns, &cap_ms) != 0 ||
	    cap_ms > 86400000)
		return -1;
	*ms = cap_ms;
	return 0;
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "waitcap suggest: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see waitcap suggest --help)\n");
	return 2;
}

/* "host:port" / "[v6]:port" into the match object. */
static cJSON *match_of(const char *peer)
{
	cJSON *m = cJSON_CreateObject();
	const char *colon = strrchr(peer, ':');
	char host[64];
	size_t hl = (size_t)(colon - peer);
	if (peer[0] == '[' && hl >= 2)
		snprintf(host, sizeof host, "%.*s", (int)(hl - 2), peer + 1);
	else
		snprintf(host, sizeof host, "%.*s", (int)hl, peer);
	cJSON_AddStringToObject(m, "host", host);
	cJSON_AddNumberToObject(m, "port", atoi(colon + 1));
	return m;
}

static void rule_name(const char *peer, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "dest_");
	for (const char *s = peer; *s && n + 1 < len; s++)
		if (*s != '[' && *s != ']')
			buf[n++] = (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ? *s : '_';
	buf[n] = 0;
}

int cmd_suggest(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"margin", required_argument, NULL, 'm'},
		{"quantile", required_argument, NULL, 'q'},
		{"floor", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *output = NULL;
	double margin = 2, q = 99.9;
	int64_t floor_ms = 100;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 'm':
			margin = strtod(optarg, &end);
			if (end == optarg || (*end && strcmp(end, "x")) || !(margin >= 1) || margin > 100)
				return usage_error("--margin needs a factor of at least 1 (2x, 1.5), not '%s'", optarg);
			break;
		case 'q':
			q = strtod(optarg, &end);
			if (end == optarg || *end || !(q > 0) || q > 100)
				return usage_error("--quantile needs a percentile in (0, 100] (99.9), not '%s'", optarg);
			break;
		case 'F':
			if (parse_floor_ms(optarg, &floor_ms) != 0)
				return usage_error("--floor needs a duration above 0 and at most a day (100ms, 1s; "
						   WC_DURATION_UNITS "), not '%s'", optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case ':':
			return usage_error("%s needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("%s", "no trace given: waitcap suggest TRACE_DIR...");

	char err[1024] = "";
	struct wc_trace_list traces;
	if (wc_find_traces(argv + optind, (size_t)(argc - optind), &traces, err, sizeof(err)) < 0) {
		fprintf(stderr, "waitcap suggest: %s\n", err);
		return 1;
	}
	struct wc_filters filters = {.pid = -1, .op = -1};
	const char *skip[] = {NULL};
	struct wc_agg agg;
	wc_agg_init(&agg, &filters, skip);
	int status = 1;
	struct dest *dests = NULL;
	size_t ndests = 0;
	struct series all[SUGGEST_OPS];
	memset(all, 0, sizeof(all));
	cJSON *root = NULL;
	if (wc_read_all(&agg, &traces, 1, false, err, sizeof(err)) < 0) {
		fprintf(stderr, "waitcap suggest: %s\n", err);
		goto out;
	}
	wc_agg_finish(&agg);
	for (int i = 0; i < SUGGEST_OPS; i++)
		all[i].max_cap = -1;
	size_t nphases = 0;
	for (size_t i = 0; i < agg.phases.count; i++) {
		const struct wc_phase *p = &agg.phases.v[i];
		int k = op_index(p->op);
		if (k < 0 || !p->peer[0])
			continue;
		nphases++;
		struct dest *d = NULL;
		for (size_t j = 0; j < ndests && !d; j++)
			if (!strcmp(dests[j].peer, p->peer))
				d = &dests[j];
		if (!d) {
			struct dest *v = realloc(dests, (ndests + 1) * sizeof(*v));
			if (!v)
				goto oom;
			dests = v;
			d = &dests[ndests++];
			memset(d, 0, sizeof(*d));
			d->peer = p->peer;
		}
		if (p->cap_ms > all[k].max_cap)
			all[k].max_cap = p->cap_ms;
		if (p->outcome == WC_OUT_COMPLETED) {
			if (add(&d->op[k], p->dur_ns) < 0 || add(&all[k], p->dur_ns) < 0)
				goto oom;
		} else {
			d->op[k].failed++;
		}
	}
	if (!nphases) {
		fprintf(stderr, "waitcap suggest: no waitcap:phase events in the traces "
			"(recorded with this version of libwaitcap.so, in observe, capping or legacy mode?)\n");
		goto out;
	}

	root = cJSON_CreateObject();
	cJSON_AddNumberToObject(root, "version", 1);
	char desc[1024];
	snprintf(desc, sizeof desc, "suggested by waitcap suggest from %zu phases in %zu trace%s: "
		 "p%g of successful phases x %g, rounded up, at least %lldms", nphases, traces.count,
		 traces.count == 1 ? "" : "s", q, margin, (long long)floor_ms);
	cJSON_AddStringToObject(root, "description", desc);
	cJSON_AddStringToObject(root, "default", "suggested");
	cJSON *profile = cJSON_AddObjectToObject(cJSON_AddObjectToObject(root, "profiles"), "suggested");
	cJSON *pcaps = cJSON_AddObjectToObject(profile, "caps");
	for (int k = 0; k < SUGGEST_OPS; k++) {
		int64_t qn, mx, ms = -1;
		char v[32];
		if (all[k].n)
			ms = suggest_ms(&all[k], q, margin, floor_ms, &qn, &mx);
		else if (all[k].max_cap >= 0)
			ms = all[k].max_cap;
		if (ms < 0)
			continue;
		fmt_dur(ms, v, sizeof v);
		cJSON_AddStringToObject(pcaps, wc_op_names[k], v);
	}
	cJSON *rules = cJSON_AddArrayToObject(root, "rules");
	for (size_t j = 0; j < ndests && j < 64; j++) {
		struct dest *d = &dests[j];
		cJSON *r = cJSON_CreateObject();
		char name[64], evidence[1024];
		rule_name(d->peer, name, sizeof name);
		cJSON_AddStringToObject(r, "name", name);
		cJSON_AddItemToObject(r, "match", match_of(d->peer));
		cJSON *caps = cJSON_AddObjectToObject(r, "caps");
		size_t n = (size_t)snprintf(evidence, sizeof evidence, "%s:", d->peer);
		for (int k = 0; k < SUGGEST_OPS; k++) {
			struct series *s = &d->op[k];
			if (!s->n && !s->failed)
				continue;
			if (!s->n) {
				n += (size_t)snprintf(evidence + n, sizeof evidence - n,
						      " %s: 0 completed, %llu failed (the profile's cap applies);",
						      wc_op_names[k], (unsigned long long)s->failed);
				continue;
			}
			int64_t qn, mx;
			int64_t ms = suggest_ms(s, q, margin, floor_ms, &qn, &mx);
			char v[32];
			fmt_dur(ms, v, sizeof v);
			cJSON_AddStringToObject(caps, wc_op_names[k], v);
			n += (size_t)snprintf(evidence + n, sizeof evidence - n,
					      " %s %s: %zu completed (p%g %.1fms, max %.1fms), %llu failed;",
					      wc_op_names[k], v, s->n, q, (double)qn / 1e6, (double)mx / 1e6,
					      (unsigned long long)s->failed);
			if (n >= sizeof evidence)
				n = sizeof evidence - 1;
		}
		if (n && evidence[n - 1] == ';')
			evidence[n - 1] = 0;
		cJSON_AddStringToObject(r, "description", evidence);
		cJSON_AddItemToArray(rules, r);
	}
	if (ndests > 64)
		fprintf(stderr, "waitcap suggest: %zu destinations: the first 64 get rules (a profile "
			"holds at most 64)\n", ndests);
	char *text = cJSON_Print(root);
	if (!text)
		goto oom;
	FILE *out = output ? fopen(output, "w") : stdout;
	if (!out) {
		fprintf(stderr, "waitcap suggest: %s: cannot write\n", output);
		free(text);
		goto out;
	}
	int bad = fprintf(out, "%s\n", text) < 0;
	free(text);
	if ((output && fclose(out) != 0) || (!output && fflush(out) != 0) || bad) {
		fprintf(stderr, "waitcap suggest: cannot write the profile\n");
		goto out;
	}
	status = 0;
	goto out;
oom:
	fprintf(stderr, "waitcap suggest: out of memory\n");
out:
	cJSON_Delete(root);
	for (size_t j = 0; j < ndests; j++)
		for (int k = 0; k < SUGGEST_OPS; k++)
			free(dests[j].op[k].v);
	free(dests);
	for (int k = 0; k < SUGGEST_OPS; k++)
		free(all[k].v);
	wc_agg_free(&agg);
	wc_trace_list_free(&traces);
	return status;
}
