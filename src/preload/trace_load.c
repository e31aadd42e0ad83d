/* When libwaitcap-tp.so (and with it liblttng-ust) is loaded, and how
 * (docs/tracing.md, "When the library loads the tracer").
 *
 * Only when a session wants this process: at start when WAITCAP_TRACE=1,
 * when a `waitcap record` runs (its marker files), or without a stats file
 * (a record could not reach us later); else by a loader thread started on
 * the first wait after `waitcap record` asked through the stats file's
 * trace_wanted word.  WAITCAP_TRACE=0: never.  What is emitted through the
 * provider once loaded is trace.c's. */
#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "preload.h"
#include "stats.h"
#include "trace.h"
#include "trace_load.h"
/* The emit API is plain C: no LTTng header reaches this library. */
#include "../../tracepoints/waitcap_emit.h"

#define WC_TP_LIBRARY "libwaitcap-tp.so"

/* trace.h: NULL until the provider is loaded; the stats file's
 * trace_wanted word, or a zero without one. */
uint32_t (*wc_trace_enabled_fn)(uint32_t which);
static const uint32_t not_wanted;
const uint32_t *wc_trace_wanted = &not_wanted;

/* enum wc_tracer_state, in process memory; copied to the stats file for
 * `waitcap stats` and the tests. */
static uint32_t tracer_state = WC_TRACER_LAZY;

static void publish_state(uint32_t state)
{
	ST(tracer_state, state);
	struct wc_stats_file *s = LD(wc_stats);
	if (s)
		ST(s->tracer, state);
}

static bool env_is_off(const char *value)
{
	return value && (!strcmp(value, "0") || !strcasecmp(value, "off") ||
			 !strcasecmp(value, "false") || !strcasecmp(value, "no"));
}

static bool env_is_on(const char *value)
{
	return value && (!strcmp(value, "1") || !strcasecmp(value, "on") ||
			 !strcasecmp(value, "true") || !strcasecmp(value, "yes"));
}

/* The provider's path, taken at start: it sits next to this library
 * (installed, both are in pkglibdir; in the build tree src/preload has a
 * link to it).  Taken at start because a relative LD_PRELOAD path means
 * what it means only until the program changes directory, and the provider
 * may be loaded days later.  This library has no RUNPATH: the loader probes
 * a runpath's glibc-hwcaps, tls and platform subdirectories (about 20
 * openat and stat) for each of the library's own dependencies at every
 * process start (measured: 2 % of `python3 -c pass`). */
static char provider_path[4096];

static void remember_provider_path(void)
{
	Dl_info self;
	if (!dladdr((void *)remember_provider_path, &self) || !self.dli_fname)
		return;
	const char *slash = strrchr(self.dli_fname, '/');
	if (!slash)
		return;
	char cwd[4096] = "";
	if (self.dli_fname[0] != '/' && !getcwd(cwd, sizeof cwd))
		return;
	int n = snprintf(provider_path, sizeof provider_path, "%s%s%.*s/%s", cwd, *cwd ? "/" : "",
			 (int)(slash - self.dli_fname), self.dli_fname, WC_TP_LIBRARY);
	if (n < 0 || (size_t)n >= sizeof provider_path)
		provider_path[0] = '\0';
}

/* Next to this library first.  Then by name, as the loader would for this
 * library (LD_LIBRARY_PATH, the system's directories): dlopen() of a bare
 * name searches the caller's search path, and with a dlopen wrapper
 * preloaded (liblttng-ust-dl, as `waitcap run --trace` does) the caller is
 * the wrapper; so the name is looked up in this library's own search
 * path, then tried plainly. */
static void *open_provider(void)
{
	if (provider_path[0] && access(provider_path, R_OK) == 0) {
		void *handle = dlopen(provider_path, RTLD_NOW | RTLD_LOCAL);
		if (handle)
			return handle;
	}
	Dl_info self;
	void *me = NULL;
	if (dladdr((void *)open_provider, &self) && self.dli_fname)
		me = dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD);
	Dl_serinfo size;
	if (me && dlinfo(me, RTLD_DI_SERINFOSIZE, &size) == 0) {
		Dl_serinfo *info = malloc(size.dls_size); /* once, never on a wrapped call */
		if (info) {
			*info = size;
			if (dlinfo(me, RTLD_DI_SERINFO, info) == 0) {
				for (unsigned int i = 0; i < info->dls_cnt; i++) {
					char path[4096];
					snprintf(path, sizeof(path), "%s/%s", info->dls_serpath[i].dls_name,
						 WC_TP_LIBRARY);
					void *handle = access(path, R_OK) == 0
							       ? dlopen(path, RTLD_NOW | RTLD_LOCAL)
							       : NULL;
					if (handle) {
						free(info);
						dlclose(me);
						return handle;
					}
				}
			}
			free(info);
		}
	}
	if (me)
		dlclose(me);
	return dlopen(WC_TP_LIBRARY, RTLD_NOW | RTLD_LOCAL);
}

