/* Run $WAITCAP_BIN with arguments and a controlled environment; collect
 * stdout, stderr and the exit status. */
#ifndef WAITCAP_TEST_RUN_TOOL_H
#define WAITCAP_TEST_RUN_TOOL_H

#include "proc.h"

struct tool_run {
	char out[sizeof((struct proc_result *)0)->out];
	char err[sizeof((struct proc_result *)0)->err];
	int status;
};

/* env: "NAME=VALUE" strings, NULL-terminated (or NULL); args: the
 * subcommand and its arguments, NULL-terminated.  Runs through
 * proc_run_tool (tests/support/proc.h), so nothing of the caller's that
 * waitcap reads gets through.  Returns the exit status. */
int run_tool(struct tool_run *run, const char *const *env, const char *const *args);

/* The first line of text that, with runs of spaces collapsed to one,
 * starts with prefix; that collapsed line, or NULL. */
const char *line_starting(const char *text, const char *prefix);

#endif
