/* waitcap:wait events name the call: op, func, peer, the program's own
 * timeout, the cap and the outcome, and their ip and frames point at the
 * function that made the call. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "peers.h"

static struct lt_env env;
static struct peer silent;
static int answer_port;

/* Answers each line with "pong\n" 50 ms later, so that the client's recv
 * really waits for it (a peer answering at once could beat the recv). */
static void *slow_answer(void *arg)
{
	int lfd = (int)(long)arg;
	int c = accept(lfd, NULL, NULL);
	char buf[64];
	while (c >= 0 && read(c, buf, sizeof buf) > 0) {
		struct timespec pause = {.tv_nsec = 50 * 1000000L};
		nanosleep(&pause, NULL);
		if (write(c, "pong\n", 5) != 5)
			break;
	}
	return NULL;
}

static int slow_answer_start(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sin;
	cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
		  listen(fd, 4) == 0 && getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	pthread_t t;
	cr_assert(pthread_create(&t, NULL, slow_answer, (void *)(long)fd) == 0);
	pthread_detach(t);
	return ntohs(sin.sin_port);
}
static char *text;          /* the trace, with --debug-info */
static char client[512];

/* One traced run shared by the tests below: the client blocks in
 * wait_for_quote (capped) and poll_inventory (own timeout, then data). */
static void run_traced_client(void)
{
	lt_init(&env);
	lt_start_sessiond(&env);
	cr_assert(peer_silent_server(&silent, 0) == 0);
	answer_port = slow_answer_start();
	snprintf(client, sizeof client, "%s/tests/tracing/traced_client", lt_getenv("WAITCAP_BUILD"));
	char silent_arg[16], answer_arg[16], trace_opt[300];
	snprintf(silent_arg, sizeof silent_arg, "%d", silent.port);
	snprintf(answer_arg, sizeof answer_arg, "%d", answer_port);
	snprintf(trace_opt, sizeof trace_opt, "--trace=%s", lt_path(&env, "trace"));
	const char *argv[] = {lt_getenv("WAITCAP_BIN"), "run", trace_opt, "--min-block", "5ms",
			      "--", client, "calls", silent_arg, answer_arg, NULL};
	const char *extra[] = {"WAITCAP_CAPS=recv=300ms", NULL};
	struct lt_proc p;
	int status = lt_run(&env, &p, argv, extra, 60000);
	cr_assert_eq(status, 0, "waitcap run: status %d\nstdout:\n%s\nstderr:\n%s", status, p.out,
		     p.err);
	cr_assert(strstr(p.out, "wait_for_quote: ETIMEDOUT\n"), "%s", p.out);
	cr_assert(strstr(p.out, "poll_inventory before asking: own-timeout\n"), "%s", p.out);
	cr_assert(strstr(p.out, "poll_inventory after asking: data\n"), "%s", p.out);
	text = lt_babeltrace(lt_path(&env, "trace"), true);
}

static void teardown(void)
{
	free(text);
	peer_stop(&silent);
	lt_cleanup(&env);
}

/* The waitcap events of the trace, for failure messages. */
static const char *waitcap_lines(void)
{
	static char out[8192];
	size_t used = 0;
	out[0] = '\0';
	for (const char *line = text; line && *line && used < sizeof out - 1;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line + 1) : strlen(line);
		const char *event = strstr(line, "waitcap:");
		if (event && event < line + len) {
			size_t take = len < sizeof out - 1 - used ? len : sizeof out - 1 - used;
			memcpy(out + used, line, take);
			used += take;
			out[used] = '\0';
		}
		line = end ? end + 1 : NULL;
	}
	return out;
}

/* The single waitcap:wait line with these fields; fails unless exactly one. */
static void one_wait(char *line, size_t len, const char *peer_port_fmt, int port,
		     const char *outcome)
{
	char peer[64], outcome_field[64];
	snprintf(peer, sizeof peer, peer_port_fmt, port);
	snprintf(outcome_field, sizeof outcome_field, "outcome = ( \"%s\"", outcome);
	const char *needles[] = {"waitcap:wait:", peer, "func = \"recv\"", outcome_field, NULL};
	int n = lt_count_lines(text, needles, line, len);
	cr_assert_eq(n, 1, "expected one recv wait on %s with %s, found %d in:\n%s", peer,
		     outcome, n, waitcap_lines());
}

