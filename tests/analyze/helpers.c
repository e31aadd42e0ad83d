#include "files.h"
#include "helpers.h"
#include "peers.h"
#include "proc.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char *an_read_file(const char *path)
{
	return read_whole_file(path);
}

const char *an_build(const char *rel)
{
	static __thread char path[4][512];
	static __thread int next;
	char *p = path[next++ % 4];
	snprintf(p, sizeof(path[0]), "%s/%s", lt_getenv("WAITCAP_BUILD"), rel);
	return p;
}

/* `waitcap run --trace=TRACE_DIR -- ARGV` as the env's user; its status,
 * with what it printed in *p. */
static int record_into(struct lt_env *env, const char *trace_dir, const char *const argv[],
		       const char *const extra_env[], struct lt_proc *p)
{
	const char *full[32];
	char trace_opt[600];
	snprintf(trace_opt, sizeof(trace_opt), "--trace=%s", trace_dir);
	size_t k = 0;
	full[k++] = lt_getenv("WAITCAP_BIN");
	full[k++] = "run";
	full[k++] = trace_opt;
	full[k++] = "--";
	for (size_t i = 0; argv[i] && k < 31; i++)
		full[k++] = argv[i];
	full[k] = NULL;
	return lt_run(env, p, full, extra_env, 90000);
}

int an_record_status(struct lt_env *env, const char *trace_dir, const char *const argv[],
		     const char *const extra_env[])
{
	struct lt_proc p;
	return record_into(env, trace_dir, argv, extra_env, &p);
}

void an_record(struct lt_env *env, const char *trace_dir, const char *const argv[],
	       const char *const extra_env[])
{
	struct lt_proc p;
	int status = record_into(env, trace_dir, argv, extra_env, &p);
	cr_assert_eq(status, 0, "waitcap run --trace: status %d\nstdout:\n%s\nstderr:\n%s", status,
		     p.out, p.err);
}

int an_exec(const char *const argv[], int timeout_ms, char **out, char **err)
{
	char out_path[] = "/tmp/waitcap-analyze-out-XXXXXX";
	char err_path[] = "/tmp/waitcap-analyze-err-XXXXXX";
	int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
	cr_assert(out_fd >= 0 && err_fd >= 0);
	pid_t pid = proc_start(argv, NULL, false, out_fd, err_fd);
	cr_assert(pid >= 0);
	int status = proc_wait(pid, timeout_ms);
	cr_assert(status >= 0, "%s did not finish in %d ms", argv[0], timeout_ms);
	close(out_fd);
	close(err_fd);
	*out = an_read_file(out_path);
	*err = an_read_file(err_path);
	unlink(out_path);
	unlink(err_path);
	return status;
}

void an_analyze(struct an_result *r, const char *const args[])
{
	char out_path[] = "/tmp/waitcap-analyze-report-XXXXXX";
	int fd = mkstemp(out_path);
	cr_assert(fd >= 0);
	close(fd);
	const char *argv[64];
	size_t k = 0;
	argv[k++] = lt_getenv("WAITCAP_BIN");
	argv[k++] = "analyze";
	for (size_t i = 0; args[i] && k < 60; i++)
		argv[k++] = args[i];
	argv[k++] = "-o";
	argv[k++] = out_path;
	argv[k] = NULL;
	char *out;
	/* The test traces are small: a minute means it hung. */
	r->status = an_exec(argv, 60000, &out, &r->err);
	free(out);
	r->out = an_read_file(out_path);
	if (!r->out)
		r->out = strdup("");
	unlink(out_path);
}

void an_result_free(struct an_result *r)
{
	free(r->out);
	free(r->err);
}

cJSON *an_analyze_json(const char *const args[])
{
	const char *argv[64];
	size_t k = 0;
	for (size_t i = 0; args[i] && k < 60; i++)
		argv[k++] = args[i];
	argv[k++] = "--format";
	argv[k++] = "json";
	argv[k] = NULL;
	struct an_result r;
	an_analyze(&r, argv);
	cr_assert_eq(r.status, 0, "waitcap analyze: status %d: %s", r.status, r.err);
	cJSON *json = cJSON_Parse(r.out);
	cr_assert(json, "not JSON:\n%.4000s", r.out);
	an_result_free(&r);
	return json;
}

const cJSON *an_group(const cJSON *groups, const char *key)
{
	const cJSON *g;
	cJSON_ArrayForEach(g, groups)
		if (strcmp(an_str(g, "key"), key) == 0)
			return g;
	char *text = cJSON_Print(groups);
	cr_assert_fail("no group '%s' in %s", key, text);
	return NULL;
}

