/* Traces and names: the wait for a connect to a name the program resolved
 * (Python waits in poll) is a waitcap:wait event whose name field is that
 * name, and `waitcap analyze
 * --by peer` shows it beside the address; under a real lttng-sessiond. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "world.h"

TestSuite(names_trace, .fini = world_leave, .timeout = 120);

Test(names_trace, a_connect_by_name_is_traced_and_analyzed_with_its_name)
{
	int port = world_enter(NULL);
	struct lt_env env;
	lt_init(&env);
	lt_start_sessiond(&env);
	const char *trace = lt_path(&env, "trace");
	char config[256], port_s[16];
	snprintf(config, sizeof config, "WAITCAP_CONFIG=%s",
		 world_profile("{\"name\": \"backend\", \"match\": {\"name\": \"backend.test\"}, "
			       "\"caps\": {\"connect\": \"300ms\"}}"));
	snprintf(port_s, sizeof port_s, "%d", port);
	const char *argv[] = {"/usr/bin/python3", "-c",
			      "import socket, sys\n"
			      "for host in ['" BACKEND "', '" OTHER_ADDR "']:\n"
			      "    try:\n"
			      "        socket.create_connection((host, int(sys.argv[1])), timeout=30)\n"
			      "    except OSError:\n"
			      "        pass\n",
			      port_s, NULL};
	const char *extra[] = {config, NULL};
	an_record(&env, trace, argv, extra);

	char *text = lt_babeltrace(trace, false);
	const char *by_name[] = {"waitcap:wait", "peer = \"" BACKEND_ADDR ":",
				 "name = \"" BACKEND "\"", NULL};
	char line[4096] = "";
	const char *waits = strstr(text, "waitcap:wait");
	cr_assert_eq(lt_count_lines(text, by_name, line, sizeof line), 1, "waits:\n%.4000s",
		     waits ? waits : "(none)");
	char value[256];
	cr_assert(lt_field(line, "rule", value, sizeof value));
	cr_assert_str_eq(value, "backend");
	cr_assert(lt_field(line, "cap_ms", value, sizeof value));
	cr_assert_str_eq(value, "300");
	/* The waits on 127.0.0.6 (reached by address): the library emits an
	 * empty name and rule, but with liblttng-ust 2.13.5 the recorded
	 * event was seen (2 runs in 3) to carry stale bytes for empty string
	 * fields ("backend"/"backend.test" from an earlier event), in the
	 * text and to the analyzer alike; so only their cap is asserted. */
	const char *by_addr[] = {"waitcap:wait", "peer = \"" OTHER_ADDR ":", "cap_ms = 2000", NULL};
	cr_assert_eq(lt_count_lines(text, by_addr, line, sizeof line), 1, "waits:\n%.4000s",
		     waits ? waits : "(none)");
	free(text);

	const char *args[] = {trace, "--by", "peer", NULL};
	cJSON *report = an_analyze_json(args);
	const cJSON *groups = cJSON_GetObjectItemCaseSensitive(report, "groups");
	char key[128];
	snprintf(key, sizeof key, BACKEND " (" BACKEND_ADDR ":%d)", port);
	cr_assert_eq(an_num(an_group(groups, key), "capped"), 1, "%s", cJSON_Print(report));
	cJSON_Delete(report);
	lt_cleanup(&env);
}
