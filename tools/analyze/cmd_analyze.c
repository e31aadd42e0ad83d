/* `waitcap analyze`: the command line.  Reading, aggregating, symbolizing
 * and printing live in their own files; this one wires them together. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../tools.h"
#include "duration.h"
#include "aggregate.h"
#include "baseline.h"
#include "check.h"
#include "discover.h"
#include "groups.h"
#include "live.h"
#include "progress.h"
#include "read.h"
#include "report.h"
#include "supervise.h"
#include "symbolize.h"
#include "whatif.h"

enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_BREACHED = 3 };

#define MAX_REPEAT 64

static const char usage[] =
	"usage: waitcap analyze TRACE... [options]\n"
	"       waitcap analyze --live URL [--interval DUR] [options]\n"
	"\n"
	"Where did the time blocked on the network go?  Reads LTTng traces recorded\n"
	"with libwaitcap.so preloaded (waitcap run --trace, waitcap record, or any\n"
	"session enabling waitcap:*, lttng_ust_statedump:* and lttng_ust_lib:* with\n"
	"the vpid, vtid, procname and ip contexts) and prints, per call site, how\n"
	"often and how long the program waited, and what the caps saved.\n"
	"\n"
	"TRACE is a trace directory or any directory above traces: every directory\n"
	"below it holding a 'metadata' file is read (several sessions, hosts and\n"
	"processes at once).\n"
	"\n"
	"Output:\n"
	"  -f, --format F     table (default, fits the terminal), json (stable, for\n"
	"                     tools), markdown, html (one self-contained page with\n"
	"                     charts), folded (flame graph input: proc;outer;...;inner us)\n"
	"  -o, --output FILE  write there instead of stdout\n"
	"      --by VIEW      group by callsite (default), peer (the address waited\n"
	"                     on), rule (the profile rule that set the cap), process,\n"
	"                     host or thread; two levels with a comma: --by host,peer\n"
	"                     (folded output ignores it)\n"
	"  -n, --top N        call sites shown (default 20 for table, markdown, html;\n"
	"                     all for json)\n"
	"      --baseline OLD.json  compare with an earlier 'waitcap analyze -f json':\n"
	"                     before, after and delta per call site\n"
	"      --fail-if EXPR exit with status 3 when EXPR holds (repeatable); the\n"
	"                     report is still printed\n"
	"      --what-if CAPS what these caps would have saved and broken, from the\n"
	"                     trace's phase events: CAPS is OP=DUR,... (connect=300ms,\n"
	"                     recv=2s); per call site and destination, phases cut\n"
	"                     short (failed or timed out after longer than the cap:\n"
	"                     saved = duration - cap) and phases broken (completed\n"
	"                     after longer than the cap).  An observe-mode trace\n"
	"                     shows this for the caps it observed without the option\n"
	"      --what-if-profile FILE  the same with a profile file's caps and rules\n"
	"      --environment E the profile --what-if-profile picks for ENVIRONMENT=E\n"
	"                     (default: the file's default profile)\n"
	"%s"
	"\n"
	"Live (a session recorded with waitcap record --relay URL --live):\n"
	"      --live URL     read a live session from lttng-relayd, URL\n"
	"                     net://HOST[:PORT] (default port 5344; the only live\n"
	"                     session there, or the only waitcap one) or\n"
	"                     net://HOST:PORT/host/HOSTNAME/SESSION, and redraw the\n"
	"                     table with everything read so far until Ctrl-C or the\n"
	"                     session ends\n"
	"      --interval DUR between redraws (default 5s)\n"
	"\n"
	"Selection:\n"
	"  -p, --pid PID          only this process (its pid inside its namespace)\n"
	"      --procname NAME    only threads with this name (as LTTng records it,\n"
	"                         15 characters at most)\n"
	"      --op OP            only connect, accept, recv, send, poll, select, epoll or resolve\n"
	"      --min DUR          only waits of at least DUR (e.g. 10ms)\n"
	"      --skip MODULE      a call site is the innermost frame outside libc and\n"
	"                         libwaitcap; also skip frames in binaries whose file\n"
	"                         name contains MODULE (repeatable: --skip libcurl\n"
	"                         --skip _socket shows who called curl or Python)\n"
	"      --debug-dir DIR    look for separate debug files under DIR too\n"
	"                         (DIR/.build-id/xx/yyyy.debug); repeatable\n"
	"\n"
	"Columns (each defined at length in docs/analyzer.md, Columns):\n";

/* After the columns (columns.c lists them). */
static const char usage_tail[] =
	"\n"
	"Durations (DUR, and in --fail-if): a decimal number and a unit, one of\n"
	"" WC_DURATION_UNITS " (250ms, 1.5s, 2min), as in profiles.\n"
	"\n"
	"If LTTng discarded events (buffers full), the count is shown first and\n"
	"every total is a lower bound.\n"
	"\n"
	"Exit status: 0 done, 1 unreadable or damaged trace, 2 usage error, 3 a\n"
	"--fail-if threshold was breached.\n"
	"\n"
	"Large traces are read by one thread per CPU (one babeltrace2 graph each,\n"
	"over a share of the stream files); WAITCAP_ANALYZE_THREADS=N forces N.\n"
	"Code loaded with dlopen() after the trace started is only named if the\n"
	"program ran with liblttng-ust-dl.so preloaded (lttng_ust_lib events).\n"
	"\n"
	"Examples:\n"
	"  waitcap analyze ./waitcap-trace-20260101-120000-4242\n"
	"  waitcap analyze /var/lib/lttng-relayd --format html -o report.html\n"
	"  waitcap analyze new/ --baseline old.json --fail-if 'connect.p95>5s'\n"
	"  waitcap analyze trace/ -f folded | flamegraph.pl > blocked.svg\n";

