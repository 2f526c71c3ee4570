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

#define MAX_DDB 64

static void usage(void)
{
	printf("Usage:\n"
	       " %s [options] <source> <destination>\n"
	       "\nCopy a disk to a new disk of any type, or to a raw image.  The\n"
	       "source may be a VMDK (its chain is flattened), a raw image or a\n"
	       "block device; the destination '-' is standard output\n"
	       "(streamOptimized or raw).\n"
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
	       "     --source-format <f>  vmdk: the source must be a VMDK; raw: its\n"
	       "                          bytes as they are, even a qcow2, VHD, VHDX,\n"
	       "                          VDI or QED image (refused otherwise)\n"
	       " -f, --force              replace an existing destination\n"
	       "     --no-sync            do not wait for the copy to reach the disk\n"
	       "     --progress           show progress even when not on a terminal\n"
	       TOOL_UNSAFE_HELP
	       " -q, --quiet              no progress, no messages but errors\n"
	       " -v, --verbose            say more\n"
	       "\n -h, --help               display this help\n"
	       " -V, --version            display version\n"
	       "\nFor more details see vmdk-clone(1).\n", progname);
}

static bool all_zero(const char *b, size_t n)
{
	return n == 0 || (b[0] == 0 && memcmp(b, b + 1, n - 1) == 0);
}

/* --source-format, -r */
enum { SOURCE_ANY, SOURCE_VMDK, SOURCE_RAW_IMAGE, SOURCE_RAW };

/* The library's message, naming the source as the user did. */
static void source_error(const char *path, const char *name, int err)
{
	const char *msg = vmdk_errmsg(NULL);
	size_t n = strlen(path);

	if (strncmp(msg, path, n) == 0 && msg[n] == ':')
		tool_warn(name, "%s", msg + n + 2);
	else
		tool_disk_error(name, err, msg);
	if (err == VMDK_E_FOREIGN)
		fprintf(stderr, "%s: --source-format raw copies its bytes as they are\n",
			progname);
}

static bool ends_with_vmdk(const char *s)
{
	size_t n = strlen(s);

	return n >= 5 && strcasecmp(s + n - 5, ".vmdk") == 0;
}

/* A VMDK, or a raw image when it is plainly not one; another format's
 * image only as raw bytes when asked (--source-format raw).  Messages
 * call it @name. */
static vmdk_disk *open_source(const char *path, const char *name, int format)
{
	unsigned raw_flags = VMDK_OPEN_RDONLY |
			     (format == SOURCE_RAW ? VMDK_OPEN_RAW_FOREIGN : 0);
	vmdk_disk *d;
	int err;

	if (format != SOURCE_RAW && format != SOURCE_RAW_IMAGE) {
		err = vmdk_open(path, VMDK_OPEN_RDONLY | tool_open_flags, &d);
		if (err == 0)
			return d;
		if (format == SOURCE_VMDK ||
		    (err != VMDK_E_NOT_A_DISK && err != VMDK_E_FOREIGN) ||
		    ends_with_vmdk(path)) {
			source_error(path, name, err);
			return NULL;
		}
		if (verbosity > 1)
			tool_warn(name, "not a VMDK; reading it as a raw image");
	}
	err = vmdk_open_raw(path, raw_flags, &d);
	if (err < 0) {
		source_error(path, name, err);
		return NULL;
	}
	return d;
}

/* A disk on standard input has no directory its parent hint could be
 * read from: a child there is refused. */
static bool names_parent(const char *spool)
{
	struct vmdk_info info;
	vmdk_disk *d;
	bool child;

	if (vmdk_open(spool, VMDK_OPEN_RDONLY | VMDK_OPEN_SINGLE_LINK, &d) < 0)
		return false;
	child = vmdk_get_info(d, &info) == 0 && info.parent_hint;
	vmdk_close(d);
	return child;
}

/* Standard input as a file beside the destination: a streamOptimized
 * VMDK (read in full, as its directory is at the end) or a raw image
 * (zero blocks left as holes).  The name is unlinked once opened. */
