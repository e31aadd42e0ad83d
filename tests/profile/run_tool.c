/* See run_tool.h. */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run_tool.h"

/* Variables that steer the policy: cleared so only what a test sets counts. */
static const char *const steering[] = {
	"WAITCAP_CONFIG", "WAITCAP_PROFILE", "WAITCAP_CAPS", "ENVIRONMENT", "LOCAL_DEVELOPMENT",
	"FORCE_LEGACY_TIMEOUTS", "DISABLE_TIMEOUT_OPTIMIZATIONS", "FACTORY_TIMEOUT_SECONDS",
	"WEBSOCKET_RECV_TIMEOUT", "AGENT_EXECUTION_TIMEOUT"};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int run_tool(struct tool_run *run, const char *const *env, const char *const *args)
{
	const char *bin = getenv("WAITCAP_BIN");
	cr_assert_not_null(bin, "WAITCAP_BIN is set by the meson test environment");
	int out[2], err[2];
	cr_assert_eq(pipe(out), 0);
	cr_assert_eq(pipe(err), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		for (size_t i = 0; i < sizeof steering / sizeof steering[0]; i++)
			unsetenv(steering[i]);
		for (int i = 0; env && env[i]; i++) {
			char kv[512];
			snprintf(kv, sizeof kv, "%s", env[i]);
			char *eq = strchr(kv, '=');
			*eq = 0;
			setenv(kv, eq + 1, 1);
		}
		const char *argv[32] = {"waitcap"};
		int n = 1;
		for (; args[n - 1] && n < 31; n++)
			argv[n] = args[n - 1];
		argv[n] = NULL;
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);

	size_t lens[2] = {0, 0};
	char *bufs[2] = {run->out, run->err};
	size_t sizes[2] = {sizeof run->out, sizeof run->err};
	struct pollfd fds[2] = {{.fd = out[0], .events = POLLIN}, {.fd = err[0], .events = POLLIN}};
	int open_fds = 2;
	int64_t deadline = now_ms() + 10000;
	while (open_fds > 0 && now_ms() < deadline) {
		if (poll(fds, 2, 200) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
				continue;
			size_t room = sizes[i] - 1 - lens[i];
			char sink[512];
			ssize_t r = room ? read(fds[i].fd, bufs[i] + lens[i], room)
					 : read(fds[i].fd, sink, sizeof sink); /* full: drain */
			if (r > 0 && room) {
				lens[i] += (size_t)r;
			} else if (r <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			}
		}
	}
	for (int i = 0; i < 2; i++) {
		bufs[i][lens[i]] = 0;
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	}
	if (open_fds > 0)
		kill(pid, SIGKILL); /* our own child, by pid */
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_eq(open_fds, 0, "waitcap did not finish within 10 s");
	cr_assert(WIFEXITED(status), "waitcap died: status %d", status);
	run->status = WEXITSTATUS(status);
	return run->status;
}

const char *line_starting(const char *text, const char *prefix)
{
	static char line[1024];
	for (const char *s = text; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL) {
		size_t n = strcspn(s, "\n");
		if (n >= sizeof line)
			n = sizeof line - 1;
		/* Collapse runs of spaces: the columns' widths are not the point. */
		char *w = line;
		for (size_t i = 0; i < n; i++)
			if (!(s[i] == ' ' && w > line && w[-1] == ' '))
				*w++ = s[i];
		while (w > line && w[-1] == ' ')
			w--;
		*w = 0;
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			return line;
	}
	return NULL;
}
