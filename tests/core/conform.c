/* conform: scripted calls to every wrapped function, printing what the
 * program sees (return value, errno, bytes).  Run bare and with
 * libwaitcap.so preloaded, the outputs must be equal: with no deadline
 * passing, the library changes nothing.
 *
 * usage: conform GROUP   (recv recvfrom recvmsg read readv recv_chk
 *        recvfrom_chk read_chk send sendto sendmsg write writev connect
 *        accept poll ppoll poll_chk ppoll_chk select pselect fdops)
 *
 * Output has no fd numbers, ports or times: only what must not change. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

ssize_t __recv_chk(int, void *, size_t, size_t, int);
ssize_t __recvfrom_chk(int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *);
ssize_t __read_chk(int, void *, size_t, size_t);
int __poll_chk(struct pollfd *, nfds_t, int, size_t);
int __ppoll_chk(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *, size_t);

static void report(const char *what, long ret, const void *data, size_t len)
{
	int err = errno;
	printf("%-28s ret=%ld", what, ret);
	if (ret < 0)
		printf(" errno=%s", strerrorname_np(err) ? strerrorname_np(err) : "?");
	if (data && ret > 0) {
		printf(" data=");
		const unsigned char *d = data;
		for (size_t i = 0; i < len && i < (size_t)ret && i < 32; i++)
			printf("%c", d[i] >= 32 && d[i] < 127 ? d[i] : '.');
	}
	printf("\n");
	fflush(stdout);
}

static void msleep(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* ---- connections over TCP loopback: the client side is capped -------- */

static int listener(int *port)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bind(l, (struct sockaddr *)&a, sizeof(a));
	listen(l, 16);
	socklen_t len = sizeof(a);
	getsockname(l, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	return l;
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	return a;
}

/* A connected pair: *c connected by us (outbound), *s accepted. */
static void pair(int *c, int *s)
{
	int port, l = listener(&port);
	struct sockaddr_in a = loopback(port);
	*c = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(*c, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("connect");
		exit(2);
	}
	*s = accept(l, NULL, NULL);
	close(l);
}

