/* Every benchmark of bench/run still runs and reports numbers.
 *
 * Each test runs `bench/run --small --no-build --only SECTION` into a
 * temporary directory (Markdown report + JSON) and checks that the section
 * is in the report and that every measurement is there and is a number.
 * Never a time or a ratio threshold: the smoke size measures nothing
 * meaningful, and speed is not a test's business (bench/README.md). */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "proc.h"

static char dir[] = "/tmp/waitcap-benchsmoke-XXXXXX";
static char *report; /* the Markdown */
static cJSON *doc;   /* the JSON */

static const char *env_or_fail(const char *name)
{
	const char *v = getenv(name);
	cr_assert(v && *v, "%s is not set: run the tests with meson test", name);
	return v;
}

static char *slurp(const char *path)
{
	char *text = read_whole_file(path);
	cr_assert(text, "%s: %s", path, strerror(errno));
	return text;
}

/* bench/run --small --only SECTION; the report and the JSON loaded. */
static void run_section(const char *section)
{
	cr_assert(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	char run[4096], md_path[256], json_path[256], logpath[256];
	snprintf(run, sizeof run, "%s/bench/run", env_or_fail("WAITCAP_SRC"));
	snprintf(md_path, sizeof md_path, "%s/report.md", dir);
	snprintf(json_path, sizeof json_path, "%s/report.json", dir);
	snprintf(logpath, sizeof logpath, "%s/run.log", dir);
	const char *argv[] = {run, "--small", "--no-build", "--build", env_or_fail("WAITCAP_BUILD"),
			      "--only", section, "--output", md_path, "--json", json_path, NULL};
	int log_fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert(log_fd >= 0, "%s: %s", logpath, strerror(errno));
	pid_t pid = proc_start(argv, NULL, false, log_fd, log_fd);
	close(log_fd);
	int status = proc_wait(pid, 110 * 1000);
	char *log = slurp(logpath);
	cr_assert(status == 0, "bench/run --only %s failed (status %d):\n%s", section, status, log);
	free(log);
	report = slurp(md_path);
	char *json = slurp(json_path);
	doc = cJSON_Parse(json);
	free(json);
	cr_assert(doc, "bench/run wrote JSON that does not parse");
}

static void cleanup(void)
{
	cJSON_Delete(doc);
	doc = NULL;
	free(report);
	report = NULL;
	remove_tree(dir);
}

static double number(const cJSON *obj, const char *key, const char *where)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	cr_assert(cJSON_IsNumber(item), "%s: no number '%s'", where, key);
	return item->valuedouble;
}

/* One metric of a series: medians and the ratio, all positive numbers. */
static void assert_metric(const cJSON *series, const char *metric, const char *where)
{
	char what[192];
	snprintf(what, sizeof what, "%s (%s)", where, metric);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(series, metric);
	cr_assert(cJSON_IsObject(m), "%s: not measured", what);
	cr_assert(number(m, "bare", what) > 0, "%s: no bare time", what);
	cr_assert(number(m, "other", what) > 0, "%s: no contender time", what);
	cr_assert(number(m, "ratio", what) > 0, "%s: no ratio", what);
	number(m, "lo", what);
	number(m, "hi", what);
}

static void assert_series(const cJSON *series, const char *where, bool cpu)
{
	cr_assert(series, "%s: missing", where);
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(series, "error");
	cr_assert(!err, "%s did not run: %s", where, cJSON_GetStringValue(err));
	cr_assert(number(series, "pairs", where) >= 1, "%s: no pair measured", where);
	assert_metric(series, "wall", where);
	if (cpu)
		assert_metric(series, "cpu", where);
}

TestSuite(benchsmoke, .fini = cleanup, .timeout = 120);

Test(benchsmoke, overhead_runs_every_workload_under_every_contender)
{
	run_section("overhead");
	static const struct {
		const char *name;
		const char *control; /* the workload's control row, or NULL */
	} workloads[] = {{"pingpong-socketpair", NULL}, {"pingpong-tcp", "timedpoll"},
			 {"fileread", "thread"}, {"churn", NULL}};
	static const char *const contenders[] = {"aa", "waitcap", "session", "strace", "perf",
						 "bpftrace"};
	const cJSON *overhead = cJSON_GetObjectItemCaseSensitive(doc, "overhead");
	cr_assert(cJSON_IsObject(overhead), "no overhead section in the JSON");
	for (size_t w = 0; w < sizeof workloads / sizeof *workloads; w++) {
		const cJSON *per = cJSON_GetObjectItemCaseSensitive(overhead, workloads[w].name);
		cr_assert(cJSON_IsObject(per), "workload %s missing", workloads[w].name);
		char where[128];
		for (size_t c = 0; c < sizeof contenders / sizeof *contenders; c++) {
			snprintf(where, sizeof where, "%s under %s", workloads[w].name, contenders[c]);
			assert_series(cJSON_GetObjectItemCaseSensitive(per, contenders[c]), where, true);
		}
		if (workloads[w].control) {
			snprintf(where, sizeof where, "%s, control %s", workloads[w].name,
				 workloads[w].control);
			assert_series(cJSON_GetObjectItemCaseSensitive(per, workloads[w].control), where,
				      true);
		}
		char heading[64];
		snprintf(heading, sizeof heading, "### %s\n", workloads[w].name);
		cr_assert(strstr(report, heading), "the report has no '%s' section", workloads[w].name);
	}
	cr_assert(!strstr(report, "cannot run here"), "a contender could not run:\n%s", report);
	cr_assert(strstr(report, "## Targets"), "the report has no targets table");
}

