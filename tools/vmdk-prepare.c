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
	       "filesystem is left as it was.  Only the mount point of a filesystem\n"
	       "on a virtual disk (a loop or NBD device) is taken.\n"
	       "\nOptions:\n"
	       "     --force              zero any filesystem's free space, even the\n"
	       "                          host's (the root filesystem included)\n"
	       "     --progress           show progress even when not on a terminal\n"
	       " -q, --quiet              print nothing on success\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nFor more details see vmdk-prepare(1).\n", progname);
}

int main(int argc, char **argv)
{
	enum { OPT_PROGRESS = 256, OPT_FORCE };
	static const struct option longopts[] = {
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "force", no_argument, NULL, OPT_FORCE },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	bool force_progress = false, force = false;
	int c;

	tool_init(argv[0]);
	while ((c = getopt_long(argc, argv, ":" TOOL_COMMON_SHORTOPTS, longopts,
				NULL)) != -1) {
		if (c == OPT_PROGRESS)
			force_progress = true;
		else if (c == OPT_FORCE)
			force = true;
		else
			tool_common_option(c, usage, argv);
	}
	if (optind != argc - 1)
		tool_try_help("expected one mount point");
	return op_prepare(argv[optind], force, force_progress);
}
