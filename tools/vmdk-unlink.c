/* SPDX-License-Identifier: MIT */
/* vmdk-unlink.c --- delete a disk: its descriptor and every extent */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] <disk.vmdk>...\n"
	       "\nDelete disks: each descriptor and every extent file it names.  A\n"
	       "disk another process has open for writing is refused.  Parents of\n"
	       "a child disk are not touched.\n"
	       "\nOptions:\n"
	       TOOL_BREAK_LOCK_HELP
	       " -q, --quiet              print nothing on success\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nFor more details see vmdk-unlink(1).\n", progname);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		TOOL_COMMON_LONGOPTS,
		TOOL_BREAK_LOCK_LONGOPT,
		{ NULL, 0, NULL, 0 },
	};
	int c, status = 0;

	tool_init(argv[0]);
	tool_break_lock_known = true;
	while ((c = getopt_long(argc, argv, ":" TOOL_COMMON_SHORTOPTS, longopts,
				NULL)) != -1)
		tool_common_option(c, usage, argv);
	if (optind >= argc)
		tool_try_help("no disk name given");
	tool_catch_signals();	/* stop between disks, never inside one */
	for (int i = optind; i < argc && !tool_interrupted; i++) {
		int err;
		tool_describe_path(argv[i]);
		err = tool_break_lock(argv[i]) < 0 ? -1 : vmdk_unlink(argv[i]);
		if (err < 0) {
			if (err != -1)
				tool_lib_error(argv[i], err, NULL);
			status = 1;
		} else if (verbosity > 0) {
			printf("Deleted %s\n", argv[i]);
		}
	}
	if (tool_interrupted) {
		tool_warn(NULL, "interrupted: the disks after it were not deleted");
		status = 1;
	}
	return status;
}
