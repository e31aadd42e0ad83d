/* The names of wc_vocab.h's lists, in one table each. */
#include <stdio.h>
#include <string.h>

#include "wc_vocab.h"

#define WC_NAME_(id, name) name,
const char *const wc_op_names[WC_OP_COUNT] = { WC_OPS(WC_NAME_) };
const char *const wc_outcome_names[WC_OUT_COUNT] = { WC_OUTCOMES(WC_NAME_) };
#undef WC_NAME_

const char *wc_op_name(enum wc_op op)
{
	return (unsigned)op < WC_OP_COUNT ? wc_op_names[op] : "?";
}

const char *wc_outcome_name(enum wc_outcome outcome)
{
	return (unsigned)outcome < WC_OUT_COUNT ? wc_outcome_names[outcome] : "?";
}

const char *wc_op_list(char *buf, size_t len, int count)
{
	size_t used = 0;
	if (len)
		buf[0] = '\0';
	for (int op = 0; op < count && op < WC_OP_COUNT && used < len; op++) {
		int n = snprintf(buf + used, len - used, "%s%s", op ? ", " : "", wc_op_names[op]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}

int wc_op_parse(const char *name)
{
	for (int op = 0; op < WC_OP_COUNT; op++)
		if (strcmp(name, wc_op_names[op]) == 0)
			return op;
	return -1;
}

int wc_outcome_parse(const char *name)
{
	for (int o = 0; o < WC_OUT_COUNT; o++)
		if (strcmp(name, wc_outcome_names[o]) == 0)
			return o;
	return -1;
}
