/* Real clients that wait in event loops: their sockets time out in the
 * library (waitcap:expired), and the report puts those capped waits at the
 * call that armed the deadline. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "peers.h"
#include "timing.h"

/* curl polls its connecting socket in short waits of its own: the 300 ms
 * connect cap fires in between, against a listener whose accept queue is
 * full (the SYN is never answered). */
static void record_curl(const char *trace_dir)
{
	struct lt_env env;
	struct peer full;
	lt_init(&env);
	lt_start_sessiond(&env);
	cr_assert(peer_full_listener(&full, 0) == 0);
	char url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", full.port);
	const char *argv[] = { "curl", "-sS", "-o", "/dev/null", "--connect-timeout", "20", url, NULL };
	const char *extra[] = { "WAITCAP_CAPS=connect=300ms", NULL };
	int status = an_record_status(&env, trace_dir, argv, extra);
	cr_assert(status == 7 || status == 28, "curl exited %d, not on the connect cap", status);
	peer_stop(&full);
	lt_cleanup(&env);
}

TestSuite(real_clients, .timeout = 100);

Test(real_clients, curl_connect_deadline_is_a_capped_unbounded_connect_in_libcurl)
{
	const char *args[] = { an_shared_trace("curl", record_curl), NULL };
	cJSON *r = an_analyze_json(args);
	const cJSON *s, *found = NULL;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(r, "callsites"))
		if (strcmp(an_str(s, "op"), "connect") == 0 && an_num(s, "capped") > 0)
			found = s;
	char *text = cJSON_Print(r);
	cr_assert(found, "no capped connect in:\n%.4000s", text);
	cr_assert(strstr(an_str(found, "binary"), "libcurl.so"), "armed in %s, not libcurl:\n%.4000s",
		  an_str(found, "binary"), text);
	/* curl's own 20 s limit lives in curl, not on the socket. */
	cr_assert_eq(an_num(found, "unbounded"), an_num(found, "capped"));
	cr_assert_capped((int64_t)an_num(found, "expired_max_ms"), 300, "the longest capped connect");
	const cJSON *procs = cJSON_GetObjectItemCaseSensitive(r, "processes");
	cr_assert_str_eq(an_str(cJSON_GetArrayItem(procs, 0), "procname"), "curl");
	free(text);
	cJSON_Delete(r);
}
