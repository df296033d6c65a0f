// SPDX-License-Identifier: GPL-2.0-only
/* ktstr-guest: the guest agent, PID 1 of every test VM. */
#include <sys/reboot.h>

#include "util/util.h"

int main(void)
{
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}
