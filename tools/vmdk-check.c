/* SPDX-License-Identifier: MIT */
/* vmdk-check.c --- check a disk's chain of links */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

/* e2fsck's exit bits. */
#define CHECK_OK 0
#define CHECK_ERRORS_LEFT 4
#define CHECK_OPERATIONAL 8
#define CHECK_USAGE 16

static void usage(void)
{
	printf("Usage:\n"
	       " %s -e [options] <disk.vmdk>\n"
	       "\nCheck a disk's chain of links, as vmware-vdiskmanager -e does: every\n"
	       "parent present and found by its hint, each child's parentCID equal\n"
	       "to its parent's CID, the same capacity throughout, no loop, no link\n"
	       "of an unknown type.  Nothing is changed.\n"
	       "\nOptions:\n"
	       " -e, --chain              check the chain (required: the sparse\n"
	       "                          metadata check is not part of this tool yet)\n"
	       " -q, --quiet              print nothing; the exit status tells\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nExit status: 0 consistent, 4 problems found, 8 the check could not\n"
	       "run, 16 usage.\n"
	       "\nFor more details see vmdk-check(1).\n", progname);
}

static int print_problem(void *arg, const char *message)
{
	(void)arg;
	if (verbosity > 0)
		printf("%s\n", message);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "chain", no_argument, NULL, 'e' },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	bool chain = false;
	unsigned links = 0;
	const char *path;
	int c, n;

	tool_init(argv[0]);
	while ((c = getopt_long(argc, argv, "e" TOOL_COMMON_SHORTOPTS, longopts,
				NULL)) != -1) {
		if (c == 'e')
			chain = true;
		else if (c == 'h' || c == 'V' || c == 'q' || c == 'v')
			tool_common_option(c, usage);
		else {
			fprintf(stderr, "Try '%s --help' for more information.\n",
				progname);
			return CHECK_USAGE;
		}
	}
	if (!chain || optind != argc - 1) {
		fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n",
			progname, chain ? "expected one disk" : "-e is required",
			progname);
		return CHECK_USAGE;
	}
	path = argv[optind];
	n = vmdk_check_chain(path, print_problem, NULL, &links);
	if (n < 0) {
		tool_disk_error(path, n, vmdk_errmsg(NULL));
		return CHECK_OPERATIONAL;
	}
	if (verbosity > 0 && n == 0)
		printf("%s: chain of %u link%s is consistent\n", path, links,
		       links == 1 ? "" : "s");
	return n ? CHECK_ERRORS_LEFT : CHECK_OK;
}
