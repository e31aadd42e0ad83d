/* The man pages document exactly the options the commands have: every
 * option `waitcap COMMAND --help` lists is in waitcap-COMMAND(1)'s OPTIONS,
 * every option there is in --help, and waitcap(1) lists the commands
 * `waitcap --help` lists.  The pages are the ones the build made from
 * the scdoc sources in docs/man, read as man(1) shows them. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"

#define MAX_NAMES 64

struct names {
	int n;
	char name[MAX_NAMES][40];
};

static void add(struct names *s, const char *name, size_t len)
{
	if (len == 0 || len >= sizeof s->name[0])
		return;
	for (int i = 0; i < s->n; i++)
		if (strlen(s->name[i]) == len && !strncmp(s->name[i], name, len))
			return;
	cr_assert_lt(s->n, MAX_NAMES);
	memcpy(s->name[s->n], name, len);
	s->name[s->n++][len] = 0;
}

static bool has(const struct names *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return true;
	return false;
}

/* "-f, --format F   text": the leading option words, up to the first word
 * that is not an option. */
static void add_option_words(struct names *s, const char *line)
{
	const char *p = line;
	while (*p == '-') {
		size_t len = strcspn(p, " ,\t\n");
		add(s, p, len);
		p += len;
		if (*p == ',')
			p++;
		while (*p == ' ')
			p++;
	}
}

static void run(struct proc_result *r, const char *const argv[])
{
	const char *env[] = {"MANWIDTH=200", "MANPAGER=cat", "PAGER=cat", NULL};
	cr_assert_eq(proc_run(r, argv, env, false, 20000), 0);
	cr_assert_eq(r->exit_code, 0, "%s %s: exit %d: %s", argv[0], argv[1], r->exit_code,
		     r->err);
}

/* Option lines of --help: indented by at most 8 spaces, starting with '-'. */
static void help_options(const char *command, struct names *s)
{
	static struct proc_result r;
	const char *argv[] = {getenv("WAITCAP_BIN"), command, "--help", NULL};
	run(&r, argv);
	for (char *save = NULL, *line = strtok_r(r.out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t indent = strspn(line, " ");
		if (indent >= 1 && indent <= 8)
			add_option_words(s, line + indent);
	}
}

/* The page as man(1) renders it; sections start in column 0. */
static char *rendered(const char *page)
{
	static struct proc_result r;
	char path[1024];
	snprintf(path, sizeof path, "%s/docs/man/%s", getenv("WAITCAP_BUILD"), page);
	const char *argv[] = {"man", "-l", path, NULL};
	run(&r, argv);
	cr_assert(strlen(r.out) > 100, "%s renders to nothing: %s", page, r.err);
	return r.out;
}

/* Terms of the definition lists in the sections whose title contains
 * `section` (indented 7: the term; deeper: its text). */
static void page_terms(const char *page, const char *section, bool options_only,
		       struct names *s)
{
	char *text = rendered(page);
	bool inside = false;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (isupper((unsigned char)line[0])) {
			inside = strstr(line, section) != NULL;
			continue;
		}
		size_t indent = strspn(line, " ");
		if (!inside || indent != 7)
			continue;
		if (options_only)
			add_option_words(s, line + indent);
		else if (isalpha((unsigned char)line[indent]))
			add(s, line + indent, strcspn(line + indent, " "));
	}
}

static void assert_same(const struct names *help, const struct names *page,
			const char *what)
{
	cr_assert_gt(help->n + page->n, 0, "%s: nothing found on either side", what);
	for (int i = 0; i < help->n; i++)
		cr_expect(has(page, help->name[i]), "%s: %s is in --help, not in the man page",
			  what, help->name[i]);
	for (int i = 0; i < page->n; i++)
		cr_expect(has(help, page->name[i]), "%s: %s is in the man page, not in --help",
			  what, page->name[i]);
}

static void check_command(const char *command)
{
	struct names help = {0}, page = {0};
	char name[64];
	snprintf(name, sizeof name, "waitcap-%s.1", command);
	help_options(command, &help);
	page_terms(name, "OPTIONS", true, &page);
	/* Every command takes --help; `waitcap lib` lists no options. */
	if (!has(&help, "--help") && has(&page, "--help"))
		add(&help, "--help", 6);
	assert_same(&help, &page, name);
}

Test(manpages, run)
{
	check_command("run");
}

Test(manpages, analyze)
{
	check_command("analyze");
}

Test(manpages, suggest)
{
	check_command("suggest");
}

Test(manpages, check)
{
	check_command("check");
}

Test(manpages, explain)
{
	check_command("explain");
}

Test(manpages, record)
{
	check_command("record");
}

Test(manpages, stats)
{
	check_command("stats");
}

Test(manpages, top)
{
	check_command("top");
}

Test(manpages, exporter)
{
	check_command("exporter");
}

Test(manpages, rollback)
{
	check_command("rollback");
}

Test(manpages, restore)
{
	check_command("restore");
}

Test(manpages, lib)
{
	struct names help = {0}, page = {0};
	help_options("lib", &help);
	page_terms("waitcap-lib.1", "OPTIONS", true, &page);
	cr_assert_eq(help.n, 0, "waitcap lib --help lists %s: document it", help.name[0]);
	cr_assert_eq(page.n, 0, "waitcap-lib(1) lists %s, --help does not", page.name[0]);
}

/* waitcap(1)'s COMMANDS are the commands of `waitcap --help`. */
Test(manpages, commands)
{
	static struct proc_result r;
	const char *argv[] = {getenv("WAITCAP_BIN"), "--help", NULL};
	run(&r, argv);
	struct names help = {0}, page = {0};
	char *commands = strstr(r.out, "commands:\n");
	cr_assert(commands, "no command list in: %s", r.out);
	for (char *save = NULL, *line = strtok_r(commands + 10, "\n", &save);
	     line && line[0] == ' '; line = strtok_r(NULL, "\n", &save))
		add(&help, line + 2, strcspn(line + 2, " "));
	page_terms("waitcap.1", "COMMANDS", false, &page);
	cr_assert_geq(help.n, 6);
	assert_same(&help, &page, "waitcap.1");
}

/* The other pages render, with the sections a reader looks for. */
Test(manpages, profiles_and_library_pages)
{
	const char *pages[][3] = {{"waitcap-profiles.5", "FORMAT", "WAITCAP_CONFIG"},
				  {"libwaitcap.7", "ENVIRONMENT", "WAITCAP_TRACE"}};
	for (int i = 0; i < 2; i++) {
		char *text = rendered(pages[i][0]);
		cr_assert(strstr(text, pages[i][1]), "%s has no %s section", pages[i][0],
			  pages[i][1]);
		cr_assert(strstr(text, pages[i][2]), "%s does not mention %s", pages[i][0],
			  pages[i][2]);
	}
}
