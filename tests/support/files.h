/* Files the tests make and remove. */
#ifndef WAITCAP_TEST_FILES_H
#define WAITCAP_TEST_FILES_H

/* Remove path and everything below it (links not followed); 0 or -1. */
int remove_tree(const char *path);

/* The whole file, malloc()ed and NUL-terminated; NULL if unreadable. */
char *read_whole_file(const char *path);

/* The number a file starts with (a pid file, /proc/PID/task/TID/children);
 * 0 when the file is missing or does not start with one. */
long read_first_number(const char *path);

#endif
