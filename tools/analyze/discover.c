#include "discover.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEPTH 16

static int add_dir(struct wc_trace_list *list, const char *dir)
{
	char **dirs = realloc(list->dirs, (list->count + 1) * sizeof(*dirs));
	if (!dirs)
		return -1;
	list->dirs = dirs;
	if (!(list->dirs[list->count] = strdup(dir)))
		return -1;
	list->count++;
	return 0;
}

static const char *kind_of(mode_t mode)
{
	return S_ISFIFO(mode) ? "a FIFO" : S_ISCHR(mode) ? "a character device"
		: S_ISBLK(mode) ? "a block device" : S_ISSOCK(mode) ? "a socket" : "not a regular file";
}

/* The size of a trace's stream files, or -1 with one line in err when one
 * of them is not a regular file: babeltrace2 would block forever opening a
 * FIFO or read a device without end, and skipping it would hide a trace. */
static int dir_bytes(const char *dir, uint64_t *total, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.') /* babeltrace2 ignores hidden files too */
			continue;
		char path[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0 || S_ISDIR(st.st_mode))
			continue;
		if (S_ISREG(st.st_mode)) {
			*total += (uint64_t)st.st_size;
			continue;
		}
		snprintf(err, errlen, "%s: %s, not a stream file (a trace holds regular files only)",
			 path, kind_of(st.st_mode));
		rc = -1;
	}
	closedir(d);
	return rc;
}

static int walk(struct wc_trace_list *list, const char *dir, int depth, char *err, size_t errlen)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof(path), "%s/metadata", dir);
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%s: %s, not a metadata file", path, kind_of(st.st_mode));
			return -1;
		}
		if (dir_bytes(dir, &list->bytes, err, errlen) < 0)
			return -1;
		if (add_dir(list, dir) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		return 0;
	}
	if (depth >= MAX_DEPTH)
		return 0;
	/* Sorted, so that reports list hosts and processes the same way on
	 * every run. */
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	int rc = 0;
	for (int i = 0; i < n; i++) {
		if (rc == 0 && names[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
				rc = walk(list, path, depth + 1, err, errlen);
		}
		free(names[i]);
	}
	if (n > 0)
		free(names);
	return rc;
}

int wc_find_traces(char *const *paths, size_t npaths, struct wc_trace_list *out,
		   char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < npaths; i++) {
		struct stat st;
		if (stat(paths[i], &st) < 0) {
			snprintf(err, errlen, "%s: %s", paths[i], strerror(errno));
			return -1;
		}
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: not a trace directory (give the directory "
				 "LTTng wrote, not a file in it)", paths[i]);
			return -1;
		}
		size_t before = out->count;
		if (walk(out, paths[i], 0, err, errlen) < 0)
			return -1;
		if (out->count == before) {
			snprintf(err, errlen, "%s: no CTF trace found (no directory under it holds "
				 "a 'metadata' file)", paths[i]);
			return -1;
		}
	}
	return 0;
}

void wc_trace_list_free(struct wc_trace_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->dirs[i]);
	free(list->dirs);
	memset(list, 0, sizeof(*list));
}
