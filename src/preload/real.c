/* Symbol loading: the real libc functions, found once with RTLD_NEXT. */
#include <dlfcn.h>
#include <errno.h>

#include "preload.h"
#include "real.h"

int wc_real_done;

/* One fallback per signature would be noise: every function in
 * WC_REAL_FUNCS returns an integer (int, ssize_t, pid_t) or nothing, so one
 * stub that takes no arguments and returns -1 in a register serves them
 * all, cast to each pointer type (the x86-64 and AArch64 calling
 * conventions let a caller pass arguments the callee ignores).  The
 * pointer-returning functions get missing_symbol_ptr. */
static long missing_symbol(void)
{
	errno = ENOSYS;
	return -1;
}

static void *missing_symbol_ptr(void)
{
	errno = ENOSYS;
	return NULL;
}

#define WC_REAL_DEFINE(ret, name, args) ret (*real_##name) args;
WC_REAL_FUNCS(WC_REAL_DEFINE)
WC_REAL_PTR_FUNCS(WC_REAL_DEFINE)
#undef WC_REAL_DEFINE

void wc_real_init(void)
{
	wc_guard++;
#define WC_REAL_RESOLVE(ret, name, args)                                          \
	{                                                                         \
		void *sym = dlsym(RTLD_NEXT, #name);                              \
		__atomic_store_n(&real_##name, sym ? (ret(*) args)sym : (ret(*) args)(void *)missing_symbol, \
				 __ATOMIC_RELAXED);                               \
	}
	WC_REAL_FUNCS(WC_REAL_RESOLVE)
#undef WC_REAL_RESOLVE
#define WC_REAL_RESOLVE_PTR(ret, name, args)                                      \
	{                                                                         \
		void *sym = dlsym(RTLD_NEXT, #name);                              \
		__atomic_store_n(&real_##name, sym ? (ret(*) args)sym : (ret(*) args)(void *)missing_symbol_ptr, \
				 __ATOMIC_RELAXED);                               \
	}
	WC_REAL_PTR_FUNCS(WC_REAL_RESOLVE_PTR)
#undef WC_REAL_RESOLVE_PTR
	__atomic_store_n(&wc_real_done, 1, __ATOMIC_RELEASE);
	wc_guard--;
}
