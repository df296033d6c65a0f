#include <stdio.h>
#include <stdlib.h>
__attribute__((constructor)) static void pwn(void)
{
	FILE *f = fopen("pwned-by-lint", "w");

	if (f)
		fclose(f);
}
