/* waitcap run: a command with libwaitcap.so preloaded; waitcap lib. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "policy.h"
#include "session.h"
#include "tools.h"

/* LTTng-UST's helpers: forked children stay traced, and dlopen()ed code
 * (Python extension modules) gets named in the report. */
#define FORK_LIB "liblttng-ust-fork.so.1"
#define DL_LIB "liblttng-ust-dl.so.1"

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: waitcap run [OPTIONS] -- CMD [ARG...]\n\n"
		"Runs CMD with libwaitcap.so preloaded.  Outbound TCP connections get the\n"
		"caps of the active profile; everything else passes through untouched.\n"
		"The exit status is CMD's.\n\n"
		"options:\n"
		"  --profile NAME     use profile NAME (sets WAITCAP_PROFILE)\n"
		"  --config FILE      profile file (sets WAITCAP_CONFIG; default:\n"
		"                     /etc/waitcap/profiles.json, else the embedded default)\n"
		"  --legacy           no caps at all (sets FORCE_LEGACY_TIMEOUTS=true);\n"
		"                     tracing still works\n"
		"  --cap OP=DUR       override one cap of the profile, e.g. --cap connect=300ms\n"
		"                     (repeatable; OP is connect, recv or send; sets WAITCAP_CAPS)\n"
		"  --trace [DIR]      record an LTTng trace of the run into DIR (default\n"
		"                     ./waitcap-trace-DATE-PID; starts a session daemon\n"
		"                     if none runs) and print the per-callsite report at the end\n"
		"  --relay URL        with --trace: stream to an lttng-relayd instead of a\n"
		"                     directory, URL net://HOST[:CTRL_PORT[:DATA_PORT]]; no\n"
		"                     report at the end (analyze the relay's output there)\n"
		"  --live             with --relay: a live session (waitcap analyze --live)\n"
		"  --min-block DUR    trace waits that blocked at least DUR (default 1ms)\n"
		"  --format F         report format with --trace: table, json, markdown, html,\n"
		"                     folded (default table)\n"
		"  -o FILE            write the report to FILE instead of standard output\n\n"
		"Without options the profile is chosen from the environment: WAITCAP_PROFILE,\n"
		"LOCAL_DEVELOPMENT=true (local), ENVIRONMENT (local, testing, staging,\n"
		"production), else the file's default.  'waitcap explain' shows the result.\n");
}

/* Prepend lib to LD_PRELOAD, keeping whatever the user preloads already. */
static int preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *value;
	if (old && *old) {
		if (asprintf(&value, "%s:%s", lib, old) < 0)
			return -1;
	} else if (!(value = strdup(lib))) {
		return -1;
	}
	int r = setenv("LD_PRELOAD", value, 1);
	free(value);
	return r;
}

/* Check one --cap OP=DUR and append it to the WAITCAP_CAPS list. */
static int add_cap(char *caps, size_t len, const char *arg)
{
	const char *eq = strchr(arg, '=');
	int64_t ns;
	if (!eq || wc_parse_duration_ns(eq + 1, &ns) != 0) {
		fprintf(stderr, "waitcap run: --cap '%s': expected OP=DURATION, e.g. connect=300ms\n", arg);
		return -1;
	}
	size_t oplen = (size_t)(eq - arg);
	bool known = false;
	for (int op = 0; op < WC_CAP_OPS; op++)
		known |= strlen(wc_op_names[op]) == oplen && !strncmp(arg, wc_op_names[op], oplen);
	if (!known) {
		char ops[WC_OP_LIST_MAX];
		fprintf(stderr, "waitcap run: --cap '%s': unknown op '%.*s' (%s)\n", arg, (int)oplen,
			arg, wc_op_list(ops, sizeof ops, WC_CAP_OPS));
		return -1;
	}
	size_t used = strlen(caps);
	if (used + strlen(arg) + 2 > len) {
		fprintf(stderr, "waitcap run: too many --cap options\n");
		return -1;
	}
	snprintf(caps + used, len - used, "%s%s", used ? "," : "", arg);
	return 0;
}

static int exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

