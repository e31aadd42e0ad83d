/* What a program sees of the kernel, printed line by line, for the kernel
 * tests: run bare and under libwaitcap.so, the transcripts are compared.
 *
 *   kprobe MODE PORT [PORT2]
 *
 * Every line on stdout is part of the transcript; times go to stderr or to
 * lines starting with "time " (left out of comparisons).  errno is set to
 * EDOM before every call, so a success that touches errno shows. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define SENTINEL EDOM

static int port, port2;
static int64_t t0;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *errname(int e)
{
	static char buf[32];
	switch (e) {
	case 0: return "0";
	case EDOM: return "EDOM(untouched)";
	case EINTR: return "EINTR";
	case EAGAIN: return "EAGAIN";
	case EINPROGRESS: return "EINPROGRESS";
	case EALREADY: return "EALREADY";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ECONNABORTED: return "ECONNABORTED";
	case ECONNRESET: return "ECONNRESET";
	case ECONNREFUSED: return "ECONNREFUSED";
	case EISCONN: return "EISCONN";
	case ENOTCONN: return "ENOTCONN";
	case EPIPE: return "EPIPE";
	case EBADF: return "EBADF";
	}
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

/* One transcript line: what, the return value, errno after the call. */
static void line(const char *what, long ret, int err)
{
	printf("%-26s ret=%ld errno=%s\n", what, ret, errname(err));
	fflush(stdout);
}

static void stamp(const char *what)
{
	fprintf(stderr, "time %s %lld ms\n", what, (long long)(now_ms() - t0));
}

static struct sockaddr_in loopback(int p)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	return a;
}

static int tcp_socket(int flags)
{
	errno = SENTINEL;
	int fd = socket(AF_INET, SOCK_STREAM | flags, 0);
	line("socket", fd >= 0 ? 0 : -1, errno);
	int one = 1;
	errno = SENTINEL;
	/* The kernel's own connect timeout, about 3 s: one SYN retransmission. */
	long r = setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &one, sizeof(one));
	line("setsockopt TCP_SYNCNT=1", r, errno);
	return fd;
}

static long do_connect(int fd, int p, const char *what)
{
	struct sockaddr_in a = loopback(p);
	errno = SENTINEL;
	long r = connect(fd, (struct sockaddr *)&a, sizeof(a));
	int err = errno;
	line(what, r, err);
	stamp(what);
	errno = err;
	return r;
}

static void so_error(int fd, const char *what)
{
	int v = -1;
	socklen_t len = sizeof(v);
	errno = SENTINEL;
	long r = getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len);
	int err = errno;
	printf("%-26s ret=%ld errno=%s value=%s\n", what, r, errname(err), errname(v));
}

static void poll_once(int fd, short events, int timeout, const char *what)
{
	struct pollfd p = {.fd = fd, .events = events};
	errno = SENTINEL;
	long r = poll(&p, 1, timeout);
	int err = errno;
	printf("%-26s ret=%ld errno=%s revents=%#x\n", what, r, errname(err), p.revents);
	stamp(what);
}

static void blocking_state(int fd)
{
	errno = SENTINEL;
	int fl = fcntl(fd, F_GETFL);
	int err = errno;
	printf("%-26s ret=%s errno=%s\n", "fcntl F_GETFL", fl < 0 ? "-1" : fl & O_NONBLOCK ? "nonblocking" : "blocking", errname(err));
}

/* ---- kernel reference: connect timeouts --------------------------------- */

/* A blocking connect the kernel (or the cap) times out, then what the
 * socket says, then connect() again. */
static int mode_connect_block(void)
{
	int fd = tcp_socket(0);
	do_connect(fd, port, "connect");
	so_error(fd, "getsockopt SO_ERROR");
	poll_once(fd, POLLOUT, 0, "poll POLLOUT 0");
	blocking_state(fd);
	do_connect(fd, port, "connect again");
	so_error(fd, "getsockopt SO_ERROR");
	do_connect(fd, port, "connect third");
	close(fd);
	return 0;
}

/* A non-blocking connect waited for in poll(); the error read once from
 * SO_ERROR; connect() again, twice. */
