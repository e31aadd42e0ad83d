/* The live counters of real preloaded processes, read with `waitcap stats`.
 *
 * Every process gets a profile whose rule "factory" caps connects to a
 * listener with a full accept queue at 300 ms; its counters go to the
 * test's own WAITCAP_STATS_DIR. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "loopback.h"
#include "peers.h"
#include "proc.h"

static struct peer full;
static struct st t;
static char peer_name[32];

static void setup(void)
{
	cr_assert_eq(peer_full_listener(&full, 0), 0, "cannot fill a listener's accept queue");
	snprintf(peer_name, sizeof(peer_name), "127.0.0.1:%d", full.port);
	st_setup(&t, full.port);
}

static void teardown(void)
{
	peer_stop(&full);
	st_teardown(&t);
}

TestSuite(stats, .init = setup, .fini = teardown, .timeout = 60);

static void assert_near_cap(double ms, const char *what)
{
	cr_assert(ms >= CAP_MS - 20 && ms <= CAP_MS + 200, "%s is %.1f ms, cap %d ms", what, ms,
		  CAP_MS);
}

Test(stats, three_capped_connects_show_under_their_destination)
{
	pid_t pid = st_connector(&t, "connect", full.port, 3);
	cJSON *proc = st_stats(&t, pid);
	cr_expect_str_eq(cJSON_GetObjectItem(proc, "procname")->valuestring, "connector");
	cr_expect_str_eq(cJSON_GetObjectItem(proc, "profile")->valuestring, "local");
	cr_expect_str_eq(cJSON_GetObjectItem(proc, "environment")->valuestring, "staging-test");
	cr_expect_str_eq(cJSON_GetObjectItem(proc, "mode")->valuestring, "capping");
	cJSON *d = st_dest(proc, peer_name);
	cr_assert_not_null(d, "no destination %s", peer_name);
	cr_expect_str_eq(cJSON_GetObjectItem(d, "rule")->valuestring, RULE);
	cr_expect_eq(st_num(d, "connects"), 3);
	cr_expect_eq(st_num(d, "connect_timeouts"), 3);
	cr_expect_eq(st_num(d, "capped"), 3);
	cr_expect_eq(st_num(d, "timeout_failure_rate"), 1);
	assert_near_cap(st_num(d, "p95_connection_time_ms"), "p95 connection time");
	assert_near_cap(st_num(d, "avg_connection_time_ms"), "average connection time");
	cJSON *connect = cJSON_GetObjectItem(cJSON_GetObjectItem(proc, "ops"), "connect");
	cr_expect_eq(st_num(connect, "waits"), 3);
	cr_expect_eq(st_num(connect, "capped"), 3);
	cr_expect_eq(st_num(connect, "timeout_rate"), 1);
	assert_near_cap(st_num(connect, "p95_ms"), "connect p95");
	cJSON_Delete(proc);
	st_stop(pid);
}

/* A blocking connect to a port nobody listens on, on a capped socket: the
 * kernel refuses it at once, an error and not a timeout. */
Test(stats, refused_blocking_connect_counts_as_an_error)
{
	int port = loopback_free_port();
	pid_t pid = st_connector(&t, "connect", port, 2);
	cJSON *proc = st_stats(&t, pid);
	cJSON *connect = cJSON_GetObjectItem(cJSON_GetObjectItem(proc, "ops"), "connect");
	cr_assert_not_null(connect);
	cr_expect_eq(st_num(connect, "waits"), 2);
	cr_expect_eq(st_num(connect, "errors"), 2, "ECONNREFUSED is an error");
	cr_expect_eq(st_num(connect, "capped"), 0);
	cr_expect_eq(st_num(connect, "app_timeouts"), 0);
	cJSON_Delete(proc);
	st_stop(pid);
}

/* curl's way: a non-blocking connect, then poll in short steps.  The
 * deadline fires inside poll: a capped connect and a connect timeout. */
