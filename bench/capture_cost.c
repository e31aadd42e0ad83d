/* The cost of tracing a wait, measured side by side in one run.
 *
 * A single-threaded ping-pong over a loopback TCP connection this process
 * connected (so the library caps and times it), run in child processes
 * under four settings, interleaved, best of several rounds:
 *
 *   bare       no library
 *   lib        libwaitcap.so preloaded, WAITCAP_TRACE=0
 *   session    preloaded, a session recording waitcap:*, default 1 ms
 *              threshold: waits are timed, none is captured
 *   capture    the same session, WAITCAP_MIN_BLOCK=1ns: every recv is a
 *              "slow call" — stack walk (libunwind) + waitcap:wait event
 *
 * Prints ns per round trip for each, the session/bare ratio, and the cost
 * of one capture: (capture - session) per traced recv, in µs.
 *
 * usage: capture_cost [ROUND_TRIPS]      (needs lttng-sessiond; starts one
 *        for this user when none runs, and stops it afterwards) */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <libgen.h>
#include <errno.h>
#include <lttng/lttng.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "session.h"
#include "../tracepoints/waitcap_emit.h"

#ifndef WAITCAP_LIB_PATH
#error "build with -DWAITCAP_LIB_PATH=... (bench/meson.build does)"
#endif

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The workload, in a child: ns per round trip on stdout. */
static int ping_pong(long trips)
{
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sin;
	if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len))
		return 1;
	int client = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(client, (struct sockaddr *)&sin, sizeof sin))
		return 1;
	int server = accept(lfd, NULL, NULL);
	int one = 1;
	setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

	/* Batches with untimed pauses between them, so that LTTng's consumer
	 * keeps up and no event is discarded: a discarded event would cost
	 * less than a recorded one. */
	char byte = 'x';
	int64_t elapsed = 0;
	const struct timespec pause = {.tv_nsec = 2 * 1000000L};
	for (long done = 0; done < trips;) {
		long batch = trips - done < 100 ? trips - done : 100;
		int64_t start = now_ns();
		for (long i = 0; i < batch; i++) {
			if (send(client, &byte, 1, 0) != 1 || recv(server, &byte, 1, 0) != 1 ||
			    send(server, &byte, 1, 0) != 1 || recv(client, &byte, 1, 0) != 1)
				return 1;
		}
		elapsed += now_ns() - start;
		done += batch;
		nanosleep(&pause, NULL);
	}
	printf("%.1f\n", (double)elapsed / (double)trips);
	return 0;
}

/* The capture itself, timed in isolation (in a child, with the session
 * recording): the same two steps the library takes for a slow call — a
 * libunwind stack walk and the waitcap:wait event through libwaitcap-tp.so —
 * without the socket calls around them.  Prints "walk emit frames". */
static void *open_provider(void)
{
	/* Next to libwaitcap.so when installed; tracepoints/ in the build tree. */
	char lib[4096], path[4200];
	snprintf(lib, sizeof lib, "%s", WAITCAP_LIB_PATH);
	const char *dir = dirname(lib);
	snprintf(path, sizeof path, "%s/libwaitcap-tp.so", dir);
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(path, sizeof path, "%s/../../tracepoints/libwaitcap-tp.so", dir);
		h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	}
	return h;
}

