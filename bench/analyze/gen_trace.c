/* Trace generator for the analyzer's tests and benchmark: emits waitcap
 * events through the project's own provider (libwaitcap-tp.so, the emit API
 * of tracepoints/waitcap_emit.h), so the trace has exactly the field layout
 * libwaitcap.so produces, as fast as LTTng can take them.
 *
 *   gen_trace bulk EVENTS [SITES]
 *       EVENTS waitcap:wait events spread over SITES call sites (default 16;
 *       at most 64), with durations from 50 us to ~2 s and every op and
 *       outcome represented; 1 in 1000 is a waitcap:expired.  One thread
 *       per CPU, each pinned to its CPU, like a busy service: LTTng's
 *       per-CPU streams then hold similar shares.
 *   gen_trace known
 *       a small trace whose report is known exactly (the tests' oracle):
 *         connects_slowly   connect  4 x 250 ms, capped at 250 ms, asked 1 s
 *         reads_quickly     recv     100 x 2 ms, ready
 *         arms_deadline     recv     3 x waitcap:expired after 300 ms
 *
 * Call sites are real code addresses in this program (label addresses), so
 * the analyzer symbolizes them to these functions and lines like any
 * program's. */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "waitcap_emit.h"

#define MAX_SITES 64

static const enum wc_op ops[] = { WC_OP_CONNECT, WC_OP_RECV, WC_OP_SEND, WC_OP_POLL, WC_OP_SELECT,
				  WC_OP_EPOLL, WC_OP_ACCEPT };
static const char *const funcs[] = { "connect", "recv", "send", "poll", "select", "epoll_wait", "accept" };

static uint64_t caller_frame;   /* where "main" called the site */

/* One emission from a call site: `here` is an address inside the calling
 * function, +1 so that the analyzer's return-address adjustment lands on it.
 * Never inlined: `here` would then symbolize as emit's own (inlined) code. */
__attribute__((noinline)) static void emit(const void *here, enum wc_op op, const char *func,
					   int64_t dur_ns, enum wc_outcome outcome, int64_t timeout_ms,
					   int64_t cap_ms)
{
	struct waitcap_tp_wait w = {
		.op = op, .func = func, .fd = 7, .peer = "127.0.0.1:8000", .rule = "",
		.timeout_ms = timeout_ms, .cap_ms = cap_ms, .dur_ns = dur_ns, .outcome = outcome,
		.ret = outcome != WC_OUT_READY ? -1 : 1, .err = outcome != WC_OUT_READY ? 110 : 0,
	};
	uint64_t frames[2] = { (uint64_t)(uintptr_t)here + 1, caller_frame };
	waitcap_tp_emit_wait(&w, frames, 2, (void *)((uintptr_t)here + 1));
}

__attribute__((noinline)) static void connects_slowly(void)
{
	for (int i = 0; i < 4; i++) {
here:		emit(&&here, WC_OP_CONNECT, "connect", 250000000, WC_OUT_CAPPED, 1000, 250);
	}
}

__attribute__((noinline)) static void reads_quickly(void)
{
	for (int i = 0; i < 100; i++) {
here:		emit(&&here, WC_OP_RECV, "recv", 2000000, WC_OUT_READY, -1, 5000);
	}
}

__attribute__((noinline)) static void arms_deadline(void)
{
	for (int i = 0; i < 3; i++) {
here:;		struct waitcap_tp_expired e = {
			.op = WC_OP_RECV, .fd = 9, .peer = "127.0.0.1:8001", .rule = "",
			.cap_ms = 300, .waited_ns = 300000000,
			.armed_ip = (void *)((uintptr_t)&&here + 1),
		};
		waitcap_tp_emit_expired(&e);
	}
}

/* Bulk call sites: one function, 64 distinct addresses in it (a switch of
 * labels), so that SITES call sites cost no code generation. */
#define SITE(n) case n: { site##n: emit(&&site##n, ops[n % 7], funcs[n % 7], dur, outcome, timeout, cap); break; }

