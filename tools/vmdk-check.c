/* SPDX-License-Identifier: MIT */
/* vmdk-check.c --- check and repair a disk (vmware-vdiskmanager -R and
 * -e, VixDiskLib_CheckRepair), with e2fsck's exit status */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

/* e2fsck's exit bits. */
#define CHECK_OK 0
#define CHECK_CORRECTED 1
#define CHECK_ERRORS_LEFT 4
#define CHECK_OPERATIONAL 8
#define CHECK_USAGE 16

static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] <disk.vmdk>\n"
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
	       " -o, --output <disk>      repair into a new disk; leave this one untouched\n"
	       "     --restore-undo <file>  put back what a repair saved in <file>\n"
	       " -j, --json               the report as JSON on stdout\n"
	       " -q, --quiet              print nothing; the exit status tells\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nExit status: 0 no errors, 1 errors corrected, 4 errors left, 8 the\n"
	       "check could not run, 16 usage.\n"
	       "\nFor more details see vmdk-check(1).\n", progname, progname);
}

struct run {
	bool repair, yes, no, json, ask;
	unsigned shown, errors_accepted;
	FILE *tty;
};

static bool ask(struct run *r)
{
	char line[16];

	fputs("? [y/n] ", stdout);
	fflush(stdout);
	if (!r->tty || !fgets(line, sizeof(line), r->tty))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

static void json_problem(const struct vmdk_problem *p, bool fixed)
{
	printf("\n    {\"code\": %d, \"name\": ", p->code);
	tool_json_string(vmdk_problem_name(p->code));
	printf(", \"severity\": \"%s\", \"message\": ",
	       p->severity == VMDK_SEV_ERROR ? "error" : "warning");
	tool_json_string(p->message);
	printf(", \"file\": ");
	tool_json_string(p->file);
	if (p->offset != VMDK_NO_OFFSET)
		printf(", \"offset\": %llu", (unsigned long long)p->offset);
	if (p->gd_index >= 0)
		printf(", \"gd_index\": %lld", (long long)p->gd_index);
	if (p->gt_index >= 0)
		printf(", \"gt_index\": %lld", (long long)p->gt_index);
	if (p->lba_count)
		printf(", \"lba\": %llu, \"lba_count\": %llu",
		       (unsigned long long)p->lba, (unsigned long long)p->lba_count);
	printf(", \"fix\": ");
	tool_json_string(p->fix);
	printf(", \"fix_accepted\": %s}", fixed ? "true" : "false");
}

static int on_problem(void *arg, const struct vmdk_problem *p)
{
	struct run *r = arg;
	bool fix = false;

	if (r->repair && p->fix)
		fix = r->yes ? true : r->no ? false : r->ask;
	if (r->json) {
		printf("%s", r->shown++ ? "," : "");
		json_problem(p, fix);
	} else if (verbosity > 0) {
		printf("%s: %s%s [%s]\n", p->file,
		       p->severity == VMDK_SEV_WARNING ? "warning: " : "", p->message,
		       vmdk_problem_name(p->code));
		if (r->repair && p->fix) {
			printf("  fix: %s", p->fix);
			if (!r->yes && !r->no && r->ask)
				fix = ask(r);
			else
				printf("? %s\n", fix ? "yes" : "no");
		}
	}
	if (fix && p->severity == VMDK_SEV_ERROR)
		r->errors_accepted++;
	return fix;
}

static int status(const struct vmdk_check_report *rep, const struct run *r)
{
	unsigned left = rep->errors - (rep->fixed ? r->errors_accepted : 0);

	return (rep->fixed ? CHECK_CORRECTED : 0) | (left ? CHECK_ERRORS_LEFT : 0);
}

static void summary(const char *path, const struct vmdk_check_report *rep,
		    const struct run *r, bool chain_only)
{
	if (r->json) {
		printf("%s\n  ],\n  \"errors\": %u, \"warnings\": %u, \"fixed\": %u, "
		       "\"unfixable\": %u, \"links\": %u, \"extents\": %u, "
		       "\"grain_tables\": %llu, \"grains\": %llu, \"exit\": %d\n}\n",
		       r->shown ? "" : "", rep->errors, rep->warnings, rep->fixed,
		       rep->unfixable, rep->links, rep->extents,
		       (unsigned long long)rep->tables, (unsigned long long)rep->grains,
		       status(rep, r));
		return;
	}
	if (verbosity == 0)
		return;
	if (r->repair && rep->unfixable && !r->no)
		printf("%s: cannot repair: %u error%s no fix; nothing was changed\n",
		       path, rep->unfixable, rep->unfixable == 1 ? " has" : "s have");
	if (chain_only) {
		printf("%s: chain of %u link%s %s\n", path, rep->links,
		       rep->links == 1 ? "" : "s",
		       rep->errors ? "has problems" : "is consistent");
		return;
	}
	printf("%s: %u error%s, %u warning%s, %u fixed; checked %u link%s, %u "
	       "extent%s, %llu grain table%s, %llu grain%s\n", path,
	       rep->errors, rep->errors == 1 ? "" : "s",
	       rep->warnings, rep->warnings == 1 ? "" : "s", rep->fixed,
	       rep->links, rep->links == 1 ? "" : "s",
	       rep->extents, rep->extents == 1 ? "" : "s",
	       (unsigned long long)rep->tables, rep->tables == 1 ? "" : "s",
	       (unsigned long long)rep->grains, rep->grains == 1 ? "" : "s");
}

static _Noreturn void usage_error(const char *msg)
{
	fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n",
		progname, msg, progname);
	exit(CHECK_USAGE);
}

