/* The library behaves as the kernel would.
 *
 * The kernel is the reference: for connect timeouts the same probe runs
 * bare with TCP_SYNCNT=1 (the kernel times the connect out itself, after
 * about 3 s) and preloaded with a 300 ms cap, and the transcripts (return
 * values, errno after every call, revents, SO_ERROR, connect() again) must
 * be identical.  The other tests take one behaviour each against real
 * peers on loopback: uploads, calls left by siglongjmp or cancellation,
 * EINTR, two readers, errno on success, Perl, the *mmsg/sendfile family.
 *
 * Every run gets its environment from here: the repository's default
 * profile file, the local profile, explicit caps, tracing off; what the
 * caller's environment says is cleared first. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peers.h"
#include "proc.h"

#define SLACK_MS 200

static struct peer full, echo, silent;
static struct proc_result r, bare;
static char config[4096];

static void clear_environment(void)
{
	static const char *const vars[] = {
		"ENVIRONMENT", "LOCAL_DEVELOPMENT", "FORCE_LEGACY_TIMEOUTS",
		"DISABLE_TIMEOUT_OPTIMIZATIONS", "WAITCAP_PROFILE", "WAITCAP_CONFIG", "WAITCAP_CAPS",
		"WAITCAP_TRACE", "WAITCAP_MIN_BLOCK", "LD_PRELOAD", NULL};
	for (int i = 0; vars[i]; i++)
		unsetenv(vars[i]);
	const char *src = getenv("WAITCAP_SRC");
	snprintf(config, sizeof(config), "WAITCAP_CONFIG=%s/profiles/default.json", src ? src : ".");
}

static void start_peers(void)
{
	clear_environment();
	cr_assert_eq(peer_full_listener(&full, 0), 0, "cannot fill a listener's accept queue");
	cr_assert_eq(peer_echo_server(&echo, 0), 0);
	cr_assert_eq(peer_silent_server(&silent, 0), 0);
}

static void stop_peers(void)
{
	peer_stop(&full);
	peer_stop(&echo);
	peer_stop(&silent);
}

TestSuite(kernel, .init = start_peers, .fini = stop_peers, .timeout = 60);

/* Run the probe; caps NULL: bare. */
static void probe(struct proc_result *res, const char *caps, const char *mode, int port,
		  const char *arg)
{
	char p[16], capvar[128];
	snprintf(p, sizeof(p), "%d", port);
	snprintf(capvar, sizeof(capvar), "WAITCAP_CAPS=%s", caps ? caps : "");
	const char *env[] = {config, "WAITCAP_PROFILE=local", "WAITCAP_TRACE=0", capvar, NULL};
	const char *argv[] = {build_path("tests/kernel/kprobe"), mode, p, arg, NULL};
	cr_assert_eq(proc_run(res, argv, env, caps != NULL, 30000), 0);
	cr_assert(!res->timed_out, "kprobe %s hung:\n%s", mode, res->out);
}

/* The number after "KEY=" in text. */
static long number_after(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	cr_assert(p, "no '%s' in: %s", key, text);
	return atol(p + strlen(key));
}

/* The transcript: stdout without the "time " lines. */
static void transcript(const char *out, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (const char *l = out; *l;) {
		const char *end = strchr(l, '\n');
		size_t ll = end ? (size_t)(end - l + 1) : strlen(l);
		if (strncmp(l, "time ", 5) && n + ll < len) {
			memcpy(buf + n, l, ll);
			n += ll;
			buf[n] = '\0';
		}
		l += ll;
	}
}