const cJSON *an_callsite(const cJSON *report, const char *function)
{
	const cJSON *sites = cJSON_GetObjectItemCaseSensitive(report, "callsites");
	const cJSON *s, *found = NULL;
	cJSON_ArrayForEach(s, sites) {
		if (strcmp(an_str(s, "function"), function) == 0) {
			cr_assert_null(found, "two call sites named %s", function);
			found = s;
		}
	}
	if (!found) {
		char *text = cJSON_Print(report);
		cr_assert_fail("no call site %s in:\n%.6000s", function, text);
	}
	return found;
}

double an_num(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	cr_assert(cJSON_IsNumber(v), "no number \"%s\"", key);
	return v->valuedouble;
}

const char *an_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	cr_assert(cJSON_IsString(v), "no string \"%s\"", key);
	return v->valuestring;
}

int an_marker_line(const char *file, const char *name)
{
	char path[512], marker[128], line[512];
	snprintf(path, sizeof(path), "%s/tests/analyze/%s", lt_getenv("WAITCAP_SRC"), file);
	snprintf(marker, sizeof(marker), "CALLSITE(%s)", name);
	FILE *f = fopen(path, "r");
	cr_assert(f, "cannot open %s", path);
	int n = 0, found = 0;
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (strstr(line, marker) && !strstr(line, "#define"))
			found = n;
	}
	fclose(f);
	cr_assert(found, "no %s in %s", marker, path);
	return found;
}

/* The shared directory lives for the whole run: made before the first test
 * and removed after the last, in the runner process. */
ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	(void)set;
	char dir[] = "/tmp/waitcap-analyze-XXXXXX";
	if (!mkdtemp(dir))
		return;
	chmod(dir, 0755);
	if (geteuid() == 0) {
		/* The traced programs run as nobody (see tests/tracing/harness.h). */
		struct passwd *pw = getpwnam("nobody");
		if (chown(dir, pw ? pw->pw_uid : 65534, pw ? pw->pw_gid : 65534) != 0)
			return;
	}
	setenv("WAITCAP_ANALYZE_SHARED", dir, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
	(void)stats;
	const char *dir = getenv("WAITCAP_ANALYZE_SHARED");
	if (dir && strncmp(dir, "/tmp/waitcap-analyze-", 21) == 0)
		remove_tree(dir);
}

