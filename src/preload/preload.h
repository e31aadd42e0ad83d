/* Shared by every file of libwaitcap.so: export, reentrancy guard, clock. */
#ifndef WAITCAP_PRELOAD_H
#define WAITCAP_PRELOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "policy.h"

#define WC_EXPORT __attribute__((visibility("default")))
#define WC_LIKELY(x) __builtin_expect(!!(x), 1)
#define WC_UNLIKELY(x) __builtin_expect(!!(x), 0)
/* The program's call: the return address of the exported symbol. */
#define WC_CALLER() __builtin_return_address(0)

/* Relaxed atomics: fd-table fields are read and written by any thread
 * without locks; a torn read is impossible and stale values only cost a
 * cap that fires late or not at all. */
#define LD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define ST(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* Set once the constructor has finished: before that, and inside the
 * library's own calls, every wrapper is a plain pass-through. */
extern bool wc_ready;

/* Thread-local nesting counter: non-zero while this thread runs the
 * library's own code (init, tracing), so those calls are never capped or
 * traced.  initial-exec: no allocation, no lock, one %fs-relative load. */
extern __thread int wc_guard __attribute__((tls_model("initial-exec")));

static inline bool wc_active(void)
{
	return WC_LIKELY(wc_ready) && WC_LIKELY(wc_guard == 0);
}

/* This process's pid, kept by init and by a pthread_atfork child
 * handler.  A vfork() child (Python's subprocess) runs no atfork handler
 * and shares its parent's memory: getpid() != wc_pid tells it apart. */
extern int wc_pid;
/* Set once the process called vfork() (wrap_vfork.c): until then no
 * close can be a vfork child's. */
extern int wc_vforked;

/* The active policy: resolved at start, replaced as a whole when the
 * profile file changes (reload.c).  A policy is never changed nor freed
 * once published, so a pointer read here stays valid and consistent. */
extern const struct wc_policy *wc_policy_cur;

static inline const struct wc_policy *wc_policy_now(void)
{
	return __atomic_load_n(&wc_policy_cur, __ATOMIC_ACQUIRE);
}

static inline int64_t wc_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The clock at the last tick: a vDSO read without the TSC, for times that
 * need only the tick's precision (wc_coarse_tick_ns() at most behind). */
static inline int64_t wc_coarse_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline struct timespec wc_ns_to_timespec(int64_t ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
	return ts;
}

#define WC_MS 1000000LL

#endif