/* stamp: the call whose time the cap bounds ("connect", "poll POLLOUT"). */
static void assert_same_as_kernel(const char *mode, const char *stamp)
{
	static char kernel[65536], ours[65536];
	probe(&bare, NULL, mode, full.port, NULL);
	probe(&r, "connect=300ms,recv=5s,send=5s", mode, full.port, NULL);
	transcript(bare.out, kernel, sizeof(kernel));
	transcript(r.out, ours, sizeof(ours));
	cr_assert(strstr(kernel, "ETIMEDOUT"), "the kernel did not time the connect out:\n%s", kernel);
	cr_assert_str_eq(ours, kernel, "preloaded:\n%s\nkernel:\n%s", ours, kernel);
	/* The cap, not the kernel, ended the preloaded connect. */
	char key[64];
	snprintf(key, sizeof(key), "time %s ", stamp);
	long first = number_after(r.err, key);
	cr_assert(first >= 300 - 20 && first <= 300 + SLACK_MS, "capped %s took %ld ms", stamp, first);
}

/* ---- kernel reference: connect timeouts ------------------------------- */

Test(kernel, blocking_connect_times_out_as_the_kernel_does, .timeout = 90)
{
	assert_same_as_kernel("connect-block", "connect");
}

Test(kernel, poll_driven_connect_times_out_as_the_kernel_does, .timeout = 90)
{
	assert_same_as_kernel("connect-poll", "poll POLLOUT");
	cr_assert(strstr(r.out, "revents=0x1c"), "POLLOUT|POLLERR|POLLHUP: %s", r.out);
}

Test(kernel, epoll_driven_connect_times_out_as_the_kernel_does, .timeout = 90)
{
	assert_same_as_kernel("connect-epoll", "epoll_wait");
}

Test(kernel, select_driven_connect_times_out_as_the_kernel_does, .timeout = 90)
{
	assert_same_as_kernel("connect-select", "select writable");
}

Test(kernel, connect_again_after_a_timed_out_connect_reports_the_timeout_once, .timeout = 90)
{
	assert_same_as_kernel("connect-poll-reconnect", "poll POLLOUT");
	cr_assert(strstr(r.out, "connect again              ret=-1 errno=ETIMEDOUT"), "%s", r.out);
}

Test(kernel, perl_io_socket_inet_reports_connection_timed_out)
{
	char p[16];
	snprintf(p, sizeof(p), "%d", full.port);
	const char *env[] = {config, "WAITCAP_PROFILE=local", "WAITCAP_TRACE=0",
			     "WAITCAP_CAPS=connect=300ms", NULL};
	const char *argv[] = {
		"perl", "-MIO::Socket::INET", "-MTime::HiRes=time", "-e",
		"my $t = time; my $s = IO::Socket::INET->new(PeerAddr => \"127.0.0.1:$ARGV[0]\", "
		"Timeout => 30); printf \"%s elapsed_ms=%d\\n\", $s ? 'connected' : \"error: $@\", "
		"(time - $t) * 1000;",
		p, NULL};
	cr_assert_eq(proc_run(&r, argv, env, true, 20000), 0);
	cr_assert(strstr(r.out, "Connection timed out"), "%s%s", r.out, r.err);
	long ms = number_after(r.out, "elapsed_ms=");
	cr_assert(ms >= 300 - 20 && ms <= 300 + SLACK_MS, "perl connect took %ld ms", ms);
}

Test(kernel, ruby_net_http_reports_connection_timed_out)
{
	char p[16];
	snprintf(p, sizeof(p), "%d", full.port);
	const char *env[] = {config, "WAITCAP_PROFILE=local", "WAITCAP_TRACE=0",
			     "WAITCAP_CAPS=connect=300ms", NULL};
	const char *argv[] = {
		"ruby", "-rnet/http", "-e",
		"t = Process.clock_gettime(Process::CLOCK_MONOTONIC); "
		"begin; Net::HTTP.start('127.0.0.1', ARGV[0].to_i, open_timeout: 30) { }; "
		"puts 'connected'; rescue => e; puts \"error: #{e.class}: #{e.message}\"; end; "
		"printf(\"elapsed_ms=%d\\n\", (Process.clock_gettime(Process::CLOCK_MONOTONIC) - t) * 1000)",
		p, NULL};
	cr_assert_eq(proc_run(&r, argv, env, true, 20000), 0);
	cr_assert(strstr(r.out, "(Connection timed out - connect(2)"), "%s%s", r.out, r.err);
	long ms = number_after(r.out, "elapsed_ms=");
	cr_assert(ms >= 300 - 20 && ms <= 300 + SLACK_MS, "ruby connect took %ld ms", ms);
}