const char *an_shared_trace(const char *name, void (*record)(const char *trace_dir))
{
	static char trace[600];
	const char *dir = getenv("WAITCAP_ANALYZE_SHARED");
	cr_assert(dir, "the shared trace directory was not made");
	char lock_path[600], done_path[600];
	snprintf(trace, sizeof(trace), "%s/%s", dir, name);
	snprintf(lock_path, sizeof(lock_path), "%s/%s.lock", dir, name);
	snprintf(done_path, sizeof(done_path), "%s/%s.done", dir, name);
	int lock = open(lock_path, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
	cr_assert(lock >= 0 && flock(lock, LOCK_EX) == 0);
	if (access(done_path, F_OK) != 0) {
		record(trace);
		int done = open(done_path, O_CREAT | O_WRONLY, 0644);
		cr_assert(done >= 0);
		close(done);
	}
	close(lock); /* releases the lock */
	return trace;
}

void an_record_silent(const char *trace_dir, const char *program, const char *arg,
		      const char *const extra_env[])
{
	struct lt_env env;
	struct peer silent;
	lt_init(&env);
	lt_start_sessiond(&env);
	cr_assert(peer_silent_server(&silent, 0) == 0);
	char port[16];
	snprintf(port, sizeof(port), "%d", silent.port);
	const char *argv[] = { an_build(program), port, arg, NULL };
	an_record(&env, trace_dir, argv, extra_env);
	peer_stop(&silent);
	lt_cleanup(&env);
}

void an_record_blocker(const char *trace_dir)
{
	char times[700];
	snprintf(times, sizeof(times), "%s.times", trace_dir);
	const char *extra[] = { "WAITCAP_CAPS=recv=300ms", NULL };
	an_record_silent(trace_dir, "tests/analyze/blocker", times, extra);
}

void an_record_two_peers(const char *trace_dir, int waits_a, int waits_b,
			 const char *const more[], const char *const extra_env[], int ports[2])
{
	struct lt_env env;
	struct peer a, b;
	lt_init(&env);
	lt_start_sessiond(&env);
	cr_assert(peer_silent_server(&a, 0) == 0);
	cr_assert(peer_silent_server(&b, 0) == 0);
	char pa[16], pb[16], na[16], nb[16];
	snprintf(pa, sizeof(pa), "%d", a.port);
	snprintf(pb, sizeof(pb), "%d", b.port);
	snprintf(na, sizeof(na), "%d", waits_a);
	snprintf(nb, sizeof(nb), "%d", waits_b);
	const char *argv[16] = { an_build("tests/analyze/two_peers"), pa, na, pb, nb };
	for (int i = 0; more && more[i]; i++) {
		cr_assert(5 + i < 15, "too many arguments for two_peers");
		argv[5 + i] = more[i];
	}
	an_record(&env, trace_dir, argv, extra_env);
	ports[0] = a.port;
	ports[1] = b.port;
	peer_stop(&a);
	peer_stop(&b);
	lt_cleanup(&env);
}

double an_blocker_measured_ms(const char *name)
{
	char path[700], fn[64];
	snprintf(path, sizeof(path), "%s.times", an_shared_trace("blocker", an_record_blocker));
	FILE *f = fopen(path, "r");
	cr_assert(f, "blocker wrote no %s", path);
	double ms = -1, v;
	while (fscanf(f, "%63s %lf", fn, &v) == 2)
		if (strcmp(fn, name) == 0)
			ms = v;
	fclose(f);
	cr_assert(ms >= 0, "no time for %s in %s", name, path);
	return ms;
}

void an_record_known(const char *trace_dir)
{
	struct lt_env env;
	lt_init(&env);
	lt_start_sessiond(&env);
	const char *argv[] = { an_build("tests/analyze/gen_trace"), "known", NULL };
	an_record(&env, trace_dir, argv, NULL);
	lt_cleanup(&env);
}

void an_record_known_twice(const char *dir)
{
	char path[700];
	cr_assert(mkdir(dir, 0777) == 0 && chmod(dir, 0777) == 0);
	snprintf(path, sizeof(path), "%s/a", dir);
	an_record_known(path);
	snprintf(path, sizeof(path), "%s/b", dir);
	an_record_known(path);
}

static void lttng(struct lt_env *env, const char *const args[])
{
	const char *argv[16] = { "lttng" };
	size_t k = 1;
	for (size_t i = 0; args[i] && k < 15; i++)
		argv[k++] = args[i];
	argv[k] = NULL;
	struct lt_proc p;
	int status = lt_run(env, &p, argv, NULL, 30000);
	cr_assert_eq(status, 0, "lttng %s: %d: %s%s", args[0], status, p.out, p.err);
}

void an_record_lossy(const char *trace_dir)
{
	struct lt_env env;
	lt_init(&env);
	lt_start_sessiond(&env);
	char output[700];
	snprintf(output, sizeof(output), "--output=%s", trace_dir);
	lttng(&env, (const char *[]){ "create", "lossy", output, NULL });
	lttng(&env, (const char *[]){ "enable-channel", "-u", "tiny", "--subbuf-size=4096",
				      "--num-subbuf=2", NULL });
	lttng(&env, (const char *[]){ "enable-event", "-u", "-c", "tiny",
				      "waitcap:*,lttng_ust_statedump:*,lttng_ust_lib:*", NULL });
	lttng(&env, (const char *[]){ "add-context", "-u", "-c", "tiny", "-t", "vpid", "-t", "vtid",
				      "-t", "procname", "-t", "ip", NULL });
	lttng(&env, (const char *[]){ "start", NULL });
	const char *argv[] = { an_build("tests/analyze/gen_trace"), "bulk", "200000", NULL };
	struct lt_proc p;
	cr_assert_eq(lt_run(&env, &p, argv, NULL, 60000), 0, "gen_trace: %s", p.err);
	lttng(&env, (const char *[]){ "stop", NULL });
	lttng(&env, (const char *[]){ "destroy", NULL });
	lt_cleanup(&env);
}

void an_private_copy(struct an_copy *c, const char *trace, const char *name)
{
	snprintf(c->dir, sizeof(c->dir), "/tmp/waitcap-%s-XXXXXX", name);
	cr_assert(mkdtemp(c->dir));
	snprintf(c->trace, sizeof(c->trace), "%s/trace", c->dir);
	an_copy_tree(trace, c->trace);
	char *out, *err;
	const char *find[] = { "/usr/bin/find", c->trace, "-name", "metadata", NULL };
	cr_assert_eq(an_exec(find, 10000, &out, &err), 0);
	cr_assert(strlen(out) > 9, "no metadata in %s", c->trace);
	*strrchr(out, '/') = 0;
	snprintf(c->stream_dir, sizeof(c->stream_dir), "%s", out);
	free(out);
	free(err);
}

void an_private_copy_remove(struct an_copy *c)
{
	if (c->dir[0])
		remove_tree(c->dir);
}

void an_copy_tree(const char *from, const char *to)
{
	const char *argv[] = { "/bin/cp", "-r", from, to, NULL };
	char *out, *err;
	cr_assert_eq(an_exec(argv, 30000, &out, &err), 0, "cp -r %s %s: %s", from, to, err);
	free(out);
	free(err);
}
