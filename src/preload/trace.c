/* Tracing: wait records → waitcap events, through libwaitcap-tp.so.
 *
 * The provider library (and with it liblttng-ust) is dlopen()ed only when
 * a session wants this process (docs/tracing.md, "When the library loads
 * the tracer"): at start when WAITCAP_TRACE=1 or a `waitcap record` runs,
 * else by a loader thread started on the first wait after `waitcap record`
 * asked for it through the stats file.  WAITCAP_TRACE=0: never.  After
 * that everything is lock-free and allocation-free: a call to ask whether
 * anyone listens, a stack walk and an event for the waits worth it. */
#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload.h"
#include "stats.h"
#include "trace.h"
/* The emit API is plain C: no LTTng header reaches this library. */
#include "../../tracepoints/waitcap_emit.h"

#define WC_TP_LIBRARY "libwaitcap-tp.so"

int64_t wc_trace_min_block_ns = WC_MS;

/* ---- call sites: the program's stack, without our own frames ----------
 *
 * libunwind's local unwinder, warmed up once at start so that a capture
 * later costs a walk of the stack and nothing else: no malloc (per-thread
 * caches come from mmap on a thread's first capture), no lock of ours. */

/* Our own executable segments: frames in here are the library's, not the
 * program's, and never reach a trace. */
#define WC_MAX_SEGMENTS 4
static struct {
	uintptr_t start, end;
} own_text[WC_MAX_SEGMENTS];
static int own_text_count;

/* Frames of ours above the program's call: wc_trace_wait, the policy
 * layer, the exported wrapper — a handful.  Room for them on top of the
 * frames we keep. */
#define WC_OWN_FRAMES_MAX 16

static bool is_own(uintptr_t ip)
{
	for (int i = 0; i < own_text_count; i++)
		if (ip >= own_text[i].start && ip < own_text[i].end)
			return true;
	return false;
}

static int find_own_text(struct dl_phdr_info *info, size_t size, void *base)
{
	if ((uintptr_t)info->dlpi_addr != (uintptr_t)base)
		return 0;
	for (int i = 0; i < info->dlpi_phnum && own_text_count < WC_MAX_SEGMENTS; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		own_text[own_text_count].start = info->dlpi_addr + ph->p_vaddr;
		own_text[own_text_count].end = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
		own_text_count++;
	}
	return 1;
}

static uint32_t callsite_capture(uint64_t *frames, uint32_t max)
{
	void *ips[WC_OWN_FRAMES_MAX + 64];
	uint32_t cap = max + WC_OWN_FRAMES_MAX;
	if (cap > sizeof ips / sizeof ips[0])
		cap = sizeof ips / sizeof ips[0];
	int n = unw_backtrace(ips, (int)cap);
	if (n <= 0)
		return 0;

	uint32_t kept = 0;
	for (int i = 0; i < n && kept < max; i++) {
		uintptr_t ip = (uintptr_t)ips[i];
		if (is_own(ip))
			continue;
		frames[kept++] = ip;
	}
	return kept;
}

static int callsite_init(void)
{
	Dl_info self;
	if (!dladdr((void *)callsite_init, &self) || !self.dli_fbase)
		return -1;
	own_text_count = 0;
	dl_iterate_phdr(find_own_text, self.dli_fbase);
	if (own_text_count == 0)
		return -1;

	/* Per-thread caches: no global lock in libunwind on the capture path. */
	unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);

	uint64_t warm[8];
	return callsite_capture(warm, 8) > 0 ? 0 : -1;
}

/* ---- the provider -------------------------------------------------- */

static const struct waitcap_tp_api *tp;
static void emit_config(void);

/* trace.h: NULL until the provider is loaded; the stats file's
 * trace_wanted word, or a zero without one. */
uint32_t (*wc_trace_enabled_fn)(uint32_t which);
static const uint32_t not_wanted;
const uint32_t *wc_trace_wanted = &not_wanted;

