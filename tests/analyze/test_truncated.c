/* Input that makes libbabeltrace2 hang rather than fail: metadata cut
 * short (it spins forever), a stream file that is a FIFO (opening it
 * blocks) or a device (it never ends).  The analyzer ends each one with one
 * line naming the trace or the file, status 1, within 30 s, and leaves no
 * process behind; its worker dies with it. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "timing.h"

static struct an_copy c;

static void setup(void)
{
	an_private_copy(&c, an_shared_trace("blocker", an_record_blocker), "truncated");
}

static void teardown(void)
{
	an_private_copy_remove(&c);
}

TestSuite(truncated, .init = setup, .fini = teardown, .timeout = 90);

/* Processes whose command line mentions this test's directory: the
 * analyzer and its worker (the fork has the same arguments). */
static int processes_on_copy(void)
{
	int found = 0;
	DIR *d = opendir("/proc");
	cr_assert(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char path[300], args[8192];
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		ssize_t n = read(fd, args, sizeof(args) - 1);
		close(fd);
		for (ssize_t i = 0; i < n; i++)
			if (args[i] == 0)
				args[i] = ' ';
		if (n > 0) {
			args[n] = 0;
			if (strstr(args, c.dir))
				found++;
		}
	}
	closedir(d);
	return found;
}

/* Status 1, one line naming `names`, within 30 s, nothing left running. */
static void assert_stopped_in_one_line(const char *names)
{
	struct an_result r;
	const char *args[] = { c.trace, NULL };
	int64_t start = now_ms();
	an_analyze(&r, args);
	int64_t took = now_ms() - start;
	cr_assert_eq(r.status, 1, "status %d after %lld ms (stderr: %s)", r.status,
		     (long long)took, r.err);
	cr_assert_lt(took, 30000, "took %lld ms", (long long)took);
	cr_assert(strncmp(r.err, "waitcap analyze: ", 17) == 0, "%s", r.err);
	cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "not one line:\n%s", r.err);
	cr_assert(strstr(r.err, names), "'%s' not in: %s", names, r.err);
	cr_assert_eq(processes_on_copy(), 0, "a process on %s is left behind", c.dir);
	an_result_free(&r);
}

static void cut_metadata(off_t size)
{
	char meta[1000];
	snprintf(meta, sizeof(meta), "%s/metadata", c.stream_dir);
	struct stat st;
	cr_assert(stat(meta, &st) == 0 && st.st_size > size, "metadata is only %lld bytes",
		  (long long)st.st_size);
	cr_assert(truncate(meta, size) == 0);
}

Test(truncated, metadata_cut_at_100_bytes)
{
	cut_metadata(100);
	assert_stopped_in_one_line(c.stream_dir);
}

Test(truncated, metadata_cut_at_4000_bytes)
{
	cut_metadata(4000);
	assert_stopped_in_one_line(c.stream_dir);
}

Test(truncated, a_fifo_among_the_stream_files_is_named)
{
	char fifo[1000];
	snprintf(fifo, sizeof(fifo), "%s/channel0_9", c.stream_dir);
	cr_assert(mkfifo(fifo, 0600) == 0);
	assert_stopped_in_one_line("channel0_9: a FIFO");
}

Test(truncated, a_device_among_the_stream_files_is_named)
{
	char dev[1000];
	snprintf(dev, sizeof(dev), "%s/channel0_9", c.stream_dir);
	cr_assert(symlink("/dev/zero", dev) == 0);
	assert_stopped_in_one_line("channel0_9: a character device");
}

/* The analyzer killed (SIGKILL: no handler of its own runs) while its
 * worker spins on the truncated metadata: the worker goes too. */
Test(truncated, the_worker_dies_with_the_analyzer)
{
	cut_metadata(100);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		dup2(devnull, 1);
		dup2(devnull, 2);
		execl(lt_getenv("WAITCAP_BIN"), "waitcap", "analyze", c.trace, (char *)NULL);
		_exit(127);
	}
	/* The worker is the analyzer's fork: two processes on the copy. */
	int64_t until = now_ms() + 10000;
	while (processes_on_copy() < 2 && now_ms() < until)
		usleep(20000);
	cr_assert_eq(processes_on_copy(), 2, "the worker did not start");
	usleep(500000); /* well inside the read */
	cr_assert(kill(pid, SIGKILL) == 0);
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	until = now_ms() + 5000;
	while (processes_on_copy() > 0 && now_ms() < until)
		usleep(20000);
	cr_assert_eq(processes_on_copy(), 0, "the worker outlived the analyzer");
}
