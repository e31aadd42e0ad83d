/* `waitcap rollback` and `waitcap restore` on running Python clients.
 *
 * Each client connects in a loop to a listener whose accept queue is full,
 * with its own 2 s timeout, under a 300 ms connect cap: capped, each
 * attempt takes 300 ms; rolled back, 2 s. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loopback.h"
#include "helpers.h"
#include "peers.h"

#define CAP_MS 300
#define OWN_MS 2000

static struct peer full;
static struct rb t;
static char port_s[16];

static void setup(void)
{
	cr_assert_eq(peer_full_listener(&full, 0), 0, "cannot fill a listener's accept queue");
	snprintf(port_s, sizeof(port_s), "%d", full.port);
	rb_setup(&t);
	rb_profile(&t, "{\"version\": 1, \"default\": \"local\", \"profiles\": {\"local\": "
		       "{\"caps\": {\"connect\": \"300ms\", \"recv\": \"5s\", \"send\": \"5s\"}}}}");
}

static void teardown(void)
{
	peer_stop(&full);
	rb_teardown(&t);
}

TestSuite(rollback, .init = setup, .fini = teardown, .timeout = 90);

static void client_script(struct prog *p, const char *name, const char *seconds)
{
	char script[512];
	snprintf(script, sizeof(script), "%s/tests/rollback/%s", getenv("WAITCAP_SRC"), name);
	const char *argv[] = {"/usr/bin/python3", script, port_s, seconds, NULL};
	prog_start(&t, p, argv);
}

static void client(struct prog *p, const char *seconds)
{
	char script[512];
	snprintf(script, sizeof(script), "%s/tests/rollback/connect_loop.py", getenv("WAITCAP_SRC"));
	const char *argv[] = {"/usr/bin/python3", script, port_s, seconds, NULL};
	prog_start(&t, p, argv);
}

static void assert_capped(struct attempt *a, const char *when)
{
	cr_assert(a->ms >= CAP_MS - 20 && a->ms <= CAP_MS + 200,
		  "%s: a connect took %lld ms, cap %d ms", when, (long long)a->ms, CAP_MS);
}

static void assert_own_timeout(struct attempt *a, const char *when)
{
	cr_assert(a->ms >= OWN_MS - 50 && a->ms <= OWN_MS + 1000,
		  "%s: a connect took %lld ms, its own timeout is %d ms", when, (long long)a->ms,
		  OWN_MS);
}

/* Capped before; every attempt that ends later than 1 s after the command
 * runs to the program's own timeout (the one in flight too, when its cap
 * falls after the command); capped again from the restore on. */
static void expect_rollback_then_restore(struct prog *const progs[], int n, const char *scope,
					 const char *const restore[])
{
	struct attempt a;
	for (int i = 0; i < n; i++) {
		cr_assert(prog_attempt_after(progs[i], 0, &a, 5000), "no attempt from client %d", i);
		assert_capped(&a, "before the rollback");
	}
	struct proc_result *r = calloc(1, sizeof(*r));
	char pid_s[16];
	snprintf(pid_s, sizeof(pid_s), "%d", progs[0]->pid);
	const char *args[] = {"rollback", scope, !strcmp(scope, "--pid") ? pid_s : "--reason",
			      !strcmp(scope, "--pid") ? "--reason" : "cloud run race",
			      !strcmp(scope, "--pid") ? "cloud run race" : NULL, NULL};
	int64_t cmd = now_ms();
	cr_assert_eq(rb_waitcap(&t, r, args), 0, "rollback failed: %s", r->err);
	for (int i = 0; i < n; i++) {
		int64_t from = cmd;
		for (int k = 0; k < 2; k++) {
			cr_assert(prog_next(progs[i], &a, 5000), "client %d stopped", i);
			if (a.start_ms + a.ms <= cmd + 1000) {
				k--; /* ended within a second of the command: either */
				continue;
			}
			assert_own_timeout(&a, "rolled back");
			from = a.start_ms;
		}
		(void)from;
		cJSON *proc = rb_stats(&t, progs[i]->pid);
		cr_expect_str_eq(rb_str(proc, "mode"), "rolled_back");
		cr_expect_str_eq(rb_str(proc, "rollback_reason"), "cloud run race");
		cJSON_Delete(proc);
	}
	int64_t back = now_ms();
	cr_assert_eq(rb_waitcap(&t, r, restore), 0, "restore failed: %s", r->err);
	for (int i = 0; i < n; i++) {
		cr_assert(prog_attempt_after(progs[i], back, &a, 6000), "client %d stopped", i);
		assert_capped(&a, "after the restore");
		cJSON *proc = rb_stats(&t, progs[i]->pid);
		cr_expect_str_eq(rb_str(proc, "mode"), "capping");
		cJSON_Delete(proc);
	}
	free(r);
}

