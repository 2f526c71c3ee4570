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

int vmdk_open_raw(const char *path, unsigned flags, vmdk_disk **out)
{
	struct vmdk_errbuf *oeb = vmdk_open_errbuf();
	bool writable = !(flags & VMDK_OPEN_RDONLY);
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
		err = vmdk_seterr(oeb, VMDK_E_FOREIGN, "%s: a %s image, not raw",
				  path, vmdk_foreign_format(fd));
		close(fd);
		return err;
	}
	err = raw_size(fd, &size);
	if (err < 0 || size == 0 || size > VMDK_MAX_CAPACITY * VMDK_SECTOR) {
		close(fd);
		return vmdk_seterr(oeb, err < 0 ? err : VMDK_E_TOO_BIG,
				   "%s: %s", path, err == -ESPIPE
				   ? "not a file or block device"
				   : err < 0 ? vmdk_strerror(err)
				   : size ? "larger than 64 TiB" : "empty");
	}
	if (asprintf(&text, "createType=\"raw\"\nRW %llu FLAT \"%s\" 0\n",
		     (unsigned long long)(size + 511) / VMDK_SECTOR,
		     strchr(path, '"') ? "raw" : path) < 0) {
		close(fd);
		return -ENOMEM;
	}
	err = vmdk_one_extent_disk(path, text, &(struct vmdk_extent){
					   .ops = vmdk_format_for_type(VMDK_TYPE_RAW),
					   .kind = "RAW", .fd = fd, .writable = writable,
					   .sectors = (size + 511) / VMDK_SECTOR,
					   .file_size = size }, out);
	free(text);
	return err;
}

int vmdk_one_extent_disk(const char *path, const char *text,
			 const struct vmdk_extent *proto, vmdk_disk **out)
{
	struct vmdk_errbuf *oeb = vmdk_open_errbuf();
	struct vmdk_link *l;
	struct vmdk_extent *x;
	vmdk_disk *d;
	int err, ignored = 0;

	d = calloc(1, sizeof(*d));
	l = calloc(1, sizeof(*l));
	x = calloc(1, sizeof(*x));
	if (!d || !l || !x) {
		free(d);
		free(l);
		free(x);
		if (proto->ops->close) {
			struct vmdk_extent tmp = *proto;
			proto->ops->close(&tmp);
		} else if (proto->fd >= 0) {
			close(proto->fd);
		}
		return -ENOMEM;
	}
	*x = *proto;
	x->eb = &d->eb;
	x->path = strdup(path);
	x->backing = vmdk_chain_backing;
	x->backing_arg = l;
	l->desc_fd = -1;
	l->writable = x->writable;
	l->path = strdup(path);
	l->dir = vmdk_dirname(path);
	l->ext = x;
	l->n_ext = 1;
	l->capacity = x->sectors;
	d->links[d->nlinks++] = l;
	err = vmdk_desc_parse(text, strlen(text), &l->desc, oeb);
	if (err == 0 && (!l->path || !l->dir || !x->path))
		err = -ENOMEM;
	if (err < 0) {
		vmdk_chain_close(d, &ignored);
		free(d);
		return err;
	}
	*out = d;
	return 0;
}
