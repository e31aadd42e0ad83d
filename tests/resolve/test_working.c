/* A name server that answers: the capped lookup still finds its name, over
 * UDP and over TCP, from getent, Python and curl. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ns.h"
#include "proc.h"

static struct proc_result r;
static const char *const capped[] = {"WAITCAP_CAPS=resolve=1s", NULL};

TestSuite(resolve_working, .fini = ns_leave, .timeout = 60);

static void getent_finds_the_name(bool tcp)
{
	ns_world("answer", NS_WORKING, tcp);
	const char *argv[] = {"getent", "ahostsv4", NS_NAME, NULL};
	cr_assert_eq(proc_run(&r, argv, capped, true, 20000), 0);
	cr_assert_eq(r.exit_code, 0, "getent: exit %d\n%s", r.exit_code, r.err);
	cr_assert(strstr(r.out, NS_NAME_ADDR " ") && strstr(r.out, NS_NAME), "getent said:\n%s",
		  r.out);
}

Test(resolve_working, getent_over_udp_finds_the_name)
{
	getent_finds_the_name(false);
}

Test(resolve_working, getent_over_tcp_finds_the_name)
{
	getent_finds_the_name(true);
}

Test(resolve_working, python_finds_the_name_and_not_another)
{
	ns_world("answer", NS_WORKING, false);
	const char *argv[] = {"python3", "-c",
			      "import socket\n"
			      "print(socket.getaddrinfo('" NS_NAME "', 80, socket.AF_INET)[0][4][0])\n"
			      "try:\n"
			      "    socket.getaddrinfo('" NS_UNKNOWN "', 80)\n"
			      "except socket.gaierror as e:\n"
			      "    print(e.errno)\n",
			      NULL};
	cr_assert_eq(proc_run(&r, argv, capped, true, 20000), 0);
	cr_assert_str_eq(r.out, NS_NAME_ADDR "\n-2\n", "python said: %s%s", r.out, r.err);
}

Test(resolve_working, curl_resolves_and_goes_on_to_connect)
{
	ns_world("answer", NS_WORKING, false);
	/* 10.1.2.3 has no route in the namespace: curl resolved the name when
	 * it fails to connect (7), not to resolve (6). */
	const char *argv[] = {"curl", "-sS", "-v", "http://" NS_NAME "/", NULL};
	cr_assert_eq(proc_run(&r, argv, capped, true, 20000), 0);
	cr_assert_eq(r.exit_code, 7, "curl: exit %d\n%s", r.exit_code, r.err);
	cr_assert(strstr(r.err, NS_NAME_ADDR), "curl said:\n%s", r.err);
}
