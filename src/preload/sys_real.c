/* The profile loader's file calls inside libwaitcap.so: libc through the
 * real_* pointers, never the library's own wrappers (src/profile/sys.h). */
#include "real.h"
#include "sys.h"

ssize_t wc_sys_read(int fd, void *buf, size_t len)
{
	wc_real_ensure();
	return real_read(fd, buf, len);
}

int wc_sys_close(int fd)
{
	wc_real_ensure();
	return real_close(fd);
}
