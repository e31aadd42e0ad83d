/* The waitcap command: one function per subcommand, dispatched by waitcap.c. */
#ifndef WAITCAP_TOOLS_H
#define WAITCAP_TOOLS_H

#include <stddef.h>

int cmd_run(int argc, char **argv);     /* tools/cmd_run.c */
int cmd_lib(int argc, char **argv);     /* tools/cmd_run.c */
int cmd_explain(int argc, char **argv); /* tools/cmd_explain.c */
int cmd_check(int argc, char **argv);   /* tools/cmd_check.c */
int cmd_record(int argc, char **argv);  /* tools/cmd_record.c */
int cmd_analyze(int argc, char **argv); /* tools/analyze/cmd_analyze.c */
int cmd_suggest(int argc, char **argv); /* tools/cmd_suggest.c */
int cmd_stats(int argc, char **argv);   /* tools/cmd_stats.c */
int cmd_top(int argc, char **argv);     /* tools/cmd_top.c */
int cmd_exporter(int argc, char **argv); /* tools/cmd_exporter.c */
int cmd_rollback(int argc, char **argv); /* tools/cmd_rollback.c */
int cmd_restore(int argc, char **argv);  /* tools/cmd_rollback.c */

/* Absolute path of libwaitcap.so: the build tree's when this binary runs
 * from the build tree, else the installed one.  NULL if neither exists. */
const char *wc_lib_path(void);

/* Absolute path of a helper library installed next to libwaitcap.so
 * (e.g. "libwaitcap-tp.so"), with the same build/install logic. */
const char *wc_sibling_path(const char *name);

#endif
