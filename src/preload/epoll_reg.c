/* epoll bookkeeping: sets, sockets and registrations (see epoll_reg.h). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>

#include "epoll_reg.h"
#include "real.h"
#include "trace.h"

struct wc_ep_set *wc_ep_sets;
struct wc_ep_node *wc_ep_nodes;
struct wc_ep_reg *wc_ep_regs;

/* ---- the writers' lock --------------------------------------------------- */

static int ep_lock_word;
/* A signal handler that calls epoll_ctl or close while this thread holds
 * the lock must not wait for itself: it skips the bookkeeping instead. */
static __thread int ep_lock_held __attribute__((tls_model("initial-exec")));

static bool ep_lock(void)
{
	if (ep_lock_held)
		return false;
	for (unsigned spins = 0; __atomic_exchange_n(&ep_lock_word, 1, __ATOMIC_ACQUIRE); spins++)
		if (spins > 64)
			sched_yield();
	ep_lock_held = 1;
	return true;
}

static void ep_unlock(void)
{
	ep_lock_held = 0;
	__atomic_store_n(&ep_lock_word, 0, __ATOMIC_RELEASE);
}

/* A child forked while another thread held the lock would wait forever. */
static void ep_after_fork_child(void)
{
	ep_lock_held = 0;
	__atomic_store_n(&ep_lock_word, 0, __ATOMIC_RELAXED);
}

/* ---- pools --------------------------------------------------------------- */

/* Allocation: a free list, then the untouched tail (high-water mark), so
 * pages no set, socket or registration used are never faulted in. */
static uint32_t free_sets, set_high = 1, free_nodes, node_high = 1, free_regs, reg_high = 1;

