/* SPDX-License-Identifier: MIT */
/* fetched_file.c --- a file of a disk read through a fetcher (a disk on a
 * datastore), as much of it as opening a link reads: the first sector
 * and the descriptor, in a memory file of the file's size.  The link's
 * code then reads them as it reads any descriptor; the extents read the
 * rest through the fetcher.  Nothing of the file is stored on disk, and
 * the memory is at most a descriptor's. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core.h"
#include "format.h"

/* Bytes [@off, @off + @len) of @path copied into @fd. */
static int copy_range(const struct vmdk_fetcher *f, const char *path, int fd,
		      uint64_t off, uint64_t len)
{
	uint8_t *buf;
	int err;

	if (!len)
		return 0;
	if (!(buf = malloc((size_t)len)))
		return -ENOMEM;
	err = f->read(f->arg, path, buf, (size_t)len, off);
	if (err == 0)
		err = vmdk_pwrite_all(fd, buf, (size_t)len, off);
	free(buf);
	return err;
}

int vmdk_fetched_head(const struct vmdk_fetcher *f, const char *path, int *out,
		      struct vmdk_errbuf *eb)
{
	uint8_t first[VMDK_SECTOR] = { 0 };
	struct vmdk_embedded e;
	uint64_t size = 0, off = 0, len = 0;
	int fd, embedded, err;

	*out = -1;
	err = f->size(f->arg, path, &size);
	if (err < 0)
		return vmdk_seterr_at(eb, err, path, "%s", vmdk_strerror(err));
	fd = memfd_create("vmdk-fetched", MFD_CLOEXEC);
	if (fd < 0)
		return vmdk_seterr_at(eb, -errno, path, "%s", vmdk_strerror(-errno));
	if (size > INT64_MAX || ftruncate(fd, (off_t)size) < 0) {
		err = size > INT64_MAX ? -EFBIG : -errno;
		goto fail;
	}
	err = copy_range(f, path, fd, 0, size < VMDK_SECTOR ? size : VMDK_SECTOR);
	if (err < 0)
		goto fail;
	vmdk_pread_upto(fd, first, VMDK_SECTOR, 0, &(size_t){ 0 });
	embedded = vmdk_format_descriptor_area(first, size < VMDK_SECTOR ? (size_t)size
					       : VMDK_SECTOR, path, &e, eb);
	if (embedded < 0) {
		close(fd);
		return embedded;
	}
	if (embedded && e.len <= VMDK_MAX_DESCRIPTOR && e.off <= size &&
	    e.len <= size - e.off) {
		off = e.off;
		len = e.len;
	} else if (!embedded && size <= VMDK_MAX_DESCRIPTOR) {
		len = size;
	}
	/* Anything else is said by the descriptor's reader, as for a file. */
	err = copy_range(f, path, fd, off, len);
	if (err < 0)
		goto fail;
	*out = fd;
	return 0;
fail:
	close(fd);
	return vmdk_seterr_at(eb, err, path, "%s", vmdk_strerror(err));
}