static void assert_field(const char *line, const char *name, const char *expected)
{
	char value[256];
	cr_assert(lt_field(line, name, value, sizeof value), "no %s in %s", name, line);
	cr_assert_str_eq(value, expected, "%s: expected %s, got %s in\n%s", name, expected, value,
			 line);
}

/* debug_info's func for the ip context: "wait_for_quote+0x2a" */
static void assert_ip_in(const char *line, const char *function)
{
	char value[256];
	cr_assert(lt_field(line, "func", value, sizeof value));
	const char *debug = strstr(line, "debug_info");
	cr_assert(debug, "no debug_info in %s", line);
	cr_assert(lt_field(debug, "func", value, sizeof value), "no debug_info func in %s", line);
	cr_assert(!strncmp(value, function, strlen(function)) && value[strlen(function)] == '+',
		  "ip in %s, expected %s:\n%s", value, function, line);
}

/* The innermost frame, symbolized with addr2line against the client's
 * load address from the statedump. */
static void assert_first_frame_in(const char *line, const char *function)
{
	const char *frames = strstr(line, "frames = [ [0] = ");
	cr_assert(frames, "no frames in %s", line);
	unsigned long long frame = strtoull(frames + strlen("frames = [ [0] = "), NULL, 16);

	char base_line[2048], client_path[600];
	snprintf(client_path, sizeof client_path, "path = \"%s\"", client);
	const char *needles[] = {"lttng_ust_statedump:bin_info:", client_path, NULL};
	cr_assert(lt_count_lines(text, needles, base_line, sizeof base_line) >= 1,
		  "no statedump entry for %s", client);
	char baddr[64];
	cr_assert(lt_field(base_line, "baddr", baddr, sizeof baddr));
	unsigned long long base = strtoull(baddr, NULL, 0);

	/* A return address: the call is the byte before it. */
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "addr2line -f -e '%s' 0x%llx", client, frame - base - 1);
	FILE *f = popen(cmd, "r");
	char symbol[256] = "";
	cr_assert(f && fgets(symbol, sizeof symbol, f));
	pclose(f);
	symbol[strcspn(symbol, "\n")] = '\0';
	cr_assert_str_eq(symbol, function, "frame 0x%llx (base 0x%llx) is in %s, not %s", frame,
			 base, symbol, function);
}

TestSuite(wait_events, .init = run_traced_client, .fini = teardown, .timeout = 80);

Test(wait_events, capped_recv_is_traced_with_its_cap_and_function)
{
	char line[4096];
	one_wait(line, sizeof line, "peer = \"127.0.0.1:%d\"", silent.port, "capped");
	assert_field(line, "op", "recv");
	assert_field(line, "timeout_ms", "-1");
	assert_field(line, "cap_ms", "300");
	assert_field(line, "err", "110");
	assert_ip_in(line, "wait_for_quote");
	assert_first_frame_in(line, "wait_for_quote");
}

Test(wait_events, own_timeout_is_traced_as_app_timeout)
{
	char line[4096];
	one_wait(line, sizeof line, "peer = \"127.0.0.1:%d\"", answer_port, "app_timeout");
	assert_field(line, "op", "recv");
	assert_field(line, "timeout_ms", "100");
	assert_field(line, "ret", "-1");
	assert_ip_in(line, "poll_inventory");
	assert_first_frame_in(line, "poll_inventory");
}

Test(wait_events, every_traced_wait_blocked_at_least_min_block_or_was_capped)
{
	int checked = 0;
	for (const char *line = text; line && *line; checked++) {
		line = strstr(line, "waitcap:wait:");
		if (!line)
			break;
		const char *end = strchr(line, '\n');
		char *copy = strndup(line, end ? (size_t)(end - line) : strlen(line));
		char dur[32], outcome[32];
		cr_assert(lt_field(copy, "dur_ns", dur, sizeof dur) &&
			  lt_field(copy, "outcome", outcome, sizeof outcome));
		cr_assert(atoll(dur) >= 5000000 || !strcmp(outcome, "capped"),
			  "traced below --min-block 5ms: %s", copy);
		free(copy);
		line = end;
	}
	cr_assert_geq(checked, 3);
}

Test(wait_events, recv_that_gets_data_is_traced_as_ready)
{
	char line[4096];
	one_wait(line, sizeof line, "peer = \"127.0.0.1:%d\"", answer_port, "ready");
	assert_field(line, "op", "recv");
	assert_field(line, "timeout_ms", "1000");
	assert_field(line, "err", "0");
	assert_ip_in(line, "poll_inventory");
	assert_first_frame_in(line, "poll_inventory");
}
