/* SPDX-License-Identifier: MIT */
/* vmdk-compare.c --- do two disks hold the same content?  Either may be a
 * VMDK (its chain followed), a raw image, or a stream (standard input, a
 * FIFO).  Where both are disks, runs that read as zeros in both are
 * skipped by their allocation, not read. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "ops.h"

#define CHUNK 2048u		/* sectors compared at a time: 1 MiB */
#define EXIT_DIFFER 1
#define EXIT_TROUBLE 2

static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] <a> <b>\n"
	       "\nCompare the content of two disks over their whole size: VMDKs\n"
	       "(chains followed), raw images, or a stream ('-' for standard input,\n"
	       "a FIFO).  Past the end of the smaller one the larger must read as\n"
	       "zeros.  Exit status 0: the same, 1: they differ, 2: trouble.\n"
	       "\nOptions:\n"
	       " -s, --strict             differ also in size or in what is allocated\n"
	       "     --progress           show progress even when not on a terminal\n"
	       TOOL_UNSAFE_HELP
	       " -q, --quiet              print nothing; the exit status tells\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nFor more details see vmdk-compare(1).\n", progname);
}

struct side {
	const char *name;
	vmdk_disk *d;		/* a disk, or */
	int fd;			/* a stream read as it comes */
	uint64_t sectors;	/* the size; UINT64_MAX for a stream not ended */
	uint8_t *buf;
};

static bool is_stream(const char *path)
{
	struct stat st;

	return strcmp(path, "-") == 0 || (stat(path, &st) == 0 &&
					  (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)));
}

static int open_side(struct side *s, const char *path)
{
	struct vmdk_info info;

	s->name = strcmp(path, "-") ? path : "standard input";
	s->fd = -1;
	s->buf = malloc(CHUNK * 512u);
	if (!s->buf) {
		tool_warn(s->name, "out of memory");
		return -1;
	}
	if (is_stream(path)) {
		s->fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
		if (s->fd < 0) {
			tool_warn(s->name, "%s", strerror(errno));
			return -1;
		}
		s->sectors = UINT64_MAX;
		return 0;
	}
	s->d = op_open_source(path);
	if (!s->d)
		return -1;
	vmdk_get_info(s->d, &info);
	s->sectors = info.capacity;
	return 0;
}

static void close_side(struct side *s)
{
	vmdk_close(s->d);
	if (s->fd > STDIN_FILENO)
		close(s->fd);
	free(s->buf);
}

/* @n sectors from @at into s->buf; zeros past the end.  A stream that
 * ends learns its size.  -1 once the error is told. */
static int read_side(struct side *s, uint64_t at, uint32_t n)
{
	uint64_t have = at < s->sectors ? s->sectors - at : 0;
	uint32_t k = have < n ? (uint32_t)have : n;

	memset(s->buf, 0, n * 512u);
	if (s->d) {
		int err = k ? vmdk_read(s->d, at, k, s->buf) : 0;
		if (err < 0) {
			tool_lib_error(s->name, err, s->d);
			return -1;
		}
		return 0;
	}
	if (k) {
		long got = tool_read_full(s->fd, s->buf, k * 512u);
		if (got < 0) {
			tool_warn(s->name, "%s", strerror((int)-got));
			return -1;
		}
		if ((uint64_t)got < k * 512ull)	/* the end: its size is known */
			s->sectors = at + ((uint64_t)got + 511) / 512;
	}
	return 0;
}

/* Sectors from @at that read as zeros without being read (0: unknown),
 * and whether they are allocated. */
