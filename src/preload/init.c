/* Library start: real symbols, fd table, policy, tracing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "fdtab.h"
#include "real.h"
#include "resolve.h"
#include "stats.h"
#include "trace.h"

bool wc_ready;
int wc_pid;
__thread int wc_guard __attribute__((tls_model("initial-exec")));
struct wc_policy wc_policy;

static void refresh_pid(void)
{
	wc_pid = getpid();
}

static const char *env_lookup(const char *name)
{
	return getenv(name);
}

__attribute__((constructor)) static void wc_init(void)
{
	wc_guard++;
	wc_real_init();
	refresh_pid();
	pthread_atfork(NULL, NULL, refresh_pid);
	if (wc_fdtab_init() != 0) {
		/* No table, no policy: every wrapper stays a pass-through. */
		wc_guard--;
		return;
	}
	bool secure = getauxval(AT_SECURE) != 0;
	if (wc_policy_load(&wc_policy, env_lookup, secure) != 0 && wc_policy.error[0])
		dprintf(2, "waitcap: %s; running without caps (tracing on)\n", wc_policy.error);
	wc_resolve_init(&wc_policy);
	wc_trace_init(&wc_policy);
	wc_stats_init(&wc_policy, secure);
	__atomic_store_n(&wc_ready, true, __ATOMIC_RELEASE);
	wc_guard--;
}
