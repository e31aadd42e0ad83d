/* waitcap exporter: every preloaded process's counters on /metrics, in the
 * Prometheus text exposition format, served by libmicrohttpd. */
#include <errno.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats_read.h"
#include "tools.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: waitcap exporter --listen ADDR:PORT\n\n"
		"Serves the live counters of every preloaded process this user may read\n"
		"(run it as root to see every user's) on http://ADDR:PORT/metrics in the\n"
		"Prometheus text format, read from the processes' stats files at each\n"
		"scrape (the processes pay nothing for it).  Runs until SIGINT/SIGTERM.\n\n"
		"  --listen ADDR:PORT   e.g. 127.0.0.1:9464, [::1]:9464, 0.0.0.0:9464\n"
		"  -h, --help           show this help\n\n"
		"Metrics (docs/stats.md has the list): waitcap_process_info, per op\n"
		"waitcap_{waits,capped,would_cap,app_timeouts,errors,timed_waits}_total and\n"
		"waitcap_blocked_seconds_total; the histograms waitcap_connection_seconds\n"
		"and waitcap_response_seconds; per destination\n"
		"waitcap_destination_{connects,connect_failures,connect_timeouts,capped,\n"
		"responses,response_timeouts,would_cap}_total, the gauge waitcap_destination_rolled_back\n"
		"and the histogram waitcap_destination_connection_seconds.  Labels: pid,\n"
		"procname, profile, environment, mode (all series), op, peer, name, rule.\n"
		"Cardinality per process: 6 ops, at most 65 destination rows (64 and\n"
		"\"other\"), 20 buckets per histogram.  Rules for the seed plan's alerts:\n"
		"docs/examples/prometheus/.\n");
}

/* Prometheus buckets: powers of two of microseconds, 256 us .. 67 s; each
 * is a boundary of the library's log-linear buckets, so counts are exact. */
#define LE_FIRST_POW 8
#define LE_LAST_POW 26

