/* See run_tool.h. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "proc.h"
#include "run_tool.h"

int run_tool(struct tool_run *run, const char *const *env, const char *const *args)
{
	static struct proc_result r;
	cr_assert_eq(proc_run_tool(&r, args, env, 10000), 0, "could not start waitcap");
	cr_assert(!r.timed_out, "waitcap did not finish within 10 s");
	cr_assert(WIFEXITED(r.status), "waitcap died: status %d", r.status);
	memcpy(run->out, r.out, sizeof run->out);
	memcpy(run->err, r.err, sizeof run->err);
	run->status = r.exit_code;
	return run->status;
}

const char *line_starting(const char *text, const char *prefix)
{
	static char line[1024];
	for (const char *s = text; s && *s; s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL) {
		size_t n = strcspn(s, "\n");
		if (n >= sizeof line)
			n = sizeof line - 1;
		/* Collapse runs of spaces: the columns' widths are not the point. */
		char *w = line;
		for (size_t i = 0; i < n; i++)
			if (!(s[i] == ' ' && w > line && w[-1] == ' '))
				*w++ = s[i];
		while (w > line && w[-1] == ' ')
			w--;
		*w = 0;
		if (strncmp(line, prefix, strlen(prefix)) == 0)
			return line;
	}
	return NULL;
}