Test(stats, connect_deadline_firing_in_poll_counts_as_capped_connect)
{
	pid_t pid = st_connector(&t, "connect-poll", full.port, 2);
	cJSON *proc = st_stats(&t, pid);
	cJSON *ops = cJSON_GetObjectItem(proc, "ops");
	cr_expect_eq(st_num(cJSON_GetObjectItem(ops, "connect"), "capped"), 2);
	cr_expect_eq(st_num(cJSON_GetObjectItem(ops, "poll"), "capped"), 2);
	cJSON *d = st_dest(proc, peer_name);
	cr_assert_not_null(d);
	cr_expect_eq(st_num(d, "connect_timeouts"), 2);
	cr_expect_eq(st_num(d, "timeout_failure_rate"), 1);
	assert_near_cap(st_num(d, "p95_connection_time_ms"), "p95 connection time");
	cJSON_Delete(proc);
	st_stop(pid);
}

/* asyncio: the connect waits in epoll. */
Test(stats, python_asyncio_connects_count_under_their_destination)
{
	char port_s[16];
	snprintf(port_s, sizeof(port_s), "%d", full.port);
	char script[160];
	snprintf(script, sizeof(script), "%s/tests/stats/asyncio_connect.py", getenv("WAITCAP_SRC"));
	const char *argv[] = {"python3", script, port_s, "2", NULL};
	char buf[512];
	pid_t pid = st_start_until(&t, argv, NULL, "done", 20000, buf, sizeof(buf));
	cr_assert(strstr(buf, "done"), "python did not finish: %s", buf);
	cJSON *proc = st_stats(&t, pid);
	cJSON *ops = cJSON_GetObjectItem(proc, "ops");
	cr_expect_eq(st_num(cJSON_GetObjectItem(ops, "connect"), "capped"), 2);
	cr_expect_eq(st_num(cJSON_GetObjectItem(ops, "epoll"), "capped"), 2);
	cJSON *d = st_dest(proc, peer_name);
	cr_assert_not_null(d);
	cr_expect_eq(st_num(d, "connect_timeouts"), 2);
	cJSON_Delete(proc);
	st_stop(pid);
}

Test(stats, a_process_that_exits_leaves_no_file)
{
	pid_t pid = st_connector(&t, "connect", full.port, 1);
	struct stat st;
	cr_assert_eq(stat(st_file(&t, pid), &st), 0, "no stats file while it runs");
	cr_expect_eq(st.st_mode & 0777, 0600);
	cr_expect_eq(st.st_uid, geteuid());
	st_stop(pid);
	cr_expect_neq(stat(st_file(&t, pid), &st), 0, "%s left behind", st_file(&t, pid));
}

Test(stats, a_killed_process_file_is_removed_by_the_next_reader)
{
	pid_t pid = st_connector(&t, "connect", full.port, 1);
	kill(pid, SIGKILL);
	proc_wait(pid, 5000);
	struct stat st;
	cr_assert_eq(stat(st_file(&t, pid), &st), 0, "SIGKILL runs no exit handler");
	static struct proc_result r;
	const char *argv[] = {getenv("WAITCAP_BIN"), "stats", "--all", "--json", NULL};
	cr_assert_eq(proc_run(&r, argv, t.env, false, 10000), 0);
	cr_assert_eq(r.exit_code, 0, "%s", r.err);
	cJSON *doc = cJSON_Parse(r.out);
	cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "processes")), 0, "%s", r.out);
	cJSON_Delete(doc);
	cr_expect_neq(stat(st_file(&t, pid), &st), 0, "the dead process's file is still there");
}

/* exec() of a program without the library: the pid lives on, the file
 * is no longer anyone's.  Readers skip and remove it. */
Test(stats, a_file_left_by_an_exec_without_the_library_is_removed_by_the_next_reader)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	/* sh (preloaded) makes the file, then becomes sleep without it. */
	const char *argv[] = {"sh", "-c", "echo up; exec env -u LD_PRELOAD sleep 30", NULL};
	pid_t pid = proc_start(argv, t.env, true, p[1], -1);
	close(p[1]);
	char buf[16];
	cr_assert_gt(read(p[0], buf, sizeof(buf)), 0);
	close(p[0]);
	struct stat st;
	int64_t end = now_ms() + 5000;
	bool gone_to_sleep = false;
	while (!gone_to_sleep && now_ms() < end) {
		char comm[64] = "", path[64];
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		FILE *f = fopen(path, "r");
		if (f) {
			gone_to_sleep = fgets(comm, sizeof(comm), f) && !strcmp(comm, "sleep\n");
			fclose(f);
		}
		if (!gone_to_sleep)
			usleep(20000);
	}
	cr_assert(gone_to_sleep, "sh did not exec sleep");
	cr_assert_eq(stat(st_file(&t, pid), &st), 0, "the preloaded image made no file");
	static struct proc_result r;
	const char *all[] = {getenv("WAITCAP_BIN"), "stats", "--all", "--json", NULL};
	cr_assert_eq(proc_run(&r, all, t.env, false, 10000), 0);
	cJSON *doc = cJSON_Parse(r.out);
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "processes")), 0, "%s", r.out);
	cJSON_Delete(doc);
	cr_expect_neq(stat(st_file(&t, pid), &st), 0, "the stale file is still there");
	kill(pid, SIGTERM);
	proc_wait(pid, 5000);
}

