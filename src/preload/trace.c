/* Tracing: wait records → waitcap events, through libwaitcap-tp.so.
 *
 * The provider library is dlopen()ed at start unless WAITCAP_TRACE=0, so
 * that a session opened days later still sees this process, and so that
 * with tracing off liblttng-ust is never mapped.  Everything after init is
 * lock-free and allocation-free: a load to ask whether anyone listens, a
 * stack walk and an event for the waits that are worth it. */
#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <dirent.h>
#include <dlfcn.h>
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
#include "real.h"
#include "trace.h"

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

/* Until the provider is loaded these point at a zero: "nobody listens"
 * stays one load and a compare, with no NULL check. */
static const int no_session;
static const volatile int *wait_state = &no_session;
static const volatile int *expired_state = &no_session;
static const volatile int *config_state = &no_session;
const volatile int *wc_phase_state = &no_session;
static const struct waitcap_tp_api *tp;

/* The threads liblttng-ust started while we loaded it: their waits are
 * the tracer's own business, never traced. */
#define WC_TRACER_THREADS_MAX 8
static pid_t tracer_threads[WC_TRACER_THREADS_MAX];
static int tracer_thread_count;

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

static void warn(const char *what)
{
	char line[256];
	int n = snprintf(line, sizeof line, "waitcap: %s\n", what);
	if (n > 0)
		(void)!real_write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
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

/* Thread ids in /proc/self/task, into ids (at most max); returns count. */
static int list_threads(pid_t *ids, int max)
{
	DIR *dir = opendir("/proc/self/task");
	if (!dir)
		return 0;
	int n = 0;
	struct dirent *d;
	while ((d = readdir(dir)) && n < max) {
		if (d->d_name[0] >= '0' && d->d_name[0] <= '9')
			ids[n++] = (pid_t)atoi(d->d_name);
	}
	closedir(dir);
	return n;
}

static bool contains(const pid_t *ids, int n, pid_t id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
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
		Dl_serinfo *info = malloc(size.dls_size); /* at start, not a hot path */
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

/* liblttng-ust keeps pointers to the values of the variables it reads
 * (LTTNG_HOME, HOME: where the per-user session daemon listens) and reads
 * them again in a forked child.  Programs that set their process title
 * (nginx, postgres) overwrite the start-up environment strings in place,
 * so the child's tracer looked for a daemon in "/.lttng".  setenv() gives
 * the values a copy of their own that no title overwrites. */
static void stable_tracer_environment(void)
{
	static const char *const names[] = {"LTTNG_HOME", "HOME"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		const char *value = getenv(names[i]);
		if (value)
			setenv(names[i], value, 1);
	}
}

static int load_provider(void)
{
	pid_t before[256], after[256];
	int nbefore = list_threads(before, 256);
	stable_tracer_environment();

	void *handle = open_provider();
	if (!handle)
		return -1;
	waitcap_tp_get_api_fn get_api = (waitcap_tp_get_api_fn)dlsym(handle, WAITCAP_TP_GET_API);
	const struct waitcap_tp_api *api = get_api ? get_api() : NULL;
	if (!api || api->version != WAITCAP_TP_API_VERSION)
		return -1; /* never dlclose: liblttng-ust may have started threads */

	int nafter = list_threads(after, 256);
	for (int i = 0; i < nafter && tracer_thread_count < WC_TRACER_THREADS_MAX; i++)
		if (!contains(before, nbefore, after[i]))
			tracer_threads[tracer_thread_count++] = after[i];

	tp = api;
	return 0;
}

/* After fork() the child's tracer threads are new ones (the fork hooks
 * below restart them); we know them only by the name liblttng-ust gives
 * its threads, "PROCNAME-ust". */
static bool forked;

static void after_fork_in_child(void)
{
	tracer_thread_count = 0;
	forked = true;
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
	after_fork_in_child();
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
	if (ust_fork_wrapper_loaded())
		pthread_atfork(NULL, NULL, after_fork_in_child);
	else
		pthread_atfork(tracer_before_fork, tracer_after_fork_parent,
			       tracer_after_fork_child);
}

static bool on_tracer_thread(void)
{
	if (tracer_thread_count > 0) {
		pid_t self = (pid_t)syscall(SYS_gettid);
		return contains(tracer_threads, tracer_thread_count, self);
	}
	if (!forked)
		return false;
	char name[17] = "";
	if (prctl(PR_GET_NAME, name) != 0)
		return false;
	size_t len = strlen(name);
	return len >= 4 && !strcmp(name + len - 4, "-ust");
}

int wc_trace_init(const struct wc_policy *policy)
{
	wc_guard++;
	read_min_block();
	const char *setting = getenv("WAITCAP_TRACE");
	int ret = -1;
	if (env_is_off(setting))
		goto out;
	if (load_provider() != 0) {
		if (setting && *setting)
			warn("WAITCAP_TRACE is set but " WC_TP_LIBRARY
			     " could not be loaded; tracing off");
		goto out;
	}
	if (callsite_init() != 0) {
		warn("cannot walk the stack here (libunwind); waits are traced without frames");
	}
	handle_fork();
	wait_state = tp->wait_state;
	expired_state = tp->expired_state;
	config_state = tp->config_state;
	wc_phase_state = tp->phase_state;
	wc_trace_config(policy);
	ret = 0;
out:
	wc_guard--;
	return ret;
}

bool wc_trace_wait_enabled(void)
{
	return WC_UNLIKELY(*wait_state | *expired_state);
}

static void config_if_due(void)
{
	if (!*config_state)
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

void wc_trace_wait(const struct waitcap_tp_wait *event, void *ip)
{
	if (!tp || !*wait_state || on_tracer_thread())
		return;
	config_if_due();
	uint64_t frames[WAITCAP_TP_MAX_FRAMES];
	uint32_t n = callsite_capture(frames, WAITCAP_TP_MAX_FRAMES);
	tp->emit_wait(event, frames, n, ip);
}

void wc_trace_expired(const struct waitcap_tp_expired *event)
{
	if (!tp || !*expired_state || on_tracer_thread())
		return;
	config_if_due();
	tp->emit_expired(event);
}

void wc_trace_phase(const struct waitcap_tp_phase *event)
{
	if (!tp || !*wc_phase_state || on_tracer_thread())
		return;
	config_if_due();
	tp->emit_phase(event);
}

static int64_t cap_or_none(const struct wc_policy *policy, enum wc_op op)
{
	int32_t ms = policy->caps.ms[op];
	return policy->legacy || ms < 0 ? -1 : ms;
}

/* Called at init and whenever the policy changes (never concurrently with
 * itself): keeps a copy of the strings so that re-emitting later does not
 * depend on the caller's storage. */
void wc_trace_config(const struct wc_policy *policy)
{
	if (!tp || !policy)
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
	if (*config_state)
		ST(config_emitted_ns, wc_now_ns());
	tp->emit_config(&config_event, NULL);
}

void wc_trace_control(const char *what)
{
	snprintf(config_control, sizeof config_control, "%s", what);
	if (!tp)
		return;
	if (*config_state)
		ST(config_emitted_ns, wc_now_ns());
	tp->emit_config(&config_event, NULL);
}
