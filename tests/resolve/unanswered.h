/* Lookups of NS_UNKNOWN that the silent name server never answers (UDP or
 * TCP, test_silent*.c): the programs that do them and what a 1 s resolve
 * cap promises about how long they take. */
#ifndef RESOLVE_UNANSWERED_H
#define RESOLVE_UNANSWERED_H
#include <stdbool.h>

#include "proc.h"

/* A 1 s cap at whole-second granularity: the lookup ends after one
 * resolver timeout of 1 s; startup of the program on top. */
#define CAP_MS 1000
#define BOUND_MS 2500

/* `getent ahostsv4 NS_UNKNOWN`, env and preload as proc_run; asserts that
 * it ran and ended with getent's "not found" (2). */
void getent_unknown(struct proc_result *r, const char *const env[], bool preload,
		    int timeout_ms);

/* r took CAP_MS - 100 <= t <= BOUND_MS; what names the program. */
void assert_within_cap(const struct proc_result *r, const char *what);

/* `waitcap run --cap resolve=1s -- getent ...`: exit 2, within the cap. */
void assert_getent_under_run_cap_within_cap(void);

/* Python's socket.getaddrinfo under WAITCAP_CAPS=resolve=1s, timed from
 * the call inside the program: EAI_AGAIN, within the cap. */
void assert_python_getaddrinfo_within_cap(void);

/* curl under WAITCAP_CAPS=resolve=1s: exit 6 (could not resolve), within
 * the cap. */
void assert_curl_within_cap(void);
#endif
