/* SPDX-License-Identifier: MIT */
/* vmdk-check.c --- check and repair a disk (vmware-vdiskmanager -R and
 * -e, VixDiskLib_CheckRepair), with e2fsck's exit status */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "ops.h"


static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] <disk.vmdk>...\n"
	       " %s --restore-undo <file>\n"
	       "\nCheck a virtual disk: its descriptor, every extent's metadata (hosted\n"
	       "sparse: header, both grain directories, every grain table against its\n"
	       "redundant copy, every entry) and its chain of parents.  Nothing is\n"
	       "written unless --repair is given.\n"
	       "\nOptions:\n"
	       " -e, --chain              check only the chain (vmware-vdiskmanager -e)\n"
	       " -r, --repair             fix what can be fixed, asking on a terminal\n"
	       " -y, --yes                with --repair, fix everything without asking\n"
	       " -n, --no                 with --repair, say what would be done; write\n"
	       "                          nothing\n"
	       "     --undo <file>        save every byte a repair overwrites in <file>\n"
	       "                          (by default a repair that discards data\n"
	       "                          keeps <disk>.undo)\n"
	       "     --no-undo            keep no undo file\n"
	       "     --assume-no-parent   a descriptor rebuilt where its parent's lines\n"
	       "                          are lost describes a disk without a parent\n"
	       " -o, --output <disk>      repair into a new disk; leave this one untouched\n"
	       "     --restore-undo <file>  put back what a repair saved in <file>\n"
	       " -j, --json               the report as JSON on stdout\n"
	       TOOL_BREAK_LOCK_HELP
	       " -q, --quiet              print nothing; the exit status tells\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nExit status: 0 no errors, 1 errors corrected, 4 errors left, 8 the\n"
	       "check could not run, 16 usage.\n"
	       "\nFor more details see vmdk-check(1).\n", progname, progname);
}

static _Noreturn void usage_error(const char *msg)
{
	fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n",
		progname, msg, progname);
	exit(CHECK_USAGE);
}

int main(int argc, char **argv)
{
	enum { OPT_UNDO = 256, OPT_RESTORE, OPT_NO_UNDO, OPT_NO_PARENT };
	static const struct option longopts[] = {
		{ "chain", no_argument, NULL, 'e' },
		{ "repair", no_argument, NULL, 'r' },
		{ "yes", no_argument, NULL, 'y' },
		{ "no", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "undo", required_argument, NULL, OPT_UNDO },
		{ "no-undo", no_argument, NULL, OPT_NO_UNDO },
		{ "assume-no-parent", no_argument, NULL, OPT_NO_PARENT },
		{ "output", required_argument, NULL, 'o' },
		{ "restore-undo", required_argument, NULL, OPT_RESTORE },
		TOOL_COMMON_LONGOPTS,
		TOOL_BREAK_LOCK_LONGOPT,
		{ NULL, 0, NULL, 0 },
	};
	struct op_check_opts o = { .repair = false };
	const char *path, *restore = NULL;
	int c, err = 0;

	tool_init(argv[0]);
	tool_break_lock_known = true;
	while ((c = getopt_long(argc, argv, ":erynjo:" TOOL_COMMON_SHORTOPTS, longopts,
				NULL)) != -1) {
		switch (c) {
		case 'e':
			o.chain_only = true;
			break;
		case 'r':
			o.repair = true;
			break;
		case 'y':
			o.yes = true;
			break;
		case 'n':
			o.no = true;
			break;
		case 'j':
			o.json = true;
			break;
		case OPT_UNDO:
			o.undo = optarg;
			break;
		case OPT_NO_UNDO:
			o.no_undo = true;
			break;
		case OPT_NO_PARENT:
			o.assume_no_parent = true;
			break;
		case 'o':
			o.output = optarg;
			break;
		case OPT_RESTORE:
			restore = optarg;
			break;
		case 'h': case 'V': case 'q': case 'v':
			tool_common_option(c, usage, argv);
			break;
		default:
			tool_bad_option(c, argv);
			fprintf(stderr, "Try '%s --help' for more information.\n",
				progname);
			return CHECK_USAGE;
		}
	}
	if (restore) {
		if (optind != argc)
			usage_error("--restore-undo takes no disk");
		if ((err = vmdk_check_undo(restore)) < 0) {
			tool_lib_error(restore, err, NULL);
			return CHECK_OPERATIONAL;
		}
		if (verbosity > 0)
			printf("%s: restored\n", restore);
		return CHECK_OK;
	}
	if (optind >= argc)
		usage_error("no disk name given");
	if (o.output && optind != argc - 1)
		usage_error("-o repairs one disk into a copy");
	if (o.yes && o.no)
		usage_error("-y and -n exclude each other");
	if ((o.yes || o.no || o.undo || o.no_undo || o.output) && !o.repair)
		usage_error("-y, -n, --undo, --no-undo and -o go with --repair");
	if (o.output && (o.undo || o.no))
		usage_error("-o writes a new disk: --undo and -n do not apply");
	if (o.undo && o.no_undo)
		usage_error("--undo and --no-undo exclude each other");
	if (o.chain_only && o.repair)
		usage_error("-e checks the chain only; it repairs nothing");
	/* Several disks: each checked in turn, the exit bits added up (as
	 * fsck does), JSON as an array. */
	if (o.json && argc - optind > 1)
		printf("[\n");
	for (int i = optind; i < argc && !tool_interrupted; i++) {
		path = argv[i];
		if (o.json && i > optind)
			printf(",\n");
		err |= op_check(path, &o);
	}
	if (o.json && argc - optind > 1)
		printf("]\n");
	return err;
}
