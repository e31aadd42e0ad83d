/* Linear probing over a power-of-two array; the load factor stays below
 * one half, so probes are short and no tombstones are needed (no deletes). */
#include "table.h"

#include <stdlib.h>
#include <string.h>

uint64_t wc_hash_bytes(const void *key, size_t len)
{
	/* FNV-1a over 8-byte words, then a final avalanche: keys here are
	 * mostly arrays of 64-bit addresses, so word steps are enough. */
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ULL ^ len;
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
		p += 8;
		len -= 8;
	}
	while (len--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h | 1; /* 0 never appears, so it can mean "empty" */
}

static struct wc_table_entry *probe(const struct wc_table *table, uint64_t hash,
				    const void *key, size_t len)
{
	size_t mask = table->nslots - 1;
	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct wc_table_entry *e = &table->slots[i];
		if (!e->key)
			return e;
		if (e->hash == hash && e->keylen == len && memcmp(e->key, key, len) == 0)
			return e;
	}
}

void *wc_table_get(const struct wc_table *table, const void *key, size_t len)
{
	if (!table->nslots)
		return NULL;
	struct wc_table_entry *e = probe(table, wc_hash_bytes(key, len), key, len);
	return e->key ? e->value : NULL;
}

static int grow(struct wc_table *table)
{
	size_t nslots = table->nslots ? table->nslots * 2 : 64;
	struct wc_table_entry *slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return -1;
	struct wc_table old = *table;
	table->slots = slots;
	table->nslots = nslots;
	for (size_t i = 0; i < old.nslots; i++) {
		if (!old.slots[i].key)
			continue;
		*probe(table, old.slots[i].hash, old.slots[i].key, old.slots[i].keylen) = old.slots[i];
	}
	free(old.slots);
	return 0;
}

struct wc_table_entry *wc_table_upsert(struct wc_table *table, const void *key, size_t len)
{
	if ((table->count + 1) * 2 > table->nslots && grow(table) < 0)
		return NULL;
	uint64_t hash = wc_hash_bytes(key, len);
	struct wc_table_entry *e = probe(table, hash, key, len);
	if (e->key)
		return e;
	void *copy = malloc(len ? len : 1);
	if (!copy)
		return NULL;
	memcpy(copy, key, len);
	e->hash = hash;
	e->key = copy;
	e->keylen = len;
	e->value = NULL;
	table->count++;
	return e;
}

void wc_table_free(struct wc_table *table)
{
	for (size_t i = 0; i < table->nslots; i++)
		free(table->slots[i].key);
	free(table->slots);
	memset(table, 0, sizeof(*table));
}
