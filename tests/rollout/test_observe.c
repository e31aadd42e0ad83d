/* Observe mode: deadlines armed and tracked as when capping, nothing cut.
 * The Python service waits its own timeouts; each deadline that passes is
 * counted once (would_cap) and traced once (waitcap:expired). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "rollout.h"

static struct lt_env env;
static struct deps deps;

ROLLOUT_SUITE(observe, env, deps, .timeout = 90);

static const cJSON *op_counts(const cJSON *stats, const char *op)
{
	const cJSON *procs = cJSON_GetObjectItem(stats, "processes");
	cr_assert_eq(cJSON_GetArraySize(procs), 1);
	return cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(procs, 0), "ops"), op);
}

/* Caps of 300 ms, far below the service's own timeouts: under capping they
 * would cut all three dependencies; observing, they cut none. */
Test(observe, the_service_waits_its_own_timeouts_and_every_passed_deadline_is_counted_once)
{
	const char *extra[] = {"WAITCAP_MODE=observe", "WAITCAP_CAPS=connect=300ms,recv=300ms",
			       NULL};
	struct service_run run;
	int64_t start = now_ms();
	service_record(&env, &deps, lt_path(&env, "trace"), extra, lt_path(&env, "stats"), &run);
	int64_t took = now_ms() - start;

	cr_assert_str_eq(run.database.outcome, "timeout", "%s", run.out);
	cr_assert_geq(run.database.seconds * 1000, FULL_OWN_MS - CAP_EARLY_SLACK_MS, "%s", run.out);
	cr_assert_str_eq(run.api.outcome, "answered", "the slow answer was cut:\n%s", run.out);
	cr_assert_geq(run.api.seconds * 1000, SLOW_ANSWER_MS - CAP_EARLY_SLACK_MS, "%s", run.out);
	cr_assert_str_eq(run.cache.outcome, "timeout", "%s", run.out);
	cr_assert_geq(run.cache.seconds * 1000, SILENT_OWN_MS - CAP_EARLY_SLACK_MS, "%s", run.out);
	cr_assert_geq(run.database.seconds + run.api.seconds + run.cache.seconds, 3.1 - 0.015);
	cr_assert_geq(took, 3100);

	const cJSON *proc = cJSON_GetArrayItem(cJSON_GetObjectItem(run.stats, "processes"), 0);
	cr_assert_str_eq(jstr(proc, "mode"), "observe");
	cr_assert_eq(jnum(op_counts(run.stats, "connect"), "would_cap"), 1);
	cr_assert_eq(jnum(op_counts(run.stats, "recv"), "would_cap"), 2);
	cr_assert_eq(jnum(op_counts(run.stats, "send"), "would_cap"), 0);
	cr_assert_eq(jnum(op_counts(run.stats, "connect"), "capped"), 0);
	cr_assert_eq(jnum(op_counts(run.stats, "recv"), "capped"), 0);
	cr_assert_eq(jnum(op_counts(run.stats, "poll"), "capped"), 0);
	cJSON_Delete(run.stats);

	/* Traced once each, at the moment the cap would have fired. */
	char *text = lt_babeltrace(lt_path(&env, "trace"), false);
	const char *expired[] = {"waitcap:expired:", NULL};
	cr_assert_eq(lt_count_lines(text, expired, NULL, 0), 3, "%.6000s", text);
	const char *observed[] = {"waitcap:expired:", "observed = 1", NULL};
	cr_assert_eq(lt_count_lines(text, observed, NULL, 0), 3, "%.6000s", text);
	char peer[64], line[4096], value[64];
	snprintf(peer, sizeof peer, "peer = \"127.0.0.1:%d\"", deps.full.port);
	const char *connect_expired[] = {"waitcap:expired:", peer, "op = ( \"connect\"", NULL};
	cr_assert_eq(lt_count_lines(text, connect_expired, line, sizeof line), 1, "%.6000s", text);
	cr_assert(lt_field(line, "waited_ns", value, sizeof value), "%s", line);
	cr_assert_capped(atoll(value) / 1000000, 300, "the connect deadline's wait (waited_ns)");
	/* No wait of the program ended capped. */
	const char *capped[] = {"waitcap:wait:", "outcome = ( \"capped\"", NULL};
	cr_assert_eq(lt_count_lines(text, capped, NULL, 0), 0, "%.6000s", text);
	free(text);
}

