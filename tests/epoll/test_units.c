/* epoll rules, one scenario each (tests/epoll/epoll_probe.c), run bare and
 * preloaded against real loopback servers.
 *
 * Against an echo server no deadline passes: the preloaded transcript must
 * be the kernel's own, line for line.  Against a silent server the
 * preloaded transcript shows the 300 ms caps, within the kernel's rules
 * (EPOLLONESHOT, EPOLLET, registrations that belong to open file
 * descriptions). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "echo_proc.h"
#include "peers.h"
#include "proc.h"
#include "timing.h"
#include "transcript.h"

/* No tracing: its threads open fds, and the scenarios count on fd numbers
 * being reused the way the kernel hands them out. */
static const char *const capped_env[] = {"WAITCAP_CAPS=connect=300ms,recv=300ms",
					 "WAITCAP_TRACE=0", NULL};

static struct peer peer;

static void run_probe_port(struct proc_result *r, const char *scenario, bool preload,
			   const char *const env[], int port_number)
{
	char port[16];
	snprintf(port, sizeof(port), "%d", port_number);
	const char *argv[] = {build_path("tests/epoll/epoll_probe"), scenario, port, NULL};
	cr_assert_eq(proc_run(r, argv, env, preload, 20000), 0, "could not run epoll_probe");
	cr_assert_eq(r->exit_code, 0, "epoll_probe %s (%s) exited %d: %s", scenario,
		     preload ? "preloaded" : "bare", r->exit_code, r->err);
}

static void run_probe(struct proc_result *r, const char *scenario, bool preload)
{
	run_probe_port(r, scenario, preload, capped_env, peer.port);
}

/* The scenario against the echo server, bare and preloaded: same lines. */
static void assert_same_as_kernel(const char *scenario, struct proc_result *preloaded)
{
	cr_assert_eq(peer_echo_server(&peer, 0), 0, "echo server");
	static struct proc_result bare;
	run_probe(&bare, scenario, false);
	run_probe(preloaded, scenario, true);
	peer_stop(&peer);
	static char want[8192], got[8192];
	transcript_untimed(bare.out, want, sizeof(want));
	transcript_untimed(preloaded->out, got, sizeof(got));
	cr_assert_str_eq(got, want, "preloaded differs from the kernel's own behaviour:\n"
				    "--- bare\n%s--- preloaded\n%s", want, got);
}

static void run_silent(const char *scenario, struct proc_result *r)
{
	cr_assert_eq(peer_silent_server(&peer, 0), 0, "silent server");
	run_probe(r, scenario, true);
	peer_stop(&peer);
}

static void assert_line(const struct proc_result *r, const char *prefix, const char *want)
{
	char buf[256];
	const char *line = transcript_line(r->out, prefix, buf, sizeof(buf));
	cr_assert(line, "no line \"%s\" in:\n%s", prefix, r->out);
	cr_assert_str_eq(line, want, "transcript:\n%s", r->out);
}

/* A wait that a cap ended: 300 ms after the send that armed it, not the
 * program's 1000 ms. */
static void assert_capped_wait(const struct proc_result *r, const char *prefix)
{
	cr_assert_capped(transcript_armed_ms(r->out, prefix), 300, r->out);
}

static struct proc_result res;

Test(epoll_units, oneshot_matches_kernel_without_deadline, .timeout = 30)
{
	assert_same_as_kernel("oneshot", &res);
	assert_line(&res, "wait1", "wait1: n=1 [A IN]");
	assert_line(&res, "wait2", "wait2 (disarmed): n=0");
	assert_line(&res, "wait3", "wait3 (re-armed): n=1 [A IN]");
}

