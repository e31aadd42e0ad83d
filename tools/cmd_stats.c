/* waitcap stats: the live counters of preloaded processes, now. */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats_read.h"
#include "tools.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: waitcap stats [--pid PID | --all] [--json]\n\n"
		"Prints the live counters of processes running with libwaitcap.so: per op\n"
		"(connect, recv, send, poll, select, epoll, resolve) the waits, capped waits, the\n"
		"program's own timeouts, errors, average and p95 time and timeout rate;\n"
		"per destination (peer address:port and the rule that capped it) the\n"
		"connects, connect timeouts, capped waits and the seed plan's health\n"
		"fields: avg_connection_time_ms, p95_connection_time_ms,\n"
		"timeout_failure_rate.\n\n"
		"  --pid PID   one process (exit status 1 if it has no readable counters)\n"
		"  --all       every process whose counters this user may read (default)\n"
		"  --json      the JSON document described in docs/stats.md\n"
		"  -h, --help  show this help\n\n"
		"Counters live in one file per process: /run/waitcap/PID for root,\n"
		"$XDG_RUNTIME_DIR/waitcap/PID (else /tmp/waitcap-UID/PID) for other users;\n"
		"WAITCAP_STATS_DIR chooses another directory (for writer and reader alike),\n"
		"WAITCAP_STATS=0 turns them off in a process.  Files are mode 0600: only\n"
		"the process's user and root can read them.  Reading costs the processes\n"
		"nothing (no signal, no syscall in them).  docs/stats.md has the layout.\n");
}

static double rate(uint64_t part, uint64_t whole)
{
	return whole ? (double)part / (double)whole : -1;
}

/* null for "no data" (-1), else the number. */
static void add_num(cJSON *o, const char *key, double v)
{
	if (v < 0)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key, v);
}

/* avg and p95 of an op: connect and recv have their histograms (the plan's
 * connection and response time); the others only the time of timed waits. */
static void op_times(const struct wc_stats_file *s, int op, double *avg, double *p95)
{
	const struct wc_stats_hist *h = op == WC_SOP_CONNECT ? &s->connection_time
					: op == WC_SOP_RECV  ? &s->response_time : NULL;
	if (h) {
		*avg = wc_hist_avg_ms(h);
		*p95 = wc_hist_quantile_ms(h, 0.95);
		return;
	}
	const struct wc_stats_op_counts *o = &s->ops[op];
	*avg = o->timed_waits ? (double)o->blocked_ns / (double)o->timed_waits / 1e6 : -1;
	*p95 = -1;
}

static void proc_totals(const struct wc_stats_file *s, uint64_t *connects, uint64_t *timeouts)
{
	const struct wc_stats_dest *rows[WC_STATS_DESTS + 1];
	int n = wc_dest_rows(s, rows);
	*connects = *timeouts = 0;
	for (int i = 0; i < n; i++) {
		*connects += rows[i]->connects;
		*timeouts += rows[i]->connect_timeouts;
	}
}

