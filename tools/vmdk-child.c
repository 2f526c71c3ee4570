/* SPDX-License-Identifier: MIT */
/* vmdk-child.c --- child disks: create (or attach to an older link) and
 * commit into the parent */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] create <parent.vmdk> <child.vmdk>\n"
	       " %s [options] attach <link.vmdk> <child.vmdk>\n"
	       " %s [options] commit <child.vmdk>\n"
	       " %s [options] rebase <child.vmdk> <new-parent.vmdk | \"\">\n"
	       "\ncreate: a new sparse child (redo log) of a disk; reads go through\n"
	       "the chain, writes go to the child.\n"
	       "attach: the same on any older link of a chain, to read and write that\n"
	       "generation; the later links are left as they are.\n"
	       "commit: merge a child into its parent, as deleting a snapshot does.\n"
	       "rebase: give a child another parent (\"\" for none), keeping what it\n"
	       "shows: sectors where the parents differ are copied into it first.\n"
	       "\nOptions:\n"
	       "     --unsafe             rebase: only change the parent pointer\n"
	       " -t, --type <type>        child type: 0 monolithicSparse (default) or\n"
	       "                          1 twoGbMaxExtentSparse\n"
	       "     --progress           show progress even when not on a terminal\n"
	       TOOL_BREAK_LOCK_HELP
	       " -q, --quiet              print nothing on success\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nFor more details see vmdk-child(1).\n", progname, progname, progname,
	       progname);
}

int main(int argc, char **argv)
{
	enum { OPT_PROGRESS = 256, OPT_UNSAFE };
	static const struct option longopts[] = {
		{ "unsafe", no_argument, NULL, OPT_UNSAFE },
		{ "type", required_argument, NULL, 't' },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		TOOL_COMMON_LONGOPTS,
		TOOL_BREAK_LOCK_LONGOPT,
		{ NULL, 0, NULL, 0 },
	};
	int type = VMDK_TYPE_MONOLITHIC_SPARSE, c, err, n;
	bool force_progress = false, unsafe = false;
	struct tool_progress prog;
	const char *cmd;

	tool_init(argv[0]);
	tool_break_lock_known = true;
	while ((c = getopt_long(argc, argv, ":t:" TOOL_COMMON_SHORTOPTS, longopts,
				NULL)) != -1) {
		switch (c) {
		case 't':
			type = vmdk_type_from_name(optarg);
			if (type != VMDK_TYPE_MONOLITHIC_SPARSE &&
			    type != VMDK_TYPE_SPLIT_SPARSE)
				tool_try_help("a child is type 0 or 1, not '%s'", optarg);
			break;
		case OPT_PROGRESS:
			force_progress = true;
			break;
		case OPT_UNSAFE:
			unsafe = true;
			break;
		default:
			tool_common_option(c, usage, argv);
		}
	}
	n = argc - optind;
	cmd = n > 0 ? argv[optind] : "";
	if ((strcmp(cmd, "create") == 0 || strcmp(cmd, "attach") == 0) && n == 3) {
		tool_describe_path(argv[optind + 1]);
		err = vmdk_create_child(argv[optind + 1], argv[optind + 2], type);
		if (err < 0) {
			tool_lib_error(argv[optind + 2], err, NULL);
			return 1;
		}
		if (verbosity > 0)
			printf("Created %s, a child of %s\n", argv[optind + 2],
			       argv[optind + 1]);
		return 0;
	}
	if (strcmp(cmd, "commit") == 0 && n == 2) {
		tool_catch_signals();
		tool_progress_init(&prog, "Committing", force_progress);
		tool_describe_path(argv[optind + 1]);
		if (tool_break_lock(argv[optind + 1]) < 0)
			return 1;
		err = vmdk_commit(argv[optind + 1], tool_progress_cb, &prog);
		tool_progress_end(&prog);
		if (err < 0) {
			tool_lib_error(argv[optind + 1], err, NULL);
			return 1;
		}
		if (verbosity > 0)
			printf("Committed %s into its parent\n", argv[optind + 1]);
		return 0;
	}
	if (strcmp(cmd, "rebase") == 0 && n == 3) {
		tool_describe_path(argv[optind + 1]);
		if (tool_break_lock(argv[optind + 1]) < 0)
			return 1;
		err = vmdk_rebase(argv[optind + 1], argv[optind + 2], unsafe);
		if (err < 0) {
			tool_lib_error(argv[optind + 1], err, NULL);
			return 1;
		}
		if (verbosity > 0)
			printf("Rebased %s onto %s\n", argv[optind + 1],
			       *argv[optind + 2] ? argv[optind + 2] : "no parent");
		return 0;
	}
	tool_try_help("expected create, attach, commit or rebase and their disks");
}