Test(benchsmoke, profile_counts_instructions_and_clock_reads_per_iteration)
{
	run_section("profile");
	const cJSON *prof = cJSON_GetObjectItemCaseSensitive(doc, "profile");
	cr_assert(cJSON_IsObject(prof), "no profile section in the JSON");
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(prof, "error");
	cr_assert(!err, "profile: %s", cJSON_GetStringValue(err));
	number(prof, "clock_ns", "profile");
	static const char *const workloads[] = {"pingpong-tcp", "fileread"};
	static const char *const contenders[] = {"bare", "waitcap", "session"};
	const cJSON *all = cJSON_GetObjectItemCaseSensitive(prof, "workloads");
	for (int w = 0; w < 2; w++)
		for (int c = 0; c < 3; c++) {
			char where[96];
			snprintf(where, sizeof where, "profile of %s, %s", workloads[w], contenders[c]);
			const cJSON *p = cJSON_GetObjectItemCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(all, workloads[w]), contenders[c]);
			cr_assert(p, "%s: missing", where);
			const cJSON *perr = cJSON_GetObjectItemCaseSensitive(p, "error");
			cr_assert(!perr, "%s: %s", where, cJSON_GetStringValue(perr));
			cr_assert(number(p, "instructions", where) > 0, "%s: no instructions", where);
			number(p, "library", where);
			number(p, "clock_calls", where);
		}
	cr_assert(strstr(report, "## Where the cost is"));
}

Test(benchsmoke, cap_precision_measures_capped_waits_for_every_op_and_cap)
{
	run_section("capprec");
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(doc, "capprec");
	cr_assert(cJSON_IsArray(rows) && cJSON_GetArraySize(rows) == 6,
		  "expected 6 rows (connect, recv, poll x 100 ms, 1 s)");
	const cJSON *row;
	cJSON_ArrayForEach(row, rows) {
		char where[64];
		snprintf(where, sizeof where, "%s %d ms",
			 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(row, "op")),
			 (int)number(row, "cap", "cap precision row"));
		const cJSON *err = cJSON_GetObjectItemCaseSensitive(row, "error");
		cr_assert(!err, "%s: %s", where, cJSON_GetStringValue(err));
		cr_assert(number(row, "samples", where) >= 1, "%s: no samples", where);
		/* Every wait ended through its cap: the benchmark measured what it says. */
		cr_assert(number(row, "unexpected", where) == 0, "%s: waits not ended by the cap",
			  where);
		number(row, "p50_ms", where);
		number(row, "p99_ms", where);
		number(row, "max_ms", where);
	}
	cr_assert(strstr(report, "## Cap precision"));
}

Test(benchsmoke, startup_compares_bare_and_preloaded_with_and_without_a_daemon)
{
	run_section("startup");
	const cJSON *phases = cJSON_GetObjectItemCaseSensitive(doc, "startup");
	cr_assert(cJSON_IsObject(phases) && cJSON_GetArraySize(phases) == 3,
		  "expected 3 phases: no daemon, daemon, session");
	const cJSON *phase;
	cJSON_ArrayForEach(phase, phases) {
		static const char *const cmds[] = {"true", "python"};
		static const char *const variants[] = {"waitcap", "traced"};
		for (int c = 0; c < 2; c++)
			for (int v = 0; v < 2; v++) {
				char where[160];
				snprintf(where, sizeof where, "start-up of %s, %s, daemon %s", cmds[c],
					 variants[v], phase->string);
				const cJSON *per = cJSON_GetObjectItemCaseSensitive(phase, cmds[c]);
				assert_series(cJSON_GetObjectItemCaseSensitive(per, variants[v]), where,
					      false);
			}
	}
	cr_assert(strstr(report, "## Start-up"));
}

/* The benchmarks bench/run delegates to (they are in the tree, so each
 * must run: "not measured in this run" is a failure here). */
static void assert_delegated(const char *section, const char *key, const char *heading,
			     const char *exists)
{
	cr_assert(access(exists, F_OK) == 0, "%s is missing (not built, or not in the tree)", exists);
	run_section(section);
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(doc, key);
	cr_assert(cJSON_IsObject(res), "no '%s' result in the JSON (not measured?)", key);
	cr_assert(strstr(report, heading), "the report has no '%s' section", heading);
	cr_assert(!strstr(report, "Not measured in this run"), "%s was not measured:\n%s", key,
		  report);
	const char *out = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "output"));
	cr_assert(number(res, "status", key) == 0, "%s exited with status %d; its output:\n%s", exists,
		  (int)number(res, "status", key), out ? out : "");
	cr_assert(out && strpbrk(out, "0123456789"), "%s printed no numbers", key);
}

Test(benchsmoke, capture_cost_runs)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/bench/capture_cost", env_or_fail("WAITCAP_BUILD"));
	assert_delegated("capture", "capture", "## Capture cost", path);
}

Test(benchsmoke, analyzer_throughput_runs)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/bench/analyze/run.sh", env_or_fail("WAITCAP_SRC"));
	assert_delegated("analyze", "analyze", "## Analyzer throughput", path);
}

Test(benchsmoke, epoll_benchmark_runs)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/bench/epoll/run.sh", env_or_fail("WAITCAP_SRC"));
	assert_delegated("epoll", "epoll", "## epoll", path);
}
