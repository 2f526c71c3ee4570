/* SPDX-License-Identifier: MIT */
/* vmdk-clone.c --- copy a disk (flattening its chain) to any type, or
 * between VMDK and raw images, files, block devices and pipes */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "remote_clone.h"

#define MAX_DDB 64

static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] <source> <destination>\n"
	       " %s [options] --host <host> --user <user> <source> \"[datastore] dir/name.vmdk\"\n"
	       " %s [options] --host <host> --user <user> \"[datastore] dir/name.vmdk\" <destination>\n"
	       " %s [options] --host <host> --user <user> \"[ds] src.vmdk\" \"[ds] dst.vmdk\"\n"
	       "\nCopy a disk to a new disk of any type, or to a raw image.  The\n"
	       "source may be a VMDK (its chain is flattened), a raw image or a\n"
	       "block device; the destination '-' is standard output\n"
	       "(streamOptimized or raw).  With --host, one side or both are\n"
	       "datastore paths of an ESXi or vCenter server: an upload goes as\n"
	       "streamOptimized and lands thin (-t 6, default) or thick (-t 4).\n"
	       "\nOptions:\n"
	       " -t, --type <type>        0-6, a name, or raw (default 0):\n"
	       "                          0 monolithicSparse, 1 twoGbMaxExtentSparse,\n"
	       "                          2 monolithicFlat, 3 twoGbMaxExtentFlat,\n"
	       "                          4 vmfs (thick), 5 streamOptimized, 6 vmfsThin\n"
	       " -a, --adapter <name>     ide, buslogic, lsilogic, pvscsi\n"
	       "                          (default: the source's)\n"
	       "     --hwversion <n>      virtual hardware version (default: the source's)\n"
	       "     --new-uuid           give the copy a new ddb.uuid\n"
	       "     --tools-version <v>  ddb.toolsVersion (streamOptimized default\n"
	       "                          2147483647)\n"
	       "     --ddb <key=value>    set any ddb key; may be repeated\n"
	       " -c, --compress <1-9>     deflate level of streamOptimized (default 4)\n"
	       " -j, --jobs <n>           compression threads (default: all CPUs)\n"
	       " -r, --raw-source         read the source as a raw image\n"
	       "     --size <size>        of a raw image on standard input: read as it\n"
	       "                          comes (else stored beside the destination\n"
	       "                          first); a stream of another size fails\n"
	       "     --source-format <f>  vmdk: an image (VMDK, qcow2, VHD(X), VDI), never\n"
	       "                          raw; raw: its bytes as they are, even a\n"
	       "                          qcow2, VHD, VHDX, VDI or QED image\n"
	       " -f, --force              replace an existing destination\n"
	       "     --no-sync            do not wait for the copy to reach the disk\n"
	       "     --progress           show progress even when not on a terminal\n"
	       TOOL_UNSAFE_HELP
	       "\nRemote (see vmdk-clone(1)):\n"
	       "     --host <host[:port]> the ESXi or vCenter server\n"
	       "     --user <name>        who logs in\n"
	       "     --password-file <f>  the password's file (else $VMDK_PASSWORD,\n"
	       "                          else asked on the terminal)\n"
	       "     --thumbprint <fp>    trust the server's certificate by its SHA-1\n"
	       "                          or SHA-256 thumbprint\n"
	       "     --insecure           do not check the certificate at all\n"
	       "     --datacenter <name>  default: the only one\n"
	       "     --pool <path>        resource pool (default: the first host's)\n"
	       "     --folder <path>      VM folder (default: the datacenter's)\n"
	       "     --source-host <host[:port]>, --source-user <name>,\n"
	       "     --source-password-file <f>, --source-thumbprint <fp>,\n"
	       "     --source-datacenter <name>\n"
	       "                          a datastore source read from another server\n"
	       "                          or as another user (default: as --host)\n"
	       " -q, --quiet              no progress, no messages but errors\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nFor more details see vmdk-clone(1).\n", progname, progname, progname,
	       progname);
}


