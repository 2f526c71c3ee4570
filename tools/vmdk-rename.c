/* SPDX-License-Identifier: MIT */
/* vmdk-rename.c --- rename a disk and its extent files */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "ops.h"

static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] <old.vmdk> <new.vmdk>\n"
	       "\nRename a disk: its descriptor, every extent file named after it,\n"
	       "and the names inside the descriptor.  Nothing is overwritten.\n"
	       "\nOptions:\n"
	       TOOL_BREAK_LOCK_HELP
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
		TOOL_BREAK_LOCK_LONGOPT,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	tool_init(argv[0]);
	tool_break_lock_known = true;
	while ((c = getopt_long(argc, argv, ":" TOOL_COMMON_SHORTOPTS, longopts,
				NULL)) != -1)
		tool_common_option(c, usage, argv);
	if (optind != argc - 2)
		tool_try_help("expected the old and the new name");
	return op_rename(argv[optind], argv[optind + 1]);
}
