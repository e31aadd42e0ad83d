/* The LTTng fixture: see lttng.h. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clean_env.h"
#include "files.h"
#include "lttng.h"
#include "peers.h"
#include "timing.h"

const char *lt_getenv(const char *name)
{
	const char *v = getenv(name);
	cr_assert(v && *v, "%s is not set: run the tests with meson test", name);
	return v;
}

const char *lt_path(const struct lt_env *env, const char *name)
{
	static __thread char path[4][512];
	static __thread int next;
	char *p = path[next++ % 4];
	snprintf(p, sizeof path[0], "%s/%s", env->dir, name);
	return p;
}

void lt_init(struct lt_env *env)
{
	memset(env, 0, sizeof *env);
	snprintf(env->dir, sizeof env->dir, "/tmp/waitcap-tracing-XXXXXX");
	cr_assert(mkdtemp(env->dir), "mkdtemp: %s", strerror(errno));
	chmod(env->dir, 0755);
	snprintf(env->home, sizeof env->home, "%s/home", env->dir);
	cr_assert(mkdir(env->home, 0700) == 0);
	if (geteuid() == 0) {
		struct passwd *pw = getpwnam("nobody");
		env->drop = true;
		env->uid = pw ? pw->pw_uid : 65534;
		env->gid = pw ? pw->pw_gid : 65534;
		cr_assert(chown(env->dir, env->uid, env->gid) == 0);
		cr_assert(chown(env->home, env->uid, env->gid) == 0);
	}
}

/* Runs in the child: environment, user, then exec. */
static void exec_child(const struct lt_env *env, const char *const argv[],
		       const char *const extra[])
{
	size_t nextra = 0;
	while (extra && extra[nextra])
		nextra++;
	const char **all = calloc(nextra + 4, sizeof *all);
	char home[256], lttng_home[256], stats_dir[256];
	snprintf(home, sizeof home, "HOME=%s", env->home);
	snprintf(lttng_home, sizeof lttng_home, "LTTNG_HOME=%s", env->home);
	/* The live counters of everything the test starts, in its own
	 * directory: `waitcap record` finds the processes it asks to trace
	 * there (docs/tracing.md), whatever XDG_RUNTIME_DIR the caller has. */
	snprintf(stats_dir, sizeof stats_dir, "WAITCAP_STATS_DIR=%s/stats", env->dir);
	size_t k = 0;
	all[k++] = home;
	all[k++] = lttng_home;
	bool stats_set = false;
	for (size_t i = 0; i < nextra; i++) {
		all[k++] = extra[i];
		stats_set |= !strncmp(extra[i], "WAITCAP_STATS", 13);
	}
	if (!stats_set)
		all[k++] = stats_dir;
	char **envp = clean_environ(all);

	if (chdir(env->dir) != 0)
		_exit(126);
	if (env->drop && (setgroups(0, NULL) != 0 || setgid(env->gid) != 0 ||
			  setuid(env->uid) != 0))
		_exit(126);
	/* Whatever happens to the test, nothing it started outlives it (set
	 * after setuid, which clears it). */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(126);
	execvpe(argv[0], (char *const *)argv, envp);
	fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

void lt_spawn(const struct lt_env *env, struct lt_proc *p, const char *const argv[],
	      const char *const extra_env[])
{
	int in[2], out[2], err[2];
	cr_assert(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0 &&
		  pipe2(err, O_CLOEXEC) == 0);
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		exec_child(env, argv, extra_env);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	memset(p, 0, sizeof *p);
	p->pid = pid;
	p->in_fd = in[1];
	p->out_fd = out[0];
	p->err_fd = err[0];
}

/* Read whatever is available within timeout_ms; false once both are at EOF. */
static bool pump(struct lt_proc *p, int timeout_ms)
{
	struct pollfd fds[2] = {{.fd = p->out_fd, .events = POLLIN},
				{.fd = p->err_fd, .events = POLLIN}};
	if (p->out_fd < 0 && p->err_fd < 0)
		return false;
	if (poll(fds, 2, timeout_ms) <= 0)
		return true;
	for (int i = 0; i < 2; i++) {
		if (!fds[i].revents)
			continue;
		int *fd = i == 0 ? &p->out_fd : &p->err_fd;
		char *buf = i == 0 ? p->out : p->err;
		size_t *len = i == 0 ? &p->outlen : &p->errlen;
		size_t cap = i == 0 ? sizeof p->out : sizeof p->err;
		char scratch[4096];
		ssize_t n = read(*fd, scratch, sizeof scratch);
		if (n <= 0) {
			close(*fd);
			*fd = -1;
			continue;
		}
		size_t room = cap - 1 - *len;
		size_t take = (size_t)n < room ? (size_t)n : room;
		memcpy(buf + *len, scratch, take);
		*len += take;
		buf[*len] = '\0';
	}
	return true;
}

bool lt_wait_output(struct lt_proc *p, const char *text, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	while (!strstr(p->out, text) && !strstr(p->err, text)) {
		int64_t left = end - now_ms();
		if (left <= 0 || !pump(p, (int)left))
			return false;
	}
	return true;
}

int lt_finish(struct lt_proc *p, int timeout_ms)
{
	if (p->in_fd >= 0) {
		close(p->in_fd);
		p->in_fd = -1;
	}
	int64_t end = now_ms() + timeout_ms;
	int status;
	for (;;) {
		pid_t r = waitpid(p->pid, &status, WNOHANG);
		if (r == p->pid)
			break;
		int64_t left = end - now_ms();
		if (left <= 0) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &status, 0);
			status = -1;
			break;
		}
		if (!pump(p, left < 50 ? (int)left : 50))
			sleep_ms(10);
	}
	/* What it wrote just before exiting. */
	while ((p->out_fd >= 0 || p->err_fd >= 0) && pump(p, 200))
		;
	if (status == -1)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int lt_run(const struct lt_env *env, struct lt_proc *p, const char *const argv[],
	   const char *const extra_env[], int timeout_ms)
{
	lt_spawn(env, p, argv, extra_env);
	return lt_finish(p, timeout_ms);
}