static cJSON *proc_json(const struct wc_stats_file *s)
{
	cJSON *p = cJSON_CreateObject();
	cJSON_AddNumberToObject(p, "pid", s->pid);
	cJSON_AddStringToObject(p, "procname", s->procname);
	cJSON_AddStringToObject(p, "profile", s->profile);
	cJSON_AddStringToObject(p, "why", s->why);
	cJSON_AddStringToObject(p, "environment", s->environment);
	cJSON_AddStringToObject(p, "mode", wc_stats_mode_name(s->mode));
	if (s->mode == WC_MODE_ROLLED_BACK)
		cJSON_AddStringToObject(p, "rollback_reason", s->ctl.reason);
	cJSON_AddNumberToObject(p, "uid", s->uid);
	cJSON_AddNumberToObject(p, "start_time", (double)s->start_time_ns / 1e9);
	uint64_t connects, timeouts;
	proc_totals(s, &connects, &timeouts);
	add_num(p, "avg_connection_time_ms", wc_hist_avg_ms(&s->connection_time));
	add_num(p, "p95_connection_time_ms", wc_hist_quantile_ms(&s->connection_time, 0.95));
	add_num(p, "timeout_failure_rate", rate(timeouts, connects));
	cJSON *ops = cJSON_AddObjectToObject(p, "ops");
	for (int i = 0; i < WC_SOP_COUNT; i++) {
		const struct wc_stats_op_counts *o = &s->ops[i];
		cJSON *j = cJSON_AddObjectToObject(ops, wc_stats_op_name(i));
		cJSON_AddNumberToObject(j, "waits", (double)o->waits);
		cJSON_AddNumberToObject(j, "capped", (double)o->capped);
		cJSON_AddNumberToObject(j, "would_cap", (double)o->would_cap);
		cJSON_AddNumberToObject(j, "app_timeouts", (double)o->app_timeouts);
		cJSON_AddNumberToObject(j, "errors", (double)o->errors);
		cJSON_AddNumberToObject(j, "blocked_ms", (double)o->blocked_ns / 1e6);
		double avg, p95;
		op_times(s, i, &avg, &p95);
		add_num(j, "avg_ms", avg);
		add_num(j, "p95_ms", p95);
		add_num(j, "timeout_rate", rate(o->capped, o->waits));
	}
	cJSON *dests = cJSON_AddArrayToObject(p, "destinations");
	const struct wc_stats_dest *rows[WC_STATS_DESTS + 1];
	int n = wc_dest_rows(s, rows);
	for (int i = 0; i < n; i++) {
		const struct wc_stats_dest *d = rows[i];
		char peer[64];
		wc_dest_peer(d, peer, sizeof(peer));
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "peer", peer);
		cJSON_AddStringToObject(j, "name", d->name);
		cJSON_AddStringToObject(j, "rule", d->rule);
		cJSON_AddNumberToObject(j, "connects", (double)d->connects);
		cJSON_AddNumberToObject(j, "connect_failures", (double)d->connect_failures);
		cJSON_AddNumberToObject(j, "connect_timeouts", (double)d->connect_timeouts);
		cJSON_AddNumberToObject(j, "capped", (double)d->capped);
		cJSON_AddNumberToObject(j, "responses", (double)d->responses);
		cJSON_AddNumberToObject(j, "response_timeouts", (double)d->response_timeouts);
		cJSON_AddStringToObject(j, "mode", wc_dest_lifted(d) ? "rolled_back" : "capping");
		cJSON_AddNumberToObject(j, "would_cap", (double)d->would_cap);
		add_num(j, "avg_connection_time_ms", wc_hist_avg_ms(&d->connect_time));
		add_num(j, "p95_connection_time_ms", wc_hist_quantile_ms(&d->connect_time, 0.95));
		add_num(j, "timeout_failure_rate", rate(d->connect_timeouts, d->connects));
		cJSON_AddItemToArray(dests, j);
	}
	return p;
}

static void fmt_ms(char *buf, size_t len, double v)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f", v);
}

static void fmt_rate(char *buf, size_t len, double v)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", v * 100);
}

