/* A real lttng-relayd on loopback for the fleet tests: its own output
 * directory and LTTNG_HOME, three free ports, started and stopped by pid;
 * and "hosts": this test process's own UTS namespace with a host name of
 * its own, which the session daemons it then starts record. */
#ifndef ANALYZE_RELAY_H
#define ANALYZE_RELAY_H

#include <sys/types.h>

struct relay {
	pid_t pid;
	int ctrl, data, live;     /* ports on 127.0.0.1 */
	char dir[128];            /* temporary: home/, output/, relayd.log */
	char output[192];
	char url[64];             /* net://127.0.0.1:CTRL:DATA, for sessions */
	char live_url[64];        /* net://127.0.0.1:LIVE, for live readers */
};

void relay_start(struct relay *r);
/* SIGTERM, wait (bounded); everything it received is on disk after. */
void relay_stop(struct relay *r);
/* relay_stop, then remove its directory. */
void relay_cleanup(struct relay *r);

/* From now on this process (and what it starts) is on host `name`. */
void relay_become_host(const char *name);

#endif
