/* The many-client echo server (bench/epoll/echo_server.c) as a process:
 * the shared loopback peers hold 64 clients and accept one per loop. */
#ifndef WAITCAP_TEST_ECHO_PROC_H
#define WAITCAP_TEST_ECHO_PROC_H

#include <sys/types.h>

/* Start it bare on an ephemeral port; *port gets the port.  Returns the
 * pid, or -1. */
pid_t echo_proc_start(int *port);

/* Stop it by pid, bounded. */
void echo_proc_stop(pid_t pid);

#endif
