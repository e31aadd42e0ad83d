/* What a resolve cap sets: the stub resolver's own two knobs.
 *
 * glibc's resolver waits `timeout` whole seconds (at least 1) for a name
 * server and makes `attempts` rounds over its servers; it reads both from
 * /etc/resolv.conf's "options" lines and then from RES_OPTIONS, when it
 * loads its configuration.  A cap becomes the largest timeout × attempts
 * within it (two attempts once the cap allows two seconds: one lost UDP
 * datagram then costs one try, not the lookup).  Options already given by
 * the environment or the file win, one by one, as a program's own timeout
 * does. */
#include <stdio.h>
#include <string.h>

#include "policy.h"

void wc_resolver_knobs(int32_t cap_ms, int *timeout_s, int *attempts)
{
	int seconds = cap_ms / 1000;
	if (seconds < 1)
		seconds = 1; /* the resolver's granularity: never less than a second */
	*attempts = seconds >= 2 ? 2 : 1;
	*timeout_s = seconds / *attempts;
}

/* Does the option list TEXT (space or tab separated) have NAME (e.g.
 * "timeout:")?  For resolv.conf, only "options" lines count. */
static bool has_option(const char *text, const char *name, bool conf)
{
	size_t n = strlen(name);
	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *s = line, *stop = line + len;
		bool wanted = !conf;
		if (conf && len > 7 && !strncmp(s, "options", 7) && (s[7] == ' ' || s[7] == '\t')) {
			wanted = true;
			s += 7;
		}
		while (wanted && s < stop) {
			while (s < stop && (*s == ' ' || *s == '\t'))
				s++;
			if ((size_t)(stop - s) >= n && !strncmp(s, name, n))
				return true;
			while (s < stop && *s != ' ' && *s != '\t')
				s++;
		}
		line = end ? end + 1 : NULL;
	}
	return false;
}

bool wc_resolver_has_option(const char *env, const char *conf, const char *name)
{
	return has_option(env ? env : "", name, false) || has_option(conf ? conf : "", name, true);
}

int wc_resolver_env(int32_t cap_ms, const char *env, const char *conf, char *out, size_t size)
{
	int timeout_s, attempts, added = 0;
	wc_resolver_knobs(cap_ms, &timeout_s, &attempts);
	int n = snprintf(out, size, "%s", env ? env : "");
	if (!has_option(env ? env : "", "timeout:", false) && !has_option(conf ? conf : "", "timeout:", true)) {
		n += snprintf(out + n, size > (size_t)n ? size - (size_t)n : 0, "%stimeout:%d",
			      n ? " " : "", timeout_s);
		added |= WC_RESOLVER_SET_TIMEOUT;
	}
	if (!has_option(env ? env : "", "attempts:", false) && !has_option(conf ? conf : "", "attempts:", true)) {
		n += snprintf(out + n, size > (size_t)n ? size - (size_t)n : 0, "%sattempts:%d",
			      n ? " " : "", attempts);
		added |= WC_RESOLVER_SET_ATTEMPTS;
	}
	if (n < 0 || (size_t)n >= size)
		return 0; /* no room: set nothing rather than a cut option */
	return added;
}
