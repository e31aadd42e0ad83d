/* Read loop on a regular file: what every non-network read costs under
 * the library (one fd-table lookup).
 *
 *   fileread [--idle-thread] ITERATIONS
 *
 * Writes a 1 MiB file in $TMPDIR (default /tmp), reads it once to warm
 * the page cache, then times ITERATIONS read()s of 4 KiB, seeking back to
 * the start at end of file.  The file is removed at exit.
 *
 * --idle-thread starts one thread that only sleeps: a control for what any
 * second thread costs (liblttng-ust starts some): glibc's read() then takes
 * its multi-threaded path (cancellation points) and Linux takes a file
 * reference and the f_pos lock on every read. */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"

#define FILE_SIZE (1 << 20)
#define CHUNK 4096

static int make_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/waitcap-fileread-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0)
		bench_die("mkstemp");
	unlink(path);
	static char block[CHUNK];
	memset(block, 'r', sizeof block);
	for (int off = 0; off < FILE_SIZE; off += CHUNK)
		if (write(fd, block, CHUNK) != CHUNK)
			bench_die("write the test file");
	return fd;
}

static void read_chunk(int fd, char *buf)
{
	ssize_t n = read(fd, buf, CHUNK);
	if (n < 0)
		bench_die("read");
	if (n == 0 && lseek(fd, 0, SEEK_SET) != 0)
		bench_die("lseek");
}

static void *idle(void *arg)
{
	for (;;)
		pause();
	return arg;
}

int main(int argc, char **argv)
{
	bool idle_thread = argc == 3 && !strcmp(argv[1], "--idle-thread");
	if (argc != 2 && !idle_thread) {
		fprintf(stderr, "usage: fileread [--idle-thread] ITERATIONS\n");
		return 2;
	}
	long iters = bench_count_arg(argv[argc - 1], "ITERATIONS");
	pthread_t thread;
	if (idle_thread && pthread_create(&thread, NULL, idle, NULL) != 0)
		bench_die("pthread_create");
	int fd = make_file();
	static char buf[CHUNK];
	lseek(fd, 0, SEEK_SET);
	for (int i = 0; i <= FILE_SIZE / CHUNK; i++)
		read_chunk(fd, buf);

	struct bench_clock start = bench_start();
	for (long i = 0; i < iters; i++)
		read_chunk(fd, buf);
	struct bench_clock took = bench_since(start);
	close(fd);
	bench_report("fileread", iters, took);
	return 0;
}
