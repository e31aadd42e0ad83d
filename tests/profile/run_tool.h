/* Run $WAITCAP_BIN with arguments and a controlled environment; collect
 * stdout, stderr and the exit status. */
#ifndef WAITCAP_TEST_RUN_TOOL_H
#define WAITCAP_TEST_RUN_TOOL_H

struct tool_run {
	char out[32768];
	char err[8192];
	int status;
};

/* env: "NAME=VALUE" strings, NULL-terminated (or NULL); args: the
 * subcommand and its arguments, NULL-terminated.  The policy variables of
 * the test's own environment are cleared first.  Returns the exit status. */
int run_tool(struct tool_run *run, const char *const *env, const char *const *args);

/* The first line of text that, with runs of spaces collapsed to one,
 * starts with prefix; that collapsed line, or NULL. */
const char *line_starting(const char *text, const char *prefix);

#endif
