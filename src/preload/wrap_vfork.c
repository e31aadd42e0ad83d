/* vfork: noted, so that close() asks getpid() only in processes that
 * ever vforked.
 *
 * A vfork() child shares its parent's memory, fd table slots included,
 * until it execs, and its closes must leave the parent's slots alone
 * (wrap_fd.c).  getpid() != wc_pid tells it apart, but asking on every
 * close of a socket cost a system call per connection.  No C wrapper can
 * stand between the program and vfork() (the child would return through
 * a frame the parent then reuses), so this one is five instructions: note
 * the vfork, load libc's (resolved first if the constructor has not run),
 * jump to it; libc's returns straight to the program in both processes.
 * Never cleared: the parent cannot tell when the child is
 * gone, and another thread's vfork child may still be running.
 * posix_spawn() and system() clone without this symbol, but their children
 * close through libc's internal calls, never through the wrappers. */
#include "preload.h"
#include "real.h"

#if defined(__x86_64__)
int wc_vforked;

__asm__(".text\n"
	".globl vfork\n"
	".type vfork, @function\n"
	"vfork:\n"
	"	movl $1, wc_vforked(%rip)\n"
	"	movq real_vfork(%rip), %rax\n"
	"	testq %rax, %rax\n"
	"	jnz 1f\n"
	/* Before the constructor: resolve first (an aligned call, the
	 * stack given back before the jump). */
	"	subq $8, %rsp\n"
	"	call wc_real_init\n"
	"	addq $8, %rsp\n"
	"	movq real_vfork(%rip), %rax\n"
	"1:	jmp *%rax\n"
	".size vfork, .-vfork\n");
#else
/* Elsewhere vfork is not wrapped: every close of a socket asks. */
int wc_vforked = 1;
#endif
