/* Reading what the epoll test programs print: "what: result # ms=T". */
#ifndef WAITCAP_TEST_TRANSCRIPT_H
#define WAITCAP_TEST_TRANSCRIPT_H

#include <stddef.h>

/* The line that starts with prefix, copied into buf without its timing
 * (" # ..."), or NULL. */
const char *transcript_line(const char *out, const char *prefix, char *buf, size_t len);

/* The "ms=T" of the line that starts with prefix (how long the call
 * took), -1 if none. */
long transcript_ms(const char *out, const char *prefix);

/* Its "armed_ms=T": from the send that armed the deadline to the end of
 * the call, -1 if none. */
long transcript_armed_ms(const char *out, const char *prefix);

/* out without any timing, into buf. */
void transcript_untimed(const char *out, char *buf, size_t len);

#endif
