/* A loopback echo server for any number of clients (epoll, one thread).
 *
 * Usage: echo_server [PORT]   (0 or none: an ephemeral port)
 * Prints the port on stdout, then echoes every byte back until killed or
 * until its parent (the test, the benchmark script) is gone.
 * The tests' pooled-connection case and the epoll benchmark need more
 * clients than the shared loopback peers hold. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int listen_on(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 1024) != 0) {
		perror("echo_server: listen on 127.0.0.1");
		exit(1);
	}
	return fd;
}

static void accept_all(int ep, int lfd)
{
	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0)
			return;
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = c};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) != 0)
			close(c);
	}
}

/* Echo what is there; a client that cannot take it all right now gets
 * the rest with a blocking-free retry loop bounded by its buffer. */
static void echo(int fd)
{
	char buf[65536];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		close(fd);
		return;
	}
	for (ssize_t off = 0; n > 0 && off < n;) {
		ssize_t w = send(fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
		if (w > 0)
			off += w;
		else if (w < 0 && errno != EAGAIN && errno != EINTR)
			break;
	}
}

int main(int argc, char **argv)
{
	pid_t parent = getppid();
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		return 0; /* the parent died before the line above */
	int lfd = listen_on(argc > 1 ? atoi(argv[1]) : 0);
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	getsockname(lfd, (struct sockaddr *)&a, &len);
	printf("%d\n", ntohs(a.sin_port));
	fflush(stdout);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	struct epoll_event evs[256];
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == lfd)
				accept_all(ep, lfd);
			else
				echo(evs[i].data.fd);
		}
	}
}
