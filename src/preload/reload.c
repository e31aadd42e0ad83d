/* Profile reload (reload.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reload.h"
#include "stats.h"
#include "trace.h"

int64_t wc_reload_due = INT64_MAX;

static char path[4096];
static wc_getenv_fn lookup;
static bool secure_exec;
/* The file as last looked at: a change of any of these is a new file. */
static struct {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	bool present;
} seen;

static void remember(const struct stat *st, bool present)
{
	seen.present = present;
	if (!present)
		return;
	seen.dev = st->st_dev;
	seen.ino = st->st_ino;
	seen.size = st->st_size;
	seen.mtime = st->st_mtim;
	seen.ctime = st->st_ctim;
}

static bool same(const struct stat *st, bool present)
{
	if (present != seen.present)
		return false;
	return !present
	       || (st->st_dev == seen.dev && st->st_ino == seen.ino && st->st_size == seen.size
		   && st->st_mtim.tv_sec == seen.mtime.tv_sec
		   && st->st_mtim.tv_nsec == seen.mtime.tv_nsec
		   && st->st_ctim.tv_sec == seen.ctime.tv_sec
		   && st->st_ctim.tv_nsec == seen.ctime.tv_nsec);
}

void wc_reload_init(const struct wc_policy *policy, wc_getenv_fn getenv_fn, bool secure)
{
	const char *off = secure ? NULL : getenv("WAITCAP_RELOAD");
	if (off && !strcmp(off, "0"))
		return;
	if (!policy->file[0] || !strcmp(policy->file, "(embedded)"))
		return;
	snprintf(path, sizeof(path), "%s", policy->file);
	lookup = getenv_fn;
	secure_exec = secure;
	struct stat st;
	remember(&st, stat(path, &st) == 0);
	ST(wc_reload_due, wc_now_ns() + WC_RELOAD_EVERY_NS);
}

/* The new policy is published whole: readers that loaded the old pointer
 * keep reading the old policy, which is never freed (one policy, about
 * 10 KB, leaked per applied change: docs/profiles.md). */
static void apply(struct wc_policy *next)
{
	const struct wc_policy *old = wc_policy_now();
	__atomic_store_n(&wc_policy_cur, next, __ATOMIC_RELEASE);
	struct wc_stats_file *s = wc_stats;
	if (s) {
		snprintf(s->profile, sizeof(s->profile), "%s", next->profile);
		snprintf(s->why, sizeof(s->why), "%s", next->reason_text);
		if (LD(s->mode) != WC_MODE_ROLLED_BACK)
			ST(s->mode, next->legacy ? WC_MODE_LEGACY : WC_MODE_CAPPING);
	}
	wc_trace_config(next);
	/* The socket caps: the resolve cap is set in RES_OPTIONS at start and
	 * is not reloaded (wrap_resolve.c). */
	char caps[WC_SOCKET_OPS][16];
	for (int op = 0; op < WC_SOCKET_OPS; op++) {
		int32_t ms = next->legacy ? WC_NO_CAP : next->caps.ms[op];
		if (ms == WC_NO_CAP)
			snprintf(caps[op], sizeof(caps[op]), "none");
		else
			snprintf(caps[op], sizeof(caps[op]), "%dms", ms);
	}
	dprintf(2, "waitcap: %s changed: profile %s%s applied (connect %s, recv %s, send %s, %d "
		   "rules) for new connections\n",
		path, next->profile, strcmp(old->profile, next->profile) ? " (new)" : "", caps[0],
		caps[1], caps[2], next->nrules);
}

void wc_reload_check(int64_t now)
{
	int64_t due = LD(wc_reload_due);
	if (now < due || !__atomic_compare_exchange_n(&wc_reload_due, &due, INT64_MAX, false,
						      __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return; /* another thread looks */
	wc_guard++;
	int saved = errno;
	struct stat st;
	bool present = stat(path, &st) == 0;
	if (!same(&st, present)) {
		remember(&st, present);
		struct wc_policy *next = malloc(sizeof(*next));
		if (next) {
			/* Parsed as at start: the same file rules, the same
			 * environment (WAITCAP_PROFILE, ENVIRONMENT, legacy flags). */
			if (wc_policy_load(next, lookup, secure_exec) == 0) {
				apply(next);
			} else {
				dprintf(2, "waitcap: %s; keeping the last good policy (profile %s)\n",
					next->error[0] ? next->error : path, wc_policy_now()->profile);
				free(next);
			}
		}
	}
	errno = saved;
	wc_guard--;
	ST(wc_reload_due, now + WC_RELOAD_EVERY_NS);
}
