/* A client with a call site to find in a report: fetch_status() makes one
 * blocking connect to 127.0.0.1:PORT.  Prints the connect's errno name. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

__attribute__((noinline)) static int fetch_status(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int rc = connect(fd, (struct sockaddr *)&sin, sizeof sin); /* CALLSITE */
	int err = errno;
	close(fd);
	return rc == 0 ? 0 : err;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int err = fetch_status(atoi(argv[1]));
	printf("%s\n", err ? strerrorname_np(err) : "connected");
	return err ? 1 : 0;
}
