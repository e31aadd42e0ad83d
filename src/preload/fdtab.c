/* fd bookkeeping: the table, lazy classification, copies on dup. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "fdtab.h"
#include "real.h"

struct wc_fd *wc_fdtab;
unsigned int wc_fdtab_size;

#define WC_FDTAB_MIN 1024u
#define WC_FDTAB_MAX (1u << 20) /* fds above this pass through */

_Static_assert(sizeof(struct wc_fd) % sizeof(uint64_t) == 0, "slots copy word by word");
_Static_assert(sizeof(struct wc_fd) == 160, "fd * 160 is lea+shl on every wrapped call: re-pad a new field (fdtab.h)");
#define WC_FD_WORDS (sizeof(struct wc_fd) / sizeof(uint64_t))

int wc_fdtab_init(void)
{
	struct rlimit rl;
	rlim_t n = WC_FDTAB_MIN;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		n = rl.rlim_max == RLIM_INFINITY ? WC_FDTAB_MAX : rl.rlim_max;
	if (n < WC_FDTAB_MIN)
		n = WC_FDTAB_MIN;
	if (n > WC_FDTAB_MAX)
		n = WC_FDTAB_MAX;
	void *table = mmap(NULL, n * sizeof(struct wc_fd), PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (table == MAP_FAILED)
		return -1;
	wc_fdtab = table;
	wc_fdtab_size = (unsigned int)n;
	return 0;
}

void wc_fd_classify(int fd, struct wc_fd *e)
{
	int saved = errno;
	int domain = 0, type = 0, listening = 0;
	socklen_t len = sizeof(domain);
	if (real_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) {
		if (errno == ENOTSOCK)
			ST(e->kind, WC_KIND_OTHER);
		errno = saved; /* EBADF: stays unknown until the fd exists */
		return;
	}
	if (domain != AF_INET && domain != AF_INET6) {
		ST(e->kind, WC_KIND_OTHER);
		errno = saved;
		return;
	}
	len = sizeof(type);
	real_getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
	len = sizeof(listening);
	real_getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len);
	int fl = real_fcntl(fd, F_GETFL);
	ST(e->family, (uint8_t)domain);
	ST(e->role, listening ? WC_ROLE_LISTENING : WC_ROLE_UNKNOWN);
	ST(e->rule, -1);
	uint8_t flags = 0;
	if (fl >= 0 && (fl & O_NONBLOCK))
		flags |= WC_F_NONBLOCK;
	if (type == SOCK_STREAM)
		flags |= WC_F_STREAM;
	ST(e->flags, flags);
	ST(e->kind, WC_KIND_NET);
	errno = saved;
}

void wc_fd_reset(int fd)
{
	struct wc_fd *e = wc_fd_slot(fd);
	if (!e)
		return;
	uint64_t *w = (uint64_t *)e;
	for (size_t i = 0; i < WC_FD_WORDS; i++)
		ST(w[i], 0);
}

void wc_fd_copy(int from, int to)
{
	struct wc_fd *src = wc_fd_slot(from), *dst = wc_fd_slot(to);
	if (!dst)
		return;
	if (!src) {
		wc_fd_reset(to);
		return;
	}
	uint64_t *s = (uint64_t *)src, *d = (uint64_t *)dst;
	/* Word 0 holds the kind: write it last so a reader never sees a
	 * classified slot with the previous fd's other fields. */
	ST(d[0], 0);
	for (size_t i = 1; i < WC_FD_WORDS; i++)
		ST(d[i], LD(s[i]));
	ST(d[0], LD(s[0]));
}

void wc_fd_new_socket(int fd, int domain, int type)
{
	struct wc_fd *e = wc_fd_slot(fd);
	if (!e)
		return;
	wc_fd_reset(fd);
	if (domain != AF_INET && domain != AF_INET6) {
		ST(e->kind, WC_KIND_OTHER);
		return;
	}
	uint8_t flags = 0;
	if (type & SOCK_NONBLOCK)
		flags |= WC_F_NONBLOCK;
	if ((type & 0xf) == SOCK_STREAM)
		flags |= WC_F_STREAM;
	static uint64_t last_ident;
	ST(e->ident, __atomic_add_fetch(&last_ident, 1, __ATOMIC_RELAXED));
	ST(e->family, (uint8_t)domain);
	ST(e->role, WC_ROLE_NONE);
	ST(e->rule, -1);
	ST(e->flags, flags);
	ST(e->kind, WC_KIND_NET);
}

void wc_fd_set_nonblock(int fd, bool on)
{
	struct wc_fd *e = wc_fd_slot(fd);
	if (e && LD(e->kind) == WC_KIND_NET)
		wc_fd_set_flag(e, WC_F_NONBLOCK, on);
}

/* Append src to buf[*pos] within len; no stdio on the tracing path. */
static void append(char *buf, unsigned long len, unsigned long *pos, const char *src)
{
	while (*src && *pos + 1 < len)
		buf[(*pos)++] = *src++;
	buf[*pos] = '\0';
}

void wc_fd_peer_string(const struct wc_fd *e, char *buf, unsigned long len)
{
	char addr[INET6_ADDRSTRLEN], port[8];
	unsigned long pos = 0;
	buf[0] = '\0';
	if (e == NULL || LD(e->peer_port) == 0)
		return;
	int family = LD(e->family);
	uint64_t raw[2] = {LD(e->peer_addr[0]), LD(e->peer_addr[1])};
	if (!inet_ntop(family, raw, addr, sizeof(addr)))
		return;
	unsigned p = LD(e->peer_port), i = sizeof(port) - 1;
	port[i] = '\0';
	do {
		port[--i] = (char)('0' + p % 10);
		p /= 10;
	} while (p && i > 0);
	append(buf, len, &pos, family == AF_INET6 ? "[" : "");
	append(buf, len, &pos, addr);
	append(buf, len, &pos, family == AF_INET6 ? "]:" : ":");
	append(buf, len, &pos, port + i);
}

void wc_fd_set_peer(struct wc_fd *e, const void *addr, unsigned long len, uint16_t port)
{
	uint64_t raw[2] = {0, 0};
	memcpy(raw, addr, len < sizeof(raw) ? len : sizeof(raw));
	ST(e->peer_addr[0], raw[0]);
	ST(e->peer_addr[1], raw[1]);
	ST(e->peer_port, port);
}

bool wc_fd_same_peer(const struct wc_fd *e, const struct sockaddr *addr, unsigned long len)
{
	uint64_t raw[2] = {0, 0};
	uint16_t port;
	if (addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)addr;
		memcpy(raw, &in->sin_addr, 4);
		port = ntohs(in->sin_port);
	} else if (addr->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)addr;
		memcpy(raw, &in6->sin6_addr, 16);
		port = ntohs(in6->sin6_port);
	} else {
		return false;
	}
	return port == LD(e->peer_port) && raw[0] == LD(e->peer_addr[0]) &&
	       raw[1] == LD(e->peer_addr[1]);
}

const char *wc_fd_rule_name(const struct wc_fd *e)
{
	/* After a reload the index may name the new policy's rule of that
	 * number: rules keep their order unless the file reorders them. */
	const struct wc_policy *p = wc_policy_now();
	int rule = e ? LD(e->rule) : -1;
	if (rule < 0 || rule >= p->nrules)
		return "";
	return p->rules[rule].name;
}
