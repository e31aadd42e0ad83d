/* epoll_probe SCENARIO PORT: one epoll scenario against a loopback server,
 * printed as a transcript.  The tests run it bare and preloaded: against
 * an echo server (no deadline passes) both transcripts must be the same;
 * against a silent server the preloaded one shows the caps.
 *
 * Every line is "what: result"; what follows " #" is timing, which the
 * comparison ignores.
 *
 * Scenarios:
 *   oneshot  EPOLLIN|EPOLLONESHOT: reported once, silent until EPOLL_CTL_MOD
 *   et       EPOLLIN|EPOLLET: one report per edge
 *   dup      registered fd closed while a dup of it stays open
 *   closed   registered fd closed (its number reused), epoll fd closed
 *   two      two sockets, maxevents 1: each reported, none twice
 *   pwait2   epoll_pwait2 with a timespec timeout
 *   eintr    a signal interrupts the wait; the next wait keeps the deadline
 *   tokens   40 sockets whose data are tokens, changed by MOD, some deleted:
 *            every report carries the token the kernel was last given
 *   threads  4 threads churn registrations (ADD, MOD, DEL, close, dup)
 *            while the main thread waits: no report carries foreign data
 *   meanwhile  another thread sends 100 ms into a wait: the response
 *            deadline it arms bounds the wait already under way
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/time.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loopback.h"
#include "timing.h"

static int port;

/* When the last send that arms a response deadline was made (taken right
 * before it): every timed line also says how long after that it ended
 * ("armed_ms="), the time a cap is measured by (tests/support/timing.h). */
static _Atomic int64_t armed_at;

static void arming(void)
{
	armed_at = now_ms();
}

static int64_t since_armed(int64_t end)
{
	return armed_at ? end - armed_at : -1;
}

static int connect_to_server(void)
{
	int fd = loopback_connect(port);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static const char *err_name(int err)
{
	switch (err) {
	case 0: return "0";
	case EAGAIN: return "EAGAIN";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EBADF: return "EBADF";
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case EPIPE: return "EPIPE";
	case ECONNRESET: return "ECONNRESET";
	case EINTR: return "EINTR";
	}
	static char buf[32];
	snprintf(buf, sizeof(buf), "errno%d", err);
	return buf;
}

static void events_name(uint32_t ev, char *buf, size_t len)
{
	static const struct { uint32_t bit; const char *name; } bits[] = {
		{EPOLLIN, "IN"}, {EPOLLOUT, "OUT"}, {EPOLLERR, "ERR"},
		{EPOLLHUP, "HUP"}, {EPOLLRDHUP, "RDHUP"},
	};
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (ev & bits[i].bit)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? "|" : "", bits[i].name);
	if (!buf[0])
		snprintf(buf, len, "none");
}

/* Print one wait: how many events, each event's data (as a name) and
 * events, and how long it took. */
static int show_wait(const char *what, int ep, int maxevents, int timeout_ms,
		     const char *(*name_of)(uint64_t))
{
	struct epoll_event evs[8];
	int64_t start = now_ms();
	int n = epoll_wait(ep, evs, maxevents, timeout_ms);
	int err = errno;
	int64_t end = now_ms(), ms = end - start;
	if (n < 0) {
		printf("%s: -1 %s # ms=%ld armed_ms=%ld\n", what, err_name(err), ms,
		       since_armed(end));
		return n;
	}
	printf("%s: n=%d", what, n);
	for (int i = 0; i < n; i++) {
		char names[64];
		events_name(evs[i].events, names, sizeof(names));
		printf(" [%s %s]", name_of(evs[i].data.u64), names);
	}
	printf(" # ms=%ld armed_ms=%ld\n", ms, since_armed(end));
	return n;
}

static void show_io(const char *what, ssize_t r, int err)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, err_name(err));
	else
		printf("%s: %zd\n", what, r);
}

static void do_send(const char *what, int fd, const char *msg)
{
	arming();
	ssize_t r = send(fd, msg, strlen(msg), MSG_NOSIGNAL);
	show_io(what, r, errno);
}

