/* JSON positions for error messages (see locate.c). */
#ifndef WAITCAP_LOCATE_H
#define WAITCAP_LOCATE_H

#include <stddef.h>

#include "config.h"

/* Byte offset of the value (or key) at loc in text already accepted by cJSON. */
size_t wc_locate_offset(const char *text, size_t len, const struct wc_jloc *loc);

/* 1-based line and byte column of an offset. */
void wc_offset_line_col(const char *text, size_t len, size_t offset, int *line, int *col);

/* "NAME:LINE:COL" for loc. */
void wc_locate(const char *name, const char *text, size_t len, const struct wc_jloc *loc,
	       char *buf, size_t size);

/* Keep an error on one line: control characters from the file or the
 * environment (a key with a raw newline) become '?'. */
void wc_one_line(char *text);

#endif
