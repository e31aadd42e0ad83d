/* Name resolution: getaddrinfo, getnameinfo, gethostbyname{,2}{,_r}.
 *
 * glibc's resolver makes its socket calls inside libc, where no wrapper
 * sees them, so a lookup is bounded by the resolver's own options instead:
 * the resolve cap becomes RES_OPTIONS "timeout:T attempts:A", set once in
 * the environment at start (before the program's first lookup loads the
 * resolver's configuration).  Options the environment or /etc/resolv.conf
 * already give win.  The wrappers only time the lookup (the op "resolve")
 * and pass everything through untouched: result, return value, errno and
 * h_errno are libc's. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "real.h"
#include "resolve.h"
#include "resolve_watch.h"
#include "wait.h"

/* The cap in force (WC_NO_CAP: none, or a legacy flag) and the timeout the
 * library set for it (0: the environment or resolv.conf gave one). */
static int32_t resolve_cap_ms = WC_NO_CAP;
static int resolve_timeout_s;

/* ---- start: the resolver's options ------------------------------------ */

/* /etc/resolv.conf's text into buf ("" when unreadable). */
static void read_resolv_conf(char *buf, size_t size)
{
	buf[0] = 0;
	int fd = open(_PATH_RESCONF, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	size_t used = 0;
	ssize_t n;
	while (used + 1 < size && (n = real_read(fd, buf + used, size - 1 - used)) > 0)
		used += (size_t)n;
	buf[used] = 0;
	real_close(fd);
}

/* A parent running the library left RES_OPTIONS set for its own cap (the
 * environment is inherited): WAITCAP_RES_OPTIONS says what it set and
 * WAITCAP_RES_OPTIONS_BEFORE what was there before.  While RES_OPTIONS is
 * still the parent's value, this process starts from the value before, so
 * that its own cap (or a legacy flag: none) applies, not the parent's; a
 * RES_OPTIONS changed since (env RES_OPTIONS=... CMD) is the user's. */
#define SET_MARK "WAITCAP_RES_OPTIONS"
#define BEFORE_MARK "WAITCAP_RES_OPTIONS_BEFORE"

static const char *res_options_before_us(void)
{
	const char *env = getenv("RES_OPTIONS"), *set = getenv(SET_MARK);
	const char *before = getenv(BEFORE_MARK);
	if (!env || !set || !before || strcmp(env, set) != 0)
		return env;
	if (before[0])
		setenv("RES_OPTIONS", before, 1);
	else
		unsetenv("RES_OPTIONS");
	unsetenv(SET_MARK);
	unsetenv(BEFORE_MARK);
	return getenv("RES_OPTIONS");
}

void wc_resolve_init(const struct wc_policy *policy)
{
	const char *env = res_options_before_us();
	int32_t cap = policy->legacy || policy->error[0] ? WC_NO_CAP : policy->caps.ms[WC_OP_RESOLVE];
	if (cap == WC_NO_CAP)
		return;
	static char conf[16384]; /* once, at start: not on any thread's stack */
	char value[512];
	read_resolv_conf(conf, sizeof conf);
	int timeout_s, attempts;
	wc_resolver_knobs(cap, &timeout_s, &attempts);
	int added = wc_resolver_env(cap, env, conf, value, sizeof value);
	if (added && setenv(BEFORE_MARK, env ? env : "", 1) == 0 && setenv(SET_MARK, value, 1) == 0 &&
	    setenv("RES_OPTIONS", value, 1) == 0) {
		if (added & WC_RESOLVER_SET_TIMEOUT)
			resolve_timeout_s = timeout_s;
		/* A resolver initialised before us (another preloaded library's
		 * constructor) reloads this thread's state and sees them too. */
		if (_res.options & RES_INIT)
			res_init();
	}
	if (wc_resolver_has_option(added ? value : env, conf, "use-vc"))
		wc_resolve_watch_enable();
	resolve_cap_ms = cap;
}

/* ---- what a lookup taught: address → name (names.h) ----------------- */

/* At most this many addresses of one answer are learnt: a name with more
 * would only churn the table. */
#define LEARN_MAX 16

static void learn_addrinfo(const char *node, const struct addrinfo *ai)
{
	int n = 0;
	for (; ai && n < LEARN_MAX; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET && ai->ai_addr &&
		    ai->ai_addrlen >= sizeof(struct sockaddr_in))
			wc_names_learn(node, AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
		else if (ai->ai_family == AF_INET6 && ai->ai_addr &&
			 ai->ai_addrlen >= sizeof(struct sockaddr_in6))
			wc_names_learn(node, AF_INET6,
				       &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
		else
			continue;
		n++;
	}
}

/* The name asked, not h_name (the canonical name behind a CNAME): rules
 * are written with the names programs use. */
static void learn_hostent(const char *name, const struct hostent *h)
{
	if (!h || !h->h_addr_list)
		return;
	for (int i = 0; i < LEARN_MAX && h->h_addr_list[i]; i++)
		wc_names_learn(name, h->h_addrtype, h->h_addr_list[i], (size_t)h->h_length);
}

/* ---- one lookup ------------------------------------------------------- */

/* Returns the watcher's slot for the lookup (-1: not watched). */
static inline int resolve_begin(struct wc_wait *w, const char *func, const char *name, void *ip)
{
	/* The clock is read only when the lookup may be capped or is traced:
	 * a lookup costs microseconds to seconds, a clock read 20 ns. */
	wc_wait_begin(w, WC_OP_RESOLVE, func, ip, -1, NULL, -1,
		      resolve_cap_ms != WC_NO_CAP ? wc_now_ns() : 0);
	w->cap_ms = resolve_cap_ms;
	w->name = name;
	return resolve_cap_ms != WC_NO_CAP ? wc_resolve_watch_arm(w->begun + resolve_cap_ms * WC_MS)
					   : -1;
}

/* ret: 0 when found, else the failure as docs/tracing.md gives it; again:
 * it failed for want of an answer (EAI_AGAIN, TRY_AGAIN), which after at
 * least one resolver timeout of ours is the cap at work. */
static void resolve_end(struct wc_wait *w, int slot, int64_t ret, int err, bool again)
{
	wc_resolve_watch_disarm(slot);
	enum wc_outcome outcome = WC_OUT_READY;
	if (ret != 0) {
		outcome = WC_OUT_ERROR;
		int64_t begun = w->begun ? w->begun : w->start;
		if (again && resolve_timeout_s && begun &&
		    wc_now_ns() - begun >= resolve_timeout_s * 1000 * WC_MS - 50 * WC_MS)
			outcome = WC_OUT_CAPPED;
	}
	wc_wait_end(w, ret, err, outcome);
}

int wc_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		   struct addrinfo **res, void *ip)
{
	wc_real_ensure();
	if (!wc_active())
		return real_getaddrinfo(node, service, hints, res);
	struct wc_wait w;
	int slot = resolve_begin(&w, "getaddrinfo", node, ip);
	int rc = real_getaddrinfo(node, service, hints, res);
	int err = errno;
	if (rc == 0 && res)
		learn_addrinfo(node, *res);
	resolve_end(&w, slot, rc, rc == EAI_SYSTEM ? err : 0, rc == EAI_AGAIN);
	errno = err;
	return rc;
}

int wc_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
		   char *serv, socklen_t servlen, int flags, void *ip)
{
	wc_real_ensure();
	if (!wc_active())
		return real_getnameinfo(sa, salen, host, hostlen, serv, servlen, flags);
	struct wc_wait w;
	int slot = resolve_begin(&w, "getnameinfo", NULL, ip);
	/* The address asked, as text, only for a trace. */
	char addr[INET6_ADDRSTRLEN] = "";
	if (w.start && sa && salen >= sizeof(struct sockaddr_in)) {
		int saved = errno;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, addr, sizeof addr);
		else if (sa->sa_family == AF_INET6 && salen >= sizeof(struct sockaddr_in6))
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, addr, sizeof addr);
		errno = saved;
		w.name = addr;
	}
	int rc = real_getnameinfo(sa, salen, host, hostlen, serv, servlen, flags);
	int err = errno;
	resolve_end(&w, slot, rc, rc == EAI_SYSTEM ? err : 0, rc == EAI_AGAIN);
	errno = err;
	return rc;
}

