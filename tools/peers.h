/* Real unresponsive peers on loopback, for the demo and the tests.
 *
 * Each peer runs in a thread of the calling process with plain libc, on
 * 127.0.0.1 (port 0: an ephemeral one), and stops when asked, within a
 * bounded time. */
#ifndef WAITCAP_PEERS_H
#define WAITCAP_PEERS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define PEER_MAX_FILLERS 16
#define PEER_MAX_CLIENTS 64

struct peer {
	int listen_fd;
	int port;
	int fillers[PEER_MAX_FILLERS]; /* connections that fill the accept queue */
	int nfillers;
	int wake[2];                   /* stop pipe for the thread */
	pthread_t thread;
	int has_thread;
	/* trickle server */
	size_t trickle_total;
	uint32_t trickle_seed;
	int trickle_max_pause_ms;
	uint32_t trickle_sum;          /* checksum of what it sent */
	/* slow sink */
	size_t sink_rate;              /* bytes per second */
	/* delayed answer */
	int answer_delay_ms;
};

/* A listener whose accept queue is full: a connect to it hangs (the
 * kernel drops the SYN and the client retransmits). */
int peer_full_listener(struct peer *p, int port);
/* The same on another loopback address (host byte order, e.g. 0x7f000005
 * for 127.0.0.5). */
int peer_full_listener_at(struct peer *p, uint32_t addr, int port);

/* Accepts connections, reads whatever comes, never answers. */
int peer_silent_server(struct peer *p, int port);

/* Echoes every byte back. */
int peer_echo_server(struct peer *p, int port);

/* Answers every chunk it reads with "ok\n". */
int peer_answer_server(struct peer *p, int port);

/* Sends `total` pseudo-random bytes (from seed) to each client in bursts
 * of 1..4096 bytes with pauses of 0..max_pause_ms, then closes. */
int peer_trickle_server(struct peer *p, int port, size_t total, uint32_t seed, int max_pause_ms);

/* A slow reader: each client sends "LENGTH\n" and LENGTH bytes; the sink
 * reads them at `rate` bytes/s and answers "sum=%08x\n" (FNV-1a of the
 * bytes), then waits for the next request or EOF.  An upload to it takes
 * LENGTH/rate seconds, however large the kernel's buffers are. */
int peer_slow_sink(struct peer *p, int port, size_t rate);

/* A slow but healthy dependency: answers each chunk it reads with "ok\n"
 * after delay_ms (clients one at a time, until EOF or stop). */
int peer_delayed_server(struct peer *p, int port, int delay_ms);

void peer_stop(struct peer *p);

/* The checksum the trickle server's data has (FNV-1a over all bytes). */
uint32_t peer_trickle_checksum(size_t total, uint32_t seed);
uint32_t peer_fnv1a(uint32_t h, const void *buf, size_t len);
#define PEER_FNV_INIT 2166136261u

#endif