static void do_recv(const char *what, int fd)
{
	char buf[64];
	ssize_t r = recv(fd, buf, sizeof(buf), 0);
	show_io(what, r, errno);
}

static void do_ctl(const char *what, int ep, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = {.events = events, .data.u64 = data};
	int r = epoll_ctl(ep, op, fd, &ev);
	show_io(what, r, errno);
}

/* Data values the program chose: like a pointer, not the fd. */
#define TOKEN_A 0x7f00dead0001ull
#define TOKEN_B 0x7f00dead0002ull

static const char *token_name(uint64_t data)
{
	return data == TOKEN_A ? "A" : data == TOKEN_B ? "B" : "?";
}

static int registered_fd;
static const char *fd_name(uint64_t data)
{
	return (int)data == registered_fd ? "reg" : "?";
}

static void oneshot(void)
{
	int ep = epoll_create1(0), fd = connect_to_server();
	do_ctl("add", ep, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLONESHOT, TOKEN_A);
	do_send("send", fd, "a");
	show_wait("wait1", ep, 8, 1000, token_name);
	show_wait("wait2 (disarmed)", ep, 8, 300, token_name);
	do_ctl("mod", ep, EPOLL_CTL_MOD, fd, EPOLLIN | EPOLLONESHOT, TOKEN_A);
	show_wait("wait3 (re-armed)", ep, 8, 1000, token_name);
	show_wait("wait4 (disarmed)", ep, 8, 300, token_name);
	do_recv("recv", fd);
}

static void edge(void)
{
	int ep = epoll_create1(0), fd = connect_to_server();
	do_ctl("add", ep, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLET, TOKEN_A);
	do_send("send1", fd, "a");
	show_wait("wait1", ep, 8, 1000, token_name);
	show_wait("wait2 (no new edge)", ep, 8, 300, token_name);
	do_send("send2", fd, "b");
	show_wait("wait3", ep, 8, 1000, token_name);
	do_recv("recv", fd);
}

static void dup_closed(void)
{
	int ep = epoll_create1(0), fd = connect_to_server();
	registered_fd = fd;
	do_ctl("add", ep, EPOLL_CTL_ADD, fd, EPOLLIN, (uint64_t)fd);
	int dupfd = dup(fd);
	close(fd);
	do_send("send on dup", dupfd, "a");
	show_wait("wait1", ep, 8, 1000, fd_name);
	do_recv("recv on dup", dupfd);
	do_ctl("del dup", ep, EPOLL_CTL_DEL, dupfd, 0, 0);
	do_ctl("del closed", ep, EPOLL_CTL_DEL, fd, 0, 0);
}

static void closed(void)
{
	int ep = epoll_create1(0), fd = connect_to_server();
	registered_fd = fd;
	do_ctl("add", ep, EPOLL_CTL_ADD, fd, EPOLLIN, (uint64_t)fd);
	do_send("send", fd, "a");
	close(fd);
	int other = connect_to_server(); /* takes the closed number */
	printf("number reused: %s\n", other == fd ? "yes" : "no");
	do_send("send on new", other, "b");
	show_wait("wait1 (registration gone)", ep, 8, 1000, fd_name);
	do_ctl("mod new", ep, EPOLL_CTL_MOD, other, EPOLLIN, (uint64_t)other);

	do_ctl("add new", ep, EPOLL_CTL_ADD, other, EPOLLIN, (uint64_t)other);
	close(ep);
	int ep2 = epoll_create1(0); /* takes the closed epoll fd's number */
	printf("epoll number reused: %s\n", ep2 == ep ? "yes" : "no");
	show_wait("wait2 (new epoll set)", ep2, 8, 600, fd_name);
	do_recv("recv on new", other);
}