Test(epoll_units, oneshot_expiry_reported_once_until_mod, .timeout = 30)
{
	run_silent("oneshot", &res);
	assert_line(&res, "wait1", "wait1: n=1 [A IN|ERR|HUP]");
	assert_capped_wait(&res, "wait1");
	assert_line(&res, "wait2", "wait2 (disarmed): n=0");
	assert_line(&res, "wait3", "wait3 (re-armed): n=1 [A IN|ERR|HUP]");
	assert_line(&res, "wait4", "wait4 (disarmed): n=0");
	assert_line(&res, "recv", "recv: -1 ETIMEDOUT");
}

Test(epoll_units, edge_triggered_matches_kernel_without_deadline, .timeout = 30)
{
	assert_same_as_kernel("et", &res);
	assert_line(&res, "wait1", "wait1: n=1 [A IN]");
	assert_line(&res, "wait2", "wait2 (no new edge): n=0");
	assert_line(&res, "wait3", "wait3: n=1 [A IN]");
}

Test(epoll_units, edge_triggered_expiry_reported_once, .timeout = 30)
{
	run_silent("et", &res);
	assert_line(&res, "wait1", "wait1: n=1 [A IN|ERR|HUP]");
	assert_capped_wait(&res, "wait1");
	/* The shut-down socket signals again when the peer acknowledges its
	 * FIN: not a second report, and not an early return either. */
	assert_line(&res, "wait2", "wait2 (no new edge): n=0");
	cr_assert_geq(transcript_ms(res.out, "wait2"), 290, "%s", res.out);
	assert_line(&res, "send2", "send2: -1 ETIMEDOUT");
}

Test(epoll_units, dup_keeps_registration_like_kernel, .timeout = 30)
{
	assert_same_as_kernel("dup", &res);
	assert_line(&res, "wait1", "wait1: n=1 [reg IN]");
	assert_line(&res, "del dup", "del dup: -1 ENOENT");
	assert_line(&res, "del closed", "del closed: -1 EBADF");
}

Test(epoll_units, dup_of_registered_socket_is_capped, .timeout = 30)
{
	run_silent("dup", &res);
	/* The registration was made through the closed fd: reported with
	 * its data; the deadline was armed through the dup. */
	assert_line(&res, "wait1", "wait1: n=1 [reg IN|ERR|HUP]");
	assert_capped_wait(&res, "wait1");
	assert_line(&res, "recv on dup", "recv on dup: -1 ETIMEDOUT");
}

Test(epoll_units, closed_fd_and_epoll_fd_drop_registrations_like_kernel, .timeout = 30)
{
	assert_same_as_kernel("closed", &res);
	assert_line(&res, "number reused", "number reused: yes");
	assert_line(&res, "epoll number reused", "epoll number reused: yes");
	assert_line(&res, "wait1", "wait1 (registration gone): n=0");
	assert_line(&res, "mod new", "mod new: -1 ENOENT");
}

Test(epoll_units, closed_registrations_never_report_or_shorten, .timeout = 30)
{
	run_silent("closed", &res);
	/* The closed socket's registration is gone and the socket now under
	 * its number was never registered: nothing to report, and the wait
	 * lasts the program's full timeout. */
	assert_line(&res, "wait1", "wait1 (registration gone): n=0");
	cr_assert_geq(transcript_ms(res.out, "wait1"), 990, "%s", res.out);
	assert_line(&res, "wait2", "wait2 (new epoll set): n=0");
	cr_assert_geq(transcript_ms(res.out, "wait2"), 590, "%s", res.out);
	assert_line(&res, "recv on new", "recv on new: -1 EAGAIN");
}

Test(epoll_units, maxevents_splits_reports_like_kernel, .timeout = 30)
{
	assert_same_as_kernel("two", &res);
	assert_line(&res, "wait1", "wait1 (max 1): n=1 [A IN]");
	assert_line(&res, "wait2", "wait2 (max 1): n=1 [B IN]");
}

