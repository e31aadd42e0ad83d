/* A fleet in one machine: a real lttng-relayd on loopback and two hosts,
 * each a session daemon in its own UTS namespace with its own host name
 * and LTTNG_HOME, each tracing two_peers (known waits on two real peers)
 * and streaming to the one relay: host alpha with `waitcap run --trace
 * --relay`, host beta with `waitcap record --relay` over a program started
 * with the library preloaded.  `waitcap analyze RELAY_OUTPUT` must know
 * each trace's host and count each host's waits exactly. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"
#include "peers.h"
#include "relay.h"

/* Only the 100 ms waits: a connect on a busy machine may block 1 ms too. */
#define MIN_BLOCK "WAITCAP_MIN_BLOCK=50ms"

/* Waits on peers A and B, per host. */
enum { ALPHA_A = 2, ALPHA_B = 4, BETA_A = 3, BETA_B = 1 };

static struct relay relay;
static struct peer peer_a, peer_b;
static char port_a[16], port_b[16];

static const char *num(int n)
{
	static __thread char buf[8][16];
	static __thread int next;
	char *b = buf[next++ % 8];
	snprintf(b, 16, "%d", n);
	return b;
}

/* Host alpha: waitcap run --trace --relay. */
static void run_on_alpha(struct lt_env *env, struct lt_proc *p)
{
	relay_become_host("alpha");
	lt_init(env);
	lt_start_sessiond(env);
	const char *argv[] = { lt_getenv("WAITCAP_BIN"), "run", "--trace", "--relay", relay.url,
			       "--min-block", "50ms", "--",
			       an_build("tests/analyze/two_peers"), port_a, num(ALPHA_A), port_b,
			       num(ALPHA_B), NULL };
	lt_spawn(env, p, argv, NULL);
}

/* Host beta: waitcap record --relay, and a program with the library. */
static void record_on_beta(struct lt_env *env, struct lt_proc *rec)
{
	relay_become_host("beta");
	lt_init(env);
	lt_start_sessiond(env);
	const char *argv[] = { lt_getenv("WAITCAP_BIN"), "record", "--relay", relay.url, NULL };
	lt_spawn(env, rec, argv, NULL);
	cr_assert(lt_wait_output(rec, "streaming to", 20000), "waitcap record did not start:\n%s\n%s",
		  rec->out, rec->err);
	char preload[600];
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", an_build("src/preload/libwaitcap.so"));
	const char *extra[] = { preload, MIN_BLOCK, NULL };
	const char *prog[] = { an_build("tests/analyze/two_peers"), port_a, num(BETA_A), port_b,
			       num(BETA_B), NULL };
	struct lt_proc p;
	int status = lt_run(env, &p, prog, extra, 60000);
	cr_assert_eq(status, 0, "two_peers on beta: %d\n%s\n%s", status, p.out, p.err);
	kill(rec->pid, SIGINT);
}

static void setup(void)
{
	relay_start(&relay);
	cr_assert(peer_silent_server(&peer_a, 0) == 0);
	cr_assert(peer_silent_server(&peer_b, 0) == 0);
	snprintf(port_a, sizeof(port_a), "%d", peer_a.port);
	snprintf(port_b, sizeof(port_b), "%d", peer_b.port);
	struct lt_env alpha, beta;
	struct lt_proc run, rec;
	/* Both daemons stream at the same time. */
	run_on_alpha(&alpha, &run);
	record_on_beta(&beta, &rec);
	int status = lt_finish(&run, 90000);
	cr_assert_eq(status, 0, "waitcap run on alpha: %d\n%s\n%s", status, run.out, run.err);
	cr_assert(strstr(run.err, "streamed to"), "%s", run.err);
	status = lt_finish(&rec, 30000);
	cr_assert_eq(status, 0, "waitcap record on beta: %d\n%s\n%s", status, rec.out, rec.err);
	lt_cleanup(&alpha);
	lt_cleanup(&beta);
	peer_stop(&peer_a);
	peer_stop(&peer_b);
	/* Stopped: everything it received is written. */
	relay_stop(&relay);
}

static void teardown(void)
{
	relay_cleanup(&relay);
}

TestSuite(relay, .init = setup, .fini = teardown, .timeout = 200);

