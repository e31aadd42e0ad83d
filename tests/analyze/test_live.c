/* The live view: `waitcap analyze --live` in a real terminal (tmux, read
 * with capture-pane) on a live session that `waitcap record --relay URL
 * --live` streams to a real lttng-relayd; a call site that appears while
 * it runs is on the screen within 10 s of its first wait. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helpers.h"
#include "peers.h"
#include "relay.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char tmux_sock[256];

static int tmux(const char *const args[], char **out)
{
	const char *argv[16] = { "/usr/bin/tmux", "-S", tmux_sock };
	size_t k = 3;
	for (size_t i = 0; args[i] && k < 15; i++)
		argv[k++] = args[i];
	argv[k] = NULL;
	char *o = NULL, *e = NULL;
	int status = an_exec(argv, 20000, &o, &e);
	free(e);
	if (out)
		*out = o;
	else
		free(o);
	return status;
}

static char *pane(void)
{
	char *out = NULL;
	tmux((const char *[]){ "capture-pane", "-p", "-t", "live", NULL }, &out);
	return out ? out : strdup("");
}

/* Seconds until the pane shows text (checked every 200 ms), or -1 after
 * limit_s. */
static double until_shown(const char *text, double limit_s)
{
	double t0 = now_s();
	while (now_s() - t0 < limit_s) {
		char *p = pane();
		bool shown = strstr(p, text) != NULL;
		free(p);
		if (shown)
			return now_s() - t0;
		struct timespec ts = { 0, 200 * 1000000 };
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* Stopped by pid in fini, also when an assertion ended the test. */
static struct relay relay;
static struct lt_env env;
static pid_t tmux_server, recorder;

static void teardown(void)
{
	if (tmux_server > 0)
		kill(tmux_server, SIGTERM);
	if (recorder > 0)
		kill(recorder, SIGKILL);
	if (env.sessiond)
		lt_cleanup(&env);
	relay_cleanup(&relay);
}

TestSuite(live, .fini = teardown, .timeout = 200);

Test(live, a_new_call_site_is_on_screen_within_10_s_of_its_first_wait)
{
	struct peer a, b;
	relay_start(&relay);
	lt_init(&env);
	lt_start_sessiond(&env);
	cr_assert(peer_silent_server(&a, 0) == 0);
	cr_assert(peer_silent_server(&b, 0) == 0);

	struct lt_proc rec;
	const char *record[] = { lt_getenv("WAITCAP_BIN"), "record", "--relay", relay.url, "--live", NULL };
	lt_spawn(&env, &rec, record, NULL);
	recorder = rec.pid;
	cr_assert(lt_wait_output(&rec, "streaming to", 20000), "%s\n%s", rec.out, rec.err);

	snprintf(tmux_sock, sizeof(tmux_sock), "%s/tmux.sock", env.dir);
	char command[1200];
	snprintf(command, sizeof(command), "COLUMNS=160 %s analyze --live %s --interval 1s; sleep 30",
		 lt_getenv("WAITCAP_BIN"), relay.live_url);
	cr_assert_eq(tmux((const char *[]){ "new-session", "-d", "-s", "live", "-x", "160", "-y", "50",
					   command, NULL }, NULL), 0);
	char *pid_text = NULL;
	tmux((const char *[]){ "display-message", "-p", "-t", "live", "#{pid}", NULL }, &pid_text);
	tmux_server = pid_text ? (pid_t)atol(pid_text) : 0;
	free(pid_text);
	cr_assert_gt(tmux_server, 0);
	cr_assert_geq(until_shown("waitcap analyze --live", 20), 0, "no live view:\n%s", pane());

	/* Peer A at once, then 3 s later peer B from another call site. */
	char pa[16], pb[16], preload[600];
	snprintf(pa, sizeof(pa), "%d", a.port);
	snprintf(pb, sizeof(pb), "%d", b.port);
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", an_build("src/preload/libwaitcap.so"));
	const char *extra[] = { preload, "WAITCAP_MIN_BLOCK=50ms", NULL };
	const char *prog[] = { an_build("tests/analyze/two_peers"), pa, "2", pb, "2", "3000", NULL };
	struct lt_proc p;
	lt_spawn(&env, &p, prog, extra);
	cr_assert(lt_wait_output(&p, "two_peers: waiting on B", 30000), "%s\n%s", p.out, p.err);
	double first_wait = now_s();
	double shown = until_shown("wait_on_peer_b", 15);
	char *screen = pane();
	cr_assert_geq(shown, 0, "wait_on_peer_b not shown 15 s after its first wait:\n%s", screen);
	cr_assert_leq(now_s() - first_wait, 10.5, "shown after %.1f s:\n%s", now_s() - first_wait, screen);
	cr_assert(strstr(screen, "wait_on_peer_a"), "%s", screen);
	fprintf(stderr, "live view: wait_on_peer_b shown %.1f s after its first wait\n", shown);
	free(screen);
	cr_assert_eq(lt_finish(&p, 30000), 0, "%s", p.err);

	kill(rec.pid, SIGINT);
	cr_assert_eq(lt_finish(&rec, 30000), 0, "%s", rec.err);
	recorder = 0;
	peer_stop(&a);
	peer_stop(&b);
}
