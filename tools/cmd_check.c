/* waitcap check [FILE]: validate a profile file the way the library reads it,
 * then print the effective cap table — one row per op and per rule.op, one
 * column per profile — and every hierarchy pair, violated ones marked. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "duration.h"
#include "match.h"
#include "tools.h"

static void usage(FILE *out)
{
	fputs("usage: waitcap check [FILE]\n"
	      "\n"
	      "Validate a profile file and print its effective cap table: one row per\n"
	      "op (the profile's caps) and per rule.op, one column per profile, values\n"
	      "after inheritance and environment overrides (the overriding variable is\n"
	      "shown next to the value), then every hierarchy pair, violated ones marked.\n"
	      "\n"
	      "FILE defaults to what the library would read: $WAITCAP_CONFIG, else\n"
	      "/etc/waitcap/profiles.json if present, else the embedded default.\n"
	      "The same refusals apply (world-writable, owned by another user).\n"
	      "\n"
	      "  -h, --help  show this help\n"
	      "\n"
	      "Exit status: 0 valid, 1 invalid, 2 usage error.\n",
	      out);
}

static const char *real_getenv(const char *name)
{
	return getenv(name);
}

/* ---- the table ---------------------------------------------------------- */

#define MAX_ROWS (WC_CAP_OPS * (WC_MAX_RULES + 1))
#define CELL 96

struct table {
	int nrows, ncols;
	int row_of[WC_MAX_RULES + 1][WC_CAP_OPS]; /* [0]: the profile's ops, [r+1]: rule r */
	char label[MAX_ROWS][2 * WC_NAME_MAX + 8];
	char cell[MAX_ROWS][WC_MAX_PROFILES][CELL];
};

/* A rule's value in one profile: "35s", "35s (WEBSOCKET_RECV_TIMEOUT)", or
 * "(5s)" when the rule has none there and the profile's cap applies. */
static void rule_cell(const struct wc_config *cfg, const struct wc_config_rule *rule, int op,
		      int p, char *buf, size_t size)
{
	char v[32];
	int32_t ms = rule->caps[p][op];
	if (ms == WC_NO_CAP) {
		wc_format_ms(cfg->profiles[p].caps[op], v, sizeof v);
		snprintf(buf, size, "(%s)", v);
		return;
	}
	wc_format_ms(ms, v, sizeof v);
	if (rule->env_applied[op])
		snprintf(buf, size, "%s (%s)", v, rule->env[op]);
	else
		snprintf(buf, size, "%s", v);
}

static void build(const struct wc_config *cfg, struct table *t)
{
	t->ncols = cfg->nprofiles;
	for (int op = 0; op < WC_CAP_OPS; op++) {
		t->row_of[0][op] = t->nrows;
		snprintf(t->label[t->nrows], sizeof t->label[0], "%s", wc_op_name(op));
		for (int p = 0; p < cfg->nprofiles; p++)
			wc_format_ms(cfg->profiles[p].caps[op], t->cell[t->nrows][p], CELL);
		t->nrows++;
	}
	for (int r = 0; r < cfg->nrules; r++)
		for (int op = 0; op < WC_CAP_OPS; op++) {
			t->row_of[r + 1][op] = t->row_of[0][op];
			if (!cfg->rules[r].has_op[op])
				continue;
			t->row_of[r + 1][op] = t->nrows;
			snprintf(t->label[t->nrows], sizeof t->label[0], "%s.%s", cfg->rules[r].name,
				 wc_op_name(op));
			for (int p = 0; p < cfg->nprofiles; p++)
				rule_cell(cfg, &cfg->rules[r], op, p, t->cell[t->nrows][p], CELL);
			t->nrows++;
		}
}

/* A cell that takes part in a violated pair gets a "!". */
static void mark_violations(const struct wc_config *cfg, struct table *t)
{
	for (int i = 0; i < cfg->npairs; i++)
		for (int p = 0; p < cfg->nprofiles; p++) {
			if (wc_config_pair_holds(cfg, i, p))
				continue;
			const struct wc_config_ref *refs[2] = {&cfg->pairs[i].outer, &cfg->pairs[i].inner};
			for (int k = 0; k < 2; k++) {
				char *cell = t->cell[t->row_of[refs[k]->rule + 1][refs[k]->op]][p];
				if (!strchr(cell, '!'))
					strncat(cell, " !", CELL - strlen(cell) - 1);
			}
		}
}

