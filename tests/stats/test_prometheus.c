/* The exporter under a real Prometheus server, promtool's checks of its
 * output and of the seed plan's alert rules (docs/examples/prometheus/). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loopback.h"
#include "helpers.h"
#include "peers.h"
#include "proc.h"

static struct peer full;
static struct st t;

static void setup(void)
{
	cr_assert_eq(peer_full_listener(&full, 0), 0, "cannot fill a listener's accept queue");
	st_setup(&t, full.port);
}

static void teardown(void)
{
	peer_stop(&full);
	st_teardown(&t);
}

TestSuite(prometheus, .init = setup, .fini = teardown, .timeout = 90);

/* A loopback port free right now (the kernel's choice). */
static pid_t start_exporter(int port)
{
	char listen[32];
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	const char *argv[] = {getenv("WAITCAP_BIN"), "exporter", "--listen", listen, NULL};
	pid_t pid = proc_start(argv, t.env, false, -1, -1);
	/* Up when it answers (bounded). */
	static struct proc_result r;
	char url[64];
	snprintf(url, sizeof(url), "http://%s/", listen);
	const char *curl[] = {"curl", "-sf", "--max-time", "2", url, NULL};
	for (int64_t end = now_ms() + 10000; now_ms() < end; usleep(100000))
		if (proc_run(&r, curl, NULL, false, 5000) == 0 && r.exit_code == 0)
			return pid;
	cr_assert_fail("the exporter did not answer on %s", listen);
	return -1;
}

static void stop(pid_t pid)
{
	kill(pid, SIGTERM);
	cr_expect_eq(proc_wait(pid, 15000), 0, "pid %d did not stop on SIGTERM", pid);
}

/* The value of a PromQL query's first sample, or -1 when it has none. */
static double query(int port, const char *promql)
{
	static struct proc_result r;
	char url[128], q[512];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/query", port);
	snprintf(q, sizeof(q), "query=%s", promql);
	const char *curl[] = {"curl", "-sf", "--max-time", "5", "--data-urlencode", q, url, NULL};
	if (proc_run(&r, curl, NULL, false, 10000) != 0 || r.exit_code != 0)
		return -1;
	cJSON *doc = cJSON_Parse(r.out);
	cJSON *result = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "result");
	double v = -1;
	cJSON *first = cJSON_GetArrayItem(result, 0);
	cJSON *value = cJSON_GetArrayItem(cJSON_GetObjectItem(first, "value"), 1);
	if (cJSON_IsString(value))
		v = atof(value->valuestring);
	cJSON_Delete(doc);
	return v;
}

/* A program that keeps connecting to a dead-slow destination; Prometheus
 * scrapes the exporter every second; its API gives the capped count. */
Test(prometheus, a_real_prometheus_scrapes_the_capped_count_of_a_running_process)
{
	pid_t prog = st_connector(&t, "loop", full.port, 0);
	int exporter_port = loopback_free_port();
	pid_t exporter = start_exporter(exporter_port);
	char config[160], data[160], listen[64];
	snprintf(config, sizeof(config), "%s/prometheus.yml", t.dir);
	snprintf(data, sizeof(data), "--storage.tsdb.path=%s/data", t.dir);
	FILE *f = fopen(config, "w");
	cr_assert_not_null(f);
	fprintf(f, "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
		   "scrape_configs:\n"
		   "  - job_name: waitcap\n"
		   "    static_configs: [{targets: ['127.0.0.1:%d']}]\n", exporter_port);
	fclose(f);
	int prom_port = loopback_free_port();
	snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%d", prom_port);
	char config_arg[192];
	snprintf(config_arg, sizeof(config_arg), "--config.file=%s", config);
	const char *argv[] = {"prometheus", config_arg, data, listen, "--log.level=warn", NULL};
	pid_t prom = proc_start(argv, NULL, false, -1, -1);

	char promql[256];
	snprintf(promql, sizeof(promql), "waitcap_capped_total{job=\"waitcap\",pid=\"%d\",op=\"connect\"}",
		 prog);
	double capped = -1;
	for (int64_t end = now_ms() + 40000; now_ms() < end && capped < 2; usleep(500000))
		capped = query(prom_port, promql);
	cr_expect_geq(capped, 2, "Prometheus has no capped connects of pid %d (query %s: %g)", prog,
		      promql, capped);
	/* The same count, by destination and rule, and no more than the
	 * process counted itself. */
	snprintf(promql, sizeof(promql),
		 "waitcap_destination_connect_timeouts_total{pid=\"%d\",rule=\"" RULE "\",peer=\"127.0.0.1:%d\"}",
		 prog, full.port);
	double timeouts = query(prom_port, promql);
	cr_expect_geq(timeouts, 1, "query %s: %g", promql, timeouts);
	cJSON *proc = st_stats(&t, prog);
	double now_capped = st_num(cJSON_GetObjectItem(cJSON_GetObjectItem(proc, "ops"), "connect"),
				   "capped");
	cr_expect_leq(capped, now_capped);
	cJSON_Delete(proc);
	stop(prom);
	stop(exporter);
	st_stop(prog);
}

