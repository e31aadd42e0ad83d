/* waitcap rollback / restore: lift caps in running processes and put them
 * back, without a restart or a signal.
 *
 * Per process: the control word in the process's stats file (mapped
 * read-write: only its owner or root may open the 0600 file).  --all:
 * the host control file, which processes started later map at start, and
 * the control word of every running process we may open (those started
 * before the host file existed do not map it). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stats_read.h"
#include "tools.h"

static void usage(FILE *out, const char *cmd)
{
	bool rb = !strcmp(cmd, "rollback");
	fprintf(out,
		"usage: waitcap %s (--pid PID | --all)%s\n\n", cmd, rb ? " [--reason TEXT]" : "");
	if (rb)
		fprintf(out,
			"Lift every cap in running preloaded processes, within a second, without a\n"
			"restart or a signal: their next waits use the program's own timeouts.\n"
			"Tracing and counters go on; stats, top and the exporter show mode\n"
			"rolled_back, the trace a waitcap:config event with the reason.\n\n");
	else
		fprintf(out,
			"Put caps back in processes rolled back with 'waitcap rollback'.\n"
			"'restore --pid' ends that process's own rollback; 'restore --all' ends a\n"
			"host-wide rollback and every process's.\n\n");
	fprintf(out, "  -p, --pid PID        one process (its owner or root only)\n");
	if (rb)
		fprintf(out,
			"  -a, --all            every process of this host, and those started later\n"
			"                       until 'waitcap restore --all' (root only: writes\n"
			"                       %s, or WAITCAP_CONTROL's file)\n",
			WC_HOST_CONTROL_PATH);
	else
		fprintf(out,
			"  -a, --all            every process of this host, and the host control\n"
			"                       file %s (root only)\n",
			WC_HOST_CONTROL_PATH);
	if (rb)
		fprintf(out, "  -r, --reason TEXT    why, shown by stats/top and in the trace (47 bytes)\n");
	fprintf(out, "  -h, --help           show this help\n");
}

static void set_control(struct wc_control *c, uint32_t value, const char *reason)
{
	char buf[sizeof(c->reason)] = "";
	snprintf(buf, sizeof(buf), "%s", reason ? reason : "");
	__atomic_store_n(&c->control, WC_CONTROL_NONE, __ATOMIC_RELEASE);
	for (size_t i = 0; i < sizeof(buf); i++)
		__atomic_store_n(&c->reason[i], buf[i], __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->seq, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&c->control, value, __ATOMIC_RELEASE);
}

/* The process's own file, opened read-write: the kernel's permission
 * check (0600, the process's user) is the access control. */
static int control_process(const char *path, int pid, bool all, uint32_t value,
			   const char *reason, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "process %d: %s: %s", pid, path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)
	    || (size_t)st.st_size < sizeof(struct wc_stats_file)) {
		snprintf(err, errlen, "process %d: %s is not a stats file", pid, path);
		close(fd);
		return -1;
	}
	struct wc_stats_file *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (s == MAP_FAILED) {
		snprintf(err, errlen, "process %d: %s", pid, strerror(errno));
		return -1;
	}
	uint32_t now = __atomic_load_n(&s->ctl.control, __ATOMIC_RELAXED);
	/* restore --all ends host-wide rollbacks, and --pid ones too; a
	 * rollback --all leaves a process's own (--pid) reason in place. */
	if (!(all && value == WC_CONTROL_HOST && now == WC_CONTROL_PROCESS))
		set_control(&s->ctl, value, reason);
	munmap(s, sizeof(*s));
	return 0;
}

static int control_host(uint32_t value, const char *reason, char *err, size_t errlen)
{
	int fd = wc_host_control_open(O_RDWR | O_CREAT, err, errlen);
	if (fd < 0)
		return -1;
	struct wc_control *c = MAP_FAILED;
	if (ftruncate(fd, sizeof(*c)) == 0)
		c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int saved = errno;
	close(fd);
	if (c == MAP_FAILED) {
		snprintf(err, errlen, "%s: %s", wc_host_control_path(), strerror(saved));
		return -1;
	}
	set_control(c, value, reason);
	munmap(c, sizeof(*c));
	return 0;
}

static int run(const char *cmd, int argc, char **argv, bool rollback)
{
	static const struct option opts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"all", no_argument, NULL, 'a'},
		{"reason", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int pid = 0, all = 0, c;
	const char *reason = NULL;
	while ((c = getopt_long(argc, argv, rollback ? "p:ar:h" : "p:ah", opts, NULL)) != -1) {
		switch (c) {
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v <= 0 || v > 0x7fffffff) {
				fprintf(stderr, "waitcap %s: --pid '%s' is not a process id\n", cmd, optarg);
				return 2;
			}
			pid = (int)v;
			break;
		}
		case 'a':
			all = 1;
			break;
		case 'r':
			if (!rollback) {
				fprintf(stderr, "waitcap restore: --reason is for rollback\n");
				return 2;
			}
			reason = optarg;
			break;
		case 'h':
			usage(stdout, cmd);
			return 0;
		default:
			usage(stderr, cmd);
			return 2;
		}
	}
	if (optind < argc || !pid == !all) {
		fprintf(stderr, "waitcap %s: give one of --pid PID or --all\n", cmd);
		return 2;
	}
	if (reason && strlen(reason) >= sizeof(((struct wc_control *)0)->reason)) {
		fprintf(stderr, "waitcap %s: --reason is longer than %zu bytes\n", cmd,
			sizeof(((struct wc_control *)0)->reason) - 1);
		return 2;
	}
	char err[1400];
	if (wc_stats_check_env(err, sizeof(err)) != 0) {
		fprintf(stderr, "waitcap %s: %s\n", cmd, err);
		return 2;
	}
	if (pid) {
		struct wc_proc_stats *p = malloc(sizeof(*p));
		if (!p || wc_stats_read_pid(pid, p, err, sizeof(err)) != 0) {
			fprintf(stderr, "waitcap %s: %s\n", cmd, p ? err : "out of memory");
			free(p);
			return 1;
		}
		int rc = control_process(p->path, pid, false,
					 rollback ? WC_CONTROL_PROCESS : WC_CONTROL_NONE, reason, err,
					 sizeof(err));
		free(p);
		if (rc != 0) {
			fprintf(stderr, "waitcap %s: %s\n", cmd, err);
			return 1;
		}
		printf("%s %d\n", rollback ? "rolled back" : "restored", pid);
		return 0;
	}
	uint32_t value = rollback ? WC_CONTROL_HOST : WC_CONTROL_NONE;
	if (control_host(value, reason, err, sizeof(err)) != 0) {
		fprintf(stderr, "waitcap %s: %s\n", cmd, err);
		return 1;
	}
	struct wc_proc_stats *procs = NULL;
	int n = wc_stats_read_all(&procs, err, sizeof(err));
	int done = 0, failed = 0;
	for (int i = 0; i < n; i++) {
		if (control_process(procs[i].path, procs[i].s.pid, true, value, reason, err,
				    sizeof(err)) == 0)
			done++;
		else
			failed++, fprintf(stderr, "waitcap %s: %s\n", cmd, err);
	}
	free(procs);
	printf("%s: host control %s; %d running process%s\n", rollback ? "rolled back" : "restored",
	       wc_host_control_path(), done, done == 1 ? "" : "es");
	return failed ? 1 : 0;
}

int cmd_rollback(int argc, char **argv)
{
	return run("rollback", argc, argv, true);
}

int cmd_restore(int argc, char **argv)
{
	return run("restore", argc, argv, false);
}
