#include "unanswered.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "ns.h"

static struct proc_result r;

static const char *const capped[] = {"WAITCAP_CAPS=resolve=1s", NULL};

void getent_unknown(struct proc_result *res, const char *const env[], bool preload,
		    int timeout_ms)
{
	const char *argv[] = {"getent", "ahostsv4", NS_UNKNOWN, NULL};
	cr_assert_eq(proc_run(res, argv, env, preload, timeout_ms), 0);
	cr_assert_eq(res->exit_code, 2, "getent: exit %d (2: not found)\n%s", res->exit_code,
		     res->err);
}

void assert_within_cap(const struct proc_result *res, const char *what)
{
	cr_assert_geq(res->elapsed_ms, CAP_MS - 100, "%s took only %lld ms", what,
		      (long long)res->elapsed_ms);
	cr_assert_leq(res->elapsed_ms, BOUND_MS, "%s took %lld ms", what,
		      (long long)res->elapsed_ms);
}

void assert_getent_under_run_cap_within_cap(void)
{
	const char *argv[] = {getenv("WAITCAP_BIN"), "run", "--cap", "resolve=1s", "--", "getent",
			      "ahostsv4", NS_UNKNOWN, NULL};
	cr_assert_eq(proc_run(&r, argv, NULL, false, 20000), 0);
	cr_assert_eq(r.exit_code, 2, "getent: exit %d (2: not found)\n%s", r.exit_code, r.err);
	assert_within_cap(&r, "getent");
}

void assert_python_getaddrinfo_within_cap(void)
{
	const char *argv[] = {"python3", "-c",
			      "import socket, time\n"
			      "t = time.monotonic()\n"
			      "try:\n"
			      "    socket.getaddrinfo('" NS_UNKNOWN "', 80)\n"
			      "except socket.gaierror as e:\n"
			      "    print(e.errno, int((time.monotonic() - t) * 1000))\n",
			      NULL};
	cr_assert_eq(proc_run(&r, argv, capped, true, 20000), 0);
	int err = 0, ms = -1;
	cr_assert_eq(sscanf(r.out, "%d %d", &err, &ms), 2, "python said: %s%s", r.out, r.err);
	cr_assert_eq(err, -3, "gaierror %d, not EAI_AGAIN", err);
	cr_assert_geq(ms, CAP_MS - 100);
	cr_assert_leq(ms, BOUND_MS);
}

void assert_curl_within_cap(void)
{
	const char *argv[] = {"curl", "-sS", "http://" NS_UNKNOWN "/", NULL};
	cr_assert_eq(proc_run(&r, argv, capped, true, 20000), 0);
	cr_assert_eq(r.exit_code, 6, "curl: exit %d (6: could not resolve)\n%s", r.exit_code, r.err);
	assert_within_cap(&r, "curl");
}
