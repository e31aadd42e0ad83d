/* What a capped connection and a keep-alive request cost in system calls
 * beyond the program's own, counted by strace (counts, not time).  Real
 * clients against nginx-light on loopback: curl making sequential
 * connections, python3 http.client making keep-alive requests.  The
 * difference between a long and a short run removes the start-up. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loopback.h"
#include "proc.h"
#include "strace_total.h"

static char dir[64];
static char url[96];
static int port;
static pid_t nginx;


static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/waitcap-cheap-XXXXXX");
	cr_assert(mkdtemp(dir));
	chmod(dir, 0755);
	port = loopback_free_port();
	char conf[128];
	snprintf(conf, sizeof conf, "%s/nginx.conf", dir);
	FILE *f = fopen(conf, "w");
	cr_assert(f);
	fprintf(f,
		"worker_processes 1;\ndaemon off;\nmaster_process on;\n"
		"pid %s/nginx.pid;\nerror_log %s/error.log;\n"
		"events { worker_connections 64; }\n"
		"http {\n  access_log off;\n  keepalive_requests 100000;\n"
		"  client_body_temp_path %s/body;\n  proxy_temp_path %s/proxy;\n"
		"  fastcgi_temp_path %s/fastcgi;\n  uwsgi_temp_path %s/uwsgi;\n"
		"  scgi_temp_path %s/scgi;\n"
		"  server {\n    listen 127.0.0.1:%d;\n    location / { return 204; }\n  }\n}\n",
		dir, dir, dir, dir, dir, dir, dir, port);
	fclose(f);
	char log[128];
	snprintf(log, sizeof log, "%s/error.log", dir);
	const char *argv[] = {"/usr/sbin/nginx", "-p", dir, "-c", conf, "-e", log, NULL};
	nginx = proc_start(argv, NULL, false, -1, -1);
	cr_assert(nginx > 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
	const char *probe[] = {"curl", "-s", "--retry", "20", "--retry-connrefused",
			       "--retry-delay", "0", "--retry-max-time", "10", url, NULL};
	struct proc_result *r = calloc(1, sizeof *r);
	cr_assert(proc_run(r, probe, NULL, false, 15000) == 0 && r->exit_code == 0,
		  "nginx does not answer on %s", url);
	free(r);
}

static void teardown(void)
{
	if (nginx > 0) {
		kill(nginx, SIGTERM);
		proc_wait(nginx, 10000);
	}
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	(void)!system(cmd);
}

TestSuite(per_connection_syscalls, .init = setup, .fini = teardown, .timeout = 120);

/* System calls of cmd and its threads, preloaded (capped, tracing off so
 * that liblttng-ust's threads do not count) or bare. */
static long count_syscalls(const char *const cmd[], bool preloaded)
{
	static int run;
	char out[128], preload[600];
	snprintf(out, sizeof out, "%s/strace-%d.txt", dir, run++);
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", lib_path());
	/* Counted: every call the library makes on a connection's path or
	 * could add to it (the backstop's setsockopt, the stale-fd check's
	 * fstat/getsockopt/getpeername, getpid, fcntl, signal masks,
	 * shutdown, ioctl) and the file calls of its start-up, which the
	 * long-minus-short difference removes.  Not counted: the waits (how
	 * many polls curl makes per connection depends on how soon each
	 * answer comes on a busy machine, and the library replaces a poll
	 * with one ppoll, it adds none) and curl's own thread and signal
	 * set-up (rt_sigaction, futex, clone), which vary from run to run
	 * by tens of calls.  Seen: 1 run in 4 over the bound with every
	 * call counted. */
	const char *argv[40] = {"strace", "-f", "-c", "-o", out, "-e",
				"trace=setsockopt,getsockopt,newfstatat,fstat,statx,getpid,fcntl,"
				"ioctl,rt_sigprocmask,getpeername,getsockname,shutdown,openat,read,"
				"write,mmap,munmap,socket,connect,close"};
	int n = 7;
	/* The library's settings come from here, never from the caller. */
	static const char *const unset[] = {"WAITCAP_CONFIG", "WAITCAP_PROFILE", "ENVIRONMENT",
					    "FORCE_LEGACY_TIMEOUTS", "LOCAL_DEVELOPMENT",
					    "DISABLE_TIMEOUT_OPTIMIZATIONS", "WAITCAP_STATS_DIR"};
	for (size_t i = 0; i < sizeof unset / sizeof unset[0]; i++) {
		argv[n++] = "-E";
		argv[n++] = unset[i];
	}
	if (preloaded) {
		argv[n++] = "-E";
		argv[n++] = preload;
		argv[n++] = "-E";
		argv[n++] = "WAITCAP_TRACE=0";
		argv[n++] = "-E";
		argv[n++] = "WAITCAP_CAPS=connect=5s,recv=5s,send=5s";
	}
	for (int i = 0; cmd[i]; i++)
		argv[n++] = cmd[i];
	argv[n] = NULL;
	struct proc_result *r = calloc(1, sizeof *r);
	cr_assert(proc_run(r, argv, NULL, false, 60000) == 0 && r->exit_code == 0,
		  "%s failed: %s", cmd[0], r->err);
	free(r);

	return strace_total_calls(out);
}

