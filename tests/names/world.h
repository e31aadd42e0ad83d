/* The names tests' world: this test process in its own mount and network
 * namespaces (criterion runs each test in its own process), loopback up,
 * /etc/hosts and /etc/nsswitch.conf bind-mounted from temporary files
 * ("hosts: files"), and a full accept queue on each name's address.  The
 * real files and the host's network are never touched. */
#ifndef NAMES_WORLD_H
#define NAMES_WORLD_H

#define BACKEND "backend.test"
#define BACKEND_ADDR "127.0.0.5"
#define OTHER "other.test"
#define OTHER_ADDR "127.0.0.6"

/* unshare, private mounts, lo up, /etc/hosts with BACKEND and OTHER (plus
 * extra_hosts, "ADDR NAME\n" lines, may be NULL), the listeners started.
 * Returns the port both listen on. */
int world_enter(const char *extra_hosts);

/* A profile file in the world's directory: connect capped at 2 s, and the
 * given rules (a JSON array's inside).  Returns its path. */
const char *world_profile(const char *rules);

/* Stop the listeners: every suite's .fini. */
void world_leave(void);

#endif
