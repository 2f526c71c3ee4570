/* SPDX-License-Identifier: MIT */
/* vmdk-defrag.c --- put a sparse disk's grains in order, in place */
#include <stdio.h>

#include "common.h"

static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] <disk.vmdk>\n"
	       "\nPut the grains of each sparse extent in LBA order right after its\n"
	       "metadata, with no holes, and end each file at its last grain, in\n"
	       "place (vmware-vdiskmanager -d).  Zero grains are kept: vmdk-shrink\n"
	       "releases them.  Killed at any moment, the disk reads as before.\n"
	       "\nOptions:\n"
	       "     --progress           show progress even when not on a terminal\n"
	       TOOL_BREAK_LOCK_HELP
	       " -q, --quiet              print nothing on success\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nFor more details see vmdk-defrag(1).\n", progname);
}

int main(int argc, char **argv)
{
	return tool_compact_main(argc, argv, usage, false);
}
