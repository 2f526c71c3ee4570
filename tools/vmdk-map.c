/* SPDX-License-Identifier: MIT */
/* vmdk-map.c --- which sectors of a disk hold data, and in which link */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] <disk.vmdk>\n"
	       "\nList the runs of sectors a disk holds: data (and in which link of\n"
	       "the chain), zeros (a zeroed grain, a ZERO extent, a hole in a flat\n"
	       "file) or nothing at all.\n"
	       "\nOptions:\n"
	       " -s, --start <sector>     first sector (default 0)\n"
	       " -c, --count <sectors>    how many (default: to the end)\n"
	       "     --chunk <sectors>    list only the chunks of this size that hold\n"
	       "                          data, as VixDiskLib_QueryAllocatedBlocks does\n"
	       " -j, --json               machine-readable output\n"
	       "     --single-link        this link only, not its parents\n"
	       TOOL_UNSAFE_HELP
	       " -q, --quiet              no output but errors\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nFor more details see vmdk-map(1).\n", progname);
}

#define ANY_LINK (~0u)	/* chunks may hold data of several links */

static const char *const state_name[] = { "unallocated", "zero", "data" };

struct printer {
	bool json;
	unsigned printed;
	vmdk_disk *d;
	unsigned links;
};

static void print_run(struct printer *p, uint64_t start, uint64_t len,
		      int state, unsigned depth)
{
	struct vmdk_link_info li;
	bool has_link = state != VMDK_BLOCK_UNALLOCATED && depth != ANY_LINK &&
			vmdk_get_link_info(p->d, depth, &li) == 0;

	if (verbosity == 0)
		return;
	if (p->json) {
		printf("%s\n  {\"startSector\": %llu, \"lengthSectors\": %llu, \"state\": \"%s\"",
		       p->printed ? "," : "", (unsigned long long)start,
		       (unsigned long long)len, state_name[state]);
		if (has_link) {
			printf(", \"link\": %u, \"file\": ", depth);
			tool_json_string(li.path);
		}
		printf("}");
	} else {
		if (!p->printed)
			printf("%12s %12s  %-11s  %s\n", "start", "length", "state",
			       "where (start and length in 512-byte sectors)");
		printf("%12llu %12llu  %-11s", (unsigned long long)start,
		       (unsigned long long)len, state_name[state]);
		if (has_link)
			printf("  link %u (%s)", depth, li.path);
		printf("\n");
	}
	p->printed++;
}

int main(int argc, char **argv)
{
	enum { OPT_SINGLE = 256, OPT_CHUNK };
	static const struct option longopts[] = {
		{ "start", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "chunk", required_argument, NULL, OPT_CHUNK },
		{ "json", no_argument, NULL, 'j' },
		{ "single-link", no_argument, NULL, OPT_SINGLE },
		TOOL_COMMON_LONGOPTS,
		TOOL_UNSAFE_LONGOPT,
		{ NULL, 0, NULL, 0 },
	};
	uint64_t start = 0, count = 0, chunk = 0, pos, end;
	uint64_t run_start = 0, run_len = 0, chunk_start = 0, chunk_end = 0;
	int run_state = -1, c, err = 0;
	unsigned run_depth = 0, flags = VMDK_OPEN_RDONLY;
	bool have_count = false;
	struct printer pr = { 0 };
	struct vmdk_info info;
	const char *path;

	tool_init(argv[0]);
	while ((c = getopt_long(argc, argv, ":s:c:j" TOOL_COMMON_SHORTOPTS,
				longopts, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'c':
			tool_range_option(c, optarg, &start, &count, &have_count);
			break;
		case OPT_CHUNK:
			if (tool_parse_u64(optarg, &chunk) < 0 || chunk == 0 ||
			    chunk > TOOL_MAX_SECTORS)
				tool_try_help("invalid chunk size '%s'", optarg);
			break;
		case 'j':
			pr.json = true;
			break;
		case OPT_SINGLE:
			flags |= VMDK_OPEN_SINGLE_LINK;
			break;
		default:
			tool_common_option(c, usage, argv);
		}
	}
	path = tool_operand(argc, argv);
	pr.d = tool_open(path, flags);
	if (!pr.d) {
		if (pr.json && verbosity)	/* still JSON: no runs */
			printf("[]\n");
		return 1;
	}
	vmdk_get_info(pr.d, &info);
	if (tool_sector_range(path, start, &count, have_count, info.capacity) < 0) {
		vmdk_close(pr.d);
		return 1;
	}
	if (pr.json && verbosity)
		printf("[");
	end = start + count;
	for (pos = start; pos < end;) {
		uint64_t run;
		unsigned depth;
		int st = vmdk_block_status(pr.d, pos, end - pos, &run, &depth);

		if (st < 0) {
			err = st;
			tool_lib_error(path, st, pr.d);
			break;
		}
		if (chunk) {
			/* Allocated chunks, merged when they touch. */
			if (st == VMDK_BLOCK_DATA) {
				uint64_t a = pos / chunk * chunk;
				uint64_t b = (pos + run + chunk - 1) / chunk * chunk;
				if (b > end)	/* the last chunk ends with the disk */
					b = end;
				if (chunk_end && a <= chunk_end) {
					chunk_end = b;
				} else {
					if (chunk_end)
						print_run(&pr, chunk_start,
							  chunk_end - chunk_start,
							  VMDK_BLOCK_DATA, ANY_LINK);
					chunk_start = a;
					chunk_end = b;
				}
			}
		} else if (st == run_state && depth == run_depth &&
			   run_start + run_len == pos) {
			run_len += run;
		} else {
			if (run_state >= 0)
				print_run(&pr, run_start, run_len, run_state, run_depth);
			run_start = pos;
			run_len = run;
			run_state = st;
			run_depth = depth;
		}
		pos += run;
	}
	if (err == 0 && chunk && chunk_end)
		print_run(&pr, chunk_start, chunk_end - chunk_start, VMDK_BLOCK_DATA,
			  ANY_LINK);
	else if (err == 0 && run_state >= 0)
		print_run(&pr, run_start, run_len, run_state, run_depth);
	if (pr.json && verbosity)
		printf("\n]\n");
	vmdk_close(pr.d);
	return err < 0 ? 1 : 0;
}
