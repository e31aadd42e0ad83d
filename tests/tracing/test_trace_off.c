/* WAITCAP_TRACE=0: the provider is never loaded, liblttng-ust never mapped. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct lt_env env;

static void setup(void)
{
	lt_init(&env);
}

static void teardown(void)
{
	lt_cleanup(&env);
}

TestSuite(trace_off, .init = setup, .fini = teardown, .timeout = 25);

/* The mappings of a preloaded traced_client, read while it idles. */
static char *maps_of_idle_client(const char *const extra[])
{
	char client[512];
	snprintf(client, sizeof client, "%s/tests/tracing/traced_client", lt_getenv("WAITCAP_BUILD"));
	char preload[600];
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", lt_getenv("WAITCAP_LIB"));
	const char *full_extra[8] = {preload};
	for (int i = 0; extra && extra[i] && i < 6; i++)
		full_extra[i + 1] = extra[i];
	const char *argv[] = {client, "idle", NULL};
	struct lt_proc p;
	lt_spawn(&env, &p, argv, full_extra);
	cr_assert(lt_wait_output(&p, "ready\n", 10000), "client did not start: %s", p.err);

	char path[64];
	snprintf(path, sizeof path, "/proc/%d/maps", (int)p.pid);
	FILE *f = fopen(path, "r");
	cr_assert(f, "%s", path);
	size_t cap = 1 << 20, len = 0, n;
	char *maps = malloc(cap);
	while ((n = fread(maps + len, 1, cap - len - 1, f)) > 0)
		len += n;
	maps[len] = '\0';
	fclose(f);
	cr_assert_eq(lt_finish(&p, 5000), 0);
	return maps;
}

Test(trace_off, waitcap_trace_0_never_maps_liblttng_ust)
{
	const char *extra[] = {"WAITCAP_TRACE=0", NULL};
	char *maps = maps_of_idle_client(extra);
	cr_assert(strstr(maps, "libwaitcap.so"), "libwaitcap.so is not loaded:\n%s", maps);
	cr_assert(!strstr(maps, "liblttng-ust"), "liblttng-ust is mapped:\n%s", maps);
	cr_assert(!strstr(maps, "libwaitcap-tp.so"), "the provider is mapped:\n%s", maps);
	free(maps);
}

Test(trace_off, by_default_the_provider_and_liblttng_ust_are_loaded)
{
	char *maps = maps_of_idle_client(NULL);
	cr_assert(strstr(maps, "libwaitcap-tp.so"), "the provider is not mapped:\n%s", maps);
	cr_assert(strstr(maps, "liblttng-ust.so"), "liblttng-ust is not mapped:\n%s", maps);
	free(maps);
}
