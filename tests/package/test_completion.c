/* Bash completion (tools/completion/waitcap.bash, installed as
 * share/bash-completion/completions/waitcap) completes commands, the
 * options each command's --help lists, and option values; after `run --`
 * it completes a command line. */
#include <criterion/criterion.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"

/* What bash offers for `line` (the cursor at its end), one line. */
static const char *complete(const char *line)
{
	static struct proc_result r;
	char bin[1024], path[1200], script[4096];
	snprintf(bin, sizeof bin, "%s", getenv("WAITCAP_BIN"));
	snprintf(path, sizeof path, "PATH=%s:/usr/bin:/bin", dirname(bin));
	snprintf(script, sizeof script,
		 "source /usr/share/bash-completion/bash_completion\n"
		 "source '%s/tools/completion/waitcap.bash'\n"
		 "line='%s'\n"
		 "read -ra COMP_WORDS <<< \"$line\"\n"
		 "[[ $line == *' ' ]] && COMP_WORDS+=('')\n"
		 "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) COMP_LINE=$line COMP_POINT=${#line}\n"
		 "_waitcap 2>/dev/null\n"
		 "echo \"${COMPREPLY[*]}\"\n",
		 getenv("WAITCAP_SRC"), line);
	const char *argv[] = {"bash", "-c", script, NULL};
	const char *env[] = {path, NULL};
	cr_assert_eq(proc_run(&r, argv, env, false, 20000), 0);
	cr_assert_eq(r.exit_code, 0, "bash: %s", r.err);
	return r.out;
}

Test(completion, commands)
{
	cr_assert_str_eq(complete("waitcap "), "run analyze suggest check explain record stats top exporter "
						"rollback restore lib --help\n");
	cr_assert_str_eq(complete("waitcap ex"), "explain exporter\n");
	cr_assert_str_eq(complete("waitcap rollback --"), "--pid --all --reason --help\n");
}

Test(completion, options_come_from_help)
{
	cr_assert_str_eq(complete("waitcap run --"),
			 "--profile --config --legacy --cap --trace --relay --live --min-block --format\n");
	cr_assert_str_eq(complete("waitcap analyze --f"), "--format --fail-if\n");
	cr_assert_str_eq(complete("waitcap explain -"), "-d --dest -c --config -p --profile -h --help\n");
}

Test(completion, option_values)
{
	cr_assert_str_eq(complete("waitcap analyze --format "), "table json markdown html folded\n");
	cr_assert_str_eq(complete("waitcap analyze --op re"), "recv resolve\n");
	cr_assert_str_eq(complete("waitcap analyze --by pe"), "peer\n");
}

Test(completion, after_run_dashdash_a_command)
{
	const char *out = complete("waitcap run -- bas");
	cr_assert(strstr(out, "bash"), "offered: %s", out);
}
