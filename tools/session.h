/* LTTng recording sessions for `waitcap run --trace` and `waitcap record`. */
#ifndef WAITCAP_SESSION_H
#define WAITCAP_SESSION_H

#include <stdbool.h>
#include <stddef.h>

struct wc_session;

/* Make sure a session daemon runs for this user (start one when none
 * does), create a uniquely named session writing to dir (NULL: a fresh
 * directory ./waitcap-trace-YYYYmmdd-HHMMSS-PID), enable waitcap:*,
 * lttng_ust_statedump:* and lttng_ust_lib:*, add the vpid, vtid, procname
 * and ip contexts, and start it.  On error: NULL, and one line in err. */
struct wc_session *wc_session_start(const char *dir, char *err, size_t errlen);

/* The same session streaming to an lttng-relayd instead of a directory:
 * url is LTTng's net://HOST[:CTRL_PORT[:DATA_PORT]] (net6:// for IPv6).
 * live: a live session (lttng-relayd serves it while it records, every
 * second), for `waitcap analyze --live`.  The relay writes the trace under
 * its output directory, HOSTNAME/SESSION-NAME-DATE/. */
struct wc_session *wc_session_start_relay(const char *url, bool live, char *err, size_t errlen);

/* Is url a relay URL LTTng accepts (net://, net6://, with optional ports)?
 * false with one line in err saying what is wrong. */
bool wc_relay_url_valid(const char *url, char *err, size_t errlen);

/* Stop (flushing everything), destroy and free.  0 on success, else -1
 * with one line in err; the trace directory stays either way. */
int wc_session_stop(struct wc_session *session, char *err, size_t errlen);

/* The directory the trace is written to, or the relay URL. */
const char *wc_session_path(const struct wc_session *session);

/* The session's name (a relay's output directory starts with it). */
const char *wc_session_name(const struct wc_session *session);

#endif
