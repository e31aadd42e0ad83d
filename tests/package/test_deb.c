/* The Debian package, as an operator gets it: built with dpkg-buildpackage
 * from a clean copy of the tree (what git tracks, plus new files it does
 * not ignore; no build directory), checked by lintian, installed into this
 * machine with apt-get, used through installed paths only, purged, and
 * nothing of it left on disk.
 *
 * It installs into the machine while other tests run: the package puts
 * nothing in /etc (no /etc/waitcap/profiles.json, which would change every
 * preloaded process), and the other tests use the build tree's library and
 * command ($WAITCAP_LIB, $WAITCAP_BIN), never the PATH's. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "harness.h"
#include "peers.h"

static char work[] = "/tmp/waitcap-deb-XXXXXX";

/* Run a shell command line with a fixed environment (nothing of the
 * caller's: no legacy flag, profile or WAITCAP_* variable reaches the
 * programs), output and errors together into *out.  The exit status. */
static int sh(const char *cmd, int timeout_ms, char **out)
{
	char path[128];
	snprintf(path, sizeof path, "%s/out.txt", work);
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	cr_assert(fd >= 0);
	char home[160];
	snprintf(home, sizeof home, "HOME=%s", work);
	const char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", home,
			      "DEBIAN_FRONTEND=noninteractive", NULL};
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		setpgid(0, 0); /* a group of its own: a timeout ends all of it */
		execle("/bin/sh", "sh", "-c", cmd, (char *)NULL, (char *const *)envp);
		_exit(127);
	}
	close(fd);
	int status = 0;
	struct timespec nap = {0, 20 * 1000 * 1000};
	for (int waited = 0; waitpid(pid, &status, WNOHANG) == 0; waited += 20) {
		if (waited > timeout_ms) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			cr_assert_fail("did not finish in %d ms: %s", timeout_ms, cmd);
		}
		nanosleep(&nap, NULL);
	}
	FILE *f = fopen(path, "r");
	cr_assert(f);
	size_t cap = 1 << 20, len = 0, n;
	char *text = malloc(cap);
	while ((n = fread(text + len, 1, cap - len - 1, f)) > 0)
		len += n;
	text[len] = 0;
	fclose(f);
	if (out)
		*out = text;
	else
		free(text);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool installed(void)
{
	char *out;
	int rc = sh("dpkg-query -W -f='${Status}' waitcap", 10000, &out);
	bool yes = rc == 0 && strstr(out, "install ok installed");
	free(out);
	return yes;
}

static void purge(void)
{
	char *out;
	int rc = sh("apt-get -o DPkg::Lock::Timeout=600 purge -y waitcap", 700000, &out);
	cr_assert_eq(rc, 0, "apt-get purge: %s", out);
	free(out);
}

static void setup(void)
{
	cr_assert(mkdtemp(work), "mkdtemp: %s", strerror(errno));
	chmod(work, 0755);
	/* A package left by an earlier run that was killed. */
	if (installed())
		purge();
}

static void teardown(void)
{
	if (installed())
		purge();
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
	(void)!system(cmd);
}

TestSuite(deb, .init = setup, .fini = teardown, .timeout = 880);

/* The source tree without build directories, built into waitcap_*.deb. */
static void build_package(void)
{
	char cmd[2048], *out;
	snprintf(cmd, sizeof cmd,
		 "mkdir '%s/src' && cd '%s' && "
		 "git ls-files -z --cached --others --exclude-standard --deduplicate | "
		 "tar --null --ignore-failed-read -T - -cf - | tar -C '%s/src' -xf - && "
		 "test ! -e '%s/src/build'",
		 work, lt_getenv("WAITCAP_SRC"), work, work);
	int rc = sh(cmd, 60000, &out);
	cr_assert_eq(rc, 0, "copying the tree: %s", out);
	free(out);

	snprintf(cmd, sizeof cmd,
		 "cd '%s/src' && DEB_BUILD_OPTIONS='nocheck parallel=2' "
		 "dpkg-buildpackage -us -uc -b",
		 work);
	rc = sh(cmd, 600000, &out);
	cr_assert_eq(rc, 0, "dpkg-buildpackage failed:\n%s", out);
	free(out);
}