static void remember_consumers(struct lt_env *env)
{
	DIR *dir = opendir("/proc");
	if (!dir)
		return;
	struct dirent *d;
	int n = 0;
	while ((d = readdir(dir)) && n < 4) {
		char path[300], stat[512];
		snprintf(path, sizeof path, "/proc/%s/stat", d->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t len = fread(stat, 1, sizeof stat - 1, f);
		fclose(f);
		stat[len] = '\0';
		char *close_paren = strrchr(stat, ')');
		int ppid;
		if (close_paren && sscanf(close_paren + 2, "%*c %d", &ppid) == 1 &&
		    ppid == env->sessiond)
			env->consumerd[n++] = atoi(d->d_name);
	}
	closedir(dir);
}

void lt_start_sessiond(struct lt_env *env)
{
	const char *argv[] = {"sh", "-c", "exec lttng-sessiond --no-kernel >sessiond.log 2>&1",
			      NULL};
	struct lt_proc *p = calloc(1, sizeof *p);
	lt_spawn(env, p, argv, NULL);
	env->sessiond = p->pid;
	/* Its output goes to sessiond.log in the test's directory. */
	close(p->in_fd);
	close(p->out_fd);
	close(p->err_fd);
	free(p);

	char sock[300];
	snprintf(sock, sizeof sock, "%s/.lttng/client-lttng-sessiond", env->home);
	int64_t end = now_ms() + 15000;
	struct lt_proc list;
	int status = -1;
	while (now_ms() < end) {
		if (access(sock, F_OK) == 0) {
			const char *largv[] = {"lttng", "list", NULL};
			status = lt_run(env, &list, largv, NULL, 5000);
			if (status == 0)
				break;
		}
		sleep_ms(100);
	}
	cr_assert(status == 0, "lttng-sessiond did not come up in %s: %s", env->home,
		  status == -1 ? "no client socket" : list.err);
}

/* Gone, or a zombie waiting for a parent that is not us. */
static bool process_gone(pid_t pid)
{
	char path[64], stat[256];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return true;
	size_t len = fread(stat, 1, sizeof stat - 1, f);
	fclose(f);
	stat[len] = '\0';
	char *close_paren = strrchr(stat, ')');
	return close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z';
}

void lt_kill_sessiond(struct lt_env *env, int sig)
{
	if (!env->sessiond)
		return;
	remember_consumers(env);
	kill(env->sessiond, sig);
	/* Our child (started by lt_start_sessiond), or a daemon that a
	 * command under test started (then init reaps it). */
	int64_t end = now_ms() + 5000;
	for (;;) {
		pid_t r = waitpid(env->sessiond, NULL, WNOHANG);
		if (r == env->sessiond || (r < 0 && process_gone(env->sessiond)))
			break;
		if (now_ms() > end) {
			kill(env->sessiond, SIGKILL);
			waitpid(env->sessiond, NULL, WNOHANG);
			break;
		}
		sleep_ms(20);
	}
	env->sessiond = 0;
}

void lt_cleanup(struct lt_env *env)
{
	lt_kill_sessiond(env, SIGTERM);
	/* Consumers end with their daemon; after a SIGKILL they may not. */
	sleep_ms(100);
	for (int i = 0; i < 4; i++)
		if (env->consumerd[i] > 0)
			kill(env->consumerd[i], SIGKILL);
	if (!getenv("WAITCAP_KEEP_TMP"))
		remove_tree(env->dir);
}

char *lt_babeltrace(const char *trace_dir, bool debug_info)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "babeltrace2 %s '%s' 2>&1", debug_info ? "--debug-info" : "",
		 trace_dir);
	FILE *f = popen(cmd, "r");
	cr_assert(f, "babeltrace2: %s", strerror(errno));
	size_t cap = 1 << 16, len = 0;
	char *text = malloc(cap);
	size_t n;
	while ((n = fread(text + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 4096)
			text = realloc(text, cap *= 2);
	}
	text[len] = '\0';
	int status = pclose(f);
	cr_assert(status == 0, "babeltrace2 %s failed:\n%.2000s", trace_dir, text);
	return text;
}

int lt_count_lines(const char *text, const char *const needles[], char *first, size_t firstlen)
{
	int count = 0;
	const char *line = text;
	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char *copy = strndup(line, len);
		bool all = true;
		for (int i = 0; needles[i] && all; i++)
			all = strstr(copy, needles[i]) != NULL;
		if (all) {
			if (count == 0 && first)
				snprintf(first, firstlen, "%s", copy);
			count++;
		}
		free(copy);
		line = end ? end + 1 : NULL;
	}
	return count;
}

bool lt_field(const char *line, const char *name, char *value, size_t valuelen)
{
	char key[64];
	snprintf(key, sizeof key, " %s = ", name);
	const char *at = strstr(line, key);
	if (!at)
		return false;
	at += strlen(key);
	if (strncmp(at, "( \"", 3) == 0)
		at += 2; /* an enumeration: its label */
	size_t n;
	if (*at == '"') {
		at++;
		const char *q = strchr(at, '"');
		n = q ? (size_t)(q - at) : strlen(at);
	} else {
		n = strcspn(at, ", }");
	}
	if (n >= valuelen)
		n = valuelen - 1;
	memcpy(value, at, n);
	value[n] = '\0';
	return true;
}