/* The variables liblttng-ust reads to find the per-user session daemon
 * (LTTNG_HOME, else HOME).  It keeps pointers to their values and reads
 * them again in a forked child.  Programs that set their process title
 * (nginx, postgres) overwrite the start-up environment strings in place,
 * so the child's tracer looked for a daemon in "/.lttng"; and nginx's
 * workers drop the whole environment but TZ, so a tracer loaded late in a
 * worker found no daemon at all.  So their values are copied at start
 * (no system call), and:
 * - at start, setenv() gives them a copy of their own that no title
 *   overwrites;
 * - for a late load (the loader thread, beside the program's threads),
 *   the environment is left alone unless a variable is gone: then it is
 *   put back for the length of the dlopen() and removed again.  glibc
 *   never frees the strings setenv() made, so the tracer's pointers stay
 *   good; the program sees its environment as it left it. */
static const char *const tracer_env_names[] = {"LTTNG_HOME", "HOME"};
#define WC_TRACER_ENV_COUNT (sizeof tracer_env_names / sizeof tracer_env_names[0])
static char tracer_env_at_start[WC_TRACER_ENV_COUNT][1024];

static void remember_tracer_environment(void)
{
	for (size_t i = 0; i < WC_TRACER_ENV_COUNT; i++) {
		const char *value = getenv(tracer_env_names[i]);
		if (value && strlen(value) < sizeof tracer_env_at_start[i])
			strcpy(tracer_env_at_start[i], value);
	}
}

static void stable_tracer_environment(void)
{
	for (size_t i = 0; i < WC_TRACER_ENV_COUNT; i++)
		if (tracer_env_at_start[i][0])
			setenv(tracer_env_names[i], tracer_env_at_start[i], 1);
}

/* The loader and at most one other thread run in this process.  Changing
 * the environment races with other threads' getenv and setenv (setenv may
 * move the array another thread is reading), so it is lent only then: the
 * case it exists for, nginx's workers, is single-threaded. */
static bool alone_with_the_program(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128];
	long threads = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "Threads: %ld", &threads) == 1)
			break;
	if (f)
		fclose(f);
	return threads > 0 && threads <= 2;
}

/* Returns a bit per variable put back, for forget_tracer_environment.
 * Only variables the program removed: values it set itself are its own. */
static unsigned lend_tracer_environment(void)
{
	unsigned lent = 0;
	if (!alone_with_the_program())
		return 0;
	for (size_t i = 0; i < WC_TRACER_ENV_COUNT; i++)
		if (tracer_env_at_start[i][0] && !getenv(tracer_env_names[i]) &&
		    setenv(tracer_env_names[i], tracer_env_at_start[i], 0) == 0)
			lent |= 1u << i;
	return lent;
}

static void forget_tracer_environment(unsigned lent)
{
	for (size_t i = 0; i < WC_TRACER_ENV_COUNT; i++)
		if (lent & (1u << i))
			unsetenv(tracer_env_names[i]);
}

static const struct waitcap_tp_api *load_provider(void)
{
	void *handle = open_provider();
	if (!handle)
		return NULL;
	waitcap_tp_get_api_fn get_api = (waitcap_tp_get_api_fn)dlsym(handle, WAITCAP_TP_GET_API);
	const struct waitcap_tp_api *api = get_api ? get_api() : NULL;
	if (!api || api->version != WAITCAP_TP_API_VERSION)
		return NULL; /* never dlclose: liblttng-ust may have started threads */
	return api;
}

/* Load the provider and switch the wrappers over to it.  At start (the
 * constructor's thread) or in the loader thread, once per process. */
static int provider_arm(void)
{
	const struct waitcap_tp_api *api = load_provider();
	if (!api)
		return -1;
	wc_trace_provider_ready(api);
	__atomic_store_n(&wc_trace_enabled_fn, api->enabled, __ATOMIC_RELEASE);
	return 0;
}

/* ---- loading late: a session wants this process ----------------------
 *
 * `waitcap record` stores 1 in the process's trace_wanted word (its stats
 * file).  Nothing waits for it: the wrappers ask wc_trace_enabled() anyway
 * before a wait, and until the provider is loaded that reads the word (one
 * relaxed load, trace.h).  The first wait that sees it set starts a
 * detached loader thread, which dlopen()s
 * the provider: liblttng-ust's constructor registers with the session
 * daemon and may wait for it (up to LTTNG_UST_REGISTER_TIMEOUT, 3 s), so
 * never in a call the program waits on.  The session exists by then, so
 * the daemon asks for the base-address state dump at registration and the
 * call sites get named.  While loading, waits are timed, so that those in
 * flight when the provider arrives are traced at their end.
 *
 * Where the thread may not be started from: a vfork() child (it shares
 * our memory and must only exec or _exit), a signal handler
 * (pthread_create allocates and locks: a handler that interrupted malloc
 * in the same thread would deadlock), our own nested calls.  A handler is
 * found by walking the stack with libunwind (unw_is_signal_frame, which
 * recognises the kernel's signal trampoline frame); a stack it cannot walk
 * to its end counts as one.  Tried again at most every 10 ms. */
#define WC_LOADER_RETRY_NS (10 * WC_MS)
static int64_t loader_next_try_ns;

