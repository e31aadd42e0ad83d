/* waitcap-demo: the chat service startup of the seed plan, against real
 * unresponsive peers on loopback.
 *
 * One function per component of the plan, each waiting with the legacy
 * timeout the plan found in the code base (30 s factory, 30 s WebSocket
 * receive, 20 s startup wait, 20 s / 10 s service validation, 30 s
 * orchestration).  Every peer is unresponsive, so without waitcap the
 * startup blocks for 140 s; under `waitcap run` with
 * profiles/examples/seed-plan.json each wait ends at its component's cap.
 *
 * usage: waitcap-demo [--scale F]    (F multiplies every legacy timeout,
 *                                     e.g. 0.05 for a 7 s legacy run)
 * The peers listen on 127.0.0.1:18001-18006, the ports of seed-plan.json. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "peers.h"

enum { FACTORY = 18001, WEBSOCKET, STARTUP, HEALTH, API, ORCHESTRATION };

static double scale = 1.0;

static int legacy_ms(double seconds)
{
	return (int)(seconds * 1000 * scale);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	return a;
}

static void set_timeout(int fd, int opt, int ms)
{
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

/* Connect and send a request to a service that never answers; the
 * caller then waits for the response, each component in its own call. */
static int send_request(int port, const char *what, int timeout_ms)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(port);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	set_timeout(fd, SO_RCVTIMEO, timeout_ms);
	send(fd, what, strlen(what), MSG_NOSIGNAL);
	return fd;
}

/* Wait in recv() with SO_RCVTIMEO, as a Python client with a socket
 * timeout does; a macro, so that every component's recv() is its own
 * call site in the report. */
#define AWAIT_RESPONSE(fd)                                                                       \
	({                                                                                       \
		char buf_[256];                                                                  \
		ssize_t n_ = recv(fd, buf_, sizeof(buf_), 0);                                    \
		int err_ = n_ > 0 ? 0 : n_ == 0 ? ECONNRESET : errno;                            \
		close(fd);                                                                       \
		err_;                                                                            \
	})

/* A blocking connect bounded by SO_SNDTIMEO (the kernel's EINPROGRESS on
 * that timeout reported as ETIMEDOUT); a macro for the same reason as
 * AWAIT_RESPONSE: each component's connect() is its own call site. */
#define CONNECT_WITHIN(port, timeout_ms)                                                         \
	({                                                                                       \
		int fd_ = socket(AF_INET, SOCK_STREAM, 0);                                       \
		set_timeout(fd_, SO_SNDTIMEO, timeout_ms);                                       \
		struct sockaddr_in a_ = loopback(port);                                          \
		int r_ = connect(fd_, (struct sockaddr *)&a_, sizeof(a_));                       \
		int err_ = r_ == 0 ? 0 : errno == EINPROGRESS ? ETIMEDOUT : errno;               \
		close(fd_);                                                                      \
		err_;                                                                            \
	})

/* factory_adapter.py: factory_timeout_seconds = 30.0, for the factory's
 * connection to a backend that does not accept. */
static int create_factory(void)
{
	return CONNECT_WITHIN(FACTORY, legacy_ms(30));
}

/* timeout_configuration.py: the WebSocket receive wait, in poll(). */
static int websocket_receive(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(WEBSOCKET);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		int err = errno;
		close(fd);
		return err;
	}
	send(fd, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n", 40, MSG_NOSIGNAL);
	struct pollfd p = {fd, POLLIN, 0};
	int r = poll(&p, 1, legacy_ms(30));
	int err = r == 0 ? ETIMEDOUT : r < 0 ? errno : 0;
	if (r > 0 && (p.revents & POLLERR)) {
		socklen_t len = sizeof(err);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	}
	close(fd);
	return err;
}

/* startup check helpers: wait up to 20 s for a dependency to accept, with
 * a non-blocking connect and poll, as asyncio-style clients do. */
static int wait_for_startup(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = loopback(STARTUP);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0) {
		close(fd);
		return 0;
	}
	struct pollfd p = {fd, POLLOUT, 0};
	int r = poll(&p, 1, legacy_ms(20));
	int err = r == 0 ? ETIMEDOUT : 0;
	if (r > 0) {
		socklen_t len = sizeof(err);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	}
	close(fd);
	return err;
}

/* service validation: health_check_timeout = 20.0 */
static int validate_service_health(void)
{
	int fd = send_request(HEALTH, "GET /health HTTP/1.0\r\n\r\n", legacy_ms(20));
	return fd < 0 ? errno : AWAIT_RESPONSE(fd);
}