/* gethostbyname*: ret is 0 when found, else -h_errno (HOST_NOT_FOUND -1,
 * TRY_AGAIN -2, NO_RECOVERY -3, NO_DATA -4); h_errno stays libc's. */
static struct hostent *hostent_end(struct wc_wait *w, int slot, const char *name,
				   struct hostent *h)
{
	int err = errno, herr = h_errno;
	learn_hostent(name, h);
	int64_t ret = h ? 0 : -(int64_t)(herr > 0 ? herr : NO_RECOVERY);
	resolve_end(w, slot, ret, 0, !h && herr == TRY_AGAIN);
	h_errno = herr;
	errno = err;
	return h;
}

struct hostent *wc_gethostbyname(const char *name, void *ip)
{
	wc_real_ensure();
	if (!wc_active())
		return real_gethostbyname(name);
	struct wc_wait w;
	int slot = resolve_begin(&w, "gethostbyname", name, ip);
	return hostent_end(&w, slot, name, real_gethostbyname(name));
}

struct hostent *wc_gethostbyname2(const char *name, int af, void *ip)
{
	wc_real_ensure();
	if (!wc_active())
		return real_gethostbyname2(name, af);
	struct wc_wait w;
	int slot = resolve_begin(&w, "gethostbyname2", name, ip);
	return hostent_end(&w, slot, name, real_gethostbyname2(name, af));
}

