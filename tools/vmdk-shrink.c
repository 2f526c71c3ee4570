/* SPDX-License-Identifier: MIT */
/* vmdk-shrink.c --- give back the space of zero grains, in place */
#include <stdio.h>

#include "common.h"

static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] <disk.vmdk>\n"
	       "\nRelease the grains of a sparse disk that hold only zeros and give\n"
	       "their space back, in place: the last grains fill the holes and each\n"
	       "file ends at its last grain (vmware-vdiskmanager -k).  Zero the free\n"
	       "space inside the guest first (vmdk-prepare).  In a child disk a zero\n"
	       "grain hides the parent's data and is kept as such.  Killed at any\n"
	       "moment, the disk reads as before.\n"
	       "\nOptions:\n"
	       "     --progress           show progress even when not on a terminal\n"
	       TOOL_BREAK_LOCK_HELP
	       " -q, --quiet              print nothing on success\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nFor more details see vmdk-shrink(1).\n", progname);
}

int main(int argc, char **argv)
{
	return tool_compact_main(argc, argv, usage, true);
}