/* service validation: api_response_timeout = 10.0 */
static int validate_service_api(void)
{
	int fd = send_request(API, "GET /api/v1/status HTTP/1.0\r\n\r\n", legacy_ms(10));
	return fd < 0 ? errno : AWAIT_RESPONSE(fd);
}

/* orchestration.py: availability wait of 30 s for the orchestrator. */
static int wait_for_orchestration(void)
{
	return CONNECT_WITHIN(ORCHESTRATION, legacy_ms(30));
}

static const struct component {
	const char *name;
	int (*run)(void);
	double legacy_s;
} components[] = {
	{"factory creation", create_factory, 30},
	{"websocket receive", websocket_receive, 30},
	{"startup wait", wait_for_startup, 20},
	{"service health check", validate_service_health, 20},
	{"service api check", validate_service_api, 10},
	{"orchestration wait", wait_for_orchestration, 30},
};

/* The peers run in a child process without the library: they are the
 * unresponsive network, not part of the service under study.  The child
 * says "ready" on the pipe once every port listens. */
static int serve_peers(int ready_fd)
{
	struct peer full[3], silent[3];
	int full_ports[] = {FACTORY, STARTUP, ORCHESTRATION}, silent_ports[] = {WEBSOCKET, HEALTH, API};
	for (int i = 0; i < 3; i++)
		if (peer_full_listener(&full[i], full_ports[i]) != 0) {
			fprintf(stderr, "waitcap-demo: cannot listen on 127.0.0.1:%d: %s\n", full_ports[i],
				strerror(errno));
			return 1;
		}
	for (int i = 0; i < 3; i++)
		if (peer_silent_server(&silent[i], silent_ports[i]) != 0) {
			fprintf(stderr, "waitcap-demo: cannot listen on 127.0.0.1:%d: %s\n",
				silent_ports[i], strerror(errno));
			return 1;
		}
	(void)!write(ready_fd, "ready\n", 6);
	/* Until the demo closes its end of the pipe (or dies). */
	char c;
	while (read(STDIN_FILENO, &c, 1) > 0)
		;
	for (int i = 0; i < 3; i++) {
		peer_stop(&full[i]);
		peer_stop(&silent[i]);
	}
	return 0;
}

static pid_t start_peers(int *keepalive)
{
	int ready[2], alive[2];
	if (pipe(ready) != 0 || pipe(alive) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(alive[1]);
		dup2(alive[0], STDIN_FILENO);
		char fd[16];
		snprintf(fd, sizeof(fd), "%d", ready[1]);
		unsetenv("LD_PRELOAD");
		execl("/proc/self/exe", "waitcap-demo-peers", "--serve-peers", fd, (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	close(alive[0]);
	char buf[8] = "";
	ssize_t n = read(ready[0], buf, sizeof(buf));
	close(ready[0]);
	if (n <= 0 || strncmp(buf, "ready", 5) != 0) {
		waitpid(pid, NULL, 0);
		return -1;
	}
	*keepalive = alive[1];
	return pid;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--serve-peers"))
		return serve_peers(atoi(argv[2]));
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--scale") && i + 1 < argc) {
			scale = atof(argv[++i]);
			if (scale <= 0 || scale > 1) {
				fprintf(stderr, "waitcap-demo: --scale takes a factor in (0, 1]\n");
				return 2;
			}
		} else {
			fprintf(stderr, "usage: waitcap-demo [--scale F]\n");
			return 2;
		}
	}
	int keepalive;
	pid_t peers = start_peers(&keepalive);
	if (peers < 0) {
		fprintf(stderr, "waitcap-demo: the loopback peers did not start (ports 18001-18006 in use?)\n");
		return 1;
	}

	printf("chat service startup (legacy timeouts x %.2f)\n", scale);
	int64_t start = now_ms();
	double legacy_total = 0;
	for (size_t i = 0; i < sizeof(components) / sizeof(components[0]); i++) {
		int64_t t = now_ms();
		int err = components[i].run();
		legacy_total += components[i].legacy_s * scale;
		printf("  %-22s %6lld ms  (legacy timeout %4.1f s)  %s\n", components[i].name,
		       (long long)(now_ms() - t), components[i].legacy_s * scale,
		       err ? strerror(err) : "ok");
		fflush(stdout);
	}
	printf("startup blocked %.1f s of %.1f s possible\n", (now_ms() - start) / 1000.0, legacy_total);
	close(keepalive);
	waitpid(peers, NULL, 0);
	return 0;
}
