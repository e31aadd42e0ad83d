/* Names the program resolved (names.c): address → host name, learnt from
 * its own getaddrinfo and gethostbyname* answers, asked at connect so that
 * rules by name (a match's "name") can select a destination's caps. */
#ifndef WAITCAP_NAMES_H
#define WAITCAP_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "policy.h"

/* Slots in the table unless a test build says otherwise; the table is
 * WC_NAMES_SLOTS × sizeof(struct slot) (about 1.1 MiB of address space,
 * touched only where names land), mapped once, at the first answer. */
#define WC_NAMES_SLOTS 4096

/* At start: a test build (-Dtest_hooks=true) reads WAITCAP_TEST_NAME_SLOTS
 * (a power of two, 8..WC_NAMES_SLOTS) so that a test can overflow it. */
void wc_names_init(bool secure);

/* The program resolved name to addr (an AF_INET or AF_INET6 address of
 * len bytes).  Names that are addresses themselves ("127.0.0.5") are not
 * learnt.  No lock; never blocks; a slot being written by another thread
 * is skipped. */
void wc_names_learn(const char *name, int family, const void *addr, size_t len);

/* The name the program last resolved to the destination's address, into
 * buf (WC_HOSTNAME_MAX bytes); false when it never did (or the entry was
 * evicted).  No lock, no allocation: connect's path. */
bool wc_names_find(const struct sockaddr *addr, socklen_t len, char *buf);

/* The same for a bare address (AF_INET: 4 bytes, AF_INET6: 16). */
bool wc_names_find_addr(int family, const void *addr, char *buf);

#endif