static int mode_connect_poll(bool read_error)
{
	int fd = tcp_socket(SOCK_NONBLOCK);
	do_connect(fd, port, "connect");
	poll_once(fd, POLLOUT, 10000, "poll POLLOUT");
	poll_once(fd, POLLIN | POLLOUT, 0, "poll POLLIN|POLLOUT 0");
	if (read_error) {
		so_error(fd, "getsockopt SO_ERROR");
		so_error(fd, "getsockopt SO_ERROR again");
	}
	do_connect(fd, port, "connect again");
	so_error(fd, "getsockopt SO_ERROR");
	poll_once(fd, POLLOUT, 0, "poll POLLOUT 0");
	do_connect(fd, port, "connect third");
	close(fd);
	return 0;
}

/* The same, waited for in epoll_wait() and in select(). */
static int mode_connect_epoll(void)
{
	int fd = tcp_socket(SOCK_NONBLOCK);
	errno = SENTINEL;
	int ep = epoll_create1(0);
	line("epoll_create1", ep >= 0 ? 0 : -1, errno);
	struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = 0x1234};
	errno = SENTINEL;
	long r = epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	line("epoll_ctl ADD EPOLLOUT", r, errno);
	do_connect(fd, port, "connect");
	ev.events = 0;
	errno = SENTINEL;
	r = epoll_wait(ep, &ev, 1, 10000);
	int err = errno;
	printf("%-26s ret=%ld errno=%s events=%#x data=%#llx\n", "epoll_wait", r, errname(err),
	       ev.events, (unsigned long long)ev.data.u64);
	stamp("epoll_wait");
	so_error(fd, "getsockopt SO_ERROR");
	do_connect(fd, port, "connect again");
	do_connect(fd, port, "connect third");
	close(ep);
	close(fd);
	return 0;
}

static int mode_connect_select(void)
{
	int fd = tcp_socket(SOCK_NONBLOCK);
	do_connect(fd, port, "connect");
	fd_set rs, ws;
	FD_ZERO(&rs);
	FD_ZERO(&ws);
	FD_SET(fd, &ws);
	struct timeval tv = {.tv_sec = 10};
	errno = SENTINEL;
	long r = select(fd + 1, &rs, &ws, NULL, &tv);
	int err = errno;
	printf("%-26s ret=%ld errno=%s writable=%d\n", "select writable", r, errname(err),
	       FD_ISSET(fd, &ws) ? 1 : 0);
	stamp("select writable");
	FD_SET(fd, &rs);
	FD_SET(fd, &ws);
	tv = (struct timeval){0, 0};
	errno = SENTINEL;
	r = select(fd + 1, &rs, &ws, NULL, &tv);
	err = errno;
	printf("%-26s ret=%ld errno=%s readable=%d writable=%d\n", "select both 0", r, errname(err),
	       FD_ISSET(fd, &rs) ? 1 : 0, FD_ISSET(fd, &ws) ? 1 : 0);
	so_error(fd, "getsockopt SO_ERROR");
	do_connect(fd, port, "connect again");
	close(fd);
	return 0;
}

/* ---- signals and cancellation ------------------------------------------ */

static sigjmp_buf jump;

static void on_alarm_jump(int sig)
{
	(void)sig;
	siglongjmp(jump, 1);
}

static void on_alarm_return(int sig)
{
	(void)sig;
}

static void alarm_in_ms(int ms, void (*handler)(int))
{
	struct sigaction sa = {.sa_handler = handler};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {.it_value = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000}};
	setitimer(ITIMER_REAL, &it, NULL);
}

static int connected_socket(int p)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(p);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		printf("connect to %d failed: %s\n", p, strerror(errno));
		exit(2);
	}
	return fd;
}

/* After the abandoned wait: an idle second, then the healthy connection
 * must still answer a ping. */
static int ping_after_idle(int fd)
{
	sleep(1);
	poll_once(fd, POLLIN | POLLOUT, 0, "poll idle");
	errno = SENTINEL;
	long r = send(fd, "ping", 4, 0);
	line("send ping", r, errno);
	char buf[8] = {0};
	errno = SENTINEL;
	r = recv(fd, buf, 4, MSG_WAITALL);
	line("recv echo", r, errno);
	printf("echo=%s\n", buf);
	return r == 4 && !memcmp(buf, "ping", 4) ? 0 : 1;
}

