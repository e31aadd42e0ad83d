/* See proc.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

const char *lib_path(void)
{
	const char *lib = getenv("WAITCAP_LIB");
	return lib ? lib : "libwaitcap.so";
}

const char *build_path(const char *rel)
{
	static __thread char path[PATH_MAX];
	const char *root = getenv("WAITCAP_BUILD");
	snprintf(path, sizeof(path), "%s/%s", root ? root : ".", rel);
	return path;
}

/* In the child: stdio, signals, the cleaned environment, exec. */
static void exec_child(const char *const argv[], const char *const env[], bool preload,
		       int out_fd, int err_fd)
{
	size_t n = 0;
	while (env && env[n])
		n++;
	const char **extra = calloc(n + 2, sizeof *extra);
	static char preload_entry[PATH_MAX + 16];
	size_t k = 0;
	if (preload) {
		snprintf(preload_entry, sizeof preload_entry, "LD_PRELOAD=%s", lib_path());
		extra[k++] = preload_entry;
	}
	for (size_t i = 0; i < n; i++)
		extra[k++] = env[i];
	char **envp = clean_environ(extra);

	int devnull = open("/dev/null", O_RDWR);
	dup2(devnull, 0);
	dup2(out_fd >= 0 ? out_fd : devnull, 1);
	dup2(err_fd >= 0 ? err_fd : devnull, 2);
	/* The test's own signal setup must not leak into the program. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execvpe(argv[0], (char *const *)argv, envp);
	dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

pid_t proc_start(const char *const argv[], const char *const env[], bool preload, int out_fd,
		 int err_fd)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		exec_child(argv, env, preload, out_fd, err_fd);
	return pid;
}

static int code_of(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int proc_wait(pid_t pid, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	int status;
	while (now_ms() < end) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			return code_of(status);
		sleep_ms(5);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* Read what is there from fd into buf (bounded), without blocking. */
static void drain(int fd, char *buf, size_t cap, size_t *len)
{
	for (;;) {
		char tmp[4096];
		ssize_t n = read(fd, tmp, sizeof(tmp));
		if (n <= 0)
			return;
		size_t room = cap - 1 - *len;
		size_t take = (size_t)n < room ? (size_t)n : room;
		memcpy(buf + *len, tmp, take);
		*len += take;
		buf[*len] = '\0';
	}
}

int proc_run(struct proc_result *r, const char *const argv[], const char *const env[],
	     bool preload, int timeout_ms)
{
	memset(r, 0, sizeof(*r));
	int out[2], err[2];
	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
		return -1;
	int64_t start = now_ms();
	pid_t pid = proc_start(argv, env, preload, out[1], err[1]);
	if (pid < 0)
		return -1;
	close(out[1]);
	close(err[1]);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	size_t olen = 0, elen = 0;
	int64_t end = start + timeout_ms;
	int status = 0;
	for (;;) {
		struct pollfd p[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
		poll(p, 2, 10);
		drain(out[0], r->out, sizeof(r->out), &olen);
		drain(err[0], r->err, sizeof(r->err), &elen);
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (now_ms() >= end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			r->timed_out = true;
			break;
		}
	}
	r->elapsed_ms = now_ms() - start;
	drain(out[0], r->out, sizeof(r->out), &olen);
	drain(err[0], r->err, sizeof(r->err), &elen);
	close(out[0]);
	close(err[0]);
	r->status = status;
	r->exit_code = code_of(status);
	return 0;
}

int proc_run_tool(struct proc_result *r, const char *const args[], const char *const env[],
		  int timeout_ms)
{
	const char *bin = getenv("WAITCAP_BIN");
	const char *argv[64] = {bin ? bin : "waitcap"};
	size_t k = 1;
	for (size_t i = 0; args[i] && k < 63; i++)
		argv[k++] = args[i];
	argv[k] = NULL;
	return proc_run(r, argv, env, false, timeout_ms);
}