int main(int argc, char **argv)
{
	enum { OPT_HW = 256, OPT_UUID, OPT_TOOLS, OPT_DDB, OPT_PROGRESS,
	       OPT_NO_SYNC, OPT_SOURCE_FORMAT, OPT_HOST, OPT_USER, OPT_PASSWORD_FILE,
	       OPT_THUMBPRINT, OPT_INSECURE, OPT_DATACENTER, OPT_POOL, OPT_FOLDER,
	       OPT_SRC_HOST, OPT_SRC_USER, OPT_SRC_PASSWORD_FILE, OPT_SRC_THUMBPRINT,
	       OPT_SRC_DATACENTER, OPT_SIZE };
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "adapter", required_argument, NULL, 'a' },
		{ "hwversion", required_argument, NULL, OPT_HW },
		{ "new-uuid", no_argument, NULL, OPT_UUID },
		{ "tools-version", required_argument, NULL, OPT_TOOLS },
		{ "ddb", required_argument, NULL, OPT_DDB },
		{ "compress", required_argument, NULL, 'c' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "raw-source", no_argument, NULL, 'r' },
		{ "source-format", required_argument, NULL, OPT_SOURCE_FORMAT },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "force", no_argument, NULL, 'f' },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "no-sync", no_argument, NULL, OPT_NO_SYNC },
		{ "host", required_argument, NULL, OPT_HOST },
		{ "user", required_argument, NULL, OPT_USER },
		{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
		{ "thumbprint", required_argument, NULL, OPT_THUMBPRINT },
		{ "insecure", no_argument, NULL, OPT_INSECURE },
		{ "datacenter", required_argument, NULL, OPT_DATACENTER },
		{ "pool", required_argument, NULL, OPT_POOL },
		{ "folder", required_argument, NULL, OPT_FOLDER },
		{ "source-host", required_argument, NULL, OPT_SRC_HOST },
		{ "source-user", required_argument, NULL, OPT_SRC_USER },
		{ "source-password-file", required_argument, NULL, OPT_SRC_PASSWORD_FILE },
		{ "source-thumbprint", required_argument, NULL, OPT_SRC_THUMBPRINT },
		{ "source-datacenter", required_argument, NULL, OPT_SRC_DATACENTER },
		TOOL_COMMON_LONGOPTS,
		TOOL_UNSAFE_LONGOPT,
		{ NULL, 0, NULL, 0 },
	};
	struct vmdk_clone_params p = { .type = VMDK_TYPE_MONOLITHIC_SPARSE,
				       };
	const char *ddb[2 * MAX_DDB + 1] = { NULL };
	size_t nddb = 0;
	bool force_progress = false;
	int source_format = SOURCE_ANY, type = -1;
	struct remote_opts remote = { NULL };
	struct remote_source source = { NULL };
	const char *password_file = NULL;
	const char *src, *dst;
	uint64_t v;
	int c;

	tool_init(argv[0]);
	op_exists_hint = "-f replaces it";
	while ((c = getopt_long(argc, argv, ":t:a:c:j:rf" TOOL_COMMON_SHORTOPTS,
				longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			p.type = type = tool_dest_type_arg(optarg);
			break;
		case 'a':
			p.adapter = tool_adapter_arg(optarg);
			break;
		case OPT_HW:
			p.hw_version = tool_hwversion_arg(optarg);
			break;
		case OPT_UUID:
			p.new_uuid = 1;
			break;
		case OPT_TOOLS:
			p.tools_version = optarg;
			break;
		case OPT_DDB: {
			char *eq = strchr(optarg, '=');
			if (!eq || eq == optarg || strncasecmp(optarg, "ddb.", 4) ||
			    strchr(eq + 1, '"') || nddb == MAX_DDB)
				tool_try_help("--ddb wants ddb.key=value, not '%s'", optarg);
			*eq = '\0';
			ddb[2 * nddb] = optarg;
			ddb[2 * nddb + 1] = eq + 1;
			nddb++;
			break;
		}
		case 'c':
			if (tool_parse_u64(optarg, &v) < 0 || v < 1 || v > 9)
				tool_try_help("invalid compression level '%s'", optarg);
			p.level = (int)v;
			break;
		case 'j':
			if (tool_parse_u64(optarg, &v) < 0 || v < 1 || v > 64)
				tool_try_help("invalid number of jobs '%s'", optarg);
			p.threads = (unsigned)v;
			break;
		case 'r':
			source_format = SOURCE_RAW_IMAGE;
			break;
		case OPT_SOURCE_FORMAT:
			if (strcmp(optarg, "raw") == 0)
				source_format = SOURCE_RAW;
			else if (strcmp(optarg, "vmdk") == 0)
				source_format = SOURCE_VMDK;
			else
				tool_try_help("--source-format is vmdk or raw, not '%s'",
					      optarg);
			break;
		case 'f':
			p.overwrite = 1;
			break;
		case OPT_PROGRESS:
			force_progress = true;
			break;
		case OPT_NO_SYNC:
			p.no_sync = 1;
			break;
		case OPT_HOST:
			remote.host = optarg;
			break;
		case OPT_USER:
			remote.user = optarg;
			break;
		case OPT_PASSWORD_FILE:
			password_file = optarg;
			break;
		case OPT_THUMBPRINT:
			if (!remote_thumbprint_valid(optarg))
				tool_try_help("--thumbprint wants a SHA-1 or SHA-256 "
					      "thumbprint (AA:BB:...), not '%s'", optarg);
			remote.thumbprint = optarg;
			break;
		case OPT_INSECURE:
			remote.insecure = true;
			break;
		case OPT_DATACENTER:
			remote.datacenter = optarg;
			break;
		case OPT_POOL:
			remote.pool = optarg;
			break;
		case OPT_FOLDER:
			remote.folder = optarg;
			break;
		case OPT_SIZE:
			tool_size_arg(optarg, &op_stdin_raw_sectors);
			break;
		case OPT_SRC_HOST:
			source.host = optarg;
			break;
		case OPT_SRC_USER:
			source.user = optarg;
			break;
		case OPT_SRC_PASSWORD_FILE:
			source.password_file = optarg;
			break;
		case OPT_SRC_THUMBPRINT:
			if (!remote_thumbprint_valid(optarg))
				tool_try_help("--source-thumbprint wants a SHA-1 or SHA-256 "
					      "thumbprint (AA:BB:...), not '%s'", optarg);
			source.thumbprint = optarg;
			break;
		case OPT_SRC_DATACENTER:
			source.datacenter = optarg;
			break;
		default:
			tool_common_option(c, usage, argv);
		}
	}
	if (optind != argc - 2)
		tool_try_help("expected a source and a destination");
	src = argv[optind];
	dst = argv[optind + 1];
	p.ddb = nddb ? ddb : NULL;
	if (op_stdin_raw_sectors && strcmp(src, "-"))
		tool_try_help("--size is for a raw image on standard input ('-')");
	if (op_stdin_raw_sectors && source_format == SOURCE_VMDK)
		tool_try_help("--size is for a raw image, not --source-format vmdk");
	op_remote_usage(src, dst, type, &remote);
	if ((source.host || source.user || source.password_file || source.thumbprint ||
	     source.datacenter) &&
	    !(remote_is_datastore_path(src) && remote_is_datastore_path(dst)))
		tool_try_help("the --source-* options go with a datastore path as both "
			      "source and destination");
	if (remote.host) {
		op_remote_password(&remote, password_file);
		remote.overwrite = p.overwrite;
		return op_remote_clone(src, dst, type, &p, source_format,
				       force_progress, &remote, &source);
	}
	if (password_file || remote.thumbprint || remote.insecure || remote.datacenter ||
	    remote.pool || remote.folder || remote.user)
		tool_try_help("the remote options go with --host");
	return op_clone(src, dst, &p, source_format, force_progress);
}
