/* See record_ask.h.  The same access control as `waitcap rollback`: a
 * process's stats file is 0600, its user's or root's to open read-write. */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record_ask.h"
#include "stats_read.h"

static char own_marker[1100];
static bool host_marker;

/* The marker in our own stats directory (made 0700 if missing, as the
 * library makes it), and for root the host-wide one. */
static void place_markers(void)
{
	char dir[1024];
	wc_stats_dir(dir, sizeof dir, getenv("WAITCAP_STATS_DIR"), geteuid(),
		     getenv("XDG_RUNTIME_DIR"));
	if (dir[0] == '/' && (mkdir(dir, 0700) == 0 || errno == EEXIST)) {
		snprintf(own_marker, sizeof own_marker, "%s/%s", dir, WC_RECORDING_NAME);
		int fd = open(own_marker, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		else
			own_marker[0] = '\0';
	}
	if (geteuid() == 0) {
		int fd = open(wc_host_recording_path(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
			      0644);
		if (fd >= 0) {
			close(fd);
			host_marker = true;
		}
	}
}

/* 0 asked, 1 not to be asked (tracing off), -1 not writable or not ours.
 * Read and written with pread/pwrite, not a mapping: root asks every
 * user's files, and a file its user truncated under a mapping would kill
 * the record with SIGBUS.  The words are aligned 4- and 8-byte values, so
 * the kernel copies each whole. */
static int ask_one(const char *path, bool *loaded)
{
	int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	uint64_t magic = 0;
	uint32_t version = 0, tracer = 0;
	int rc = -1;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (size_t)st.st_size >= sizeof(struct wc_stats_file) &&
	    pread(fd, &magic, sizeof magic, offsetof(struct wc_stats_file, magic)) ==
		    (ssize_t)sizeof magic &&
	    magic == WC_STATS_MAGIC &&
	    pread(fd, &version, sizeof version, offsetof(struct wc_stats_file, version)) ==
		    (ssize_t)sizeof version &&
	    version == WC_STATS_VERSION &&
	    pread(fd, &tracer, sizeof tracer, offsetof(struct wc_stats_file, tracer)) ==
		    (ssize_t)sizeof tracer) {
		if (tracer == WC_TRACER_OFF) {
			rc = 1; /* WAITCAP_TRACE=0: not to be asked */
		} else {
			uint32_t one = 1;
			*loaded = tracer == WC_TRACER_LOADED;
			rc = pwrite(fd, &one, sizeof one,
				    offsetof(struct wc_stats_file, trace_wanted)) == (ssize_t)sizeof one
				     ? 0
				     : -1;
		}
	}
	close(fd);
	return rc;
}

/* Every stats file in the directories the readers look in (numeric names;
 * the marker and anything else skipped).  No snapshot: a file is opened,
 * its word set, and closed. */
void wc_ask_tracer(struct wc_ask_result *r)
{
	*r = (struct wc_ask_result){0};
	place_markers();
	static char dirs[64][1024];
	int ndirs = wc_stats_dirs(dirs, 64);
	for (int i = 0; i < ndirs; i++) {
		DIR *d = opendir(dirs[i]);
		if (!d)
			continue;
		struct dirent *de;
		while ((de = readdir(d))) {
			char *end;
			long pid = strtol(de->d_name, &end, 10);
			if (!de->d_name[0] || *end || pid <= 0 || kill((pid_t)pid, 0) != 0)
				continue; /* not a stats file, or its process is gone */
			char path[1100];
			snprintf(path, sizeof path, "%.1023s/%.64s", dirs[i], de->d_name);
			bool loaded = false;
			int rc = ask_one(path, &loaded);
			if (rc < 0)
				r->failed++;
			else if (rc == 0)
				r->asked++, r->loaded += loaded;
		}
		closedir(d);
	}
}

void wc_ask_tracer_end(void)
{
	if (own_marker[0])
		unlink(own_marker);
	if (host_marker)
		unlink(wc_host_recording_path());
}