__attribute__((noinline)) static void bulk_site(int n, int64_t dur, enum wc_outcome outcome,
						int64_t timeout, int64_t cap)
{
	switch (n) {
		SITE(0) SITE(1) SITE(2) SITE(3) SITE(4) SITE(5) SITE(6) SITE(7) SITE(8) SITE(9) SITE(10)
		SITE(11) SITE(12) SITE(13) SITE(14) SITE(15) SITE(16) SITE(17) SITE(18) SITE(19)
		SITE(20) SITE(21) SITE(22) SITE(23) SITE(24) SITE(25) SITE(26) SITE(27) SITE(28)
		SITE(29) SITE(30) SITE(31) SITE(32) SITE(33) SITE(34) SITE(35) SITE(36) SITE(37)
		SITE(38) SITE(39) SITE(40) SITE(41) SITE(42) SITE(43) SITE(44) SITE(45) SITE(46)
		SITE(47) SITE(48) SITE(49) SITE(50) SITE(51) SITE(52) SITE(53) SITE(54) SITE(55)
		SITE(56) SITE(57) SITE(58) SITE(59) SITE(60) SITE(61) SITE(62) SITE(63)
	}
}

static __thread uint64_t rng_state;

static uint64_t next_random(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void bulk(long events, int sites, uint64_t seed)
{
	rng_state = seed;
	for (long i = 0; i < events; i++) {
		uint64_t r = next_random();
		int site = (int)(r % (uint64_t)sites);
		/* Site-specific scale times a spread of 1..64: a log-spread of
		 * durations from 50 us up to seconds. */
		int64_t dur = 50000LL * (1 + site % 5) * (int64_t)(1 + ((r >> 20) % 64)) *
			      (site % 9 == 0 ? 50 : 1);
		enum wc_outcome outcome = WC_OUT_READY;
		int64_t timeout = -1, cap = 5000;
		switch ((r >> 40) % 20) {
		case 0: outcome = WC_OUT_CAPPED; timeout = (r >> 50) % 2 ? 30000 : -1; dur = 5000000000LL; break;
		case 1: outcome = WC_OUT_APP_TIMEOUT; timeout = dur / 1000000; break;
		case 2: outcome = WC_OUT_ERROR; break;
		}
		if (i % 1000 == 999) {
			struct waitcap_tp_expired e = {
				.op = WC_OP_RECV, .fd = 9, .peer = "127.0.0.1:8001", .rule = "",
				.cap_ms = 5000, .waited_ns = 5000000000LL,
				.armed_ip = (void *)((uintptr_t)&bulk_site + 16),
			};
			waitcap_tp_emit_expired(&e);
		} else {
			bulk_site(site, dur, outcome, timeout, cap);
		}
	}
}

struct bulk_thread {
	pthread_t thread;
	int cpu;
	long events;
	int sites;
};

static void *bulk_thread(void *arg)
{
	struct bulk_thread *t = arg;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(t->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set); /* best effort */
	bulk(t->events, t->sites, 0x9e3779b97f4a7c15ULL * (uint64_t)(t->cpu + 1));
	return NULL;
}

static int bulk_parallel(long events, int sites)
{
	cpu_set_t allowed;
	int ncpu = 1;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0)
		ncpu = CPU_COUNT(&allowed);
	if (ncpu > 64)
		ncpu = 64;
	struct bulk_thread threads[64];
	int started = 0;
	for (int cpu = 0; cpu < CPU_SETSIZE && started < ncpu; cpu++) {
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		struct bulk_thread *t = &threads[started];
		t->cpu = cpu;
		t->sites = sites;
		t->events = events / ncpu + (started < events % ncpu);
		if (pthread_create(&t->thread, NULL, bulk_thread, t) != 0)
			return 1;
		started++;
	}
	for (int i = 0; i < started; i++)
		pthread_join(threads[i].thread, NULL);
	return 0;
}

int main(int argc, char **argv)
{
here:
	caller_frame = (uint64_t)(uintptr_t)&&here + 1;
	if (argc >= 2 && strcmp(argv[1], "known") == 0) {
		connects_slowly();
		reads_quickly();
		arms_deadline();
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "bulk") == 0) {
		long events = atol(argv[2]);
		int sites = argc >= 4 ? atoi(argv[3]) : 16;
		if (events < 1 || sites < 1 || sites > MAX_SITES) {
			fprintf(stderr, "gen_trace bulk: EVENTS >= 1, 1 <= SITES <= %d\n", MAX_SITES);
			return 2;
		}
		return bulk_parallel(events, sites);
	}
	fprintf(stderr, "usage: gen_trace bulk EVENTS [SITES] | gen_trace known\n");
	return 2;
}