Test(rollback, pid_lifts_caps_within_a_second_and_restore_puts_them_back)
{
	struct prog p;
	client(&p, "12");
	char pid_s[16];
	snprintf(pid_s, sizeof(pid_s), "%d", p.pid);
	const char *restore[] = {"restore", "--pid", pid_s, NULL};
	struct prog *progs[] = {&p};
	expect_rollback_then_restore(progs, 1, "--pid", restore);
	cr_expect(strstr(prog_stderr(&p), "waitcap: rolled back (waitcap rollback: cloud run race)"),
		  "stderr: %s", prog_stderr(&p));
	cr_expect(strstr(prog_stderr(&p), "waitcap: restored"), "stderr: %s", prog_stderr(&p));
	prog_stop(&p);
}

/* asyncio waits in epoll_wait: the connect deadline lives in the epoll
 * set's bookkeeping, and is dropped there when due after a rollback. */
Test(rollback, pid_lifts_caps_of_an_asyncio_client)
{
	struct prog p;
	client_script(&p, "asyncio_loop.py", "12");
	char pid_s[16];
	snprintf(pid_s, sizeof(pid_s), "%d", p.pid);
	const char *restore[] = {"restore", "--pid", pid_s, NULL};
	struct prog *progs[] = {&p};
	expect_rollback_then_restore(progs, 1, "--pid", restore);
	prog_stop(&p);
}

Test(rollback, all_lifts_caps_in_every_running_process)
{
	struct prog a, b;
	client(&a, "12");
	client(&b, "12");
	const char *restore[] = {"restore", "--all", NULL};
	struct prog *progs[] = {&a, &b};
	expect_rollback_then_restore(progs, 2, "--all", restore);
	prog_stop(&a);
	prog_stop(&b);
}

Test(rollback, all_covers_a_process_started_after_it_until_restored)
{
	struct proc_result *r = calloc(1, sizeof(*r));
	const char *rollback[] = {"rollback", "--all", "--reason", "deploy 42", NULL};
	cr_assert_eq(rb_waitcap(&t, r, rollback), 0, "rollback failed: %s", r->err);
	struct stat st;
	cr_assert_eq(stat(t.control, &st), 0, "no host control file");
	cr_expect_eq(st.st_mode & 0777, 0644);
	struct prog p;
	client(&p, "10");
	struct attempt a;
	cr_assert(prog_next(&p, &a, 5000));
	assert_own_timeout(&a, "started under a host-wide rollback");
	cJSON *proc = rb_stats(&t, p.pid);
	cr_expect_str_eq(rb_str(proc, "mode"), "rolled_back");
	cr_expect_str_eq(rb_str(proc, "rollback_reason"), "deploy 42");
	cJSON_Delete(proc);
	int64_t back = now_ms();
	const char *restore[] = {"restore", "--all", NULL};
	cr_assert_eq(rb_waitcap(&t, r, restore), 0, "restore failed: %s", r->err);
	cr_assert(prog_attempt_after(&p, back, &a, 6000));
	assert_capped(&a, "after restore --all");
	prog_stop(&p);
	free(r);
}

/* The stats file is 0600: another user can neither open it for writing
 * nor, through it, lift root's caps. */
