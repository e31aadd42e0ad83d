/* The file calls the profile loader makes that libwaitcap.so also wraps.
 *
 * src/profile is linked into the preload library and into the tools.
 * Inside the library a plain read() or close() would bind to the library's
 * own wrappers (safe only thanks to the reentrancy guard), so the loader
 * calls these instead and each side links its own implementation:
 * sys_libc.c (libc, for the tools, the tests and the fuzzer) or
 * src/preload/sys_real.c (the real_* pointers).  A build that links
 * neither fails at link time.  open() and fstat() are not wrapped and
 * stay plain calls. */
#ifndef WAITCAP_SYS_H
#define WAITCAP_SYS_H

#include <sys/types.h>

ssize_t wc_sys_read(int fd, void *buf, size_t len);
int wc_sys_close(int fd);

#endif