/* Extra system calls per unit of work: (preloaded - bare) over a long run
 * minus the same over a short one, divided by the extra work. */
static double extra_per_unit(const char *const short_cmd[], const char *const long_cmd[],
			     int more_units)
{
	long pre_long = count_syscalls(long_cmd, true), pre_short = count_syscalls(short_cmd, true);
	long bare_long = count_syscalls(long_cmd, false);
	long bare_short = count_syscalls(short_cmd, false);
	double extra = (double)((pre_long - pre_short) - (bare_long - bare_short)) / more_units;
	cr_log_info("%s: bare %ld/%ld, preloaded %ld/%ld: %.3f more per unit", long_cmd[0],
		    bare_short, bare_long, pre_short, pre_long, extra);
	return extra;
}

Test(per_connection_syscalls, a_capped_connection_costs_at_most_one_system_call_more)
{
	char few[128], many[128];
	snprintf(few, sizeof few, "%sa[1-20]", url);
	snprintf(many, sizeof many, "%sa[1-220]", url);
	const char *short_cmd[] = {"curl", "-s", "-o", "/dev/null", "-H", "Connection: close", few,
				   NULL};
	const char *long_cmd[] = {"curl", "-s", "-o", "/dev/null", "-H", "Connection: close", many,
				  NULL};
	double extra = extra_per_unit(short_cmd, long_cmd, 200);
	/* One: the connect backstop (TCP_SYNCNT).  Not a second to put it back,
	 * no fstat, no getpid.  The slack covers curl's own variation (a poll
	 * more or less when an answer comes early or late). */
	cr_assert_leq(extra, 1.25, "%.3f system calls more per connection", extra);
}

Test(per_connection_syscalls, a_keep_alive_request_costs_no_system_call_more)
{
	static const char script[] =
		"import http.client, sys\n"
		"c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]))\n"
		"for _ in range(int(sys.argv[2])):\n"
		"    c.request('GET', '/')\n"
		"    c.getresponse().read()\n";
	char p[16];
	snprintf(p, sizeof p, "%d", port);
	const char *short_cmd[] = {"python3", "-c", script, p, "100", NULL};
	const char *long_cmd[] = {"python3", "-c", script, p, "1100", NULL};
	double extra = extra_per_unit(short_cmd, long_cmd, 1000);
	/* None when the answer is there at the recv (the program's send and
	 * recv are all).  An answer that is late costs three: the capped
	 * blocking recv is a non-blocking try, a check that nobody made the
	 * socket non-blocking behind our back (F_GETFL) and a ppoll before the
	 * real recv.  On this busy machine a few in a hundred answers are late
	 * (measured 0.004-0.045 per request); a call per request (a setsockopt,
	 * an fstat, a getpid) would be 1. */
	cr_assert_leq(extra, 0.25, "%.3f system calls more per keep-alive request", extra);
}
