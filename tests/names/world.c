/* The names tests' namespaces, hosts file and peers (world.h). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "peers.h"
#include "world.h"

static char dir[64];
static struct peer backend, other;

static void write_file(const char *name, const char *text, char *path, size_t size)
{
	snprintf(path, size, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
	chmod(path, 0644);
}

static void bind_text(const char *target, const char *name, const char *text)
{
	char path[128];
	write_file(name, text, path, sizeof path);
	cr_assert_eq(mount(path, target, NULL, MS_BIND, NULL), 0, "bind %s over %s: %m", path,
		     target);
}

int world_enter(const char *extra_hosts)
{
	cr_assert_eq(unshare(CLONE_NEWNS | CLONE_NEWNET), 0,
		     "unshare(CLONE_NEWNS | CLONE_NEWNET): %m (these tests need root)");
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0, "make / private: %m");
	cr_assert_eq(system("ip link set lo up"), 0, "loopback up");
	snprintf(dir, sizeof dir, "/tmp/waitcap-names-XXXXXX");
	cr_assert(mkdtemp(dir));
	chmod(dir, 0755);
	bind_text("/etc/nsswitch.conf", "nsswitch.conf", "hosts: files\n");
	size_t n = extra_hosts ? strlen(extra_hosts) : 0;
	char *hosts = malloc(n + 256);
	cr_assert(hosts);
	snprintf(hosts, n + 256, "127.0.0.1 localhost\n" BACKEND_ADDR " " BACKEND "\n" OTHER_ADDR
		 " " OTHER "\n%s", extra_hosts ? extra_hosts : "");
	bind_text("/etc/hosts", "hosts", hosts);
	free(hosts);
	cr_assert_eq(peer_full_listener_at(&backend, 0x7f000005, 0), 0, "full listener on "
		     BACKEND_ADDR);
	cr_assert_eq(peer_full_listener_at(&other, 0x7f000006, backend.port), 0,
		     "full listener on " OTHER_ADDR);
	return backend.port;
}

const char *world_profile(const char *rules)
{
	static char path[128];
	char text[4096];
	snprintf(text, sizeof text,
		 "{\"version\": 1, \"default\": \"p\",\n"
		 " \"profiles\": {\"p\": {\"caps\": {\"connect\": \"2s\"}}},\n"
		 " \"rules\": [%s]}\n", rules);
	write_file("profiles.json", text, path, sizeof path);
	return path;
}

void world_leave(void)
{
	if (backend.port)
		peer_stop(&backend);
	if (other.port)
		peer_stop(&other);
	memset(&backend, 0, sizeof backend);
	memset(&other, 0, sizeof other);
}
