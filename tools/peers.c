/* Loopback peers: full accept queue, silent, echo, answer, trickle. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "peers.h"

enum mode { SILENT, ECHO, ANSWER, TRICKLE, SINK, DELAYED };

struct server {
	struct peer *p;
	enum mode mode;
};

static int listen_at(uint32_t addr, int port, int backlog)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(addr)};
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, backlog) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int listen_on(int port, int backlog)
{
	return listen_at(INADDR_LOOPBACK, port, backlog);
}

static int bound_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	getsockname(fd, (struct sockaddr *)&a, &len);
	return ntohs(a.sin_port);
}

static void peer_init(struct peer *p)
{
	memset(p, 0, sizeof(*p));
	p->listen_fd = -1;
	p->wake[0] = p->wake[1] = -1;
}

/* Is a fresh connect to the listener stuck in SYN_SENT? */
static int connect_hangs(uint32_t addr, int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(addr)};
	connect(fd, (struct sockaddr *)&a, sizeof(a));
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	int r = poll(&pfd, 1, 100);
	close(fd);
	return r == 0;
}

int peer_full_listener(struct peer *p, int port)
{
	return peer_full_listener_at(p, INADDR_LOOPBACK, port);
}

int peer_full_listener_at(struct peer *p, uint32_t addr, int port)
{
	peer_init(p);
	p->listen_fd = listen_at(addr, port, 0);
	if (p->listen_fd < 0)
		return -1;
	p->port = bound_port(p->listen_fd);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p->port),
				.sin_addr.s_addr = htonl(addr)};
	/* Fill the queue until a probe connect hangs; bounded. */
	while (p->nfillers < PEER_MAX_FILLERS) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		connect(fd, (struct sockaddr *)&a, sizeof(a));
		p->fillers[p->nfillers++] = fd;
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		poll(&pfd, 1, 50);
		if (connect_hangs(addr, p->port))
			return 0;
	}
	peer_stop(p);
	return -1;
}

static uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s ? *s : 1;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

