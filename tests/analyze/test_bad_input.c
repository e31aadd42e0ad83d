/* Damaged input: one clear line on stderr, a non-zero status, no crash,
 * whatever the damage (truncated or bit-flipped stream files, broken
 * metadata, directories that hold no trace). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

static struct an_copy c;

static void setup(void)
{
	an_private_copy(&c, an_shared_trace("known", an_record_known), "damaged");
}

static void teardown(void)
{
	an_private_copy_remove(&c);
}

TestSuite(bad_input, .init = setup, .fini = teardown, .timeout = 120);

/* The largest stream file of the copy. */
static const char *stream_file(void)
{
	static char path[1200];
	DIR *d = opendir(c.stream_dir);
	cr_assert(d);
	struct dirent *e;
	off_t best = -1;
	while ((e = readdir(d))) {
		char p[1200];
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", c.stream_dir, e->d_name);
		if (strcmp(e->d_name, "metadata") && stat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_size > best) {
			best = st.st_size;
			snprintf(path, sizeof(path), "%s", p);
		}
	}
	closedir(d);
	cr_assert(best > 0);
	return path;
}

static void poke(const char *path, long offset, const void *bytes, size_t n)
{
	int fd = open(path, O_WRONLY);
	cr_assert(fd >= 0 && pwrite(fd, bytes, n, offset) == (ssize_t)n);
	close(fd);
}

/* Status 1 and exactly one line that says `says`. */
static void assert_one_clear_line(const char *path, const char *says)
{
	struct an_result r;
	const char *args[] = { path, NULL };
	an_analyze(&r, args);
	cr_assert_eq(r.status, 1, "status %d (stderr: %s)", r.status, r.err);
	cr_assert(strncmp(r.err, "waitcap analyze: ", 17) == 0, "%s", r.err);
	cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "not one line:\n%s", r.err);
	cr_assert(strstr(r.err, says), "'%s' not in: %s", says, r.err);
	an_result_free(&r);
}

Test(bad_input, truncated_stream_file_is_one_clear_line)
{
	const char *s = stream_file();
	cr_assert(truncate(s, 3000) == 0);
	assert_one_clear_line(c.trace, c.stream_dir);
}

Test(bad_input, damaged_packet_header_is_one_clear_line)
{
	poke(stream_file(), 0, "\0\0\0\0", 4);
	assert_one_clear_line(c.trace, "magic");
}

Test(bad_input, damaged_metadata_is_one_clear_line)
{
	char meta[1300];
	snprintf(meta, sizeof(meta), "%s/metadata", c.stream_dir);
	poke(meta, 100, "garbage!", 8);
	assert_one_clear_line(c.trace, c.stream_dir);
}

/* Flips spread over the stream file, one at a time: many land in values
 * (the report is then simply different), some in lengths and headers.  No
 * flip may crash the command or produce more than one line. */
Test(bad_input, bit_flips_never_crash, .timeout = 200)
{
	const char *s = stream_file();
	struct stat st;
	cr_assert(stat(s, &st) == 0);
	char *orig = an_read_file(s);
	size_t size = (size_t)st.st_size;
	int errors = 0;
	for (int i = 0; i < 120; i++) {
		long offset = (long)(((unsigned long)i * 7919u) % size);
		unsigned char byte = (unsigned char)orig[offset] ^ (unsigned char)(1u << (i % 8));
		poke(s, offset, &byte, 1);
		struct an_result r;
		const char *args[] = { c.trace, "--format", "json", NULL };
		an_analyze(&r, args);
		cr_assert(r.status == 0 || r.status == 1, "flip %d at %ld: status %d: %s", i, offset,
			  r.status, r.err);
		if (r.status == 1) {
			errors++;
			cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1,
				     "flip at %ld: not one line:\n%s", offset, r.err);
		}
		an_result_free(&r);
		poke(s, offset, orig + offset, 1);
	}
	cr_assert_gt(errors, 0, "no flip was noticed at all");
	free(orig);
}

Test(bad_input, directories_without_traces_are_one_clear_line)
{
	char empty[] = "/tmp/waitcap-empty-XXXXXX";
	cr_assert(mkdtemp(empty));
	assert_one_clear_line(empty, "no CTF trace found");
	rmdir(empty);
	assert_one_clear_line("/nonexistent/trace", "No such file or directory");
	assert_one_clear_line("/etc/hostname", "not a trace directory");
}
