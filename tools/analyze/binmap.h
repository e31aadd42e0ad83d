/* Which binary holds an address, per process: built from the
 * lttng_ust_statedump:* and lttng_ust_lib:* events of the trace.
 *
 * Binaries are interned once for the whole analysis by (path, build id), so
 * the same library mapped at different addresses in different processes
 * aggregates to one key: (binary id, offset from its load base). */
#ifndef WC_ANALYZE_BINMAP_H
#define WC_ANALYZE_BINMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "table.h"

enum wc_binary_role {
	WC_BINARY_CODE,     /* a call site can be here */
	WC_BINARY_SYSTEM,   /* libc, libpthread, the dynamic loader: skipped */
	WC_BINARY_WAITCAP,  /* libwaitcap itself: skipped */
	WC_BINARY_USER_SKIP /* matched a --skip MODULE */
};

struct wc_binary {
	uint32_t id;               /* 1.., index + 1 in wc_binaries.list */
	char *path;
	const char *name;          /* basename of path */
	uint8_t build_id[64];
	size_t build_id_len;
	char *debug_link;          /* NULL if none seen */
	bool is_pic;
	enum wc_binary_role role;
};

struct wc_binaries {
	struct wc_table by_key;    /* path + build id -> struct wc_binary * */
	struct wc_binary **list;
	size_t count, cap;
	const char *const *skip;   /* --skip substrings, NULL-terminated */
};

struct wc_mapping {
	uint64_t baddr, memsz;
	struct wc_binary *binary;
};

struct wc_procmap {
	struct wc_mapping *v;      /* sorted by baddr */
	size_t count, cap;
};

struct wc_binary *wc_binaries_intern(struct wc_binaries *bins, const char *path,
				     const uint8_t *build_id, size_t build_id_len,
				     bool is_pic);
struct wc_binary *wc_binaries_get(const struct wc_binaries *bins, uint32_t id);
void wc_binaries_free(struct wc_binaries *bins);

/* A binary mapped at baddr (replacing any mapping at the same base). */
int wc_procmap_add(struct wc_procmap *map, uint64_t baddr, uint64_t memsz,
		   struct wc_binary *binary);
/* The mapping at exactly baddr, or NULL. */
struct wc_mapping *wc_procmap_at(struct wc_procmap *map, uint64_t baddr);
void wc_procmap_remove(struct wc_procmap *map, uint64_t baddr);
/* The mapping that contains addr, or NULL. */
const struct wc_mapping *wc_procmap_find(const struct wc_procmap *map, uint64_t addr);
void wc_procmap_free(struct wc_procmap *map);

#endif
