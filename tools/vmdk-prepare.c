/* SPDX-License-Identifier: MIT */
/* vmdk-prepare.c --- zero the free space of a mounted filesystem, so that
 * a later vmdk-shrink of the virtual disk under it gives that space back
 * (vmware-vdiskmanager -p).  The zeros go into a file with no name (made
 * unnamed at once where O_TMPFILE is missing): however the tool ends,
 * even killed, the filesystem gets its space back and keeps its entries. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common.h"
#include "ops.h"

static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] <mountpoint>\n"
	       "\nFill the free space of the filesystem mounted at <mountpoint> with\n"
	       "zeros, sync them, and give the space back, so that vmdk-shrink of the\n"
	       "virtual disk holding that filesystem releases it.  The zeros go into\n"
	       "a file without a name: stopped or killed at any moment, the\n"
	       "filesystem is left as it was.\n"
	       "\nOptions:\n"
	       "     --progress           show progress even when not on a terminal\n"
	       " -q, --quiet              print nothing on success\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nFor more details see vmdk-prepare(1).\n", progname);
}

int main(int argc, char **argv)
{
	bool force_progress;

	force_progress = tool_progress_options(argc, argv, usage);
	if (optind != argc - 1)
		tool_try_help("expected one mount point");
	return op_prepare(argv[optind], force_progress);
}