/* lintian's findings, kept next to the build for the record; no error. */
static void lintian(void)
{
	char cmd[1024], *out;
	snprintf(cmd, sizeof cmd, "lintian --info '%s'/waitcap_*_*.changes", work);
	int rc = sh(cmd, 300000, &out);
	char path[1024];
	snprintf(path, sizeof path, "%s/package-lintian.txt", lt_getenv("WAITCAP_BUILD"));
	FILE *f = fopen(path, "w");
	if (f) {
		fprintf(f, "$ %s\n%s(exit %d)\n", cmd, out, rc);
		fclose(f);
	}
	printf("lintian (exit %d):\n%s", rc, out);
	cr_assert(!strstr(out, "\nE: ") && strncmp(out, "E: ", 3) != 0,
		  "lintian reports errors:\n%s", out);
	cr_assert_eq(rc, 0, "lintian exit %d:\n%s", rc, out);
	free(out);
}

/* `dpkg -L waitcap`: every path the package put on disk. */
static char *package_files(void)
{
	char *out;
	cr_assert_eq(sh("dpkg -L waitcap", 10000, &out), 0);
	cr_assert(strstr(out, "/usr/bin/waitcap\n"), "no /usr/bin/waitcap in:\n%s", out);
	for (char *p = out; (p = strstr(p, "/etc")); p++)
		cr_assert(p > out && p[-1] != '\n', "the package installs in /etc:\n%s", out);
	return out;
}

/* The drop-in example preloads the library `waitcap lib` names, the
 * exporter's unit runs the installed command, the alert rules load, and
 * bash completion is where bash-completion looks. */
static void dropin_and_completion(const char *files)
{
	cr_assert(strstr(files, "/usr/share/bash-completion/completions/waitcap\n"), "%s", files);
	char *out;
	int rc = sh("lib=$(/usr/bin/waitcap lib) && test -r \"$lib\" && "
		    "grep -x \"Environment=LD_PRELOAD=$lib\" /usr/share/waitcap/systemd/waitcap.conf",
		    10000, &out);
	cr_assert_eq(rc, 0, "the drop-in does not preload what waitcap lib prints: %s", out);
	free(out);
	rc = sh("grep -x 'ExecStart=/usr/bin/waitcap exporter --listen 0.0.0.0:9464' "
		"/usr/share/waitcap/systemd/waitcap-exporter.service && "
		"promtool check rules /usr/share/waitcap/prometheus/waitcap-alerts.yml",
		20000, &out);
	cr_assert_eq(rc, 0, "the exporter's unit or the alert rules as installed: %s", out);
	free(out);
}

static void man_finds_the_pages(void)
{
	const char *pages[][2] = {{"waitcap", "/usr/share/man/man1/waitcap.1.gz"},
				  {"waitcap-run", "/usr/share/man/man1/waitcap-run.1.gz"},
				  {"waitcap-profiles", "/usr/share/man/man5/waitcap-profiles.5.gz"},
				  {"libwaitcap", "/usr/share/man/man7/libwaitcap.7.gz"}};
	for (int i = 0; i < 4; i++) {
		char cmd[128], *out;
		snprintf(cmd, sizeof cmd, "man -w %s", pages[i][0]);
		int rc = sh(cmd, 20000, &out);
		cr_assert_eq(rc, 0, "%s: %s", cmd, out);
		cr_assert(strstr(out, pages[i][1]), "%s: %s", cmd, out);
		free(out);
	}
}

static void check_passes_on_the_installed_example(void)
{
	char *out;
	int rc = sh("/usr/bin/waitcap check /usr/share/waitcap/profiles/seed-plan.json", 20000,
		    &out);
	cr_assert_eq(rc, 0, "waitcap check: %s", out);
	cr_assert(strstr(out, "websocket_recv"), "no rule in the table:\n%s", out);
	free(out);
}

/* curl against a full accept queue (its SYN is never answered): the
 * installed library ends the connect at 300 ms, timed by curl from the
 * start of its transfer. */