__attribute__((noinline)) static int direct_capture(long count)
{
	void *tp_lib = open_provider();
	void *unwind = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
	if (!tp_lib || !unwind)
		return 1;
	waitcap_tp_get_api_fn get_api = (waitcap_tp_get_api_fn)dlsym(tp_lib, WAITCAP_TP_GET_API);
	int (*walk)(void **, int) = (int (*)(void **, int))dlsym(unwind, "unw_backtrace");
	if (!get_api || !walk)
		return 1;
	const struct waitcap_tp_api *api = get_api();
	/* The session was there before us: registration enabled the event. */
	if (!(api->enabled(WAITCAP_TP_WAIT)))
		return 1;

	struct waitcap_tp_wait w = {.op = WC_OP_RECV, .func = "recv", .fd = 3,
				    .peer = "127.0.0.1:8000", .rule = "", .timeout_ms = -1,
				    .cap_ms = 5000, .dur_ns = 2000000, .outcome = WC_OUT_READY,
				    .ret = 1, .err = 0};
	void *ips[48];
	uint64_t frames[WAITCAP_TP_MAX_FRAMES];
	int n = 0;
	walk(ips, 48); /* warm up, as the library does at start */
	int64_t walk_ns = 0, emit_ns = 0;
	const struct timespec pause = {.tv_nsec = 2 * 1000000L};
	for (long i = 0; i < count; i++) {
		int64_t t0 = now_ns();
		n = walk(ips, 48);
		int64_t t1 = now_ns();
		for (int k = 0; k < n && k < WAITCAP_TP_MAX_FRAMES; k++)
			frames[k] = (uint64_t)(uintptr_t)ips[k];
		api->emit_wait(&w, frames, (uint32_t)(n < WAITCAP_TP_MAX_FRAMES ? n : WAITCAP_TP_MAX_FRAMES),
			       __builtin_return_address(0));
		int64_t t2 = now_ns();
		walk_ns += t1 - t0;
		emit_ns += t2 - t1;
		if (i % 100 == 99)
			nanosleep(&pause, NULL); /* let the consumer keep up */
	}
	printf("%.1f %.1f %d\n", (double)walk_ns / count, (double)emit_ns / count, n);
	return 0;
}

enum variant { BARE, LIB, SESSION, CAPTURE, NVARIANTS };
static const char *const variant_names[] = {"bare", "lib", "session", "capture"};

