/* Destination matching: a rule's "match" (host address or CIDR, port or
 * port range) against a socket address. */
#ifndef WAITCAP_MATCH_H
#define WAITCAP_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "policy.h"

/* Every host, every port. */
void wc_match_any(struct wc_match *match);

/* "10.0.0.1", "127.0.0.0/8", "::1", "fd00::/8".  -1 when malformed. */
int wc_match_parse_host(struct wc_match *match, const char *text);

/* "8000" or "8000-8100".  -1 when malformed or out of 1..65535. */
int wc_match_parse_ports(struct wc_match *match, const char *text);

/* "payments.internal" (exact, case-insensitive, a trailing dot ignored) or
 * "*.internal" (any name ending in ".internal").  -1 when not a valid host
 * name: labels of letters, digits, '-' and '_', 1..63 characters each, at
 * most 253 in all; '*' only as the whole first label. */
int wc_match_parse_name(struct wc_match *match, const char *text);

/* Does a resolved host name fit the pattern (match->name, not empty)? */
bool wc_match_name(const struct wc_match *match, const char *name);

/* IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) match IPv4 rules.  Other
 * families never match.  A match by name never matches here. */
bool wc_match_addr(const struct wc_match *match, const struct sockaddr *addr,
		   socklen_t addrlen);

/* A match by name against the name the program resolved addr from (NULL:
 * none); a match by address against addr.  The port always. */
bool wc_match_dest(const struct wc_match *match, const struct sockaddr *addr,
		   socklen_t addrlen, const char *name);

/* "127.0.0.0/8 port 8000-8100" or "name *.internal port 443", for explain
 * and check. */
void wc_match_format(const struct wc_match *match, char *buf, size_t size);

#endif