static void proc_text(const struct wc_stats_file *s)
{
	printf("pid %d %s  profile %s (%s)  environment %s  mode %s\n", s->pid, s->procname,
	       s->profile[0] ? s->profile : "-", s->why, s->environment[0] ? s->environment : "-",
	       wc_stats_mode_name(s->mode));
	if (s->mode == WC_MODE_ROLLED_BACK)
		printf("  rolled back%s%s\n", s->ctl.reason[0] ? ": " : "", s->ctl.reason);
	printf("  %-8s %10s %8s %8s %8s %10s %10s %8s\n", "op", "waits", "capped", "own_to",
	       "errors", "avg_ms", "p95_ms", "timeout");
	for (int i = 0; i < WC_SOP_COUNT; i++) {
		const struct wc_stats_op_counts *o = &s->ops[i];
		double avg, p95;
		op_times(s, i, &avg, &p95);
		char a[32], p[32], r[32];
		fmt_ms(a, sizeof(a), avg);
		fmt_ms(p, sizeof(p), p95);
		fmt_rate(r, sizeof(r), rate(o->capped, o->waits));
		printf("  %-8s %10llu %8llu %8llu %8llu %10s %10s %8s\n", wc_stats_op_name(i),
		       (unsigned long long)o->waits, (unsigned long long)o->capped,
		       (unsigned long long)o->app_timeouts, (unsigned long long)o->errors, a, p, r);
	}
	if (s->mode == WC_MODE_OBSERVE) {
		printf("  would_cap (observe: deadlines passed, not enforced):");
		for (int i = 0; i <= WC_SOP_SEND; i++)
			printf(" %s %llu", wc_stats_op_name(i), (unsigned long long)s->ops[i].would_cap);
		printf("\n");
	}
	const struct wc_stats_dest *rows[WC_STATS_DESTS + 1];
	int n = wc_dest_rows(s, rows);
	if (!n)
		return;
	printf("  %-24s %-16s %8s %8s %8s %10s %10s %8s\n", "destination", "rule", "connects",
	       "timeouts", "capped", "avg_ms", "p95_ms", "timeout");
	for (int i = 0; i < n; i++) {
		const struct wc_stats_dest *d = rows[i];
		char addr[64], peer[160], a[32], p[32], r[32];
		wc_dest_peer(d, addr, sizeof(addr));
		/* "backend.test (127.0.0.5:8000)" when the program resolved it. */
		if (d->name[0])
			snprintf(peer, sizeof(peer), "%.63s (%s)", d->name, addr);
		else
			snprintf(peer, sizeof(peer), "%s", addr);
		fmt_ms(a, sizeof(a), wc_hist_avg_ms(&d->connect_time));
		fmt_ms(p, sizeof(p), wc_hist_quantile_ms(&d->connect_time, 0.95));
		fmt_rate(r, sizeof(r), rate(d->connect_timeouts, d->connects));
		printf("  %-24s %-16s %8llu %8llu %8llu %10s %10s %8s%s\n", peer,
		       d->rule[0] ? d->rule : "-", (unsigned long long)d->connects,
		       (unsigned long long)d->connect_timeouts, (unsigned long long)d->capped, a, p, r,
		       wc_dest_lifted(d) ? "  rolled_back" : "");
	}
}

int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"all", no_argument, NULL, 'a'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int pid = 0, json = 0, all = 0, c;
	while ((c = getopt_long(argc, argv, "p:ajh", opts, NULL)) != -1) {
		switch (c) {
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v <= 0 || v > 0x7fffffff) {
				fprintf(stderr, "waitcap stats: --pid '%s' is not a process id\n", optarg);
				return 2;
			}
			pid = (int)v;
			break;
		}
		case 'a': all = 1; break;
		case 'j': json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || (pid && all)) {
		fprintf(stderr, "waitcap stats: %s\n", optind < argc ? "unexpected argument"
				: "--pid and --all exclude each other");
		return 2;
	}
	char err[512];
	struct wc_proc_stats *procs;
	int n;
	if (pid) {
		procs = malloc(sizeof(*procs));
		if (!procs || wc_stats_read_pid(pid, procs, err, sizeof(err)) != 0) {
			fprintf(stderr, "waitcap stats: %s\n", procs ? err : "out of memory");
			free(procs);
			return 1;
		}
		n = 1;
	} else if ((n = wc_stats_read_all(&procs, err, sizeof(err))) < 0) {
		fprintf(stderr, "waitcap stats: %s\n", err);
		return 1;
	}
	if (json) {
		cJSON *root = cJSON_CreateObject();
		cJSON *arr = cJSON_AddArrayToObject(root, "processes");
		for (int i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, proc_json(&procs[i].s));
		char *text = cJSON_Print(root);
		puts(text);
		free(text);
		cJSON_Delete(root);
	} else {
		if (!n)
			printf("no preloaded process with readable counters\n");
		for (int i = 0; i < n; i++)
			proc_text(&procs[i].s);
	}
	free(procs);
	return 0;
}