static double run_variant(const char *self, enum variant v, long trips)
{
	int out[2];
	if (pipe(out))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		close(out[0]);
		if (v != BARE)
			setenv("LD_PRELOAD", WAITCAP_LIB_PATH, 1);
		/* Its session is a plain LTTng one: the tracer must be loaded
		 * at start (by default the library waits for waitcap record). */
		setenv("WAITCAP_TRACE", v == LIB ? "0" : "1", 1);
		if (v == CAPTURE)
			setenv("WAITCAP_MIN_BLOCK", "1ns", 1);
		char count[32];
		snprintf(count, sizeof count, "%ld", trips);
		execl(self, self, "--workload", count, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	char buf[64] = "";
	ssize_t n = read(out[0], buf, sizeof buf - 1);
	close(out[0]);
	int status;
	waitpid(pid, &status, 0);
	if (n <= 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return atof(buf);
}

/* The daemon wc_session_start started, if it did: stop it again. */
static void stop_daemon_we_started(void)
{
	char path[512];
	const char *home = getenv("LTTNG_HOME") ? getenv("LTTNG_HOME") : getenv("HOME");
	if (geteuid() == 0)
		snprintf(path, sizeof path, "/var/run/lttng/lttng-sessiond.pid");
	else
		snprintf(path, sizeof path, "%s/.lttng/lttng-sessiond.pid", home ? home : "");
	FILE *f = fopen(path, "r");
	int pid = 0;
	if (f) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	if (pid > 0)
		kill(pid, SIGTERM);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--workload"))
		return ping_pong(atol(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "--direct"))
		return direct_capture(atol(argv[2]));
	long trips = argc > 1 ? atol(argv[1]) : 20000;
	if (trips <= 0) {
		fprintf(stderr, "usage: capture_cost [ROUND_TRIPS]\n");
		return 2;
	}

	bool had_daemon = lttng_session_daemon_alive() == 1;
	char dir[] = "/tmp/waitcap-bench-XXXXXX", trace[600], err[512];
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	struct wc_session *session = NULL;

	double best[NVARIANTS];
	for (int v = 0; v < NVARIANTS; v++)
		best[v] = 1e18;
	const int rounds = 5;
	for (int r = 0; r < rounds; r++) {
		for (int v = 0; v < NVARIANTS; v++) {
			/* The session exists only for the runs that need it. */
			bool want = v == SESSION || v == CAPTURE;
			if (want && !session) {
				/* One directory per session: a new session in the
				 * same directory would overwrite the last one's. */
				snprintf(trace, sizeof trace, "%s/trace-%d", dir, r);
				session = wc_session_start(trace, err, sizeof err);
				if (!session) {
					fprintf(stderr, "capture_cost: %s\n", err);
					return 1;
				}
			}
			if (!want && session) {
				if (wc_session_stop(session, err, sizeof err))
					fprintf(stderr, "capture_cost: %s\n", err);
				session = NULL;
			}
			double ns = run_variant("/proc/self/exe", (enum variant)v, trips);
			if (ns < 0) {
				fprintf(stderr, "capture_cost: the %s run failed\n", variant_names[v]);
				return 1;
			}
			if (ns < best[v])
				best[v] = ns;
		}
	}
	/* The capture alone, in the last round's session. */
	double walk_ns = -1, emit_ns = -1;
	int depth = 0;
	if (session) {
		char cmd[4200];
		snprintf(cmd, sizeof cmd, "/proc/%d/exe --direct %ld", (int)getpid(), trips);
		FILE *f = popen(cmd, "r");
		if (!f || fscanf(f, "%lf %lf %d", &walk_ns, &emit_ns, &depth) != 3)
			walk_ns = -1;
		if (f)
			pclose(f);
	}
	if (session && wc_session_stop(session, err, sizeof err))
		fprintf(stderr, "capture_cost: %s\n", err);
	if (!had_daemon)
		stop_daemon_we_started();

	/* How many calls each capture round trip traced (with a 1 ns
	 * threshold: every timed call): counted in the trace, not assumed. */
	char count_cmd[700];
	snprintf(count_cmd, sizeof count_cmd,
		 "babeltrace2 '%s' 2>/dev/null | grep -c 'waitcap:wait:'", dir);
	FILE *f = popen(count_cmd, "r");
	long events = 0;
	if (!f || fscanf(f, "%ld", &events) != 1)
		events = 0;
	if (f)
		pclose(f);
	char rm[700];
	snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
	if (system(rm) != 0)
		fprintf(stderr, "capture_cost: could not remove %s\n", dir);

	printf("round trips per run: %ld, best of %d interleaved rounds\n", trips, rounds);
	for (int v = 0; v < NVARIANTS; v++)
		printf("  %-8s %9.1f ns per round trip\n", variant_names[v], best[v]);
	printf("session / bare (1 ms threshold): %.3f\n", best[SESSION] / best[BARE]);
	printf("lib / bare (tracing off):        %.3f\n", best[LIB] / best[BARE]);
	/* The direct run recorded `trips` events of its own. */
	if (walk_ns >= 0)
		events -= trips;
	double per_trip = (double)events / (double)(trips * rounds);
	printf("waitcap:wait events recorded per capture round trip: %.2f\n", per_trip);
	if (per_trip < 0.5) {
		fprintf(stderr, "capture_cost: almost nothing was recorded; is the session "
				"daemon reachable?\n");
		return 1;
	}
	double captures = per_trip;
	printf("one slow-call capture (stack + event), end to end: %.2f us\n",
	       (best[CAPTURE] - best[SESSION]) / captures / 1000.0);
	if (walk_ns >= 0)
		printf("one capture alone: %.2f us (stack walk %.2f us for %d frames, "
		       "event %.2f us)\n", (walk_ns + emit_ns) / 1000.0, walk_ns / 1000.0, depth,
		       emit_ns / 1000.0);
	else
		fprintf(stderr, "capture_cost: the direct capture run failed\n");
	return 0;
}
