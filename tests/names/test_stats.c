/* Live counters: a destination the program reached by name shows that name
 * beside its address (stats text and JSON, the exporter's label); one
 * reached by address shows none. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "world.h"

TestSuite(names_stats, .fini = world_leave, .timeout = 60);

static const cJSON *row_of(const cJSON *dests, const char *peer)
{
	const cJSON *d;
	cJSON_ArrayForEach(d, dests)
		if (strcmp(cJSON_GetObjectItem(d, "peer")->valuestring, peer) == 0)
			return d;
	return NULL;
}

Test(names_stats, stats_show_the_name_beside_the_address)
{
	int port = world_enter(NULL);
	char dir[] = "/tmp/waitcap-names-stats-XXXXXX";
	cr_assert(mkdtemp(dir));
	char stats_dir[64], config[256], port_s[16];
	snprintf(stats_dir, sizeof stats_dir, "WAITCAP_STATS_DIR=%s", dir);
	snprintf(config, sizeof config, "WAITCAP_CONFIG=%s",
		 world_profile("{\"name\": \"backend\", \"match\": {\"name\": \"backend.test\"}, "
			       "\"caps\": {\"connect\": \"300ms\"}}"));
	snprintf(port_s, sizeof port_s, "%d", port);
	/* By name (the rule: 300 ms), then other.test's address by address
	 * (the profile: 2 s), then it waits to be read. */
	const char *argv[] = {"python3", "-c",
			      "import socket, sys, time\n"
			      "for host in ['" BACKEND "', '" OTHER_ADDR "']:\n"
			      "    try:\n"
			      "        socket.create_connection((host, int(sys.argv[1])), timeout=30)\n"
			      "    except OSError:\n"
			      "        pass\n"
			      "print('done', flush=True)\n"
			      "time.sleep(30)\n",
			      port_s, NULL};
	const char *env[] = {config, "WAITCAP_STATS=1", stats_dir, NULL};
	int out[2];
	cr_assert_eq(pipe(out), 0);
	pid_t pid = proc_start(argv, env, true, out[1], -1);
	close(out[1]);
	char line[64] = "";
	ssize_t n = read(out[0], line, sizeof line - 1); /* after ~2.3 s of connects */
	cr_assert(n > 0 && strstr(line, "done"), "python said: %s", line);

	char pid_s[16];
	snprintf(pid_s, sizeof pid_s, "%d", pid);
	const char *stats_env[] = {stats_dir, NULL};
	struct proc_result json, text;
	const char *js[] = {"stats", "--pid", pid_s, "--json", NULL};
	const char *tx[] = {"stats", "--pid", pid_s, NULL};
	cr_assert_eq(proc_run_tool(&json, js, stats_env, 10000), 0);
	cr_assert_eq(proc_run_tool(&text, tx, stats_env, 10000), 0);

	/* The exporter, in this test's own network namespace: its port is
	 * free. */
	const char *exporter_argv[] = {getenv("WAITCAP_BIN"), "exporter", "--listen",
				       "127.0.0.1:19464", NULL};
	pid_t exporter = proc_start(exporter_argv, stats_env, false, -1, -1);
	const char *curl[] = {"curl", "-sf", "--max-time", "2", "http://127.0.0.1:19464/metrics",
			      NULL};
	static struct proc_result metrics;
	bool up = false;
	for (int i = 0; i < 50 && !up; i++) { /* at most ~5 s */
		up = proc_run(&metrics, curl, NULL, false, 5000) == 0 && metrics.exit_code == 0;
		if (!up)
			usleep(100000);
	}
	kill(exporter, SIGTERM);
	proc_wait(exporter, 5000);
	kill(pid, SIGKILL);
	proc_wait(pid, 5000);
	cr_assert(up, "the exporter did not answer");
	char labels[160];
	snprintf(labels, sizeof labels, "peer=\"" BACKEND_ADDR ":%d\",name=\"" BACKEND "\",rule=\"backend\"",
		 port);
	cr_assert(strstr(metrics.out, labels), "no %s in:\n%.3000s", labels, metrics.out);

	cr_assert_eq(json.exit_code, 0, "waitcap stats: %s", json.err);
	cJSON *doc = cJSON_Parse(json.out);
	cr_assert(doc, "not JSON: %s", json.out);
	const cJSON *proc = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "processes"), 0);
	const cJSON *dests = cJSON_GetObjectItem(proc, "destinations");
	char peer[64];
	snprintf(peer, sizeof peer, BACKEND_ADDR ":%d", port);
	const cJSON *b = row_of(dests, peer);
	cr_assert(b, "no row %s in:\n%s", peer, json.out);
	cr_assert_str_eq(cJSON_GetObjectItem(b, "name")->valuestring, BACKEND);
	cr_assert_str_eq(cJSON_GetObjectItem(b, "rule")->valuestring, "backend");
	cr_assert_eq(cJSON_GetObjectItem(b, "connect_timeouts")->valuedouble, 1);
	snprintf(peer, sizeof peer, OTHER_ADDR ":%d", port);
	const cJSON *o = row_of(dests, peer);
	cr_assert(o, "no row %s in:\n%s", peer, json.out);
	cr_assert_str_eq(cJSON_GetObjectItem(o, "name")->valuestring, "");
	cr_assert_str_eq(cJSON_GetObjectItem(o, "rule")->valuestring, "");
	cJSON_Delete(doc);

	char shown[128];
	snprintf(shown, sizeof shown, BACKEND " (" BACKEND_ADDR ":%d)", port);
	cr_assert(strstr(text.out, shown), "no \"%s\" in:\n%s", shown, text.out);
}
