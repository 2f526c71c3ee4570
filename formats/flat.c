/* SPDX-License-Identifier: MIT */
/* flat.c --- flat extents: FLAT, VMFS, VMFSRDM, VMFSRAW (technote:
 * "Simple Extents"); sectors map one to one onto a file region. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "format.h"

static int flat_open(struct vmdk_extent *x, const uint8_t *first)
{
	uint64_t need = (x->offset + x->sectors) * VMDK_SECTOR;

	(void)first;
	if (x->file_size < need)
		return vmdk_seterr_at(x->eb, VMDK_E_MISSING_EXTENT, x->path,
				      "truncated: extent needs %llu bytes, file has %llu",
				      (unsigned long long)need,
				      (unsigned long long)x->file_size);
	return 0;
}

/* Holes in the file (a thin or unpreallocated extent) read as zeros. */
static int flat_status(struct vmdk_extent *x, uint64_t sector, uint64_t n,
		       uint64_t *run)
{
	off_t at = (off_t)((x->offset + sector) * VMDK_SECTOR),
	      end = at + (off_t)(n * VMDK_SECTOR);
	off_t data = x->fetch ? -1 : lseek(x->fd, at, SEEK_DATA);

	if (x->fetch || (data < 0 && errno != ENXIO)) {
		*run = n;	/* no hole support: all data */
		return VMDK_BS_DATA;
	}
	if (data < 0 || data >= end) {
		*run = n;
		return VMDK_BS_ZERO;
	}
	if (data > at) {
		*run = (uint64_t)(data - at) / VMDK_SECTOR;
		if (*run)
			return VMDK_BS_ZERO;
	}
	{
		off_t hole = lseek(x->fd, at, SEEK_HOLE);
		uint64_t len = hole < 0 || hole > end ? n : (uint64_t)(hole - at + 511) / VMDK_SECTOR;
		*run = len ? (len < n ? len : n) : 1;
	}
	return VMDK_BS_DATA;
}

static int flat_read(struct vmdk_extent *x, uint64_t sector, uint32_t n,
		     void *buf)
{
	uint64_t off = (x->offset + sector) * VMDK_SECTOR;
	int err = vmdk_extent_pread(x, buf, n * VMDK_SECTOR, off);

	if (err < 0)
		return vmdk_seterr_at(x->eb, err == -ENODATA ? VMDK_E_MISSING_EXTENT : err,
				      x->path, "%s",
				      err == -ENODATA ? "file shrank under us"
						      : vmdk_strerror(err));
	return 0;
}

static int flat_write(struct vmdk_extent *x, uint64_t sector, uint32_t n,
		      const void *buf)
{
	int err = vmdk_pwrite_all(x->fd, buf, n * VMDK_SECTOR,
				  (x->offset + sector) * VMDK_SECTOR);

	if (err < 0)
		return vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err));
	return 0;
}

static int flat_flush(struct vmdk_extent *x)
{
	if (x->writable && !x->no_sync && fdatasync(x->fd) < 0)
		return vmdk_seterr_at(x->eb, -errno, x->path, "%s", vmdk_strerror(-errno));
	return 0;
}

static int flat_close(struct vmdk_extent *x)
{
	return flat_flush(x);
}

static void flat_describe(const struct vmdk_extent *x,
			  struct vmdk_extent_info *ei)
{
	(void)x;
	(void)ei;
}

static void flat_descriptor_area(const struct vmdk_extent *x, uint64_t *off,
				 uint64_t *len)
{
	(void)x;
	*off = *len = 0;
}

/* Flat types are preallocated, as their name promises; thin ones are a
 * sparse file of the extent's size. */
static int flat_create(int fd, const struct vmdk_extent_plan *p,
		       struct vmdk_errbuf *eb)
{
	off_t size = (off_t)(p->sectors * VMDK_SECTOR);
	int err = p->thin ? (ftruncate(fd, size) < 0 ? -errno : 0)
			  : -posix_fallocate(fd, 0, size);

	return err < 0 ? vmdk_seterr(eb, err, "%s", vmdk_strerror(err)) : 0;
}

static int flat_grow(struct vmdk_extent *x, uint64_t sectors, bool thin)
{
	off_t want = (off_t)((x->offset + sectors) * VMDK_SECTOR);
	int rc = thin ? (ftruncate(x->fd, want) < 0 ? errno : 0)
		      : posix_fallocate(x->fd, 0, want);

	if (rc == 0 && fsync(x->fd) < 0)
		rc = errno;
	return rc ? vmdk_seterr_at(x->eb, -rc, x->path, "%s", vmdk_strerror(-rc)) : 0;
}

/* A thin extent takes the blocks written; a thick one all of them. */
static uint64_t flat_space(const struct vmdk_extent_plan *p, uint64_t grains,
			   uint64_t sectors)
{
	(void)grains;
	return (p->thin ? sectors : p->sectors) * VMDK_SECTOR;
}

static uint64_t raw_space(const struct vmdk_extent_plan *p, uint64_t grains,
			  uint64_t sectors)
{
	(void)grains;
	(void)sectors;
	return p->sectors * VMDK_SECTOR;
}

/* A raw image or block device: its size is the disk's, and a last partial
 * sector reads with zeros after the end. */
static int raw_open(struct vmdk_extent *x, const uint8_t *first)
{
	(void)first;
	(void)x;
	return 0;
}

static int raw_read(struct vmdk_extent *x, uint64_t sector, uint32_t n,
		    void *buf)
{
	uint64_t off = sector * VMDK_SECTOR, len = n * VMDK_SECTOR, have;

	have = off >= x->file_size ? 0 : x->file_size - off;
	if (have >= len)
		return flat_read(x, sector, n, buf);
	memset((uint8_t *)buf + have, 0, len - have);
	if (have && vmdk_pread_all(x->fd, buf, have, off) < 0)
		return vmdk_seterr_at(x->eb, VMDK_E_MISSING_EXTENT, x->path,
				      "file shrank under us");
	return 0;
}

const struct vmdk_format_ops vmdk_raw_ops = {
	.name = "raw",
	.creates = VMDK_CREATES(VMDK_TYPE_RAW),
	.space = raw_space,
	.max_sectors = VMDK_MAX_CAPACITY,
	.open = raw_open,
	.status = flat_status,
	.read = raw_read,
	.write = flat_write,
	.flush = flat_flush,
	.close = flat_close,
	.describe = flat_describe,
	.descriptor_area = flat_descriptor_area,
};

const struct vmdk_format_ops vmdk_flat_ops = {
	.name = "flat",
	.no_compact_hint = "flat and VMFS extents are preallocated by definition: "
			   "there is no space to give back (vmdk-clone -t 0 makes a "
			   "sparse copy)",
	.kinds = (const char *const[]){ "FLAT", "VMFS", "VMFSRDM", "VMFSRAW",
					NULL },
	.creates = VMDK_CREATES(VMDK_TYPE_MONOLITHIC_FLAT) |
		   VMDK_CREATES(VMDK_TYPE_SPLIT_FLAT) |
		   VMDK_CREATES(VMDK_TYPE_VMFS_THICK) |
		   VMDK_CREATES(VMDK_TYPE_VMFS_THIN),
	.create = flat_create,
	.grow = flat_grow,
	.space = flat_space,
	.max_sectors = VMDK_MAX_CAPACITY,
	.open = flat_open,
	.status = flat_status,
	.read = flat_read,
	.write = flat_write,
	.flush = flat_flush,
	.close = flat_close,
	.describe = flat_describe,
	.descriptor_area = flat_descriptor_area,
};