static void print_table(const struct wc_config *cfg, const struct table *t)
{
	int lw = 2, cw[WC_MAX_PROFILES];
	for (int r = 0; r < t->nrows; r++)
		if ((int)strlen(t->label[r]) > lw)
			lw = (int)strlen(t->label[r]);
	for (int c = 0; c < t->ncols; c++) {
		cw[c] = (int)strlen(cfg->profiles[c].name);
		for (int r = 0; r < t->nrows; r++)
			if ((int)strlen(t->cell[r][c]) > cw[c])
				cw[c] = (int)strlen(t->cell[r][c]);
	}
	printf("%-*s", lw, "");
	for (int c = 0; c < t->ncols; c++)
		printf("  %-*s", c == t->ncols - 1 ? 0 : cw[c], cfg->profiles[c].name);
	printf("\n");
	for (int r = 0; r < t->nrows; r++) {
		printf("%-*s", lw, t->label[r]);
		for (int c = 0; c < t->ncols; c++)
			printf("  %-*s", c == t->ncols - 1 ? 0 : cw[c], t->cell[r][c]);
		printf("\n");
	}
}

/* ---- the rest of the report -------------------------------------------- */

static void print_selection(const struct wc_config *cfg)
{
	printf("default: %s\n", cfg->profiles[cfg->default_profile].name);
	if (cfg->nenvironments) {
		printf("environments:");
		for (int i = 0; i < cfg->nenvironments; i++)
			printf("%s %s -> %s", i ? "," : "", cfg->environments[i].name,
			       cfg->profiles[cfg->environments[i].profile].name);
		printf("\n");
	}
	for (int p = 0; p < cfg->nprofiles; p++)
		if (cfg->profiles[p].parent >= 0)
			printf("inherits: %s <- %s\n", cfg->profiles[p].name,
			       cfg->profiles[cfg->profiles[p].parent].name);
	for (int p = 0; p < cfg->nprofiles; p++)
		if (wc_config_profile_observes(cfg, p))
			printf("observe:  %s (deadlines counted as would_cap, nothing cut)\n",
			       cfg->profiles[p].name);
	if (cfg->nlegacy) {
		printf("legacy flags (=true: no caps at all):");
		for (int i = 0; i < cfg->nlegacy; i++) {
			const char *v = getenv(cfg->legacy_flags[i]);
			printf("%s %s%s%s", i ? "," : "", cfg->legacy_flags[i], v ? "=" : "", v ? v : "");
		}
		printf("\n");
	}
}

static void print_rules(const struct wc_config *cfg)
{
	if (!cfg->nrules)
		return;
	printf("\nrules (first match wins):\n");
	for (int r = 0; r < cfg->nrules; r++) {
		char m[WC_HOSTNAME_MAX + 64];
		wc_match_format(&cfg->rules[r].match, m, sizeof m);
		printf("  %-24s %s", cfg->rules[r].name, m);
		for (int op = 0; op < WC_CAP_OPS; op++)
			if (cfg->rules[r].env[op][0])
				printf("  %s from $%s%s%s", wc_op_name(op), cfg->rules[r].env[op],
				       cfg->rules[r].env_applied[op] ? "=" : "",
				       cfg->rules[r].env_applied[op] ? cfg->rules[r].env_value[op] : "");
		printf("\n");
	}
}

/* Every pair; a violated one lists the profiles it fails in.  Returns the
 * number of violated pairs. */
