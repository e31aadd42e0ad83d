/* Start-up cost: how long a short program takes from spawn to exit.
 *
 *   startup [--env K=V]... REPETITIONS CMD [ARG...]
 *
 * Runs CMD REPETITIONS times, one after the other, with our environment
 * plus the --env entries (so LD_PRELOAD reaches CMD and not this program),
 * and prints the median spawn-to-exit time:
 *
 *   BENCH workload=startup iters=N ns=TOTAL ns_per_iter=MEDIAN
 *
 * Exit status 1 if any run of CMD failed. */
#include <errno.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "bench_util.h"

#define MAX_ENV_EXTRA 16

extern char **environ;

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* environ, with each K of extra replaced or appended. */
static char **with_extra(char **extra, int nextra)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + (size_t)nextra + 1, sizeof *env);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		bool replaced = false;
		for (int j = 0; j < nextra; j++) {
			size_t klen = (size_t)(strchr(extra[j], '=') - extra[j]) + 1;
			replaced |= !strncmp(environ[i], extra[j], klen);
		}
		if (!replaced)
			env[k++] = environ[i];
	}
	for (int j = 0; j < nextra; j++)
		env[k++] = extra[j];
	return env;
}

int main(int argc, char **argv)
{
	char *extra[MAX_ENV_EXTRA];
	int nextra = 0, i = 1;
	while (i + 1 < argc && !strcmp(argv[i], "--env")) {
		if (nextra == MAX_ENV_EXTRA || !strchr(argv[i + 1], '=')) {
			fprintf(stderr, "startup: --env '%s': expected K=V (at most %d)\n",
				argv[i + 1], MAX_ENV_EXTRA);
			return 2;
		}
		extra[nextra++] = argv[i + 1];
		i += 2;
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: startup [--env K=V]... REPETITIONS CMD [ARG...]\n");
		return 2;
	}
	long reps = bench_count_arg(argv[i], "REPETITIONS");
	char **cmd = &argv[i + 1];
	char **env = with_extra(extra, nextra);
	int64_t *times = calloc((size_t)reps, sizeof *times);
	int64_t total = 0;
	int failed = 0;
	for (long r = 0; r < reps; r++) {
		int64_t start = bench_now_ns();
		pid_t pid;
		int err = posix_spawnp(&pid, cmd[0], NULL, NULL, cmd, env);
		if (err) {
			errno = err;
			bench_die(cmd[0]);
		}
		int status;
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				bench_die("waitpid");
		times[r] = bench_now_ns() - start;
		total += times[r];
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	qsort(times, (size_t)reps, sizeof *times, cmp_i64);
	printf("BENCH workload=startup iters=%ld ns=%lld ns_per_iter=%lld\n", reps,
	       (long long)total, (long long)times[reps / 2]);
	if (failed)
		fprintf(stderr, "startup: %s failed in at least one run\n", cmd[0]);
	return failed;
}
