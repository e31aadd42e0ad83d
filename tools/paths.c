/* Where the libraries are: next to the build tree's waitcap, or installed. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tools.h"

static int running_from_build_tree(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return 0;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	return strcmp(exe, WAITCAP_BUILD_TOOLDIR) == 0;
}

static const char *existing(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
	return access(buf, R_OK) == 0 ? buf : NULL;
}

const char *wc_lib_path(void)
{
	static char path[PATH_MAX];
	return existing(path, sizeof(path),
			running_from_build_tree() ? WAITCAP_BUILD_LIBDIR : WAITCAP_PKGLIBDIR,
			"libwaitcap.so");
}

const char *wc_sibling_path(const char *name)
{
	static char path[PATH_MAX];
	return existing(path, sizeof(path),
			running_from_build_tree() ? WAITCAP_BUILD_TPDIR : WAITCAP_PKGLIBDIR, name);
}