static bool maybe_in_signal_handler(void)
{
	unw_context_t context;
	unw_cursor_t cursor;
	if (unw_getcontext(&context) != 0 || unw_init_local(&cursor, &context) != 0)
		return true;
	for (int depth = 0; depth < 512; depth++) {
		if (unw_is_signal_frame(&cursor) > 0)
			return true;
		int more = unw_step(&cursor);
		if (more == 0)
			return false; /* the thread's outermost frame */
		if (more < 0)
			return true;
	}
	return true;
}

static void *loader_main(void *unused)
{
	(void)unused;
	wc_guard++;
	unsigned lent = lend_tracer_environment();
	int rc = provider_arm();
	forget_tracer_environment(lent);
	publish_state(rc == 0 ? WC_TRACER_LOADED : WC_TRACER_FAILED);
	wc_guard--;
	return NULL;
}

static bool loader_start(void)
{
	uint32_t state = LD(tracer_state);
	if (state != WC_TRACER_LAZY)
		return state == WC_TRACER_LOADING;
	int64_t now = wc_now_ns();
	if (wc_guard || now < LD(loader_next_try_ns))
		return false;
	ST(loader_next_try_ns, now + WC_LOADER_RETRY_NS);
	if (getpid() != wc_pid || maybe_in_signal_handler())
		return false; /* a vfork() child, or perhaps a handler: later */
	if (!__atomic_compare_exchange_n(&tracer_state, &state, WC_TRACER_LOADING, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return state == WC_TRACER_LOADING;
	publish_state(WC_TRACER_LOADING);

	int saved = errno;
	sigset_t all, old;
	sigfillset(&all);
	pthread_attr_t attr;
	pthread_t thread;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* The loader takes no signal meant for the program. */
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&thread, &attr, loader_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	errno = saved;
	if (rc != 0) {
		publish_state(WC_TRACER_FAILED);
		return false;
	}
	return true;
}

/* The word `waitcap record` sets: in the stats file, which a forked child
 * replaces with its own (stats.c's fork handler, registered before ours,
 * runs first). */
static void bind_wanted(void)
{
	struct wc_stats_file *s = LD(wc_stats);
	ST(wc_trace_wanted, s ? (const uint32_t *)&s->trace_wanted : &not_wanted);
}

/* A child forked while the loader thread was loading has no loader (and
 * perhaps a half-done dlopen): it stays without the tracer. */
static void after_fork_in_child(void)
{
	bind_wanted();
	if (LD(tracer_state) == WC_TRACER_LOADING) {
		publish_state(WC_TRACER_FAILED);
		ST(wc_trace_wanted, &not_wanted);
	}
}

/* Asked from inside the program's calls, success paths included: errno
 * is the program's. */
uint32_t wc_trace_enabled_asked(uint32_t which)
{
	int saved = errno;
	uint32_t enabled = 0;
	if (loader_start())
		enabled = which & (WAITCAP_TP_WAIT | WAITCAP_TP_EXPIRED);
	else if (LD(tracer_state) != WC_TRACER_LAZY)
		ST(wc_trace_wanted, &not_wanted); /* failed: stop asking */
	errno = saved;
	return enabled;
}

/* A `waitcap record` runs now (its marker exists): load at start, so that
 * the process is traced from its first wait. */
static bool recording_now(void)
{
	if (access(wc_host_recording_path(), F_OK) == 0)
		return true;
	const char *dir = wc_stats_dir_in_use();
	if (!dir)
		return false;
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, WC_RECORDING_NAME);
	return access(path, F_OK) == 0;
}

int wc_trace_init(const struct wc_policy *policy)
{
	wc_guard++;
	wc_trace_read_min_block();
	wc_trace_config(policy); /* the event's strings, for whenever it loads */
	const char *setting = getenv("WAITCAP_TRACE");
	int ret = -1;
	if (env_is_off(setting)) {
		publish_state(WC_TRACER_OFF);
		goto out;
	}
	pthread_atfork(NULL, NULL, after_fork_in_child);
	remember_tracer_environment();
	remember_provider_path();
	bool eager = env_is_on(setting);
	if (!eager && setting && *setting && strcasecmp(setting, "lazy")) {
		dprintf(2, "waitcap: WAITCAP_TRACE=%.32s: expected 0, 1 or lazy; using lazy\n",
			setting);
	}
	/* Without a stats file `waitcap record` cannot reach this process
	 * later: load now, as when every process did. */
	if (!eager && wc_stats && !recording_now()) {
		wc_trace_unwind_init(); /* before the first walk of a program's call */
		publish_state(WC_TRACER_LAZY);
		bind_wanted();
		ret = 0;
		goto out;
	}
	stable_tracer_environment();
	if (provider_arm() != 0) {
		publish_state(WC_TRACER_FAILED);
		if (setting && *setting)
			dprintf(2, "waitcap: WAITCAP_TRACE is set but " WC_TP_LIBRARY
				   " could not be loaded; tracing off\n");
		goto out;
	}
	publish_state(WC_TRACER_LOADED);
	ret = 0;
out:
	wc_guard--;
	return ret;
}
