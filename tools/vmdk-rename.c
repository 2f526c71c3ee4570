/* SPDX-License-Identifier: MIT */
/* vmdk-rename.c --- rename a disk and its extent files */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] <old.vmdk> <new.vmdk>\n"
	       "\nRename a disk: its descriptor, every extent file named after it,\n"
	       "and the names inside the descriptor.  Nothing is overwritten.\n"
	       "\nOptions:\n"
	       " -q, --quiet              print nothing on success\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nFor more details see vmdk-rename(1).\n", progname);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int c, err;

	tool_init(argv[0]);
	while ((c = getopt_long(argc, argv, TOOL_COMMON_SHORTOPTS, longopts,
				NULL)) != -1)
		tool_common_option(c, usage);
	if (optind != argc - 2)
		tool_try_help("expected the old and the new name");
	tool_catch_signals();	/* a signal waits for the rename to end */
	err = vmdk_rename(argv[optind], argv[optind + 1]);
	if (err < 0) {
		tool_disk_error(argv[optind], err, vmdk_errmsg(NULL));
		return 1;
	}
	if (verbosity > 0)
		printf("Renamed %s to %s\n", argv[optind], argv[optind + 1]);
	return 0;
}
