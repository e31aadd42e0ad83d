/* waitcap:phase: how long each connect and response phase of the Python
 * service's three dependencies took and how it ended, in capping, observe
 * and legacy mode alike. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "rollout.h"

static struct lt_env env;
static struct deps deps;

ROLLOUT_SUITE(phases, env, deps, .timeout = 90);

struct phase {
	char outcome[32], mode[16];
	long long dur_ms, cap_ms;
	int would_cap;
	unsigned long long armed_ip, ip;
};

/* The one waitcap:phase event of op on peer's port. */
static struct phase phase_of(const char *text, const char *op, int port)
{
	char peer[64], opq[32], line[4096], v[64];
	snprintf(peer, sizeof peer, "peer = \"127.0.0.1:%d\"", port);
	snprintf(opq, sizeof opq, "op = ( \"%s\"", op);
	const char *needles[] = {"waitcap:phase:", peer, opq, NULL};
	int n = lt_count_lines(text, needles, line, sizeof line);
	cr_assert_eq(n, 1, "%d waitcap:phase events for %s %s:\n%.8000s", n, op, peer, text);
	struct phase p;
	cr_assert(lt_field(line, "outcome", p.outcome, sizeof p.outcome), "%s", line);
	cr_assert(lt_field(line, "mode", p.mode, sizeof p.mode), "%s", line);
	cr_assert(lt_field(line, "dur_ns", v, sizeof v), "%s", line);
	p.dur_ms = atoll(v) / 1000000;
	cr_assert(lt_field(line, "cap_ms", v, sizeof v), "%s", line);
	p.cap_ms = atoll(v);
	cr_assert(lt_field(line, "would_cap", v, sizeof v), "%s", line);
	p.would_cap = atoi(v);
	cr_assert(lt_field(line, "armed_ip", v, sizeof v), "%s", line);
	p.armed_ip = strtoull(v, NULL, 16);
	cr_assert(lt_field(line, "ip", v, sizeof v), "%s", line);
	p.ip = strtoull(v, NULL, 10);
	return p;
}

static void expect_phase(const struct phase *p, const char *outcome, long long from_ms,
			 const char *what)
{
	cr_assert_str_eq(p->outcome, outcome, "%s", what);
	cr_assert(cap_held(p->dur_ms, from_ms), "%s lasted %lld ms, expected about %lld", what,
		  p->dur_ms, from_ms);
	cr_assert_eq(p->armed_ip, p->ip, "%s: the ip context is the call that armed it", what);
	cr_assert_neq(p->armed_ip, 0);
}

/* The three phases as the service lived them, whatever the mode: a connect
 * that ended in the program's 1.5 s timeout, a 0.6 s answer, a read that
 * ended in its 1 s timeout; the connected sockets' short connects are not
 * events. */
static char *record_and_check(const char *name, const char *const extra[], const char *mode,
			      long long cap_ms)
{
	struct service_run run;
	service_record(&env, &deps, lt_path(&env, name), extra, NULL, &run);
	char *text = lt_babeltrace(lt_path(&env, name), false);
	struct phase c = phase_of(text, "connect", deps.full.port);
	expect_phase(&c, "app_timeout", FULL_OWN_MS, "the connect to the full accept queue");
	struct phase a = phase_of(text, "recv", deps.slow.port);
	expect_phase(&a, "completed", SLOW_ANSWER_MS, "the slow answer");
	struct phase s = phase_of(text, "recv", deps.silent.port);
	expect_phase(&s, "app_timeout", SILENT_OWN_MS, "the silent peer's response");
	const struct phase *all[] = {&c, &a, &s};
	for (int i = 0; i < 3; i++) {
		cr_assert_str_eq(all[i]->mode, mode);
		cr_assert_eq(all[i]->cap_ms, cap_ms);
		cr_assert_eq(all[i]->would_cap, 0);
	}
	/* Both responses were armed by the same send in CPython. */
	cr_assert_eq(a.armed_ip, s.armed_ip);
	cr_assert_neq(a.armed_ip, c.armed_ip);
	const char *connects[] = {"waitcap:phase:", "op = ( \"connect\"", NULL};
	cr_assert_eq(lt_count_lines(text, connects, NULL, 0), 1, "%.8000s", text);
	return text;
}