static void *map_pool(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static bool pools_ready(void)
{
	if (wc_ep_regs)
		return true;
	struct wc_ep_set *s = map_pool(WC_EP_MAX_SETS * sizeof(*s));
	struct wc_ep_node *n = map_pool(WC_EP_MAX_NODES * sizeof(*n));
	struct wc_ep_reg *r = map_pool(WC_EP_MAX_REGS * sizeof(*r));
	if (!s || !n || !r) {
		if (s)
			munmap(s, WC_EP_MAX_SETS * sizeof(*s));
		if (n)
			munmap(n, WC_EP_MAX_NODES * sizeof(*n));
		if (r)
			munmap(r, WC_EP_MAX_REGS * sizeof(*r));
		return false;
	}
	pthread_atfork(NULL, NULL, ep_after_fork_child);
	__atomic_store_n(&wc_ep_sets, s, __ATOMIC_RELEASE);
	__atomic_store_n(&wc_ep_nodes, n, __ATOMIC_RELEASE);
	__atomic_store_n(&wc_ep_regs, r, __ATOMIC_RELEASE);
	return true;
}

#define POOL_ALLOC(pool, freelist, high, max)                  \
	({                                                     \
		uint32_t i_ = freelist;                        \
		if (i_)                                        \
			freelist = pool[i_].free_next;         \
		else if (high < max)                           \
			i_ = high++;                           \
		i_;                                            \
	})

/* ---- sets ---------------------------------------------------------------- */

static void set_begin(struct wc_ep_set *set)
{
	__atomic_fetch_add(&set->seq, 1, __ATOMIC_ACQ_REL);
}

static void set_end(struct wc_ep_set *set)
{
	__atomic_fetch_add(&set->seq, 1, __ATOMIC_RELEASE);
}

static uint32_t set_for_epfd(int epfd, bool create)
{
	struct wc_fd *slot = wc_fd_slot(epfd);
	if (!slot)
		return 0;
	uint64_t ref = LD(slot->epoll_ref);
	if (ref & WC_EP_SET_TAG)
		return (uint32_t)(ref & ~WC_EP_SET_TAG);
	if (!create || ref)
		return 0;
	uint32_t i = POOL_ALLOC(wc_ep_sets, free_sets, set_high, WC_EP_MAX_SETS);
	if (!i)
		return 0;
	struct wc_ep_set *set = &wc_ep_sets[i];
	if (!set->members) {
		/* Mapped once per set index and kept for its next owner:
		 * waits read them without a lock.  Untouched pages cost nothing. */
		uint32_t *m = map_pool(WC_EP_SET_CAP * sizeof(*m));
		int32_t *f = m ? map_pool(WC_EP_SET_CAP * sizeof(*f)) : NULL;
		uint32_t *h = f ? map_pool(sizeof(*h) << WC_EP_HASH_BITS) : NULL;
		if (!h) {
			if (m)
				munmap(m, WC_EP_SET_CAP * sizeof(*m));
			if (f)
				munmap(f, WC_EP_SET_CAP * sizeof(*f));
			set->free_next = free_sets;
			free_sets = i;
			return 0;
		}
		__atomic_store_n(&set->by_data, h, __ATOMIC_RELEASE);
		__atomic_store_n(&set->member_fd, f, __ATOMIC_RELEASE);
		__atomic_store_n(&set->members, m, __ATOMIC_RELEASE);
	}
	ST(set->nregs, 0);
	ST(set->nforeign, 0);
	set->refs = 1;
	ST(slot->epoll_ref, WC_EP_SET_TAG | i);
	return i;
}

/* ---- nodes --------------------------------------------------------------- */

static void node_clear_slots(struct wc_ep_node *node, uint32_t ni)
{
	for (int k = 0; k < node->nfds; k++) {
		struct wc_fd *slot = wc_fd_slot(node->fds[k]);
		if (slot && LD(slot->epoll_ref) == ni)
			ST(slot->epoll_ref, 0);
	}
}

static void node_free(uint32_t ni)
{
	struct wc_ep_node *node = &wc_ep_nodes[ni];
	node_clear_slots(node, ni);
	ST(node->head, 0);
	ST(node->nfds, 0);
	node->free_next = free_nodes;
	free_nodes = ni;
}

static uint32_t node_for_fd(int fd, struct wc_fd *e, bool create)
{
	uint32_t ni = wc_ep_node_of_ref(LD(e->epoll_ref));
	if (ni || !create || LD(e->epoll_ref))
		return ni;
	uint64_t ident = LD(e->ident);
	ni = POOL_ALLOC(wc_ep_nodes, free_nodes, node_high, WC_EP_MAX_NODES);
	if (!ni)
		return 0;
	struct wc_ep_node *node = &wc_ep_nodes[ni];
	ST(node->ident, ident);
	ST(node->head, 0);
	ST(node->fds[0], fd);
	ST(node->nfds, 1);
	ST(e->epoll_ref, (uint64_t)ni);
	return ni;
}

/* ---- registrations ------------------------------------------------------- */

/* A socket's registrations form a short list (one per epoll set and fd
 * number).  Walks are bounded all the same: a fork taken while another
 * thread held the lock may leave the child a list cut mid-change. */
#define CHAIN_MAX 1024u

static bool data_is_fd(uint64_t data, int fd)
{
	return (int32_t)(uint32_t)data == fd;
}

/* ---- by_data: epoll_data -> registration ------------------------------ */

#define HASH_MASK ((1u << WC_EP_HASH_BITS) - 1)

static uint32_t hash_of(uint64_t data)
{
	return (uint32_t)((data * 0x9E3779B97F4A7C15ull) >> (64 - WC_EP_HASH_BITS));
}

static void hash_insert(struct wc_ep_set *set, uint32_t ri)
{
	uint32_t i = hash_of(wc_ep_regs[ri].data);
	while (set->by_data[i])
		i = (i + 1) & HASH_MASK;
	ST(set->by_data[i], ri);
}

/* Linear probing with backward-shift deletion: no tombstones pile up
 * under connection churn. */
static void hash_remove(struct wc_ep_set *set, uint32_t ri)
{
	uint32_t i = hash_of(wc_ep_regs[ri].data), n = 0;
	while (set->by_data[i] != ri) {
		if (!set->by_data[i] || ++n > HASH_MASK)
			return;
		i = (i + 1) & HASH_MASK;
	}
	for (uint32_t j = (i + 1) & HASH_MASK; set->by_data[j]; j = (j + 1) & HASH_MASK) {
		uint32_t home = hash_of(wc_ep_regs[set->by_data[j]].data);
		/* Move j into the hole at i unless its home lies in (i, j]. */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			ST(set->by_data[i], set->by_data[j]);
			i = j;
		}
	}
	ST(set->by_data[i], 0);
}