/* A label value with \, " and newline escaped, as the format requires. */
static void put_label(FILE *f, const char *name, const char *value, bool first)
{
	fprintf(f, "%s%s=\"", first ? "" : ",", name);
	for (const char *p = value; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', f), fputc(*p, f);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void put_base(FILE *f, const struct wc_stats_file *s)
{
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", s->pid);
	put_label(f, "pid", pid, true);
	put_label(f, "procname", s->procname, false);
	put_label(f, "profile", s->profile, false);
	put_label(f, "environment", s->environment, false);
	put_label(f, "mode", wc_stats_mode_name(s->mode), false);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One histogram's series; extra: more labels (already formatted, may be ""). */
static void put_hist(FILE *f, const char *name, const struct wc_stats_file *s, const char *extra,
		     const struct wc_stats_hist *h)
{
	uint64_t cum = 0;
	unsigned i = 0;
	for (int k = LE_FIRST_POW; k <= LE_LAST_POW; k++) {
		for (; i < WC_HIST_BUCKETS && wc_hist_upper(i) <= (1ull << k); i++)
			cum += h->bucket[i];
		fprintf(f, "%s_bucket{", name);
		put_base(f, s);
		fprintf(f, "%s,le=\"%.9g\"} %llu\n", extra, (double)(1ull << k) / 1e6,
			(unsigned long long)cum);
	}
	for (; i < WC_HIST_BUCKETS; i++)
		cum += h->bucket[i];
	fprintf(f, "%s_bucket{", name);
	put_base(f, s);
	fprintf(f, "%s,le=\"+Inf\"} %llu\n", extra, (unsigned long long)cum);
	fprintf(f, "%s_sum{", name);
	put_base(f, s);
	fprintf(f, "%s} %.6f\n", extra, (double)h->sum_us / 1e6);
	fprintf(f, "%s_count{", name);
	put_base(f, s);
	/* The buckets' total, not h->count: the two are separate words and a
	 * scrape must stay self-consistent. */
	fprintf(f, "%s} %llu\n", extra, (unsigned long long)cum);
}

static const struct {
	const char *name, *help;
	size_t offset;
	double scale;
} op_counters[] = {
	{"waitcap_waits_total", "Blocking waits on capped sockets the library bounded (connect: every connect(); resolve: every name lookup).",
	 offsetof(struct wc_stats_op_counts, waits), 1},
	{"waitcap_capped_total", "Waits ended by a cap (connect/recv/send: that deadline fired; resolve: a lookup the resolve cap ended).",
	 offsetof(struct wc_stats_op_counts, capped), 1},
	{"waitcap_would_cap_total", "Observe mode: deadlines that passed and were not enforced (connect/recv/send).",
	 offsetof(struct wc_stats_op_counts, would_cap), 1},
	{"waitcap_app_timeouts_total", "Waits ended by the program's own timeout.",
	 offsetof(struct wc_stats_op_counts, app_timeouts), 1},
	{"waitcap_errors_total", "Waits that failed with another error.",
	 offsetof(struct wc_stats_op_counts, errors), 1},
	{"waitcap_timed_waits_total", "Waits whose duration was measured (capped, timed out, traced).",
	 offsetof(struct wc_stats_op_counts, timed_waits), 1},
	{"waitcap_blocked_seconds_total", "Time spent in the timed waits.",
	 offsetof(struct wc_stats_op_counts, blocked_ns), 1e-9},
};

static const struct {
	const char *name, *help;
	size_t offset;
} dest_counters[] = {
	{"waitcap_destination_connects_total", "Connects to the destination that ended (ok, failed or timed out).",
	 offsetof(struct wc_stats_dest, connects)},
	{"waitcap_destination_connect_failures_total", "Connects that failed (refused, unreachable), not timeouts.",
	 offsetof(struct wc_stats_dest, connect_failures)},
	{"waitcap_destination_connect_timeouts_total", "Connects ended by the connect cap.",
	 offsetof(struct wc_stats_dest, connect_timeouts)},
	{"waitcap_destination_capped_total", "Deadlines that fired on the destination's sockets, any op.",
	 offsetof(struct wc_stats_dest, capped)},
	{"waitcap_destination_responses_total", "Response phases that ended with data.",
	 offsetof(struct wc_stats_dest, responses)},
	{"waitcap_destination_response_timeouts_total", "Response phases ended by the recv cap.",
	 offsetof(struct wc_stats_dest, response_timeouts)},
	{"waitcap_destination_would_cap_total", "Observe mode: deadlines that passed on the destination's sockets, not enforced.",
	 offsetof(struct wc_stats_dest, would_cap)},
};

static void dest_labels(char *buf, size_t len, const struct wc_stats_dest *d)
{
	char peer[64];
	wc_dest_peer(d, peer, sizeof(peer));
	/* peer is an address; rule names come from a validated profile, but
	 * escape them all the same. */
	FILE *f = fmemopen(buf, len, "w");
	if (!f) {
		buf[0] = '\0';
		return;
	}
	fputc(',', f);
	put_label(f, "peer", peer, true);
	put_label(f, "name", d->name, false);
	put_label(f, "rule", d->rule, false);
	fclose(f);
}

static char *render(size_t *len)
{
	char err[512];
	struct wc_proc_stats *procs;
	int n = wc_stats_read_all(&procs, err, sizeof(err));
	if (n < 0)
		return NULL;
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	if (!f) {
		free(procs);
		return NULL;
	}
	family(f, "waitcap_processes", "gauge", "Preloaded processes whose counters were read.");
	fprintf(f, "waitcap_processes %d\n", n);
	family(f, "waitcap_process_info", "gauge", "One per preloaded process; why: why its profile applies.");
	for (int i = 0; i < n; i++) {
		fprintf(f, "waitcap_process_info{");
		put_base(f, &procs[i].s);
		put_label(f, "why", procs[i].s.why, false);
		fprintf(f, "} 1\n");
	}
	family(f, "waitcap_process_start_time_seconds", "gauge", "When the library started in the process (Unix time).");
	for (int i = 0; i < n; i++) {
		fprintf(f, "waitcap_process_start_time_seconds{");
		put_base(f, &procs[i].s);
		fprintf(f, "} %.3f\n", (double)procs[i].s.start_time_ns / 1e9);
	}
	for (size_t c = 0; c < sizeof(op_counters) / sizeof(op_counters[0]); c++) {
		family(f, op_counters[c].name, "counter", op_counters[c].help);
		for (int i = 0; i < n; i++)
			for (int op = 0; op < WC_SOP_COUNT; op++) {
				const char *base = (const char *)&procs[i].s.ops[op];
				uint64_t v = *(const uint64_t *)(base + op_counters[c].offset);
				fprintf(f, "%s{", op_counters[c].name);
				put_base(f, &procs[i].s);
				put_label(f, "op", wc_stats_op_name(op), false);
				if (op_counters[c].scale == 1)
					fprintf(f, "} %llu\n", (unsigned long long)v);
				else
					fprintf(f, "} %.9f\n", (double)v * op_counters[c].scale);
			}
	}
	family(f, "waitcap_connection_seconds", "histogram",
	       "Connection time of capped connects: connect() to established or failure.");
	for (int i = 0; i < n; i++)
		put_hist(f, "waitcap_connection_seconds", &procs[i].s, "", &procs[i].s.connection_time);
	family(f, "waitcap_response_seconds", "histogram",
	       "Response time on capped sockets: request sent to first byte (sampled 1 in 16, weighted).");
	for (int i = 0; i < n; i++)
		put_hist(f, "waitcap_response_seconds", &procs[i].s, "", &procs[i].s.response_time);
	for (size_t c = 0; c < sizeof(dest_counters) / sizeof(dest_counters[0]); c++) {
		family(f, dest_counters[c].name, "counter", dest_counters[c].help);
		for (int i = 0; i < n; i++) {
			const struct wc_stats_dest *rows[WC_STATS_DESTS + 1];
			int nr = wc_dest_rows(&procs[i].s, rows);
			for (int r = 0; r < nr; r++) {
				char labels[512];
				dest_labels(labels, sizeof(labels), rows[r]);
				uint64_t v = *(const uint64_t *)((const char *)rows[r] + dest_counters[c].offset);
				fprintf(f, "%s{", dest_counters[c].name);
				put_base(f, &procs[i].s);
				fprintf(f, "%s} %llu\n", labels, (unsigned long long)v);
			}
		}
	}
	family(f, "waitcap_destination_rolled_back", "gauge",
	       "1 while automatic rollback has lifted the destination's caps.");
	for (int i = 0; i < n; i++) {
		const struct wc_stats_dest *rows[WC_STATS_DESTS + 1];
		int nr = wc_dest_rows(&procs[i].s, rows);
		for (int r = 0; r < nr; r++) {
			char labels[512];
			dest_labels(labels, sizeof(labels), rows[r]);
			fprintf(f, "waitcap_destination_rolled_back{");
			put_base(f, &procs[i].s);
			fprintf(f, "%s} %d\n", labels, wc_dest_lifted(rows[r]) ? 1 : 0);
		}
	}
	family(f, "waitcap_destination_connection_seconds", "histogram",
	       "Connection time of capped connects, per destination.");
	for (int i = 0; i < n; i++) {
		const struct wc_stats_dest *rows[WC_STATS_DESTS + 1];
		int nr = wc_dest_rows(&procs[i].s, rows);
		for (int r = 0; r < nr; r++) {
			char labels[512];
			dest_labels(labels, sizeof(labels), rows[r]);
			put_hist(f, "waitcap_destination_connection_seconds", &procs[i].s, labels,
				 &rows[r]->connect_time);
		}
	}
	fclose(f);
	free(procs);
	return text;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
			     char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_size, void **state)
{
	static const char plain[] = "text/plain; charset=utf-8";
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, plain, "GET /metrics\n", 13,
			     MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics")) {
		static char index[] = "waitcap exporter: the metrics are at /metrics\n";
		return reply(conn, strcmp(url, "/") ? MHD_HTTP_NOT_FOUND : MHD_HTTP_OK, plain, index,
			     sizeof(index) - 1, MHD_RESPMEM_PERSISTENT);
	}
	size_t len = 0;
	char *text = render(&len);
	if (!text)
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, plain, "cannot read counters\n",
			     21, MHD_RESPMEM_PERSISTENT);
	return reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text, len,
		     MHD_RESPMEM_MUST_FREE);
}