_Static_assert(WAITCAP_TP_PHASE == 8u && (WAITCAP_TP_WAIT | WAITCAP_TP_EXPIRED) == 3u,
	       "trace.h tests these bits without including waitcap_emit.h");

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

/* waitcap:config is emitted at start, when usually no session exists yet,
 * so it is emitted again with the traced waits, at most once a second: a
 * session opened later (waitcap record) gets it too.  Not only on the first
 * wait a session sees: LTTng enables events before it starts recording,
 * and an event emitted in between is dropped. */
#define WC_CONFIG_REFRESH_NS (1000 * WC_MS)
static int64_t config_emitted_ns;
static struct waitcap_tp_config config_event;
static char config_profile[64], config_reason[160], config_file[4096];
static char config_flag[64], config_error[512], config_control[256];

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

static void warn(const char *what)
{
	char line[256];
	int n = snprintf(line, sizeof line, "waitcap: %s\n", what);
	if (n > 0)
		(void)!write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void read_min_block(void)
{
	const char *text = getenv("WAITCAP_MIN_BLOCK");
	if (!text || !*text)
		return;
	int64_t ns;
	if (wc_parse_duration_ns(text, &ns) == 0) {
		wc_trace_min_block_ns = ns;
		return;
	}
	char what[200];
	snprintf(what, sizeof what,
		 "WAITCAP_MIN_BLOCK=%.64s: not a duration (e.g. 1ms, 250us); using 1ms", text);
	warn(what);
}

/* dlopen() of a bare name searches the caller's RUNPATH, and with a
 * dlopen wrapper preloaded (liblttng-ust-dl, as `waitcap run --trace`
 * does) the caller is the wrapper: the name is not found.  So the name is
 * looked up in this library's own search path, then tried plainly. */
static void *open_provider(void)
{
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

/* Returns a bit per variable put back, for forget_tracer_environment. */
static unsigned lend_tracer_environment(void)
{
	unsigned lent = 0;
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

/* ---- the tracer's own threads ----------------------------------------
 *
 * liblttng-ust's listener threads make calls of their own (to the session
 * daemon, over AF_UNIX sockets, which the wrappers pass through anyway);
 * whatever they do is the tracer's business and is never traced.  LTTng
 * has no API that names its threads, so they are known by the name
 * liblttng-ust 2.13 gives them: the process name, cut to leave room,
 * followed by "-ust" (lttng_ust_setustprocname).  One prctl per thread, the
 * first time it would emit an event.  tests/tracing/test_tracer_threads.c
 * fails if liblttng-ust names its threads otherwise. */
static __thread int8_t tracer_thread_known __attribute__((tls_model("initial-exec")));

static bool on_tracer_thread(void)
{
	int8_t known = tracer_thread_known;
	if (WC_LIKELY(known))
		return known > 0;
	char name[17] = "";
	size_t len = prctl(PR_GET_NAME, name) == 0 ? strlen(name) : 0;
	bool tracer = len >= 4 && !strcmp(name + len - 4, "-ust");
	tracer_thread_known = tracer ? 1 : -1;
	return tracer;
}

/* ---- fork: the tracer's own hooks ------------------------------------
 *
 * A child of fork() inherits liblttng-ust but not its listener threads:
 * without liblttng-ust's before/after-fork hooks it never registers with
 * the session daemon, and a service's forked workers (nginx, gunicorn,
 * postgres) stay invisible to `waitcap record`.  liblttng-ust-fork calls
 * the hooks from its fork() wrapper; a plain LD_PRELOAD of this library
 * has no such wrapper, so the hooks run from pthread_atfork handlers,
 * which glibc's fork() and daemon() run and vfork()/posix_spawn() do not
 * (a child that only execs needs none).  The hooks take locks that are not
 * recursive: when liblttng-ust-fork is there too (`waitcap run --trace`
 * preloads it) it alone calls them.  The signal mask saved by "before" is
 * per thread: two threads may fork at once. */
static __thread sigset_t fork_sigset __attribute__((tls_model("initial-exec")));

static void tracer_before_fork(void)
{
	tp->before_fork(&fork_sigset);
}

static void tracer_after_fork_parent(void)
{
	tp->after_fork_parent(&fork_sigset);
}

static void tracer_after_fork_child(void)
{
	tp->after_fork_child(&fork_sigset);
}

/* True when fork() resolves to liblttng-ust-fork's wrapper. */
static bool ust_fork_wrapper_loaded(void)
{
	Dl_info where;
	void *fork_symbol = dlsym(RTLD_DEFAULT, "fork");
	return fork_symbol && dladdr(fork_symbol, &where) && where.dli_fname &&
	       strstr(where.dli_fname, "liblttng-ust-fork");
}

static void handle_fork(void)
{
	if (!ust_fork_wrapper_loaded())
		pthread_atfork(tracer_before_fork, tracer_after_fork_parent,
			       tracer_after_fork_child);
}

/* Load the provider and switch the wrappers over to it.  At start (the
 * constructor's thread) or in the loader thread, once per process. */
static int provider_arm(void)
{
	const struct waitcap_tp_api *api = load_provider();
	if (!api)
		return -1;
	if (callsite_init() != 0)
		warn("cannot walk the stack here (libunwind); waits are traced without frames");
	__atomic_store_n(&tp, api, __ATOMIC_RELEASE);
	handle_fork();
	emit_config();
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

uint32_t wc_trace_enabled_asked(uint32_t which)
{
	if (loader_start())
		return which & (WAITCAP_TP_WAIT | WAITCAP_TP_EXPIRED);
	if (LD(tracer_state) != WC_TRACER_LAZY)
		ST(wc_trace_wanted, &not_wanted); /* failed: stop asking */
	return 0;
}

/* A `waitcap record` runs now (its marker exists): load at start, so that
 * the process is traced from its first wait. */
static bool recording_now(void)
{
	if (access(WC_HOST_RECORDING_PATH, F_OK) == 0)
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
	read_min_block();
	wc_trace_config(policy); /* the event's strings, for whenever it loads */
	const char *setting = getenv("WAITCAP_TRACE");
	int ret = -1;
	if (env_is_off(setting)) {
		publish_state(WC_TRACER_OFF);
		goto out;
	}
	pthread_atfork(NULL, NULL, after_fork_in_child);
	remember_tracer_environment();
	bool eager = env_is_on(setting);
	if (!eager && setting && *setting && strcasecmp(setting, "lazy")) {
		char what[160];
		snprintf(what, sizeof what, "WAITCAP_TRACE=%.32s: expected 0, 1 or lazy; using lazy",
			 setting);
		warn(what);
	}
	/* Without a stats file `waitcap record` cannot reach this process
	 * later: load now, as when every process did. */
	if (!eager && wc_stats && !recording_now()) {
		publish_state(WC_TRACER_LAZY);
		bind_wanted();
		ret = 0;
		goto out;
	}
	stable_tracer_environment();
	if (provider_arm() != 0) {
		publish_state(WC_TRACER_FAILED);
		if (setting && *setting)
			warn("WAITCAP_TRACE is set but " WC_TP_LIBRARY
			     " could not be loaded; tracing off");
		goto out;
	}
	publish_state(WC_TRACER_LOADED);
	ret = 0;
out:
	wc_guard--;
	return ret;
}

static bool config_enabled(void)
{
	return wc_trace_enabled(WAITCAP_TP_CONFIG);
}

static void config_if_due(void)
{
	if (!config_enabled())
		return;
	int64_t now = wc_now_ns();
	int64_t last = LD(config_emitted_ns);
	if (now - last < WC_CONFIG_REFRESH_NS)
		return;
	if (!__atomic_compare_exchange_n(&config_emitted_ns, &last, now, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED))
		return; /* another thread does it */
	tp->emit_config(&config_event, NULL);
}

void wc_trace_wait(const struct wc_wait_record *r)
{
	if (!tp || !wc_trace_enabled(WAITCAP_TP_WAIT) || on_tracer_thread())
		return;
	config_if_due();
	struct waitcap_tp_wait w = {
		.op = r->op, .func = r->func, .fd = r->fd, .peer = r->peer,
		.rule = r->rule, .timeout_ms = r->timeout_ms, .cap_ms = r->cap_ms,
		.dur_ns = r->dur_ns, .outcome = r->outcome, .ret = r->ret,
		.err = r->err, .name = r->name,
	};
	uint64_t frames[WAITCAP_TP_MAX_FRAMES];
	uint32_t n = callsite_capture(frames, WAITCAP_TP_MAX_FRAMES);
	tp->emit_wait(&w, frames, n, r->ip);
}

void wc_trace_expired(const struct wc_expired_record *r)
{
	if (!tp || !wc_trace_enabled(WAITCAP_TP_EXPIRED) || on_tracer_thread())
		return;
	config_if_due();
	struct waitcap_tp_expired e = {
		.op = r->op, .fd = r->fd, .peer = r->peer, .rule = r->rule,
		.cap_ms = r->cap_ms, .waited_ns = r->waited_ns, .armed_ip = r->armed_ip,
		.observed = r->observed,
	};
	tp->emit_expired(&e);
}

void wc_trace_phase(const struct wc_phase_record *r)
{
	if (!tp || !wc_trace_phase_enabled() || on_tracer_thread())
		return;
	config_if_due();
	struct waitcap_tp_phase p = {
		.op = r->op, .fd = r->fd, .peer = r->peer, .rule = r->rule,
		.cap_ms = r->cap_ms, .dur_ns = r->dur_ns, .outcome = r->outcome,
		.would_cap = r->would_cap, .mode = r->mode, .armed_ip = r->armed_ip,
	};
	tp->emit_phase(&p);
}

static int64_t cap_or_none(const struct wc_policy *policy, enum wc_op op)
{
	int32_t ms = policy->caps.ms[op];
	return policy->legacy || ms < 0 ? -1 : ms;
}

/* waitcap:config now (the provider is loaded). */
static void emit_config(void)
{
	const struct waitcap_tp_api *api = LD(tp);
	if (!api)
		return;
	if (config_enabled())
		ST(config_emitted_ns, wc_now_ns());
	api->emit_config(&config_event, NULL);
}

/* Called at init and whenever the policy changes, from the program's
 * threads (never concurrently with itself), whether or not the provider
 * is loaded yet: keeps a copy of the strings so that emitting later (a
 * late load, the refresh) does not depend on the caller's storage. */
void wc_trace_config(const struct wc_policy *policy)
{
	if (!policy)
		return;
	snprintf(config_profile, sizeof config_profile, "%s", policy->profile);
	snprintf(config_reason, sizeof config_reason, "%s", policy->reason_text);
	snprintf(config_file, sizeof config_file, "%s", policy->file);
	snprintf(config_flag, sizeof config_flag, "%s",
		 policy->legacy ? policy->legacy_flag : "");
	snprintf(config_error, sizeof config_error, "%s", policy->error);
	config_event = (struct waitcap_tp_config){
		.profile = config_profile,
		.reason = config_reason,
		.file = config_file,
		.legacy_flag = config_flag,
		.error = config_error,
		.legacy = policy->legacy ? 1 : 0,
		.connect_cap_ms = cap_or_none(policy, WC_OP_CONNECT),
		.recv_cap_ms = cap_or_none(policy, WC_OP_RECV),
		.send_cap_ms = cap_or_none(policy, WC_OP_SEND),
		.nrules = policy->nrules,
		.control = config_control,
	};
	emit_config();
}

void wc_trace_control(const char *what)
{
	snprintf(config_control, sizeof config_control, "%s", what);
	emit_config();
}
