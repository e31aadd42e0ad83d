/* Cap precision: how late does a capped wait return, against real
 * unresponsive peers on loopback?
 *
 *   capprec --lib LIBWAITCAP --op connect|recv|poll --cap-ms N --samples N [--threads N]
 *
 * The parent (not preloaded) starts the peer from tools/peers.h — a
 * listener whose accept queue is full for connect, a server that accepts
 * and never answers for recv and poll — and runs itself again as the
 * measuring child with LD_PRELOAD=LIBWAITCAP, WAITCAP_CAPS=OP=N ms (recv
 * for poll: the response deadline bounds it) and WAITCAP_TRACE=0.  The child's threads each take samples one after the
 * other:
 *
 *   connect  a blocking connect() to the full listener
 *   recv     connect to the silent server, send a request, blocking recv()
 *   poll     connect to the silent server, send a request, poll(POLLIN, -1)
 *
 * and measure (return time - start) - cap, where start is taken just
 * before the call that arms the deadline (connect, or the send).  Each
 * wait must end by the cap (ETIMEDOUT, or POLLERR for poll); any other
 * outcome is counted as "unexpected" and makes the exit status 1.
 * Prints one line:
 *
 *   CAPPREC op=OP cap_ms=N samples=N unexpected=N p50_ms=X p99_ms=X max_ms=X min_ms=X
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "peers.h"

#define MAX_THREADS 32

extern char **environ;

struct job {
	const char *op;
	int port;
	int64_t cap_ns;
	int first, count;      /* sample indexes of this thread */
	double *overshoot_ms;  /* shared array, one slot per sample */
	int unexpected;
};

static int connect_to(int port, int64_t *start)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (start)
		*start = bench_now_ns();
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* One capped wait; true when it ended the way a cap ends it. */
static bool sample(struct job *job, double *overshoot_ms)
{
	int64_t start, end;
	bool capped = false;
	if (!strcmp(job->op, "connect")) {
		int fd = connect_to(job->port, &start);
		end = bench_now_ns();
		capped = fd < 0 && errno == ETIMEDOUT;
		if (fd >= 0)
			close(fd);
	} else {
		int fd = connect_to(job->port, NULL);
		if (fd < 0)
			return false;
		start = bench_now_ns();
		if (send(fd, "GET\n", 4, MSG_NOSIGNAL) != 4) {
			close(fd);
			return false;
		}
		if (!strcmp(job->op, "recv")) {
			char c;
			capped = recv(fd, &c, 1, 0) < 0 && errno == ETIMEDOUT;
		} else {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			capped = poll(&p, 1, -1) == 1 && (p.revents & POLLERR);
		}
		end = bench_now_ns();
		close(fd);
	}
	*overshoot_ms = (double)(end - start - job->cap_ns) / 1e6;
	return capped;
}

static void *run_job(void *arg)
{
	struct job *job = arg;
	for (int i = 0; i < job->count; i++)
		if (!sample(job, &job->overshoot_ms[job->first + i]))
			job->unexpected++;
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted values. */
static double percentile(const double *sorted, int n, double pct)
{
	int rank = (int)((pct / 100.0) * n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

static int measure(const char *op, int port, int cap_ms, int samples, int threads)
{
	double *overshoot = calloc((size_t)samples, sizeof *overshoot);
	struct job jobs[MAX_THREADS];
	pthread_t ids[MAX_THREADS];
	int next = 0;
	for (int t = 0; t < threads; t++) {
		int count = samples / threads + (t < samples % threads);
		jobs[t] = (struct job){.op = op, .port = port, .cap_ns = (int64_t)cap_ms * 1000000,
				       .first = next, .count = count, .overshoot_ms = overshoot};
		next += count;
		if (pthread_create(&ids[t], NULL, run_job, &jobs[t]) != 0)
			bench_die("pthread_create");
	}
	int unexpected = 0;
	for (int t = 0; t < threads; t++) {
		pthread_join(ids[t], NULL);
		unexpected += jobs[t].unexpected;
	}
	qsort(overshoot, (size_t)samples, sizeof *overshoot, cmp_double);
	printf("CAPPREC op=%s cap_ms=%d samples=%d unexpected=%d p50_ms=%.3f p99_ms=%.3f "
	       "max_ms=%.3f min_ms=%.3f\n",
	       op, cap_ms, samples, unexpected, percentile(overshoot, samples, 50),
	       percentile(overshoot, samples, 99), overshoot[samples - 1], overshoot[0]);
	fflush(stdout);
	free(overshoot);
	return unexpected ? 1 : 0;
}

/* The cap that bounds the wait: a poll for the answer is bounded by the
 * response deadline, i.e. the recv cap. */
static const char *cap_op(const char *op)
{
	return !strcmp(op, "poll") ? "recv" : op;
}

/* The child's environment: ours without LD_PRELOAD/WAITCAP_*, plus the
 * library, the cap and tracing off. */
static char **child_env(const char *lib, const char *op, int cap_ms)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = calloc(n + 4, sizeof *env);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) && strncmp(environ[i], "WAITCAP_", 8) &&
		    strncmp(environ[i], "FORCE_LEGACY_TIMEOUTS=", 22) &&
		    strncmp(environ[i], "DISABLE_TIMEOUT_OPTIMIZATIONS=", 30))
			env[k++] = environ[i];
	if (asprintf(&env[k++], "LD_PRELOAD=%s", lib) < 0 ||
	    asprintf(&env[k++], "WAITCAP_CAPS=%s=%dms", cap_op(op), cap_ms) < 0 ||
	    asprintf(&env[k++], "WAITCAP_TRACE=0") < 0)
		bench_die("asprintf");
	return env;
}

