/* Reading what the epoll test programs print. */
#include <stdlib.h>
#include <string.h>

#include "transcript.h"

static const char *find_line(const char *out, const char *prefix)
{
	size_t n = strlen(prefix);
	for (const char *p = out; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, prefix, n))
			return p;
	return NULL;
}

const char *transcript_line(const char *out, const char *prefix, char *buf, size_t len)
{
	const char *p = find_line(out, prefix);
	if (!p || !len)
		return NULL;
	size_t i = 0;
	while (p[i] && p[i] != '\n' && strncmp(p + i, " #", 2) && i + 1 < len) {
		buf[i] = p[i];
		i++;
	}
	buf[i] = '\0';
	return buf;
}

static long value_of(const char *out, const char *prefix, const char *key)
{
	const char *p = find_line(out, prefix);
	if (!p)
		return -1;
	const char *end = strchr(p, '\n');
	const char *v = strstr(p, key);
	if (!v || (end && v > end))
		return -1;
	return strtol(v + strlen(key), NULL, 10);
}

long transcript_ms(const char *out, const char *prefix)
{
	return value_of(out, prefix, " ms=");
}

long transcript_armed_ms(const char *out, const char *prefix)
{
	return value_of(out, prefix, " armed_ms=");
}

void transcript_untimed(const char *out, char *buf, size_t len)
{
	size_t o = 0;
	for (const char *p = out; *p && o + 1 < len;) {
		if (!strncmp(p, " #", 2)) {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		buf[o++] = *p++;
	}
	buf[o] = '\0';
}
