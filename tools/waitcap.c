/* waitcap: cap and trace the time programs spend blocked on the network. */
#include <stdio.h>
#include <string.h>

#include "tools.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{"run", cmd_run, "run a command with libwaitcap.so preloaded (optionally traced)"},
	{"analyze", cmd_analyze, "per-callsite blocking totals from LTTng traces"},
	{"suggest", cmd_suggest, "a profile whose caps break no successful phase in traces"},
	{"check", cmd_check, "validate a profile file and print its effective caps"},
	{"explain", cmd_explain, "which profile applies here, why, and its caps"},
	{"record", cmd_record, "trace processes already running with the library"},
	{"stats", cmd_stats, "live counters of preloaded processes (per op, per destination)"},
	{"top", cmd_top, "live view of preloaded processes, refreshed every second"},
	{"exporter", cmd_exporter, "serve every preloaded process's counters to Prometheus"},
	{"rollback", cmd_rollback, "lift caps in running processes now, without a restart"},
	{"restore", cmd_restore, "put caps back after a rollback"},
	{"lib", cmd_lib, "print the path of libwaitcap.so (for LD_PRELOAD)"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: waitcap COMMAND [ARGS...]\n\n"
		     "Caps and traces the time unmodified programs spend blocked on the\n"
		     "network (connect, recv, send, poll, select, epoll).\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'waitcap COMMAND --help' explains each command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("waitcap %s\n", WAITCAP_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "waitcap: unknown command '%s' (try 'waitcap --help')\n", argv[1]);
	return 2;
}
