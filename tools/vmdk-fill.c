/* SPDX-License-Identifier: MIT */
/* vmdk-fill.c --- write a byte value, or a file's content, over a range of
 * sectors of a disk */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

#define CHUNK_SECTORS 2048u	/* 1 MiB per write */

static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] <disk.vmdk>\n"
	       "\nFill a range of sectors with one byte value, or write a file into\n"
	       "the disk.\n"
	       "\nOptions:\n"
	       " -s, --start <sector>     first sector (default 0)\n"
	       " -c, --count <sectors>    how many (default: to the end of the disk,\n"
	       "                          or the file's size with --file)\n"
	       "     --val <byte>         value to fill with, 0-255 (--val 0 zeroes)\n"
	       " -f, --file <path>        write this file's bytes instead (the last\n"
	       "                          sector is padded with zeros)\n"
	       TOOL_UNSAFE_HELP
	       TOOL_BREAK_LOCK_HELP
	       " -q, --quiet              print nothing on success\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nFor more details see vmdk-fill(1).\n", progname);
}

/* Up to @n sectors of the source into @buf; the file's end reads zeros. */
static int next_chunk(int fd, uint8_t *buf, uint32_t n, bool *eof)
{
	size_t want = n * 512u;
	long have = 0;

	memset(buf, 0, want);
	if (!*eof && (have = tool_read_full(fd, buf, want)) < 0)
		return (int)have;
	if ((size_t)have < want)
		*eof = true;
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_VAL = 256 };
	static const struct option longopts[] = {
		{ "start", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "val", required_argument, NULL, OPT_VAL },
		{ "file", required_argument, NULL, 'f' },
		TOOL_COMMON_LONGOPTS,
		TOOL_BREAK_LOCK_LONGOPT,
		TOOL_UNSAFE_LONGOPT,
		{ NULL, 0, NULL, 0 },
	};
	uint64_t start = 0, count = 0, val = 0, done = 0;
	bool have_count = false, have_val = false, eof = false;
	const char *path, *file = NULL;
	struct vmdk_info info;
	vmdk_disk *d = NULL;
	uint8_t *buf;
	int c, err = 0, fd = -1;

	tool_init(argv[0]);
	tool_break_lock_known = true;
	while ((c = getopt_long(argc, argv, ":s:c:f:" TOOL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 's':
		case 'c':
			tool_range_option(c, optarg, &start, &count, &have_count);
			break;
		case OPT_VAL:
			if (tool_parse_u64(optarg, &val) < 0 || val > 255)
				tool_try_help("invalid byte value '%s'", optarg);
			have_val = true;
			break;
		case 'f':
			file = optarg;
			break;
		default:
			tool_common_option(c, usage, argv);
		}
	}
	if (file && have_val)
		tool_try_help("--val and --file are mutually exclusive");
	/* Never a silent default: a forgotten option must not zero a disk. */
	if (!file && !have_val)
		tool_try_help("give --val BYTE or --file PATH (--val 0 zeroes sectors)");
	path = tool_operand(argc, argv);
	if (file) {
		struct stat st;
		off_t size = 0;
		/* A pipe or FIFO is read as it comes, given a count. */
		fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			tool_warn(file, "is a directory: give a file to write into the disk");
			return 1;
		}
		if (fd < 0 || (!have_count && ((size = lseek(fd, 0, SEEK_END)) < 0 ||
					       lseek(fd, 0, SEEK_SET) < 0))) {
			if (errno == ESPIPE)
				tool_try_help("%s is not seekable: give a count (-c)", file);
			tool_warn(file, "%s", strerror(errno));
			return 1;
		}
		if (!have_count)
			count = ((uint64_t)size + 511) / 512;
		have_count = true;
	}
	d = tool_open(path, 0);
	if (!d)
		return 1;
	vmdk_get_info(d, &info);
	if (tool_sector_range(path, start, &count, have_count, info.capacity) < 0) {
		vmdk_close(d);
		return 1;
	}
	buf = malloc(CHUNK_SECTORS * 512u);
	if (!buf) {
		tool_warn(path, "out of memory");
		vmdk_close(d);
		return 1;
	}
	memset(buf, (int)val, CHUNK_SECTORS * 512u);
	/* SIGINT or SIGTERM stop between writes: the disk is closed as
	 * usual, its unclean-shutdown mark cleared. */
	tool_catch_signals();
	while (done < count) {
		if (tool_interrupted)
			break;
		uint32_t n = count - done < CHUNK_SECTORS ? (uint32_t)(count - done)
							  : CHUNK_SECTORS;
		if (fd >= 0 && (err = next_chunk(fd, buf, n, &eof)) < 0) {
			if (!tool_interrupted)
				tool_warn(file, "%s", strerror(-err));
			break;
		}
		err = vmdk_write(d, start + done, n, buf);
		if (err < 0) {
			tool_lib_error(path, err, d);
			/* What is on the disk: the sectors before this write. */
			tool_warn(path, "stopped: at least %llu of %s were written "
				  "and stay; the rest reads as before",
				  (unsigned long long)done, tool_sectors(count));
			break;
		}
		done += n;
	}
	if (tool_interrupted) {
		tool_warn(path, "interrupted after %llu of %s",
			  (unsigned long long)done, tool_sectors(count));
		err = -1;
	}
	free(buf);
	if (fd > STDIN_FILENO)
		close(fd);
	if (vmdk_close(d) < 0 && err == 0) {
		tool_warn(path, "closing failed; data may not be on disk");
		err = -1;
	}
	if (err < 0)
		return 1;
	if (verbosity > 0)
		printf("Wrote %s at sector %llu of %s\n", tool_sectors(count),
		       (unsigned long long)start, path);
	return 0;
}