/* The profile's "mode" does the same as WAITCAP_MODE, and WAITCAP_MODE
 * overrides it. */
Test(observe, a_profile_in_observe_mode_cuts_nothing_and_waitcap_mode_overrides_it)
{
	const char *profile = lt_path(&env, "profiles.json");
	FILE *f = fopen(profile, "w");
	cr_assert(f);
	fprintf(f, "{\"version\": 1, \"default\": \"watch\", \"profiles\": {\"watch\": {\"mode\": \"observe\", "
		   "\"caps\": {\"connect\": \"300ms\", \"recv\": \"300ms\"}}}}\n");
	fclose(f);
	char config[600];
	snprintf(config, sizeof config, "WAITCAP_CONFIG=%s", profile);
	const char *extra[] = {config, NULL};
	struct service_run run;
	service_record(&env, &deps, lt_path(&env, "trace"), extra, lt_path(&env, "stats"), &run);
	cr_assert_str_eq(run.api.outcome, "answered", "%s", run.out);
	cr_assert_str_eq(run.cache.outcome, "timeout", "%s", run.out);
	cr_assert_geq(run.cache.seconds * 1000, SILENT_OWN_MS - CAP_EARLY_SLACK_MS, "%s", run.out);
	const cJSON *proc = cJSON_GetArrayItem(cJSON_GetObjectItem(run.stats, "processes"), 0);
	cr_assert_str_eq(jstr(proc, "mode"), "observe");
	cr_assert_eq(jnum(op_counts(run.stats, "recv"), "would_cap"), 2);
	cJSON_Delete(run.stats);

	/* WAITCAP_MODE=capping enforces the same profile: the slow answer is cut. */
	const char *capping[] = {config, "WAITCAP_MODE=capping", NULL};
	service_record(&env, &deps, lt_path(&env, "trace2"), capping, lt_path(&env, "stats"), &run);
	cr_assert_str_neq(run.api.outcome, "answered", "%s", run.out);
	cr_assert_lt(run.cache.seconds * 1000, cap_upper_ms(300) + 0.0, "%s", run.out);
	proc = cJSON_GetArrayItem(cJSON_GetObjectItem(run.stats, "processes"), 0);
	cr_assert_str_eq(jstr(proc, "mode"), "capping");
	cJSON_Delete(run.stats);
}

/* A blocking connect bounded by the program's own SO_SNDTIMEO (1 s), longer
 * than the 300 ms cap: observing, it ends as the kernel ends it, after 1 s
 * with EINPROGRESS, not at the cap and not two minutes later. */
Test(observe, a_blocking_connect_ends_at_the_programs_own_sndtimeo)
{
	char script[1024], port[16];
	snprintf(port, sizeof port, "%d", deps.full.port);
	snprintf(script, sizeof script,
		 "import socket, struct, sys, time\n"
		 "s = socket.socket()\n"
		 "s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack('ll', 1, 0))\n"
		 "t = time.monotonic()\n"
		 "try:\n"
		 "    s.connect(('127.0.0.1', int(sys.argv[1])))\n"
		 "    print('connected')\n"
		 "except OSError as e:\n"
		 "    print(e.errno, '%%.3f' %% (time.monotonic() - t))\n");
	const char *argv[] = {"python3", "-c", script, port, NULL};
	const char *run_env[] = {"WAITCAP_MODE=observe", "WAITCAP_CAPS=connect=300ms", NULL};
	struct proc_result r;
	cr_assert_eq(proc_run(&r, argv, run_env, true, 20000), 0);
	cr_assert_eq(r.exit_code, 0, "%s", r.err);
	int err = 0;
	double took = 0;
	cr_assert_eq(sscanf(r.out, "%d %lf", &err, &took), 2, "%s", r.out);
	cr_assert_eq(err, 115 /* EINPROGRESS */, "%s", r.out);
	cr_assert(cap_held((int64_t)(took * 1000), 1000), "took %.3f s", took);
}
