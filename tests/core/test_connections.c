/* Connections that must not be touched: idle ones, and ones whose data
 * keeps coming with pauses shorter than the cap. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "peers.h"
#include "proc.h"

static const char *const capped[] = {"WAITCAP_CAPS=connect=300ms,recv=300ms,send=300ms",
				     "WAITCAP_TRACE=0", NULL};
/* Pauses of up to 250 ms under a 1 s cap: far enough below it that a
 * busy machine stretching a pause cannot reach the cap. */
#define TRICKLE_PAUSE_MS 250
static const char *const capped_1s[] = {"WAITCAP_CAPS=connect=1s,recv=1s,send=1s",
					"WAITCAP_TRACE=0", NULL};
static struct proc_result r;

static void run_client(const char *mode, int port, const char *extra, const char *value,
		       const char *const env[])
{
	char p[16];
	snprintf(p, sizeof(p), "%d", port);
	const char *argv[] = {build_path("tests/core/client"), mode, p, extra, value, NULL};
	cr_assert_eq(proc_run(&r, argv, env, true, 60000), 0);
	cr_assert(!r.timed_out, "client %s hung", mode);
}

Test(connections, idle_connection_outlives_three_recv_caps, .timeout = 30)
{
	struct peer answer;
	cr_assert_eq(peer_answer_server(&answer, 0), 0);
	run_client("idle", answer.port, "--idle-ms", "900", capped);
	peer_stop(&answer);
	cr_assert(strstr(r.out, "result=ok"), "idle connection broke: %s", r.out);
	cr_assert(strstr(r.out, "bytes=6"), "both requests answered: %s", r.out);
}

static void trickle_intact(const char *mode)
{
	struct peer trickle;
	size_t total = 4 << 20;
	cr_assert_eq(peer_trickle_server(&trickle, 0, total, 0xC0FFEE, TRICKLE_PAUSE_MS), 0);
	run_client(mode, trickle.port, "--timeout-ms", "-1", capped_1s);
	char expect[64];
	snprintf(expect, sizeof(expect), "bytes=%zu sum=%08x", total, trickle.trickle_sum);
	peer_stop(&trickle);
	cr_assert(strstr(r.out, "result=ok"), "%s: %s", mode, r.out);
	cr_assert(strstr(r.out, expect), "%s: expected %s, got %s", mode, expect, r.out);
}

Test(connections, trickled_4mib_arrive_intact_blocking, .timeout = 60)
{
	trickle_intact("trickle");
}

Test(connections, trickled_4mib_arrive_intact_poll_driven, .timeout = 60)
{
	trickle_intact("trickle-poll");
}