int main(int argc, char **argv)
{
	enum { OPT_UNDO = 256, OPT_RESTORE };
	static const struct option longopts[] = {
		{ "chain", no_argument, NULL, 'e' },
		{ "repair", no_argument, NULL, 'r' },
		{ "yes", no_argument, NULL, 'y' },
		{ "no", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "undo", required_argument, NULL, OPT_UNDO },
		{ "output", required_argument, NULL, 'o' },
		{ "restore-undo", required_argument, NULL, OPT_RESTORE },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct vmdk_check_report rep;
	struct run r = { 0 };
	const char *path, *undo = NULL, *restore = NULL, *output = NULL;
	bool chain_only = false;
	unsigned flags = VMDK_CHECK_CHAIN;
	int c, err;

	tool_init(argv[0]);
	while ((c = getopt_long(argc, argv, "erynjo:" TOOL_COMMON_SHORTOPTS, longopts,
				NULL)) != -1) {
		switch (c) {
		case 'e':
			chain_only = true;
			break;
		case 'r':
			r.repair = true;
			break;
		case 'y':
			r.yes = true;
			break;
		case 'n':
			r.no = true;
			break;
		case 'j':
			r.json = true;
			break;
		case OPT_UNDO:
			undo = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_RESTORE:
			restore = optarg;
			break;
		case 'h': case 'V': case 'q': case 'v':
			tool_common_option(c, usage);
			break;
		default:
			fprintf(stderr, "Try '%s --help' for more information.\n",
				progname);
			return CHECK_USAGE;
		}
	}
	if (restore) {
		if (optind != argc)
			usage_error("--restore-undo takes no disk");
		if ((err = vmdk_check_undo(restore)) < 0) {
			tool_disk_error(restore, err, vmdk_errmsg(NULL));
			return CHECK_OPERATIONAL;
		}
		if (verbosity > 0)
			printf("%s: restored\n", restore);
		return CHECK_OK;
	}
	if (optind != argc - 1)
		usage_error("expected one disk");
	if (r.yes && r.no)
		usage_error("-y and -n exclude each other");
	if ((r.yes || r.no || undo || output) && !r.repair)
		usage_error("-y, -n, --undo and -o go with --repair");
	if (output && (undo || r.no))
		usage_error("-o writes a new disk: --undo and -n do not apply");
	if (chain_only && r.repair)
		usage_error("-e checks the chain only; it repairs nothing");
	path = argv[optind];
	if (r.repair && !r.yes && !r.no) {
		/* Questions need someone to answer them. */
		r.tty = isatty(STDIN_FILENO) && !r.json ? fopen("/dev/tty", "r") : NULL;
		if (!r.tty) {
			fprintf(stderr, "%s: %s: answers are needed and there is no "
				"terminal: give -y to fix everything or -n to see what "
				"would be done\n", progname, path);
			return CHECK_OPERATIONAL;
		}
		r.ask = true;
	}
	if (r.repair && !r.no)
		flags |= VMDK_CHECK_REPAIR;
	if (chain_only)
		flags = VMDK_CHECK_CHAIN_ONLY;
	if (r.json) {
		printf("{\n  \"disk\": ");
		tool_json_string(path);
		printf(",\n  \"problems\": [");
	}
	if (flags & VMDK_CHECK_REPAIR)
		tool_catch_signals();	/* a repair ends before a signal acts */
	err = output ? vmdk_check_to(path, output, flags, on_problem, &r, &rep)
		     : vmdk_check(path, flags, undo, on_problem, &r, &rep);
	if (r.tty)
		fclose(r.tty);
	if (err < 0) {
		if (r.json)
			printf("\n  ]\n}\n");
		tool_disk_error(path, err, vmdk_errmsg(NULL));
		return CHECK_OPERATIONAL;
	}
	summary(output ? output : path, &rep, &r, chain_only);
	return status(&rep, &r);
}