Test(stats, stats_zero_makes_no_file)
{
	char port_s[16];
	snprintf(port_s, sizeof(port_s), "%d", full.port);
	const char *env[] = {t.env_stats, t.env_config, "WAITCAP_TRACE=0", "WAITCAP_STATS=0", NULL};
	const char *argv[] = {build_path("tests/stats/connector"), "connect", port_s, "1",
			      "--hold-ms", "60000", NULL};
	int p[2];
	cr_assert_eq(pipe(p), 0);
	pid_t pid = proc_start(argv, env, true, p[1], -1);
	close(p[1]);
	char buf[256];
	cr_assert_gt(read(p[0], buf, sizeof(buf)), 0); /* its connect line: the library ran */
	close(p[0]);
	struct stat st;
	cr_expect_neq(stat(st_file(&t, pid), &st), 0, "WAITCAP_STATS=0 still made a file");
	st_stop(pid);
}

/* A link planted where the process will create its file, pointing at a
 * file of ours: the process must not write through it. */
Test(stats, a_symlink_planted_at_the_file_path_is_not_followed)
{
	char target[160];
	snprintf(target, sizeof(target), "%s/precious", t.dir);
	FILE *f = fopen(target, "w");
	cr_assert_not_null(f);
	fputs("precious\n", f);
	fclose(f);
	int go[2], out[2];
	cr_assert_eq(pipe(go), 0);
	cr_assert_eq(pipe(out), 0);
	char port_s[16];
	snprintf(port_s, sizeof(port_s), "%d", full.port);
	const char *connector = build_path("tests/stats/connector");
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(go[1]);
		dup2(out[1], 1);
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		setenv("LD_PRELOAD", lib_path(), 1);
		for (int i = 0; t.env[i]; i++)
			putenv((char *)t.env[i]);
		execl(connector, connector, "connect", port_s, "0", "--hold-ms", "60000", (char *)NULL);
		_exit(127);
	}
	close(go[0]);
	close(out[1]);
	cr_assert_eq(symlink(target, st_file(&t, pid)), 0);
	cr_assert_eq(write(go[1], "x", 1), 1);
	close(go[1]);
	char buf[256];
	cr_assert_gt(read(out[0], buf, sizeof(buf)), 0);
	close(out[0]);
	struct stat st;
	cr_assert_eq(lstat(st_file(&t, pid), &st), 0);
	cr_expect(S_ISREG(st.st_mode), "the stats file is not a regular file of its own");
	cr_assert_eq(stat(target, &st), 0);
	cr_expect_eq(st.st_size, 9, "the link's target was written to (size %ld)", (long)st.st_size);
	cJSON *proc = st_stats(&t, pid);
	cJSON_Delete(proc);
	st_stop(pid);
}

/* Files are 0600: another user (nobody) can read neither the file nor, in
 * a listing, the process. */