static void two(void)
{
	int ep = epoll_create1(0), a = connect_to_server(), b = connect_to_server();
	do_ctl("add a", ep, EPOLL_CTL_ADD, a, EPOLLIN, TOKEN_A);
	do_ctl("add b", ep, EPOLL_CTL_ADD, b, EPOLLIN, TOKEN_B);
	do_send("send a", a, "a");
	do_send("send b", b, "b");
	/* Both answers (or both expiries) are due by now or soon. */
	usleep(400 * 1000);
	show_wait("wait1 (max 1)", ep, 1, 1000, token_name);
	show_wait("wait2 (max 1)", ep, 1, 1000, token_name);
	do_recv("recv a", a);
	do_recv("recv b", b);
	do_ctl("del a", ep, EPOLL_CTL_DEL, a, 0, 0);
	do_ctl("del b", ep, EPOLL_CTL_DEL, b, 0, 0);
	show_wait("wait3 (empty)", ep, 8, 200, token_name);
}

static void pwait2(void)
{
	int ep = epoll_create1(0), fd = connect_to_server();
	do_ctl("add", ep, EPOLL_CTL_ADD, fd, EPOLLIN, TOKEN_A);
	do_send("send", fd, "a");
	struct epoll_event evs[8];
	struct timespec ts = {.tv_sec = 1, .tv_nsec = 0};
	int64_t start = now_ms();
	int n = epoll_pwait2(ep, evs, 8, &ts, NULL);
	int64_t end = now_ms(), ms = end - start;
	char names[64] = "";
	if (n > 0)
		events_name(evs[0].events, names, sizeof(names));
	printf("pwait2: n=%d%s%s%s # ms=%ld armed_ms=%ld\n", n, n > 0 ? " [" : "", names,
	       n > 0 ? "]" : "", ms, since_armed(end));
	do_recv("recv", fd);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* Against the silent server: a signal ends the first wait (EINTR goes
 * back to the program), the next wait keeps the socket's deadline. */
static void interrupted(void)
{
	struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	int ep = epoll_create1(0), fd = connect_to_server();
	do_ctl("add", ep, EPOLL_CTL_ADD, fd, EPOLLIN, TOKEN_A);
	do_send("send", fd, "a");
	struct itimerval it = {.it_value = {.tv_sec = 0, .tv_usec = 150 * 1000}};
	setitimer(ITIMER_REAL, &it, NULL);
	show_wait("wait1", ep, 8, 1000, token_name);
	show_wait("wait2", ep, 8, 1000, token_name);
}

#define NTOK 40

static void tokens(void)
{
	int ep = epoll_create1(0), fds[NTOK];
	uint64_t token[NTOK];
	for (int i = 0; i < NTOK; i++) {
		fds[i] = connect_to_server();
		token[i] = 0x7f00beef0000ull + (uint64_t)i * 16;
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = token[i]};
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
	}
	for (int i = 0; i < NTOK; i += 2) { /* new tokens, as a pointer-keyed loop would */
		token[i] = 0x7f00cafe0000ull + (uint64_t)i * 16;
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = token[i]};
		epoll_ctl(ep, EPOLL_CTL_MOD, fds[i], &ev);
	}
	int live = 0;
	arming();
	for (int i = 0; i < NTOK; i++) {
		if (i % 4 == 3) {
			epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], NULL);
			token[i] = 0;
		} else {
			live++;
		}
		send(fds[i], "t", 1, MSG_NOSIGNAL);
	}
	/* Collect one report per live socket (bounded), check each token. */
	int seen[NTOK] = {0}, reports = 0, unknown = 0, twice = 0, with_err = 0;
	int64_t start = now_ms();
	while (reports < live && now_ms() - start < 3000) {
		struct epoll_event evs[NTOK];
		int n = epoll_wait(ep, evs, NTOK, 1000);
		for (int k = 0; k < n; k++) {
			int i = 0;
			while (i < NTOK && (!token[i] || token[i] != evs[k].data.u64))
				i++;
			if (i == NTOK) {
				unknown++;
				continue;
			}
			if (seen[i]++)
				twice++;
			else
				reports++;
			with_err += !!(evs[k].events & EPOLLERR);
			char c;
			recv(fds[i], &c, 1, 0);
			epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], NULL); /* one report each */
		}
	}
	int64_t end = now_ms();
	printf("tokens: live=%d reported=%d unknown=%d twice=%d # ms=%ld armed_ms=%ld\n", live,
	       reports, unknown, twice, end - start, since_armed(end));
	printf("tokens with ERR: %d\n", with_err);
}

