/* waitcap top: the preloaded processes, live, in the terminal (ncurses). */
#include <curses.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "stats_read.h"
#include "tools.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: waitcap top [--interval DUR]\n\n"
		"A live view of the processes running with libwaitcap.so whose counters\n"
		"this user may read (as `waitcap stats`), refreshed every second: per\n"
		"process the waits and capped waits per second over the last interval,\n"
		"total caps, connect timeout rate, p95 and average connection time; under\n"
		"each process its destinations (peer, rule, connects/s, timeouts, p95).\n"
		"Columns that do not fit the terminal's width are left out, least\n"
		"important first.\n\n"
		"keys:  q quit     c sort by caps/s (default)   r by waits/s\n"
		"       p by p95 connection time   t by timeout rate\n"
		"       up/down select   enter expand/collapse the selected process\n"
		"       a expand/collapse all\n\n"
		"  --interval DUR  refresh period, 100ms to 1m (default 1s); a duration\n"
		"                  (" WC_DURATION_UNITS "), a bare number is ms\n"
		"  -h, --help      show this help\n");
}

enum sort_key { SORT_CAPPED, SORT_RATE, SORT_P95, SORT_TIMEOUTS };
static const char *const sort_names[] = {"caps/s", "waits/s", "p95", "timeout%"};

/* What one row shows, computed from two snapshots. */
struct row {
	int pid;
	int64_t start;
	const struct wc_stats_file *s;
	double waits_rate, capped_rate, p95, avg, timeout_rate;
	uint64_t capped;
	bool collapsed;
};

struct col {
	const char *title;
	int width;
	int priority; /* lower: kept longer when the terminal is narrow */
	bool left;
};

enum { C_PID, C_PROG, C_MODE, C_WAITS, C_CAPRATE, C_CAPPED, C_TO, C_P95, C_AVG, C_PROFILE,
       C_ENV, C_COUNT };
static const struct col cols[C_COUNT] = {
	[C_PID] = {"PID", 7, 0, false},        [C_PROG] = {"PROGRAM", 16, 0, true},
	[C_MODE] = {"MODE", 11, 5, true},      [C_WAITS] = {"WAITS/S", 9, 3, false},
	[C_CAPRATE] = {"CAPS/S", 8, 1, false}, [C_CAPPED] = {"CAPPED", 8, 2, false},
	[C_TO] = {"TIMEOUT%", 9, 2, false},    [C_P95] = {"P95ms", 9, 1, false},
	[C_AVG] = {"AVGms", 9, 4, false},      [C_PROFILE] = {"PROFILE", 12, 6, true},
	[C_ENV] = {"ENV", 10, 7, true},
};

/* Which columns fit in width: by priority, then shown in table order. */
static void fit_columns(int width, bool shown[C_COUNT])
{
	int used = 0;
	for (int pr = 0; pr <= 7; pr++)
		for (int c = 0; c < C_COUNT; c++)
			if (cols[c].priority == pr) {
				shown[c] = used + cols[c].width + 1 <= width || pr == 0;
				if (shown[c])
					used += cols[c].width + 1;
			}
}

static double total(const struct wc_stats_file *s, size_t offset)
{
	double sum = 0;
	for (int i = 0; i < WC_SOP_COUNT; i++)
		sum += (double)*(const uint64_t *)((const char *)&s->ops[i] + offset);
	return sum;
}

static void connect_totals(const struct wc_stats_file *s, double *connects, double *timeouts)
{
	const struct wc_stats_dest *rows[WC_STATS_DESTS + 1];
	int n = wc_dest_rows(s, rows);
	*connects = *timeouts = 0;
	for (int i = 0; i < n; i++) {
		*connects += (double)rows[i]->connects;
		*timeouts += (double)rows[i]->connect_timeouts;
	}
}

static const struct wc_proc_stats *find(const struct wc_proc_stats *v, int n, int pid,
					int64_t start)
{
	for (int i = 0; i < n; i++)
		if (v[i].s.pid == pid && v[i].s.start_time_ns == start)
			return &v[i];
	return NULL;
}

static const struct wc_stats_dest *find_dest(const struct wc_stats_file *s,
					     const struct wc_stats_dest *d)
{
	if (!s)
		return NULL;
	if (d->family == 0)
		return &s->other;
	for (unsigned i = 0; i < WC_STATS_DESTS; i++)
		if (s->dest[i].state == WC_DEST_READY && s->dest[i].family == d->family
		    && s->dest[i].port == d->port && !memcmp(s->dest[i].addr, d->addr, 16)
		    && !strcmp(s->dest[i].rule, d->rule))
			return &s->dest[i];
	return NULL;
}

static enum sort_key sort_by;

static double sort_value(const struct row *r)
{
	switch (sort_by) {
	case SORT_RATE: return r->waits_rate;
	case SORT_P95: return r->p95;
	case SORT_TIMEOUTS: return r->timeout_rate;
	default: return r->capped_rate * 1e6 + (double)r->capped; /* ties: by total */
	}
}

