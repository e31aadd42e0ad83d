/* From a location in the parsed tree back to LINE:COL in the text.
 *
 * cJSON parses; it keeps no positions.  The text has already been accepted
 * by cJSON, so a lexical walk that only knows strings, brackets, colons and
 * commas finds the Nth member at each level.  Bounds are still checked at
 * every step: a wrong guess must give a wrong column, never a crash. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "locate.h"

static size_t skip_space(const char *t, size_t len, size_t i)
{
	while (i < len && (unsigned char)t[i] <= ' ')
		i++;
	return i;
}

static size_t skip_string(const char *t, size_t len, size_t i)
{
	for (i++; i < len && t[i] != '"'; i++)
		if (t[i] == '\\')
			i++;
	return i < len ? i + 1 : len;
}

/* Past one value: a string, a whole object or array, or a bare scalar. */
static size_t skip_value(const char *t, size_t len, size_t i)
{
	if (i >= len)
		return len;
	if (t[i] == '"')
		return skip_string(t, len, i);
	if (t[i] != '{' && t[i] != '[') {
		while (i < len && (unsigned char)t[i] > ' ' && !strchr(",]}", t[i]))
			i++;
		return i;
	}
	size_t depth = 0;
	while (i < len) {
		char c = t[i];
		if (c == '"') {
			i = skip_string(t, len, i);
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && --depth == 0)
			return i + 1;
		i++;
	}
	return len;
}

size_t wc_locate_offset(const char *t, size_t len, const struct wc_jloc *loc)
{
	size_t i = 0;
	if (len >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0)
		i = 3; /* cJSON skips a UTF-8 byte order mark too */
	i = skip_space(t, len, i);

	for (int level = 0; level < loc->depth && level < WC_JLOC_DEPTH; level++) {
		if (i >= len || (t[i] != '{' && t[i] != '['))
			return i < len ? i : len;
		bool object = t[i] == '{';
		i = skip_space(t, len, i + 1);
		for (int n = 0;; n++) {
			size_t key = i;
			if (object) {
				i = skip_space(t, len, skip_string(t, len, i));
				i = skip_space(t, len, i + 1); /* the ':' */
			}
			if (n == loc->idx[level]) {
				if (level == loc->depth - 1 && loc->key && object)
					return key;
				break;
			}
			i = skip_space(t, len, skip_value(t, len, i));
			if (i >= len || t[i] != ',')
				return i < len ? i : len;
			i = skip_space(t, len, i + 1);
		}
	}
	return i < len ? i : len;
}

void wc_offset_line_col(const char *t, size_t len, size_t offset, int *line, int *col)
{
	int l = 1;
	size_t line_start = 0;
	if (offset > len)
		offset = len;
	for (size_t i = 0; i < offset; i++)
		if (t[i] == '\n') {
			l++;
			line_start = i + 1;
		}
	*line = l;
	*col = (int)(offset - line_start) + 1;
}

void wc_locate(const char *name, const char *t, size_t len, const struct wc_jloc *loc,
	       char *buf, size_t size)
{
	int line, col;
	wc_offset_line_col(t, len, wc_locate_offset(t, len, loc), &line, &col);
	snprintf(buf, size, "%s:%d:%d", name, line, col);
}

void wc_one_line(char *text)
{
	for (; *text; text++)
		if ((unsigned char)*text < ' ' || *text == 0x7f)
			*text = '?';
}
