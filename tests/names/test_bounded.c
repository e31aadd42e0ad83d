/* The name table's bound: a program that resolves many more distinct
 * names than the table holds keeps its memory, and a name it resolved last
 * still selects its rule. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "world.h"

TestSuite(names_bounded, .fini = world_leave, .timeout = 120);

#define NAMES 1000
#define ROUNDS 100 /* 100 000 lookups */

Test(names_bounded, resolving_100000_names_keeps_memory_and_the_last_name)
{
	/* n<i>.test at 127.1.<i/250>.<1 + i%250>: distinct addresses. */
	static char hosts[NAMES * 40];
	size_t used = 0;
	for (int i = 0; i < NAMES; i++)
		used += (size_t)snprintf(hosts + used, sizeof hosts - used, "127.1.%d.%d n%d.test\n",
					 i / 250, 1 + i % 250, i);
	int port = world_enter(hosts);
	char config[256], port_text[16], names[16], rounds[16];
	snprintf(config, sizeof config, "WAITCAP_CONFIG=%s",
		 world_profile("{\"name\": \"backend\", \"match\": {\"name\": \"backend.test\"}, "
			       "\"caps\": {\"connect\": \"300ms\"}}"));
	snprintf(port_text, sizeof port_text, "%d", port);
	snprintf(names, sizeof names, "%d", NAMES);
	snprintf(rounds, sizeof rounds, "%d", ROUNDS);
	/* A 64-slot table (a test build's knob): 1000 names churn through it
	 * 100 times over. */
	const char *env[] = {config, "WAITCAP_TEST_NAME_SLOTS=64", NULL};
	const char *argv[] = {build_path("tests/names/churn_probe"), names, rounds, port_text,
			      NULL};
	struct proc_result r;
	cr_assert_eq(proc_run(&r, argv, env, true, 100000), 0);
	cr_assert_eq(r.exit_code, 0, "probe: exit %d\n%s", r.exit_code, r.err);
	long first, last, ms;
	int err;
	cr_assert_eq(sscanf(r.out, "%ld %ld %ld %d", &first, &last, &ms, &err), 4, "probe said %s",
		     r.out);
	/* From the warm point (10 000 lookups) to the end, 90 000 lookups: a
	 * leak of the smallest malloc chunk (32 bytes) per lookup would add
	 * 2.8 MiB; 256 KiB leaves room for malloc's and the resolver's own
	 * page-level noise (CI once saw 68 KiB from the first round on). */
	cr_log_info("RSS after 10 000 lookups %ld KiB, after 100 000 %ld KiB", first, last);
	cr_assert(last - first <= 256, "RSS grew from %ld KiB to %ld KiB over 90 000 lookups",
		  first, last);
	cr_assert_eq(err, ETIMEDOUT, "connect errno %d", err);
	cr_assert(ms >= 280 && ms <= 500, "connect to backend.test took %ld ms, cap 300 ms", ms);
}