/* A blocking recv (or poll) on an idle connection to the echo server, left
 * by siglongjmp from SIGALRM: the classic alarm() timeout. */
static int mode_jump(const char *in)
{
	int fd = connected_socket(port);
	if (!sigsetjmp(jump, 1)) {
		alarm_in_ms(200, on_alarm_jump);
		char buf[8];
		if (!strcmp(in, "poll")) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			poll(&p, 1, -1);
		} else {
			recv(fd, buf, sizeof(buf), 0);
		}
		printf("not interrupted\n");
		return 1;
	}
	printf("left by siglongjmp\n");
	return ping_after_idle(fd);
}

static void *blocked_recv(void *arg)
{
	char buf[8];
	recv(*(int *)arg, buf, sizeof(buf), 0);
	return NULL;
}

static int mode_cancel_recv(void)
{
	int fd = connected_socket(port);
	pthread_t t;
	pthread_create(&t, NULL, blocked_recv, &fd);
	usleep(200 * 1000);
	pthread_cancel(t);
	void *res;
	pthread_join(t, &res);
	printf("thread %s\n", res == PTHREAD_CANCELED ? "cancelled" : "returned");
	return ping_after_idle(fd);
}

/* A blocking connect interrupted by a signal (no SA_RESTART) and retried
 * until it ends: it must end at the connect deadline of the first call. */
static int mode_eintr_connect(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(port);
	alarm_in_ms(100, on_alarm_return);
	int64_t start = now_ms();
	int r, tries = 0;
	do {
		r = connect(fd, (struct sockaddr *)&a, sizeof(a));
		tries++;
	} while (r != 0 && errno == EINTR && tries < 100);
	printf("result=%d errno=%s tries=%d\n", r, errname(r ? errno : 0), tries);
	printf("elapsed_ms=%lld\n", (long long)(now_ms() - start));
	return 0;
}

static void *blocked_connect(void *arg)
{
	int fd = *(int *)arg;
	struct sockaddr_in a = loopback(port);
	connect(fd, (struct sockaddr *)&a, sizeof(a));
	return NULL;
}

/* A blocking connect abandoned by siglongjmp or pthread_cancel: the socket
 * stays blocking, and a blocking connect again waits for the same
 * handshake, as the kernel's does. */
static int mode_abandon_connect(const char *how)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int64_t start = now_ms();
	if (!strcmp(how, "cancel")) {
		pthread_t t;
		pthread_create(&t, NULL, blocked_connect, &fd);
		usleep(200 * 1000);
		pthread_cancel(t);
		pthread_join(t, NULL);
	} else if (!sigsetjmp(jump, 1)) {
		alarm_in_ms(200, on_alarm_jump);
		blocked_connect(&fd);
		printf("not interrupted\n");
		return 1;
	}
	printf("abandoned after %lld ms\n", (long long)(now_ms() - start) / 100 * 100);
	blocking_state(fd);
	int64_t again = now_ms();
	do_connect(fd, port, "connect again");
	printf("time again_ms=%lld total_ms=%lld\n", (long long)(now_ms() - again),
	       (long long)(now_ms() - start));
	return 0;
}

/* Two threads in a blocking recv on one socket; one answer comes, one
 * thread takes it: the other stays bounded by its cap. */
static int race_fd;
static int64_t race_end[2];

static void *race_reader(void *arg)
{
	int i = (int)(intptr_t)arg;
	char buf[4];
	ssize_t r = recv(race_fd, buf, sizeof(buf), 0);
	int err = errno;
	race_end[i] = now_ms();
	printf("reader %s\n", r == 4 ? "got the answer" : r < 0 ? errname(err) : "short");
	fflush(stdout);
	return NULL;
}

static int mode_race(void)
{
	race_fd = connected_socket(port);
	pthread_t t[2];
	int64_t start = now_ms();
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, race_reader, (void *)(intptr_t)i);
	usleep(100 * 1000);
	int64_t sent = now_ms();
	send(race_fd, "ping", 4, 0);
	for (int i = 0; i < 2; i++) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 10;
		if (pthread_timedjoin_np(t[i], NULL, &until) != 0) {
			printf("reader still blocked after 10 s\n");
			fflush(stdout);
			_exit(1);
		}
	}
	int64_t last = race_end[0] > race_end[1] ? race_end[0] : race_end[1];
	printf("time last_from_start_ms=%lld last_from_send_ms=%lld\n", (long long)(last - start),
	       (long long)(last - sent));
	return 0;
}

