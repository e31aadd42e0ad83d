/* waitcap record: a recording session over the processes that already run
 * with the library — the investigation of a live service.  They loaded the
 * provider at start, so they join the session as soon as it exists. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "policy.h"
#include "session.h"
#include "tools.h"

static volatile sig_atomic_t stop_requested;

static void request_stop(int sig)
{
	stop_requested = sig;
}

static void usage(FILE *out)
{
	fputs("usage: waitcap record [--duration DUR] [-o DIR]\n"
	      "\n"
	      "Record waitcap events from every process running with libwaitcap.so\n"
	      "(started with LD_PRELOAD=$(waitcap lib)) until Ctrl-C, or for DUR.\n"
	      "\n"
	      "  -d, --duration DUR  stop after DUR (\"30s\", \"5m\")\n"
	      "  -o, --output DIR    write the trace to DIR\n"
	      "                      (default ./waitcap-trace-DATE-TIME-PID)\n"
	      "  -h, --help          show this help\n"
	      "\n"
	      "Then: waitcap analyze DIR\n",
	      out);
}

/* Sleep until the deadline (0: none) or until SIGINT/SIGTERM. */
static void wait_for_end(int64_t duration_ns)
{
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += duration_ns / 1000000000;
	end.tv_nsec += duration_ns % 1000000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	while (!stop_requested) {
		if (duration_ns > 0) {
			int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &end, NULL);
			if (rc == 0)
				return;
		} else {
			struct timespec day = {.tv_sec = 86400};
			nanosleep(&day, NULL);
		}
	}
}

int cmd_record(int argc, char **argv)
{
	static const struct option options[] = {
		{"duration", required_argument, NULL, 'd'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dir = NULL;
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

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = request_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	char err[512] = "";
	struct wc_session *session = wc_session_start(dir, err, sizeof err);
	if (!session) {
		fprintf(stderr, "waitcap record: %s\n", err);
		return 1;
	}
	fprintf(stderr, "waitcap record: recording to %s (%s)\n", wc_session_path(session),
		duration_ns > 0 ? "until the duration ends or Ctrl-C" : "Ctrl-C to stop");

	wait_for_end(duration_ns);

	char path[4096];
	snprintf(path, sizeof path, "%s", wc_session_path(session));
	if (wc_session_stop(session, err, sizeof err) != 0) {
		fprintf(stderr, "waitcap record: %s\n", err);
		fprintf(stderr, "waitcap record: what was recorded is in %s\n", path);
		return 1;
	}
	printf("trace: %s\n", path);
	fprintf(stderr, "waitcap record: analyze it with: waitcap analyze %s\n", path);
	return 0;
}
