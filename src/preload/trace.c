/* Tracing: wait records → waitcap events, through libwaitcap-tp.so.
 *
 * When the provider is loaded is trace_load.c's business; once it is
 * (wc_trace_provider_ready) everything here is lock-free and
 * allocation-free: a call to ask whether anyone listens, a stack walk and
 * an event for the waits worth it. */
#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "preload.h"
#include "real.h"
#include "trace.h"
#include "trace_load.h"

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

void wc_trace_unwind_init(void)
{
	/* libunwind's one-time set-up (tdep_init) opens a pipe it validates
	 * addresses with and leaves errno set by its probes: done here, at
	 * start, errno kept, never inside a program's call.  Per-thread
	 * caches: no global lock in libunwind on the capture path, and none
	 * a fork() could leave locked in the child. */
	int saved = errno;
	unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
	errno = saved;
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

	wc_trace_unwind_init();

	uint64_t warm[8];
	return callsite_capture(warm, 8) > 0 ? 0 : -1;
}

/* ---- the provider -------------------------------------------------- */

static const struct waitcap_tp_api *tp;
static void emit_config(void);

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

static void warn(const char *what)
{
	char line[256];
	int n = snprintf(line, sizeof line, "waitcap: %s\n", what);
	if (n > 0)
		(void)!real_write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

void wc_trace_read_min_block(void)
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

void wc_trace_provider_ready(const struct waitcap_tp_api *api)
{
	if (callsite_init() != 0)
		warn("cannot walk the stack here (libunwind); waits are traced without frames");
	__atomic_store_n(&tp, api, __ATOMIC_RELEASE);
	handle_fork();
	emit_config();
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

/* The provider, once wc_trace_provider_ready published it (acquire: what
 * it set up before, own_text for the stack filter, is seen too). */
static const struct waitcap_tp_api *provider(void)
{
	return __atomic_load_n(&tp, __ATOMIC_ACQUIRE);
}

void wc_trace_wait(const struct waitcap_tp_wait *event, void *ip)
{
	if (!provider() || !wc_trace_enabled(WAITCAP_TP_WAIT) || on_tracer_thread())
		return;
	config_if_due();
	uint64_t frames[WAITCAP_TP_MAX_FRAMES];
	uint32_t n = callsite_capture(frames, WAITCAP_TP_MAX_FRAMES);
	tp->emit_wait(event, frames, n, ip);
}

void wc_trace_expired(const struct waitcap_tp_expired *event)
{
	if (!provider() || !wc_trace_enabled(WAITCAP_TP_EXPIRED) || on_tracer_thread())
		return;
	config_if_due();
	tp->emit_expired(event);
}

void wc_trace_phase(const struct waitcap_tp_phase *event)
{
	if (!provider() || !wc_trace_phase_enabled() || on_tracer_thread())
		return;
	config_if_due();
	tp->emit_phase(event);
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
