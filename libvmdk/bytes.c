/* SPDX-License-Identifier: MIT */
/* bytes.c --- reads and writes at any byte offset, over the sector calls,
 * and the errno a program outside understands for a library error */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

/* The sectors holding [@off, @off + @len); 1 when either edge is cut. */
static int sectors_of(uint64_t off, size_t len, uint64_t *first, uint64_t *n)
{
	*first = off / VMDK_SECTOR;
	*n = (off + len + VMDK_SECTOR - 1) / VMDK_SECTOR - *first;
	return off % VMDK_SECTOR || len % VMDK_SECTOR;
}

/* A read, or a write whose cut sectors are read first and written back
 * whole with the new bytes in them. */
static int bytes_io(vmdk_disk *d, void *buf, size_t len, uint64_t off, bool write)
{
	uint64_t first, n;
	uint8_t *bounce;
	int err;

	if (!d || (!buf && len))
		return VMDK_E_INVALID_ARG;
	if (!len)
		return 0;
	if (!sectors_of(off, len, &first, &n))
		return write ? vmdk_write(d, first, n, buf) : vmdk_read(d, first, n, buf);
	bounce = malloc(n * VMDK_SECTOR);
	if (!bounce)
		return vmdk_seterr(&d->eb, -ENOMEM, "no memory for a %s",
				   write ? "write" : "read");
	err = vmdk_read(d, first, n, bounce);
	if (err == 0 && write) {
		memcpy(bounce + off % VMDK_SECTOR, buf, len);
		err = vmdk_write(d, first, n, bounce);
	} else if (err == 0) {
		memcpy(buf, bounce + off % VMDK_SECTOR, len);
	}
	free(bounce);
	return err;
}

int vmdk_pread(vmdk_disk *d, void *buf, size_t len, uint64_t off)
{
	return bytes_io(d, buf, len, off, false);
}

int vmdk_pwrite(vmdk_disk *d, const void *buf, size_t len, uint64_t off)
{
	return bytes_io(d, (void *)buf, len, off, true);
}

int vmdk_zero_bytes(vmdk_disk *d, uint64_t off, uint64_t len, bool release)
{
	uint64_t first = (off + VMDK_SECTOR - 1) / VMDK_SECTOR;
	uint64_t end = (off + len) / VMDK_SECTOR;
	uint8_t zeros[VMDK_SECTOR] = { 0 };
	int err = 0;

	if (!d)
		return VMDK_E_INVALID_ARG;
	if (end <= first)	/* within one sector */
		return vmdk_pwrite(d, zeros, (size_t)len, off);
	if (off % VMDK_SECTOR)
		err = vmdk_pwrite(d, zeros, (size_t)(first * VMDK_SECTOR - off), off);
	if (err == 0)
		err = vmdk_zero(d, first, end - first, release);
	if (err == 0 && (off + len) % VMDK_SECTOR)
		err = vmdk_pwrite(d, zeros, (size_t)((off + len) % VMDK_SECTOR),
				  end * VMDK_SECTOR);
	return err;
}

int vmdk_errno(int err)
{
	if (err >= 0)
		return 0;
	if (err > -1000)
		return -err;
	switch (err) {
	case VMDK_E_NO_SPACE: return ENOSPC;
	case VMDK_E_READ_ONLY: return EROFS;
	case VMDK_E_OUT_OF_RANGE:
	case VMDK_E_INVALID_ARG: return EINVAL;
	case VMDK_E_NOT_SUPPORTED: return EOPNOTSUPP;
	case VMDK_E_LOCKED: return EBUSY;
	default: return EIO;
	}
}
