#include "binmap.h"

#include <stdlib.h>
#include <string.h>

/* Modules that are never a call site: the C library (the program called
 * through it), and our own library, whose frames the tracer already drops
 * but which may appear when a wrapper calls another wrapper. */
static enum wc_binary_role role_of(const char *name, const char *const *skip)
{
	static const char *const system[] = {
		"libc.so", "libc-", "libpthread", "ld-linux", "ld64.so", "libdl.so",
		"librt.so", "libresolv", NULL
	};
	if (strncmp(name, "libwaitcap", 10) == 0)
		return WC_BINARY_WAITCAP;
	for (const char *const *s = system; *s; s++)
		if (strncmp(name, *s, strlen(*s)) == 0)
			return WC_BINARY_SYSTEM;
	if (strstr(name, "linux-vdso"))
		return WC_BINARY_SYSTEM;
	for (const char *const *s = skip; s && *s; s++)
		if (strstr(name, *s))
			return WC_BINARY_USER_SKIP;
	return WC_BINARY_CODE;
}

struct wc_binary *wc_binaries_intern(struct wc_binaries *bins, const char *path,
				     const uint8_t *build_id, size_t build_id_len,
				     bool is_pic)
{
	if (build_id_len > sizeof(((struct wc_binary *)0)->build_id))
		build_id_len = sizeof(((struct wc_binary *)0)->build_id);
	size_t plen = strlen(path);
	char key[4096 + 64 + 1];
	if (plen > 4096)
		plen = 4096;
	memcpy(key, path, plen);
	key[plen] = 0;
	memcpy(key + plen + 1, build_id, build_id_len);
	size_t klen = plen + 1 + build_id_len;

	struct wc_table_entry *e = wc_table_upsert(&bins->by_key, key, klen);
	if (!e)
		return NULL;
	if (e->value)
		return e->value;
	if (bins->count == bins->cap) {
		size_t cap = bins->cap ? bins->cap * 2 : 32;
		struct wc_binary **list = realloc(bins->list, cap * sizeof(*list));
		if (!list)
			return NULL;
		bins->list = list;
		bins->cap = cap;
	}
	struct wc_binary *b = calloc(1, sizeof(*b));
	if (!b || !(b->path = strndup(path, plen))) {
		free(b);
		return NULL;
	}
	const char *slash = strrchr(b->path, '/');
	b->name = slash ? slash + 1 : b->path;
	memcpy(b->build_id, build_id, build_id_len);
	b->build_id_len = build_id_len;
	b->is_pic = is_pic;
	b->role = role_of(b->name, bins->skip);
	bins->list[bins->count++] = b;
	b->id = (uint32_t)bins->count;
	e->value = b;
	return b;
}

struct wc_binary *wc_binaries_get(const struct wc_binaries *bins, uint32_t id)
{
	return id >= 1 && id <= bins->count ? bins->list[id - 1] : NULL;
}

void wc_binaries_free(struct wc_binaries *bins)
{
	for (size_t i = 0; i < bins->count; i++) {
		free(bins->list[i]->path);
		free(bins->list[i]->debug_link);
		free(bins->list[i]);
	}
	free(bins->list);
	wc_table_free(&bins->by_key);
}

static size_t lower_bound(const struct wc_procmap *map, uint64_t baddr)
{
	size_t lo = 0, hi = map->count;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (map->v[mid].baddr < baddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int wc_procmap_add(struct wc_procmap *map, uint64_t baddr, uint64_t memsz,
		   struct wc_binary *binary)
{
	size_t i = lower_bound(map, baddr);
	if (i < map->count && map->v[i].baddr == baddr) {
		map->v[i].memsz = memsz;
		map->v[i].binary = binary;
		return 0;
	}
	if (map->count == map->cap) {
		size_t cap = map->cap ? map->cap * 2 : 16;
		struct wc_mapping *v = realloc(map->v, cap * sizeof(*v));
		if (!v)
			return -1;
		map->v = v;
		map->cap = cap;
	}
	memmove(&map->v[i + 1], &map->v[i], (map->count - i) * sizeof(*map->v));
	map->v[i] = (struct wc_mapping){ baddr, memsz, binary };
	map->count++;
	return 0;
}

struct wc_mapping *wc_procmap_at(struct wc_procmap *map, uint64_t baddr)
{
	size_t i = lower_bound(map, baddr);
	return i < map->count && map->v[i].baddr == baddr ? &map->v[i] : NULL;
}

void wc_procmap_remove(struct wc_procmap *map, uint64_t baddr)
{
	size_t i = lower_bound(map, baddr);
	if (i < map->count && map->v[i].baddr == baddr) {
		memmove(&map->v[i], &map->v[i + 1], (map->count - i - 1) * sizeof(*map->v));
		map->count--;
	}
}

const struct wc_mapping *wc_procmap_find(const struct wc_procmap *map, uint64_t addr)
{
	/* The last mapping starting at or below addr, if addr is inside it. */
	size_t i = lower_bound(map, addr + 1);
	if (i == 0)
		return NULL;
	const struct wc_mapping *m = &map->v[i - 1];
	return addr - m->baddr < m->memsz ? m : NULL;
}

void wc_procmap_free(struct wc_procmap *map)
{
	free(map->v);
	memset(map, 0, sizeof(*map));
}
