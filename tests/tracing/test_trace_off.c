/* When the library maps the tracer (docs/tracing.md, "When the library
 * loads the tracer"): WAITCAP_TRACE=0 never; by default not until a session
 * wants the process; WAITCAP_TRACE=1 at start.  And how the tracer's own
 * threads are known (trace.c, on_tracer_thread): by liblttng-ust's "-ust"
 * thread names, which this file checks so that a liblttng-ust naming its
 * threads otherwise fails here. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct lt_env env;

static void setup(void)
{
	lt_init(&env);
}

static void teardown(void)
{
	lt_cleanup(&env);
}

TestSuite(trace_off, .init = setup, .fini = teardown, .timeout = 25);

static char thread_names[4096];

/* The mappings of a preloaded traced_client, read while it idles; its
 * threads' names, one a line, in thread_names. */
static char *maps_of_idle_client(const char *const extra[])
{
	char client[512];
	snprintf(client, sizeof client, "%s/tests/tracing/traced_client", lt_getenv("WAITCAP_BUILD"));
	char preload[600];
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", lt_getenv("WAITCAP_LIB"));
	const char *full_extra[8] = {preload};
	for (int i = 0; extra && extra[i] && i < 6; i++)
		full_extra[i + 1] = extra[i];
	const char *argv[] = {client, "idle", NULL};
	struct lt_proc p;
	lt_spawn(&env, &p, argv, full_extra);
	cr_assert(lt_wait_output(&p, "ready\n", 10000), "client did not start: %s", p.err);

	char path[64];
	snprintf(path, sizeof path, "/proc/%d/maps", (int)p.pid);
	FILE *f = fopen(path, "r");
	cr_assert(f, "%s", path);
	size_t cap = 1 << 20, len = 0, n;
	char *maps = malloc(cap);
	while ((n = fread(maps + len, 1, cap - len - 1, f)) > 0)
		len += n;
	maps[len] = '\0';
	fclose(f);

	thread_names[0] = '\0';
	snprintf(path, sizeof path, "/proc/%d/task", (int)p.pid);
	DIR *tasks = opendir(path);
	cr_assert(tasks, "%s", path);
	struct dirent *d;
	while ((d = readdir(tasks))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		char comm_path[400], name[32] = "";
		snprintf(comm_path, sizeof comm_path, "%s/%s/comm", path, d->d_name);
		FILE *c = fopen(comm_path, "r");
		if (c) {
			if (!fgets(name, sizeof name, c))
				name[0] = '\0';
			fclose(c);
		}
		size_t used = strlen(thread_names);
		snprintf(thread_names + used, sizeof thread_names - used, "%s%s",
			 atoi(d->d_name) == (int)p.pid ? "main:" : "", name);
	}
	closedir(tasks);
	cr_assert_eq(lt_finish(&p, 5000), 0);
	return maps;
}

Test(trace_off, waitcap_trace_0_never_maps_liblttng_ust)
{
	const char *extra[] = {"WAITCAP_TRACE=0", NULL};
	char *maps = maps_of_idle_client(extra);
	cr_assert(strstr(maps, "libwaitcap.so"), "libwaitcap.so is not loaded:\n%s", maps);
	cr_assert(!strstr(maps, "liblttng-ust"), "liblttng-ust is mapped:\n%s", maps);
	cr_assert(!strstr(maps, "libwaitcap-tp.so"), "the provider is mapped:\n%s", maps);
	free(maps);
}

Test(trace_off, by_default_nothing_of_lttng_is_mapped_until_a_session_wants_it)
{
	char *maps = maps_of_idle_client(NULL);
	cr_assert(strstr(maps, "libwaitcap.so"), "libwaitcap.so is not loaded:\n%s", maps);
	cr_assert(!strstr(maps, "libwaitcap-tp.so"), "the provider is mapped:\n%s", maps);
	cr_assert(!strstr(maps, "liblttng-ust"), "liblttng-ust is mapped:\n%s", maps);
	/* One thread, the program's: the library starts none of its own. */
	cr_assert_eq(strchr(thread_names, '\n'), thread_names + strlen(thread_names) - 1,
		     "more threads than the program's:\n%s", thread_names);
	free(maps);
}

Test(trace_off, waitcap_trace_1_loads_the_provider_and_liblttng_ust_at_start)
{
	const char *extra[] = {"WAITCAP_TRACE=1", NULL};
	char *maps = maps_of_idle_client(extra);
	cr_assert(strstr(maps, "libwaitcap-tp.so"), "the provider is not mapped:\n%s", maps);
	cr_assert(strstr(maps, "liblttng-ust.so"), "liblttng-ust is not mapped:\n%s", maps);
	free(maps);
}

/* liblttng-ust 2.13 names its listener threads "PROCNAME-ust"; the library
 * knows them by that suffix alone.  If this fails, liblttng-ust changed,
 * and trace.c's on_tracer_thread must find another way. */
Test(trace_off, the_threads_liblttng_ust_starts_are_named_ust)
{
	const char *extra[] = {"WAITCAP_TRACE=1", NULL};
	free(maps_of_idle_client(extra));
	int tracer_threads = 0;
	for (char *line = thread_names; *line;) {
		char *end = strchr(line, '\n');
		cr_assert(end, "%s", thread_names);
		*end = '\0';
		if (strncmp(line, "main:", 5)) {
			size_t len = strlen(line);
			cr_assert(len >= 4 && !strcmp(line + len - 4, "-ust"),
				  "a thread of the traced program is named '%s', not '...-ust'", line);
			tracer_threads++;
		}
		line = end + 1;
	}
	cr_assert_geq(tracer_threads, 1, "liblttng-ust started no thread at all");
}

/* Noticing `waitcap record`'s ask happens inside the program's calls:
 * their successful returns keep errno untouched, as the kernel's do (the
 * first stack walk once set errno in libunwind's set-up). */
Test(trace_off, calls_that_notice_an_ask_keep_errno)
{
	char program[512], preload[600];
	snprintf(program, sizeof program, "%s/tests/tracing/asked_errno", lt_getenv("WAITCAP_BUILD"));
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", lt_getenv("WAITCAP_LIB"));
	const char *argv[] = {program, NULL};
	const char *extra[] = {preload, NULL};
	struct lt_proc p;
	lt_spawn(&env, &p, argv, extra);
	int status = lt_finish(&p, 20000);
	cr_assert_eq(status, 0, "asked_errno: status %d: %s%s", status, p.out, p.err);
	cr_assert(strstr(p.out, "loaded"), "%s", p.out);
}
