/* SPDX-License-Identifier: MIT */
/* vmdk-grow.c --- enlarge a disk */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "ops.h"

static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] <disk.vmdk> <size>\n"
	       "\nEnlarge a disk to <size>, or by it with a leading '+': N sectors,\n"
	       "N[.N] with K, M, G or T (binary), or NB bytes.  The size it has\n"
	       "already changes nothing.\n"
	       "Sparse disks get larger grain directories, flat disks longer (and\n"
	       "preallocated) extents, split disks new extents.  The partitions and\n"
	       "file systems inside are not touched.\n"
	       "\nOptions:\n"
	       "     --progress           show progress even when not on a terminal\n"
	       TOOL_BREAK_LOCK_HELP
	       " -q, --quiet              print nothing on success\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nFor more details see vmdk-grow(1).\n", progname);
}

int main(int argc, char **argv)
{
	bool force_progress, relative;
	const char *why;
	uint64_t size;

	force_progress = tool_progress_options(argc, argv, usage, true);
	if (optind != argc - 2)
		tool_try_help("expected a disk and a new size");
	why = tool_size_parse(argv[optind + 1], true, &size, &relative);
	if (why)
		tool_try_help("invalid size '%s': %s", argv[optind + 1], why);
	return op_grow(argv[optind], size, relative, force_progress);
}
