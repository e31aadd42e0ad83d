/* What `strace -c -o PATH` counted: the system calls of its total line. */
#ifndef WAITCAP_TEST_CHEAP_STRACE_TOTAL_H
#define WAITCAP_TEST_CHEAP_STRACE_TOTAL_H

/* The calls column of the summary's " total" line; asserts there is one. */
long strace_total_calls(const char *summary_path);

#endif
