/* Library start: real symbols, fd table, policy, tracing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "control.h"
#include "fdtab.h"
#include "names.h"
#include "real.h"
#include "reload.h"
#include "resolve.h"
#include "stats.h"
#include "trace.h"

bool wc_ready;
int wc_pid;
__thread int wc_guard __attribute__((tls_model("initial-exec")));
static struct wc_policy initial_policy;
const struct wc_policy *wc_policy_cur = &initial_policy;

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
	if (wc_policy_load(&initial_policy, env_lookup, secure) != 0 && initial_policy.error[0])
		dprintf(2, "waitcap: %s; running without caps (tracing on)\n", initial_policy.error);
	wc_resolve_init(&initial_policy);
	wc_names_init(secure);
	wc_stats_init(&initial_policy, secure);
	wc_control_init(secure);
	/* After the stats file: whether to load the tracer now or when
	 * `waitcap record` asks through it. */
	wc_trace_init(&initial_policy);
	wc_reload_init(&initial_policy, env_lookup, secure);
	__atomic_store_n(&wc_ready, true, __ATOMIC_RELEASE);
	wc_guard--;
}
