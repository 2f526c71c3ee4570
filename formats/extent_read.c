/* SPDX-License-Identifier: MIT */
/* extent_read.c --- the bytes of an extent's file, wherever the file is:
 * open here, or read through the fetcher of vmdk_open_fetched() (a disk
 * on a datastore, read in ranges as the reads come). */
#include "format.h"

int vmdk_extent_pread(const struct vmdk_extent *x, void *buf, size_t len,
		      uint64_t off)
{
	if (x->fetch)
		return x->fetch->read(x->fetch->arg, x->path, buf, len, off);
	return vmdk_pread_all(x->fd, buf, len, off);
}
