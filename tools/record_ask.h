/* `waitcap record` asks the processes running with the library to load
 * the tracer (docs/tracing.md, "When the library loads the tracer"). */
#ifndef WAITCAP_RECORD_ASK_H
#define WAITCAP_RECORD_ASK_H

#include <stddef.h>

struct wc_ask_result {
	int asked;   /* processes whose trace_wanted word we set */
	int loaded;  /* of those, already tracing (tracer loaded) */
	int failed;  /* files we could not write */
};

/* While the session runs: the recording markers (processes that start
 * now load the tracer at start), then every running process's
 * trace_wanted word.  The markers first: a process that starts meanwhile
 * either sees one or has its stats file in place before we list them.
 * Called again every second while recording: a marker another record
 * removed is put back, and processes that missed both (a child forked
 * from a parent not yet asked, another user's process under root's
 * record) are asked. */
void wc_ask_tracer(struct wc_ask_result *result);

/* After the session: remove the markers (a process asked and not yet
 * loaded stays asked; loading later does no harm). */
void wc_ask_tracer_end(void);

#endif
