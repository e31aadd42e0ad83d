/* Finding, checking and snapshotting stats files. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stats_read.h"

int wc_stats_dirs(char dirs[][1024], int max)
{
	const char *env = getenv("WAITCAP_STATS_DIR");
	int n = 0;
	if (env && env[0]) {
		/* The library refuses relative paths: so do we. */
		if (env[0] != '/')
			return -1;
		snprintf(dirs[n++], 1024, "%s", env);
		return n;
	}
	wc_stats_dir(dirs[n++], 1024, NULL, geteuid(), getenv("XDG_RUNTIME_DIR"));
	if (geteuid() != 0)
		return n;
	/* root reads every user's processes (the exporter's view of a host). */
	const char *patterns[] = {"/run/user/*/waitcap", "/tmp/waitcap-*"};
	for (size_t p = 0; p < 2; p++) {
		glob_t g;
		if (glob(patterns[p], GLOB_NOSORT, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc && n < max; i++)
			snprintf(dirs[n++], 1024, "%s", g.gl_pathv[i]);
		globfree(&g);
	}
	return n;
}

int wc_stats_check_env(char *err, size_t errlen)
{
	const char *env = getenv("WAITCAP_STATS_DIR");
	if (env && env[0] && env[0] != '/') {
		snprintf(err, errlen, "WAITCAP_STATS_DIR=%s is not an absolute path", env);
		return -1;
	}
	return 0;
}

static bool pid_dead(int pid)
{
	return kill(pid, 0) != 0 && errno == ESRCH;
}

/* Whether pid still maps the file with inode ino: a process that exec()ed
 * a program without the library (or a new process that reused the pid)
 * left the file behind while its pid lives on.  -1: cannot tell (another
 * user's process, no /proc), taken as live. */
static int mapped_by(int pid, unsigned long ino)
{
	char path[64], line[4096];
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	int found = 0;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long inode = 0;
		if (sscanf(line, "%*s %*s %*s %*s %lu", &inode) == 1 && inode == ino)
			found = 1;
	}
	fclose(f);
	return found;
}

const char *wc_host_control_path(void)
{
	const char *env = getenv("WAITCAP_CONTROL");
	return env && env[0] ? env : WC_HOST_CONTROL_PATH;
}

/* The library's checks (src/preload/control.c), so that what we show and
 * what the processes honour agree. */
int wc_host_control_open(int flags, char *err, size_t errlen)
{
	const char *path = wc_host_control_path();
	if (path[0] != '/') {
		snprintf(err, errlen, "WAITCAP_CONTROL=%s is not an absolute path", path);
		return -1;
	}
	int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	const char *why = NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		why = "owned by another user";
	else if (st.st_mode & 022)
		why = "group- or world-writable; refused";
	if (why) {
		snprintf(err, errlen, "%s: %s", path, why);
		close(fd);
		return -1;
	}
	return fd;
}

/* What the process does now: its control word (which `rollback --all`
 * writes too, and a process started under it copies from the host file)
 * says rolled back whether or not a capped call has noticed it yet. */
static void effective_mode(struct wc_stats_file *s)
{
	s->ctl.reason[sizeof(s->ctl.reason) - 1] = '\0';
	if (s->ctl.control)
		s->mode = WC_MODE_ROLLED_BACK;
	else if (s->mode == WC_MODE_ROLLED_BACK)
		s->mode = WC_MODE_CAPPING; /* restored, not noticed yet */
}

bool wc_dest_lifted(const struct wc_stats_dest *d)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return d->lifted_until_ns > (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Open, check and copy one file.  Returns 0, -1 (errno set; EPROTO for a
 * file that is not a stats file of a version we know, ESRCH for one its
 * pid no longer maps). */
static int snapshot(const char *path, int pid, struct wc_proc_stats *out)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)
	    || (size_t)st.st_size < offsetof(struct wc_stats_file, ctl)) {
		close(fd);
		errno = EPROTO;
		return -1;
	}
	if (mapped_by(pid, (unsigned long)st.st_ino) == 0) {
		close(fd);
		errno = ESRCH;
		return -1;
	}
	size_t size = (size_t)st.st_size;
	void *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -1;
	const struct wc_stats_file *f = map;
	int rc = 0;
	if (__atomic_load_n(&f->magic, __ATOMIC_ACQUIRE) != WC_STATS_MAGIC
	    || f->version != WC_STATS_VERSION || size < sizeof(struct wc_stats_file)) {
		errno = EPROTO;
		rc = -1;
	} else {
		/* Counters are words updated atomically: a plain copy sees each
		 * one whole, some a moment newer than others. */
		memcpy(&out->s, f, sizeof(out->s));
		snprintf(out->path, sizeof(out->path), "%s", path);
		effective_mode(&out->s);
	}
	munmap(map, size);
	return rc;
}

static bool pid_name(const char *name, int *pid)
{
	char *end;
	long v = strtol(name, &end, 10);
	if (!name[0] || *end || v <= 0 || v > 0x7fffffff)
		return false;
	*pid = (int)v;
	return true;
}

