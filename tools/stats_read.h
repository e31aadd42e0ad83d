/* Reading the live counters' files (src/stats/stats_layout.h): shared by
 * `waitcap stats`, `waitcap top` and `waitcap exporter`. */
#ifndef WAITCAP_STATS_READ_H
#define WAITCAP_STATS_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "stats_layout.h"

/* One process's counters, copied out of its file at one moment. */
struct wc_proc_stats {
	struct wc_stats_file s;
	char path[1100];
};

/* The directories to look in: WAITCAP_STATS_DIR alone when set (-1 when
 * it is not an absolute path); else the caller's own directory, and for
 * root every user's (/run/waitcap, /run/user/UID/waitcap, /tmp/waitcap-UID). */
int wc_stats_dirs(char dirs[][1024], int max);

/* 0, or -1 with a one-line reason in err when the environment names no
 * usable directory (a relative WAITCAP_STATS_DIR). */
int wc_stats_check_env(char *err, size_t errlen);

/* Every readable file in those directories, snapshotted; files of dead
 * processes are removed (when we may) and skipped.  *out is malloc()ed
 * (free it); returns the count, or -1 with a message in err. */
int wc_stats_read_all(struct wc_proc_stats **out, char *err, size_t errlen);

/* The file of one pid.  Returns 0, or -1 with a one-line reason in err. */
int wc_stats_read_pid(int pid, struct wc_proc_stats *out, char *err, size_t errlen);

/* The host control file: WAITCAP_CONTROL, else WC_HOST_CONTROL_PATH. */
const char *wc_host_control_path(void);

/* Open it (flags: O_RDONLY, or O_RDWR|O_CREAT) and check it as the library
 * does (root's or ours, not group/world-writable).  Returns the fd, or -1
 * with a one-line reason in err. */
int wc_host_control_open(int flags, char *err, size_t errlen);

/* Automatic rollback has lifted this destination's caps now. */
bool wc_dest_lifted(const struct wc_stats_dest *d);

/* Quantile q (0..1) of a histogram in milliseconds, interpolated within
 * its bucket; -1 when empty. */
double wc_hist_quantile_ms(const struct wc_stats_hist *h, double q);
/* Mean in milliseconds; -1 when empty. */
double wc_hist_avg_ms(const struct wc_stats_hist *h);

/* "127.0.0.1:5432", "[::1]:443", "other" for the overflow row. */
void wc_dest_peer(const struct wc_stats_dest *d, char *buf, size_t len);

/* Ready rows of the destination table, then the "other" row if it
 * counted anything.  Returns the number written to rows (at most
 * WC_STATS_DESTS + 1). */
int wc_dest_rows(const struct wc_stats_file *s, const struct wc_stats_dest **rows);

#endif