static uint64_t zero_run(struct side *s, uint64_t at, uint64_t n, bool *allocated)
{
	uint64_t run = 0;
	int st;

	*allocated = true;
	if (!s->d)
		return 0;
	if (at >= s->sectors) {
		*allocated = false;
		return n;
	}
	st = vmdk_block_status(s->d, at, n, &run, NULL);
	if (st < 0)
		return 0;
	*allocated = st == VMDK_BLOCK_DATA;
	return st == VMDK_BLOCK_DATA ? 0 : run;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

struct verdict {
	uint64_t at;		/* the first sector that differs */
	const char *how;	/* NULL: the same */
};

static int compare(struct side *a, struct side *b, bool strict,
		   struct tool_progress *prog, struct verdict *v)
{
	uint64_t at = 0;

	v->how = NULL;
	if (strict && a->d && b->d && a->sectors != b->sectors) {
		v->at = min64(a->sectors, b->sectors);
		v->how = "in size";
		return 0;
	}
	for (;;) {
		uint64_t end = a->sectors > b->sectors ? a->sectors : b->sectors;
		uint64_t total = end == UINT64_MAX ? 0 : end;
		bool alloc_a, alloc_b;
		uint64_t za, zb;
		uint32_t n;

		if (at >= end || tool_interrupted)
			break;
		if (tool_progress_cb(prog, at, total ? total : at + 1))
			break;
		n = (uint32_t)min64(CHUNK, end - at);
		za = zero_run(a, at, n, &alloc_a);
		zb = zero_run(b, at, n, &alloc_b);
		if (strict && a->d && b->d && alloc_a != alloc_b) {
			v->at = at;
			v->how = "in what is allocated";
			return 0;
		}
		if (za && zb) {		/* zeros in both: nothing to read */
			at += min64(za, zb);
			continue;
		}
		if (read_side(a, at, n) < 0 || read_side(b, at, n) < 0)
			return -1;
		if (memcmp(a->buf, b->buf, n * 512u) != 0) {
			uint32_t i = 0;
			while (memcmp(a->buf + i * 512u, b->buf + i * 512u, 512) == 0)
				i++;
			v->at = at + i;
			v->how = at + i >= a->sectors || at + i >= b->sectors
				 ? "past the end of the smaller" : "in content";
			return 0;
		}
		at += n;
	}
	if (tool_interrupted)
		return -1;
	if (strict && a->sectors != b->sectors) {
		v->at = min64(a->sectors, b->sectors);
		v->how = "in size";
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_PROGRESS = 256 };
	static const struct option longopts[] = {
		{ "strict", no_argument, NULL, 's' },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		TOOL_COMMON_LONGOPTS,
		TOOL_UNSAFE_LONGOPT,
		{ NULL, 0, NULL, 0 },
	};
	struct side a = { 0 }, b = { 0 };
	bool strict = false, force_progress = false;
	struct tool_progress prog;
	struct verdict v;
	int c, rc;

	tool_init(argv[0]);
	while ((c = getopt_long(argc, argv, ":s" TOOL_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == 's')
			strict = true;
		else if (c == OPT_PROGRESS)
			force_progress = true;
		else
			tool_common_option(c, usage, argv);
	}
	if (argc - optind != 2)
		tool_try_help(argc - optind < 2 ? "expected two disks" : "too many arguments");
	if (strcmp(argv[optind], "-") == 0 && strcmp(argv[optind + 1], "-") == 0)
		tool_try_help("only one of the two can be standard input");
	rc = open_side(&a, argv[optind]) < 0 || open_side(&b, argv[optind + 1]) < 0
	     ? -1 : 0;
	if (rc == 0) {
		tool_catch_signals();
		tool_progress_init(&prog, "Comparing", force_progress);
		rc = compare(&a, &b, strict, &prog, &v);
		tool_progress_end(&prog);
	}
	close_side(&a);
	close_side(&b);
	if (rc < 0) {
		if (tool_interrupted)
			tool_warn(NULL, "interrupted");
		return EXIT_TROUBLE;
	}
	if (!v.how) {
		if (verbosity > 0 && a.sectors == b.sectors)
			printf("%s and %s are identical (%s)\n", a.name, b.name,
			       tool_sectors(a.sectors));
		else if (verbosity > 0)
			printf("%s and %s are identical over %s; the larger reads "
			       "zeros past that\n", a.name, b.name,
			       tool_sectors(min64(a.sectors, b.sectors)));
		return 0;
	}
	if (verbosity > 0 && strcmp(v.how, "in size") == 0)
		printf("%s and %s differ in size: %s and %s\n", a.name, b.name,
		       tool_sectors(a.sectors), tool_sectors(b.sectors));
	else if (verbosity > 0)
		printf("%s and %s differ %s at sector %llu (byte %llu)\n", a.name,
		       b.name, v.how, (unsigned long long)v.at,
		       (unsigned long long)v.at * 512);
	return EXIT_DIFFER;
}
