/* The profile loader's file calls outside libwaitcap.so: libc (sys.h). */
#include <unistd.h>

#include "sys.h"

ssize_t wc_sys_read(int fd, void *buf, size_t len)
{
	return read(fd, buf, len);
}

int wc_sys_close(int fd)
{
	return close(fd);
}