#define CHURN_THREADS 4
#define CHURN_ROUNDS 1000
#define CHURN_TAG 0x5ca1ab1e00000000ull

static int churn_ep;
static int churn_done;

static void *churn(void *arg)
{
	uint64_t id = (uint64_t)(uintptr_t)arg;
	for (int i = 0; i < CHURN_ROUNDS; i++) {
		int fd = connect_to_server();
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = CHURN_TAG | id << 16 | (uint64_t)i};
		epoll_ctl(churn_ep, EPOLL_CTL_ADD, fd, &ev);
		send(fd, "c", 1, MSG_NOSIGNAL);
		ev.events = EPOLLIN | EPOLLOUT;
		if (i % 2)
			ev.data.u64 = (uint64_t)fd;
		epoll_ctl(churn_ep, EPOLL_CTL_MOD, fd, &ev);
		switch (i % 3) {
		case 0:
			epoll_ctl(churn_ep, EPOLL_CTL_DEL, fd, NULL);
			close(fd);
			break;
		case 1:
			close(fd); /* registration dropped with the last fd */
			break;
		case 2: {
			int d = dup(fd);
			close(fd);
			close(d);
			break;
		}
		}
	}
	__atomic_add_fetch(&churn_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void threads(void)
{
	churn_ep = epoll_create1(0);
	pthread_t t[CHURN_THREADS];
	for (uintptr_t i = 0; i < CHURN_THREADS; i++)
		pthread_create(&t[i], NULL, churn, (void *)i);
	long waits = 0, events = 0, foreign = 0, start = now_ms();
	while (__atomic_load_n(&churn_done, __ATOMIC_ACQUIRE) < CHURN_THREADS
	       && now_ms() - start < 20000) {
		struct epoll_event evs[64];
		int n = epoll_wait(churn_ep, evs, 64, 5);
		waits++;
		for (int k = 0; k < n; k++) {
			uint64_t d = evs[k].data.u64;
			bool ours = (d >> 32) == (CHURN_TAG >> 32) || d < 1u << 20;
			foreign += !ours;
			events++;
		}
	}
	for (int i = 0; i < CHURN_THREADS; i++)
		pthread_join(t[i], NULL);
	printf("threads: done=%d foreign=%ld\n", churn_done, foreign);
	printf("# waits=%ld events=%ld ms=%ld\n", waits, events, now_ms() - start);
}

static int meanwhile_fd;

static void *send_later(void *arg)
{
	(void)arg;
	usleep(100 * 1000);
	arming();
	send(meanwhile_fd, "m", 1, MSG_NOSIGNAL);
	return NULL;
}

static void meanwhile(void)
{
	int ep = epoll_create1(0);
	meanwhile_fd = connect_to_server();
	do_ctl("add", ep, EPOLL_CTL_ADD, meanwhile_fd, EPOLLIN, TOKEN_A);
	show_wait("wait0 (idle)", ep, 8, 0, token_name);
	pthread_t t;
	pthread_create(&t, NULL, send_later, NULL);
	show_wait("wait1", ep, 8, 2000, token_name);
	pthread_join(t, NULL);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: epoll_probe oneshot|et|dup|closed|two|pwait2|eintr|tokens|threads|meanwhile PORT\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	port = atoi(argv[2]);
	const char *s = argv[1];
	if (!strcmp(s, "oneshot"))
		oneshot();
	else if (!strcmp(s, "et"))
		edge();
	else if (!strcmp(s, "dup"))
		dup_closed();
	else if (!strcmp(s, "closed"))
		closed();
	else if (!strcmp(s, "two"))
		two();
	else if (!strcmp(s, "pwait2"))
		pwait2();
	else if (!strcmp(s, "eintr"))
		interrupted();
	else if (!strcmp(s, "tokens"))
		tokens();
	else if (!strcmp(s, "threads"))
		threads();
	else if (!strcmp(s, "meanwhile"))
		meanwhile();
	else {
		fprintf(stderr, "epoll_probe: unknown scenario \"%s\"\n", s);
		return 2;
	}
	return 0;
}
