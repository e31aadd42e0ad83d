/* Files the tests make and remove. */
#ifndef WAITCAP_TEST_FILES_H
#define WAITCAP_TEST_FILES_H

/* Remove path and everything below it (links not followed); 0 or -1. */
int remove_tree(const char *path);

/* The whole file, malloc()ed and NUL-terminated; NULL if unreadable. */
char *read_whole_file(const char *path);

#endif
