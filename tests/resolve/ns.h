/* The resolve tests' world: this test process in its own mount and network
 * namespaces (criterion runs each test in its own process), with
 * /etc/resolv.conf and /etc/nsswitch.conf bind-mounted from temporary
 * files, and name servers on 127.0.0.2 (silent) and 127.0.0.3 (answers
 * from a fixed table).  The real files and the host's network are never
 * touched. */
#ifndef RESOLVE_NS_H
#define RESOLVE_NS_H

#include <stdbool.h>
#include <sys/types.h>

#include "proc.h"

#define NS_SILENT "127.0.0.2"
#define NS_WORKING "127.0.0.3"
/* The working server's table. */
#define NS_NAME "backend.test"
#define NS_NAME_ADDR "10.1.2.3"
/* A name neither /etc/hosts nor the working server knows. */
#define NS_UNKNOWN "nothere.test"

/* unshare, make mounts private, loopback up with 127.0.0.2 and 127.0.0.3
 * as addresses of their own (getaddrinfo's AI_ADDRCONFIG then sees IPv4
 * configured), "hosts: files dns", a caller-independent environment. */
void ns_enter(void);

/* Bind-mount TEXT over /etc/resolv.conf. */
void ns_resolv_conf(const char *text);

/* Start tests/resolve/nameserver.py MODE ("silent" or "answer") on ADDR
 * and wait until it listens; it ends with the test process. */
pid_t ns_nameserver(const char *mode, const char *addr);

/* The whole setup for one name server: enter, resolv.conf with
 * "nameserver ADDR" (+ "options use-vc" when tcp), the server started. */
void ns_world(const char *mode, const char *addr, bool tcp);

/* Stop the name servers (by pid): every suite's .fini, so that none
 * outlives its test. */
void ns_leave(void);

#endif