Test(stats, another_users_process_is_not_readable)
{
	cr_assert_eq(geteuid(), 0, "this test runs the reader as nobody: it needs root");
	/* Let nobody into the directory, so that only the file's mode stands
	 * in the way. */
	cr_assert_eq(chmod(t.dir, 0755), 0);
	cr_assert_eq(chmod(t.stats_dir, 0755), 0);
	pid_t pid = st_connector(&t, "connect", full.port, 1);
	char pid_s[16];
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	static struct proc_result r;
	const char *one[] = {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
			     getenv("WAITCAP_BIN"), "stats", "--pid", pid_s, "--json", NULL};
	cr_assert_eq(proc_run(&r, one, t.env, false, 10000), 0);
	cr_expect_eq(r.exit_code, 1, "nobody read root's counters: %s", r.out);
	cr_expect(strstr(r.err, "not readable"), "stderr: %s", r.err);
	const char *all[] = {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
			     getenv("WAITCAP_BIN"), "stats", "--all", "--json", NULL};
	cr_assert_eq(proc_run(&r, all, t.env, false, 10000), 0);
	cr_expect_eq(r.exit_code, 0, "%s", r.err);
	cJSON *doc = cJSON_Parse(r.out);
	cr_expect_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "processes")), 0, "%s", r.out);
	cJSON_Delete(doc);
	/* Its owner (root) still reads it. */
	cJSON_Delete(st_stats(&t, pid));
	st_stop(pid);
}

/* The plan's rollback flag: no caps, and the counters say so. */
Test(stats, a_legacy_flag_shows_as_legacy_mode_with_nothing_capped)
{
	char port_s[16];
	snprintf(port_s, sizeof(port_s), "%d", full.port);
	const char *env[] = {t.env_stats, t.env_config, "WAITCAP_TRACE=0",
			     "FORCE_LEGACY_TIMEOUTS=true", NULL};
	const char *argv[] = {build_path("tests/stats/connector"), "connect-poll", port_s, "1",
			      "--timeout-ms", "500", "--hold-ms", "60000", NULL};
	char buf[256];
	pid_t pid = st_start_until(&t, argv, env, "done", 10000, buf, sizeof(buf));
	cr_assert(strstr(buf, "connect fail errno=110"), "its own 500 ms timeout: %s", buf);
	cJSON *proc = st_stats(&t, pid);
	cr_expect_str_eq(cJSON_GetObjectItem(proc, "mode")->valuestring, "legacy");
	cJSON *connect = cJSON_GetObjectItem(cJSON_GetObjectItem(proc, "ops"), "connect");
	cr_expect_eq(st_num(connect, "waits"), 1);
	cr_expect_eq(st_num(connect, "capped"), 0);
	cr_expect_null(st_dest(proc, peer_name), "an uncapped socket has no destination row");
	cJSON_Delete(proc);
	st_stop(pid);
}

Test(stats, every_live_command_has_help)
{
	static struct proc_result r;
	const char *cmds[] = {"stats", "top", "exporter"};
	const char *mentions[] = {"timeout_failure_rate", "q quit", "waitcap_connection_seconds"};
	for (int i = 0; i < 3; i++) {
		const char *argv[] = {getenv("WAITCAP_BIN"), cmds[i], "--help", NULL};
		cr_assert_eq(proc_run(&r, argv, t.env, false, 10000), 0);
		cr_expect_eq(r.exit_code, 0, "%s --help", cmds[i]);
		cr_expect(strstr(r.out, mentions[i]), "%s --help says nothing of %s:\n%s", cmds[i],
			  mentions[i], r.out);
	}
}

Test(stats, bad_arguments_are_named)
{
	static struct proc_result r;
	const char *bad_pid[] = {getenv("WAITCAP_BIN"), "stats", "--pid", "12ab", NULL};
	cr_assert_eq(proc_run(&r, bad_pid, t.env, false, 10000), 0);
	cr_expect_eq(r.exit_code, 2);
	cr_expect(strstr(r.err, "--pid '12ab' is not a process id"), "stderr: %s", r.err);
	const char *absent[] = {getenv("WAITCAP_BIN"), "stats", "--pid", "999999", NULL};
	cr_assert_eq(proc_run(&r, absent, t.env, false, 10000), 0);
	cr_expect_eq(r.exit_code, 1);
	cr_expect(strstr(r.err, "no counters for process 999999"), "stderr: %s", r.err);
	/* A relative directory would differ per working directory: refused by
	 * the library (one line, no counters) and by the readers. */
	const char *rel_env[] = {"WAITCAP_STATS_DIR=stats-here", t.env_config, "WAITCAP_TRACE=0", NULL};
	const char *prog[] = {build_path("tests/stats/connector"), "connect", "1", "0", "--hold-ms",
			      "0", NULL};
	cr_assert_eq(proc_run(&r, prog, rel_env, true, 10000), 0);
	cr_expect_eq(r.exit_code, 0);
	cr_expect(strstr(r.err, "waitcap: WAITCAP_STATS_DIR=stats-here is not an absolute path; "
				"running without live counters\n"), "stderr: %s", r.err);
	const char *reader[] = {getenv("WAITCAP_BIN"), "stats", NULL};
	cr_assert_eq(proc_run(&r, reader, rel_env, false, 10000), 0);
	cr_expect_eq(r.exit_code, 1);
	cr_expect(strstr(r.err, "WAITCAP_STATS_DIR=stats-here is not an absolute path"), "%s", r.err);
}

