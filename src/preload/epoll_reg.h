/* epoll bookkeeping: which capped sockets each epoll instance watches.
 *
 * The kernel keeps an epoll registration per (epoll instance, open file
 * description, fd number), reports it with the program's epoll_data, and
 * drops it when the description's last fd closes.  The library mirrors
 * that, for candidate sockets only (outbound TCP that is or may become
 * capped): a program whose epoll sets hold no such socket pays one load per
 * epoll_wait.
 *
 * Three fixed pools, mapped once on first use and never unmapped, so that
 * epoll_wait reads them without a lock:
 *   set  - one per epoll instance that ever held a candidate socket; the
 *          epoll fd's slot in the fd table points at it (epoll_ref);
 *   node - one per registered socket (open file description); every fd
 *          naming it (dups) points at it through its epoll_ref;
 *   reg  - one per registration: set, node, fd number, events, epoll_data.
 * Each set also keeps its registrations in a dense array with the fd whose
 * slot holds the socket's deadlines, so that a wait on hundreds of idle
 * sockets reads one array of ints and their slots, with no pointer chase.
 * epoll_ctl, close and dup change them under one short spin lock; waits
 * read them with a per-set sequence count and validate what they find.
 */
#ifndef WAITCAP_EPOLL_REG_H
#define WAITCAP_EPOLL_REG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "fdtab.h"

#define WC_EP_NODE_FDS 4 /* fds of one socket the library follows */

struct wc_ep_reg {
	uint32_t set;       /* owning set index, 0: free */
	uint32_t node;
	int32_t fd;         /* the fd number it was registered with */
	uint32_t events;
	uint64_t data;      /* the program's epoll_data */
	uint32_t pos;       /* index in the set's member arrays */
	uint32_t pad0;
	uint32_t node_next; /* list of the socket's registrations */
	uint32_t free_next;
	uint8_t foreign;    /* data does not name a live fd of the socket */
	uint8_t orphan;     /* its fd closed, a dup keeps the socket open */
	uint8_t et_reported; /* EPOLLET: the expiry was reported */
	uint8_t pad[5];
};

struct wc_ep_node {
	uint64_t ident;     /* the description's identity (struct wc_fd), 0 unknown */
	uint32_t head;      /* first registration */
	int32_t nfds;
	int32_t fds[WC_EP_NODE_FDS];
	uint32_t free_next;
	uint32_t pad;
};

struct wc_ep_set {
	uint32_t seq;       /* odd while the set's members change */
	uint32_t nregs;     /* registrations: 0 means pass-through */
	uint32_t nforeign;  /* registrations whose data is not their fd */
	int32_t refs;       /* epoll fds naming this instance */
	uint32_t free_next;
	uint32_t pad;
	uint32_t *members;  /* [nregs] registration indices */
	int32_t *member_fd; /* [nregs] the socket's one fd, -1: see its node */
	uint32_t *by_data;  /* open addressing: epoll_data -> registration, for
			     * loops whose data is a pointer or a token */
	/* What the last full scan of the set found, for the waits after it
	 * (written by waits, under cache_busy; read with cache_ver): while
	 * the set is unchanged (seq), no deadline can come before bound. */
	uint32_t cache_ver;      /* odd while written */
	uint32_t cache_busy;
	uint32_t cache_seq;
	int32_t cache_fd;        /* the socket bounding it, for traces */
	int64_t cache_bound;
	int64_t cache_earliest;  /* earliest armed deadline then, 0 none */
	uint8_t cache_capped;    /* a capped socket was in the set */
	uint8_t pad2[7];
};

/* Pool bases, NULL until the first candidate registration.  Index 0 of
 * every pool is unused: 0 means "none". */
extern struct wc_ep_set *wc_ep_sets;
extern struct wc_ep_node *wc_ep_nodes;
extern struct wc_ep_reg *wc_ep_regs;

#define WC_EP_MAX_SETS 4096u
#define WC_EP_MAX_NODES 65536u
#define WC_EP_MAX_REGS 65536u
#define WC_EP_SET_CAP WC_EP_MAX_REGS /* members of one set */
#define WC_EP_HASH_BITS 17            /* by_data: twice the members */

/* epoll_ref in a slot: a set (tagged) or a node index. */
#define WC_EP_SET_TAG (1ull << 63)

static inline uint32_t wc_ep_node_of_ref(uint64_t ref)
{
	return (ref && !(ref & WC_EP_SET_TAG) && ref < WC_EP_MAX_NODES) ? (uint32_t)ref : 0;
}

/* The set behind an epoll fd, NULL when it watches no candidate socket.
 * This is the whole cost of an epoll_wait without capped sockets. */
static inline struct wc_ep_set *wc_ep_set_of(int epfd, uint32_t *index)
{
	struct wc_fd *slot = wc_fd_slot(epfd);
	if (!slot)
		return NULL;
	uint64_t ref = LD(slot->epoll_ref);
	if (WC_LIKELY(!(ref & WC_EP_SET_TAG)))
		return NULL;
	uint32_t i = (uint32_t)(ref & ~WC_EP_SET_TAG);
	if (i == 0 || i >= WC_EP_MAX_SETS)
		return NULL;
	struct wc_ep_set *set = &wc_ep_sets[i];
	if (!LD(set->nregs))
		return NULL;
	*index = i;
	return set;
}

/* epoll_create*: the new fd starts with no set (drops a stale one). */
void wc_ep_created(int epfd);

/* A successful epoll_ctl: mirror it. */
void wc_ep_ctl(int epfd, int op, int fd, const struct epoll_event *ev);

/* fd is being closed (or replaced by dup2/dup3): a socket loses one of its
 * fds, and its registrations with its last; an epoll instance its set with
 * its last fd.  One load for any other fd. */
void wc_ep_fd_closing(int fd);

/* newfd now names what oldfd names (dup, dup2, dup3, F_DUPFD); called after
 * the slot was copied. */
void wc_ep_fd_dup(int oldfd, int newfd);

/* The registration of set index si whose epoll_data is data, or NULL:
 * wc_ep_find tries the fd in the data first, wc_ep_by_data hashes. */
struct wc_ep_reg *wc_ep_by_data(uint32_t si, uint64_t data);
struct wc_ep_reg *wc_ep_find(uint32_t si, uint64_t data);

/* A live slot of node for i in [0, WC_EP_NODE_FDS): its fd in *fd, or
 * NULL when that fd no longer names the socket. */
static inline struct wc_fd *wc_ep_node_slot(const struct wc_ep_node *node, uint32_t ni, int i,
					    int *fd)
{
	if (i >= LD(node->nfds) || i >= WC_EP_NODE_FDS)
		return NULL;
	int f = LD(node->fds[i]);
	struct wc_fd *slot = wc_fd_slot(f);
	if (!slot || LD(slot->epoll_ref) != ni || LD(slot->kind) != WC_KIND_NET)
		return NULL;
	uint64_t ident = LD(slot->ident);
	if (ident && ident != LD(node->ident))
		return NULL;
	*fd = f;
	return slot;
}

#endif