static int by_key(const void *a, const void *b)
{
	double x = sort_value(a), y = sort_value(b);
	if (x != y)
		return x < y ? 1 : -1;
	return ((const struct row *)a)->pid - ((const struct row *)b)->pid;
}

static void cell(char *line, size_t len, int *pos, int width, const struct col *c, const char *text)
{
	if (*pos + c->width > width && *pos > 0)
		return;
	int w = c->width;
	if (*pos + w > width)
		w = width - *pos;
	char buf[64];
	snprintf(buf, sizeof(buf), c->left ? "%-*.*s " : "%*.*s ", w, w, text);
	size_t l = strlen(line);
	snprintf(line + l, len - l, "%s", buf);
	*pos += w + 1;
}

static void num(char *buf, size_t len, double v, const char *fmt)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, fmt, v);
}

static void put_line(int y, const char *text, int width)
{
	mvprintw(y, 0, "%.*s", width, text);
	clrtoeol();
}

int cmd_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{"interval", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int interval = 1000, c;
	while ((c = getopt_long(argc, argv, "i:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
		{
			/* A bare number is milliseconds, as --interval MS was. */
			int64_t ns;
			if (wc_parse_number_ns(optarg, 1000000, &ns) != 0 || ns < 100000000 ||
			    ns > 60000000000) {
				fprintf(stderr, "waitcap top: --interval '%s': a duration from 100ms to 1m "
					"(" WC_DURATION_UNITS "; a bare number is ms)\n", optarg);
				return 2;
			}
			interval = (int)(ns / 1000000);
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "waitcap top: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	char err[256];
	if (wc_stats_check_env(err, sizeof(err)) != 0) {
		fprintf(stderr, "waitcap top: %s\n", err);
		return 2;
	}
	setlocale(LC_ALL, "");
	if (!initscr()) {
		fprintf(stderr, "waitcap top: cannot use this terminal (TERM=%s)\n",
			getenv("TERM") ? getenv("TERM") : "");
		return 1;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);

	struct wc_proc_stats *prev = NULL, *cur = NULL;
	int nprev = 0, ncur = 0, selected = 0;
	bool expand_all = true;
	int collapsed_pids[256], ncollapsed = 0;
	struct timespec tprev = {0, 0};
	bool quit = false;
	while (!quit) {
		struct timespec tnow;
		clock_gettime(CLOCK_MONOTONIC, &tnow);
		free(prev);
		prev = cur, nprev = ncur;
		ncur = wc_stats_read_all(&cur, err, sizeof(err));
		if (ncur < 0)
			ncur = 0, cur = NULL;
		double dt = tprev.tv_sec ? (double)(tnow.tv_sec - tprev.tv_sec)
					 + (double)(tnow.tv_nsec - tprev.tv_nsec) / 1e9 : 0;
		tprev = tnow;

		struct row *rows = calloc((size_t)ncur + 1, sizeof(*rows));
		for (int i = 0; i < ncur; i++) {
			const struct wc_stats_file *s = &cur[i].s;
			const struct wc_proc_stats *p = find(prev, nprev, s->pid, s->start_time_ns);
			struct row *r = &rows[i];
			r->pid = s->pid;
			r->s = s;
			double w = total(s, offsetof(struct wc_stats_op_counts, waits));
			double cp = total(s, offsetof(struct wc_stats_op_counts, capped));
			r->capped = (uint64_t)cp;
			r->waits_rate = p && dt > 0
				? (w - total(&p->s, offsetof(struct wc_stats_op_counts, waits))) / dt : -1;
			r->capped_rate = p && dt > 0
				? (cp - total(&p->s, offsetof(struct wc_stats_op_counts, capped))) / dt : -1;
			double connects, timeouts;
			connect_totals(s, &connects, &timeouts);
			r->timeout_rate = connects ? timeouts / connects : -1;
			r->p95 = wc_hist_quantile_ms(&s->connection_time, 0.95);
			r->avg = wc_hist_avg_ms(&s->connection_time);
			for (int k = 0; k < ncollapsed; k++)
				r->collapsed |= collapsed_pids[k] == s->pid;
			if (!expand_all)
				r->collapsed = !r->collapsed;
		}
		qsort(rows, (size_t)ncur, sizeof(*rows), by_key);
		if (selected >= ncur)
			selected = ncur ? ncur - 1 : 0;

		int width = COLS, height = LINES, y = 0;
		bool shown[C_COUNT];
		fit_columns(width, shown);
		char line[1024];
		snprintf(line, sizeof(line), "waitcap top: %d process%s  sort: %s  (q quit, c/r/p/t "
			 "sort, enter/a expand)", ncur, ncur == 1 ? "" : "es", sort_names[sort_by]);
		attron(A_BOLD);
		put_line(y++, line, width);
		attroff(A_BOLD);
		line[0] = '\0';
		int pos = 0;
		for (int k = 0; k < C_COUNT; k++)
			if (shown[k])
				cell(line, sizeof(line), &pos, width, &cols[k], cols[k].title);
		attron(A_REVERSE);
		put_line(y++, line, width);
		attroff(A_REVERSE);
		for (int i = 0; i < ncur && y < height; i++) {
			const struct row *r = &rows[i];
			const struct wc_stats_file *s = r->s;
			char v[C_COUNT][80];
			snprintf(v[C_PID], 80, "%d", r->pid);
			snprintf(v[C_PROG], 80, "%s%s", r->collapsed ? "+" : "-", s->procname);
			snprintf(v[C_MODE], 80, "%s", wc_stats_mode_name(s->mode));
			num(v[C_WAITS], 80, r->waits_rate, "%.1f");
			num(v[C_CAPRATE], 80, r->capped_rate, "%.1f");
			snprintf(v[C_CAPPED], 80, "%llu", (unsigned long long)r->capped);
			num(v[C_TO], 80, r->timeout_rate < 0 ? -1 : r->timeout_rate * 100, "%.1f%%");
			num(v[C_P95], 80, r->p95, "%.1f");
			num(v[C_AVG], 80, r->avg, "%.1f");
			snprintf(v[C_PROFILE], 80, "%s", s->profile);
			snprintf(v[C_ENV], 80, "%s", s->environment[0] ? s->environment : "-");
			line[0] = '\0';
			pos = 0;
			for (int k = 0; k < C_COUNT; k++)
				if (shown[k])
					cell(line, sizeof(line), &pos, width, &cols[k], v[k]);
			if (i == selected)
				attron(A_REVERSE);
			put_line(y++, line, width);
			if (i == selected)
				attroff(A_REVERSE);
			if (r->collapsed)
				continue;
			const struct wc_stats_dest *d[WC_STATS_DESTS + 1];
			int nd = wc_dest_rows(s, d);
			const struct wc_proc_stats *p = find(prev, nprev, s->pid, s->start_time_ns);
			for (int j = 0; j < nd && y < height; j++) {
				char peer[64], rate_s[32], p95_s[32], to_s[32];
				wc_dest_peer(d[j], peer, sizeof(peer));
				const struct wc_stats_dest *pd = find_dest(p ? &p->s : NULL, d[j]);
				num(rate_s, sizeof(rate_s), pd && dt > 0
				    ? (double)(d[j]->connects - pd->connects) / dt : -1, "%.1f");
				num(p95_s, sizeof(p95_s), wc_hist_quantile_ms(&d[j]->connect_time, 0.95),
				    "%.1f");
				num(to_s, sizeof(to_s), d[j]->connects ? 100.0 * (double)d[j]->connect_timeouts
				    / (double)d[j]->connects : -1, "%.1f%%");
				snprintf(line, sizeof(line), "    %s  %s  conn/s %s  timeouts %llu (%s)  "
					 "capped %llu  p95 %s ms", peer, d[j]->rule[0] ? d[j]->rule : "-",
					 rate_s, (unsigned long long)d[j]->connect_timeouts, to_s,
					 (unsigned long long)d[j]->capped, p95_s);
				put_line(y++, line, width);
			}
		}
		if (!ncur && y < height)
			put_line(y++, "  no preloaded process with readable counters", width);
		clrtobot();
		refresh();

		/* Keys until the next refresh. */
		int64_t deadline_ms = (int64_t)tnow.tv_sec * 1000 + tnow.tv_nsec / 1000000 + interval;
		for (;;) {
			struct timespec t;
			clock_gettime(CLOCK_MONOTONIC, &t);
			int64_t left = deadline_ms - ((int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000);
			if (left <= 0)
				break;
			timeout((int)left);
			int ch = getch();
			if (ch == ERR)
				break;
			bool redraw = true;
			switch (ch) {
			case 'q': case 'Q': quit = true; break;
			case 'c': sort_by = SORT_CAPPED; break;
			case 'r': sort_by = SORT_RATE; break;
			case 'p': sort_by = SORT_P95; break;
			case 't': sort_by = SORT_TIMEOUTS; break;
			case 'a': expand_all = !expand_all, ncollapsed = 0; break;
			case KEY_UP: if (selected > 0) selected--; break;
			case KEY_DOWN: if (selected + 1 < ncur) selected++; break;
			case '\n': case KEY_ENTER: case ' ':
				if (selected < ncur) {
					int pid = rows[selected].pid, k;
					for (k = 0; k < ncollapsed && collapsed_pids[k] != pid; k++)
						;
					if (k < ncollapsed)
						collapsed_pids[k] = collapsed_pids[--ncollapsed];
					else if (ncollapsed < 256)
						collapsed_pids[ncollapsed++] = pid;
				}
				break;
			default: redraw = false;
			}
			if (quit || redraw)
				break;
		}
		free(rows);
		/* A key redraws from the same snapshot's successor at once; rates
		 * stay over the time since the previous read. */
	}
	endwin();
	free(prev);
	free(cur);
	return 0;
}
