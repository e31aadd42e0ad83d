/* A service that forks its workers (nginx) started with a plain LD_PRELOAD
 * of the library: `waitcap record`, opened after the service started,
 * sees the worker's waits under the worker's pid.  Neither process has the
 * tracer when the record starts (it is loaded when a session wants the
 * process): the record asks both, and the worker loads it on its next
 * wait, registers under its own pid and gets its call sites named; its
 * environment, which nginx empties in workers, is lent back for the load
 * (docs/tracing.md, "Loading late"). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "files.h"
#include "harness.h"
#include "loopback.h"
#include "peers.h"

static struct lt_env env;
static struct peer upstream;

LT_SUITE_PEER(forked_workers, env, upstream, peer_silent_server, .timeout = 80);

static void write_config(const char *path, int port, int upstream_port)
{
	FILE *f = fopen(path, "w");
	cr_assert(f);
	const char *dir = env.dir;
	fprintf(f,
		"worker_processes 1;\ndaemon off;\nmaster_process on;\n"

		"pid %s/nginx.pid;\nerror_log %s/error.log;\n"
		"events { worker_connections 64; }\n"
		"http {\n  access_log off;\n"
		"  client_body_temp_path %s/body;\n  proxy_temp_path %s/proxy;\n"
		"  fastcgi_temp_path %s/fastcgi;\n  uwsgi_temp_path %s/uwsgi;\n"
		"  scgi_temp_path %s/scgi;\n"
		"  server {\n    listen 127.0.0.1:%d;\n"
		"    location / { proxy_pass http://127.0.0.1:%d; proxy_read_timeout 20s; }\n"
		"  }\n}\n",
		dir, dir, dir, dir, dir, dir, dir, port, upstream_port);
	fclose(f);
}

/* The one child of the master, once it has one (bounded wait). */
static pid_t worker_of(pid_t master)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)master, (int)master);
	for (int tries = 0; tries < 100; tries++) {
		pid_t pid = (pid_t)read_first_number(path);
		if (pid > 0)
			return pid;
		nanosleep(&(struct timespec){.tv_nsec = 50 * 1000000L}, NULL);
	}
	return 0;
}

/* Whitespace removed, so that JSON fields compare as plain strings. */
static void squeeze(char *s)
{
	char *out = s;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n')
			*out++ = *s;
	*out = 0;
}

Test(forked_workers, nginx_worker_waits_are_recorded_under_the_worker_pid)
{
	int port = loopback_free_port();
	char conf[512];
	snprintf(conf, sizeof conf, "%s", lt_path(&env, "nginx.conf"));
	write_config(conf, port, upstream.port);

	char preload[600];
	snprintf(preload, sizeof preload, "LD_PRELOAD=%s", lt_getenv("WAITCAP_LIB"));
	/* The worker's wait for the silent upstream is capped at 300 ms. */
	const char *nginx_env[] = {preload, "WAITCAP_CAPS=recv=300ms", NULL};
	const char *nginx_argv[] = {"/usr/sbin/nginx", "-p", env.dir, "-c", conf,
				    "-e", lt_path(&env, "error.log"), NULL};
	struct lt_proc nginx;
	lt_spawn(&env, &nginx, nginx_argv, nginx_env);
	pid_t worker = worker_of(nginx.pid);
	cr_assert(worker > 0 && worker != nginx.pid, "nginx started no worker:\n%s", nginx.err);

	const char *record_argv[] = {lt_getenv("WAITCAP_BIN"), "record", "--duration", "4s",
				     "-o", lt_path(&env, "trace"), NULL};
	struct lt_proc record;
	lt_spawn(&env, &record, record_argv, NULL);
	cr_assert(lt_wait_output(&record, "recording to", 15000), "%s", record.err);
	/* The session is enabled; give the daemon a moment to tell both
	 * processes (the late-session test allows the same). */
	nanosleep(&(struct timespec){.tv_nsec = 500 * 1000000L}, NULL);

	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
	const char *curl_argv[] = {"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
				   "-m", "10", url, NULL};
	struct lt_proc curl;
	cr_assert_eq(lt_run(&env, &curl, curl_argv, NULL, 15000), 0, "%s", curl.err);
	/* The upstream never answers: the capped read makes nginx answer 502. */
	cr_assert_str_eq(curl.out, "502", "nginx answered %s", curl.out);

	cr_assert_eq(lt_finish(&record, 20000), 0, "waitcap record:\n%s", record.err);
	kill(nginx.pid, SIGTERM);
	cr_assert_eq(lt_finish(&nginx, 10000), 0, "nginx did not stop:\n%s", nginx.err);

	char pid_arg[16];
	snprintf(pid_arg, sizeof pid_arg, "%d", (int)worker);
	const char *analyze_argv[] = {lt_getenv("WAITCAP_BIN"), "analyze", "--format", "json",
				      "--pid", pid_arg, lt_path(&env, "trace"), NULL};
	struct lt_proc analyze;
	cr_assert_eq(lt_run(&env, &analyze, analyze_argv, NULL, 20000), 0, "%s\nwaitcap record:\n%s",
		     analyze.err, record.err);
	squeeze(analyze.out);
	char process[64];
	snprintf(process, sizeof process, "\"pid\":%d,\"procname\":\"nginx\"", (int)worker);
	cr_assert(strstr(analyze.out, process), "no waits of the worker %d in the report:\n%.3000s",
		  (int)worker, analyze.out);
	/* Its capped wait, named in nginx's own binary (the late session got
	 * the worker's map of binaries too). */
	cr_assert(strstr(analyze.out, "\"binary\":\"/usr/sbin/nginx\",\"op\":\"epoll\""),
		  "the worker's epoll wait is not in the report:\n%.3000s", analyze.out);
	cr_assert(strstr(analyze.out, "\"cap_ms\":300"),
		  "the worker's wait is not capped at 300 ms:\n%.3000s", analyze.out);
}
