/* Forks, then both processes wait 100 ms for an answer that never comes
 * (SO_RCVTIMEO: the program's own timeout) from the silent peer on
 * 127.0.0.1:PORT; prints "child PID" and exits 0 when both did.
 *
 *   fork_client PORT */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static int wait_for_silence(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {.tv_usec = 100000};
	char c;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
	    connect(fd, (struct sockaddr *)&a, sizeof a) != 0 || recv(fd, &c, 1, 0) != -1)
		return 1;
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fork_client PORT\n");
		return 2;
	}
	int port = atoi(argv[1]);
	fflush(NULL);
	pid_t child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		/* Give the child's tracer the time to register. */
		usleep(300000);
		_exit(wait_for_silence(port));
	}
	printf("child %d\n", (int)child);
	int status = 0;
	int bad = wait_for_silence(port);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
		bad = 1;
	return bad;
}
