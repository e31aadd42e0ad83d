/* Between trace_load.c (when and how libwaitcap-tp.so is loaded) and
 * trace.c (what is emitted through it). */
#ifndef WAITCAP_TRACE_LOAD_H
#define WAITCAP_TRACE_LOAD_H

struct waitcap_tp_api;

/* trace.c: the provider was just loaded (in the constructor, or in the
 * loader thread), once per process: warm up the stack walker, run the
 * tracer's fork hooks from now on, emit waitcap:config, and emit through
 * api.  trace_load.c then lets the wrappers ask api whether anyone
 * listens. */
void wc_trace_provider_ready(const struct waitcap_tp_api *api);

/* trace.c: WAITCAP_MIN_BLOCK, read once at start. */
void wc_trace_read_min_block(void);

#endif
