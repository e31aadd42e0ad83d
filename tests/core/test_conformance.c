/* With no deadline passing, every wrapped function returns what plain libc
 * returns: same values, same errno, same bytes.  Each group of calls runs
 * in tests/core/conform twice, bare and preloaded, and the transcripts must
 * be equal (and must show the cases they claim to cover). */
#include <criterion/criterion.h>
#include <string.h>

#include "proc.h"

/* Caps that are on but never fire within the transcript's waits. */
static const char *const capped_env[] = {"WAITCAP_CAPS=connect=5s,recv=5s,send=5s",
					 "WAITCAP_TRACE=0", NULL};

static void same_transcript(const char *group, const char *const must_show[])
{
	static struct proc_result bare, pre;
	const char *argv[] = {build_path("tests/core/conform"), group, NULL};
	cr_assert_eq(proc_run(&bare, argv, capped_env, false, 30000), 0);
	cr_assert_eq(proc_run(&pre, argv, capped_env, true, 30000), 0);
	cr_assert_eq(bare.exit_code, 0, "bare conform %s failed: %s", group, bare.err);
	cr_assert_eq(pre.exit_code, 0, "preloaded conform %s failed: %s", group, pre.err);
	for (int i = 0; must_show[i]; i++)
		cr_assert(strstr(bare.out, must_show[i]), "bare %s transcript lacks '%s':\n%s", group,
			  must_show[i], bare.out);
	cr_assert_str_eq(pre.out, bare.out, "%s differs under the library", group);
}

#define READ_SIDE_CASES "data=hello", "errno=EAGAIN", "errno=EINTR", "errno=ECONNRESET", \
	"errno=EBADF", "data=late", "data=bye"
#define FLAG_CASES "data=peek", "data=abcdef"

Test(conformance, recv) { same_transcript("recv", (const char *[]){READ_SIDE_CASES, FLAG_CASES, NULL}); }
Test(conformance, recvfrom) { same_transcript("recvfrom", (const char *[]){READ_SIDE_CASES, FLAG_CASES, NULL}); }
Test(conformance, recvmsg) { same_transcript("recvmsg", (const char *[]){READ_SIDE_CASES, FLAG_CASES, NULL}); }
Test(conformance, read) { same_transcript("read", (const char *[]){READ_SIDE_CASES, "data=file data", "data=pipe", NULL}); }
Test(conformance, readv) { same_transcript("readv", (const char *[]){READ_SIDE_CASES, "data=file data", NULL}); }
Test(conformance, recv_chk) { same_transcript("recv_chk", (const char *[]){READ_SIDE_CASES, FLAG_CASES, NULL}); }
Test(conformance, recvfrom_chk) { same_transcript("recvfrom_chk", (const char *[]){READ_SIDE_CASES, NULL}); }
Test(conformance, read_chk) { same_transcript("read_chk", (const char *[]){READ_SIDE_CASES, "data=file data", NULL}); }

#define WRITE_SIDE_CASES "blocking 4MiB                ret=4194304", "total=4194304 sum_ok=1", \
	"errno=EAGAIN", "errno=EPIPE", "errno=EBADF"

Test(conformance, send) { same_transcript("send", (const char *[]){WRITE_SIDE_CASES, NULL}); }
Test(conformance, sendto) { same_transcript("sendto", (const char *[]){WRITE_SIDE_CASES, NULL}); }
Test(conformance, sendmsg) { same_transcript("sendmsg", (const char *[]){WRITE_SIDE_CASES, NULL}); }
Test(conformance, write) { same_transcript("write", (const char *[]){WRITE_SIDE_CASES, NULL}); }
Test(conformance, writev) { same_transcript("writev", (const char *[]){WRITE_SIDE_CASES, NULL}); }

Test(conformance, connect)
{
	same_transcript("connect", (const char *[]){"connect                      ret=0",
		"errno=EISCONN", "errno=EINPROGRESS", "errno=ECONNREFUSED", "value=0",
		"SO_ERROR refused             value=ECONNREFUSED", "errno=EBADF", NULL});
}

Test(conformance, accept)
{
	same_transcript("accept", (const char *[]){"accept                       ret=0",
		"accept4                      ret=0", "accept none                  ret=-1 errno=EAGAIN",
		"errno=EINTR", "errno=EBADF", NULL});
}

#define POLL_CASES "ret=0 rev=0,0", "socket ready                 ret=1 rev=0x1,0", \
	"rev=0,0x1,0x20", "errno=EINTR", "infinite, data later         ret=1"

Test(conformance, poll) { same_transcript("poll", (const char *[]){POLL_CASES, NULL}); }
Test(conformance, ppoll) { same_transcript("ppoll", (const char *[]){POLL_CASES, NULL}); }
Test(conformance, poll_chk) { same_transcript("poll_chk", (const char *[]){POLL_CASES, NULL}); }
Test(conformance, ppoll_chk) { same_transcript("ppoll_chk", (const char *[]){POLL_CASES, NULL}); }

#define SELECT_CASES "ret=0 set=0 tv_zero=1", "ready                        ret=1 set=1", \
	"errno=EINTR", "writable                     ret=1 set=1", "errno=EBADF"

Test(conformance, select) { same_transcript("select", (const char *[]){SELECT_CASES, NULL}); }
Test(conformance, pselect) { same_transcript("pselect", (const char *[]){SELECT_CASES, NULL}); }

Test(conformance, fd_bookkeeping)
{
	same_transcript("fdops", (const char *[]){"data=dup", "dup2                         ret=100",
		"dup3                         ret=101", "data=still", "errno=EAGAIN", "SO_RCVTIMEO get              3.25",
		"value=1234", "close again                  ret=-1 errno=EBADF",
		"closed by range              ret=-1 errno=EBADF", NULL});
}
