/* An open-addressing hash table keyed by byte strings, for the analyzer's
 * aggregation keys (call sites, stacks, processes, symbols).  Keys are
 * copied; values are whatever pointer the caller stores.  It only grows:
 * the analyzer never forgets a key before the report is printed. */
#ifndef WC_ANALYZE_TABLE_H
#define WC_ANALYZE_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct wc_table_entry {
	uint64_t hash;
	void *key;
	size_t keylen;
	void *value;
};

struct wc_table {
	struct wc_table_entry *slots;
	size_t nslots;   /* a power of two */
	size_t count;
};

uint64_t wc_hash_bytes(const void *key, size_t len);

/* The value stored under key, or NULL. */
void *wc_table_get(const struct wc_table *table, const void *key, size_t len);

/* The slot for key, created (value NULL) when absent; NULL only when out of
 * memory.  The pointer is valid until the next insertion. */
struct wc_table_entry *wc_table_upsert(struct wc_table *table, const void *key, size_t len);

/* Call visit for every entry, in no particular order. */
#define WC_TABLE_FOREACH(table, entry) \
	for (struct wc_table_entry *entry = (table)->slots; \
	     entry && entry < (table)->slots + (table)->nslots; entry++) \
		if (entry->key)

/* Frees the table's keys and slots; values are the caller's. */
void wc_table_free(struct wc_table *table);

#endif
