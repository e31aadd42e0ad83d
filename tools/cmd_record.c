/* waitcap record: a recording session over the processes that already run
 * with the library — the investigation of a live service.  Once the
 * session exists, it asks them to load the tracer (record_ask.c): each
 * loads it on its next wait and joins the session; processes that start
 * while it records load it at start. */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "policy.h"
#include "record_ask.h"
#include "session.h"
#include "tools.h"

static volatile sig_atomic_t stop_requested;

static void request_stop(int sig)
{
	stop_requested = sig;
}

static void usage(FILE *out)
{
	fputs("usage: waitcap record [--duration DUR] [-o DIR | --relay URL [--live]]\n"
	      "\n"
	      "Record waitcap events from every process running with libwaitcap.so\n"
	      "(started with LD_PRELOAD=$(waitcap lib)) until Ctrl-C, or for DUR.\n"
	      "\n"
	      "  -d, --duration DUR  stop after DUR (\"30s\", \"5m\")\n"
	      "  -o, --output DIR    write the trace to DIR\n"
	      "                      (default ./waitcap-trace-DATE-TIME-PID)\n"
	      "      --relay URL     stream to an lttng-relayd instead, URL in LTTng's form\n"
	      "                      net://HOST[:CTRL_PORT[:DATA_PORT]] (default ports 5342,\n"
	      "                      5343); the relay writes OUTPUT/HOSTNAME/SESSION/\n"
	      "      --live          with --relay: a live session, readable while it\n"
	      "                      records (waitcap analyze --live net://HOST:5344)\n"
	      "  -h, --help          show this help\n"
	      "\n"
	      "Then: waitcap analyze DIR (or the relay's output directory)\n",
	      out);
}

/* Sleep until the deadline (0: none) or until SIGINT/TERM/HUP/QUIT, asking the
 * processes to trace again every second (record_ask.h). */
static void wait_for_end(int64_t duration_ns)
{
	struct timespec now, end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += duration_ns / 1000000000;
	end.tv_nsec += duration_ns % 1000000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	while (!stop_requested) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		struct timespec next = {.tv_sec = now.tv_sec + 1, .tv_nsec = now.tv_nsec};
		bool last = duration_ns > 0 && (next.tv_sec > end.tv_sec ||
						(next.tv_sec == end.tv_sec && next.tv_nsec >= end.tv_nsec));
		if (last)
			next = end;
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == 0 && last)
			return;
		if (!stop_requested) {
			struct wc_ask_result again;
			wc_ask_tracer(&again);
		}
	}
}

int cmd_record(int argc, char **argv)
{
	static const struct option options[] = {
		{"duration", required_argument, NULL, 'd'},
		{"output", required_argument, NULL, 'o'},
		{"relay", required_argument, NULL, 'r'},
		{"live", no_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *relay = NULL;
	bool live = false;
	int64_t duration_ns = 0;
	int opt;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "+d:o:h", options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (wc_parse_duration_ns(optarg, &duration_ns) != 0 || duration_ns <= 0) {
				fprintf(stderr, "waitcap record: --duration %s: not a duration "
					"(e.g. 30s, 5m)\n", optarg);
				return 2;
			}
			break;
		case 'o':
			dir = optarg;
			break;
		case 'r':
			relay = optarg;
			break;
		case 'l':
			live = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "waitcap record: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	if (relay && dir) {
		fprintf(stderr, "waitcap record: --relay and --output: one or the other (the relay "
			"chooses where traces go)\n");
		return 2;
	}
	if (live && !relay) {
		fprintf(stderr, "waitcap record: --live needs --relay URL (live sessions are "
			"served by an lttng-relayd)\n");
		return 2;
	}
	char err[512] = "";
	if (relay && !wc_relay_url_valid(relay, err, sizeof err)) {
		fprintf(stderr, "waitcap record: %s\n", err);
		return 2;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = request_stop;
	sigemptyset(&sa.sa_mask);
	/* Every signal that ends a terminal session ends the record the same
	 * way: its markers removed, the session stopped (a marker left behind
	 * would make every new preloaded process load the tracer at start). */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);

	struct wc_session *session = relay ? wc_session_start_relay(relay, live, err, sizeof err)
					   : wc_session_start(dir, err, sizeof err);
	if (!session) {
		fprintf(stderr, "waitcap record: %s\n", err);
		return 1;
	}
	struct wc_ask_result asked;
	wc_ask_tracer(&asked);
	fprintf(stderr, "waitcap record: %d running process%s asked to trace (%d already %s)%s\n",
		asked.asked, asked.asked == 1 ? "" : "es", asked.loaded,
		asked.loaded == 1 ? "does" : "do",
		asked.failed ? "; some stats files could not be written" : "");
	fprintf(stderr, "waitcap record: %s %s%s (%s)\n", relay ? "streaming to" : "recording to",
		wc_session_path(session), live ? ", live" : "",
		duration_ns > 0 ? "until the duration ends or Ctrl-C" : "Ctrl-C to stop");
	fflush(stderr);

	wait_for_end(duration_ns);
	wc_ask_tracer_end();

	char path[4096], name[128];
	snprintf(path, sizeof path, "%s", wc_session_path(session));
	snprintf(name, sizeof name, "%s", wc_session_name(session));
	if (wc_session_stop(session, err, sizeof err) != 0) {
		fprintf(stderr, "waitcap record: %s\n", err);
		fprintf(stderr, "waitcap record: what was recorded is in %s\n", path);
		return 1;
	}
	if (relay) {
		printf("session: %s streamed to %s\n", name, path);
		fprintf(stderr, "waitcap record: on the relay host: waitcap analyze "
			"RELAY_OUTPUT/$(hostname)/%s*\n", name);
		return 0;
	}
	printf("trace: %s\n", path);
	fprintf(stderr, "waitcap record: analyze it with: waitcap analyze %s\n", path);
	return 0;
}
