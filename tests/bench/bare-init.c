// SPDX-License-Identifier: GPL-2.0-only
/* The benchmark's trivial /init: say it ran, then end the VM as ktstr's agent does. */
#include <sys/reboot.h>
#include <unistd.h>

int main(void)
{
	static const char msg[] = "bare-init: up\n";

	if (write(1, msg, sizeof(msg) - 1) < 0)
		return 1;
	sync();
	reboot(RB_AUTOBOOT);
	reboot(RB_POWER_OFF);
	return 1;
}
