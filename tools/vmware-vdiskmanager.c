/* SPDX-License-Identifier: MIT */
/* vmware-vdiskmanager.c --- VMware's disk manager command line, so that
 * scripts written for it run unchanged: one operation per call, VMware's
 * options and size units, each operation the same code path as its
 * vmdk-* tool (ops.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common.h"
#include "remote_clone.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s OPTIONS <disk-name> | <mount-point>\n"
		"Offline virtual disk operations (vmdktools); one operation a call:\n"
		"   -c                 create a disk (with -s, -a, -t)\n"
		"   -d                 defragment a disk\n"
		"   -k                 shrink a disk\n"
		"   -n <source-disk>   rename a disk to <disk-name>\n"
		"   -p                 prepare the filesystem mounted at <mount-point>\n"
		"                      for shrinking (zero its free space)\n"
		"   -r <source-disk>   convert (copy) a disk to <disk-name> of type -t\n"
		"   -x <new-capacity>  expand a disk to that capacity\n"
		"   -R                 check a disk and repair what can be repaired\n"
		"   -e                 check a disk's chain for consistency\n"
		"   -D                 make a disk deletable\n"
		"\nOther options:\n"
		"   -q                 no messages but errors\n"
		"   -a <adapter>       create and convert: ide, buslogic, lsilogic or\n"
		"                      pvscsi\n"
		"   -s <size>          create: capacity\n"
		"   -t <disk-type>     create and convert: the type id\n"
		"   -h <host>[:<port>] -u <user> -f <password-file>: convert to a\n"
		"                      datastore path \"[datastore] dir/disk.vmdk\"\n"
		"   --thumbprint <fp>  the host's certificate (or VMDK_THUMBPRINT)\n"
		"   --help, --version\n"
		"\nDisk types:\n"
		"   0  one growable file (monolithicSparse)\n"
		"   1  growable, split into 2 GB files (twoGbMaxExtentSparse)\n"
		"   2  one preallocated file (monolithicFlat)\n"
		"   3  preallocated, split into 2 GB files (twoGbMaxExtentFlat)\n"
		"   4  preallocated ESX-type disk (vmfs)\n"
		"   5  compressed, for streaming (streamOptimized)\n"
		"   6  thin ESX-type disk (vmfsThin)\n"
		"\nSizes are sectors, or KB, MB, GB, TB (decimals allowed: 8192.0GB),\n"
		"from 1MB to 8192GB for create.\n"
		"\nExamples:\n"
		"   %s -c -s 850MB -a ide -t 0 myIdeDisk.vmdk\n"
		"   %s -d myDisk.vmdk\n"
		"   %s -r sourceDisk.vmdk -t 0 destinationDisk.vmdk\n"
		"   %s -x 36GB myDisk.vmdk\n"
		"   %s -n sourceName.vmdk destinationName.vmdk\n"
		"   %s -k myDisk.vmdk\n"
		"   %s -p /mnt/disk\n"
		"   %s -r sourceDisk.vmdk -t 4 -h esx.example.com -u root -f passwordFile \"[datastore1] dir/disk.vmdk\"\n"
		"\nFor the vmdk-* tool behind each option see vmware-vdiskmanager(1).\n",
		progname, progname, progname, progname, progname, progname,
		progname, progname, progname);
}

static _Noreturn void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", progname);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", progname);
	exit(EXIT_USAGE);
}

enum op { OP_NONE, OP_CREATE, OP_DEFRAG, OP_SHRINK, OP_RENAME, OP_PREPARE,
	  OP_CONVERT, OP_EXPAND, OP_REPAIR, OP_CHAIN, OP_DELETABLE };

static void set_op(enum op *op, enum op want)
{
	if (*op != OP_NONE && *op != want)
		usage_error("%s", "only one operation may be given at a time");
	*op = want;
}

static int done(int status, const char *msg)
{
	if (status == 0 && verbosity > 0)
		printf("%s\n", msg);
	return status;
}

static int repair(const char *path)
{
	struct op_check_opts o = { .repair = true, .yes = true };
	int st = op_check(path, &o);

	if (st & (CHECK_ERRORS_LEFT | CHECK_OPERATIONAL)) {
		fprintf(stderr, "%s: %s: the disk could not be repaired%s\n", progname,
			path, st & CHECK_OPERATIONAL ? "" : " (see vmdk-check for why)");
		return 1;
	}
	if (verbosity > 0)
		printf(st & CHECK_CORRECTED ? "The virtual disk '%s' was corrupted "
		       "and has been repaired.\n" : "The virtual disk '%s' has no "
		       "errors.\n", path);
	return 0;
}

static int chain(const char *path)
{
	struct op_check_opts o = { .chain_only = true };
	int st = op_check(path, &o);

	if (st) {
		fprintf(stderr, "%s: %s: the disk chain is not consistent\n", progname,
			path);
		return 1;
	}
	return done(0, "Disk chain is consistent.");
}

/* -r with -h: the disk to or from a datastore, VMware's way (-t 4 or 6). */
static int remote_convert(const char *source, const char *target, int type,
			  struct vmdk_clone_params *kp, struct remote_opts *o,
			  const char *password_file)
{
	if (o->thumbprint && !remote_thumbprint_valid(o->thumbprint))
		usage_error("--thumbprint wants a SHA-1 or SHA-256 thumbprint "
			    "(AA:BB:...), not '%s'", o->thumbprint);
	if (!o->user)
		usage_error("%s", "-h needs -u <user>");
	if (type == -1)
		usage_error("%s", "-r needs a destination disk type (-t; 4 or 6 for a datastore)");
	op_remote_usage(source, target, type, o);
	op_remote_password(o, password_file);
	return done(op_remote_clone(source, target, type, kp, SOURCE_VMDK, false, o, NULL),
		    "Virtual disk conversion successful.");
}

