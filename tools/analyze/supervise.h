/* Running the analysis in a child process, so that a damaged trace cannot
 * take the command down with it: libbabeltrace2 trusts lengths it decodes,
 * and a flipped bit in a sequence length makes it allocate gigabytes and
 * abort.  The child runs under an address-space limit; if it dies, the
 * parent prints one clear line instead of glib's abort message.  A worker
 * that stops making progress (watch.h) is killed the same way, and the
 * worker dies with its parent. */
#ifndef WC_ANALYZE_SUPERVISE_H
#define WC_ANALYZE_SUPERVISE_H

/* Runs body(argc, argv, progress_fd) in a child whose stderr is relayed;
 * progress_fd is the real stderr, for a live progress bar.  Returns the
 * child's exit status, or 1 after printing one line when it crashed. */
int wc_supervised(int (*body)(int argc, char **argv, int progress_fd), int argc, char **argv);

#endif