static char *spool_stdin(const char *dst, bool *is_vmdk)
{
	static char buf[1 << 20];
	const char *slash = strcmp(dst, "-") ? strrchr(dst, '/') : NULL;
	char *path;
	uint64_t off = 0;
	int fd;

	if (asprintf(&path, "%.*s%s.vmdk-stdin-XXXXXX",
		     slash ? (int)(slash - dst) : 0, dst, slash ? "/" : "") < 0)
		return NULL;
	fd = mkstemp(path);
	if (fd < 0) {
		tool_warn(path, "%s", strerror(errno));
		free(path);
		return NULL;
	}
	*is_vmdk = false;
	for (;;) {
		long have = tool_read_full(STDIN_FILENO, buf, sizeof(buf));
		if (have < 0) {
			tool_warn("standard input", "%s", strerror((int)-have));
			break;
		}
		if (off == 0 && have >= 4 && memcmp(buf, "KDMV", 4) == 0)
			*is_vmdk = true;
		if (have && (*is_vmdk || !all_zero(buf, (size_t)have)) &&
		    pwrite(fd, buf, (size_t)have, (off_t)off) != have) {
			tool_warn(path, "%s", strerror(errno));
			break;
		}
		off += (uint64_t)have;
		if ((size_t)have < sizeof(buf)) {	/* the end of the input */
			if (ftruncate(fd, (off_t)off) == 0) {
				close(fd);
				return path;
			}
			tool_warn(path, "%s", strerror(errno));
			break;
		}
	}
	close(fd);
	unlink(path);
	free(path);
	return NULL;
}

int main(int argc, char **argv)
{
	enum { OPT_HW = 256, OPT_UUID, OPT_TOOLS, OPT_DDB, OPT_PROGRESS,
	       OPT_NO_SYNC, OPT_SOURCE_FORMAT };
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
		{ "force", no_argument, NULL, 'f' },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "no-sync", no_argument, NULL, OPT_NO_SYNC },
		TOOL_COMMON_LONGOPTS,
		TOOL_UNSAFE_LONGOPT,
		{ NULL, 0, NULL, 0 },
	};
	struct vmdk_clone_params p = { .type = VMDK_TYPE_MONOLITHIC_SPARSE,
				       };
	const char *ddb[2 * MAX_DDB + 1] = { NULL };
	size_t nddb = 0;
	bool force_progress = false;
	int source_format = SOURCE_ANY;
	struct tool_progress prog;
	const char *src, *dst;
	vmdk_disk *d;
	uint64_t v;
	int c, err;

	tool_init(argv[0]);
	while ((c = getopt_long(argc, argv, "t:a:c:j:rf" TOOL_COMMON_SHORTOPTS,
				longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			p.type = tool_dest_type_arg(optarg);
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
		default:
			tool_common_option(c, usage);
		}
	}
	if (optind != argc - 2)
		tool_try_help("expected a source and a destination");
	src = argv[optind];
	dst = argv[optind + 1];
	p.ddb = nddb ? ddb : NULL;
	if (strcmp(dst, "-") == 0) {
		if (p.type != VMDK_TYPE_STREAM_OPTIMIZED && p.type != VMDK_TYPE_RAW)
			tool_try_help("only streamOptimized (-t 5) and raw go to "
				      "standard output");
		if (isatty(STDOUT_FILENO)) {
			tool_warn(NULL, "refusing to write a disk to a terminal");
			return 1;
		}
	}
	if (strcmp(src, "-") == 0) {
		bool is_vmdk;
		char *spool = spool_stdin(dst, &is_vmdk);
		if (!spool)
			return 1;
		if (is_vmdk && names_parent(spool)) {
			tool_warn("standard input", "a child disk (it names a parent); "
				  "give its file name, so that the parent is found "
				  "beside it");
			unlink(spool);
			free(spool);
			return 1;
		}
		d = open_source(spool, "standard input",
				!is_vmdk && source_format == SOURCE_ANY
				? SOURCE_RAW_IMAGE : source_format);
		unlink(spool);
		free(spool);
	} else {
		d = open_source(src, src, source_format);
	}
	if (!d)
		return 1;
	tool_catch_signals();
	tool_progress_init(&prog, "Cloning", force_progress);
	p.progress = tool_progress_cb;
	p.progress_arg = &prog;
	if (strcmp(dst, "-") == 0)
		err = vmdk_clone_fd(d, STDOUT_FILENO, "stream.vmdk", &p);
	else
		err = vmdk_clone(d, dst, &p);
	tool_progress_end(&prog);
	vmdk_close(d);
	if (err < 0) {
		tool_disk_error(strcmp(dst, "-") ? dst : "standard output", err,
				vmdk_errmsg(NULL));
		return 1;
	}
	if (verbosity > 0 && strcmp(dst, "-"))
		printf("Cloned %s to %s (%s)\n", strcmp(src, "-") ? src : "standard input", dst,
		       p.type == VMDK_TYPE_RAW ? "raw" : vmdk_type_name(p.type));
	return 0;
}
