/* The resolve tests' namespaces and name servers (ns.h). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ns.h"
#include "proc.h"

static char dir[64];
static pid_t servers[4];
static int nservers;

static void bind_text(const char *target, const char *name, const char *text)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
	chmod(path, 0644); /* readable by the traced runs' unprivileged user */
	cr_assert_eq(mount(path, target, NULL, MS_BIND, NULL), 0, "bind %s over %s: %m", path,
		     target);
}

void ns_enter(void)
{
	static const char *const ambient[] = {
		"WAITCAP_CAPS", "WAITCAP_PROFILE", "WAITCAP_CONFIG", "WAITCAP_TRACE",
		"WAITCAP_MIN_BLOCK", "ENVIRONMENT", "LOCAL_DEVELOPMENT", "FORCE_LEGACY_TIMEOUTS",
		"DISABLE_TIMEOUT_OPTIMIZATIONS", "RES_OPTIONS", "LOCALDOMAIN", "HOSTALIASES",
	};
	for (size_t i = 0; i < sizeof ambient / sizeof *ambient; i++)
		unsetenv(ambient[i]);
	setenv("WAITCAP_STATS", "0", 1);
	cr_assert_eq(unshare(CLONE_NEWNS | CLONE_NEWNET), 0,
		     "unshare(CLONE_NEWNS | CLONE_NEWNET): %m (these tests need root)");
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0, "make / private: %m");
	cr_assert_eq(system("ip link set lo up && ip addr add " NS_SILENT "/32 dev lo && "
			    "ip addr add " NS_WORKING "/32 dev lo"), 0, "loopback setup");
	snprintf(dir, sizeof dir, "/tmp/waitcap-resolve-XXXXXX");
	cr_assert(mkdtemp(dir));
	chmod(dir, 0755);
	bind_text("/etc/nsswitch.conf", "nsswitch.conf", "hosts: files dns\n");
}

void ns_resolv_conf(const char *text)
{
	bind_text("/etc/resolv.conf", "resolv.conf", text);
}

/* Before the test's own lookups, the server must behave as it should: an
 * answer from a working one, silence (not a refusal) from a silent one. */
static void warm_up(const char *mode, const char *addr)
{
	static const unsigned char query[] = {
		0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		7, 'b', 'a', 'c', 'k', 'e', 'n', 'd', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1};
	bool answers = strcmp(mode, "answer") == 0;
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
	inet_pton(AF_INET, addr, &sa.sin_addr);
	for (int attempt = 0; attempt < 20; attempt++) { /* 300 ms each */
		int s = socket(AF_INET, SOCK_DGRAM, 0);
		cr_assert(s >= 0);
		struct timeval tv = {.tv_sec = 0, .tv_usec = 300000};
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		connect(s, (struct sockaddr *)&sa, sizeof sa);
		send(s, query, sizeof query, 0);
		unsigned char reply[512];
		ssize_t n = recv(s, reply, sizeof reply, 0);
		int err = errno;
		close(s);
		if (answers ? n > 0 : n < 0 && (err == EAGAIN || err == EWOULDBLOCK))
			return;
	}
	cr_assert_fail("name server %s %s: no %s after 20 tries", mode, addr,
		       answers ? "answer" : "silence");
}

pid_t ns_nameserver(const char *mode, const char *addr)
{
	char script[512];
	snprintf(script, sizeof script, "%s/tests/resolve/nameserver.py", getenv("WAITCAP_SRC"));
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		unsetenv("LD_PRELOAD");
		/* The interpreter itself, not a version manager's shim: the server
		 * watches its parent, which must be this test. */
		execl("/usr/bin/python3", "python3", script, mode, addr, NS_NAME "=" NS_NAME_ADDR,
		      (char *)NULL);
		_exit(127);
	}
	if (nservers < 4)
		servers[nservers++] = pid;
	/* Listening once its TCP socket accepts (both sockets are bound before
	 * it listens); at most 10 s. */
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(53)};
	inet_pton(AF_INET, addr, &sa.sin_addr);
	bool up = false;
	for (int i = 0; i < 200 && !up; i++) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		up = connect(s, (struct sockaddr *)&sa, sizeof sa) == 0;
		close(s);
		if (!up)
			usleep(50000);
	}
	cr_assert(up, "name server %s %s did not start", mode, addr);
	warm_up(mode, addr);
	return pid;
}

void ns_world(const char *mode, const char *addr, bool tcp)
{
	char conf[128];
	ns_enter();
	snprintf(conf, sizeof conf, "nameserver %s\n%s", addr, tcp ? "options use-vc\n" : "");
	ns_resolv_conf(conf);
	ns_nameserver(mode, addr);
}

void ns_leave(void)
{
	for (int i = 0; i < nservers; i++) {
		kill(servers[i], SIGKILL);
		waitpid(servers[i], NULL, 0);
	}
	nservers = 0;
}
