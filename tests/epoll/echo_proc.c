/* The many-client echo server as a process, for the tests. */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "echo_proc.h"
#include "proc.h"

pid_t echo_proc_start(int *port)
{
	int out[2];
	if (pipe(out) != 0)
		return -1;
	const char *argv[] = {build_path("tests/epoll/epoll_echo_server"), "0", NULL};
	pid_t pid = proc_start(argv, NULL, false, out[1], -1);
	close(out[1]);
	char buf[32] = {0};
	ssize_t n = read(out[0], buf, sizeof(buf) - 1); /* until the port is printed */
	close(out[0]);
	*port = n > 0 ? atoi(buf) : 0;
	if (pid > 0 && *port <= 0) {
		echo_proc_stop(pid);
		return -1;
	}
	return pid;
}

void echo_proc_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	proc_wait(pid, 5000);
}
