// SPDX-License-Identifier: GPL-2.0-only
/* ktstr-run: boot a VM per spec test, run the workload, report verdicts. */
#include "cmd/cmd.h"

int main(int argc, char **argv)
{
	fprintf(stderr, "ktstr-run: not built yet\n");
	return 99;
}