/* ---- uploads: the response deadline counts from the end of the request */

static void upload(const char *mode)
{
	struct peer sink;
	cr_assert_eq(peer_slow_sink(&sink, 0, 20 * 1000 * 1000), 0);
	/* 80 MiB at 20 MB/s: about 4.2 s of upload under a 2 s recv cap. */
	probe(&r, "connect=2s,recv=2s,send=2s", mode, sink.port, "80");
	peer_stop(&sink);
	cr_assert_eq(r.exit_code, 0, "%s%s", r.out, r.err);
	cr_assert(strstr(r.out, "uploaded 83886080 bytes, answer checksum ok"), "%s", r.out);
	/* The premise, not a speed: the sink's rate makes the upload outlast
	 * the recv cap (the kernel's buffers hold a few MB at most). */
	long ms = number_after(r.out, "upload_ms=");
	cr_assert(ms >= 3500, "the sink reads at 20 MB/s, yet the upload took %ld ms", ms);
}

Test(kernel, blocking_upload_slower_than_the_recv_cap_succeeds)
{
	upload("upload-block");
}

Test(kernel, poll_driven_upload_slower_than_the_recv_cap_succeeds)
{
	upload("upload-poll");
}

Test(kernel, epoll_driven_upload_slower_than_the_recv_cap_succeeds)
{
	upload("upload-epoll");
}

/* The end of the request is its last part, not a look one cap later. */
static void two_part_request(const char *mode, const char *ends)
{
	probe(&r, "connect=2s,recv=300ms,send=2s", mode, silent.port, NULL);
	cr_assert(strstr(r.out, ends), "%s", r.out);
	long ms = number_after(r.out, "waited_ms=");
	cr_assert(ms >= 300 - 20 && ms <= 300 + SLACK_MS, "the answer's wait took %ld ms", ms);
}

Test(kernel, blocking_request_sent_in_two_parts_times_out_one_cap_after_it)
{
	two_part_request("two-part-block", "recv answer                ret=-1 errno=ETIMEDOUT");
}

Test(kernel, poll_driven_request_sent_in_two_parts_times_out_one_cap_after_it)
{
	two_part_request("two-part-poll", "poll answer ret=1 revents=0x");
}

/* ---- a call-scoped bound ends with its call --------------------------- */

static void idle_connection_still_answers(const char *mode)
{
	probe(&r, "connect=2s,recv=500ms,send=2s", mode, echo.port, NULL);
	cr_assert_eq(r.exit_code, 0, "%s", r.out);
	cr_assert(strstr(r.out, "poll idle                  ret=1 errno=EDOM(untouched) revents=0x4"),
		  "%s", r.out);
	cr_assert(strstr(r.out, "echo=ping"), "%s", r.out);
}

Test(kernel, recv_left_by_siglongjmp_leaves_no_deadline_behind)
{
	idle_connection_still_answers("jump-recv");
	cr_assert(strstr(r.out, "left by siglongjmp"), "%s", r.out);
}

Test(kernel, poll_left_by_siglongjmp_leaves_no_deadline_behind)
{
	idle_connection_still_answers("jump-poll");
}

Test(kernel, recv_of_a_cancelled_thread_leaves_no_deadline_behind)
{
	idle_connection_still_answers("cancel-recv");
	cr_assert(strstr(r.out, "thread cancelled"), "%s", r.out);
}

/* ---- connect: EINTR, siglongjmp, cancellation ------------------------- */

