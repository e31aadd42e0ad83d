/* `waitcap record` over programs running with the library: one started
 * before the session loads the tracer when the record asks it to (its
 * next wait) and joins the session, its call sites named; one started
 * while the record runs loads it at start and is traced from its first
 * wait (docs/tracing.md, "When the library loads the tracer"). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "peers.h"

static struct lt_env env;
static struct peer silent;

LT_SUITE_PEER(record, env, silent, peer_silent_server, .timeout = 50);

static bool maps_contain(pid_t pid, const char *what)
{
	char path[64], line[1024];
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "r");
	cr_assert(f, "%s", path);
	bool found = false;
	while (!found && fgets(line, sizeof line, f))
		found = strstr(line, what) != NULL;
	fclose(f);
	return found;
}

static void traced_client_argv(char *client, size_t len, char *port, const char *argv[6],
			       const char *count, const char *interval_ms)
{
	snprintf(client, len, "%s/tests/tracing/traced_client", lt_getenv("WAITCAP_BUILD"));
	snprintf(port, 16, "%d", silent.port);
	const char *v[] = {client, "loop", port, count, interval_ms, NULL};
	memcpy(argv, v, sizeof v);
}

/* The ip context of a waitcap:wait line names the function (babeltrace's
 * debug_info, from the statedump the late session got). */
static bool ip_in(const char *line, const char *function)
{
	char value[256];
	const char *debug = strstr(line, "debug_info");
	return debug && lt_field(debug, "func", value, sizeof value) &&
	       !strncmp(value, function, strlen(function)) && value[strlen(function)] == '+';
}

Test(record, program_started_before_the_session_loads_the_tracer_and_is_traced)
{
	char client[512], preload[600], port[16];
	const char *client_argv[6];
	traced_client_argv(client, sizeof client, port, client_argv, "30", "100");
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", lt_getenv("WAITCAP_LIB"));
	const char *client_env[] = {preload, NULL};
	struct lt_proc program;
	lt_spawn(&env, &program, client_argv, client_env);
	cr_assert(lt_wait_output(&program, "iteration 1:", 10000), "%s", program.err);
	/* A session daemon runs, no session: nothing of LTTng in the process. */
	cr_assert(!maps_contain(program.pid, "liblttng-ust"),
		  "liblttng-ust was loaded before any session wanted the program");

	const char *record_argv[] = {lt_getenv("WAITCAP_BIN"), "record", "--duration", "2s",
				     "-o", lt_path(&env, "trace"), NULL};
	struct lt_proc record;
	int status = lt_run(&env, &record, record_argv, NULL, 20000);
	cr_assert_eq(status, 0, "waitcap record: %d\n%s\n%s", status, record.out, record.err);
	char where[600];
	snprintf(where, sizeof where, "trace: %s\n", lt_path(&env, "trace"));
	cr_assert(strstr(record.out, where), "record does not say where the trace is:\n%s",
		  record.out);
	cr_assert(strstr(record.err, "waitcap record: 1 running process asked to trace (0 already do)\n"),
		  "record does not say it asked the program:\n%s", record.err);
	cr_assert(maps_contain(program.pid, "libwaitcap-tp.so"),
		  "the program did not load the provider when asked");
	cr_assert_eq(lt_finish(&program, 20000), 0, "%s", program.err);

	char *text = lt_babeltrace(lt_path(&env, "trace"), true);
	char vpid[64], first[4096] = "";
	snprintf(vpid, sizeof vpid, "vpid = %d,", (int)program.pid);
	const char *waits[] = {"waitcap:wait:", vpid, "func = \"recv\"", "outcome = ( \"app_timeout\"",
			       NULL};
	int n = lt_count_lines(text, waits, first, sizeof first);
	/* 2 s of a 150 ms loop: about thirteen; allow for the session's start
	 * and the load (the program notices the record at its next wait). */
	cr_assert_geq(n, 4, "only %d waits of the running program recorded:\n%.4000s", n, text);
	cr_assert(ip_in(first, "poll_in_loop"),
		  "the late session does not name the program's call site:\n%s", first);
	const char *config[] = {"waitcap:config:", vpid, NULL};
	cr_assert_geq(lt_count_lines(text, config, NULL, 0), 1,
		     "the program's policy was not recorded for the late session:\n%.4000s", text);
	free(text);
}