Test(phases, observe_mode_with_caps_above_the_programs_timeouts)
{
	const char *extra[] = {"WAITCAP_MODE=observe", "WAITCAP_CAPS=connect=5s,recv=5s,send=5s",
			       NULL};
	free(record_and_check("observe", extra, "observe", 5000));
}

Test(phases, legacy_mode_times_phases_without_caps)
{
	const char *extra[] = {"FORCE_LEGACY_TIMEOUTS=true", NULL};
	free(record_and_check("legacy", extra, "legacy", -1));
}

/* An event loop waits in epoll_wait: the phases are the same, in legacy
 * mode too (the sockets are followed in epoll only to time them). */
Test(phases, asyncio_in_legacy_mode)
{
	const char *extra[] = {"FORCE_LEGACY_TIMEOUTS=true", NULL};
	struct service_run run;
	service_record_script(&env, &deps, "asyncio_deps.py", lt_path(&env, "asyncio"), extra, NULL,
			      &run);
	cr_assert_str_eq(run.api.outcome, "answered", "%s", run.out);
	char *text = lt_babeltrace(lt_path(&env, "asyncio"), false);
	struct phase a = phase_of(text, "recv", deps.slow.port);
	expect_phase(&a, "completed", SLOW_ANSWER_MS, "asyncio: the slow answer");
	struct phase c = phase_of(text, "connect", deps.full.port);
	cr_assert_neq(strcmp(c.outcome, "completed"), 0, "asyncio: the full queue's connect");
	cr_assert(cap_held(c.dur_ms, FULL_OWN_MS), "asyncio: connect lasted %lld ms", c.dur_ms);
	struct phase s = phase_of(text, "recv", deps.silent.port);
	cr_assert_neq(strcmp(s.outcome, "completed"), 0, "asyncio: the silent response");
	cr_assert(cap_held(s.dur_ms, SILENT_OWN_MS), "asyncio: response lasted %lld ms", s.dur_ms);
	cr_assert_str_eq(a.mode, "legacy");
	/* Only the slow connect is an event: the others connected at once. */
	const char *connects[] = {"waitcap:phase:", "op = ( \"connect\"", NULL};
	cr_assert_eq(lt_count_lines(text, connects, NULL, 0), 1, "%.8000s", text);
	free(text);
}

/* Caps under the program's timeouts: capping cuts the three phases at the
 * cap; observing lets them run and marks them would_cap. */
Test(phases, capped_and_would_cap_phases)
{
	const char *capping[] = {"WAITCAP_CAPS=connect=300ms,recv=300ms", NULL};
	struct service_run run;
	service_record(&env, &deps, lt_path(&env, "capping"), capping, NULL, &run);
	char *text = lt_babeltrace(lt_path(&env, "capping"), false);
	struct phase c = phase_of(text, "connect", deps.full.port);
	struct phase a = phase_of(text, "recv", deps.slow.port);
	struct phase s = phase_of(text, "recv", deps.silent.port);
	expect_phase(&c, "capped", 300, "the capped connect");
	expect_phase(&a, "capped", 300, "the capped slow answer");
	expect_phase(&s, "capped", 300, "the capped silent response");
	cr_assert_str_eq(c.mode, "capping");
	free(text);

	const char *observe[] = {"WAITCAP_MODE=observe", "WAITCAP_CAPS=connect=300ms,recv=300ms",
				 NULL};
	service_record(&env, &deps, lt_path(&env, "observe"), observe, NULL, &run);
	text = lt_babeltrace(lt_path(&env, "observe"), false);
	c = phase_of(text, "connect", deps.full.port);
	a = phase_of(text, "recv", deps.slow.port);
	s = phase_of(text, "recv", deps.silent.port);
	expect_phase(&c, "app_timeout", FULL_OWN_MS, "the observed connect");
	expect_phase(&a, "completed", SLOW_ANSWER_MS, "the observed slow answer");
	expect_phase(&s, "app_timeout", SILENT_OWN_MS, "the observed silent response");
	cr_assert(c.would_cap && a.would_cap && s.would_cap);
	cr_assert_eq(a.cap_ms, 300);
	free(text);
}