int wc_stats_read_all(struct wc_proc_stats **out, char *err, size_t errlen)
{
	static char dirs[64][1024];
	int ndirs = wc_stats_dirs(dirs, 64);
	if (ndirs < 0) {
		snprintf(err, errlen, "WAITCAP_STATS_DIR=%s is not an absolute path",
			 getenv("WAITCAP_STATS_DIR"));
		return -1;
	}
	size_t cap = 16, n = 0;
	struct wc_proc_stats *v = malloc(cap * sizeof(*v));
	if (!v) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < ndirs; i++) {
		DIR *d = opendir(dirs[i]);
		if (!d)
			continue; /* no process has made it yet, or not ours to read */
		struct dirent *de;
		while ((de = readdir(d))) {
			int pid;
			if (!pid_name(de->d_name, &pid))
				continue;
			char path[1100];
			snprintf(path, sizeof(path), "%.1023s/%.64s", dirs[i], de->d_name);
			if (pid_dead(pid)) {
				unlink(path); /* the process died without its exit handlers */
				continue;
			}
			if (n == cap) {
				struct wc_proc_stats *nv = realloc(v, 2 * cap * sizeof(*v));
				if (!nv)
					break;
				v = nv;
				cap *= 2;
			}
			if (snapshot(path, pid, &v[n]) == 0) {
				if (v[n].s.pid == pid)
					n++;
			} else if (errno == ESRCH) {
				unlink(path); /* left by an exec() without the library */
			}
		}
		closedir(d);
	}
	*out = v;
	return (int)n;
}

int wc_stats_read_pid(int pid, struct wc_proc_stats *out, char *err, size_t errlen)
{
	static char dirs[64][1024];
	int ndirs = wc_stats_dirs(dirs, 64);
	if (ndirs < 0) {
		snprintf(err, errlen, "WAITCAP_STATS_DIR=%s is not an absolute path",
			 getenv("WAITCAP_STATS_DIR"));
		return -1;
	}
	int last_errno = ENOENT;
	for (int i = 0; i < ndirs; i++) {
		char path[1100];
		snprintf(path, sizeof(path), "%.1023s/%d", dirs[i], pid);
		if (snapshot(path, pid, out) == 0) {
			if (pid_dead(pid)) {
				unlink(path);
				break;
			}
			return 0;
		}
		if (errno == ESRCH) {
			unlink(path);
			break;
		}
		if (errno != ENOENT)
			last_errno = errno;
	}
	if (last_errno == EACCES || last_errno == EPERM)
		snprintf(err, errlen, "process %d's counters are not readable: %s (only its user "
			 "or root may read them)", pid, strerror(last_errno));
	else if (last_errno == EPROTO)
		snprintf(err, errlen, "process %d's stats file is not a version-%d stats file",
			 pid, WC_STATS_VERSION);
	else if (last_errno == ENOENT)
		snprintf(err, errlen, "no counters for process %d in %s%s (not preloaded, "
			 "WAITCAP_STATS=0, exited, or another WAITCAP_STATS_DIR)", pid, dirs[0],
			 ndirs > 1 ? " or the other users' directories" : "");
	else
		snprintf(err, errlen, "process %d's counters: %s", pid, strerror(last_errno));
	return -1;
}

double wc_hist_quantile_ms(const struct wc_stats_hist *h, double q)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < WC_HIST_BUCKETS; i++)
		total += h->bucket[i];
	if (!total)
		return -1;
	double rank = q * (double)total;
	uint64_t seen = 0;
	for (unsigned i = 0; i < WC_HIST_BUCKETS; i++) {
		if (!h->bucket[i])
			continue;
		if ((double)(seen + h->bucket[i]) >= rank) {
			double lo = (double)wc_hist_lower(i);
			double hi = i + 1 < WC_HIST_BUCKETS ? (double)wc_hist_upper(i) : lo * 2;
			double frac = (rank - (double)seen) / (double)h->bucket[i];
			if (frac < 0)
				frac = 0;
			return (lo + frac * (hi - lo)) / 1000.0;
		}
		seen += h->bucket[i];
	}
	return -1;
}

double wc_hist_avg_ms(const struct wc_stats_hist *h)
{
	return h->count ? (double)h->sum_us / (double)h->count / 1000.0 : -1;
}

void wc_dest_peer(const struct wc_stats_dest *d, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	if (d->family != AF_INET && d->family != AF_INET6) {
		snprintf(buf, len, "other");
		return;
	}
	inet_ntop(d->family, d->addr, addr, sizeof(addr));
	snprintf(buf, len, d->family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, d->port);
}

int wc_dest_rows(const struct wc_stats_file *s, const struct wc_stats_dest **rows)
{
	int n = 0;
	for (unsigned i = 0; i < WC_STATS_DESTS; i++)
		if (s->dest[i].state == WC_DEST_READY)
			rows[n++] = &s->dest[i];
	if (s->other.connects || s->other.capped)
		rows[n++] = &s->other;
	return n;
}
