/* The caps of a what-if, from --what-if OP=DUR,... or a profile file
 * (whatif_caps.c, on the library's profile code).  Indexed by enum wc_op,
 * the socket ops (connect, recv, send); -1 is no cap. */
#ifndef WC_ANALYZE_WHATIF_CAPS_H
#define WC_ANALYZE_WHATIF_CAPS_H

#include <stddef.h>
#include <stdint.h>

#include "wc_vocab.h"

#define WC_WHATIF_OPS WC_SOCKET_OPS

/* "connect=300ms,recv=2s" (OP=none allowed); -1 with a one-line err. */
int wc_whatif_parse_caps(const char *text, int64_t caps_ms[WC_WHATIF_OPS], char *err, size_t errsz);

/* The profile file's active profile as the library would pick it with
 * only ENVIRONMENT=environment set (NULL: the file's default); desc says
 * which.  NULL with err on a bad file. */
void *wc_whatif_load_profile(const char *path, const char *environment, char *desc, size_t desclen,
			     char *err, size_t errsz);
/* The profile's own op caps, and those for one peer ("127.0.0.1:80",
 * "[::1]:443": the first matching rule's). */
void wc_whatif_profile_caps(const void *profile, int64_t caps_ms[WC_WHATIF_OPS]);
void wc_whatif_caps_for_peer(const void *profile, const char *peer, int64_t caps_ms[WC_WHATIF_OPS]);
void wc_whatif_free_profile(void *profile);

#endif
