/* --baseline OLD.json: an earlier JSON report, matched call site by call
 * site.  Call sites match on op, function and source file (not the line:
 * a fix moves lines), falling back to op and function. */
#ifndef WC_ANALYZE_BASELINE_H
#define WC_ANALYZE_BASELINE_H

#include <stddef.h>

#include "report.h"

/* Loads path into r->baseline and sets every row's `before`.  0, or -1 with
 * one line in err. */
int wc_baseline_apply(struct wc_report *r, const char *path, char *err, size_t errlen);
void wc_baseline_free(struct wc_report *r);

#endif
