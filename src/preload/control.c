/* Live control: rollback and restore (waitcap rollback/restore), and the
 * profile's automatic rollback per destination. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deadline.h"

#include "control.h"
#include "fdtab.h"
#include "real.h"
#include "stats.h"
#include "trace.h"

static const struct wc_control quiet_block;
static struct wc_control *proc_ctl;         /* in the stats file, or NULL */
static const struct wc_control *host_ctl;   /* the host file, or NULL */
static uint32_t no_flags;
static uint32_t *flags = &no_flags;          /* proc_ctl->pad, else not in the word */
const uint64_t *wc_ctl_word = (const uint64_t *)&quiet_block;

_Static_assert(__builtin_offsetof(struct wc_control, pad) == 4,
	       "control and the library's flags share the first 8 bytes");

static void pick_word(void)
{
	const struct wc_control *c = proc_ctl ? proc_ctl : host_ctl ? host_ctl : &quiet_block;
	__atomic_store_n(&wc_ctl_word, (const uint64_t *)c, __ATOMIC_RELEASE);
}

void wc_control_bind(struct wc_stats_file *s)
{
	proc_ctl = s ? &s->ctl : NULL;
	flags = s ? &s->ctl.pad : &no_flags;
	if (s)
		ST(s->ctl.pad, 0); /* a forked child notices and counts afresh */
	pick_word();
}

static void copy_host_rollback(void)
{
	if (!proc_ctl || !host_ctl || !LD(host_ctl->control))
		return;
	for (size_t i = 0; i < sizeof(proc_ctl->reason); i++)
		ST(proc_ctl->reason[i], LD(host_ctl->reason[i]));
	__atomic_store_n(&proc_ctl->control, (uint32_t)WC_CONTROL_HOST, __ATOMIC_RELEASE);
}

/* The host file as profile files are judged: a file anyone could write
 * would let anyone lift every process's caps.  Called after the stats
 * file exists: a `rollback --all` that wrote the host file after this
 * read found our stats file and wrote our word. */
void wc_control_init(bool secure)
{
	const char *path = secure ? NULL : getenv("WAITCAP_CONTROL");
	if (!path || !path[0])
		path = WC_HOST_CONTROL_PATH;
	if (path[0] != '/') {
		dprintf(2, "waitcap: WAITCAP_CONTROL=%s is not an absolute path; host control "
			   "ignored\n", path);
		return;
	}
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			dprintf(2, "waitcap: %s: %s; host control ignored\n", path, strerror(errno));
		return;
	}
	struct stat st;
	const char *why = NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		why = "owned by another user";
	else if (st.st_mode & 022)
		why = "group- or world-writable";
	else if (st.st_size < (off_t)sizeof(struct wc_control))
		why = "too short";
	if (why) {
		dprintf(2, "waitcap: %s: %s; host control ignored\n", path, why);
		real_close(fd);
		return;
	}
	void *map = mmap(NULL, sizeof(struct wc_control), PROT_READ, MAP_SHARED, fd, 0);
	real_close(fd);
	if (map == MAP_FAILED)
		return;
	host_ctl = map;
	copy_host_rollback();
	pick_word();
}

static void drop_deadlines(const struct wc_fd *c)
{
	struct wc_fd *e = (struct wc_fd *)c;
	for (int i = 0; i < WC_SOCKET_OPS; i++)
		ST(e->deadline[i], 0);
	ST(e->tx_progress, 0);
	wc_backstop_drop((int)(e - wc_fdtab), e);
}

/* The reason as written by the command: copied byte by byte (relaxed),
 * it may be torn by a concurrent change, never unterminated. */
static void read_reason(const struct wc_control *c, char *buf, size_t len)
{
	size_t i = 0;
	for (; i + 1 < len && i < sizeof(c->reason); i++) {
		char ch = LD(c->reason[i]);
		if (!ch)
			break;
		buf[i] = ch;
	}
	buf[i] = '\0';
}

static void announce(const char *what)
{
	wc_guard++;
	int saved = errno;
	dprintf(2, "waitcap: %s\n", what);
	wc_trace_control(what);
	errno = saved;
	wc_guard--;
}

/* A rollback (or its end) seen for the first time: one thread announces
 * it, the others go on. */