Test(record, program_started_during_the_record_is_traced_from_its_start)
{
	const char *record_argv[] = {lt_getenv("WAITCAP_BIN"), "record", "--duration", "4s",
				     "-o", lt_path(&env, "trace"), NULL};
	struct lt_proc record;
	lt_spawn(&env, &record, record_argv, NULL);
	cr_assert(lt_wait_output(&record, "recording to", 15000), "%s", record.err);

	char preload[600];
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", lt_getenv("WAITCAP_LIB"));
	const char *client_env[] = {preload, NULL};
	/* A program that makes no wait at all has the provider mapped: it was
	 * loaded at start, not on a wait. */
	char client[512], port[16];
	const char *idle_argv[] = {client, "idle", NULL};
	const char *loop_argv[6];
	traced_client_argv(client, sizeof client, port, loop_argv, "5", "20");
	struct lt_proc idle;
	lt_spawn(&env, &idle, idle_argv, client_env);
	cr_assert(lt_wait_output(&idle, "ready\n", 10000), "%s", idle.err);
	cr_assert(maps_contain(idle.pid, "libwaitcap-tp.so"),
		  "a program started during the record did not load the provider at start");
	cr_assert_eq(lt_finish(&idle, 10000), 0, "%s", idle.err);

	/* And every one of its waits is recorded, the first included. */
	struct lt_proc program;
	cr_assert_eq(lt_run(&env, &program, loop_argv, client_env, 20000), 0, "%s", program.err);
	cr_assert_eq(lt_finish(&record, 20000), 0, "waitcap record:\n%s", record.err);

	char *text = lt_babeltrace(lt_path(&env, "trace"), false);
	char vpid[64];
	snprintf(vpid, sizeof vpid, "vpid = %d,", (int)program.pid);
	const char *waits[] = {"waitcap:wait:", vpid, "func = \"recv\"", NULL};
	int n = lt_count_lines(text, waits, NULL, 0);
	cr_assert_eq(n, 5, "%d of the 5 waits of a program started during the record were "
		     "recorded:\n%.4000s", n, text);
	free(text);
}

/* The ask is never acted on inside a signal handler: a handler that
 * interrupted malloc would deadlock in pthread_create.  The program waits
 * only in a SIGALRM handler (every 20 ms) until told to wait itself. */
Test(record, the_tracer_is_not_loaded_from_a_signal_handler)
{
	char client[512], preload[600], port[16];
	snprintf(client, sizeof client, "%s/tests/tracing/traced_client", lt_getenv("WAITCAP_BUILD"));
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", lt_getenv("WAITCAP_LIB"));
	snprintf(port, sizeof port, "%d", silent.port);
	const char *client_argv[] = {client, "handler", port, NULL};
	const char *client_env[] = {preload, NULL};
	struct lt_proc program;
	lt_spawn(&env, &program, client_argv, client_env);
	cr_assert(lt_wait_output(&program, "ready\n", 10000), "%s", program.err);

	const char *record_argv[] = {lt_getenv("WAITCAP_BIN"), "record", "--duration", "3s",
				     "-o", lt_path(&env, "trace"), NULL};
	struct lt_proc record;
	lt_spawn(&env, &record, record_argv, NULL);
	cr_assert(lt_wait_output(&record, "recording to", 15000), "%s", record.err);
	cr_assert(strstr(record.err, "1 running process asked"), "%s", record.err);
	/* About 25 waits in the handler, each one seeing the ask. */
	nanosleep(&(struct timespec){.tv_nsec = 500 * 1000000L}, NULL);
	cr_assert(!maps_contain(program.pid, "libwaitcap-tp.so"),
		  "the provider was loaded from a wait in a signal handler");

	/* The program's own waits start the load (one of the first few: the
	 * library tries at most every 10 ms, and the handler's waits count). */
	bool loaded = false;
	for (int i = 0; i < 40 && !loaded; i++) {
		cr_assert(write(program.in_fd, "wait\n", 5) == 5);
		nanosleep(&(struct timespec){.tv_nsec = 50 * 1000000L}, NULL);
		loaded = maps_contain(program.pid, "libwaitcap-tp.so");
	}
	cr_assert(loaded, "the program's own wait did not load the provider");
	cr_assert_eq(lt_finish(&record, 20000), 0, "waitcap record:\n%s", record.err);
	cr_assert_eq(lt_finish(&program, 10000), 0, "%s", program.err);
}

Test(record, rejects_a_bad_duration_with_one_line)
{
	const char *argv[] = {lt_getenv("WAITCAP_BIN"), "record", "--duration", "5", NULL};
	struct lt_proc p;
	int status = lt_run(&env, &p, argv, NULL, 10000);
	cr_assert_eq(status, 2);
	cr_assert_str_eq(p.err, "waitcap record: --duration 5: not a duration (e.g. 30s, 5m)\n");
}
