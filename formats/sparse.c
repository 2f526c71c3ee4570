/* SPDX-License-Identifier: MIT */
/* sparse.c --- hosted sparse extents, versions 1-3, uncompressed
 * (technote: "Hosted Sparse Extents") */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sparse_meta.h"

#define COPY_CHUNK_SECTORS 128u	/* grain fill is done 64 KiB at a time */

struct sparse {
	struct sparse_meta m;
	uint64_t next_free;	/* sector where the next grain goes */
	bool marked_unclean;
	struct vmdk_writeback wb;	/* new grains are appended */
	uint8_t chunk[COPY_CHUNK_SECTORS * VMDK_SECTOR];
};

static struct sparse *S(const struct vmdk_extent *x)
{
	return x->priv;
}

static int set_unclean(struct vmdk_extent *x, uint8_t value)
{
	int err = vmdk_pwrite_all(x->fd, &value, 1, SPARSE_UNCLEAN_OFFSET);

	if (err == 0 && !x->no_sync && fdatasync(x->fd) < 0)
		err = -errno;
	if (err < 0)
		return vmdk_seterr_at(x->eb, err, x->path, "updating header: %s",
				      vmdk_strerror(err));
	return 0;
}

static int sparse_open(struct vmdk_extent *x, const uint8_t *first)
{
	struct sparse *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	x->priv = s;
	err = vmdk_sparse_meta_load(x, &s->m, first);
	if (err < 0)
		goto fail;
	s->next_free = round_up(x->file_size, VMDK_SECTOR) / VMDK_SECTOR;
	if (s->next_free < s->m.h.overhead)
		s->next_free = s->m.h.overhead;
	/* Version 3 without compression has no defined write semantics. */
	if (s->m.h.version == 3)
		x->writable = false;
	if (x->writable) {
		err = set_unclean(x, 1);
		if (err < 0)
			goto fail;
		s->marked_unclean = true;
	}
	return 0;
fail:
	vmdk_sparse_meta_free(&s->m);
	free(s);
	x->priv = NULL;
	return err;
}

/* Grains that follow each other in the file are read with one call. */
static int sparse_read(struct vmdk_extent *x, uint64_t sector, uint32_t n,
		       void *buf)
{
	return vmdk_sparse_meta_each_piece(x, sector, n, buf,
					   vmdk_sparse_meta_read_piece, true);
}

/* Write a whole new grain at @dst: the caller's sectors where it gave
 * them, the rest copied from below (or zeros for a zeroed grain). */
static int fill_new_grain(struct vmdk_extent *x, uint64_t g, uint64_t dst,
			  uint64_t from, uint32_t count, const uint8_t *data,
			  bool from_backing)
{
	struct sparse *s = S(x);
	uint64_t gs = s->m.h.grain_size, base = g * gs;

	for (uint64_t at = 0; at < gs; at += COPY_CHUNK_SECTORS) {
		uint32_t len = (uint32_t)(gs - at < COPY_CHUNK_SECTORS ? gs - at
								: COPY_CHUNK_SECTORS);
		uint64_t lo = base + at, hi = lo + len;
		int err = 0;

		if (lo >= x->sectors) {
			memset(s->chunk, 0, len * VMDK_SECTOR);
		} else if (from_backing) {
			uint64_t valid = x->sectors - lo < len ? x->sectors - lo : len;
			memset(s->chunk, 0, len * VMDK_SECTOR);
			err = x->backing(x, lo, (uint32_t)valid, s->chunk);
		} else {
			memset(s->chunk, 0, len * VMDK_SECTOR);
		}
		if (err < 0)
			return err;
		/* Overlay the caller's part of this chunk. */
		if (from < hi && from + count > lo) {
			uint64_t a = from > lo ? from : lo;
			uint64_t b = from + count < hi ? from + count : hi;
			memcpy(s->chunk + (a - lo) * VMDK_SECTOR,
			       data + (a - from) * VMDK_SECTOR, (b - a) * VMDK_SECTOR);
		}
		err = vmdk_pwrite_all(x->fd, s->chunk, len * VMDK_SECTOR,
				      (dst + at) * VMDK_SECTOR);
		if (err < 0)
			return vmdk_seterr_at(x->eb, err, x->path, "writing grain: %s",
					      vmdk_strerror(err));
	}
	return 0;
}