struct wc_ep_reg *wc_ep_by_data(uint32_t si, uint64_t data)
{
	const struct wc_ep_set *set = &wc_ep_sets[si];
	const uint32_t *h = __atomic_load_n(&set->by_data, __ATOMIC_ACQUIRE);
	if (!h)
		return NULL;
	uint32_t i = hash_of(data);
	for (uint32_t n = 0, ri; (ri = LD(h[i])) && n < 64; n++, i = (i + 1) & HASH_MASK) {
		struct wc_ep_reg *reg = &wc_ep_regs[ri < WC_EP_MAX_REGS ? ri : 0];
		if (ri < WC_EP_MAX_REGS && LD(reg->set) == si && LD(reg->data) == data)
			return reg;
	}
	return NULL;
}

/* The fd whose slot the waits read for this registration's socket: its
 * only fd, or -1 when it has several (the wait then asks the node). */
static int32_t scan_fd_of(const struct wc_ep_node *node)
{
	return node->nfds == 1 ? node->fds[0] : -1;
}

/* The socket's fds changed: refresh what the waits read. */
static void node_sync_members(uint32_t ni)
{
	struct wc_ep_node *node = &wc_ep_nodes[ni];
	for (uint32_t ri = node->head, n = 0; ri && n < CHAIN_MAX; ri = wc_ep_regs[ri].node_next, n++) {
		struct wc_ep_reg *reg = &wc_ep_regs[ri];
		struct wc_ep_set *set = &wc_ep_sets[reg->set];
		set_begin(set);
		ST(set->member_fd[reg->pos], scan_fd_of(node));
		set_end(set);
	}
}

static void reg_unlink(uint32_t ri)
{
	struct wc_ep_reg *reg = &wc_ep_regs[ri];
	struct wc_ep_set *set = &wc_ep_sets[reg->set];
	set_begin(set);
	hash_remove(set, ri);
	uint32_t last = set->nregs - 1;
	if (reg->pos != last) {
		uint32_t moved = set->members[last];
		ST(set->members[reg->pos], moved);
		ST(set->member_fd[reg->pos], set->member_fd[last]);
		ST(wc_ep_regs[moved].pos, reg->pos);
	}
	ST(set->nregs, last);
	if (reg->foreign)
		ST(set->nforeign, set->nforeign - 1);
	set_end(set);

	struct wc_ep_node *node = &wc_ep_nodes[reg->node];
	for (uint32_t *p = &node->head, n = 0; *p && n < CHAIN_MAX; p = &wc_ep_regs[*p].node_next, n++) {
		if (*p == ri) {
			ST(*p, reg->node_next);
			break;
		}
	}
	uint32_t ni = reg->node;
	ST(reg->set, 0);
	reg->free_next = free_regs;
	free_regs = ri;
	if (!node->head)
		node_free(ni);
}

static bool reg_add(uint32_t si, uint32_t ni, int fd, const struct epoll_event *ev)
{
	uint32_t ri = POOL_ALLOC(wc_ep_regs, free_regs, reg_high, WC_EP_MAX_REGS);
	if (!ri)
		return false; /* pool full: this socket goes uncapped in epoll */
	struct wc_ep_reg *reg = &wc_ep_regs[ri];
	struct wc_ep_set *set = &wc_ep_sets[si];
	struct wc_ep_node *node = &wc_ep_nodes[ni];
	ST(reg->node, ni);
	ST(reg->fd, fd);
	ST(reg->events, ev->events);
	ST(reg->data, ev->data.u64);
	ST(reg->orphan, 0);
	ST(reg->et_reported, 0);
	ST(reg->foreign, !data_is_fd(ev->data.u64, fd));
	ST(reg->node_next, node->head);
	ST(node->head, ri);
	set_begin(set);
	ST(reg->set, si);
	ST(reg->pos, set->nregs);
	ST(set->members[set->nregs], ri);
	ST(set->member_fd[set->nregs], scan_fd_of(node));
	hash_insert(set, ri);
	if (reg->foreign)
		ST(set->nforeign, set->nforeign + 1);
	ST(set->nregs, set->nregs + 1);
	set_end(set);
	return true;
}

