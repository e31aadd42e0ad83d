/* The address → name table (names.h).
 *
 * Open addressing over a fixed array: an address hashes to a slot and may
 * sit in any of the PROBE slots after it.  A new answer goes to the slot
 * already holding its address, else an empty one, else the oldest of the
 * window (eviction): the table never grows, whatever the program resolves.
 * Entries do not expire by time: glibc does not tell a caller an answer's
 * TTL, and a program that resolves once at start and reconnects for hours
 * must keep its names; a newer answer for the same address replaces the
 * name.
 *
 * Each slot is a sequence lock: a writer makes seq odd (compare-and-swap,
 * so two writers never share a slot: the loser skips), writes, and makes
 * it even again; a reader copies the slot and keeps the copy only if seq
 * was the same even value before and after.  No lock, no allocation on
 * the connect path; one mmap, at the first answer. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "names.h"

#define PROBE 8

struct slot {
	uint32_t seq;        /* odd while being written */
	uint32_t used;       /* 0: empty */
	uint64_t stamp;      /* when written (a counter): the oldest goes first */
	uint8_t addr[16];    /* IPv4 as ::ffff:a.b.c.d */
	char name[WC_HOSTNAME_MAX];
};

static struct slot *table;
static unsigned nslots = WC_NAMES_SLOTS;
static uint64_t clock_stamp;

void wc_names_init(bool secure)
{
#ifdef WC_TEST_HOOKS
	const char *v = secure ? NULL : getenv("WAITCAP_TEST_NAME_SLOTS");
	if (v) {
		unsigned long n = strtoul(v, NULL, 10);
		if (n >= 8 && n <= WC_NAMES_SLOTS && (n & (n - 1)) == 0)
			nslots = (unsigned)n;
	}
#else
	(void)secure;
#endif
}

/* The table, mapped by the first caller; a racing second mapping is
 * given back. */
static struct slot *table_get(void)
{
	struct slot *t = __atomic_load_n(&table, __ATOMIC_ACQUIRE);
	if (t)
		return t;
	void *m = mmap(NULL, nslots * sizeof(struct slot), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	struct slot *expected = NULL;
	if (!__atomic_compare_exchange_n(&table, &expected, (struct slot *)m, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		munmap(m, nslots * sizeof(struct slot));
		return expected;
	}
	return m;
}

/* An address as the table's 16-byte key; false for other families. */
static bool key_of(int family, const void *addr, size_t len, uint8_t key[16])
{
	if (family == AF_INET && len >= 4) {
		memset(key, 0, 10);
		key[10] = key[11] = 0xff;
		memcpy(key + 12, addr, 4);
		return true;
	}
	if (family == AF_INET6 && len >= 16) {
		memcpy(key, addr, 16);
		return true;
	}
	return false;
}

static unsigned hash(const uint8_t key[16])
{
	uint64_t a, b;
	memcpy(&a, key, 8);
	memcpy(&b, key + 8, 8);
	uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
	return (unsigned)(h >> 32);
}

static bool is_address(const char *name)
{
	uint8_t buf[16];
	return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

void wc_names_learn(const char *name, int family, const void *addr, size_t len)
{
	uint8_t key[16];
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n >= WC_HOSTNAME_MAX || !key_of(family, addr, len, key) || is_address(name))
		return;
	struct slot *t = table_get();
	if (!t)
		return;
	unsigned mask = nslots - 1, at = hash(key) & mask;
	struct slot *pick = NULL;
	for (unsigned i = 0; i < PROBE; i++) {
		struct slot *s = &t[(at + i) & mask];
		if (!__atomic_load_n(&s->used, __ATOMIC_ACQUIRE)) {
			if (!pick || __atomic_load_n(&pick->used, __ATOMIC_RELAXED))
				pick = s;
			continue;
		}
		if (memcmp(s->addr, key, 16) == 0) {
			pick = s;
			break;
		}
		if (!pick || (__atomic_load_n(&pick->used, __ATOMIC_RELAXED) &&
			      __atomic_load_n(&s->stamp, __ATOMIC_RELAXED) <
				      __atomic_load_n(&pick->stamp, __ATOMIC_RELAXED)))
			pick = s;
	}
	uint32_t seq = __atomic_load_n(&pick->seq, __ATOMIC_RELAXED);
	if ((seq & 1) || !__atomic_compare_exchange_n(&pick->seq, &seq, seq + 1, false,
						      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return; /* another thread is writing it: its answer will do */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(pick->addr, key, 16);
	memcpy(pick->name, name, n + 1);
	__atomic_store_n(&pick->stamp, __atomic_add_fetch(&clock_stamp, 1, __ATOMIC_RELAXED),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&pick->used, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&pick->seq, seq + 2, __ATOMIC_RELEASE);
}

bool wc_names_find(const struct sockaddr *addr, socklen_t len, char *buf)
{
	struct slot *t = __atomic_load_n(&table, __ATOMIC_ACQUIRE);
	if (!t || !addr)
		return false; /* the program never resolved a name: nothing to ask */
	if (addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in))
		return wc_names_find_addr(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, buf);
	if (addr->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6))
		return wc_names_find_addr(AF_INET6, &((const struct sockaddr_in6 *)addr)->sin6_addr,
					  buf);
	return false;
}

bool wc_names_find_addr(int family, const void *addr, char *buf)
{
	struct slot *t = __atomic_load_n(&table, __ATOMIC_ACQUIRE);
	uint8_t key[16];
	if (!t || !key_of(family, addr, family == AF_INET ? 4 : 16, key))
		return false;
	unsigned mask = nslots - 1, at = hash(key) & mask;
	for (unsigned i = 0; i < PROBE; i++) {
		struct slot *s = &t[(at + i) & mask];
		uint32_t before = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		if ((before & 1) || !__atomic_load_n(&s->used, __ATOMIC_RELAXED) ||
		    memcmp(s->addr, key, 16) != 0)
			continue;
		memcpy(buf, s->name, WC_HOSTNAME_MAX);
		buf[WC_HOSTNAME_MAX - 1] = 0;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) == before)
			return true;
	}
	return false;
}
