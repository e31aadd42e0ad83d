#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clean_env.h"
#include "files.h"
#include "helpers.h"

void rb_setup(struct rb *t)
{
	clean_env_apply((const char *const[]){"XDG_RUNTIME_DIR", NULL});
	snprintf(t->dir, sizeof(t->dir), "/tmp/waitcap-rollback-test-XXXXXX");
	cr_assert_not_null(mkdtemp(t->dir));
	chmod(t->dir, 0755); /* setpriv'd commands reach the stats dir's door */
	snprintf(t->stats_dir, sizeof(t->stats_dir), "%s/stats", t->dir);
	cr_assert_eq(mkdir(t->stats_dir, 0700), 0);
	snprintf(t->config, sizeof(t->config), "%s/profiles.json", t->dir);
	snprintf(t->control, sizeof(t->control), "%s/control", t->dir);
	snprintf(t->env_stats, sizeof(t->env_stats), "WAITCAP_STATS_DIR=%s", t->stats_dir);
	snprintf(t->env_config, sizeof(t->env_config), "WAITCAP_CONFIG=%s", t->config);
	snprintf(t->env_control, sizeof(t->env_control), "WAITCAP_CONTROL=%s", t->control);
	t->env[0] = t->env_stats;
	t->env[1] = t->env_config;
	t->env[2] = t->env_control;
	t->env[3] = "WAITCAP_TRACE=0";
	t->env[4] = NULL;
}

void rb_teardown(struct rb *t)
{
	if (t->dir[0] && remove_tree(t->dir) != 0)
		cr_log_warn("could not remove %s", t->dir);
}

void rb_profile(struct rb *t, const char *json)
{
	/* Written beside and renamed over, as editors and configuration
	 * managers do: a process never sees half a file. */
	char tmp[160];
	snprintf(tmp, sizeof(tmp), "%s.new", t->config);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert(fd >= 0);
	size_t len = strlen(json);
	cr_assert_eq(write(fd, json, len), (ssize_t)len);
	close(fd);
	chmod(tmp, 0644);
	cr_assert_eq(rename(tmp, t->config), 0);
}

int rb_waitcap(struct rb *t, struct proc_result *r, const char *const args[])
{
	const char *argv[16] = {getenv("WAITCAP_BIN")};
	size_t n = 1;
	for (; args[n - 1] && n < 15; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	cr_assert_eq(proc_run(r, argv, t->env, false, 10000), 0);
	return r->exit_code;
}

int rb_waitcap_as(struct rb *t, struct proc_result *r, const char *user,
		  const char *const args[])
{
	char reuid[64];
	snprintf(reuid, sizeof(reuid), "--reuid=%s", user);
	const char *argv[20] = {"setpriv", reuid, "--regid=nogroup", "--clear-groups",
				getenv("WAITCAP_BIN")};
	size_t n = 5;
	for (size_t i = 0; args[i] && n < 19; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	cr_assert_eq(proc_run(r, argv, t->env, false, 10000), 0);
	return r->exit_code;
}

void prog_start(struct rb *t, struct prog *p, const char *const argv[])
{
	memset(p, 0, sizeof(*p));
	static int serial;
	snprintf(p->err_path, sizeof(p->err_path), "%s/stderr-%d", t->dir, serial++);
	p->err_fd = open(p->err_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	cr_assert(p->err_fd >= 0);
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	p->pid = proc_start(argv, t->env, true, fds[1], p->err_fd);
	close(fds[1]);
	p->out = fds[0];
	cr_assert(p->pid > 0);
}

bool prog_next(struct prog *p, struct attempt *a, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	for (;;) {
		char *nl = memchr(p->buf + p->pos, '\n', p->len - p->pos);
		if (nl) {
			*nl = '\0';
			const char *line = p->buf + p->pos;
			p->pos = (size_t)(nl - p->buf) + 1;
			long long ms, start;
			if (sscanf(line, "%63s %lld %lld", a->outcome, &ms, &start) == 3) {
				a->ms = ms, a->start_ms = start;
				return true;
			}
			if (!strcmp(line, "done"))
				return false;
			continue; /* another line (a response's body): not an attempt */
		}
		int64_t left = end - now_ms();
		if (left <= 0 || p->len + 1 >= sizeof(p->buf))
			return false;
		struct pollfd pf = {.fd = p->out, .events = POLLIN};
		if (poll(&pf, 1, (int)left) <= 0)
			return false;
		ssize_t n = read(p->out, p->buf + p->len, sizeof(p->buf) - 1 - p->len);
		if (n <= 0)
			return false;
		p->len += (size_t)n;
	}
}

bool prog_attempt_after(struct prog *p, int64_t since_ms, struct attempt *a, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;
	while (now_ms() < end)
		if (!prog_next(p, a, (int)(end - now_ms())))
			return false;
		else if (a->start_ms >= since_ms)
			return true;
	return false;
}

void prog_stop(struct prog *p)
{
	if (p->pid > 0) {
		kill(p->pid, SIGTERM);
		proc_wait(p->pid, 5000);
		p->pid = 0;
	}
	if (p->out >= 0)
		close(p->out);
	if (p->err_fd >= 0)
		close(p->err_fd);
	p->out = p->err_fd = -1;
}

const char *prog_stderr(struct prog *p)
{
	static char buf[8192];
	ssize_t n = pread(p->err_fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

cJSON *rb_stats(struct rb *t, pid_t pid)
{
	static struct proc_result r;
	char pid_s[16];
	snprintf(pid_s, sizeof(pid_s), "%d", pid);
	const char *args[] = {"stats", "--pid", pid_s, "--json", NULL};
	cr_assert_eq(rb_waitcap(t, &r, args), 0, "waitcap stats failed: %s", r.err);
	cJSON *doc = cJSON_Parse(r.out);
	cr_assert_not_null(doc, "not JSON: %s", r.out);
	cJSON *proc = cJSON_DetachItemFromArray(cJSON_GetObjectItem(doc, "processes"), 0);
	cJSON_Delete(doc);
	cr_assert_not_null(proc, "no process in %s", r.out);
	return proc;
}

const char *rb_str(cJSON *o, const char *key)
{
	cJSON *v = cJSON_GetObjectItem(o, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}