/* The _r forms return an errno value (ERANGE: buffer too small) and say
 * what was found in *result and *h_errnop. */
static int hostent_r_end(struct wc_wait *w, int slot, const char *name, int rc,
			 struct hostent **result, int *h_errnop)
{
	int err = errno;
	int herr = h_errnop ? *h_errnop : 0;
	bool found = rc == 0 && result && *result;
	if (found)
		learn_hostent(name, *result);
	int64_t ret = found ? 0 : rc ? -1 : -(int64_t)(herr > 0 ? herr : NO_RECOVERY);
	resolve_end(w, slot, ret, rc, !found && rc == 0 && herr == TRY_AGAIN);
	errno = err;
	return rc;
}

int wc_gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
		       struct hostent **result, int *h_errnop, void *ip)
{
	wc_real_ensure();
	if (!wc_active())
		return real_gethostbyname_r(name, ret, buf, buflen, result, h_errnop);
	struct wc_wait w;
	int slot = resolve_begin(&w, "gethostbyname_r", name, ip);
	int rc = real_gethostbyname_r(name, ret, buf, buflen, result, h_errnop);
	return hostent_r_end(&w, slot, name, rc, result, h_errnop);
}

int wc_gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf, size_t buflen,
			struct hostent **result, int *h_errnop, void *ip)
{
	wc_real_ensure();
	if (!wc_active())
		return real_gethostbyname2_r(name, af, ret, buf, buflen, result, h_errnop);
	struct wc_wait w;
	int slot = resolve_begin(&w, "gethostbyname2_r", name, ip);
	int rc = real_gethostbyname2_r(name, af, ret, buf, buflen, result, h_errnop);
	return hostent_r_end(&w, slot, name, rc, result, h_errnop);
}

/* ---- exported --------------------------------------------------------- */

WC_EXPORT int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
			  struct addrinfo **res)
{
	return wc_getaddrinfo(node, service, hints, res, WC_CALLER());
}

WC_EXPORT int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
			  socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	return wc_getnameinfo(sa, salen, host, hostlen, serv, servlen, flags, WC_CALLER());
}

WC_EXPORT struct hostent *gethostbyname(const char *name)
{
	return wc_gethostbyname(name, WC_CALLER());
}

WC_EXPORT struct hostent *gethostbyname2(const char *name, int af)
{
	return wc_gethostbyname2(name, af, WC_CALLER());
}

WC_EXPORT int gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
			      struct hostent **result, int *h_errnop)
{
	return wc_gethostbyname_r(name, ret, buf, buflen, result, h_errnop, WC_CALLER());
}

WC_EXPORT int gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf,
			       size_t buflen, struct hostent **result, int *h_errnop)
{
	return wc_gethostbyname2_r(name, af, ret, buf, buflen, result, h_errnop, WC_CALLER());
}
