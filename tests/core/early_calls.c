/* A library whose constructor runs before libwaitcap.so's (preloaded after
 * it: LD_PRELOAD="libwaitcap.so libearly_calls.so") and calls wrapped
 * functions there, as another preloaded library or a C++ static
 * initialiser may.  It prints what each call returned and whether the
 * library's own start-up (RES_OPTIONS, set by its constructor) was done. */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>

__attribute__((constructor)) static void early_calls(void)
{
	printf("early: RES_OPTIONS %s\n", getenv("RES_OPTIONS") ? "set" : "unset");

	struct addrinfo hints = {.ai_family = AF_INET, .ai_flags = AI_NUMERICHOST}, *res = NULL;
	int rc = getaddrinfo("127.0.0.1", NULL, &hints, &res);
	printf("early: getaddrinfo %d\n", rc);

	char host[64] = "";
	rc = res ? getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof host, NULL, 0,
			       NI_NUMERICHOST)
		 : -1;
	printf("early: getnameinfo %d %s\n", rc, host);
	if (res)
		freeaddrinfo(res);

	struct hostent *h = gethostbyname("127.0.0.1");
	printf("early: gethostbyname %s\n", h ? "found" : "none");
	h = gethostbyname2("127.0.0.1", AF_INET);
	printf("early: gethostbyname2 %s\n", h ? "found" : "none");

	struct hostent he, *result = NULL;
	char buf[1024];
	int herr = 0;
	rc = gethostbyname_r("127.0.0.1", &he, buf, sizeof buf, &result, &herr);
	printf("early: gethostbyname_r %d %s\n", rc, result ? "found" : "none");
	rc = gethostbyname2_r("127.0.0.1", AF_INET, &he, buf, sizeof buf, &result, &herr);
	printf("early: gethostbyname2_r %d %s\n", rc, result ? "found" : "none");

	int fd = socket(AF_INET, SOCK_STREAM, 0);
	printf("early: socket %s\n", fd >= 0 ? "ok" : "failed");
	if (fd >= 0)
		printf("early: close %d\n", close(fd));
	fflush(stdout);
}