Test(prometheus, promtool_accepts_the_exporters_metrics)
{
	pid_t prog = st_connector(&t, "connect", full.port, 2);
	int port = loopback_free_port();
	pid_t exporter = start_exporter(port);
	static struct proc_result r;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "curl -sf http://127.0.0.1:%d/metrics > %s/metrics.txt && "
		 "promtool check metrics < %s/metrics.txt", port, t.dir, t.dir);
	const char *argv[] = {"sh", "-c", cmd, NULL};
	cr_assert_eq(proc_run(&r, argv, NULL, false, 20000), 0);
	cr_expect_eq(r.exit_code, 0, "promtool: %s%s", r.out, r.err);
	cr_expect_eq(r.out[0] + r.err[0], 0, "promtool complained: %s%s", r.out, r.err);
	char path[160], line[256];
	snprintf(path, sizeof(path), "%s/metrics.txt", t.dir);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	char want[128];
	snprintf(want, sizeof(want), "waitcap_destination_connect_timeouts_total{pid=\"%d\",", prog);
	bool found = false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, want, strlen(want)))
			found = strstr(line, "rule=\"" RULE "\"} 2\n") != NULL;
	fclose(f);
	cr_expect(found, "no line '%s...rule=\"" RULE "\"} 2' in the metrics", want);
	stop(exporter);
	st_stop(prog);
}

Test(prometheus, the_seed_plans_alert_rules_pass_their_unit_tests)
{
	static struct proc_result r;
	char rules[256], tests[256];
	snprintf(rules, sizeof(rules), "%s/docs/examples/prometheus/waitcap-alerts.yml",
		 getenv("WAITCAP_SRC"));
	snprintf(tests, sizeof(tests), "%s/docs/examples/prometheus/waitcap-alerts_test.yml",
		 getenv("WAITCAP_SRC"));
	const char *check[] = {"promtool", "check", "rules", rules, NULL};
	cr_assert_eq(proc_run(&r, check, NULL, false, 20000), 0);
	cr_expect_eq(r.exit_code, 0, "%s%s", r.out, r.err);
	cr_expect(strstr(r.out, "SUCCESS: 4 rules found"), "%s", r.out);
	const char *test[] = {"promtool", "test", "rules", tests, NULL};
	cr_assert_eq(proc_run(&r, test, NULL, false, 20000), 0);
	cr_expect_eq(r.exit_code, 0, "%s%s", r.out, r.err);
}

Test(prometheus, bad_listen_addresses_are_named)
{
	static struct proc_result r;
	const char *argv[] = {getenv("WAITCAP_BIN"), "exporter", "--listen", "localhost", NULL};
	cr_assert_eq(proc_run(&r, argv, t.env, false, 10000), 0);
	cr_expect_eq(r.exit_code, 2);
	cr_expect(strstr(r.err, "--listen 'localhost': not ADDR:PORT"), "stderr: %s", r.err);
}
