#include "supervise.h"

#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "watch.h"

#define MAX_STDERR (64 * 1024)

/* A healthy analysis maps well under 1 GiB (threads, graphs, stream
 * windows); a corrupt length asks for far more. */
static rlim_t memory_limit(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	rlim_t half = pages > 0 && size > 0 ? (rlim_t)pages * (rlim_t)size / 2 : (rlim_t)4 << 30;
	rlim_t cap = (rlim_t)4 << 30;
	return half < cap ? half : cap;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int wc_supervised(int (*body)(int argc, char **argv, int progress_fd), int argc, char **argv)
{
	int pipefd[2];
	int progress_fd = dup(STDERR_FILENO);
	if (progress_fd < 0 || pipe(pipefd) < 0)
		return body(argc, argv, STDERR_FILENO);
	fflush(NULL);
	wc_watch_init();
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return body(argc, argv, progress_fd);
	}
	if (pid == 0) {
		/* Killed with us, whatever kills us: never left spinning. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(1);
		close(pipefd[0]);
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[1]);
		struct rlimit lim = { memory_limit(), memory_limit() };
		setrlimit(RLIMIT_AS, &lim);
		int status = body(argc, argv, progress_fd);
		fflush(NULL);
		_exit(status);
	}
	close(pipefd[1]);
	close(progress_fd);
	/* While the child works, Ctrl-C reaches it; the parent stays to say
	 * what happened. */
	void (*previous)(int) = signal(SIGINT, SIG_IGN);
	char *text = malloc(MAX_STDERR + 1);
	size_t len = 0;
	ssize_t n;
	char sink[4096];
	char stuck[4096] = "";
	bool stalled = false;
	for (;;) {
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		int ready = poll(&pfd, 1, 1000);
		if (ready < 0 && errno != EINTR)
			break;
		if (ready <= 0) {
			if ((stalled = wc_watch_stalled(now_ms(), stuck, sizeof(stuck)))) {
				kill(pid, SIGKILL);
				break;
			}
			continue;
		}
		n = read(pipefd[0], text && len < MAX_STDERR ? text + len : sink,
			 text && len < MAX_STDERR ? MAX_STDERR - len : sizeof(sink));
		if (n == 0 || (n < 0 && errno != EINTR))
			break;
		if (n > 0 && text && len < MAX_STDERR)
			len += (size_t)n;
		/* Output does not count as progress, but a chatty worker must
		 * not keep the watch from looking. */
		if ((stalled = wc_watch_stalled(now_ms(), stuck, sizeof(stuck)))) {
			kill(pid, SIGKILL);
			break;
		}
	}
	close(pipefd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	signal(SIGINT, previous);
	if (stalled) {
		free(text);
		fprintf(stderr, "waitcap analyze: %s: babeltrace2 made no progress reading it for "
			"%d s (damaged or truncated metadata?); stopped\n",
			stuck[0] ? stuck : "the traces", WC_WATCH_STALL_SECONDS);
		return 1;
	}
	if (text)
		text[len] = 0;
	if (WIFEXITED(status)) {
		if (text)
			fputs(text, stderr);
		free(text);
		return WEXITSTATUS(status);
	}
	int sig = WTERMSIG(status);
	if (sig == SIGPIPE) { /* the reader of the report went away (| head) */
		free(text);
		return 128 + sig;
	}
	/* Keep our own lines (warnings, errors); drop library noise. */
	for (char *save = NULL, *line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "waitcap analyze:", 16) == 0)
			fprintf(stderr, "%s\n", line);
	free(text);
	if (sig == SIGINT || sig == SIGTERM) {
		fprintf(stderr, "waitcap analyze: interrupted\n");
		return 130;
	}
	fprintf(stderr, "waitcap analyze: the trace is damaged: babeltrace2 gave up decoding it "
		"(%s%s); truncated or corrupted stream files?\n", strsignal(sig),
		sig == SIGKILL ? ", probably out of memory" : "");
	return 1;
}
