/* SPDX-License-Identifier: MIT */
/* raw.c --- a raw image file or block device opened as a one-link disk
 * of its size, to clone from or write to */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

/* Size of a regular file, or of a block device (st_size is 0 there). */
static int raw_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, size) < 0 ? -errno : 0;
	if (!S_ISREG(st.st_mode))
		return -ESPIPE;
	*size = (uint64_t)st.st_size;
	return 0;
}

/* The descriptor a raw image of @sectors is described by. */
static char *raw_text(const char *path, uint64_t sectors)
{
	char *text = NULL;

	if (asprintf(&text, "createType=\"raw\"\nRW %llu FLAT \"%s\" 0\n",
		     (unsigned long long)sectors,
		     strchr(path, '"') ? "raw" : path) < 0)
		return NULL;
	return text;
}

/* The size of the raw image open on @fd, refused when it cannot be one. */
static int raw_check(int fd, const char *path, uint64_t *size,
		     struct vmdk_errbuf *eb)
{
	int err = raw_size(fd, size);

	if (err < 0 || *size == 0 || *size > VMDK_MAX_CAPACITY * VMDK_SECTOR)
		return vmdk_seterr_at(eb, err < 0 ? err : VMDK_E_TOO_BIG, path, "%s",
				      err == -ESPIPE ? "not a file or block device"
				      : err < 0      ? vmdk_strerror(err)
				      : *size        ? "larger than 64 TiB"
						     : "empty");
	return 0;
}

static struct vmdk_extent raw_extent(int fd, bool writable, uint64_t size)
{
	return (struct vmdk_extent){ .ops = vmdk_format_for_type(VMDK_TYPE_RAW),
				     .kind = "RAW", .fd = fd, .writable = writable,
				     .sectors = (size + 511) / VMDK_SECTOR,
				     .file_size = size };
}

int vmdk_open_raw(const char *path, unsigned flags, vmdk_disk **out)
{
	struct vmdk_errbuf *oeb = vmdk_open_errbuf();
	bool writable = !(flags & VMDK_OPEN_RDONLY);
	struct vmdk_extent x;
	uint64_t size;
	char *text = NULL;
	int fd, err;

	oeb->msg[0] = '\0';
	if (!path || !out)
		return vmdk_seterr(oeb, VMDK_E_INVALID_ARG, "no path given");
	err = vmdk_link_open_file(path, writable, writable, &fd, oeb, 0);
	if (err < 0)
		return err;
	if (!(flags & VMDK_OPEN_RAW_FOREIGN) && vmdk_foreign_format(fd)) {
		err = vmdk_seterr_at(oeb, VMDK_E_FOREIGN, path, "a %s image, not raw",
				     vmdk_foreign_format(fd));
		close(fd);
		return err;
	}
	err = raw_check(fd, path, &size, oeb);
	if (err < 0) {
		close(fd);
		return err;
	}
	text = raw_text(path, (size + 511) / VMDK_SECTOR);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	x = raw_extent(fd, writable, size);
	err = vmdk_one_extent_disk(path, text, &x, out);
	free(text);
	if (err == 0)
		(*out)->links[0]->image = "raw";
	return err;
}

int vmdk_raw_link_open(const char *path, struct vmdk_link **out,
		       struct vmdk_errbuf *eb)
{
	struct vmdk_extent x;
	uint64_t size;
	char *text;
	int fd, err = vmdk_link_open_file(path, false, false, &fd, eb, 0);

	if (err < 0)
		return err;
	err = raw_check(fd, path, &size, eb);
	if (err < 0) {
		close(fd);
		return err;
	}
	text = raw_text(path, (size + 511) / VMDK_SECTOR);
	if (!text) {
		close(fd);
		return -ENOMEM;
	}
	x = raw_extent(fd, false, size);
	err = vmdk_one_extent_link(path, text, &x, out, eb);
	free(text);
	if (err == 0)
		(*out)->image = "raw";
	return err;
}

int vmdk_one_extent_link(const char *path, const char *text,
			 const struct vmdk_extent *proto, struct vmdk_link **out,
			 struct vmdk_errbuf *eb)
{
	struct vmdk_link *l = calloc(1, sizeof(*l));
	struct vmdk_extent *x = calloc(1, sizeof(*x));
	int err, ignored = 0;

	if (!l || !x) {
		free(l);
		free(x);
		if (proto->ops->close) {
			struct vmdk_extent tmp = *proto;
			proto->ops->close(&tmp);
		}
		if (proto->fd >= 0)
			close(proto->fd);
		return -ENOMEM;
	}
	*x = *proto;
	x->eb = eb;
	x->path = strdup(path);
	l->desc_fd = -1;
	l->writable = x->writable;
	l->path = strdup(path);
	l->dir = vmdk_dirname(path);
	l->ext = x;
	l->n_ext = 1;
	l->capacity = x->sectors;
	x->backing = vmdk_chain_backing;
	x->backing_arg = l;
	err = vmdk_desc_parse(text, strlen(text), &l->desc, eb);
	if (err == 0 && (!l->path || !l->dir || !x->path))
		err = -ENOMEM;
	if (err < 0) {
		vmdk_link_free(l, &ignored);
		return err;
	}
	*out = l;
	return 0;
}

int vmdk_one_extent_disk(const char *path, const char *text,
			 const struct vmdk_extent *proto, vmdk_disk **out)
{
	vmdk_disk *d = calloc(1, sizeof(*d));
	struct vmdk_link *l;
	int err;

	if (!d) {
		if (proto->ops->close) {
			struct vmdk_extent tmp = *proto;
			proto->ops->close(&tmp);
		}
		if (proto->fd >= 0)
			close(proto->fd);
		return -ENOMEM;
	}
	err = vmdk_one_extent_link(path, text, proto, &l, &d->eb);
	if (err < 0) {
		memcpy(vmdk_open_errbuf(), &d->eb, sizeof(d->eb));
		free(d);
		return err;
	}
	d->links[d->nlinks++] = l;
	*out = d;
	return 0;
}
