/* The probes of the waitcap provider: what LTTng-UST calls when a session
 * has an event enabled.  LTTNG_UST_TP_IP_PARAM makes every event's `ip`
 * context the `ip` argument (the program's call) rather than the address
 * inside libwaitcap-tp.so that hit the tracepoint. */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TP_IP_PARAM ip
#include "waitcap_tp.h"
