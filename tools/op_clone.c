/* SPDX-License-Identifier: MIT */
/* op_clone.c --- a clone as both front ends run it (vmdk-clone and
 * vmware-vdiskmanager -r): the source opened as a VMDK, a raw image or
 * standard input spooled beside the destination, the copy with progress,
 * its messages. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common.h"
#include "ops.h"

static bool all_zero(const char *b, size_t n)
{
	return n == 0 || (b[0] == 0 && memcmp(b, b + 1, n - 1) == 0);
}

/* The library's message, naming the source as the user did. */
static void source_error(const char *path, const char *name, int err)
{
	size_t n = strlen(path);

	/* The message begins with the file it concerns and ": ". */
	if (strcmp(vmdk_errfile(NULL), path) == 0 && strlen(vmdk_errmsg(NULL)) > n + 2)
		tool_warn(name, "%s", vmdk_errmsg(NULL) + n + 2);
	else
		tool_lib_error(name, err, NULL);
	/* A conversion that works with either front end. */
	if (err == VMDK_E_FOREIGN)
		fprintf(stderr, "%s: convert it to a raw image first ('qemu-img "
			"convert -O raw %s disk.raw'), then clone disk.raw\n",
			progname, name);
}

static bool ends_with_vmdk(const char *s)
{
	size_t n = strlen(s);

	return n >= 5 && strcasecmp(s + n - 5, ".vmdk") == 0;
}

/* A VMDK (or an image of another format we read), or a raw image when
 * it is plainly not one; another format's
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

const char *op_exists_hint;

vmdk_disk *op_open_source(const char *path)
{
	return open_source(path, path, SOURCE_ANY);
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

uint64_t op_stdin_raw_sectors;

/* What is read of standard input to tell what it holds: a sector. */
#define STDIN_HEAD 512

/* Standard input, whose first @got bytes @head were read already, as a
 * file beside the destination: a VMDK not readable as it comes, or a raw
 * image of unknown size (zero blocks left as holes).  The name is
 * unlinked once opened. */
static char *spool_stdin(const char *dst, const uint8_t *head, size_t got,
			 bool *is_vmdk)
{
	static char buf[1 << 20];
	const char *slash = strcmp(dst, "-") ? strrchr(dst, '/') : NULL;
	char *path;
	uint64_t off = 0;
	bool readable;
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
	/* A VMDK, or another format's image we read (a file now). */
	*is_vmdk = vmdk_probe_format(head, got, &readable) && readable;
	if (got && pwrite(fd, head, got, 0) != (ssize_t)got) {
		tool_warn(path, "%s", strerror(errno));
		close(fd);
		unlink(path);
		free(path);
		return NULL;
	}
	off = got;
	for (;;) {
		long have = got < STDIN_HEAD ? 0 : tool_read_full(STDIN_FILENO, buf, sizeof(buf));
		if (have < 0) {
			tool_warn("standard input", "%s", strerror((int)-have));
			break;
		}
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

vmdk_disk *op_clone_source(const char *src, const char *spool_beside,
			   int source_format)
{
	uint8_t head[STDIN_HEAD];
	bool is_vmdk;
	vmdk_disk *d;
	char *spool;
	long got;
	int err;

	if (strcmp(src, "-") != 0)
		return open_source(src, src, source_format);
	got = tool_read_full(STDIN_FILENO, head, sizeof(head));
	if (got < 0) {
		tool_warn("standard input", "%s", strerror((int)-got));
		return NULL;
	}
	/* A stream, or a raw image of a known size, is read as it comes. */
	err = source_format == SOURCE_VMDK && op_stdin_raw_sectors ? VMDK_E_NOT_A_DISK
	      : vmdk_open_sequential(STDIN_FILENO, "standard input", head, (size_t)got,
				     source_format == SOURCE_VMDK ? 0
				     : op_stdin_raw_sectors * 512,
				     source_format == SOURCE_RAW ? VMDK_OPEN_RAW_FOREIGN : 0,
				     &d);
	if (err == 0)
		return d;
	if (err != VMDK_E_NOT_A_DISK || op_stdin_raw_sectors) {
		source_error("standard input", "standard input", err);
		return NULL;
	}
	if (verbosity > 0 && vmdk_probe_format(head, (size_t)got, NULL) &&
	    strcmp(vmdk_probe_format(head, (size_t)got, NULL), "VMDK"))
		tool_warn("standard input", "a %s image: stored beside the destination "
			  "first (it is read from a file)",
			  vmdk_probe_format(head, (size_t)got, NULL));
	else if (verbosity > 0 && !(got >= 4 && memcmp(head, "KDMV", 4) == 0))
		tool_warn("standard input", "a raw image of unknown size: stored beside "
			  "the destination first (--size reads it as it comes)");
	spool = spool_stdin(spool_beside, head, (size_t)got, &is_vmdk);
	if (!spool)
		return NULL;
	if (is_vmdk && names_parent(spool)) {
		tool_warn("standard input", "a child disk (it names a parent); "
			  "give its file name, so that the parent is found "
			  "beside it");
		unlink(spool);
		free(spool);
		return NULL;
	}
	d = open_source(spool, "standard input",
			!is_vmdk && source_format == SOURCE_ANY
			? SOURCE_RAW_IMAGE : source_format);
	unlink(spool);
	free(spool);
	return d;
}

int op_clone(const char *src, const char *dst, struct vmdk_clone_params *pp,
	     int source_format, bool force_progress)
{
	struct vmdk_clone_params p = *pp;
	struct tool_progress prog;
	vmdk_disk *d;
	int err;

	if (strcmp(dst, "-") == 0) {
		if (p.type != VMDK_TYPE_STREAM_OPTIMIZED && p.type != VMDK_TYPE_RAW)
			tool_try_help("only streamOptimized (-t 5) and raw go to "
				      "standard output");
		if (isatty(STDOUT_FILENO)) {
			tool_warn("standard output", "a terminal: refusing to write a disk to it");
			return 1;
		}
	}
	d = op_clone_source(src, dst, source_format);
	if (!d)
		return 1;
	tool_describe(d, src);
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
	if (err == VMDK_E_EXISTS && op_exists_hint) {
		tool_warn(NULL, "%s (%s)", vmdk_errmsg(NULL), op_exists_hint);
		return 1;
	}
	if (err < 0) {
		/* A failed read of standard input names it itself. */
		tool_lib_error(strcmp(dst, "-") ? dst : "standard output", err, NULL);
		return 1;
	}
	if (verbosity > 0 && tool_op_summaries && strcmp(dst, "-"))
		printf("Cloned %s to %s (%s)\n", strcmp(src, "-") ? src : "standard input", dst,
		       p.type == VMDK_TYPE_RAW ? "raw" : vmdk_type_name(p.type));
	return 0;
}