static void usage(void)
{
	fprintf(stderr, "usage: capprec --lib LIBWAITCAP --op connect|recv|poll --cap-ms N "
			"--samples N [--threads N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"lib", required_argument, NULL, 'l'},  {"op", required_argument, NULL, 'o'},
		{"cap-ms", required_argument, NULL, 'c'}, {"samples", required_argument, NULL, 's'},
		{"threads", required_argument, NULL, 't'}, {"port", required_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	const char *lib = NULL, *op = NULL;
	long cap_ms = 0, samples = 0, threads = 8, port = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'l': lib = optarg; break;
		case 'o': op = optarg; break;
		case 'c': cap_ms = bench_count_arg(optarg, "--cap-ms"); break;
		case 's': samples = bench_count_arg(optarg, "--samples"); break;
		case 't': threads = bench_count_arg(optarg, "--threads"); break;
		case 'p': port = bench_count_arg(optarg, "--port"); break;
		default: usage();
		}
	}
	if (!op || (strcmp(op, "connect") && strcmp(op, "recv") && strcmp(op, "poll")) ||
	    !cap_ms || !samples || optind != argc)
		usage();
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if (threads > samples)
		threads = samples;
	if (port) /* the preloaded child */
		return measure(op, (int)port, (int)cap_ms, (int)samples, (int)threads);
	if (!lib)
		usage();

	struct peer peer;
	int r = !strcmp(op, "connect") ? peer_full_listener(&peer, 0) : peer_silent_server(&peer, 0);
	if (r != 0)
		bench_die("start the loopback peer");
	char port_arg[24], cap_arg[24], samples_arg[24], threads_arg[24];
	snprintf(port_arg, sizeof port_arg, "%d", peer.port);
	snprintf(cap_arg, sizeof cap_arg, "%ld", cap_ms);
	snprintf(samples_arg, sizeof samples_arg, "%ld", samples);
	snprintf(threads_arg, sizeof threads_arg, "%ld", threads);
	char *child_argv[] = {argv[0], "--op", (char *)op, "--cap-ms", cap_arg, "--samples",
			      samples_arg, "--threads", threads_arg, "--port", port_arg, NULL};
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		bench_die("fork");
	if (pid == 0) {
		execve("/proc/self/exe", child_argv, child_env(lib, op, (int)cap_ms));
		bench_die("exec the measuring child");
	}
	/* Without a working cap the waits never end: a watchdog bounds them. */
	int64_t rounds = (samples + threads - 1) / threads;
	int64_t limit = bench_now_ns() + rounds * cap_ms * 3 * 1000000 + 10000000000LL;
	int status;
	pid_t done;
	while ((done = waitpid(pid, &status, WNOHANG)) == 0 && bench_now_ns() < limit) {
		struct timespec pause = {.tv_nsec = 20000000};
		nanosleep(&pause, NULL);
	}
	if (done == 0) {
		fprintf(stderr, "capprec: %s waits did not end within 3 x cap per sample: killed\n", op);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	peer_stop(&peer);
	return done > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