Test(relay, by_host_counts_each_hosts_waits)
{
	const char *args[] = { relay.output, "--by", "host", NULL };
	cJSON *r = an_analyze_json(args);
	const cJSON *groups = cJSON_GetObjectItemCaseSensitive(r, "groups");
	char *text = cJSON_Print(groups);
	cr_assert_eq(cJSON_GetArraySize(groups), 2, "%s", text);
	cr_assert_eq(an_num(an_group(groups, "alpha"), "count"), ALPHA_A + ALPHA_B, "%s", text);
	cr_assert_eq(an_num(an_group(groups, "beta"), "count"), BETA_A + BETA_B, "%s", text);
	const cJSON *beta = an_group(groups, "beta");
	cr_assert_eq(an_num(beta, "app_timeouts") + an_num(beta, "capped") + an_num(beta, "errors"),
		     BETA_A + BETA_B, "%s", text);
	/* The relay's tree agrees: OUTPUT/alpha/... and OUTPUT/beta/... */
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(r, "processes"))
		cr_assert(!strcmp(an_str(p, "host"), "alpha") || !strcmp(an_str(p, "host"), "beta"),
			  "%s", an_str(p, "host"));
	cJSON_Delete(r);
}

Test(relay, by_host_and_peer_splits_hosts_by_destination)
{
	const char *args[] = { relay.output, "--by", "host,peer", NULL };
	cJSON *r = an_analyze_json(args);
	const cJSON *groups = cJSON_GetObjectItemCaseSensitive(r, "groups");
	char a[32], b[32];
	snprintf(a, sizeof(a), "127.0.0.1:%s", port_a);
	snprintf(b, sizeof(b), "127.0.0.1:%s", port_b);
	const cJSON *alpha = cJSON_GetObjectItemCaseSensitive(an_group(groups, "alpha"), "groups");
	const cJSON *beta = cJSON_GetObjectItemCaseSensitive(an_group(groups, "beta"), "groups");
	cr_assert_eq(an_num(an_group(alpha, a), "count"), ALPHA_A);
	cr_assert_eq(an_num(an_group(alpha, b), "count"), ALPHA_B);
	cr_assert_eq(an_num(an_group(beta, a), "count"), BETA_A);
	cr_assert_eq(an_num(an_group(beta, b), "count"), BETA_B);
	cJSON_Delete(r);
}

Test(relay, the_relay_tree_is_host_then_session)
{
	char alpha[300];
	snprintf(alpha, sizeof(alpha), "%s/alpha", relay.output);
	const char *args[] = { alpha, "--by", "host", NULL };
	cJSON *r = an_analyze_json(args);
	const cJSON *groups = cJSON_GetObjectItemCaseSensitive(r, "groups");
	cr_assert_eq(cJSON_GetArraySize(groups), 1, "%s", cJSON_Print(r));
	cr_assert_eq(an_num(an_group(groups, "alpha"), "count"), ALPHA_A + ALPHA_B, "%s", cJSON_Print(r));
	cJSON_Delete(r);
}

/* Blank the trace environment's hostname (same length: the metadata
 * packets keep their sizes) in every metadata file under a tree. */
static int blanked;

static int blank_hostname(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)ftw;
	const char *base = strrchr(path, '/');
	if (flag != FTW_F || strcmp(base ? base + 1 : path, "metadata"))
		return 0;
	FILE *f = fopen(path, "r+b");
	cr_assert(f);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	char *buf = malloc((size_t)size);
	fseek(f, 0, SEEK_SET);
	cr_assert(fread(buf, 1, (size_t)size, f) == (size_t)size);
	for (long i = 0; i + 9 < size; i++)
		if (memcmp(buf + i, "hostname ", 9) == 0) {
			long j = i;
			while (j < size && buf[j] != ';')
				buf[j++] = ' ';
			if (j < size)
				buf[j] = ' ';
			blanked++;
		}
	fseek(f, 0, SEEK_SET);
	cr_assert(fwrite(buf, 1, (size_t)size, f) == (size_t)size);
	fclose(f);
	free(buf);
	return 0;
}

/* The metadata's hostname is the authority; without one, the relay tree
 * (OUTPUT/HOST/SESSION/ust/...) names the host. */
Test(relay, without_a_hostname_the_relay_tree_names_the_host)
{
	char copy[300];
	snprintf(copy, sizeof(copy), "%s/copy", relay.dir);
	an_copy_tree(relay.output, copy);
	cr_assert(nftw(copy, blank_hostname, 16, FTW_PHYS) == 0);
	cr_assert_geq(blanked, 2, "no hostname found in the metadata");
	const char *args[] = { copy, "--by", "host", NULL };
	cJSON *r = an_analyze_json(args);
	const cJSON *groups = cJSON_GetObjectItemCaseSensitive(r, "groups");
	cr_assert_eq(cJSON_GetArraySize(groups), 2, "%s", cJSON_Print(groups));
	cr_assert_eq(an_num(an_group(groups, "alpha"), "count"), ALPHA_A + ALPHA_B);
	cr_assert_eq(an_num(an_group(groups, "beta"), "count"), BETA_A + BETA_B);
	cJSON_Delete(r);
}
