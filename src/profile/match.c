/* Destination matching.  Runs once per connection in the library (at connect
 * time), so it is plain arithmetic: no allocation, no locks. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"

void wc_match_any(struct wc_match *match)
{
	memset(match, 0, sizeof *match);
	match->port_lo = 0;
	match->port_hi = 65535;
}

/* A decimal number of at most max, no sign, no junk. */
static int parse_uint(const char *s, size_t n, long max, long *out)
{
	long v = 0;
	if (n == 0 || n > 6)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

int wc_match_parse_host(struct wc_match *match, const char *text)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	if (alen == 0 || alen >= sizeof addr)
		return -1;
	memcpy(addr, text, alen);
	addr[alen] = 0;

	uint8_t bytes[16] = {0};
	int family, bits;
	if (inet_pton(AF_INET, addr, bytes) == 1) {
		family = AF_INET;
		bits = 32;
	} else if (inet_pton(AF_INET6, addr, bytes) == 1) {
		family = AF_INET6;
		bits = 128;
	} else {
		return -1;
	}

	long prefix = bits;
	if (slash && parse_uint(slash + 1, strlen(slash + 1), bits, &prefix) != 0)
		return -1;

	/* Keep only the network part, so "127.0.0.1/8" means 127.0.0.0/8. */
	for (int i = 0; i < 16; i++) {
		int keep = (int)prefix - 8 * i;
		if (keep <= 0)
			bytes[i] = 0;
		else if (keep < 8)
			bytes[i] &= (uint8_t)(0xff << (8 - keep));
	}
	match->family = family;
	memcpy(match->addr, bytes, sizeof match->addr);
	match->prefix = (int)prefix;
	return 0;
}

int wc_match_parse_ports(struct wc_match *match, const char *text)
{
	const char *dash = strchr(text, '-');
	long lo, hi;
	if (dash) {
		if (parse_uint(text, (size_t)(dash - text), 65535, &lo) != 0 ||
		    parse_uint(dash + 1, strlen(dash + 1), 65535, &hi) != 0)
			return -1;
	} else {
		if (parse_uint(text, strlen(text), 65535, &lo) != 0)
			return -1;
		hi = lo;
	}
	if (lo < 1 || hi < lo)
		return -1;
	match->port_lo = (int)lo;
	match->port_hi = (int)hi;
	return 0;
}

int wc_match_parse_name(struct wc_match *match, const char *text)
{
	const char *s = text;
	size_t n = strlen(s);
	bool suffix = n >= 2 && s[0] == '*' && s[1] == '.';
	if (suffix)
		s += 2, n -= 2;
	if (n > 0 && s[n - 1] == '.')
		n--; /* "backend.test." is the same name */
	if (n == 0 || n > 253)
		return -1;
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (label == 0)
				return -1;
			label = 0;
			continue;
		}
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-' || c == '_';
		if (!ok || ++label > 63)
			return -1;
	}
	if (label == 0)
		return -1;
	size_t at = 0;
	if (suffix) {
		match->name[at++] = '*';
		match->name[at++] = '.';
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		match->name[at++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	match->name[at] = 0;
	match->family = 0;
	return 0;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Do the n bytes at a equal the lower-case pattern p, ignoring case? */
static bool same_name(const char *a, size_t n, const char *p, size_t pn)
{
	if (n != pn)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != p[i])
			return false;
	return true;
}

bool wc_match_name(const struct wc_match *match, const char *name)
{
	if (name == NULL || match->name[0] == 0)
		return false;
	size_t n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		n--;
	const char *p = match->name;
	size_t pn = strlen(p);
	if (p[0] != '*')
		return same_name(name, n, p, pn);
	/* "*.internal": a name ending in ".internal" with at least one label
	 * before it. */
	size_t tail = pn - 1; /* ".internal" */
	return n > tail && same_name(name + n - tail, tail, p + 1, tail);
}

static bool prefix_equal(const uint8_t *a, const uint8_t *net, int prefix)
{
	int whole = prefix / 8, rest = prefix % 8;
	if (memcmp(a, net, (size_t)whole) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a[whole] & mask) == net[whole];
}

bool wc_match_addr(const struct wc_match *match, const struct sockaddr *addr,
		   socklen_t addrlen)
{
	return wc_match_dest(match, addr, addrlen, NULL);
}

bool wc_match_dest(const struct wc_match *match, const struct sockaddr *addr,
		   socklen_t addrlen, const char *name)
{
	const uint8_t *bytes;
	int family, port;

	if (addr == NULL)
		return false;
	if (addr->sa_family == AF_INET && addrlen >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
		bytes = (const uint8_t *)&in->sin_addr;
		family = AF_INET;
		port = ntohs(in->sin_port);
	} else if (addr->sa_family == AF_INET6 &&
		   addrlen >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
		bytes = (const uint8_t *)&in6->sin6_addr;
		family = AF_INET6;
		port = ntohs(in6->sin6_port);
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			bytes += 12;
			family = AF_INET;
		}
	} else {
		return false;
	}

	if (port < match->port_lo || port > match->port_hi)
		return false;
	if (match->name[0])
		return wc_match_name(match, name);
	if (match->family == 0)
		return true;
	return match->family == family && prefix_equal(bytes, match->addr, match->prefix);
}

void wc_match_format(const struct wc_match *match, char *buf, size_t size)
{
	char host[WC_HOSTNAME_MAX + 8] = "any host";
	char ports[32] = "";
	if (match->name[0]) {
		snprintf(host, sizeof host, "name %s", match->name);
	} else if (match->family != 0) {
		char a[INET6_ADDRSTRLEN];
		inet_ntop(match->family, match->addr, a, sizeof a);
		int full = match->family == AF_INET ? 32 : 128;
		if (match->prefix == full)
			snprintf(host, sizeof host, "%s", a);
		else
			snprintf(host, sizeof host, "%s/%d", a, match->prefix);
	}
	if (match->port_lo == match->port_hi)
		snprintf(ports, sizeof ports, " port %d", match->port_lo);
	else if (match->port_lo > 0 || match->port_hi < 65535)
		snprintf(ports, sizeof ports, " ports %d-%d", match->port_lo, match->port_hi);
	snprintf(buf, size, "%s%s", host, ports);
}
