/* The stats file: creation, removal, and the counters' slow paths. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "control.h"
#include "real.h"
#include "names.h"
#include "stats.h"

struct wc_stats_file *wc_stats;
__thread unsigned wc_stats_tick __attribute__((tls_model("initial-exec")));

static char stats_path[4200];
static char stats_dir_path[4096];

/* The directory must be ours and closed to others: a file made in a
 * directory someone else controls could be swapped or read. */
static int open_dir(const char *dir)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	struct stat st;
	if (fstat(dfd, &st) != 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
		real_close(dfd);
		return -1;
	}
	return dfd;
}

/* O_EXCL|O_NOFOLLOW: never through a planted link.  A file already there
 * is a previous process's with our pid (pid reuse, or our own pre-exec
 * image): replaced once. */
static struct wc_stats_file *create_file(int pid)
{
	int dfd = open_dir(stats_dir_path);
	if (dfd < 0)
		return NULL;
	char name[16];
	snprintf(name, sizeof(name), "%d", pid);
	int fd = -1;
	for (int attempt = 0; attempt < 2 && fd < 0; attempt++) {
		fd = openat(dfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && (errno != EEXIST || unlinkat(dfd, name, 0) != 0))
			break;
	}
	void *map = MAP_FAILED;
	if (fd >= 0) {
		if (ftruncate(fd, sizeof(struct wc_stats_file)) == 0)
			map = mmap(NULL, sizeof(struct wc_stats_file), PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			unlinkat(dfd, name, 0);
		real_close(fd);
	}
	real_close(dfd);
	if (map == MAP_FAILED)
		return NULL;
	snprintf(stats_path, sizeof(stats_path), "%s/%s", stats_dir_path, name);
	return map;
}

static void fill_header(struct wc_stats_file *s, const struct wc_stats_file *from,
			const struct wc_policy *p, int pid)
{
	s->version = WC_STATS_VERSION;
	s->size = sizeof(*s);
	s->pid = pid;
	s->uid = geteuid();
	s->dest_capacity = WC_STATS_DESTS;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	s->start_time_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (from) {
		memcpy(s->procname, from->procname, sizeof(s->procname));
		memcpy(s->profile, from->profile, sizeof(s->profile));
		memcpy(s->why, from->why, sizeof(s->why));
		memcpy(s->environment, from->environment, sizeof(s->environment));
		s->mode = from->mode;
		s->ctl = from->ctl; /* a rolled-back parent's child stays rolled back */
		/* An asked parent's child is asked, and inherits its tracer. */
		s->trace_wanted = LD(from->trace_wanted);
		s->tracer = LD(from->tracer);
	} else {
		snprintf(s->procname, sizeof(s->procname), "%s", program_invocation_short_name);
		snprintf(s->profile, sizeof(s->profile), "%s", p->error[0] ? "" : p->profile);
		snprintf(s->why, sizeof(s->why), "%s",
			 p->error[0] ? "profile error: no caps" : p->reason_text);
		const char *env = getenv("ENVIRONMENT");
		snprintf(s->environment, sizeof(s->environment), "%s", env ? env : "");
		s->mode = p->legacy ? WC_MODE_LEGACY : p->observe ? WC_MODE_OBSERVE : WC_MODE_CAPPING;
	}
	__atomic_store_n(&s->magic, WC_STATS_MAGIC, __ATOMIC_RELEASE);
}

static void remove_file(void)
{
	struct wc_stats_file *s = wc_stats;
	/* A vfork() child shares our memory and may exit through here. */
	if (s && s->pid == getpid())
		unlink(stats_path);
}

/* A forked child gets its own file, counting from zero, so that the
 * parent's counters stay the parent's. */
static void after_fork_child(void)
{
	struct wc_stats_file *parent = wc_stats;
	if (!parent)
		return;
	wc_guard++;
	wc_stats = NULL;
	struct wc_stats_file *s = create_file(getpid());
	if (s)
		fill_header(s, parent, NULL, getpid());
	wc_stats = s;
	wc_control_bind(s);
	munmap(parent, sizeof(*parent));
	wc_guard--;
}

void wc_stats_init(const struct wc_policy *policy, bool secure)
{
	const char *on = getenv("WAITCAP_STATS");
	if (on && !strcmp(on, "0"))
		return;
	/* Under AT_SECURE the environment may not choose where a privileged
	 * process creates files. */
	const char *env_dir = secure ? NULL : getenv("WAITCAP_STATS_DIR");
	if (env_dir && env_dir[0] && env_dir[0] != '/') {
		/* Relative, it would name another directory in every process
		 * that starts elsewhere, and another one after a chdir. */
		dprintf(2, "waitcap: WAITCAP_STATS_DIR=%s is not an absolute path; running "
			   "without live counters\n", env_dir);
		return;
	}
	wc_stats_dir(stats_dir_path, sizeof(stats_dir_path), env_dir, geteuid(),
		     secure ? NULL : getenv("XDG_RUNTIME_DIR"));
	int pid = getpid();
	struct wc_stats_file *s = create_file(pid);
	if (!s)
		return;
	fill_header(s, NULL, policy, pid);
	wc_stats = s;
	wc_control_bind(s);
	atexit(remove_file);
	pthread_atfork(NULL, NULL, after_fork_child);
}

const char *wc_stats_dir_in_use(void)
{
	return wc_stats ? stats_dir_path : NULL;
}

static int64_t elapsed_us(int64_t since)
{
	int64_t d = wc_now_ns() - since;
	return d > 0 ? d / 1000 : 0;
}

static void hist_add(struct wc_stats_hist *h, int64_t us, uint64_t weight)
{
	WC_STAT_ADD(h->bucket[wc_hist_index((uint64_t)us)], weight);
	WC_STAT_ADD(h->sum_us, (uint64_t)us * weight);
	WC_STAT_ADD(h->count, weight);
}

/* Out of line and cold: the common end of a wait (ready) stays a few
 * instructions. */
__attribute__((noinline, cold)) static void wait_outcome(struct wc_stats_file *s, unsigned op, int64_t begun, int err,
			 enum wc_outcome outcome)
{
	struct wc_stats_op_counts *o = &s->ops[op];
	if (op == WC_SOP_CONNECT && err == EINPROGRESS)
		return; /* a non-blocking connect under way, not a timeout */
	int saved = errno;
	if (begun > 0) {
		WC_STAT_ADD(o->timed_waits, 1);
		WC_STAT_ADD(o->blocked_ns, (uint64_t)(wc_now_ns() - begun));
	}
	switch (outcome) {
	case WC_OUT_CAPPED:
		/* connect/recv/send count their deadline in wc_stats_expired,
		 * whatever call the program waited in. */
		if (op >= WC_SOP_POLL)
			WC_STAT_ADD(o->capped, 1);
		break;
	case WC_OUT_APP_TIMEOUT:
		WC_STAT_ADD(o->app_timeouts, 1);
		break;
	case WC_OUT_ERROR:
		WC_STAT_ADD(o->errors, 1);
		break;
	default:
		break;
	}
	errno = saved;
}

void wc_stats_wait(unsigned op, int64_t begun, int err, enum wc_outcome outcome)
{
	struct wc_stats_file *s = wc_stats;
	if (!s || op >= WC_SOP_COUNT)
		return;
	WC_STAT_ADD(s->ops[op].waits, 1);
	if (WC_UNLIKELY(outcome != WC_OUT_READY))
		wait_outcome(s, op, begun, err, outcome);
}

/* A row's key: family, port, address, rule name and host name, the row's
 * first 136 bytes, written once and compared with relaxed atomics. */
#define KEY_WORDS (offsetof(struct wc_stats_dest, connects) / 8)
union dest_key {
	struct {
		uint32_t state;
		uint8_t family, pad;
		uint16_t port;
		uint8_t addr[16];
		char rule[48];
		char name[64];
	} f;
	uint64_t w[KEY_WORDS];
};
_Static_assert(sizeof(union dest_key) == KEY_WORDS * 8
	       && offsetof(union dest_key, f.rule) == offsetof(struct wc_stats_dest, rule),
	       "the key is the row's first bytes");

static bool dest_is(const struct wc_stats_dest *d, const union dest_key *key)
{
	if (LD(d->family) != key->f.family || LD(d->port) != key->f.port)
		return false;
	const uint64_t *w = (const uint64_t *)d;
	for (size_t i = 1; i < KEY_WORDS; i++) /* word 0: state, family, port */
		if (LD(w[i]) != key->w[i])
			return false;
	return true;
}

/* The row of e's peer and rule: found, claimed, or "other" when full.  A
 * linear scan, on outcome paths only (a connect settles, a cap fires). */
static struct wc_stats_dest *dest_of(struct wc_stats_file *s, const struct wc_fd *e)
{
	uint64_t raw[2] = {LD(e->peer_addr[0]), LD(e->peer_addr[1])};
	if (LD(e->family) == AF_INET)
		raw[0] &= 0xffffffffull, raw[1] = 0; /* only 4 bytes are the address */
	union dest_key key;
	memset(&key, 0, sizeof(key));
	key.f.family = LD(e->family);
	key.f.port = LD(e->peer_port);
	memcpy(key.f.addr, raw, 16);
	snprintf(key.f.rule, sizeof(key.f.rule), "%s", wc_fd_rule_name(e));
	char name[WC_HOSTNAME_MAX];
	if (wc_names_find_addr(key.f.family, key.f.addr, name))
		memcpy(key.f.name, name, strnlen(name, sizeof(key.f.name) - 1));
	for (unsigned i = 0; i < WC_STATS_DESTS; i++) {
		struct wc_stats_dest *d = &s->dest[i];
		uint32_t state = __atomic_load_n(&d->state, __ATOMIC_ACQUIRE);
		if (state == WC_DEST_READY) {
			if (dest_is(d, &key))
				return d;
			continue;
		}
		if (state == WC_DEST_CLAIMED)
			continue; /* another thread fills it; a twin row is harmless */
		uint32_t expect = WC_DEST_EMPTY;
		if (!__atomic_compare_exchange_n(&d->state, &expect, WC_DEST_CLAIMED, false,
						 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue;
		uint64_t *w = (uint64_t *)d;
		ST(d->family, key.f.family);
		ST(d->port, key.f.port);
		for (size_t j = 1; j < KEY_WORDS; j++)
			ST(w[j], key.w[j]);
		__atomic_store_n(&d->state, WC_DEST_READY, __ATOMIC_RELEASE);
		return d;
	}
	WC_STAT_ADD(s->dests_overflow, 1);
	return &s->other;
}

void wc_stats_would_cap(const struct wc_fd *e, enum wc_op op)
{
	struct wc_stats_file *s = wc_stats;
	if (!s)
		return;
	int saved = errno;
	WC_STAT_ADD(s->ops[op].would_cap, 1);
	WC_STAT_ADD(dest_of(s, e)->would_cap, 1);
	errno = saved;
}

void wc_stats_expired(const struct wc_fd *e, enum wc_op op)
{
	struct wc_stats_file *s = wc_stats;
	if (!s)
		return;
	int saved = errno;
	WC_STAT_ADD(s->ops[op].capped, 1);
	struct wc_stats_dest *d = dest_of(s, e);
	WC_STAT_ADD(d->capped, 1);
	int64_t now = wc_now_ns(), armed = LD(e->armed_at[op]);
	int64_t us = now > armed ? (now - armed) / 1000 : 0;
	if (op == WC_OP_CONNECT) {
		hist_add(&s->connection_time, us, 1);
		hist_add(&d->connect_time, us, 1);
		WC_STAT_ADD(d->connect_timeouts, 1);
		WC_STAT_ADD(d->connects, 1);
	} else if (op == WC_OP_RECV) {
		hist_add(&s->response_time, us, 1);
		WC_STAT_ADD(d->response_timeouts, 1);
	}
	wc_rollback_evaluate(e, d, (unsigned)(d == &s->other ? WC_STATS_DESTS : d - s->dest), now);
	errno = saved;
}

void wc_stats_connected(const struct wc_fd *e, bool ok)
{
	struct wc_stats_file *s = wc_stats;
	if (!s || !wc_fd_capped(e) || LD(e->cap_ms[WC_OP_CONNECT]) == WC_NO_CAP)
		return;
	int saved = errno;
	/* Not armed: the connect finished in the call itself. */
	int64_t us = LD(e->deadline[WC_OP_CONNECT]) ? elapsed_us(LD(e->armed_at[WC_OP_CONNECT])) : 0;
	struct wc_stats_dest *d = dest_of(s, e);
	hist_add(&s->connection_time, us, 1);
	hist_add(&d->connect_time, us, 1);
	WC_STAT_ADD(d->connects, 1);
	if (!ok)
		WC_STAT_ADD(d->connect_failures, 1);
	errno = saved;
}

void wc_stats_response_sample(const struct wc_fd *e)
{
	int saved = errno;
	hist_add(&wc_stats->response_time, elapsed_us(LD(e->armed_at[WC_OP_RECV])),
		 WC_STATS_RESPONSE_SAMPLE);
	errno = saved;
}

uint64_t wc_stats_dest_ref(const struct wc_fd *e)
{
	struct wc_stats_file *s = wc_stats;
	if (!s)
		return 0;
	int saved = errno;
	struct wc_stats_dest *d = dest_of(s, e);
	errno = saved;
	return 1 + (uint64_t)(d == &s->other ? WC_STATS_DESTS : d - s->dest);
}

void wc_stats_count_response(const struct wc_fd *e, uint64_t ref)
{
	(void)e;
	struct wc_stats_file *s = wc_stats;
	if (!s || ref > WC_STATS_DESTS + 1)
		return;
	struct wc_stats_dest *d = ref <= WC_STATS_DESTS ? &s->dest[ref - 1] : &s->other;
	WC_STAT_ADD(d->responses, 1);
}

void wc_stats_dest_name(const struct wc_stats_dest *d, char *buf, size_t len)
{
	char addr[64] = "";
	uint8_t family = LD(d->family);
	if (!family || !inet_ntop(family, d->addr, addr, sizeof(addr))) {
		snprintf(buf, len, "other destinations");
		return;
	}
	snprintf(buf, len, family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, (unsigned)LD(d->port));
}