static uint32_t reg_lookup(uint32_t si, uint32_t ni, int fd)
{
	for (uint32_t ri = wc_ep_nodes[ni].head, n = 0; ri && n < CHAIN_MAX;
	     ri = wc_ep_regs[ri].node_next, n++)
		if (wc_ep_regs[ri].set == si && wc_ep_regs[ri].fd == fd)
			return ri;
	return 0;
}

/* Keep the set's count of registrations the fd fast path cannot find. */
static void reg_set_foreign(struct wc_ep_reg *reg, bool foreign)
{
	if (reg->foreign == foreign)
		return;
	struct wc_ep_set *set = &wc_ep_sets[reg->set];
	set_begin(set);
	ST(reg->foreign, foreign);
	ST(set->nforeign, set->nforeign + (foreign ? 1 : -1));
	set_end(set);
}

static void reg_modify(uint32_t ri, const struct epoll_event *ev)
{
	struct wc_ep_reg *reg = &wc_ep_regs[ri];
	ST(reg->events, ev->events);
	ST(reg->et_reported, 0); /* re-armed: the kernel looks again, so do we */
	if (reg->data == ev->data.u64)
		return;
	struct wc_ep_set *set = &wc_ep_sets[reg->set];
	set_begin(set);
	hash_remove(set, ri);
	ST(reg->data, ev->data.u64);
	hash_insert(set, ri);
	set_end(set);
	reg_set_foreign(reg, reg->orphan || !data_is_fd(ev->data.u64, reg->fd));
}

/* Sockets worth following: outbound TCP that is capped, or not connected
 * yet (it may be capped once it connects).  Listening, accepted, UDP and
 * unknown sockets never are. */
static bool candidate(int fd, struct wc_fd *e)
{
	if (!(LD(e->flags) & WC_F_STREAM))
		return false;
	/* Capped by the profile, lifted or not; in legacy mode, tracked only
	 * to time its phases. */
	if (LD(e->flags) & WC_F_CAPPED)
		return true;
	if (wc_policy_now()->legacy && !wc_trace_phase_enabled())
		return false;
	if (LD(e->role) != WC_ROLE_NONE)
		return false;
	int listening = 0;
	socklen_t len = sizeof(listening);
	if (real_getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening)
		return false;
	return true;
}

static void ep_ctl(int epfd, int op, int fd, const struct epoll_event *ev)
{
	struct wc_fd *e = wc_fd_net(fd);
	if (!e)
		return;
	if (op == EPOLL_CTL_ADD && !candidate(fd, e))
		return;
	if (op != EPOLL_CTL_ADD && !wc_ep_node_of_ref(LD(e->epoll_ref))
	    && !(op == EPOLL_CTL_MOD && candidate(fd, e)))
		return;
	if (!ep_lock())
		return;
	if (!pools_ready())
		goto out;
	uint32_t si = set_for_epfd(epfd, op != EPOLL_CTL_DEL);
	if (!si)
		goto out;
	uint32_t ni = node_for_fd(fd, e, op != EPOLL_CTL_DEL);
	if (!ni)
		goto out;
	uint32_t ri = reg_lookup(si, ni, fd);
	if (op == EPOLL_CTL_DEL) {
		if (ri)
			reg_unlink(ri);
	} else if (ri) {
		reg_modify(ri, ev);
	} else if (ev && !reg_add(si, ni, fd, ev) && !wc_ep_nodes[ni].head) {
		/* ADD, or a MOD of a socket registered before it was known. */
		node_free(ni);
	}
out:
	ep_unlock();
}

void wc_ep_ctl(int epfd, int op, int fd, const struct epoll_event *ev)
{
	int saved = errno;
	ep_ctl(epfd, op, fd, ev);
	errno = saved;
}

/* ---- close and dup -------------------------------------------------------- */

static void set_release(uint32_t si)
{
	struct wc_ep_set *set = &wc_ep_sets[si];
	if (--set->refs > 0)
		return;
	while (set->nregs)
		reg_unlink(set->members[set->nregs - 1]);
	set->free_next = free_sets;
	free_sets = si;
}