/* Automatic rollback per profile (the file's, or the profile's own). */
static void print_rollback(const struct wc_config *cfg)
{
	bool any = cfg->rollback.on;
	for (int p = 0; p < cfg->nprofiles; p++)
		any |= cfg->profiles[p].rollback.on;
	for (int r = 0; r < cfg->nrules; r++)
		any |= cfg->rules[r].rollback.on;
	if (!any)
		return;
	printf("\nautomatic rollback (per destination):\n");
	for (int p = 0; p < cfg->nprofiles; p++) {
		char text[160];
		wc_rollback_text(&cfg->profiles[p].rollback, text, sizeof text);
		printf("  %-12s %s%s\n", cfg->profiles[p].name, text,
		       cfg->profiles[p].own_rollback.on ? " (its own)" : "");
	}
	for (int r = 0; r < cfg->nrules; r++) {
		if (!cfg->rules[r].rollback.on)
			continue;
		char text[160];
		wc_rollback_text(&cfg->rules[r].rollback, text, sizeof text);
		printf("  rule %-7s %s\n", cfg->rules[r].name, text);
	}
}

static int print_hierarchy(const struct wc_config *cfg)
{
	int violated = 0;
	if (!cfg->npairs)
		return 0;
	printf("\nhierarchy (outer > inner in every profile):\n");
	for (int i = 0; i < cfg->npairs; i++) {
		const struct wc_config_pair *pair = &cfg->pairs[i];
		char where[4200];
		wc_config_where(cfg, &pair->loc, where, sizeof where);
		int bad = 0;
		for (int p = 0; p < cfg->nprofiles; p++)
			bad += !wc_config_pair_holds(cfg, i, p);
		printf("  %-8s %s > %s", bad ? "VIOLATED" : "ok", pair->outer_text, pair->inner_text);
		if (bad) {
			printf("  (%s) in", where);
			const char *sep = "";
			for (int p = 0; p < cfg->nprofiles; p++) {
				if (wc_config_pair_holds(cfg, i, p))
					continue;
				char o[32], n[32];
				wc_format_ms(wc_config_ref_ms(cfg, &pair->outer, p), o, sizeof o);
				wc_format_ms(wc_config_ref_ms(cfg, &pair->inner, p), n, sizeof n);
				printf("%s %s: %s <= %s", sep, cfg->profiles[p].name, o, n);
				sep = ",";
			}
			violated++;
		}
		printf("\n");
	}
	return violated;
}

int cmd_check(int argc, char **argv)
{
	static const struct option options[] = {{"help", no_argument, NULL, 'h'}, {0}};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		usage(stderr);
		return 2;
	}
	if (argc - optind > 1) {
		usage(stderr);
		return 2;
	}

	char err[512];
	struct wc_config *cfg = optind < argc ? wc_config_load_file(argv[optind], err, sizeof err)
					      : wc_config_load_default(real_getenv, false, err, sizeof err);
	if (!cfg || wc_config_apply_env(cfg, real_getenv, err, sizeof err) != 0) {
		fprintf(stderr, "waitcap check: %s\n", err);
		wc_config_free(cfg);
		return 1;
	}

	struct table *t = calloc(1, sizeof *t);
	if (!t) {
		fprintf(stderr, "waitcap check: out of memory\n");
		wc_config_free(cfg);
		return 1;
	}
	build(cfg, t);
	mark_violations(cfg, t);
	printf("%s\n", cfg->file);
	print_selection(cfg);
	printf("\n");
	print_table(cfg, t);
	if (cfg->nrules)
		printf("(VALUE): the rule sets nothing there, the profile's cap applies; "
		       "VALUE (VAR): set by $VAR\n");
	if (cfg->npairs)
		printf("!: part of a violated hierarchy pair\n");
	print_rules(cfg);
	print_rollback(cfg);
	int violated = print_hierarchy(cfg);
	free(t);

	if (violated) {
		wc_config_check_hierarchy(cfg, err, sizeof err);
		fprintf(stderr, "waitcap check: %s\n", err);
		printf("\ninvalid: %d hierarchy pair%s violated\n", violated, violated == 1 ? "" : "s");
	} else {
		printf("\nvalid: %d profile%s, %d rule%s, %d hierarchy pair%s\n", cfg->nprofiles,
		       cfg->nprofiles == 1 ? "" : "s", cfg->nrules, cfg->nrules == 1 ? "" : "s",
		       cfg->npairs, cfg->npairs == 1 ? "" : "s");
	}
	wc_config_free(cfg);
	return violated ? 1 : 0;
}