static void run_caps_curl(void)
{
	struct peer full;
	cr_assert_eq(peer_full_listener(&full, 0), 0);
	char cmd[512], *out;
	snprintf(cmd, sizeof cmd,
		 "/usr/bin/waitcap run --cap connect=300ms -- "
		 "curl -sS -o /dev/null -w 'total=%%{time_total}\\n' http://127.0.0.1:%d/",
		 full.port);
	int rc = sh(cmd, 20000, &out);
	peer_stop(&full);
	cr_assert_eq(rc, 28, "curl exit %d (28: connect timed out):\n%s", rc, out);
	char *total = strstr(out, "total=");
	cr_assert(total, "no time from curl:\n%s", out);
	double seconds = atof(total + 6);
	cr_assert(seconds >= 0.25 && seconds <= 0.5, "connect ended after %.3f s, cap 300 ms",
		  seconds);
	free(out);
}

/* waitcap run --trace through the installed command, libraries and
 * analyzer, under a real session daemon of the test's own (as nobody when
 * root: a root daemon is the machine's): the report names the function
 * and line of the connect. */
static void trace_names_the_call_site(void)
{
	struct lt_env env;
	struct peer full;
	lt_init(&env);
	lt_start_sessiond(&env);
	cr_assert_eq(peer_full_listener(&full, 0), 0);
	char drop[96] = "";
	if (env.drop)
		snprintf(drop, sizeof drop, "setpriv --reuid=%d --regid=%d --clear-groups ",
			 (int)env.uid, (int)env.gid);
	char cmd[2048], *out;
	snprintf(cmd, sizeof cmd,
		 "%senv HOME='%s' LTTNG_HOME='%s' /usr/bin/waitcap run --trace '%s' "
		 "--cap connect=300ms -- '%s/tests/package/connect_client' %d",
		 drop, env.home, env.home, lt_path(&env, "trace"), lt_getenv("WAITCAP_BUILD"),
		 full.port);
	int rc = sh(cmd, 60000, &out);
	peer_stop(&full);
	lt_cleanup(&env);
	cr_assert_eq(rc, 1, "connect_client exit %d (1: connect failed):\n%s", rc, out);
	cr_assert(strstr(out, "ETIMEDOUT"), "the connect did not time out:\n%s", out);
	cr_assert(strstr(out, "fetch_status (connect_client.c:"),
		  "the report does not name fetch_status:\n%s", out);
	free(out);
}

/* After purge, every path of the package's list is gone, but for
 * directories that still hold other packages' files. */
static void nothing_left(char *files)
{
	cr_assert(!installed());
	int checked = 0;
	for (char *save = NULL, *path = strtok_r(files, "\n", &save); path;
	     path = strtok_r(NULL, "\n", &save)) {
		struct stat st;
		if (path[0] != '/' || !strcmp(path, "/.") || lstat(path, &st) != 0) {
			checked++;
			continue;
		}
		cr_assert(S_ISDIR(st.st_mode), "%s is left after purge", path);
		DIR *d = opendir(path);
		cr_assert(d);
		int entries = 0;
		for (struct dirent *e; (e = readdir(d));)
			entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
		closedir(d);
		cr_assert_gt(entries, 0, "empty directory %s is left after purge", path);
		checked++;
	}
	cr_assert_gt(checked, 20);
	cr_assert(access("/usr/share/waitcap", F_OK) != 0);
	cr_assert(access("/usr/lib/x86_64-linux-gnu/waitcap", F_OK) != 0);
}

Test(deb, built_installed_used_and_purged_without_a_trace)
{
	build_package();
	lintian();

	char cmd[512], *out;
	snprintf(cmd, sizeof cmd,
		 "cd '%s' && apt-get -o DPkg::Lock::Timeout=600 install -y ./waitcap_*_*.deb",
		 work);
	int rc = sh(cmd, 700000, &out);
	cr_assert_eq(rc, 0, "apt-get install: %s", out);
	free(out);
	char *files = package_files();

	dropin_and_completion(files);
	man_finds_the_pages();
	check_passes_on_the_installed_example();
	run_caps_curl();
	trace_names_the_call_site();

	purge();
	nothing_left(files);
	free(files);
}