static void node_lose_fd(uint32_t ni, int fd)
{
	struct wc_ep_node *node = &wc_ep_nodes[ni];
	for (int k = 0; k < node->nfds; k++) {
		if (node->fds[k] != fd)
			continue;
		ST(node->fds[k], node->fds[node->nfds - 1]);
		ST(node->nfds, node->nfds - 1);
		break;
	}
	if (node->nfds > 0) {
		/* Its registrations live on under the closed number: the
		 * kernel still reports them, with data naming a dead fd. */
		for (uint32_t ri = node->head, n = 0; ri && n < CHAIN_MAX;
		     ri = wc_ep_regs[ri].node_next, n++) {
			struct wc_ep_reg *reg = &wc_ep_regs[ri];
			if (reg->fd == fd) {
				ST(reg->orphan, 1);
				reg_set_foreign(reg, true);
			}
		}
		node_sync_members(ni);
		return;
	}
	/* The description's last known fd: the kernel drops its
	 * registrations, and so do we. */
	for (uint32_t bound = 0; node->head && bound < WC_EP_MAX_REGS; bound++)
		reg_unlink(node->head); /* frees the node with the last one */
}

void wc_ep_fd_closing(int fd)
{
	struct wc_fd *slot = wc_fd_slot(fd);
	if (!slot)
		return;
	uint64_t ref = LD(slot->epoll_ref);
	if (WC_LIKELY(!ref) || !wc_ep_regs)
		return;
	int saved = errno;
	if (!ep_lock())
		return;
	ST(slot->epoll_ref, 0);
	if (ref & WC_EP_SET_TAG) {
		uint32_t si = (uint32_t)(ref & ~WC_EP_SET_TAG);
		if (si && si < WC_EP_MAX_SETS)
			set_release(si);
	} else if (ref < WC_EP_MAX_NODES) {
		node_lose_fd((uint32_t)ref, fd);
	}
	ep_unlock();
	errno = saved;
}

void wc_ep_fd_dup(int oldfd, int newfd)
{
	struct wc_fd *slot = wc_fd_slot(newfd);
	if (!slot)
		return;
	uint64_t ref = LD(slot->epoll_ref);
	if (WC_LIKELY(!ref) || !wc_ep_regs)
		return;
	int saved = errno;
	if (!ep_lock())
		return;
	if (ref & WC_EP_SET_TAG) {
		uint32_t si = (uint32_t)(ref & ~WC_EP_SET_TAG);
		if (si && si < WC_EP_MAX_SETS)
			wc_ep_sets[si].refs++;
	} else if (ref < WC_EP_MAX_NODES) {
		struct wc_ep_node *node = &wc_ep_nodes[ref];
		if (node->nfds < WC_EP_NODE_FDS) {
			ST(node->fds[node->nfds], newfd);
			ST(node->nfds, node->nfds + 1);
			node_sync_members((uint32_t)ref);
		} else {
			/* More dups than followed: this one stays unknown. */
			ST(slot->epoll_ref, 0);
		}
	}
	(void)oldfd;
	ep_unlock();
	errno = saved;
}

void wc_ep_created(int epfd)
{
	wc_ep_fd_closing(epfd); /* a stale set of a number closed behind our back */
}

/* ---- lookups for waits ------------------------------------------------------ */

struct wc_ep_reg *wc_ep_find(uint32_t si, uint64_t data)
{
	/* Most event loops (libuv, CPython, Java NIO) put the fd in the data:
	 * one slot load finds the socket and its registrations. */
	int fd = (int32_t)(uint32_t)data;
	struct wc_fd *slot = wc_fd_slot(fd);
	if (slot) {
		uint32_t ni = wc_ep_node_of_ref(LD(slot->epoll_ref));
		uint32_t bound = 0;
		for (uint32_t ri = ni ? LD(wc_ep_nodes[ni].head) : 0; ri && ri < WC_EP_MAX_REGS && bound < 64;
		     ri = LD(wc_ep_regs[ri].node_next), bound++) {
			struct wc_ep_reg *reg = &wc_ep_regs[ri];
			if (LD(reg->set) == si && LD(reg->data) == data)
				return reg;
		}
	}
	if (!LD(wc_ep_sets[si].nforeign))
		return NULL; /* every registration's data is its fd: not ours */
	return wc_ep_by_data(si, data);
}
