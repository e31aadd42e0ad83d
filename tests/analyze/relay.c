#include "loopback.h"
#include "relay.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/prctl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A port nobody listens on now (the kernel's choice). */
static bool accepts(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

void relay_start(struct relay *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/waitcap-relay-XXXXXX");
	cr_assert(mkdtemp(r->dir));
	cr_assert(chmod(r->dir, 0755) == 0);
	char home[192], log[192], c[48], d[48], l[48];
	snprintf(home, sizeof(home), "%s/home", r->dir);
	snprintf(r->output, sizeof(r->output), "%s/output", r->dir);
	snprintf(log, sizeof(log), "%s/relayd.log", r->dir);
	cr_assert(mkdir(home, 0700) == 0 && mkdir(r->output, 0755) == 0);
	r->ctrl = loopback_free_port();
	do r->data = loopback_free_port(); while (r->data == r->ctrl);
	do r->live = loopback_free_port(); while (r->live == r->ctrl || r->live == r->data);
	snprintf(c, sizeof(c), "tcp://127.0.0.1:%d", r->ctrl);
	snprintf(d, sizeof(d), "tcp://127.0.0.1:%d", r->data);
	snprintf(l, sizeof(l), "tcp://127.0.0.1:%d", r->live);
	snprintf(r->url, sizeof(r->url), "net://127.0.0.1:%d:%d", r->ctrl, r->data);
	snprintf(r->live_url, sizeof(r->live_url), "net://127.0.0.1:%d", r->live);
	fflush(NULL);
	r->pid = fork();
	cr_assert(r->pid >= 0);
	if (r->pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		setenv("LTTNG_HOME", home, 1);
		unsetenv("LD_PRELOAD");
		/* Gone with the test, even one that ends on a failed assertion. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execlp("lttng-relayd", "lttng-relayd", "-C", c, "-D", d, "-L", l, "-o", r->output,
		       (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 150 && !(accepts(r->ctrl) && accepts(r->live)); i++) {
		int status;
		cr_assert(waitpid(r->pid, &status, WNOHANG) == 0, "lttng-relayd exited (see %s)", log);
		struct timespec ts = { 0, 100 * 1000000 };
		nanosleep(&ts, NULL);
	}
	cr_assert(accepts(r->ctrl), "lttng-relayd does not listen on %d after 15 s (%s)", r->ctrl, log);
}

void relay_stop(struct relay *r)
{
	if (r->pid <= 0)
		return;
	kill(r->pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(r->pid, NULL, WNOHANG) == r->pid) {
			r->pid = 0;
			return;
		}
		struct timespec ts = { 0, 50 * 1000000 };
		nanosleep(&ts, NULL);
	}
	kill(r->pid, SIGKILL);
	waitpid(r->pid, NULL, 0);
	r->pid = 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

void relay_cleanup(struct relay *r)
{
	relay_stop(r);
	if (r->dir[0])
		nftw(r->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void relay_become_host(const char *name)
{
	if (unshare(CLONE_NEWUTS) != 0) {
		/* Not root: a user namespace of our own, mapping our uid. */
		uid_t uid = getuid();
		gid_t gid = getgid();
		cr_assert(unshare(CLONE_NEWUSER | CLONE_NEWUTS) == 0, "unshare: %s", strerror(errno));
		char map[64];
		int fd = open("/proc/self/setgroups", O_WRONLY);
		if (fd >= 0) {
			(void)!write(fd, "deny", 4);
			close(fd);
		}
		snprintf(map, sizeof(map), "%d %d 1", (int)uid, (int)uid);
		fd = open("/proc/self/uid_map", O_WRONLY);
		cr_assert(fd >= 0 && write(fd, map, strlen(map)) > 0);
		close(fd);
		snprintf(map, sizeof(map), "%d %d 1", (int)gid, (int)gid);
		fd = open("/proc/self/gid_map", O_WRONLY);
		cr_assert(fd >= 0 && write(fd, map, strlen(map)) > 0);
		close(fd);
	}
	cr_assert(sethostname(name, strlen(name)) == 0, "sethostname: %s", strerror(errno));
}
