// SPDX-License-Identifier: GPL-2.0-only
/*
 * ktstr-run --shell's terminal: raw mode while the guest's shell is
 * attached, and the saved mode put back on every way out (the shell's exit,
 * a signal, exit()), so the user's terminal is never left raw.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <termios.h>

#include "cmd/cmd.h"

static struct termios saved;
static volatile sig_atomic_t raw_fd = -1;	/* the terminal in raw mode, or -1 */

/*
 * Put fd in raw mode: no echo, no line editing, no signals from ^C or ^Z
 * (they go to the guest's shell as bytes), no output processing (the
 * guest's tty does it). 0, or a negative errno.
 */
int term__raw(int fd)
{
	struct termios t;

	if (raw_fd >= 0)
		return 0;
	if (tcgetattr(fd, &saved) < 0)
		return -errno;
	t = saved;
	cfmakeraw(&t);
	if (tcsetattr(fd, TCSAFLUSH, &t) < 0)
		return -errno;
	raw_fd = fd;
	atexit(term__restore);
	return 0;
}

/* The mode term__raw() found; async-signal-safe (tcsetattr is), for the signal handler. */
void term__restore(void)
{
	int fd = raw_fd;

	if (fd < 0)
		return;
	raw_fd = -1;
	tcsetattr(fd, TCSAFLUSH, &saved);
}
