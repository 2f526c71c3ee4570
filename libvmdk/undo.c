/* SPDX-License-Identifier: MIT */
/* undo.c --- what a repair overwrites, kept in a file so that it can be
 * put back (vmdk-check --undo, as e2fsck -z and e2undo).  The file is a
 * header line, then records: a file's path and its size before the
 * repair, and the bytes of a range before it was overwritten.  Each
 * record is synced before the overwrite it covers. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

#define MAGIC "vmdktools undo 1\n"
#define MAX_RANGE (1u << 20)

struct vmdk_undo {
	int fd;
	char *last_path;	/* the file the last record named */
	struct vmdk_errbuf *eb;
};

int vmdk_undo_open(const char *path, struct vmdk_errbuf *eb,
		   struct vmdk_undo **out)
{
	struct vmdk_undo *u = calloc(1, sizeof(*u));
	int err;

	if (!u)
		return -ENOMEM;
	u->eb = eb;
	u->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (u->fd < 0) {
		err = -errno;
		free(u);
		return vmdk_seterr_at(eb, err == -EEXIST ? VMDK_E_EXISTS : err, path, "%s",
				      err == -EEXIST ? "already exists; not overwritten"
						     : vmdk_strerror(err));
	}
	err = vmdk_write_all(u->fd, MAGIC, strlen(MAGIC));
	if (err == 0 && fsync(u->fd) < 0)
		err = -errno;
	if (err < 0) {
		close(u->fd);
		unlink(path);
		free(u);
		return vmdk_seterr_at(eb, err, path, "%s", vmdk_strerror(err));
	}
	*out = u;
	return 0;
}

void vmdk_undo_close(struct vmdk_undo *u)
{
	if (!u)
		return;
	close(u->fd);
	free(u->last_path);
	free(u);
}

static int put_u64(struct vmdk_undo *u, char tag, uint64_t v)
{
	uint8_t b[9];

	b[0] = (uint8_t)tag;
	vmdk_put_le64(b + 1, v);
	return vmdk_write_all(u->fd, b, sizeof(b));
}

int vmdk_undo_save(struct vmdk_undo *u, int fd, const char *path, uint64_t off,
		   size_t len)
{
	char real[PATH_MAX];
	uint8_t *old;
	uint64_t size;
	int err;

	if (!u)
		return 0;
	if (len > MAX_RANGE || !realpath(path, real))
		return vmdk_seterr_at(u->eb, len > MAX_RANGE ? -EINVAL : -errno, path,
				      "cannot record it for undo");
	err = vmdk_file_size(fd, &size);
	if (err == 0 && (!u->last_path || strcmp(u->last_path, real))) {
		free(u->last_path);
		u->last_path = strdup(real);
		err = put_u64(u, 'F', strlen(real));
		if (err == 0)
			err = vmdk_write_all(u->fd, real, strlen(real));
		if (err == 0)
			err = put_u64(u, 'S', size);
	}
	old = calloc(len ? len : 1, 1);
	if (!old)
		return -ENOMEM;
	/* Bytes past the end read as nothing: the size record covers them. */
	if (err == 0 && off < size)
		err = vmdk_pread_all(fd, old, off + len > size ? size - off : len, off);
	if (err == 0)
		err = put_u64(u, 'B', off);
	if (err == 0)
		err = put_u64(u, 'L', len);
	if (err == 0)
		err = vmdk_write_all(u->fd, old, len);
	free(old);
	if (err == 0 && fsync(u->fd) < 0)
		err = -errno;
	return err < 0 ? vmdk_seterr(u->eb, err, "writing the undo file: %s",
				     vmdk_strerror(err)) : 0;
}

int vmdk_undo_save_file(struct vmdk_undo *u, int fd, const char *path)
{
	uint64_t size = 0;
	int err = u ? vmdk_file_size(fd, &size) : 0;

	for (uint64_t off = 0; err == 0 && off < size; off += MAX_RANGE)
		err = vmdk_undo_save(u, fd, path, off, size - off < MAX_RANGE
				     ? (size_t)(size - off) : MAX_RANGE);
	return err;
}

static int get_u64(FILE *f, char want, uint64_t *v)
{
	uint8_t b[9];

	if (fread(b, 1, 9, f) != 9 || b[0] != (uint8_t)want)
		return -1;
	*v = vmdk_le64(b + 1);
	return 0;
}

/* Apply the records of @f: bytes back in place, then each file's size. */
int vmdk_check_undo(const char *undo)
{
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	char magic[sizeof(MAGIC)] = "", path[PATH_MAX];
	uint8_t *buf = malloc(MAX_RANGE);
	uint64_t v, size = 0, off, len;
	FILE *f = fopen(undo, "rb");
	int fd = -1, err = 0, c;

	if (!f || !buf) {
		err = f ? -ENOMEM
			: vmdk_seterr_at(eb, -errno, undo, "%s", vmdk_strerror(-errno));
		goto out;
	}
	if (fread(magic, 1, strlen(MAGIC), f) != strlen(MAGIC) || strcmp(magic, MAGIC)) {
		err = vmdk_seterr_at(eb, VMDK_E_INVALID_ARG, undo, "not a vmdktools undo file");
		goto out;
	}
	while (err == 0 && (c = fgetc(f)) != EOF) {
		ungetc(c, f);
		if (c == 'F') {
			if (fd >= 0 && (ftruncate(fd, (off_t)size) < 0 || fsync(fd) < 0))
				err = -errno;
			if (fd >= 0)
				close(fd);
			fd = -1;
			if (err || get_u64(f, 'F', &v) || v >= sizeof(path) ||
			    fread(path, 1, v, f) != v || get_u64(f, 'S', &size))
				goto bad;
			path[v] = '\0';
			fd = open(path, O_RDWR | O_CLOEXEC);
			if (fd < 0) {
				err = vmdk_seterr_at(eb, -errno, path, "%s",
						     vmdk_strerror(-errno));
				break;
			}
		} else if (c == 'B' && fd >= 0) {
			if (get_u64(f, 'B', &off) || get_u64(f, 'L', &len) ||
			    len > MAX_RANGE || fread(buf, 1, len, f) != len)
				goto bad;
			err = vmdk_pwrite_all(fd, buf, len, off);
			if (err < 0)
				err = vmdk_seterr_at(eb, err, path, "%s", vmdk_strerror(err));
		} else {
			goto bad;
		}
	}
	if (err == 0 && fd >= 0 && (ftruncate(fd, (off_t)size) < 0 || fsync(fd) < 0))
		err = vmdk_seterr_at(eb, -errno, path, "%s", vmdk_strerror(-errno));
	goto out;
bad:
	err = vmdk_seterr_at(eb, VMDK_E_INVALID_ARG, undo, "damaged undo file");
out:
	if (fd >= 0)
		close(fd);
	if (f)
		fclose(f);
	free(buf);
	return err;
}