/* "127.0.0.1:9464", "[::1]:9464", "localhost:9464" to a socket address. */
static int parse_listen(const char *text, struct addrinfo **out)
{
	char host[256];
	const char *colon = strrchr(text, ':');
	if (!colon || colon == text || !colon[1])
		return -1;
	size_t hl = (size_t)(colon - text);
	if (text[0] == '[' && hl >= 2 && text[hl - 1] == ']')
		text++, hl -= 2;
	if (hl >= sizeof(host))
		return -1;
	memcpy(host, text, hl);
	host[hl] = '\0';
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	return getaddrinfo(host, colon + 1, &hints, out) == 0 ? 0 : -1;
}

int cmd_exporter(int argc, char **argv)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *listen = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': listen = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!listen || optind < argc) {
		fprintf(stderr, "waitcap exporter: %s (try --help)\n",
			listen ? "unexpected argument" : "--listen ADDR:PORT is required");
		return 2;
	}
	char err[512];
	if (wc_stats_check_env(err, sizeof(err)) != 0) {
		fprintf(stderr, "waitcap exporter: %s\n", err);
		return 2;
	}
	struct addrinfo *ai;
	if (parse_listen(listen, &ai) != 0) {
		fprintf(stderr, "waitcap exporter: --listen '%s': not ADDR:PORT with a numeric port\n",
			listen);
		return 2;
	}
	/* Block the stop signals before MHD starts its thread, so that only
	 * sigwait() below sees them. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	struct MHD_Daemon *d = MHD_start_daemon(flags, 0, NULL, NULL, handle, NULL,
						MHD_OPTION_SOCK_ADDR, ai->ai_addr,
						MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "waitcap exporter: cannot listen on %s: %s\n", listen,
			strerror(errno));
		freeaddrinfo(ai);
		return 1;
	}
	fprintf(stderr, "waitcap exporter: serving http://%s/metrics\n", listen);
	int sig;
	sigwait(&stop, &sig);
	MHD_stop_daemon(d);
	freeaddrinfo(ai);
	return 0;
}
