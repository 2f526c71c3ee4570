/* SPDX-License-Identifier: MIT */
/* vmdk-dump.c --- show sectors of a disk as hex, or copy them raw */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

#define CHUNK_SECTORS 2048u

static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] <disk.vmdk>\n"
	       "\nShow a range of sectors as a hex dump, or write them raw to\n"
	       "standard output.  Reads go through the whole chain of links.\n"
	       "\nOptions:\n"
	       " -s, --start <sector>     first sector (default 0)\n"
	       " -c, --count <sectors>    how many (default 1, or the whole disk\n"
	       "                          with --raw)\n"
	       " -r, --raw                binary sectors to standard output\n"
	       "     --single-link        read this link only, not its parents\n"
	       TOOL_UNSAFE_HELP
	       " -q, --quiet              no messages but errors\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nFor more details see vmdk-dump(1).\n", progname);
}

/* 16 bytes a line; runs of identical lines become one "*". */
static void hexdump(const uint8_t *b, size_t len, uint64_t base,
		    uint8_t *prev, int *squeezed, bool *have_prev)
{
	for (size_t off = 0; off < len; off += 16) {
		const uint8_t *l = b + off;
		if (*have_prev && memcmp(l, prev, 16) == 0) {
			if (!*squeezed)
				printf("*\n");
			*squeezed = 1;
			continue;
		}
		*squeezed = 0;
		memcpy(prev, l, 16);
		*have_prev = true;
		printf("%012llx ", (unsigned long long)(base + off));
		for (int i = 0; i < 16; i++)
			printf("%s%02x", i == 8 ? "  " : " ", l[i]);
		printf("  |");
		for (int i = 0; i < 16; i++)
			putchar(l[i] >= 0x20 && l[i] < 0x7f ? l[i] : '.');
		printf("|\n");
	}
}

int main(int argc, char **argv)
{
	enum { OPT_SINGLE = 256 };
	static const struct option longopts[] = {
		{ "start", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "raw", no_argument, NULL, 'r' },
		{ "single-link", no_argument, NULL, OPT_SINGLE },
		TOOL_COMMON_LONGOPTS,
		TOOL_UNSAFE_LONGOPT,
		{ NULL, 0, NULL, 0 },
	};
	uint64_t start = 0, count = 1, done = 0;
	bool have_count = false, raw = false, have_prev = false;
	unsigned flags = VMDK_OPEN_RDONLY;
	struct vmdk_info info;
	uint8_t prev[16];
	int squeezed = 0, c, err = 0;
	const char *path;
	vmdk_disk *d;
	uint8_t *buf;

	tool_init(argv[0]);
	while ((c = getopt_long(argc, argv, ":s:c:r" TOOL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'c':
			tool_range_option(c, optarg, &start, &count, &have_count);
			break;
		case 'r':
			raw = true;
			break;
		case OPT_SINGLE:
			flags |= VMDK_OPEN_SINGLE_LINK;
			break;
		default:
			tool_common_option(c, usage, argv);
		}
	}
	path = tool_operand(argc, argv);
	if (raw && isatty(STDOUT_FILENO)) {
		tool_warn("standard output", "a terminal: refusing to write binary data to it");
		return 1;
	}
	d = tool_open(path, flags);
	if (!d)
		return 1;
	vmdk_get_info(d, &info);
	if (tool_sector_range(path, start, &count, have_count || !raw,
			      info.capacity) < 0) {
		vmdk_close(d);
		return 1;
	}
	buf = malloc(CHUNK_SECTORS * 512u);
	if (!buf) {
		vmdk_close(d);
		tool_warn(path, "out of memory");
		return 1;
	}
	while (done < count) {
		uint32_t n = count - done < CHUNK_SECTORS ? (uint32_t)(count - done)
							  : CHUNK_SECTORS;
		err = vmdk_read(d, start + done, n, buf);
		if (err < 0) {
			tool_lib_error(path, err, d);
			break;
		}
		if (raw) {
			if ((err = tool_write_all(STDOUT_FILENO, buf, n * 512u)) < 0) {
				tool_warn("standard output", "%s", strerror(-err));
				break;
			}
		} else {
			hexdump(buf, n * 512u, (start + done) * 512, prev,
				&squeezed, &have_prev);
		}
		done += n;
	}
	if (!raw && err == 0 && count)
		printf("%012llx\n", (unsigned long long)((start + count) * 512));
	free(buf);
	vmdk_close(d);
	if (err == 0 && fflush(stdout) != 0) {
		tool_warn("standard output", "%s", strerror(errno));
		return 1;
	}
	return err < 0 ? 1 : 0;
}
