/* Live counters: every lookup counts as a resolve wait; those the resolve
 * cap ended count as capped, with their time; a name found is not timed. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ns.h"
#include "proc.h"

static struct proc_result r;

TestSuite(resolve_stats, .fini = ns_leave, .timeout = 60);

Test(resolve_stats, capped_lookups_are_counted_as_resolve_waits)
{
	ns_world("silent", NS_SILENT, false);
	char dir[] = "/tmp/waitcap-resolve-stats-XXXXXX";
	cr_assert(mkdtemp(dir));
	char stats_dir[64];
	snprintf(stats_dir, sizeof stats_dir, "WAITCAP_STATS_DIR=%s", dir);
	const char *argv[] = {"python3", "-c",
			      "import socket, sys, time\n"
			      "for name in ['" NS_UNKNOWN "', '" NS_UNKNOWN "', 'localhost']:\n"
			      "    try:\n"
			      "        socket.getaddrinfo(name, 80, socket.AF_INET)\n"
			      "    except socket.gaierror:\n"
			      "        pass\n"
			      "print('done', flush=True)\n"
			      "time.sleep(30)\n",
			      NULL};
	const char *env[] = {"WAITCAP_CAPS=resolve=1s", "WAITCAP_STATS=1", stats_dir, NULL};
	int out[2];
	cr_assert_eq(pipe(out), 0);
	pid_t pid = proc_start(argv, env, true, out[1], -1);
	close(out[1]);
	char line[64] = "";
	ssize_t n = read(out[0], line, sizeof line - 1); /* "done", after ~2 s of lookups */
	cr_assert(n > 0 && strstr(line, "done"), "python said: %s", line);

	char pid_s[16];
	snprintf(pid_s, sizeof pid_s, "%d", pid);
	const char *stats[] = {getenv("WAITCAP_BIN"), "stats", "--pid", pid_s, "--json", NULL};
	const char *stats_env[] = {stats_dir, NULL};
	cr_assert_eq(proc_run(&r, stats, stats_env, false, 10000), 0);
	kill(pid, SIGKILL);
	proc_wait(pid, 5000);
	cr_assert_eq(r.exit_code, 0, "waitcap stats: %s", r.err);
	cJSON *doc = cJSON_Parse(r.out);
	cr_assert(doc, "not JSON: %s", r.out);
	const cJSON *proc = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "processes"), 0);
	const cJSON *resolve = cJSON_GetObjectItem(cJSON_GetObjectItem(proc, "ops"), "resolve");
	cr_assert(resolve, "no resolve op in:\n%s", r.out);
	cr_assert_eq(cJSON_GetObjectItem(resolve, "waits")->valuedouble, 3, "%s", r.out);
	cr_assert_eq(cJSON_GetObjectItem(resolve, "capped")->valuedouble, 2, "%s", r.out);
	cr_assert_eq(cJSON_GetObjectItem(resolve, "errors")->valuedouble, 0, "%s", r.out);
	double blocked = cJSON_GetObjectItem(resolve, "blocked_ms")->valuedouble;
	cr_assert(blocked >= 1800 && blocked <= 5000, "blocked %.0f ms", blocked);
	cJSON_Delete(doc);
}