static int write_piece(struct vmdk_extent *x, const struct sparse_piece *p)
{
	struct sparse *s = S(x);
	uint64_t gs = s->m.h.grain_size, dst = s->next_free;
	int err;

	if (p->status == VMDK_BS_DATA) {
		err = vmdk_pwrite_all(x->fd, p->buf, p->count * VMDK_SECTOR,
				      ((uint64_t)p->gte + p->within) * VMDK_SECTOR);
		if (err < 0)
			return vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err));
		return 0;
	}
	if (dst + gs > UINT32_MAX)
		return vmdk_seterr_at(x->eb, VMDK_E_NO_SPACE, x->path,
				      "extent full (32-bit grain offsets)");
	/* Data first, then the table entry that makes it live.  A whole
	 * grain needs nothing from below. */
	if (p->count == gs) {
		err = vmdk_pwrite_all(x->fd, p->buf, gs * VMDK_SECTOR, dst * VMDK_SECTOR);
		if (err < 0)
			return vmdk_seterr_at(x->eb, err, x->path, "writing grain: %s",
					      vmdk_strerror(err));
	} else {
		err = fill_new_grain(x, p->grain, dst, p->grain * gs + p->within,
				     p->count, p->buf,
				     p->status == VMDK_BS_UNALLOC && x->backing);
	}
	if (err < 0)
		return err;
	s->next_free += gs;
	if (x->file_size < s->next_free * VMDK_SECTOR)
		x->file_size = s->next_free * VMDK_SECTOR;
	if (!x->no_sync)
		vmdk_writeback(&s->wb, x->fd, dst * VMDK_SECTOR);
	return vmdk_sparse_meta_set_gte(x, &s->m, p->grain, (uint32_t)dst,
				   &s->next_free);
}

/* The pieces only read from the buffer, whatever its constness here. */
static int sparse_write(struct vmdk_extent *x, uint64_t sector, uint32_t n,
			const void *buf)
{
	return vmdk_sparse_meta_each_piece(x, sector, n, (uint8_t *)buf, write_piece,
					   false);
}

/* Whole grains let go: no grain where nothing lies below, a zeroed-grain
 * entry over a parent where the header has them (else the grain is
 * written with zeros, as it must hide the parent); the grain's space
 * stays in the file for vmdk-shrink.  Part grains are written with zeros. */
static int sparse_release(struct vmdk_extent *x, uint64_t sector, uint64_t n,
			  bool below)
{
	struct sparse *s = S(x);
	uint64_t gs = s->m.h.grain_size, end = sector + n;
	uint64_t first = (sector + gs - 1) / gs * gs, last = end / gs * gs;
	int err = 0;

	if ((below && !(s->m.h.flags & SPARSE_FLAG_ZERO_GTE)) || first >= last)
		return vmdk_format_write_zeros(x, sector, n);
	err = vmdk_format_write_zeros(x, sector, first - sector);
	for (uint64_t g = first / gs; err == 0 && g < last / gs; g++) {
		uint32_t gte = 0, want = below ? 1 : 0;
		err = vmdk_sparse_meta_gte(x, &s->m, g, &gte);
		if (err == 0 && gte != want && (gte != 0 || below))
			err = vmdk_sparse_meta_set_gte(x, &s->m, g, want, &s->next_free);
	}
	if (err == 0)
		err = vmdk_format_write_zeros(x, last, end - last);
	return err;
}

static int sparse_flush(struct vmdk_extent *x)
{
	int err = x->writable ? vmdk_sparse_meta_flush(x, &S(x)->m) : 0;

	if (err < 0)
		return err;
	if (x->writable && !x->no_sync && fsync(x->fd) < 0)
		return vmdk_seterr_at(x->eb, -errno, x->path, "%s", vmdk_strerror(-errno));
	return 0;
}

static int sparse_close(struct vmdk_extent *x)
{
	struct sparse *s = S(x);
	int err = 0;

	if (!s)
		return 0;
	if (s->marked_unclean) {
		err = sparse_flush(x);
		if (err == 0)
			err = set_unclean(x, 0);
	}
	vmdk_sparse_meta_free(&s->m);
	free(s);
	x->priv = NULL;
	return err;
}

static bool sparse_probe(const uint8_t *first)
{
	return !(vmdk_le32(first + 8) & SPARSE_FLAG_COMPRESSED);
}

const struct vmdk_format_ops vmdk_sparse_ops = {
	.name = "hosted sparse",
	.kinds = (const char *const[]){ "SPARSE", "VMFSSPARSE", NULL },
	.magic = { "KDMV", 4, 0 },
	.probe = sparse_probe,
	.creates = VMDK_CREATES(VMDK_TYPE_MONOLITHIC_SPARSE) |
		   VMDK_CREATES(VMDK_TYPE_SPLIT_SPARSE),
	.embedded_descriptor = vmdk_sparse_embedded_descriptor,
	.create = vmdk_sparse_create,
	.grow = vmdk_sparse_grow,
	.check = vmdk_sparse_check,
	.compact = vmdk_sparse_compact,
	.space = vmdk_sparse_space,
	/* Grain offsets are 32-bit sector numbers; leave room for metadata. */
	.max_sectors = (1ull << 32) - 65536,
	.open = sparse_open,
	.status = vmdk_sparse_meta_status,
	.read = sparse_read,
	.write = sparse_write,
	.release = sparse_release,
	.flush = sparse_flush,
	.close = sparse_close,
	.describe = vmdk_sparse_meta_describe,
	.descriptor_area = vmdk_sparse_meta_descriptor_area,
};