static void reset_by_peer(int s)
{
	struct linger lg = {1, 0};
	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(s);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A signal in 50 ms, with no SA_RESTART: blocking calls see EINTR. */
static void interrupt_soon(void)
{
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {.it_value = {0, 50000}};
	setitimer(ITIMER_REAL, &it, NULL);
}

struct delayed {
	int fd;
	const char *data;
	int ms;
};

static void *send_later(void *arg)
{
	struct delayed *d = arg;
	msleep(d->ms);
	send(d->fd, d->data, strlen(d->data), 0);
	return NULL;
}

/* ---- read side --------------------------------------------------------- */

typedef ssize_t (*reader)(int fd, void *buf, size_t n, int flags);

static ssize_t r_recv(int fd, void *b, size_t n, int f) { return recv(fd, b, n, f); }
static ssize_t r_recvfrom(int fd, void *b, size_t n, int f)
{
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	return recvfrom(fd, b, n, f, (struct sockaddr *)&from, &len);
}
static ssize_t r_recvmsg(int fd, void *b, size_t n, int f)
{
	struct iovec iov[2] = {{b, n / 2}, {(char *)b + n / 2, n - n / 2}};
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
	return recvmsg(fd, &m, f);
}
static ssize_t r_read(int fd, void *b, size_t n, int f) { return read(fd, b, n); }
static ssize_t r_readv(int fd, void *b, size_t n, int f)
{
	struct iovec iov[2] = {{b, 3}, {(char *)b + 3, n - 3}};
	return readv(fd, iov, 2);
}
static ssize_t r_recv_chk(int fd, void *b, size_t n, int f) { return __recv_chk(fd, b, n, n, f); }
static ssize_t r_recvfrom_chk(int fd, void *b, size_t n, int f)
{
	return __recvfrom_chk(fd, b, n, n, f, NULL, NULL);
}
static ssize_t r_read_chk(int fd, void *b, size_t n, int f) { return __read_chk(fd, b, n, n); }

static void read_side(reader rd, int takes_flags)
{
	char buf[64];
	int c, s;
	ssize_t r;

	pair(&c, &s);
	send(s, "hello", 5, 0);
	msleep(20);
	r = rd(c, buf, sizeof(buf), 0);
	report("ready data", r, buf, sizeof(buf));

	if (takes_flags) {
		send(s, "peek", 4, 0);
		msleep(20);
		r = rd(c, buf, sizeof(buf), MSG_PEEK);
		report("MSG_PEEK", r, buf, sizeof(buf));
		r = rd(c, buf, sizeof(buf), 0);
		report("after peek", r, buf, sizeof(buf));

		struct delayed d = {s, "def", 100};
		pthread_t t;
		send(s, "abc", 3, 0);
		pthread_create(&t, NULL, send_later, &d);
		r = rd(c, buf, 6, MSG_WAITALL);
		report("MSG_WAITALL", r, buf, 6);
		pthread_join(t, NULL);

		r = rd(c, buf, sizeof(buf), MSG_DONTWAIT);
		report("MSG_DONTWAIT empty", r, NULL, 0);
	}

	/* Data arriving while the call blocks. */
	struct delayed d2 = {s, "late", 150};
	pthread_t t2;
	pthread_create(&t2, NULL, send_later, &d2);
	r = rd(c, buf, sizeof(buf), 0);
	report("blocked then data", r, buf, sizeof(buf));
	pthread_join(t2, NULL);

	fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
	r = rd(c, buf, sizeof(buf), 0);
	report("O_NONBLOCK empty", r, NULL, 0);
	fcntl(c, F_SETFL, fcntl(c, F_GETFL) & ~O_NONBLOCK);

	interrupt_soon();
	r = rd(c, buf, sizeof(buf), 0);
	report("EINTR", r, NULL, 0);

	struct timeval tv = {0, 100000};
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	r = rd(c, buf, sizeof(buf), 0);
	report("SO_RCVTIMEO 100ms", r, NULL, 0);
	tv.tv_usec = 0;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	send(s, "bye", 3, 0);
	close(s);
	msleep(20);
	r = rd(c, buf, sizeof(buf), 0);
	report("data before EOF", r, buf, sizeof(buf));
	r = rd(c, buf, sizeof(buf), 0);
	report("EOF", r, NULL, 0);
	close(c);

	pair(&c, &s);
	reset_by_peer(s);
	msleep(20);
	r = rd(c, buf, sizeof(buf), 0);
	report("ECONNRESET", r, NULL, 0);
	r = rd(c, buf, sizeof(buf), 0);
	report("after reset", r, NULL, 0);
	close(c);

	r = rd(c, buf, sizeof(buf), 0);
	report("EBADF (closed fd)", r, NULL, 0);
}

static void read_file(reader rd)
{
	char path[] = "/tmp/waitcap-conform-XXXXXX", buf[64];
	int fd = mkstemp(path);
	write(fd, "file data", 9);
	lseek(fd, 0, SEEK_SET);
	unlink(path);
	ssize_t r = rd(fd, buf, sizeof(buf), 0);
	report("regular file", r, buf, sizeof(buf));
	r = rd(fd, buf, sizeof(buf), 0);
	report("regular file EOF", r, NULL, 0);
	close(fd);
	int p[2];
	pipe(p);
	write(p[1], "pipe", 4);
	r = rd(p[0], buf, sizeof(buf), 0);
	report("pipe", r, buf, sizeof(buf));
	close(p[0]);
	close(p[1]);
}

/* ---- write side -------------------------------------------------------- */

typedef ssize_t (*writer)(int fd, const void *buf, size_t n, int flags);

static ssize_t w_send(int fd, const void *b, size_t n, int f) { return send(fd, b, n, f); }
static ssize_t w_sendto(int fd, const void *b, size_t n, int f)
{
	return sendto(fd, b, n, f, NULL, 0);
}
static ssize_t w_sendmsg(int fd, const void *b, size_t n, int f)
{
	struct iovec iov[2] = {{(void *)b, n / 2}, {(char *)b + n / 2, n - n / 2}};
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
	return sendmsg(fd, &m, f);
}
static ssize_t w_write(int fd, const void *b, size_t n, int f) { return write(fd, b, n); }
static ssize_t w_writev(int fd, const void *b, size_t n, int f)
{
	struct iovec iov[3] = {{(void *)b, n / 3}, {(char *)b + n / 3, n / 3},
			       {(char *)b + 2 * (n / 3), n - 2 * (n / 3)}};
	return writev(fd, iov, 3);
}

struct drain {
	int fd;
	size_t total;
	unsigned sum;
};

/* Reads slowly so that a large blocking send has to wait for room. */
static void *slow_drain(void *arg)
{
	struct drain *d = arg;
	char buf[65536];
	msleep(100);
	for (;;) {
		ssize_t n = recv(d->fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			d->sum = d->sum * 31 + (unsigned char)buf[i];
		d->total += (size_t)n;
	}
	return NULL;
}

static void write_side(writer wr, int takes_flags)
{
	char buf[64];
	int c, s;
	ssize_t r;

	pair(&c, &s);
	r = wr(c, "hello", 5, 0);
	report("send", r, NULL, 0);
	r = recv(s, buf, sizeof(buf), 0);
	report("peer got", r, buf, sizeof(buf));

	/* 4 MiB through a blocking send while the peer drains slowly. */
	size_t big = 4 << 20;
	char *data = malloc(big);
	unsigned sum = 0;
	for (size_t i = 0; i < big; i++) {
		data[i] = (char)(i * 7 + (i >> 12));
		sum = sum * 31 + (unsigned char)data[i];
	}
	struct drain d = {.fd = s};
	pthread_t t;
	pthread_create(&t, NULL, slow_drain, &d);
	r = wr(c, data, big, 0);
	report("blocking 4MiB", r, NULL, 0);
	shutdown(c, SHUT_WR);
	pthread_join(t, NULL);
	printf("%-28s total=%zu sum_ok=%d\n", "peer drained", d.total, d.sum == sum);

	/* Fill the buffer without blocking. */
	close(s);
	close(c);
	pair(&c, &s);
	fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
	int guard = 0;
	do
		r = wr(c, data, 65536, 0);
	while (r > 0 && ++guard < 4096);
	report("O_NONBLOCK full", r, NULL, 0);
	if (takes_flags) {
		fcntl(c, F_SETFL, fcntl(c, F_GETFL) & ~O_NONBLOCK);
		r = wr(c, data, 65536, MSG_DONTWAIT);
		report("MSG_DONTWAIT full", r, NULL, 0);
	}
	close(c);
	close(s);
	free(data);

	pair(&c, &s);
	reset_by_peer(s);
	msleep(20);
	signal(SIGPIPE, SIG_IGN);
	r = wr(c, "x", 1, 0);
	report("after peer reset", r, NULL, 0);
	r = wr(c, "x", 1, 0);
	report("again", r, NULL, 0);
	close(c);
	r = wr(c, "x", 1, 0);
	report("EBADF (closed fd)", r, NULL, 0);
}

/* ---- connect / accept -------------------------------------------------- */

static void connect_group(void)
{
	int port, l = listener(&port);
	struct sockaddr_in a = loopback(port);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	int r = connect(c, (struct sockaddr *)&a, sizeof(a));
	report("connect", r, NULL, 0);
	r = connect(c, (struct sockaddr *)&a, sizeof(a));
	report("connect again", r, NULL, 0);
	int ut = -1;
	socklen_t len = sizeof(ut);
	getsockopt(c, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, &len);
	printf("%-28s value=%d\n", "TCP_USER_TIMEOUT after", ut);
	close(c);

	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(c, (struct sockaddr *)&a, sizeof(a));
	report("non-blocking connect", r, NULL, 0);
	struct pollfd p = {c, POLLOUT, 0};
	r = poll(&p, 1, 1000);
	printf("%-28s ret=%d revents=%#x\n", "poll POLLOUT", r, p.revents);
	int soerr = -1;
	len = sizeof(soerr);
	getsockopt(c, SOL_SOCKET, SO_ERROR, &soerr, &len);
	printf("%-28s value=%d\n", "SO_ERROR", soerr);
	close(c);

	/* A port nobody listens on: bound by a socket of ours that does not
	 * listen, so no other program can take it while we connect (a port
	 * freed by a close could be). */
	int held = socket(AF_INET, SOCK_STREAM, 0);
	a = loopback(0);
	bind(held, (struct sockaddr *)&a, sizeof(a));
	len = sizeof(a);
	getsockname(held, (struct sockaddr *)&a, &len);
	c = socket(AF_INET, SOCK_STREAM, 0);
	r = connect(c, (struct sockaddr *)&a, sizeof(a));
	report("ECONNREFUSED", r, NULL, 0);
	close(c);
	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(c, (struct sockaddr *)&a, sizeof(a));
	report("non-blocking refused", r, NULL, 0);
	p = (struct pollfd){c, POLLOUT, 0};
	r = poll(&p, 1, 1000);
	printf("%-28s ret=%d revents=%#x\n", "poll refused", r, p.revents);
	len = sizeof(soerr);
	getsockopt(c, SOL_SOCKET, SO_ERROR, &soerr, &len);
	printf("%-28s value=%s\n", "SO_ERROR refused", strerrorname_np(soerr));
	close(c);
	r = connect(c, (struct sockaddr *)&a, sizeof(a));
	report("EBADF", r, NULL, 0);
	close(held);

	int u[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, u);
	r = connect(u[0], (struct sockaddr *)&a, sizeof(a));
	report("AF_UNIX with inet addr", r, NULL, 0);
	close(u[0]);
	close(u[1]);
	close(l);
}

static void accept_group(void)
{
	int port, l = listener(&port);
	struct sockaddr_in a = loopback(port);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&a, sizeof(a));
	int s = accept(l, NULL, NULL);
	report("accept", s >= 0 ? 0 : -1, NULL, 0);
	close(s);
	int c2 = socket(AF_INET, SOCK_STREAM, 0);
	connect(c2, (struct sockaddr *)&a, sizeof(a));
	s = accept4(l, NULL, NULL, SOCK_NONBLOCK);
	report("accept4", s >= 0 ? 0 : -1, NULL, 0);
	char buf[8];
	report("accepted is nonblock", recv(s, buf, sizeof(buf), 0), NULL, 0);
	close(s);
	fcntl(l, F_SETFL, O_NONBLOCK);
	report("accept none", accept(l, NULL, NULL), NULL, 0);
	fcntl(l, F_SETFL, 0);
	interrupt_soon();
	report("accept EINTR", accept(l, NULL, NULL), NULL, 0);
	close(c);
	close(c2);
	close(l);
	report("accept EBADF", accept(l, NULL, NULL), NULL, 0);
}

/* ---- poll family ------------------------------------------------------- */

typedef int (*poller)(struct pollfd *fds, nfds_t n, int timeout_ms);

static int p_poll(struct pollfd *f, nfds_t n, int t) { return poll(f, n, t); }
static int p_ppoll(struct pollfd *f, nfds_t n, int t)
{
	struct timespec ts = {t / 1000, (long)(t % 1000) * 1000000};
	return ppoll(f, n, t < 0 ? NULL : &ts, NULL);
}
static int p_poll_chk(struct pollfd *f, nfds_t n, int t)
{
	return __poll_chk(f, n, t, n * sizeof(*f));
}
static int p_ppoll_chk(struct pollfd *f, nfds_t n, int t)
{
	struct timespec ts = {t / 1000, (long)(t % 1000) * 1000000};
	return __ppoll_chk(f, n, t < 0 ? NULL : &ts, NULL, n * sizeof(*f));
}

static void poll_group(poller pl)
{
	int c, s;
	pair(&c, &s);
	int u[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, u);
	struct pollfd f[3] = {{c, POLLIN, 0}, {u[0], POLLIN, 0}, {999, POLLIN, 0}};
	int r = pl(f, 2, 0);
	printf("%-28s ret=%d rev=%#x,%#x\n", "nothing ready, 0", r, f[0].revents, f[1].revents);
	r = pl(f, 2, 100);
	printf("%-28s ret=%d rev=%#x,%#x\n", "timeout 100ms", r, f[0].revents, f[1].revents);
	send(c, "req", 3, 0); /* arms the response deadline */
	send(s, "x", 1, 0);
	r = pl(f, 2, 1000);
	printf("%-28s ret=%d rev=%#x,%#x\n", "socket ready", r, f[0].revents, f[1].revents);
	char buf[8];
	recv(c, buf, sizeof(buf), 0);
	write(u[1], "y", 1);
	r = pl(f, 3, 1000);
	printf("%-28s ret=%d rev=%#x,%#x,%#x\n", "unix ready + bad fd", r, f[0].revents,
	       f[1].revents, f[2].revents);
	read(u[0], buf, sizeof(buf));
	send(c, "req", 3, 0);
	interrupt_soon();
	r = pl(f, 2, 2000);
	report("EINTR", r, NULL, 0);
	struct delayed d = {s, "z", 100};
	pthread_t t;
	pthread_create(&t, NULL, send_later, &d);
	r = pl(f, 2, -1);
	printf("%-28s ret=%d rev=%#x,%#x\n", "infinite, data later", r, f[0].revents, f[1].revents);
	pthread_join(t, NULL);
	recv(c, buf, sizeof(buf), 0);
	close(s);
	r = pl(f, 1, 1000);
	printf("%-28s ret=%d rev=%#x\n", "peer closed", r, f[0].revents & (POLLIN | POLLHUP | POLLERR));
	close(c);
	close(u[0]);
	close(u[1]);
}

static void select_group(int use_pselect)
{
	int c, s;
	pair(&c, &s);
	fd_set r;
	struct timeval tv;
	struct timespec ts;
#define SEL(ms)                                                                                  \
	(tv = (struct timeval){(ms) / 1000, ((ms) % 1000) * 1000},                               \
	 ts = (struct timespec){(ms) / 1000, (long)((ms) % 1000) * 1000000},                     \
	 use_pselect ? pselect(c + 1, &r, NULL, NULL, (ms) < 0 ? NULL : &ts, NULL)               \
		     : select(c + 1, &r, NULL, NULL, (ms) < 0 ? NULL : &tv))
	FD_ZERO(&r);
	FD_SET(c, &r);
	int n = SEL(100);
	printf("%-28s ret=%d set=%d tv_zero=%d\n", "timeout 100ms", n, FD_ISSET(c, &r),
	       use_pselect || (tv.tv_sec == 0 && tv.tv_usec == 0));
	send(c, "req", 3, 0);
	send(s, "x", 1, 0);
	FD_ZERO(&r);
	FD_SET(c, &r);
	n = SEL(1000);
	printf("%-28s ret=%d set=%d\n", "ready", n, FD_ISSET(c, &r));
	char buf[8];
	recv(c, buf, sizeof(buf), 0);
	FD_ZERO(&r);
	FD_SET(c, &r);
	interrupt_soon();
	n = SEL(2000);
	report("EINTR", n, NULL, 0);
	fd_set w;
	FD_ZERO(&w);
	FD_SET(c, &w);
	tv = (struct timeval){1, 0};
	n = select(c + 1, NULL, &w, NULL, &tv);
	printf("%-28s ret=%d set=%d\n", "writable", n, FD_ISSET(c, &w));
	close(s);
	close(c);
	FD_ZERO(&r);
	FD_SET(c, &r);
	n = SEL(10);
	report("EBADF", n, NULL, 0);
#undef SEL
}

/* ---- fd bookkeeping ---------------------------------------------------- */

static void fdops_group(void)
{
	int c, s;
	pair(&c, &s);
	int d = dup(c);
	report("dup", d >= 0 ? 0 : -1, NULL, 0);
	send(s, "dup", 3, 0);
	char buf[8];
	report("recv on dup", recv(d, buf, sizeof(buf), 0), buf, sizeof(buf));
	int d2 = dup2(c, 100);
	report("dup2", d2, NULL, 0);
	int d3 = dup3(c, 101, O_CLOEXEC);
	report("dup3", d3, NULL, 0);
	report("dup3 same fd", dup3(c, c, 0), NULL, 0);
	int d4 = fcntl(c, F_DUPFD_CLOEXEC, 200);
	report("F_DUPFD_CLOEXEC", d4, NULL, 0);
	close(c);
	send(s, "still", 5, 0);
	report("recv after closing original", recv(d2, buf, sizeof(buf), 0), buf, sizeof(buf));
	int on = 1;
	report("FIONBIO", ioctl(d2, FIONBIO, &on), NULL, 0);
	report("recv nonblock empty", recv(d2, buf, sizeof(buf), 0), NULL, 0);
	on = 0;
	ioctl(d2, FIONBIO, &on);
	report("F_GETFL nonblock", fcntl(d2, F_GETFL) & O_NONBLOCK, NULL, 0);
	struct timeval tv = {3, 250000}, got;
	report("SO_RCVTIMEO set", setsockopt(d2, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), NULL, 0);
	socklen_t len = sizeof(got);
	getsockopt(d2, SOL_SOCKET, SO_RCVTIMEO, &got, &len);
	printf("%-28s %ld.%06ld\n", "SO_RCVTIMEO get", (long)got.tv_sec, (long)got.tv_usec);
	int ut = 1234;
	setsockopt(d2, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, sizeof(ut));
	ut = 0;
	len = sizeof(ut);
	getsockopt(d2, IPPROTO_TCP, TCP_USER_TIMEOUT, &ut, &len);
	printf("%-28s value=%d\n", "TCP_USER_TIMEOUT", ut);
	report("setsockopt EBADF", setsockopt(999, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), NULL, 0);
	report("getsockopt ENOTSOCK", getsockopt(0, SOL_SOCKET, SO_ERROR, &ut, &len), NULL, 0);
	report("close", close(d), NULL, 0);
	report("close again", close(d), NULL, 0);
	close(d2);
	close(d3);
	close(d4);
	close(s);
	int sv[2];
	report("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv), NULL, 0);
	report("socket bad domain", socket(12345, SOCK_STREAM, 0), NULL, 0);
	report("close_range", close_range((unsigned)sv[0], (unsigned)sv[1], 0), NULL, 0);
	report("closed by range", write(sv[0], "x", 1), NULL, 0);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: conform GROUP\n");
		return 2;
	}
	const char *g = argv[1];
	static const struct {
		const char *name;
		reader rd;
		int flags, file;
	} readers[] = {
		{"recv", r_recv, 1, 0}, {"recvfrom", r_recvfrom, 1, 0}, {"recvmsg", r_recvmsg, 1, 0},
		{"read", r_read, 0, 1}, {"readv", r_readv, 0, 1}, {"recv_chk", r_recv_chk, 1, 0},
		{"recvfrom_chk", r_recvfrom_chk, 1, 0}, {"read_chk", r_read_chk, 0, 1},
	};
	static const struct {
		const char *name;
		writer wr;
		int flags;
	} writers[] = {
		{"send", w_send, 1}, {"sendto", w_sendto, 1}, {"sendmsg", w_sendmsg, 1},
		{"write", w_write, 0}, {"writev", w_writev, 0},
	};
	static const struct {
		const char *name;
		poller pl;
	} pollers[] = {
		{"poll", p_poll}, {"ppoll", p_ppoll}, {"poll_chk", p_poll_chk}, {"ppoll_chk", p_ppoll_chk},
	};
	for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++)
		if (!strcmp(g, readers[i].name)) {
			read_side(readers[i].rd, readers[i].flags);
			if (readers[i].file)
				read_file(readers[i].rd);
			return 0;
		}
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
		if (!strcmp(g, writers[i].name)) {
			write_side(writers[i].wr, writers[i].flags);
			return 0;
		}
	for (size_t i = 0; i < sizeof(pollers) / sizeof(pollers[0]); i++)
		if (!strcmp(g, pollers[i].name)) {
			poll_group(pollers[i].pl);
			return 0;
		}
	if (!strcmp(g, "select") || !strcmp(g, "pselect")) {
		select_group(!strcmp(g, "pselect"));
		return 0;
	}
	if (!strcmp(g, "connect"))
		connect_group();
	else if (!strcmp(g, "accept"))
		accept_group();
	else if (!strcmp(g, "fdops"))
		fdops_group();
	else {
		fprintf(stderr, "conform: unknown group '%s'\n", g);
		return 2;
	}
	return 0;
}
