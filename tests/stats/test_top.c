/* waitcap top in a real terminal: tmux runs it, send-keys presses keys,
 * capture-pane reads the screen. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "peers.h"
#include "proc.h"

static struct peer full;
static struct st t;
static char sock[64];

static void setup(void)
{
	cr_assert_eq(peer_full_listener(&full, 0), 0, "cannot fill a listener's accept queue");
	st_setup(&t, full.port);
	snprintf(sock, sizeof(sock), "waitcap-top-test-%d", getpid());
}

static void tmux(struct proc_result *r, const char *const args[])
{
	const char *argv[16] = {"tmux", "-f", "/dev/null", "-L", sock};
	int n = 5;
	for (int i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	cr_assert_eq(proc_run(r, argv, NULL, false, 10000), 0);
}

static void teardown(void)
{
	static struct proc_result r;
	const char *argv[] = {"tmux", "-f", "/dev/null", "-L", sock, "kill-server", NULL};
	proc_run(&r, argv, NULL, false, 10000);
	peer_stop(&full);
	st_teardown(&t);
}

TestSuite(top, .init = setup, .fini = teardown, .timeout = 60);

static const char *screen(void)
{
	static struct proc_result r;
	tmux(&r, (const char *const[]){"capture-pane", "-p", NULL});
	return r.out;
}

/* Wait (bounded) until the screen shows text; returns ms waited, -1 never. */
static int64_t until_shown(const char *text, int timeout_ms)
{
	int64_t start = now_ms();
	while (now_ms() - start < timeout_ms) {
		if (strstr(screen(), text))
			return now_ms() - start;
		usleep(100000);
	}
	return -1;
}

static void start_top(int width)
{
	static struct proc_result r;
	char cmd[512], w[16];
	snprintf(cmd, sizeof(cmd), "env %s %s top", t.env_stats, getenv("WAITCAP_BIN"));
	snprintf(w, sizeof(w), "%d", width);
	tmux(&r, (const char *const[]){"new-session", "-d", "-x", w, "-y", "20", cmd, NULL});
	cr_assert_eq(r.exit_code, 0, "tmux: %s", r.err);
}

Test(top, shows_a_capped_process_destination_within_2s_and_quits_on_q)
{
	pid_t prog = st_connector(&t, "loop", full.port, 0);
	char peer[32], pid_s[16];
	snprintf(peer, sizeof(peer), "127.0.0.1:%d", full.port);
	snprintf(pid_s, sizeof(pid_s), "%d", prog);
	int64_t launched = now_ms();
	start_top(120);
	int64_t waited = until_shown(peer, 5000);
	cr_assert_geq(waited, 0, "no %s on the screen:\n%s", peer, screen());
	cr_expect_leq(now_ms() - launched, 2000 + 300, "the destination took %lld ms to show",
		      (long long)(now_ms() - launched));
	const char *s = screen();
	cr_expect(strstr(s, pid_s) && strstr(s, "connector") && strstr(s, RULE),
		  "pid, program or rule missing:\n%s", s);
	cr_expect(strstr(s, "PROFILE"), "120 columns leave room for every column:\n%s", s);

	/* Rates over the last interval: connects per second to the
	 * destination, once two reads are a second apart (~3/s at 300 ms). */
	double rate = 0;
	for (int64_t end = now_ms() + 3000; rate <= 0 && now_ms() < end; usleep(100000)) {
		const char *c = strstr(screen(), "conn/s ");
		if (c)
			rate = atof(c + 7);
	}
	cr_expect(rate > 0 && rate < 10, "connects/s to %s: %.1f\n%s", peer, rate, screen());

	static struct proc_result r;
	tmux(&r, (const char *const[]){"send-keys", "p", NULL});
	cr_expect_geq(until_shown("sort: p95", 2000), 0, "no p95 sort after 'p':\n%s", screen());
	/* Enter collapses the selected process: its destination goes away. */
	tmux(&r, (const char *const[]){"send-keys", "Enter", NULL});
	int64_t start = now_ms();
	while (strstr(screen(), peer) && now_ms() - start < 2000)
		usleep(100000);
	cr_expect(!strstr(screen(), peer), "still expanded after Enter:\n%s", screen());

	tmux(&r, (const char *const[]){"send-keys", "q", NULL});
	start = now_ms();
	do {
		tmux(&r, (const char *const[]){"has-session", NULL});
		if (r.exit_code != 0)
			break;
		usleep(100000);
	} while (now_ms() - start < 3000);
	cr_expect_neq(r.exit_code, 0, "top did not quit on q");
	st_stop(prog);
}

Test(top, a_narrow_terminal_keeps_the_important_columns)
{
	pid_t prog = st_connector(&t, "connect", full.port, 1);
	start_top(40);
	cr_assert_geq(until_shown("connector", 3000), 0, "%s", screen());
	const char *s = screen();
	cr_expect(strstr(s, "PID") && strstr(s, "PROGRAM") && strstr(s, "CAPS/S"), "%s", s);
	cr_expect(!strstr(s, "PROFILE"), "PROFILE does not fit 40 columns:\n%s", s);
	st_stop(prog);
}
