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
 * usage: waitcap-demo [--scale F] [--ports P1,...,P6]
 *   --scale F   multiplies every legacy timeout (e.g. 0.05: a 7 s legacy run)
 *   --ports     the peers' ports, in the order of the components below:
 *               peers already started by `waitcap-demo --serve-peers`.
 *               Without it the demo starts its own on 127.0.0.1:18001-18006,
 *               the ports of seed-plan.json, and says so if one is taken.
 * waitcap-demo --serve-peers: the peers alone, on ports the kernel picks;
 *   prints "ports P1,...,P6" once they listen, stops when stdin closes
 *   (tools/demo writes a copy of seed-plan.json with these ports). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "peers.h"

enum { FACTORY, WEBSOCKET, STARTUP, HEALTH, API, ORCHESTRATION, NPEERS };
/* Full accept queue (connect hangs) or silent (never answers), per peer. */
static const int peer_is_full[NPEERS] = {1, 0, 1, 0, 0, 1};
/* Where the peers listen: seed-plan.json's ports unless --ports. */
static int port_of[NPEERS] = {18001, 18002, 18003, 18004, 18005, 18006};

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
	return CONNECT_WITHIN(port_of[FACTORY], legacy_ms(30));
}

/* timeout_configuration.py: the WebSocket receive wait, in poll(). */
static int websocket_receive(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(port_of[WEBSOCKET]);
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
	struct sockaddr_in a = loopback(port_of[STARTUP]);
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
	int fd = send_request(port_of[HEALTH], "GET /health HTTP/1.0\r\n\r\n", legacy_ms(20));
	return fd < 0 ? errno : AWAIT_RESPONSE(fd);
}

/* service validation: api_response_timeout = 10.0 */
static int validate_service_api(void)
{
	int fd = send_request(port_of[API], "GET /api/v1/status HTTP/1.0\r\n\r\n", legacy_ms(10));
	return fd < 0 ? errno : AWAIT_RESPONSE(fd);
}

/* orchestration.py: availability wait of 30 s for the orchestrator. */
static int wait_for_orchestration(void)
{
	return CONNECT_WITHIN(port_of[ORCHESTRATION], legacy_ms(30));
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

/* The peers run in a process of their own without the library: they are
 * the unresponsive network, not part of the service under study.  They
 * listen on ports (0: one the kernel picks), say "ports P1,...,P6" on
 * out_fd once every one listens, and stop when stdin closes. */
static int serve_peers(int out_fd, const int ports[NPEERS])
{
	struct peer peers[NPEERS];
	char line[128] = "ports ";
	for (int i = 0; i < NPEERS; i++) {
		int r = peer_is_full[i] ? peer_full_listener(&peers[i], ports[i])
					: peer_silent_server(&peers[i], ports[i]);
		if (r != 0) {
			fprintf(stderr, "waitcap-demo: cannot listen on 127.0.0.1:%d: %s\n", ports[i],
				strerror(errno));
			return 1;
		}
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%d", i ? "," : "",
			 peers[i].port);
	}
	strcat(line, "\n");
	(void)!write(out_fd, line, strlen(line));
	char c;
	while (read(STDIN_FILENO, &c, 1) > 0)
		;
	for (int i = 0; i < NPEERS; i++)
		peer_stop(&peers[i]);
	return 0;
}

/* "P1,...,P6" into port_of; false unless six ports. */
static bool parse_ports(const char *list)
{
	int n = 0;
	for (const char *p = list; n < NPEERS && *p; n++) {
		char *end;
		long port = strtol(p, &end, 10);
		if (end == p || port <= 0 || port > 65535 || (*end && *end != ','))
			return false;
		port_of[n] = (int)port;
		p = *end ? end + 1 : end;
	}
	return n == NPEERS;
}

/* Our own peers on seed-plan.json's ports, in a child process (not
 * preloaded); *keepalive is the pipe whose closing stops them. */
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
		execl("/proc/self/exe", "waitcap-demo-peers", "--serve-peers-on-seed-ports", fd,
		      (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	close(alive[0]);
	char buf[128] = "";
	ssize_t n = read(ready[0], buf, sizeof(buf) - 1);
	close(ready[0]);
	if (n <= 0 || strncmp(buf, "ports ", 6) != 0) {
		waitpid(pid, NULL, 0);
		return -1;
	}
	*keepalive = alive[1];
	return pid;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--serve-peers")) {
		static const int any[NPEERS];
		return serve_peers(STDOUT_FILENO, any);
	}
	if (argc == 3 && !strcmp(argv[1], "--serve-peers-on-seed-ports"))
		return serve_peers(atoi(argv[2]), port_of);
	bool own_peers = true;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--scale") && i + 1 < argc) {
			scale = atof(argv[++i]);
			if (scale <= 0 || scale > 1) {
				fprintf(stderr, "waitcap-demo: --scale takes a factor in (0, 1]\n");
				return 2;
			}
		} else if (!strcmp(argv[i], "--ports") && i + 1 < argc) {
			if (!parse_ports(argv[++i])) {
				fprintf(stderr, "waitcap-demo: --ports takes six ports, P1,...,P6: '%s'\n",
					argv[i]);
				return 2;
			}
			own_peers = false;
		} else {
			fprintf(stderr, "usage: waitcap-demo [--scale F] [--ports P1,...,P6] | --serve-peers\n");
			return 2;
		}
	}
	int keepalive = -1;
	pid_t peers = own_peers ? start_peers(&keepalive) : 0;
	if (peers < 0) {
		fprintf(stderr, "waitcap-demo: the loopback peers did not start on 127.0.0.1:18001-18006 "
			"(the ports of seed-plan.json); tools/demo picks free ones\n");
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
	if (peers > 0) {
		close(keepalive);
		waitpid(peers, NULL, 0);
	}
	return 0;
}
