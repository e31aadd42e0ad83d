/* Symbolization, once per unique (binary, offset), after reading: elfutils
 * libdwfl opens each binary the trace named (checking its build id against
 * the one recorded in the trace, looking in --debug-dir and the standard
 * debug directories for separate debug files) and answers function and
 * file:line.  Offsets are return addresses: looked up at offset - 1 so that
 * the line is the call's, not the next statement's. */
#ifndef WC_ANALYZE_SYMBOLIZE_H
#define WC_ANALYZE_SYMBOLIZE_H

#include "aggregate.h"
#include "binmap.h"

struct wc_sym {
	char *function;     /* "?" when unknown, never NULL */
	char *file;         /* "" when unknown */
	int line;           /* 0 when unknown */
	const char *binary; /* the binary's path, "?" when unknown */
};

struct wc_symbolizer;

/* debug_dirs: colon-separated extra directories (--debug-dir), or NULL. */
struct wc_symbolizer *wc_symbolizer_new(const struct wc_binaries *bins, const char *debug_dirs);
/* Never NULL; valid until wc_symbolizer_free. */
const struct wc_sym *wc_symbolize(struct wc_symbolizer *s, const struct wc_frame *frame);
/* Binaries whose build id did not match the file on disk (warnings). */
void wc_symbolizer_warn(struct wc_symbolizer *s, void (*warn)(const char *line));
void wc_symbolizer_free(struct wc_symbolizer *s);

#endif
