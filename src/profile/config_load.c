/* Where the profile file comes from, and whether we trust it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "locate.h"
#include "sys.h"

extern const char wc_embedded_default[];
extern const unsigned long wc_embedded_default_len;

const char *wc_system_file(wc_getenv_fn getenv_fn, bool secure)
{
#ifdef WC_TEST_HOOKS
	/* The test suite's stand-in for the machine's file, so that what a
	 * test asserts does not depend on the machine it runs on.  Compiled
	 * only into builds made with -Dtest_hooks=true (meson_options.txt);
	 * never honoured for set-uid programs, like WAITCAP_CONFIG. */
	const char *stand_in = secure || !getenv_fn ? NULL : getenv_fn("WAITCAP_TEST_SYSTEM_FILE");
	if (stand_in && *stand_in)
		return stand_in;
#else
	(void)getenv_fn, (void)secure;
#endif
	return WC_SYSTEM_FILE;
}

const char *wc_config_pick_path(wc_getenv_fn getenv_fn, bool secure)
{
	const char *path = secure || !getenv_fn ? NULL : getenv_fn("WAITCAP_CONFIG");
	if (path && *path)
		return path;
	/* "If present": a missing system file means the embedded default, any
	 * other failure (permissions, a directory) is reported when opened. */
	const char *system_file = wc_system_file(getenv_fn, secure);
	struct stat st;
	if (stat(system_file, &st) == 0 || errno != ENOENT)
		return system_file;
	return NULL;
}

/* Refuse what someone else could have written: a world-writable file, a
 * file owned by neither root nor us, anything but a regular file.  Checked
 * on the open descriptor, so the file we judge is the file we read. */
static int refuse(const char *path, const struct stat *st, char *err, size_t errsz)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errsz, "%s:1:1: refused: not a regular file", path);
		return -1;
	}
	if (st->st_mode & S_IWOTH) {
		snprintf(err, errsz, "%s:1:1: refused: world-writable (mode %04o); "
			 "chmod o-w it", path, (unsigned)(st->st_mode & 07777));
		return -1;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(err, errsz, "%s:1:1: refused: owned by uid %u, neither root nor "
			 "this process's user (uid %u)", path, (unsigned)st->st_uid,
			 (unsigned)geteuid());
		return -1;
	}
	if (st->st_size > WC_MAX_FILE_SIZE) {
		snprintf(err, errsz, "%s:1:1: refused: larger than %d bytes", path,
			 WC_MAX_FILE_SIZE);
		return -1;
	}
	return 0;
}

static char *read_all(int fd, size_t limit, size_t *len)
{
	char *buf = malloc(limit + 1);
	size_t n = 0;
	if (!buf)
		return NULL;
	while (n <= limit) {
		ssize_t r = wc_sys_read(fd, buf + n, limit + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	return buf;
}

static struct wc_config *load_file(const char *path, char *err, size_t errsz)
{
	/* O_NONBLOCK: a FIFO must not hang the host at start; it is refused. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errsz, "%s:1:1: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		snprintf(err, errsz, "%s:1:1: cannot stat: %s", path, strerror(errno));
		wc_sys_close(fd);
		return NULL;
	}
	if (refuse(path, &st, err, errsz) != 0) {
		wc_sys_close(fd);
		return NULL;
	}
	size_t len = 0;
	char *text = read_all(fd, WC_MAX_FILE_SIZE, &len);
	int saved = errno;
	wc_sys_close(fd);
	if (!text) {
		snprintf(err, errsz, "%s:1:1: cannot read: %s", path, strerror(saved));
		return NULL;
	}
	if (len > WC_MAX_FILE_SIZE) {
		snprintf(err, errsz, "%s:1:1: refused: larger than %d bytes", path,
			 WC_MAX_FILE_SIZE);
		free(text);
		return NULL;
	}
	struct wc_config *cfg = wc_config_parse(path, text, len, err, errsz);
	free(text);
	return cfg;
}

struct wc_config *wc_config_load_file(const char *path, char *err, size_t errsz)
{
	struct wc_config *cfg = load_file(path, err, errsz);
	if (!cfg)
		wc_one_line(err); /* the path may hold a newline */
	return cfg;
}

struct wc_config *wc_config_load_embedded(char *err, size_t errsz)
{
	return wc_config_parse(WC_EMBEDDED_NAME, wc_embedded_default,
			       (size_t)wc_embedded_default_len, err, errsz);
}

struct wc_config *wc_config_load_default(wc_getenv_fn getenv_fn, bool secure, char *err,
					 size_t errsz)
{
	const char *path = wc_config_pick_path(getenv_fn, secure);
	return path ? wc_config_load_file(path, err, errsz) : wc_config_load_embedded(err, errsz);
}
