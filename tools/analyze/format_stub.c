#include "report.h"
int wc_format_markdown(const struct wc_report *r, FILE *out) { return -1; }
int wc_format_html(const struct wc_report *r, FILE *out) { return -1; }
int wc_format_folded(const struct wc_report *r, FILE *out) { return -1; }
