/* Resolver calls with a transcript: every result, error code, errno and
 * h_errno printed, so that a run under the library can be compared with a
 * bare run line by line.
 *
 *   resolve_probe transcript    the conformance battery (see main)
 *   resolve_probe lookup NAME   one getaddrinfo from lookup_for_trace(),
 *                               prints "rc MS" (the call's own duration) */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* errno before every call: a wrapper that touches it on success shows. */
#define SENTINEL 4242

static void print_ai(const char *what, int rc, int err, struct addrinfo *res)
{
	printf("%s: rc=%d (%s) errno=%d\n", what, rc, rc ? gai_strerror(rc) : "ok",
	       err);
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		char addr[INET6_ADDRSTRLEN] = "?";
		int port = 0;
		if (a->ai_family == AF_INET) {
			struct sockaddr_in *s = (struct sockaddr_in *)a->ai_addr;
			inet_ntop(AF_INET, &s->sin_addr, addr, sizeof addr);
			port = ntohs(s->sin_port);
		} else if (a->ai_family == AF_INET6) {
			struct sockaddr_in6 *s = (struct sockaddr_in6 *)a->ai_addr;
			inet_ntop(AF_INET6, &s->sin6_addr, addr, sizeof addr);
			port = ntohs(s->sin6_port);
		}
		printf("  family=%d type=%d proto=%d addr=%s port=%d canon=%s\n", a->ai_family,
		       a->ai_socktype, a->ai_protocol, addr, port,
		       a->ai_canonname ? a->ai_canonname : "-");
	}
}

static void gai(const char *node, const char *service, int family, int socktype, int flags)
{
	struct addrinfo hints = {.ai_family = family, .ai_socktype = socktype, .ai_flags = flags};
	struct addrinfo *res = NULL;
	errno = SENTINEL;
	int rc = getaddrinfo(node, service, &hints, &res);
	int err = errno;
	char what[256];
	snprintf(what, sizeof what, "getaddrinfo(%s, %s, family=%d, type=%d, flags=%#x)",
		 node ? node : "NULL", service ? service : "NULL", family, socktype, flags);
	print_ai(what, rc, err, res);
	if (rc == 0)
		freeaddrinfo(res);
}

static void print_hostent(const char *what, const struct hostent *h, int err, int herr)
{
	printf("%s: %s errno=%d h_errno=%d\n", what, h ? "found" : "NULL", err, herr);
	if (!h)
		return;
	printf("  name=%s type=%d len=%d\n", h->h_name, h->h_addrtype, h->h_length);
	for (char **a = h->h_aliases; *a; a++)
		printf("  alias=%s\n", *a);
	for (char **a = h->h_addr_list; *a; a++) {
		char addr[INET6_ADDRSTRLEN];
		inet_ntop(h->h_addrtype, *a, addr, sizeof addr);
		printf("  addr=%s\n", addr);
	}
}

static void ghbn(const char *name)
{
	errno = SENTINEL;
	h_errno = 77;
	struct hostent *h = gethostbyname(name);
	int err = errno, herr = h_errno;
	char what[128];
	snprintf(what, sizeof what, "gethostbyname(%s)", name);
	print_hostent(what, h, err, herr);
}

static void ghbn2(const char *name, int af)
{
	errno = SENTINEL;
	h_errno = 77;
	struct hostent *h = gethostbyname2(name, af);
	int err = errno, herr = h_errno;
	char what[128];
	snprintf(what, sizeof what, "gethostbyname2(%s, %d)", name, af);
	print_hostent(what, h, err, herr);
}

static void ghbn_r(const char *name, size_t buflen, int af)
{
	char buf[8192];
	struct hostent he, *result = (struct hostent *)1;
	int herr = 77;
	errno = SENTINEL;
	int rc = af ? gethostbyname2_r(name, af, &he, buf, buflen, &result, &herr)
		    : gethostbyname_r(name, &he, buf, buflen, &result, &herr);
	int err = errno;
	char what[160];
	snprintf(what, sizeof what, "gethostbyname%s_r(%s, buflen=%zu): rc=%d", af ? "2" : "",
		 name, buflen, rc);
	print_hostent(what, rc == 0 ? result : NULL, err, herr);
}

static void gni(const char *addr, socklen_t salen, int flags)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(80)};
	inet_pton(AF_INET, addr, &sa.sin_addr);
	char host[NI_MAXHOST] = "", serv[NI_MAXSERV] = "";
	errno = SENTINEL;
	int rc = getnameinfo((struct sockaddr *)&sa, salen, host, sizeof host, serv, sizeof serv,
			     flags);
	int err = errno;
	printf("getnameinfo(%s, salen=%u, flags=%#x): rc=%d (%s) errno=%d host=%s serv=%s\n", addr,
	       (unsigned)salen, flags, rc, rc ? gai_strerror(rc) : "ok", err, host, serv);
}

__attribute__((noinline)) static int lookup_for_trace(const char *name)
{
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	int rc = getaddrinfo(name, "80", &hints, &res);
	if (rc == 0)
		freeaddrinfo(res);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "lookup")) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		int rc = lookup_for_trace(argv[2]);
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("%d %lld\n", rc,
		       (long long)((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000));
		return 0;
	}
	if (argc != 3 || strcmp(argv[1], "transcript")) {
		fprintf(stderr, "usage: resolve_probe transcript NAME | lookup NAME\n");
		return 2;
	}
	const char *name = argv[2]; /* known to the name server */
	/* found */
	gai(name, "80", AF_INET, SOCK_STREAM, 0);
	gai(name, "http", AF_UNSPEC, 0, AI_CANONNAME);
	gai("localhost", "80", AF_UNSPEC, SOCK_STREAM, 0);
	gai("10.1.2.3", NULL, AF_INET, 0, AI_NUMERICHOST);
	gai(NULL, "8080", AF_INET, SOCK_STREAM, AI_PASSIVE);
	/* not found */
	gai("nothere.test", "80", AF_INET, SOCK_STREAM, 0);
	gai("nothere.test", NULL, AF_UNSPEC, 0, AI_CANONNAME);
	gai("localhost", NULL, AF_INET6, 0, AI_ADDRCONFIG);
	/* bad input */
	gai(NULL, NULL, AF_UNSPEC, 0, 0);
	gai(name, "80", AF_INET, SOCK_STREAM, 0x10000);
	gai(name, "80", 12345, SOCK_STREAM, 0);
	gai(name, "no-such-service", AF_INET, SOCK_STREAM, 0);
	gai("not numeric", NULL, AF_INET, 0, AI_NUMERICHOST);
	gai(name, "80", AF_INET, SOCK_RAW, 0);
	/* the older interfaces */
	ghbn(name);
	ghbn("nothere.test");
	ghbn("localhost");
	ghbn2(name, AF_INET);
	ghbn2(name, AF_INET6);
	ghbn2(name, 12345);
	ghbn_r(name, sizeof(char[8192]), 0);
	ghbn_r(name, 8, 0);
	ghbn_r("nothere.test", 8192, 0);
	ghbn_r(name, 8192, AF_INET);
	ghbn_r(name, 8192, AF_INET6);
	gni("127.0.0.1", sizeof(struct sockaddr_in), NI_NUMERICHOST | NI_NUMERICSERV);
	gni("127.0.0.1", sizeof(struct sockaddr_in), NI_NAMEREQD);
	gni("10.1.2.3", sizeof(struct sockaddr_in), 0);
	gni("127.0.0.1", 3, 0);
	return 0;
}
