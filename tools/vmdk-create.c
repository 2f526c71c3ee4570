/* SPDX-License-Identifier: MIT */
/* vmdk-create.c --- create an empty virtual disk of any hosted type */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "ops.h"

static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] -s <size> <disk.vmdk>\n"
	       "\nCreate an empty virtual disk.\n"
	       "\nOptions:\n"
	       " -s, --size <size>        capacity: sectors, or with K, M, G, T\n"
	       "                          (binary: 1G = 1 GiB)\n"
	       " -t, --type <type>        0-6 or a name (default 0):\n"
	       "                          0 monolithicSparse, 1 twoGbMaxExtentSparse,\n"
	       "                          2 monolithicFlat, 3 twoGbMaxExtentFlat,\n"
	       "                          4 vmfs (thick), 5 streamOptimized, 6 vmfsThin\n"
	       " -a, --adapter <name>     ide, buslogic, lsilogic (default), pvscsi\n"
	       "     --hwversion <n>      virtual hardware version (default 4)\n"
	       "     --grain <sectors>    grain size of sparse types (default 128)\n"
	       "     --tools-version <v>  ddb.toolsVersion to record\n"
	       " -q, --quiet              print nothing on success\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nFor more details see vmdk-create(1).\n", progname);
}

int main(int argc, char **argv)
{
	enum { OPT_HW = 256, OPT_GRAIN, OPT_TOOLS };
	static const struct option longopts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "type", required_argument, NULL, 't' },
		{ "adapter", required_argument, NULL, 'a' },
		{ "hwversion", required_argument, NULL, OPT_HW },
		{ "grain", required_argument, NULL, OPT_GRAIN },
		{ "tools-version", required_argument, NULL, OPT_TOOLS },
		TOOL_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct vmdk_create_params p = { .adapter = VMDK_ADAPTER_LSILOGIC };
	const char *path;
	bool have_size = false;
	uint64_t v;
	int c;

	tool_init(argv[0]);
	while ((c = getopt_long(argc, argv, ":s:t:a:" TOOL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			tool_size_arg(optarg, &p.capacity);
			have_size = true;
			break;
		case 't':
			p.type = tool_type_arg(optarg);
			break;
		case 'a':
			p.adapter = tool_adapter_arg(optarg);
			break;
		case OPT_HW:
			p.hw_version = tool_hwversion_arg(optarg);
			break;
		case OPT_GRAIN:
			if (tool_parse_u64(optarg, &v) < 0 || v > 2048)
				tool_try_help("invalid grain size '%s'", optarg);
			p.grain_size = (uint32_t)v;
			break;
		case OPT_TOOLS:
			p.tools_version = optarg;
			break;
		default:
			tool_common_option(c, usage, argv);
		}
	}
	if (!have_size)
		tool_try_help("no size given (-s)");
	path = tool_operand(argc, argv);
	return op_create(path, &p);
}