Test(kernel, blocking_connect_retried_after_eintr_keeps_its_deadline)
{
	probe(&r, "connect=300ms", "eintr-connect", full.port, NULL);
	cr_assert(strstr(r.out, "result=-1 errno=ETIMEDOUT"), "%s", r.out);
	cr_assert(number_after(r.out, "tries=") >= 2, "the signal did not interrupt: %s", r.out);
	long ms = number_after(r.out, "elapsed_ms=");
	cr_assert(ms >= 300 - 20 && ms <= 300 + SLACK_MS, "retried connect took %ld ms", ms);
}

static void abandoned_connect(const char *mode)
{
	probe(&r, "connect=1s", mode, full.port, NULL);
	cr_assert(strstr(r.out, "fcntl F_GETFL              ret=blocking"), "%s", r.out);
	/* As the kernel's: a blocking connect again waits for the same
	 * handshake, until the first call's deadline. */
	cr_assert(strstr(r.out, "connect again              ret=-1 errno=ETIMEDOUT"), "%s", r.out);
	long ms = number_after(r.out, "total_ms=");
	cr_assert(ms >= 1000 - 20 && ms <= 1000 + 500, "connect again ended %ld ms after the first", ms);
}

Test(kernel, blocking_connect_left_by_siglongjmp_leaves_the_socket_blocking)
{
	abandoned_connect("abandon-connect-jump");
}

Test(kernel, blocking_connect_of_a_cancelled_thread_leaves_the_socket_blocking)
{
	abandoned_connect("abandon-connect-cancel");
}

/* ---- two readers, one answer ------------------------------------------ */

Test(kernel, blocking_recv_stays_bounded_when_another_thread_takes_the_answer)
{
	probe(&r, "connect=2s,recv=1s,send=2s", "race", echo.port, NULL);
	cr_assert_eq(r.exit_code, 0, "%s", r.out);
	cr_assert(strstr(r.out, "reader got the answer"), "%s", r.out);
	cr_assert(strstr(r.out, "reader ETIMEDOUT"), "%s", r.out);
	/* The send armed the response deadline 100 ms after the readers began. */
	long ms = number_after(r.out, "last_from_send_ms=");
	cr_assert(ms >= 1000 - 120 && ms <= 1000 + 500, "the other reader ended %ld ms after the send", ms);
}

/* ---- errno untouched on success --------------------------------------- */

Test(kernel, every_wrapper_leaves_errno_untouched_on_success)
{
	probe(&bare, NULL, "errno", 0, NULL);
	cr_assert_eq(bare.exit_code, 0, "the probe fails bare:\n%s", bare.out);
	probe(&r, "connect=5s,recv=5s,send=5s", "errno", 0, NULL);
	cr_assert_eq(r.exit_code, 0, "%s", r.out);
	cr_assert_str_eq(r.out, bare.out);
}

/* ---- the *mmsg and sendfile family ------------------------------------ */

Test(kernel, recvmmsg_is_capped)
{
	probe(&r, "connect=2s,recv=300ms,send=2s", "recvmmsg", silent.port, NULL);
	cr_assert(strstr(r.out, "recvmmsg                   ret=-1 errno=ETIMEDOUT"), "%s", r.out);
	long ms = number_after(r.out, "elapsed_ms=");
	cr_assert(ms >= 300 - 20 && ms <= 300 + SLACK_MS, "recvmmsg took %ld ms", ms);
}

static void stalled_send(const char *mode, const char *call)
{
	probe(&r, "connect=2s,recv=2s,send=300ms", mode, 0, NULL);
	char want[64];
	snprintf(want, sizeof(want), "%-26s ret=-1 errno=ETIMEDOUT", call);
	cr_assert(strstr(r.out, want), "%s", r.out);
	long ms = number_after(r.out, "last_call_ms=");
	cr_assert(ms >= 300 - 20 && ms <= 300 + SLACK_MS, "the last %s took %ld ms", call, ms);
}

Test(kernel, sendfile_is_capped)
{
	stalled_send("stall-sendfile", "sendfile");
}

Test(kernel, sendmmsg_is_capped)
{
	stalled_send("stall-sendmmsg", "sendmmsg");
}
