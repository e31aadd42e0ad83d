/* waitcap top: placeholder, replaced below. */
#include <stdio.h>

#include "tools.h"

int cmd_top(int argc, char **argv)
{
	fprintf(stderr, "waitcap top: not built yet\n");
	return 1;
}
