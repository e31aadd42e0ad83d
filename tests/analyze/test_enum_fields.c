/* op and outcome are enumeration fields of the trace (wc_vocab.h's lists,
 * WAITCAP_TP_API_VERSION 5): a real traced run (blocker, under a real
 * lttng-sessiond) read by babeltrace2, an independent reader, and by
 * `waitcap analyze`, which must agree on every op and outcome.  A trace
 * recorded by the version before (strings) is still read. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "wc_vocab.h"

TestSuite(enum_fields, .timeout = 100);

/* `name = ( "LABEL" : container = VALUE )` in line: the label and value. */
static bool enum_field(const char *line, const char *name, char *label, size_t len, long *value)
{
	char key[64];
	snprintf(key, sizeof key, " %s = ( \"", name);
	const char *at = strstr(line, key);
	if (!at)
		return false;
	at += strlen(key);
	const char *end = strchr(at, '"');
	cr_assert(end && (size_t)(end - at) < len, "a label without its end: %.300s", line);
	memcpy(label, at, (size_t)(end - at));
	label[end - at] = '\0';
	cr_assert(sscanf(end, "\" : container = %ld )", value) == 1,
		  "not an enumeration field: %.300s", line);
	return true;
}

/* Per op and per outcome: the waitcap:wait events babeltrace2 shows,
 * each label checked against the vocabulary's value for it. */
struct seen {
	int ops[WC_OP_COUNT], outcomes[WC_OUT_COUNT];
	int events;  /* waitcap:wait, waitcap:expired, waitcap:phase */
};

static void count_fields(const char *text, struct seen *s)
{
	memset(s, 0, sizeof *s);
	for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *eol = strchr(line, '\n');
		char copy[4096];
		size_t n = eol ? (size_t)(eol - line) : strlen(line);
		if (n >= sizeof copy)
			n = sizeof copy - 1;
		memcpy(copy, line, n);
		copy[n] = '\0';
		bool wait = strstr(copy, " waitcap:wait:");
		if (!wait && !strstr(copy, " waitcap:expired:") && !strstr(copy, " waitcap:phase:"))
			continue;
		s->events++;
		char label[64];
		long value;
		cr_assert(enum_field(copy, "op", label, sizeof label, &value),
			  "op is not an enumeration: %.300s", copy);
		cr_assert(value >= 0 && value < WC_OP_COUNT && !strcmp(label, wc_op_names[value]),
			  "op %s recorded as %ld, the vocabulary says %d", label, value,
			  wc_op_parse(label));
		if (wait)
			s->ops[value]++;
		if (!enum_field(copy, "outcome", label, sizeof label, &value))
			continue; /* waitcap:expired has none */
		cr_assert(value >= 0 && value < WC_OUT_COUNT && !strcmp(label, wc_outcome_names[value]),
			  "outcome %s recorded as %ld, the vocabulary says %d", label, value,
			  wc_outcome_parse(label));
		if (wait)
			s->outcomes[value]++;
	}
}

static double sum_callsites(const cJSON *report, const char *key)
{
	double sum = 0;
	const cJSON *site;
	cJSON_ArrayForEach(site, cJSON_GetObjectItemCaseSensitive(report, "callsites"))
		sum += an_num(site, key);
	return sum;
}

Test(enum_fields, op_and_outcome_are_recorded_with_the_vocabulary_values)
{
	char *text = lt_babeltrace(an_shared_trace("blocker", an_record_blocker), false);
	struct seen s;
	count_fields(text, &s);
	free(text);
	cr_assert_gt(s.events, 0, "no waitcap event in the trace");
	cr_assert_gt(s.ops[WC_OP_POLL], 0, "blocker polls");
	cr_assert_gt(s.ops[WC_OP_RECV], 0, "blocker receives");
	cr_assert_gt(s.outcomes[WC_OUT_APP_TIMEOUT], 0, "blocker's own timeouts");
	cr_assert_gt(s.outcomes[WC_OUT_CAPPED], 0, "blocker's recv capped at 300 ms");
}

Test(enum_fields, analyzer_reads_the_op_and_outcome_babeltrace2_shows)
{
	const char *trace = an_shared_trace("blocker", an_record_blocker);
	char *text = lt_babeltrace(trace, false);
	struct seen s;
	count_fields(text, &s);
	free(text);
	const char *args[] = { trace, "--top", "1000", NULL };
	cJSON *report = an_analyze_json(args);
	const cJSON *ops = cJSON_GetObjectItemCaseSensitive(report, "ops");
	int rows = 0;
	for (int op = 0; op < WC_OP_COUNT; op++) {
		const cJSON *row = cJSON_GetObjectItemCaseSensitive(ops, wc_op_names[op]);
		double count = row ? an_num(row, "count") : 0;
		cr_assert_eq((int)count, s.ops[op], "%s: the analyzer counted %d waits, babeltrace2 shows %d",
			     wc_op_names[op], (int)count, s.ops[op]);
		rows += row != NULL;
	}
	cr_assert_eq(cJSON_GetArraySize(ops), rows, "an op the vocabulary does not know: %s",
		     cJSON_PrintUnformatted(ops));
	/* capped counts the expired deadlines too (waitcap:expired). */
	cr_assert_eq((int)sum_callsites(report, "app_timeouts"), s.outcomes[WC_OUT_APP_TIMEOUT]);
	cr_assert_eq((int)(sum_callsites(report, "capped") - sum_callsites(report, "expired")),
		     s.outcomes[WC_OUT_CAPPED]);
	cr_assert_eq((int)sum_callsites(report, "errors"), s.outcomes[WC_OUT_ERROR]);
	cJSON_Delete(report);
}

/* Recorded by gen_trace known (bench/analyze) with the provider of
 * WAITCAP_TP_API_VERSION 4, whose op and outcome were strings: 4 connects
 * capped at 250 ms, 100 recvs ready, 3 recv deadlines expired. */
Test(enum_fields, trace_with_string_fields_from_before_is_still_read)
{
	char trace[600];
	snprintf(trace, sizeof trace, "%s/tests/analyze/traces/strings-api4", lt_getenv("WAITCAP_SRC"));
	char *text = lt_babeltrace(trace, false);
	cr_assert(strstr(text, "op = \"connect\"") && strstr(text, "outcome = \"capped\""),
		  "not a trace with string fields");
	free(text);
	const char *args[] = { trace, NULL };
	cJSON *report = an_analyze_json(args);
	const cJSON *ops = cJSON_GetObjectItemCaseSensitive(report, "ops");
	const cJSON *connect = cJSON_GetObjectItemCaseSensitive(ops, "connect");
	const cJSON *recv = cJSON_GetObjectItemCaseSensitive(ops, "recv");
	cr_assert(connect && recv, "%s", cJSON_PrintUnformatted(ops));
	cr_assert_eq(cJSON_GetArraySize(ops), 2);
	cr_assert_eq(an_num(connect, "count"), 4);
	cr_assert_eq(an_num(connect, "timeout_rate"), 1, "every connect capped");
	cr_assert_eq(an_num(recv, "count"), 100);
	cr_assert_eq(an_num(recv, "expired"), 3);
	cr_assert_eq(sum_callsites(report, "capped"), 4 + 3);
	cr_assert_eq(sum_callsites(report, "app_timeouts"), 0);
	cJSON_Delete(report);
}