Test(rollback, a_non_owner_cannot_roll_back_another_users_process)
{
	cr_assert_eq(geteuid(), 0, "this test runs the command as nobody: it needs root");
	chmod(t.stats_dir, 0755); /* only the file's own mode stands in the way */
	struct prog p;
	client(&p, "6");
	struct attempt a;
	cr_assert(prog_next(&p, &a, 5000));
	char pid_s[16];
	snprintf(pid_s, sizeof(pid_s), "%d", p.pid);
	struct proc_result *r = calloc(1, sizeof(*r));
	const char *args[] = {"rollback", "--pid", pid_s, NULL};
	int64_t cmd = now_ms();
	cr_expect_neq(rb_waitcap_as(&t, r, "nobody", args), 0, "nobody rolled back root's process");
	cr_expect(strstr(r->err, "waitcap rollback: ") && strchr(r->err, '\n') == strrchr(r->err, '\n'),
		  "not one line: %s", r->err);
	cr_assert(prog_attempt_after(&p, cmd, &a, 5000));
	assert_capped(&a, "after nobody's rollback");
	cJSON *proc = rb_stats(&t, p.pid);
	cr_expect_str_eq(rb_str(proc, "mode"), "capping");
	cJSON_Delete(proc);
	prog_stop(&p);
	free(r);
}

Test(rollback, a_world_writable_host_control_is_refused)
{
	struct proc_result *r = calloc(1, sizeof(*r));
	const char *rollback[] = {"rollback", "--all", NULL};
	cr_assert_eq(rb_waitcap(&t, r, rollback), 0, "rollback failed: %s", r->err);
	cr_assert_eq(chmod(t.control, 0666), 0);
	struct prog p;
	client(&p, "3");
	struct attempt a;
	cr_assert(prog_next(&p, &a, 5000));
	assert_capped(&a, "host control world-writable");
	char want[256];
	snprintf(want, sizeof(want), "waitcap: %s: group- or world-writable; host control ignored\n",
		 t.control);
	cr_expect_str_eq(prog_stderr(&p), want);
	cJSON *proc = rb_stats(&t, p.pid);
	cr_expect_str_eq(rb_str(proc, "mode"), "capping");
	cJSON_Delete(proc);
	cr_expect_eq(rb_waitcap(&t, r, rollback), 1);
	snprintf(want, sizeof(want), "waitcap rollback: %s: group- or world-writable; refused\n",
		 t.control);
	cr_expect_str_eq(r->err, want);
	prog_stop(&p);
	free(r);
}

/* The exporter's series of a rolled-back process carry mode="rolled_back"
 * (and "capping" again after the restore). */
Test(rollback, the_exporter_labels_the_process_mode)
{
	struct prog p;
	client(&p, "8");
	struct attempt a;
	cr_assert(prog_next(&p, &a, 5000));
	char pid_s[16], listen[32], url[64], series[64];
	snprintf(pid_s, sizeof(pid_s), "%d", p.pid);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", loopback_free_port());
	snprintf(url, sizeof(url), "http://%s/metrics", listen);
	snprintf(series, sizeof(series), "waitcap_process_info{pid=\"%d\",", p.pid);
	const char *argv[] = {getenv("WAITCAP_BIN"), "exporter", "--listen", listen, NULL};
	pid_t exporter = proc_start(argv, t.env, false, -1, -1);
	struct proc_result *r = calloc(1, sizeof(*r));
	const char *curl[] = {"curl", "-sf", "--max-time", "2", url, NULL};
	const char *modes[] = {"capping", "rolled_back", "capping"};
	for (int step = 0; step < 3; step++) {
		if (step) {
			const char *args[] = {step == 1 ? "rollback" : "restore", "--pid", pid_s, NULL};
			cr_assert_eq(rb_waitcap(&t, r, args), 0, "%s", r->err);
		}
		bool up = false;
		for (int64_t end = now_ms() + 10000; !up && now_ms() < end; usleep(100000))
			up = proc_run(r, curl, NULL, false, 5000) == 0 && r->exit_code == 0;
		cr_assert(up, "the exporter did not answer on %s", listen);
		const char *line = strstr(r->out, series);
		cr_assert_not_null(line, "no %s in:\n%.3000s", series, r->out);
		char want[64];
		snprintf(want, sizeof(want), "mode=\"%s\"", modes[step]);
		const char *eol = strchr(line, '\n');
		cr_expect(strstr(line, want) && strstr(line, want) < eol, "step %d: %.*s", step,
			  (int)(eol - line), line);
	}
	kill(exporter, SIGTERM);
	proc_wait(exporter, 5000);
	prog_stop(&p);
	free(r);
}