static void note_process_state(const struct wc_control *c, bool lifted)
{
	uint32_t local = LD(*flags);
	if (lifted == !!(local & WC_CTL_NOTED))
		return;
	uint32_t want = lifted ? local | WC_CTL_NOTED : local & ~WC_CTL_NOTED;
	if (!__atomic_compare_exchange_n(flags, &local, want, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return;
	struct wc_stats_file *s = wc_stats;
	char msg[160];
	if (lifted) {
		char reason[64];
		read_reason(c, reason, sizeof(reason));
		snprintf(msg, sizeof(msg), "rolled back (waitcap rollback%s%s%s): caps lifted",
			 LD(c->control) == WC_CONTROL_PROCESS ? "" : " --all", reason[0] ? ": " : "",
			 reason);
		if (s)
			ST(s->mode, WC_MODE_ROLLED_BACK);
	} else {
		snprintf(msg, sizeof(msg), "restored (waitcap restore): caps apply again");
		if (s)
			ST(s->mode, wc_policy_now()->legacy ? WC_MODE_LEGACY : WC_MODE_CAPPING);
	}
	announce(msg);
}

static struct wc_stats_dest *dest_row(unsigned idx)
{
	struct wc_stats_file *s = wc_stats;
	if (!s || idx > WC_STATS_DESTS)
		return NULL;
	return idx < WC_STATS_DESTS ? &s->dest[idx] : &s->other;
}

static void dest_name(const struct wc_fd *e, char *buf, size_t len)
{
	wc_fd_peer_string(e, buf, len);
	if (!buf[0])
		snprintf(buf, len, "other destinations");
}

/* Automatic rollback of e's destination: lifted until its cooldown ends;
 * the first look after that puts the caps back. */
static bool dest_lifted(const struct wc_fd *e)
{
	uint64_t ref = LD(e->dest);
	struct wc_stats_dest *d = ref ? dest_row((unsigned)(ref - 1)) : NULL;
	if (!d)
		return false;
	int64_t until = LD(d->lifted_until_ns);
	if (!until)
		return false;
	if (wc_now_ns() < until)
		return true;
	if (!__atomic_compare_exchange_n(&d->lifted_until_ns, &until, 0, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return false;
	__atomic_fetch_sub(flags, WC_CTL_ONE_DEST, __ATOMIC_RELAXED);
	char peer[64], msg[160];
	dest_name(e, peer, sizeof(peer));
	snprintf(msg, sizeof(msg), "automatic rollback of %s ended (cooldown over): caps apply again",
		 peer);
	announce(msg);
	return false;
}

bool wc_control_lifts(const struct wc_fd *e)
{
	const struct wc_control *c = (const struct wc_control *)LD(wc_ctl_word);
	bool all = LD(c->control) != 0;
	note_process_state(c, all);
	if (LD(e->flags) & WC_F_PENDING)
		return false; /* timed out before: it reports its ETIMEDOUT, once */
	bool lifted = all || (LD(*flags) >= WC_CTL_ONE_DEST && dest_lifted(e));
	if (lifted)
		drop_deadlines(e);
	return lifted;
}

/* Counters of a destination at the start of its current window.  Process
 * memory, not the shared file: readers need not know about windows. */
static struct window {
	int64_t start;
	uint64_t connects, connect_timeouts, responses, response_timeouts;
} windows[WC_STATS_DESTS + 1];

static bool over(uint64_t timeouts, uint64_t waits, const struct wc_rollback *rb)
{
	return waits >= rb->min_waits && waits > 0
	       && timeouts * 1000000u > (uint64_t)rb->rate_ppm * waits;
}

void wc_rollback_evaluate(const struct wc_fd *e, struct wc_stats_dest *d, unsigned idx,
			  int64_t now)
{
	const struct wc_rollback *rb = wc_policy_rollback_for(wc_policy_now(), LD(e->rule));
	if (!rb->on || idx > WC_STATS_DESTS || LD(d->lifted_until_ns))
		return;
	struct window *w = &windows[idx];
	int64_t start = LD(w->start);
	if (start && now - start > rb->window_ns) {
		/* A new window: counted from here on. */
		ST(w->start, now);
		ST(w->connects, LD(d->connects));
		ST(w->connect_timeouts, LD(d->connect_timeouts));
		ST(w->responses, LD(d->responses));
		ST(w->response_timeouts, LD(d->response_timeouts));
		return;
	}
	if (!start)
		ST(w->start, now); /* the first window counts from zero */
	uint64_t ct = LD(d->connect_timeouts) - LD(w->connect_timeouts);
	uint64_t cw = LD(d->connects) - LD(w->connects);
	uint64_t rt = LD(d->response_timeouts) - LD(w->response_timeouts);
	uint64_t rw = LD(d->responses) - LD(w->responses) + rt;
	bool conn = over(ct, cw, rb);
	if (!conn && !over(rt, rw, rb))
		return;
	int64_t zero = 0;
	if (!__atomic_compare_exchange_n(&d->lifted_until_ns, &zero, now + rb->cooldown_ns, false,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	__atomic_fetch_add(flags, WC_CTL_ONE_DEST, __ATOMIC_RELAXED);
	ST(w->start, 0); /* after the cooldown, a fresh window */
	ST(w->connects, LD(d->connects));
	ST(w->connect_timeouts, LD(d->connect_timeouts));
	ST(w->responses, LD(d->responses));
	ST(w->response_timeouts, LD(d->response_timeouts));
	char peer[64], msg[256];
	wc_stats_dest_name(d, peer, sizeof(peer));
	snprintf(msg, sizeof(msg),
		 "automatic rollback of %s: %s timeouts %llu of %llu in %llds > %u.%u%%; caps "
		 "lifted for %llds",
		 peer, conn ? "connect" : "response",
		 (unsigned long long)(conn ? ct : rt), (unsigned long long)(conn ? cw : rw),
		 (long long)(rb->window_ns / 1000000000), rb->rate_ppm / 10000,
		 rb->rate_ppm / 1000 % 10, (long long)(rb->cooldown_ns / 1000000000));
	announce(msg);
}
