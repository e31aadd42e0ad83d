/* Finding CTF traces: every directory, at any depth under the given paths,
 * that holds a `metadata` file (LTTng writes one per trace: per uid and
 * bitness, per pid, per host for relayd). */
#ifndef WC_ANALYZE_DISCOVER_H
#define WC_ANALYZE_DISCOVER_H

#include <stddef.h>
#include <stdint.h>

struct wc_trace_list {
	char **dirs;
	size_t count;
	uint64_t bytes;   /* total size of the stream files, to judge "large" */
};

/* 0, or -1 with one line in err (a path that does not exist, is not a
 * directory, or holds no trace; a metadata or stream file that is a FIFO,
 * a device or a socket). */
int wc_find_traces(char *const *paths, size_t npaths, struct wc_trace_list *out,
		   char *err, size_t errlen);
void wc_trace_list_free(struct wc_trace_list *list);

#endif