int main(int argc, char **argv)
{
	struct vmdk_create_params cp = { .adapter = VMDK_ADAPTER_LSILOGIC };
	struct vmdk_clone_params kp = { .type = VMDK_TYPE_MONOLITHIC_SPARSE };
	const char *why, *source = NULL, *size_arg = NULL, *host = NULL, *target;
	const char *user = NULL, *password_file = NULL, *thumbprint = getenv("VMDK_THUMBPRINT");
	bool have_type = false, have_adapter = false, relative;
	enum op op = OP_NONE;
	uint64_t size = 0;
	int c, type = 0, adapter = VMDK_ADAPTER_LSILOGIC, argc_thumb = 0;

	tool_init(argv[0]);
	tool_op_summaries = false;
	/* The long options VMware's tool lacks are taken out first: -h is
	 * VMware's host option, not help. */
	for (int i = 1, j = 1; i <= argc; i++) {
		if (i < argc && strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (i < argc && strcmp(argv[i], "--version") == 0) {
			tool_version();
			return 0;
		}
		if (i < argc && strcmp(argv[i], "--thumbprint") == 0) {
			if (i + 1 == argc)
				usage_error("%s", "--thumbprint needs a value");
			thumbprint = argv[++i];	/* remote only, with -h */
			argc_thumb++;
			continue;
		}
		argv[j++] = i < argc ? argv[i] : NULL;
		if (i == argc)
			argc = j - 1;
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	opterr = 0;
	while ((c = getopt(argc, argv, ":cdkn:pr:x:ReDqs:a:t:h:u:f:")) != -1) {
		switch (c) {
		case 'c': set_op(&op, OP_CREATE); break;
		case 'd': set_op(&op, OP_DEFRAG); break;
		case 'k': set_op(&op, OP_SHRINK); break;
		case 'p': set_op(&op, OP_PREPARE); break;
		case 'R': set_op(&op, OP_REPAIR); break;
		case 'e': set_op(&op, OP_CHAIN); break;
		case 'D': set_op(&op, OP_DELETABLE); break;
		case 'n':
			set_op(&op, OP_RENAME);
			source = optarg;
			break;
		case 'r':
			set_op(&op, OP_CONVERT);
			source = optarg;
			break;
		case 'x':
			set_op(&op, OP_EXPAND);
			size_arg = optarg;
			break;
		case 's':
			size_arg = optarg;
			break;
		case 'q':
			verbosity = 0;
			break;
		case 'a':
			adapter = tool_adapter_arg(optarg);
			have_adapter = true;
			break;
		case 't':
			type = tool_type_arg(optarg);
			have_type = true;
			break;
		case 'h':
			host = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'f':
			password_file = optarg;
			break;
		default:
			tool_bad_option(c, argv);
			fprintf(stderr, "Try '%s --help' for more information.\n", progname);
			return EXIT_USAGE;
		}
	}
	if (op == OP_NONE)
		usage_error("%s", "no operation given (one of -c -d -k -n -p -r -x -R -e -D)");
	if (optind != argc - 1)
		usage_error("%s", optind < argc ? "too many arguments"
				  : "no disk name (or mount point) given");
	target = argv[optind];
	if (host && op == OP_CONVERT)
		return remote_convert(source, target, have_type ? type : -1, &kp,
				      &(struct remote_opts){ .host = host, .user = user,
							     .thumbprint = thumbprint },
				      password_file);
	if (host || argc_thumb || user || password_file)
		usage_error("%s", "-h, -u, -f and --thumbprint (a remote host) go with -r only");
	if ((have_type && op != OP_CREATE && op != OP_CONVERT) ||
	    (have_adapter && op != OP_CREATE && op != OP_CONVERT) ||
	    (size_arg && op != OP_CREATE && op != OP_EXPAND))
		usage_error("%s", "-s, -a and -t go with -c (and -a, -t with -r)");
	if ((op == OP_CREATE || op == OP_EXPAND) && !size_arg)
		usage_error("%s", "-c and -x need a capacity (-s)");
	if ((op == OP_CREATE || op == OP_EXPAND) &&
	    (why = tool_size_parse(size_arg, false, &size, &relative)) != NULL)
		usage_error("invalid capacity: %s", why);
	switch (op) {
	case OP_CREATE:
		if (size < 2048 || size > 8192ull * 2097152)
			usage_error("capacity '%s' outside [1MB, 8192GB]", size_arg);
		if (!have_type)
			usage_error("%s", "-c needs a disk type (-t)");
		cp.capacity = size;
		cp.type = type;
		cp.adapter = adapter;
		return done(op_create(target, &cp), "Virtual disk creation successful.");
	case OP_CONVERT:
		if (!have_type)
			usage_error("%s", "-r needs a destination disk type (-t)");
		kp.type = type;
		kp.adapter = have_adapter ? adapter : 0;
		return done(op_clone(source, target, &kp, SOURCE_VMDK, false),
			    "Virtual disk conversion successful.");
	case OP_EXPAND:
		return done(op_grow(target, size, false, false),
			    "Disk expansion completed successfully.");
	case OP_RENAME:
		return done(op_rename(source, target), "Renaming completed successfully.");
	case OP_DEFRAG:
		return done(op_compact(target, false, false),
			    "Defragmentation completed successfully.");
	case OP_SHRINK:
		return done(op_compact(target, true, false), "Shrink completed successfully.");
	case OP_PREPARE:
		return done(op_prepare(target, false, false),
			    "Preparing for shrink completed successfully.");
	case OP_REPAIR:
		return repair(target);
	case OP_CHAIN:
		return chain(target);
	case OP_DELETABLE:
	{
		const char *kv[8] = { "deletable", "true", NULL };
		return done(op_meta_change(target, kv, false, false, 0),
			    "The disk is now deletable.");
	}
	default:
		return EXIT_USAGE;
	}
}