/* Request sent to first byte: the response time, sampled (every 16th
 * response of a thread is timed and counts 16 times). */
Test(stats, response_times_of_a_request_response_client)
{
	struct peer answer;
	cr_assert_eq(peer_answer_server(&answer, 0), 0);
	char port_s[16], script[200];
	snprintf(port_s, sizeof(port_s), "%d", answer.port);
	snprintf(script, sizeof(script), "%s/tests/stats/exchanger.py", getenv("WAITCAP_SRC"));
	const char *argv[] = {"python3", script, port_s, "32", NULL};
	int p[2];
	cr_assert_eq(pipe(p), 0);
	pid_t pid = proc_start(argv, t.env, true, p[1], -1);
	close(p[1]);
	char buf[64] = "";
	cr_assert_gt(read(p[0], buf, sizeof(buf) - 1), 0, "exchanger said nothing");
	close(p[0]);
	cr_assert(strstr(buf, "done"), "exchanger: %s", buf);
	cJSON *proc = st_stats(&t, pid);
	cJSON *recv = cJSON_GetObjectItem(cJSON_GetObjectItem(proc, "ops"), "recv");
	double avg = st_num(recv, "avg_ms"), p95 = st_num(recv, "p95_ms");
	cr_expect(avg >= 0 && avg < 1000 && p95 >= 0 && p95 < 1000,
		  "loopback answers: avg %.3f ms, p95 %.3f ms", avg, p95);
	cr_expect_eq(st_num(recv, "capped"), 0);
	cJSON *d = st_dest(proc, "other");
	cr_expect_null(d, "an answered connection is no 'other' row");
	cJSON_Delete(proc);
	st_stop(pid);
	peer_stop(&answer);
}

/* A fork()ed child counts in a file of its own, from zero; a spawned
 * program's exit leaves the parent's file alone. */
Test(stats, a_forked_child_counts_in_its_own_file)
{
	char port_s[16], script[200];
	snprintf(port_s, sizeof(port_s), "%d", full.port);
	snprintf(script, sizeof(script), "%s/tests/stats/forker.py", getenv("WAITCAP_SRC"));
	const char *argv[] = {"python3", script, port_s, NULL};
	char buf[256];
	pid_t pid = st_start_until(&t, argv, NULL, "\n", 20000, buf, sizeof(buf));
	int parent = 0, child = 0;
	cr_assert_eq(sscanf(buf, "parent %d child %d", &parent, &child), 2, "forker said: %s", buf);
	cr_assert_eq(parent, pid);
	cJSON *pj = st_stats(&t, parent), *cj = st_stats(&t, child);
	cJSON *pd = st_dest(pj, peer_name), *cd = st_dest(cj, peer_name);
	cr_assert(pd && cd, "a destination is missing");
	cr_expect_eq(st_num(pd, "connect_timeouts"), 1, "the parent's own connect only");
	cr_expect_eq(st_num(cd, "connect_timeouts"), 2, "the child's two, from zero");
	cr_expect_str_eq(cJSON_GetObjectItem(cj, "procname")->valuestring,
			 cJSON_GetObjectItem(pj, "procname")->valuestring);
	cJSON_Delete(pj);
	cJSON_Delete(cj);
	kill(child, SIGTERM);
	struct stat st;
	int64_t end = now_ms() + 5000;
	while (stat(st_file(&t, child), &st) == 0 && now_ms() < end)
		usleep(50000);
	cr_expect_neq(stat(st_file(&t, child), &st), 0, "the child's file outlived it");
	cr_expect_eq(stat(st_file(&t, parent), &st), 0, "the child's exit removed the parent's file");
	st_stop(pid);
	cr_expect_neq(stat(st_file(&t, parent), &st), 0, "the parent's file outlived it");
}
