/* SPDX-License-Identifier: MIT */
/* sparse_grow.c --- enlarge a hosted sparse extent in place.  New grain
 * directories (the old entries plus tables for the added space) are
 * written past the end of the file and synced; one header write then
 * switches to them, so a crash leaves the old extent or the new one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sparse_meta.h"

static int read_directory(int fd, uint64_t at, uint32_t n, uint32_t **out)
{
	uint32_t *gd = malloc(n * 4ull + 1);
	int err;

	if (!gd)
		return -ENOMEM;
	err = vmdk_pread_all(fd, gd, n * 4ull, at * VMDK_SECTOR);
	for (uint32_t i = 0; err == 0 && i < n; i++)
		gd[i] = vmdk_le32(&gd[i]);
	if (err < 0) {
		free(gd);
		return err;
	}
	*out = gd;
	return 0;
}

int vmdk_sparse_grow(struct vmdk_extent *x, uint64_t capacity, bool thin)
{
	struct vmdk_errbuf *eb = x->eb;
	const char *path = x->path;
	int fd = x->fd;
	struct sparse_header h;
	uint8_t sec[VMDK_SECTOR];
	uint64_t size, cover, next, gd_sectors, gt_sectors, added;
	uint32_t old_n, new_n, *gd = NULL, *rgd = NULL;
	bool redundant;
	int err;

	(void)thin;	/* grains are allocated as written anyway */
	err = vmdk_pread_all(fd, sec, VMDK_SECTOR, 0);
	if (err == 0)
		err = vmdk_file_size(fd, &size);
	if (err < 0)
		return vmdk_seterr_at(eb, err, path, "%s", vmdk_strerror(err));
	sparse_header_decode(sec, &h);
	if (h.magic != SPARSE_MAGIC || (h.flags & SPARSE_FLAG_COMPRESSED) ||
	    h.gd_offset == SPARSE_GD_AT_END || !h.grain_size || !h.gtes_per_gt)
		return vmdk_seterr_at(eb, VMDK_E_NOT_SUPPORTED, path,
				      "not a growable sparse extent");
	if (capacity <= h.capacity)
		return 0;
	cover = h.grain_size * h.gtes_per_gt;
	old_n = (uint32_t)((h.capacity + cover - 1) / cover);
	new_n = (uint32_t)((capacity + cover - 1) / cover);
	if (new_n > old_n) {
		redundant = (h.flags & SPARSE_FLAG_RGD) && h.rgd_offset;
		gd_sectors = round_up(new_n * 4ull, VMDK_SECTOR) / VMDK_SECTOR;
		gt_sectors = round_up(h.gtes_per_gt * 4ull, VMDK_SECTOR) / VMDK_SECTOR;
		added = (uint64_t)(new_n - old_n) * gt_sectors;
		next = round_up(size, VMDK_SECTOR) / VMDK_SECTOR;
		if (next < h.overhead)
			next = h.overhead;
		if (next + 2 * (gd_sectors + added) > UINT32_MAX)
			return vmdk_seterr_at(eb, VMDK_E_TOO_BIG, path,
					      "too large for 32-bit sector offsets");
		err = read_directory(fd, h.gd_offset, old_n, &gd);
		if (err == 0 && redundant)
			err = read_directory(fd, h.rgd_offset, old_n, &rgd);
		/* New tables read as zeros: extending the file gives that. */
		if (err == 0 &&
		    ftruncate(fd, (off_t)((next + 2 * (gd_sectors + added)) * VMDK_SECTOR)) < 0)
			err = -errno;
		if (err == 0 && redundant)
			err = vmdk_sparse_meta_write_directory(fd, next, rgd, old_n, new_n,
					      next + gd_sectors, (uint32_t)gt_sectors);
		if (err == 0) {
			uint64_t at = next + gd_sectors + added;
			err = vmdk_sparse_meta_write_directory(fd, at, gd, old_n, new_n,
					      at + gd_sectors, (uint32_t)gt_sectors);
			if (redundant)
				h.rgd_offset = next;
			h.gd_offset = at;
		}
		free(gd);
		free(rgd);
		if (err == 0 && fdatasync(fd) < 0)
			err = -errno;
		if (err < 0)
			return vmdk_seterr_at(eb, err, path, "%s", vmdk_strerror(err));
	}
	h.capacity = capacity;
	sparse_header_encode(&h, sec);
	err = vmdk_pwrite_all(fd, sec, VMDK_SECTOR, 0);
	if (err == 0 && fdatasync(fd) < 0)
		err = -errno;
	return err < 0 ? vmdk_seterr_at(eb, err, path, "%s", vmdk_strerror(err)) : 0;
}