uint32_t peer_fnv1a(uint32_t h, const void *buf, size_t len)
{
	const unsigned char *b = buf;
	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

uint32_t peer_trickle_checksum(size_t total, uint32_t seed)
{
	uint32_t h = PEER_FNV_INIT, s = seed;
	for (size_t i = 0; i < total; i++) {
		unsigned char c = (unsigned char)xorshift(&s);
		h = peer_fnv1a(h, &c, 1);
	}
	return h;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* Send the trickle to one client; stops early when asked to. */
static void trickle(struct peer *p, int fd)
{
	uint32_t data_seed = p->trickle_seed, shape_seed = p->trickle_seed ^ 0x9e3779b9u;
	unsigned char buf[4096];
	size_t sent = 0;
	while (sent < p->trickle_total) {
		size_t n = 1 + xorshift(&shape_seed) % sizeof(buf);
		if (n > p->trickle_total - sent)
			n = p->trickle_total - sent;
		for (size_t i = 0; i < n; i++)
			buf[i] = (unsigned char)xorshift(&data_seed);
		size_t off = 0;
		while (off < n) {
			ssize_t w = send(fd, buf + off, n - off, MSG_NOSIGNAL);
			if (w <= 0)
				return;
			off += (size_t)w;
		}
		sent += n;
		if (p->trickle_max_pause_ms > 0 && xorshift(&shape_seed) % 64 == 0)
			sleep_ms((int)(xorshift(&shape_seed) % (uint32_t)p->trickle_max_pause_ms));
		struct pollfd w = {.fd = p->wake[0], .events = POLLIN};
		if (poll(&w, 1, 0) > 0)
			return;
	}
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Wait for fd readable, or the stop pipe; 1 readable, 0 stop. */
static int readable_or_stop(struct peer *p, int fd)
{
	for (;;) {
		struct pollfd f[2] = {{.fd = p->wake[0], .events = POLLIN}, {.fd = fd, .events = POLLIN}};
		if (poll(f, 2, 1000) < 0 && errno != EINTR)
			return 0;
		if (f[0].revents)
			return 0;
		if (f[1].revents)
			return 1;
	}
}

/* Serve one client's requests at the sink's rate, until EOF or stop. */
static void sink(struct peer *p, int fd)
{
	static char buf[65536];
	for (;;) {
		char line[32];
		size_t n = 0;
		while (n < sizeof(line) - 1) { /* "LENGTH\n", a byte at a time */
			if (!readable_or_stop(p, fd) || recv(fd, line + n, 1, 0) != 1)
				return;
			if (line[n++] == '\n')
				break;
		}
		line[n] = '\0';
		size_t total = strtoull(line, NULL, 10), got = 0;
		uint32_t sum = PEER_FNV_INIT;
		int64_t start = mono_ns();
		while (got < total) {
			size_t want = total - got < sizeof(buf) ? total - got : sizeof(buf);
			if (!readable_or_stop(p, fd))
				return;
			ssize_t r = recv(fd, buf, want, 0);
			if (r <= 0)
				return;
			sum = peer_fnv1a(sum, buf, (size_t)r);
			got += (size_t)r;
			/* Not faster than the rate: sleep until got bytes are due. */
			int64_t due = start + (int64_t)((double)got / (double)p->sink_rate * 1e9);
			int64_t now = mono_ns();
			if (due > now) {
				struct timespec ts = {.tv_sec = (due - now) / 1000000000,
						      .tv_nsec = (due - now) % 1000000000};
				nanosleep(&ts, NULL);
			}
		}
		char answer[32];
		int len = snprintf(answer, sizeof(answer), "sum=%08x\n", sum);
		if (send(fd, answer, (size_t)len, MSG_NOSIGNAL) != len)
			return;
	}
}

/* Answer one client's chunks, each after the delay, until EOF or stop. */
static void delayed(struct peer *p, int fd)
{
	char buf[65536];
	for (;;) {
		if (!readable_or_stop(p, fd))
			return;
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return;
		struct pollfd w = {.fd = p->wake[0], .events = POLLIN};
		if (poll(&w, 1, p->answer_delay_ms) != 0)
			return; /* asked to stop */
		if (send(fd, "ok\n", 3, MSG_NOSIGNAL) != 3)
			return;
	}
}

static void *serve(void *arg)
{
	struct server *srv = arg;
	struct peer *p = srv->p;
	struct pollfd fds[2 + PEER_MAX_CLIENTS];
	int nclients = 0;
	fds[0] = (struct pollfd){.fd = p->wake[0], .events = POLLIN};
	fds[1] = (struct pollfd){.fd = p->listen_fd, .events = POLLIN};
	for (;;) {
		if (poll(fds, (nfds_t)(2 + nclients), 1000) < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			break;
		if (fds[1].revents & POLLIN) {
			int c = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0 && srv->mode == TRICKLE) {
				trickle(p, c);
				close(c);
			} else if (c >= 0 && srv->mode == DELAYED) {
				delayed(p, c);
				close(c);
			} else if (c >= 0 && srv->mode == SINK) {
				sink(p, c);
				close(c);
			} else if (c >= 0 && nclients < PEER_MAX_CLIENTS) {
				fds[2 + nclients++] = (struct pollfd){.fd = c, .events = POLLIN};
			} else if (c >= 0) {
				close(c);
			}
		}
		for (int i = 0; i < nclients; i++) {
			if (!fds[2 + i].revents)
				continue;
			char buf[65536];
			ssize_t n = recv(fds[2 + i].fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				close(fds[2 + i].fd);
				fds[2 + i] = fds[2 + --nclients];
				i--;
				continue;
			}
			if (n > 0 && srv->mode == ECHO)
				send(fds[2 + i].fd, buf, (size_t)n, MSG_NOSIGNAL);
			else if (n > 0 && srv->mode == ANSWER)
				send(fds[2 + i].fd, "ok\n", 3, MSG_NOSIGNAL);
		}
	}
	for (int i = 0; i < nclients; i++)
		close(fds[2 + i].fd);
	free(srv);
	return NULL;
}

static int start_server(struct peer *p, int port, enum mode mode)
{
	p->listen_fd = listen_on(port, 64);
	if (p->listen_fd < 0)
		return -1;
	p->port = bound_port(p->listen_fd);
	struct server *srv = malloc(sizeof(*srv));
	if (!srv || pipe2(p->wake, O_CLOEXEC) != 0) {
		free(srv);
		peer_stop(p);
		return -1;
	}
	srv->p = p;
	srv->mode = mode;
	if (pthread_create(&p->thread, NULL, serve, srv) != 0) {
		free(srv);
		peer_stop(p);
		return -1;
	}
	p->has_thread = 1;
	return 0;
}

int peer_silent_server(struct peer *p, int port)
{
	peer_init(p);
	return start_server(p, port, SILENT);
}

int peer_echo_server(struct peer *p, int port)
{
	peer_init(p);
	return start_server(p, port, ECHO);
}

int peer_answer_server(struct peer *p, int port)
{
	peer_init(p);
	return start_server(p, port, ANSWER);
}

int peer_trickle_server(struct peer *p, int port, size_t total, uint32_t seed, int max_pause_ms)
{
	peer_init(p);
	p->trickle_total = total;
	p->trickle_seed = seed;
	p->trickle_max_pause_ms = max_pause_ms;
	p->trickle_sum = peer_trickle_checksum(total, seed);
	return start_server(p, port, TRICKLE);
}

int peer_delayed_server(struct peer *p, int port, int delay_ms)
{
	peer_init(p);
	p->answer_delay_ms = delay_ms;
	return start_server(p, port, DELAYED);
}

int peer_slow_sink(struct peer *p, int port, size_t rate)
{
	peer_init(p);
	p->sink_rate = rate ? rate : 1;
	return start_server(p, port, SINK);
}

void peer_stop(struct peer *p)
{
	if (p->has_thread) {
		(void)!write(p->wake[1], "x", 1);
		pthread_join(p->thread, NULL);
		p->has_thread = 0;
	}
	for (int i = 0; i < p->nfillers; i++)
		close(p->fillers[i]);
	p->nfillers = 0;
	for (int i = 0; i < 2; i++)
		if (p->wake[i] >= 0)
			close(p->wake[i]);
	p->wake[0] = p->wake[1] = -1;
	if (p->listen_fd >= 0)
		close(p->listen_fd);
	p->listen_fd = -1;
}