Test(epoll_units, two_expiries_each_reported_once_within_maxevents, .timeout = 30)
{
	run_silent("two", &res);
	char w1[256], w2[256];
	cr_assert(transcript_line(res.out, "wait1", w1, sizeof(w1)), "%s", res.out);
	cr_assert(transcript_line(res.out, "wait2", w2, sizeof(w2)), "%s", res.out);
	cr_assert(strstr(w1, "n=1 [") && strstr(w1, "IN|ERR|HUP]"), "%s", res.out);
	cr_assert(strstr(w2, "n=1 [") && strstr(w2, "IN|ERR|HUP]"), "%s", res.out);
	/* one each: A and B, in some order */
	bool a_then_b = strstr(w1, "[A ") && strstr(w2, "[B ");
	bool b_then_a = strstr(w1, "[B ") && strstr(w2, "[A ");
	cr_assert(a_then_b || b_then_a, "%s", res.out);
	assert_line(&res, "recv a", "recv a: -1 ETIMEDOUT");
	assert_line(&res, "recv b", "recv b: -1 ETIMEDOUT");
	assert_line(&res, "wait3", "wait3 (empty): n=0");
}

Test(epoll_units, pwait2_matches_kernel_without_deadline, .timeout = 30)
{
	assert_same_as_kernel("pwait2", &res);
	assert_line(&res, "pwait2", "pwait2: n=1 [IN]");
}

Test(epoll_units, pwait2_timespec_wait_is_capped, .timeout = 30)
{
	run_silent("pwait2", &res);
	assert_line(&res, "pwait2", "pwait2: n=1 [IN|ERR|HUP]");
	assert_capped_wait(&res, "pwait2");
	assert_line(&res, "recv", "recv: -1 ETIMEDOUT");
}

Test(epoll_units, eintr_returns_and_next_wait_keeps_the_deadline, .timeout = 30)
{
	run_silent("eintr", &res);
	assert_line(&res, "wait1", "wait1: -1 EINTR");
	/* The deadline was armed by the send, 300 ms before it fires: the
	 * second wait ends at what is left of it, not 300 ms later. */
	assert_line(&res, "wait2", "wait2: n=1 [A IN|ERR|HUP]");
	assert_capped_wait(&res, "wait2");
}

Test(epoll_units, token_data_matches_kernel_without_deadline, .timeout = 30)
{
	assert_same_as_kernel("tokens", &res);
	assert_line(&res, "tokens:", "tokens: live=30 reported=30 unknown=0 twice=0");
	assert_line(&res, "tokens with ERR", "tokens with ERR: 0");
}

Test(epoll_units, token_data_expiries_carry_the_latest_token, .timeout = 30)
{
	run_silent("tokens", &res);
	assert_line(&res, "tokens:", "tokens: live=30 reported=30 unknown=0 twice=0");
	assert_line(&res, "tokens with ERR", "tokens with ERR: 30");
	assert_capped_wait(&res, "tokens:");
}

Test(epoll_units, registrations_churned_by_threads_during_waits, .timeout = 60)
{
	/* 4 threads ADD, MOD (data to and from the fd), DEL, close and dup
	 * 4000 connections while the main thread waits on the same set. */
	/* Capped sockets, but caps no loaded accept queue reaches: this is
	 * about the bookkeeping, not about deadlines. */
	static const char *const env[] = {"WAITCAP_CAPS=connect=20s,recv=20s", "WAITCAP_TRACE=0",
					  NULL};
	int port;
	pid_t echo = echo_proc_start(&port); /* accepts as fast as they connect */
	cr_assert(echo > 0, "echo server did not start");
	run_probe_port(&res, "threads", true, env, port);
	echo_proc_stop(echo);
	assert_line(&res, "threads:", "threads: done=4 foreign=0");
}

Test(epoll_units, deadline_armed_by_another_thread_bounds_a_wait_under_way, .timeout = 30)
{
	/* The wait starts with no deadline armed; a send about 100 ms in
	 * arms one: the wait ends 300 ms after that send, not at its own 2 s. */
	run_silent("meanwhile", &res);
	assert_line(&res, "wait1", "wait1: n=1 [A IN|ERR|HUP]");
	assert_capped_wait(&res, "wait1");
}
