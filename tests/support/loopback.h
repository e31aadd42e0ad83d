/* The test programs' side of loopback: a connected TCP socket, a free
 * port. */
#ifndef WAITCAP_TEST_LOOPBACK_H
#define WAITCAP_TEST_LOOPBACK_H

/* A blocking TCP connection to 127.0.0.1:port; on failure says why on
 * stderr and exits 2 (a test program has nothing to fall back to). */
int loopback_connect(int port);

/* A TCP port on 127.0.0.1 that was free a moment ago (bound, read, closed),
 * for a server the test starts; on failure says why and exits 2. */
int loopback_free_port(void);

#endif