static int run_traced(char **cmd, const char *dir, const char *relay, bool live,
		      const char *format, const char *out)
{
	char err[512];
	struct wc_session *s = relay ? wc_session_start_relay(relay, live, err, sizeof(err))
				     : wc_session_start(dir, err, sizeof(err));
	if (!s) {
		fprintf(stderr, "waitcap run: cannot start tracing: %s\n", err);
		return 1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "waitcap run: fork: %s\n", strerror(errno));
		wc_session_stop(s, err, sizeof(err));
		return 1;
	}
	if (pid == 0) {
		execvp(cmd[0], cmd);
		fprintf(stderr, "waitcap run: %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	/* The command gets the terminal's signals; we wait for it. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	char path[4096], name[128];
	snprintf(path, sizeof(path), "%s", wc_session_path(s));
	snprintf(name, sizeof(name), "%s", wc_session_name(s));
	if (wc_session_stop(s, err, sizeof(err)) != 0)
		fprintf(stderr, "waitcap run: stopping the session: %s\n", err);
	fflush(stdout);
	if (relay) {
		/* The trace is on the relay's machine: the report is made there. */
		fprintf(stderr, "waitcap: session %s streamed to %s; on the relay host: "
			"waitcap analyze RELAY_OUTPUT/$(hostname)/%s*\n", name, path, name);
		return exit_status(status);
	}
	fprintf(stderr, "waitcap: trace written to %s\n", path);
	/* A root session daemon records every process running with the
	 * library; the report is about this command. */
	char pidarg[16];
	snprintf(pidarg, sizeof(pidarg), "%d", (int)pid);
	char *argv[] = {"analyze", "--pid", pidarg, "--format", (char *)format, path, "-o",
			(char *)out, NULL};
	int ar = cmd_analyze(out ? 8 : 6, argv);
	if (ar != 0 && ar != 3)
		fprintf(stderr, "waitcap run: the report failed (status %d)\n", ar);
	else
		fprintf(stderr, "waitcap: the report covers pid %d; 'waitcap analyze %s' covers "
				"every process in the trace (forked children too)\n", (int)pid, path);
	return exit_status(status);
}

int cmd_run(int argc, char **argv)
{
	enum { OPT_PROFILE = 256, OPT_CONFIG, OPT_LEGACY, OPT_CAP, OPT_TRACE, OPT_MIN_BLOCK,
	       OPT_FORMAT, OPT_RELAY, OPT_LIVE };
	static const struct option options[] = {
		{"profile", required_argument, NULL, OPT_PROFILE},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"legacy", no_argument, NULL, OPT_LEGACY},
		{"cap", required_argument, NULL, OPT_CAP},
		{"trace", optional_argument, NULL, OPT_TRACE},
		{"min-block", required_argument, NULL, OPT_MIN_BLOCK},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"relay", required_argument, NULL, OPT_RELAY},
		{"live", no_argument, NULL, OPT_LIVE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char caps[1024] = "";
	bool trace = false;
	const char *trace_dir = NULL, *format = "table", *out = NULL, *relay = NULL;
	bool live = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+ho:", options, NULL)) != -1) {
		switch (c) {
		case OPT_PROFILE:
			setenv("WAITCAP_PROFILE", optarg, 1);
			break;
		case OPT_CONFIG:
			setenv("WAITCAP_CONFIG", optarg, 1);
			break;
		case OPT_LEGACY:
			setenv("FORCE_LEGACY_TIMEOUTS", "true", 1);
			break;
		case OPT_CAP:
			if (add_cap(caps, sizeof(caps), optarg) != 0)
				return 2;
			break;
		case OPT_TRACE:
			trace = true;
			trace_dir = optarg;
			/* --trace DIR too: the command itself only comes after "--". */
			if (!optarg && optind < argc && argv[optind][0] != '-')
				trace_dir = argv[optind++];
			break;
		case OPT_MIN_BLOCK: {
			int64_t ns;
			if (wc_parse_duration_ns(optarg, &ns) != 0) {
				fprintf(stderr, "waitcap run: --min-block '%s': expected a duration "
						"with a unit, e.g. 1ms\n", optarg);
				return 2;
			}
			setenv("WAITCAP_MIN_BLOCK", optarg, 1);
			break;
		}
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_RELAY:
			relay = optarg;
			break;
		case OPT_LIVE:
			live = true;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			run_usage(stderr);
			return 2;
		}
	}
	char err[512];
	if (relay && (!trace || trace_dir)) {
		fprintf(stderr, "waitcap run: --relay goes with --trace and no directory (the relay "
			"chooses where traces go)\n");
		return 2;
	}
	if (live && !relay) {
		fprintf(stderr, "waitcap run: --live needs --trace --relay URL\n");
		return 2;
	}
	if (relay && (out || strcmp(format, "table"))) {
		fprintf(stderr, "waitcap run: --relay makes no report here (-o, --format): analyze "
			"the relay's output where it runs\n");
		return 2;
	}
	if (relay && !wc_relay_url_valid(relay, err, sizeof(err))) {
		fprintf(stderr, "waitcap run: %s\n", err);
		return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "waitcap run: no command given (waitcap run [OPTIONS] -- CMD [ARG...])\n");
		return 2;
	}
	const char *lib = wc_lib_path();
	if (!lib) {
		fprintf(stderr, "waitcap run: libwaitcap.so not found next to this waitcap "
				"(build it, or install with 'meson install')\n");
		return 1;
	}
	if (caps[0])
		setenv("WAITCAP_CAPS", caps, 1);
	if (trace) {
		/* The session exists before the command starts: load the tracer
		 * at start (liblttng-ust-fork maps liblttng-ust anyway). */
		setenv("WAITCAP_TRACE", "1", 1);
		if (preload(DL_LIB) != 0 || preload(FORK_LIB) != 0 || preload(lib) != 0)
			return 1;
		return run_traced(argv + optind, trace_dir, relay, live, format, out);
	}
	setenv("WAITCAP_TRACE", getenv("WAITCAP_TRACE") ? getenv("WAITCAP_TRACE") : "0", 1);
	if (preload(lib) != 0)
		return 1;
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "waitcap run: %s: %s\n", argv[optind], strerror(errno));
	return 127;
}

int cmd_lib(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: waitcap lib\n\nPrints the absolute path of libwaitcap.so, for\n"
		       "  LD_PRELOAD=$(waitcap lib) CMD\n");
		return 0;
	}
	const char *lib = wc_lib_path();
	if (!lib) {
		fprintf(stderr, "waitcap lib: libwaitcap.so not found\n");
		return 1;
	}
	printf("%s\n", lib);
	return 0;
}
