/* LTTng recording sessions, through liblttng-ctl: see session.h.
 *
 * One session per run, named after the time and our pid so that several
 * runs and records can share a session daemon.  Events and contexts are
 * the ones the analyzer needs: waitcap:* for the waits, the statedump and
 * library-load events and the ip/vpid contexts to map addresses back to
 * binaries afterwards. */
#include <errno.h>
#include <lttng/lttng.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "session.h"

struct wc_session {
	char name[96];
	char path[4096];
};

static const char *const session_events[] = {
	"waitcap:*",
	"lttng_ust_statedump:*",
	"lttng_ust_lib:*",
};

static const enum lttng_event_context_type session_contexts[] = {
	LTTNG_EVENT_CONTEXT_VPID,
	LTTNG_EVENT_CONTEXT_VTID,
	LTTNG_EVENT_CONTEXT_PROCNAME,
	LTTNG_EVENT_CONTEXT_IP,
};

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Run lttng-sessiond --daemonize: it returns once the daemon is ready.
 * The daemon must not keep our pipes open (a caller reading our output
 * until EOF would wait for it forever) nor inherit a preloaded library. */
static int spawn_session_daemon(char *err, size_t errlen)
{
	const char *bin = getenv("LTTNG_SESSIOND_PATH");
	if (!bin || !*bin)
		bin = "lttng-sessiond";
	pid_t pid = fork();
	if (pid < 0) {
		say(err, errlen, "cannot start lttng-sessiond: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		close_range(3, ~0U, 0);
		unsetenv("LD_PRELOAD");
		execlp(bin, bin, "--daemonize", (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		say(err, errlen, "cannot start %s: not found (install lttng-tools)", bin);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		say(err, errlen, "%s --daemonize failed (exit status %d)", bin,
		    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return -1;
	}
	return 0;
}

static int ensure_session_daemon(char *err, size_t errlen)
{
	if (lttng_session_daemon_alive() == 1)
		return 0;
	if (spawn_session_daemon(err, errlen) != 0)
		return -1;
	/* --daemonize waits for readiness; allow a little slack anyway. */
	for (int i = 0; i < 100; i++) {
		if (lttng_session_daemon_alive() == 1)
			return 0;
		usleep(50 * 1000);
	}
	say(err, errlen, "lttng-sessiond started but does not answer");
	return -1;
}

static int absolute_dir(const char *dir, const char *stamp, char *out, size_t outlen,
			char *err, size_t errlen)
{
	char cwd[2048];
	if ((!dir || dir[0] != '/') && !getcwd(cwd, sizeof cwd)) {
		say(err, errlen, "cannot get the current directory: %s", strerror(errno));
		return -1;
	}
	int n;
	if (!dir)
		n = snprintf(out, outlen, "%s/waitcap-trace-%s", cwd, stamp);
	else if (dir[0] == '/')
		n = snprintf(out, outlen, "%s", dir);
	else
		n = snprintf(out, outlen, "%s/%s", cwd, dir);
	if (n < 0 || (size_t)n >= outlen) {
		say(err, errlen, "trace directory path too long");
		return -1;
	}
	return 0;
}

static int configure(struct wc_session *s, char *err, size_t errlen)
{
	struct lttng_domain domain = {.type = LTTNG_DOMAIN_UST,
				      .buf_type = LTTNG_BUFFER_PER_UID};
	struct lttng_handle *handle = lttng_create_handle(s->name, &domain);
	if (!handle) {
		say(err, errlen, "lttng: cannot get a handle on session %s", s->name);
		return -1;
	}
	int ret = 0;
	for (size_t i = 0; i < sizeof session_events / sizeof session_events[0]; i++) {
		struct lttng_event *ev = lttng_event_create();
		if (!ev) {
			say(err, errlen, "out of memory");
			ret = -1;
			break;
		}
		snprintf(ev->name, sizeof ev->name, "%s", session_events[i]);
		ev->type = LTTNG_EVENT_TRACEPOINT;
		ev->loglevel_type = LTTNG_EVENT_LOGLEVEL_ALL;
		ret = lttng_enable_event(handle, ev, NULL);
		lttng_event_destroy(ev);
		if (ret < 0) {
			say(err, errlen, "lttng: cannot enable %s: %s", session_events[i],
			    lttng_strerror(ret));
			break;
		}
	}
	for (size_t i = 0; ret >= 0 && i < sizeof session_contexts / sizeof session_contexts[0]; i++) {
		struct lttng_event_context ctx;
		memset(&ctx, 0, sizeof ctx);
		ctx.ctx = session_contexts[i];
		ret = lttng_add_context(handle, &ctx, NULL, NULL);
		if (ret < 0)
			say(err, errlen, "lttng: cannot add a context to session %s: %s",
			    s->name, lttng_strerror(ret));
	}
	lttng_destroy_handle(handle);
	return ret < 0 ? -1 : 0;
}

/* The session's unique name, from the time and our pid. */
static struct wc_session *new_session(char *stamp, size_t stamplen, char *err, size_t errlen)
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	size_t len = strftime(stamp, stamplen, "%Y%m%d-%H%M%S", &tm);
	snprintf(stamp + len, stamplen - len, "-%d", (int)getpid());

	struct wc_session *s = calloc(1, sizeof *s);
	if (!s) {
		say(err, errlen, "out of memory");
		return NULL;
	}
	/* Two sessions of one process within a second still get two names. */
	static int started;
	if (started++)
		snprintf(s->name, sizeof s->name, "waitcap-%s-%d", stamp, started);
	else
		snprintf(s->name, sizeof s->name, "waitcap-%s", stamp);
	return s;
}

/* Events, contexts, start; on error the session is destroyed. */
static struct wc_session *configure_and_start(struct wc_session *s, char *err, size_t errlen)
{
	if (configure(s, err, errlen) != 0)
		goto destroy;
	int ret = lttng_start_tracing(s->name);
	if (ret < 0) {
		say(err, errlen, "lttng: cannot start session %s writing to %s: %s", s->name,
		    s->path, lttng_strerror(ret));
		goto destroy;
	}
	return s;
destroy:
	lttng_destroy_session(s->name);
	free(s);
	return NULL;
}

struct wc_session *wc_session_start(const char *dir, char *err, size_t errlen)
{
	char stamp[64];
	struct wc_session *s = new_session(stamp, sizeof stamp, err, errlen);
	if (!s)
		return NULL;
	if (absolute_dir(dir, stamp, s->path, sizeof s->path, err, errlen) != 0)
		goto fail;
	if (ensure_session_daemon(err, errlen) != 0)
		goto fail;

	char url[sizeof s->path + 8];
	snprintf(url, sizeof url, "file://%s", s->path);
	int ret = lttng_create_session(s->name, url);
	if (ret < 0) {
		say(err, errlen, "lttng: cannot create session %s in %s: %s", s->name, s->path,
		    lttng_strerror(ret));
		goto fail;
	}
	return configure_and_start(s, err, errlen);
fail:
	free(s);
	return NULL;
}

bool wc_relay_url_valid(const char *url, char *err, size_t errlen)
{
	const char *rest = NULL;
	if (strncmp(url, "net://", 6) == 0)
		rest = url + 6;
	else if (strncmp(url, "net6://", 7) == 0)
		rest = url + 7;
	if (!rest || !*rest || *rest == ':') {
		say(err, errlen, "relay URL '%s': expected net://HOST[:CTRL_PORT[:DATA_PORT]] "
		    "(an lttng-relayd; default ports 5342 and 5343)", url);
		return false;
	}
	/* HOST, or [IPv6]; then up to two ports. */
	const char *ports = rest;
	if (*rest == '[') {
		ports = strchr(rest, ']');
		if (!ports) {
			say(err, errlen, "relay URL '%s': no ']' after the IPv6 address", url);
			return false;
		}
		ports++;
	} else {
		ports = strchr(rest, ':');
		if (!ports)
			ports = rest + strlen(rest);
		if (strchr(rest, '/')) {
			say(err, errlen, "relay URL '%s': no path allowed, the relay chooses where "
			    "traces go (its --output)", url);
			return false;
		}
	}
	for (int i = 0; *ports && i < 3; i++) {
		char *end;
		long port = *ports == ':' ? strtol(ports + 1, &end, 10) : -1;
		if (*ports != ':' || i == 2 || end == ports + 1 || port < 1 || port > 65535 ||
		    (*end && *end != ':')) {
			say(err, errlen, "relay URL '%s': expected net://HOST[:CTRL_PORT[:DATA_PORT]], "
			    "ports 1-65535", url);
			return false;
		}
		ports = end;
	}
	return true;
}

/* LTTng's URL form for lttng_create_session: "net://HOST:CTRL:DATA" is
 * accepted as is. */
struct wc_session *wc_session_start_relay(const char *url, bool live, char *err, size_t errlen)
{
	if (!wc_relay_url_valid(url, err, errlen))
		return NULL;
	char stamp[64];
	struct wc_session *s = new_session(stamp, sizeof stamp, err, errlen);
	if (!s)
		return NULL;
	snprintf(s->path, sizeof s->path, "%s", url);
	if (ensure_session_daemon(err, errlen) != 0)
		goto fail;
	/* Live: the relay gets what is recorded at least every second. */
	int ret = live ? lttng_create_session_live(s->name, url, 1000000)
		       : lttng_create_session(s->name, url);
	if (ret < 0) {
		say(err, errlen, "lttng: cannot create session %s streaming to %s: %s%s", s->name,
		    url, lttng_strerror(ret),
		    ret == -LTTNG_ERR_RELAYD_CONNECT_FAIL ? " (is lttng-relayd running there?)" : "");
		goto fail;
	}
	return configure_and_start(s, err, errlen);
fail:
	free(s);
	return NULL;
}

int wc_session_stop(struct wc_session *s, char *err, size_t errlen)
{
	if (!s)
		return -1;
	int rc = 0;
	/* lttng_stop_tracing waits until the consumer has written everything. */
	int ret = lttng_stop_tracing(s->name);
	if (ret < 0 && ret != -LTTNG_ERR_TRACE_ALREADY_STOPPED) {
		say(err, errlen, "lttng: cannot stop session %s: %s", s->name, lttng_strerror(ret));
		rc = -1;
	}
	ret = lttng_destroy_session(s->name);
	if (ret < 0 && rc == 0) {
		say(err, errlen, "lttng: cannot destroy session %s: %s", s->name, lttng_strerror(ret));
		rc = -1;
	}
	free(s);
	return rc;
}

const char *wc_session_path(const struct wc_session *s)
{
	return s ? s->path : "";
}

const char *wc_session_name(const struct wc_session *s)
{
	return s ? s->name : "";
}
