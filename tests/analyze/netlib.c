/* A shared library between the program and libc, like libcurl or a
 * language runtime: the analyzer's call site is here unless --skip names
 * it, and then it is the program's function that called the library. */
#include <sys/socket.h>
#include <sys/time.h>

#define CALLSITE(name)

__attribute__((visibility("default"), noinline)) int netlib_recv_with_timeout(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	char buf[16];
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return recv(fd, buf, sizeof(buf), 0) > 0; CALLSITE(netlib_recv_with_timeout)
}
