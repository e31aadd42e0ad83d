/* LTTng recording sessions for `waitcap run --trace` and `waitcap record`. */
#ifndef WAITCAP_SESSION_H
#define WAITCAP_SESSION_H

#include <stddef.h>

struct wc_session;

/* Make sure a session daemon runs for this user (start one when none
 * does), create a uniquely named session writing to dir (NULL: a fresh
 * directory ./waitcap-trace-YYYYmmdd-HHMMSS-PID), enable waitcap:*,
 * lttng_ust_statedump:* and lttng_ust_lib:*, add the vpid, vtid, procname
 * and ip contexts, and start it.  On error: NULL, and one line in err. */
struct wc_session *wc_session_start(const char *dir, char *err, size_t errlen);

/* Stop (flushing everything), destroy and free.  0 on success, else -1
 * with one line in err; the trace directory stays either way. */
int wc_session_stop(struct wc_session *session, char *err, size_t errlen);

/* The directory the trace is written to. */
const char *wc_session_path(const struct wc_session *session);

#endif
