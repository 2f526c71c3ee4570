/* SPDX-License-Identifier: MIT */
/* op_prepare.c --- zero the free space of a mounted filesystem, so that
 * a later vmdk-shrink of the virtual disk under it gives that space back
 * (vmware-vdiskmanager -p).  The zeros go into a file with no name (made
 * unnamed at once where O_TMPFILE is missing): however the tool ends,
 * even killed, the filesystem gets its space back and keeps its entries. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common.h"
#include "mount_of.h"
#include "ops.h"

#define CHUNK (1u << 20)

/* A file in @dir that no one sees and that goes when we do. */
static int unnamed_file(const char *dir)
{
	char *path;
	int fd = open(dir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);

	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	if (asprintf(&path, "%s/.vmdk-prepare.XXXXXX", dir) < 0)
		return -1;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	free(path);
	return fd;
}

/* Zeros until the filesystem is full: large writes first, then smaller
 * ones for the last blocks.  1 when stopped by a signal. */
static int fill(int fd, const uint8_t *zeros, uint64_t total,
		struct tool_progress *prog, uint64_t *written)
{
	size_t len = CHUNK;

	*written = 0;
	while (len >= 512) {
		ssize_t n = write(fd, zeros, len);
		if (n > 0) {
			*written += (uint64_t)n;
			if (tool_progress_cb(prog, *written < total ? *written : total, total))
				return 1;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != ENOSPC && errno != EFBIG)
			return -errno;
		len /= 2;	/* full, or this file at its largest */
	}
	return 0;
}

/* Only the filesystem of a virtual disk, at its mount point: zeroing the
 * free space of the host's own filesystem (a mistyped or unmounted
 * /mnt/guest) fills it for nothing.  0 when @dir may be zeroed. */
static int refuse_host_fs(const char *dir, bool force)
{
	struct mount_info m;
	char device[PATH_MAX + 8];
	int rc = mount_of(dir, &m);

	if (force)
		return 0;
	if (rc < 0) {
		tool_warn(dir, "cannot tell which filesystem this is (%s); --force "
			  "zeroes it anyway", strerror(errno));
		return -1;
	}
	if (rc == 0) {
		tool_warn(dir, "not a mount point: give the directory where the "
			  "virtual disk's filesystem is mounted (--force zeroes the "
			  "filesystem holding it anyway)");
		return -1;
	}
	if (m.root) {
		tool_warn(dir, "the root filesystem: prepare zeroes a virtual disk's "
			  "filesystem only");
		return -1;
	}
	if (!mount_on_virtual_disk(&m, device, sizeof(device))) {
		tool_warn(dir, "%s (%s) is not on a virtual disk (a loop or NBD "
			  "device): prepare zeroes a virtual disk's filesystem only; "
			  "--force if this one is", m.source, m.type);
		return -1;
	}
	if (verbosity > 1)
		fprintf(stderr, "%s: %s: %s on %s\n", progname, dir, m.type, device);
	return 0;
}

int op_prepare(const char *dir, bool force, bool force_progress)
{
	struct tool_progress prog;
	struct statvfs vfs;
	struct stat st;
	uint64_t total, written = 0;
	uint8_t *zeros;
	char h[32];
	int fd, rc;

	if (stat(dir, &st) < 0 || statvfs(dir, &vfs) < 0) {
		tool_warn(dir, "%s", strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		tool_warn(dir, "not a directory (give the filesystem's mount point)");
		return 1;
	}
	if (refuse_host_fs(dir, force) < 0)
		return 1;
	if (vfs.f_flag & ST_RDONLY) {
		tool_warn(dir, "mounted read-only: there is nothing to zero");
		return 1;
	}
	total = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (verbosity > 1)
		fprintf(stderr, "%s: %s: %s free to zero\n", progname, dir,
			tool_human(total, h, sizeof(h)));
	zeros = calloc(1, CHUNK);
	fd = zeros ? unnamed_file(dir) : -1;
	if (fd < 0) {
		tool_warn(dir, "cannot make a file to fill it: %s", strerror(errno));
		return 1;
	}
	tool_catch_signals();
	tool_progress_init(&prog, "Zeroing", force_progress);
	prog.unit = 1;	/* bytes */
	rc = fill(fd, zeros, total, &prog, &written);
	/* The zeros must reach the disk under the filesystem before their
	 * space is given back; a full delayed-allocation filesystem may say
	 * ENOSPC here for the last blocks, which were never written. */
	if (rc == 0 && fsync(fd) < 0 && errno != ENOSPC)
		rc = -errno;
	tool_progress_end(&prog);
	close(fd);
	free(zeros);
	if (rc < 0) {
		tool_warn(dir, "writing zeros: %s (the space is given back)", strerror(-rc));
		return 1;
	}
	if (rc > 0) {
		tool_warn(dir, "stopped; the space is given back");
		return 1;
	}
	if (verbosity > 0 && tool_op_summaries)
		printf("%s: %s of free space zeroed and given back; vmdk-shrink the "
		       "virtual disk now\n", dir, tool_human(written, h, sizeof(h)));
	return 0;
}