struct options {
	const char *format;
	const char *output;
	const char *baseline;
	long top;
	struct wc_check checks[MAX_REPEAT];
	size_t nchecks;
	const char *skip[MAX_REPEAT + 1];
	size_t nskip;
	char debug_dirs[4096];
	struct wc_filters filters;
	int by[WC_BY_MAX], nby;
	const char *live;
	int64_t interval_ns;
	struct wc_whatif_spec whatif;
	const char *whatif_profile, *environment;
	char **traces;
	size_t ntraces;
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "waitcap analyze: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see waitcap analyze --help)\n");
	return EXIT_USAGE;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	enum { O_BASELINE = 256, O_FAIL_IF, O_SKIP, O_PROCNAME, O_OP, O_MIN, O_DEBUG_DIR, O_BY,
	       O_LIVE, O_INTERVAL, O_WHAT_IF, O_WHAT_IF_PROFILE, O_ENVIRONMENT };
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "top", required_argument, NULL, 'n' },
		{ "pid", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "baseline", required_argument, NULL, O_BASELINE },
		{ "fail-if", required_argument, NULL, O_FAIL_IF },
		{ "skip", required_argument, NULL, O_SKIP },
		{ "procname", required_argument, NULL, O_PROCNAME },
		{ "op", required_argument, NULL, O_OP },
		{ "min", required_argument, NULL, O_MIN },
		{ "debug-dir", required_argument, NULL, O_DEBUG_DIR },
		{ "by", required_argument, NULL, O_BY },
		{ "live", required_argument, NULL, O_LIVE },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "what-if", required_argument, NULL, O_WHAT_IF },
		{ "what-if-profile", required_argument, NULL, O_WHAT_IF_PROFILE },
		{ "environment", required_argument, NULL, O_ENVIRONMENT },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof(*o));
	o->format = "table";
	o->top = -1;
	o->filters.pid = -1;
	o->filters.op = -1;
	optind = 1;
	opterr = 0;
	int c;
	char err[256];
	while ((c = getopt_long(argc, argv, ":f:o:n:p:h", longopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'f':
			o->format = optarg;
			if (strcmp(optarg, "table") && strcmp(optarg, "json") && strcmp(optarg, "markdown") &&
			    strcmp(optarg, "html") && strcmp(optarg, "folded"))
				return usage_error("unknown format '%s' (table, json, markdown, html, folded)", optarg);
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'n':
			o->top = strtol(optarg, &end, 10);
			if (*end || end == optarg || o->top < 1)
				return usage_error("--top needs a positive number, not '%s'", optarg);
			break;
		case 'p':
			o->filters.pid = strtol(optarg, &end, 10);
			if (*end || end == optarg || o->filters.pid < 0)
				return usage_error("--pid needs a process id, not '%s'", optarg);
			break;
		case 'h':
			printf(usage, wc_check_help());
			wc_columns_help(stdout);
			fputs(usage_tail, stdout);
			exit(EXIT_OK);
		case O_BASELINE:
			o->baseline = optarg;
			break;
		case O_FAIL_IF:
			if (o->nchecks == MAX_REPEAT)
				return usage_error("too many --fail-if (%s)", "64 at most");
			if (wc_check_parse(optarg, &o->checks[o->nchecks++], err, sizeof(err)) < 0)
				return usage_error("%s", err);
			break;
		case O_SKIP:
			if (o->nskip == MAX_REPEAT)
				return usage_error("too many --skip (%s)", "64 at most");
			o->skip[o->nskip++] = optarg;
			break;
		case O_LIVE:
			o->live = optarg;
			if (strncmp(optarg, "net://", 6) && strncmp(optarg, "net6://", 7))
				return usage_error("--live needs a relay URL net://HOST[:PORT], not '%s'", optarg);
			break;
		case O_INTERVAL:
			if (wc_parse_duration_ns(optarg, &o->interval_ns) < 0 || o->interval_ns < 100000000)
				return usage_error("--interval needs a duration of at least 100ms (5s, 1m; "
						   WC_DURATION_UNITS "), not '%s'", optarg);
			break;
		case O_WHAT_IF:
			if (o->whatif.kind == WC_WHATIF_CAPS || o->whatif_profile)
				return usage_error("%s", "one --what-if or --what-if-profile");
			if (wc_whatif_parse_caps(optarg, o->whatif.caps_ms, err, sizeof(err)) < 0)
				return usage_error("%s", err);
			o->whatif.kind = WC_WHATIF_CAPS;
			snprintf(o->whatif.source, sizeof(o->whatif.source), "--what-if %s", optarg);
			break;
		case O_WHAT_IF_PROFILE:
			if (o->whatif.kind == WC_WHATIF_CAPS || o->whatif_profile)
				return usage_error("%s", "one --what-if or --what-if-profile");
			o->whatif_profile = optarg;
			break;
		case O_ENVIRONMENT:
			o->environment = optarg;
			break;
		case O_BY:
			if (wc_by_parse(optarg, o->by, &o->nby, err, sizeof(err)) < 0)
				return usage_error("%s", err);
			break;
		case O_PROCNAME:
			o->filters.procname = optarg;
			break;
		case O_OP:
			o->filters.op = wc_analyze_op_parse(optarg);
			if (o->filters.op == WC_OP_OTHER) {
				char what[160], ops[WC_OP_LIST_MAX];
				snprintf(what, sizeof what, "unknown op '%.40s' (%s)", optarg,
					 wc_op_list(ops, sizeof ops, WC_OP_COUNT));
				return usage_error("%s", what);
			}
			break;
		case O_MIN:
			if (wc_parse_duration_ns(optarg, &o->filters.min_ns) < 0)
				return usage_error("--min needs a duration with a unit (10ms, 1s; "
						   WC_DURATION_UNITS "), not '%s'", optarg);
			break;
		case O_DEBUG_DIR:
			if (strlen(o->debug_dirs) + strlen(optarg) + 2 > sizeof(o->debug_dirs))
				return usage_error("--debug-dir list too long at '%s'", optarg);
			if (o->debug_dirs[0])
				strcat(o->debug_dirs, ":");
			strcat(o->debug_dirs, optarg);
			break;
		case ':':
			return usage_error("%s needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	o->traces = argv + optind;
	o->ntraces = (size_t)(argc - optind);
	if (o->interval_ns && !o->live)
		return usage_error("%s", "--interval goes with --live URL");
	if (o->live) {
		if (o->ntraces)
			return usage_error("--live reads a relay, not trace directories ('%s')", o->traces[0]);
		if (strcmp(o->format, "table") || o->output || o->baseline || o->nchecks)
			return usage_error("%s", "--live draws the table on the terminal: no --format, "
					   "--output, --baseline or --fail-if");
		if (!o->interval_ns)
			o->interval_ns = 5000000000LL;
		if (o->top < 0)
			o->top = 20;
		return EXIT_OK;
	}
	if (o->environment && !o->whatif_profile)
		return usage_error("%s", "--environment goes with --what-if-profile FILE");
	if ((o->whatif.kind == WC_WHATIF_CAPS || o->whatif_profile) && !strcmp(o->format, "folded"))
		return usage_error("%s", "--what-if has no folded form (table, json, markdown, html)");
	if (!o->ntraces)
		return usage_error("%s", "no trace given: waitcap analyze TRACE_DIR...");
	if (o->top < 0)
		o->top = strcmp(o->format, "json") && strcmp(o->format, "folded") ? 20 : 0;
	return EXIT_OK;
}

static void warn(const char *line)
{
	fprintf(stderr, "waitcap analyze: warning: %s\n", line);
}

static int terminal_width(FILE *out)
{
	struct winsize ws;
	if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	const char *cols = getenv("COLUMNS");
	if (cols && atoi(cols) > 0)
		return atoi(cols);
	return 0; /* a file or a pipe: no width to fit */
}

static int write_report(const struct options *o, struct wc_report *r)
{
	FILE *out = stdout;
	if (o->output && !(out = fopen(o->output, "w"))) {
		fprintf(stderr, "waitcap analyze: %s: %s\n", o->output, strerror(errno));
		return -1;
	}
	r->width = terminal_width(out);
	int rc;
	if (strcmp(o->format, "json") == 0)
		rc = wc_format_json(r, out);
	else if (strcmp(o->format, "markdown") == 0)
		rc = wc_format_markdown(r, out);
	else if (strcmp(o->format, "html") == 0)
		rc = wc_format_html(r, out);
	else if (strcmp(o->format, "folded") == 0)
		rc = wc_format_folded(r, out);
	else
		rc = wc_format_table(r, out);
	if (rc == 0 && r->whatif && (!strcmp(o->format, "table") || !strcmp(o->format, "markdown")))
		wc_whatif_text(r->whatif, out, !strcmp(o->format, "markdown"));
	if (fflush(out) != 0)
		rc = -1;
	if (out != stdout && fclose(out) != 0)
		rc = -1;
	if (rc < 0)
		fprintf(stderr, "waitcap analyze: cannot write the report%s%s\n",
			o->output ? " to " : "", o->output ? o->output : "");
	return rc;
}

/* Each breached threshold on its own line; the exit status says 3. */
static int check_group(const struct wc_check *c, const struct wc_report *r,
		       const struct wc_group_row *g, const char *outer)
{
	double actual;
	const char *unit;
	int status = EXIT_OK;
	if (wc_check_breached_group(c, r, g, &actual, &unit)) {
		if (outer)
			fprintf(stderr, "waitcap analyze: threshold breached: %s for %s %s, %s %s "
				"(measured %.6g%s)\n", c->text, wc_by_name(r->by[0]), outer,
				wc_by_name(r->by[1]), g->key, actual, unit);
		else
			fprintf(stderr, "waitcap analyze: threshold breached: %s for %s %s (measured %.6g%s)\n",
				c->text, wc_by_name(r->by[0]), g->key, actual, unit);
		status = EXIT_BREACHED;
	}
	for (size_t k = 0; k < g->nsub; k++)
		if (check_group(c, r, &g->sub[k], g->key) != EXIT_OK)
			status = EXIT_BREACHED;
	return status;
}

static int run_checks(const struct options *o, const struct wc_report *r)
{
	int status = EXIT_OK;
	for (size_t i = 0; i < o->nchecks; i++) {
		double actual;
		const char *unit;
		if (r->nby && wc_check_per_group(&o->checks[i])) {
			for (size_t g = 0; g < r->ngroups; g++)
				if (check_group(&o->checks[i], r, &r->groups[g], NULL) != EXIT_OK)
					status = EXIT_BREACHED;
			continue;
		}
		if (wc_check_breached(&o->checks[i], r, &actual, &unit)) {
			fprintf(stderr, "waitcap analyze: threshold breached: %s (measured %.6g%s)\n",
				o->checks[i].text, actual, unit);
			status = EXIT_BREACHED;
		}
	}
	return status;
}

static int analyze(int argc, char **argv, int progress_fd)
{
	static struct options o;
	int status = parse_options(argc, argv, &o);
	if (status != EXIT_OK)
		return status;
	o.skip[o.nskip] = NULL;

	char err[1024] = "";
	if (o.whatif_profile) {
		o.whatif.profile = wc_whatif_load_profile(o.whatif_profile, o.environment, o.whatif.source,
							  sizeof(o.whatif.source), err, sizeof(err));
		if (!o.whatif.profile) {
			fprintf(stderr, "waitcap analyze: --what-if-profile: %s\n", err);
			return EXIT_USAGE;
		}
		o.whatif.kind = WC_WHATIF_PROFILE;
		wc_whatif_profile_caps(o.whatif.profile, o.whatif.caps_ms);
	} else if (o.whatif.kind == WC_WHATIF_NONE) {
		o.whatif.kind = WC_WHATIF_OBSERVED; /* shown only for an observe-mode trace */
		snprintf(o.whatif.source, sizeof(o.whatif.source), "the caps observed (observe mode)");
	}
	struct wc_trace_list traces;
	if (wc_find_traces(o.traces, o.ntraces, &traces, err, sizeof(err)) < 0) {
		fprintf(stderr, "waitcap analyze: %s\n", err);
		if (o.whatif.profile)
			wc_whatif_free_profile(o.whatif.profile);
		return EXIT_INPUT;
	}
	struct wc_agg agg;
	wc_agg_init(&agg, &o.filters, o.skip);
	agg.nby = o.nby;
	agg.timeline = strcmp(o.format, "html") == 0;
	memcpy(agg.by, o.by, sizeof(agg.by));
	struct wc_symbolizer *sym = NULL;
	struct wc_report *report = NULL;
	struct wc_whatif *whatif = NULL;
	status = EXIT_INPUT;
	bool progress = isatty(progress_fd) && traces.bytes > (32u << 20);
	wc_progress_fd = progress_fd;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (wc_read_all(&agg, &traces, cpus > 0 ? (int)cpus : 1, progress, err, sizeof(err)) < 0) {
		fprintf(stderr, "waitcap analyze: %s\n", err);
		goto out;
	}
	wc_agg_finish(&agg);
	sym = wc_symbolizer_new(&agg.bins, o.debug_dirs[0] ? o.debug_dirs : NULL);
	report = sym ? wc_report_build(&agg, sym, (size_t)o.top) : NULL;
	if (!report) {
		fprintf(stderr, "waitcap analyze: out of memory\n");
		goto out;
	}
	report->traces = traces.dirs;
	report->ntraces = traces.count;
	whatif = wc_whatif_build(&agg, sym, &o.whatif);
	report->whatif = whatif;
	wc_symbolizer_warn(sym, warn);
	if (o.baseline && wc_baseline_apply(report, o.baseline, err, sizeof(err)) < 0) {
		fprintf(stderr, "waitcap analyze: %s\n", err);
		goto out;
	}
	if (write_report(&o, report) < 0)
		goto out;
	status = run_checks(&o, report);
out:
	if (report)
		wc_baseline_free(report);
	wc_report_free(report);
	wc_whatif_free(whatif);
	if (o.whatif.profile)
		wc_whatif_free_profile(o.whatif.profile);
	wc_symbolizer_free(sym);
	wc_agg_free(&agg);
	wc_trace_list_free(&traces);
	return status;
}

/* Live: a long-running reader of a network source; no trace file can be
 * damaged under it, and idle stretches are normal (no watchdog). */
static int analyze_live(int argc, char **argv)
{
	static struct options o;
	int status = parse_options(argc, argv, &o);
	if (status != EXIT_OK)
		return status;
	o.skip[o.nskip] = NULL;
	struct wc_live_options lo = {
		.url = o.live, .interval_ns = o.interval_ns, .filters = &o.filters,
		.skip = o.skip, .debug_dirs = o.debug_dirs[0] ? o.debug_dirs : NULL,
		.nby = o.nby, .top = (size_t)o.top,
	};
	memcpy(lo.by, o.by, sizeof(lo.by));
	return wc_live_run(&lo);
}

int cmd_analyze(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (strcmp(argv[i], "--live") == 0 || strncmp(argv[i], "--live=", 7) == 0)
			return analyze_live(argc, argv);
	return wc_supervised(analyze, argc, argv);
}