/* ---- uploads ------------------------------------------------------------- */

static uint32_t fnv(uint32_t h, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static int upload_epfd = -1;

/* Wait for events on fd in poll() or, with an epoll set, epoll_wait();
 * returns the events, 0 on timeout or error. */
static int wait_for(int fd, int events)
{
	if (upload_epfd < 0) {
		struct pollfd p = {.fd = fd, .events = (short)events};
		return poll(&p, 1, 30000) == 1 ? p.revents : 0;
	}
	struct epoll_event ev = {.events = (uint32_t)events, .data.fd = fd};
	epoll_ctl(upload_epfd, EPOLL_CTL_MOD, fd, &ev);
	return epoll_wait(upload_epfd, &ev, 1, 30000) == 1 ? (int)ev.events : 0;
}

/* Upload `total` pseudo-random bytes to the slow sink, blocking or driven
 * by poll() or epoll_wait() on a non-blocking socket, then read its
 * checksum. */
static int mode_upload(const char *how, size_t total)
{
	bool polled = strcmp(how, "block") != 0;
	int fd = connected_socket(port);
	if (polled)
		fcntl(fd, F_SETFL, O_NONBLOCK);
	if (!strcmp(how, "epoll")) {
		upload_epfd = epoll_create1(0);
		struct epoll_event ev = {.events = EPOLLOUT, .data.fd = fd};
		epoll_ctl(upload_epfd, EPOLL_CTL_ADD, fd, &ev);
	}
	static unsigned char chunk[1 << 16];
	uint32_t s = 12345, sum = 2166136261u;
	char head[32];
	int hl = snprintf(head, sizeof(head), "%zu\n", total);
	if (send(fd, head, (size_t)hl, 0) != hl) {
		printf("header: %s\n", errname(errno));
		return 1;
	}
	int64_t start = now_ms();
	size_t sent = 0;
	while (sent < total) {
		size_t n = total - sent < sizeof(chunk) ? total - sent : sizeof(chunk);
		for (size_t i = 0; i < n; i++) {
			s ^= s << 13, s ^= s >> 17, s ^= s << 5;
			chunk[i] = (unsigned char)s;
		}
		sum = fnv(sum, chunk, n);
		size_t off = 0;
		while (off < n) {
			if (polled) {
				int rev = wait_for(fd, POLLOUT);
				if (!rev || (rev & (POLLERR | POLLHUP))) {
					printf("upload %s events=%#x after %zu bytes\n", how, rev, sent + off);
					return 1;
				}
			}
			ssize_t w = send(fd, chunk + off, n - off, MSG_NOSIGNAL);
			if (w < 0 && polled && errno == EAGAIN)
				continue;
			if (w <= 0) {
				printf("upload send: %s after %zu bytes\n", errname(errno), sent + off);
				return 1;
			}
			off += (size_t)w;
		}
		sent += n;
	}
	char answer[32] = {0};
	size_t got = 0;
	while (got < 13) {
		if (polled) {
			int rev = wait_for(fd, POLLIN);
			if (!rev || (rev & POLLERR)) {
				printf("answer %s events=%#x\n", how, rev);
				return 1;
			}
		}
		ssize_t r = recv(fd, answer + got, 13 - got, 0);
		if (r < 0 && polled && errno == EAGAIN)
			continue;
		if (r <= 0) {
			printf("answer recv: ret=%zd %s\n", r, errname(errno));
			return 1;
		}
		got += (size_t)r;
	}
	char expect[32];
	snprintf(expect, sizeof(expect), "sum=%08x\n", sum);
	printf("uploaded %zu bytes, answer %s", total, strcmp(answer, expect) ? "WRONG\n" : "checksum ok\n");
	printf("time upload_ms=%lld\n", (long long)(now_ms() - start));
	return strcmp(answer, expect) != 0;
}

/* ---- the *mmsg and sendfile family -------------------------------------- */

/* recvmmsg waiting for an answer from the silent server. */
static int mode_recvmmsg(void)
{
	int fd = connected_socket(port);
	send(fd, "request", 7, 0);
	char buf[16];
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct mmsghdr mm = {.msg_hdr = {.msg_iov = &iov, .msg_iovlen = 1}};
	int64_t start = now_ms();
	errno = SENTINEL;
	long r = recvmmsg(fd, &mm, 1, MSG_WAITFORONE, NULL);
	line("recvmmsg", r, errno);
	printf("time elapsed_ms=%lld\n", (long long)(now_ms() - start));
	return 0;
}

/* Send to a peer that accepts and never reads (our own listener) until the
 * buffers are full: each call is bounded by the send cap. */
static int mode_stall(const char *how)
{
	struct sockaddr_in a = loopback(0);
	socklen_t alen = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	bind(lfd, (struct sockaddr *)&a, sizeof(a));
	listen(lfd, 1);
	getsockname(lfd, (struct sockaddr *)&a, &alen);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	connect(fd, (struct sockaddr *)&a, sizeof(a));
	int peer = accept(lfd, NULL, NULL);
	(void)peer;
	char path[] = "/tmp/kprobe-XXXXXX";
	int file = mkstemp(path);
	unlink(path);
	static char chunk[1 << 20];
	for (int i = 0; i < 64; i++)
		if (write(file, chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk))
			return 2;
	off_t off = 0;
	long r;
	int err, calls = 0;
	int64_t call_start;
	do {
		call_start = now_ms();
		errno = SENTINEL;
		if (!strcmp(how, "sendfile")) {
			r = sendfile(fd, file, &off, 64 << 20);
		} else {
			struct iovec iov = {.iov_base = chunk, .iov_len = sizeof(chunk)};
			struct mmsghdr mm = {.msg_hdr = {.msg_iov = &iov, .msg_iovlen = 1}};
			r = sendmmsg(fd, &mm, 1, 0);
		}
		err = errno;
		calls++;
	} while (r > 0 && calls < 200);
	line(how, r < 0 ? -1 : r, err);
	printf("time last_call_ms=%lld calls=%d\n", (long long)(now_ms() - call_start), calls);
	return 0;
}

/* ---- errno on success, every wrapper ------------------------------------ */

static int bad;

#define CHECK(name, call)                                                         \
	do {                                                                      \
		errno = SENTINEL;                                                 \
		long r_ = (long)(call);                                           \
		int e_ = errno;                                                   \
		if (r_ < 0 || e_ != SENTINEL) {                                   \
			printf("%-22s ret=%ld errno=%s\n", name, r_, errname(e_)); \
			bad = 1;                                                  \
		} else {                                                          \
			printf("%-22s ok\n", name);                               \
		}                                                                 \
		fflush(stdout);                                                   \
	} while (0)

static void *late_echo(void *arg)
{
	usleep(50 * 1000);
	send(*(int *)arg, "late", 4, MSG_NOSIGNAL);
	return NULL;
}

/* A byte arrives 50 ms after the wait starts (the probe's own listener). */
static int later(int fd)
{
	static int late_fd;
	late_fd = fd;
	pthread_t t;
	pthread_create(&t, NULL, late_echo, &late_fd);
	pthread_detach(t);
	return 0;
}

static void *drain_slowly(void *arg)
{
	static char buf[65536];
	usleep(100 * 1000);
	while (read(*(int *)arg, buf, sizeof(buf)) > 0)
		;
	return NULL;
}

static int mode_errno(void)
{
	/* The peer: our own listener; accepted sockets are not capped. */
	int lfd, fd, peer;
	struct sockaddr_in a = loopback(0);
	socklen_t alen = sizeof(a);
	CHECK("socket listen", lfd = socket(AF_INET, SOCK_STREAM, 0));
	CHECK("bind", bind(lfd, (struct sockaddr *)&a, sizeof(a)));
	CHECK("listen", listen(lfd, 8));
	CHECK("getsockname", getsockname(lfd, (struct sockaddr *)&a, &alen));
	CHECK("socket", fd = socket(AF_INET, SOCK_STREAM, 0));
	int one = 1;
	CHECK("setsockopt", setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	CHECK("connect blocking", connect(fd, (struct sockaddr *)&a, sizeof(a)));
	CHECK("accept", peer = accept(lfd, NULL, NULL));
	int v;
	socklen_t vl = sizeof(v);
	CHECK("getsockopt SO_ERROR", getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &vl));
	CHECK("fcntl F_GETFL", fcntl(fd, F_GETFL));
	CHECK("ioctl FIONBIO", ioctl(fd, FIONBIO, &(int){0}));
	char buf[65536];
	CHECK("send", send(fd, "a", 1, 0));
	CHECK("recv peer", recv(peer, buf, 1, 0));
	later(peer);
	CHECK("recv waiting", recv(fd, buf, 4, 0));
	later(peer);
	CHECK("read waiting", read(fd, buf, 4));
	later(peer);
	CHECK("recvfrom waiting", recvfrom(fd, buf, 4, 0, NULL, NULL));
	struct iovec iov = {.iov_base = buf, .iov_len = 4};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	later(peer);
	CHECK("recvmsg waiting", recvmsg(fd, &m, 0));
	later(peer);
	CHECK("readv waiting", readv(fd, &iov, 1));
	struct mmsghdr mm = {.msg_hdr = m};
	later(peer);
	CHECK("recvmmsg waiting", recvmmsg(fd, &mm, 1, MSG_WAITFORONE, NULL));
	struct pollfd p = {.fd = fd, .events = POLLIN};
	later(peer);
	CHECK("poll waiting", poll(&p, 1, 5000));
	CHECK("recv", recv(fd, buf, 4, 0));
	later(peer);
	CHECK("ppoll waiting", ppoll(&p, 1, NULL, NULL));
	CHECK("recv", recv(fd, buf, 4, 0));
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(fd, &rs);
	later(peer);
	CHECK("select waiting", select(fd + 1, &rs, NULL, NULL, &(struct timeval){5, 0}));
	CHECK("recv", recv(fd, buf, 4, 0));
	FD_SET(fd, &rs);
	later(peer);
	CHECK("pselect waiting", pselect(fd + 1, &rs, NULL, NULL, NULL, NULL));
	CHECK("recv", recv(fd, buf, 4, 0));
	int ep;
	CHECK("epoll_create1", ep = epoll_create1(0));
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
	CHECK("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	CHECK("send", send(fd, "b", 1, 0)); /* arms the response deadline */
	CHECK("recv peer", recv(peer, buf, 1, 0));
	later(peer);
	CHECK("epoll_wait waiting", epoll_wait(ep, &ev, 1, 5000));
	CHECK("recv", recv(fd, buf, 4, 0));
	later(peer);
	CHECK("epoll_pwait waiting", epoll_pwait(ep, &ev, 1, 5000, NULL));
	CHECK("recv", recv(fd, buf, 4, 0));
	CHECK("close epoll", close(ep));
	CHECK("write", write(fd, "c", 1));
	CHECK("writev", writev(fd, &iov, 1));
	CHECK("sendto", sendto(fd, "d", 1, 0, NULL, 0));
	CHECK("sendmsg", sendmsg(fd, &m, 0));
	struct mmsghdr sm = {.msg_hdr = m};
	CHECK("sendmmsg", sendmmsg(fd, &sm, 1, 0));
	char path[] = "/tmp/kprobe-XXXXXX";
	int file = mkstemp(path);
	unlink(path);
	CHECK("write file", write(file, "0123456789", 10));
	CHECK("sendfile", sendfile(fd, file, &(off_t){0}, 10));
	close(file);
	/* A send larger than the buffers: the blocking path waits for room
	 * while the peer drains. */
	static char big[8 << 20];
	int big_fd;
	CHECK("socket", big_fd = socket(AF_INET, SOCK_STREAM, 0));
	CHECK("connect", connect(big_fd, (struct sockaddr *)&a, sizeof(a)));
	int big_peer = accept(lfd, NULL, NULL);
	pthread_t drain;
	pthread_create(&drain, NULL, drain_slowly, &big_peer);
	CHECK("send blocking 8 MiB", send(big_fd, big, sizeof(big), 0));
	close(big_fd);
	pthread_join(drain, NULL);
	close(big_peer);
	/* A non-blocking connect waited for in poll, then connect() again. */
	int nb;
	CHECK("socket nonblocking", nb = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	errno = SENTINEL;
	connect(nb, (struct sockaddr *)&a, sizeof(a));
	struct pollfd np = {.fd = nb, .events = POLLOUT};
	CHECK("poll connect", poll(&np, 1, 5000));
	CHECK("connect again (done)", connect(nb, (struct sockaddr *)&a, sizeof(a)) == 0 ? 0 : -1);
	int d;
	CHECK("dup", d = dup(fd));
	CHECK("dup2", dup2(fd, d));
	CHECK("dup3", dup3(fd, d, O_CLOEXEC));
	CHECK("fcntl F_DUPFD", fcntl(fd, F_DUPFD, 100));
	CHECK("fcntl F_SETFL", fcntl(fd, F_SETFL, 0));
	CHECK("shutdown", shutdown(nb, SHUT_WR));
	CHECK("close dup", close(d));
	CHECK("close", close(fd));
	CHECK("close nonblocking", close(nb));
	printf("%s\n", bad ? "errno touched" : "errno untouched");
	return bad;
}

/* A request sent in two parts (headers, then body, as Python's http.client
 * and Perl's LWP send a POST) to a server that never answers: the response
 * deadline counts from the end of the request, the second part, so the
 * wait ends one cap after it.  how: "block" (recv) or "poll". */
static int mode_two_part_request(const char *how)
{
	int fd = connected_socket(port);
	int64_t start = now_ms();
	errno = SENTINEL;
	long r = send(fd, "POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\n", 40, 0);
	line("send headers", r, errno);
	errno = SENTINEL;
	r = send(fd, "{}", 2, 0);
	line("send body", r, errno);
	if (!strcmp(how, "poll")) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		errno = SENTINEL;
		r = poll(&p, 1, -1);
		printf("poll answer ret=%ld revents=0x%x\n", r, p.revents);
	} else {
		char buf[8];
		errno = SENTINEL;
		r = recv(fd, buf, sizeof(buf), 0);
		line("recv answer", r, errno);
	}
	printf("waited_ms=%lld\n", (long long)(now_ms() - start));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: kprobe MODE PORT [ARG]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	port = atoi(argv[2]);
	port2 = argc > 3 ? atoi(argv[3]) : 0;
	t0 = now_ms();
	const char *m = argv[1];
	if (!strcmp(m, "connect-block"))
		return mode_connect_block();
	if (!strcmp(m, "connect-poll"))
		return mode_connect_poll(true);
	if (!strcmp(m, "connect-poll-reconnect"))
		return mode_connect_poll(false);
	if (!strcmp(m, "connect-epoll"))
		return mode_connect_epoll();
	if (!strcmp(m, "connect-select"))
		return mode_connect_select();
	if (!strcmp(m, "jump-recv"))
		return mode_jump("recv");
	if (!strcmp(m, "jump-poll"))
		return mode_jump("poll");
	if (!strcmp(m, "cancel-recv"))
		return mode_cancel_recv();
	if (!strcmp(m, "eintr-connect"))
		return mode_eintr_connect();
	if (!strcmp(m, "abandon-connect-jump"))
		return mode_abandon_connect("jump");
	if (!strcmp(m, "abandon-connect-cancel"))
		return mode_abandon_connect("cancel");
	if (!strcmp(m, "race"))
		return mode_race();
	if (!strcmp(m, "upload-block"))
		return mode_upload("block", (size_t)port2 << 20);
	if (!strcmp(m, "upload-poll"))
		return mode_upload("poll", (size_t)port2 << 20);
	if (!strcmp(m, "upload-epoll"))
		return mode_upload("epoll", (size_t)port2 << 20);
	if (!strcmp(m, "two-part-block"))
		return mode_two_part_request("block");
	if (!strcmp(m, "two-part-poll"))
		return mode_two_part_request("poll");
	if (!strcmp(m, "recvmmsg"))
		return mode_recvmmsg();
	if (!strcmp(m, "stall-sendfile"))
		return mode_stall("sendfile");
	if (!strcmp(m, "stall-sendmmsg"))
		return mode_stall("sendmmsg");
	if (!strcmp(m, "errno"))
		return mode_errno();
	fprintf(stderr, "kprobe: unknown mode '%s'\n", m);
	return 2;
}
