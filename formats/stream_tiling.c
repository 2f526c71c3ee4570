/* SPDX-License-Identifier: MIT */
/* stream_tiling.c --- a stream's tables must name every grain it holds.
 * Grains are written one after another, so what follows a grain, or a
 * table, is the next grain or metadata; a grain marker there that no
 * table names is data the reader would serve as zeros (a table or
 * directory entry lost).  Checked for the first grain at open and,
 * table by table, before a table serves a read: a few sector reads a
 * grain, in the part of the file being read anyway. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stream_tiling.h"

/* 0 when sector @at holds no grain marker, or one the tables name. */
static int named_or_none(struct vmdk_extent *x, struct sparse_meta *m, uint64_t at)
{
	uint64_t gs = m->h.grain_size, lba;
	uint8_t b[VMDK_SECTOR];
	uint32_t gte;
	int err;

	if ((at + 1) * VMDK_SECTOR > x->file_size)
		return 0;
	err = vmdk_extent_pread(x, b, sizeof(b), at * VMDK_SECTOR);
	if (err < 0)
		return vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err));
	lba = vmdk_le64(b);
	/* Not a grain's marker; a damaged one is the check's to report. */
	if (!vmdk_le32(b + 8) || lba % gs || lba >= m->h.capacity)
		return 0;
	err = vmdk_sparse_meta_gte(x, m, lba / gs, &gte);
	/* Its LBA named elsewhere: the marker may be what is damaged, and
	 * the reader's own marker check says so when the grain is read. */
	if (err < 0 || gte != 0)
		return err;
	return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
			      "the grain at sector "
			      "%llu holds LBA %llu, which no grain table names (it "
			      "would read as zeros): run vmdk-check --repair",
			      (unsigned long long)at, (unsigned long long)lba);
}

int vmdk_stream_tiling_open(struct vmdk_extent *x, struct sparse_meta *m)
{
	return named_or_none(x, m, m->h.overhead);
}

static int by_u32(const void *a, const void *b)
{
	uint32_t p = *(const uint32_t *)a, q = *(const uint32_t *)b;

	return p < q ? -1 : p > q;
}

int vmdk_stream_tiling_table(struct vmdk_extent *x, struct sparse_meta *m,
			     uint32_t gd_index)
{
	uint32_t n = m->h.gtes_per_gt, *v = malloc(n * sizeof(*v) + 1), used = 0;
	uint64_t cover = m->h.grain_size * n;
	uint8_t b[VMDK_SECTOR];
	int err = v ? 0 : -ENOMEM;

	/* The table copied: looking other tables up may evict it. */
	for (uint32_t j = 0; err == 0 && j < n; j++) {
		uint32_t gte;
		if ((uint64_t)gd_index * cover + (uint64_t)j * m->h.grain_size >= m->h.capacity)
			break;
		err = vmdk_sparse_meta_gte(x, m, (uint64_t)gd_index * n + j, &gte);
		if (err == 0 && gte > 1)
			v[used++] = gte;
	}
	if (err == 0)
		qsort(v, used, sizeof(*v), by_u32);
	for (uint32_t k = 0; err == 0 && k < used; k++) {
		uint64_t end;
		if ((uint64_t)v[k] * VMDK_SECTOR + VMDK_SECTOR > x->file_size)
			continue;	/* the reader reports it when read */
		err = vmdk_extent_pread(x, b, sizeof(b), (uint64_t)v[k] * VMDK_SECTOR);
		if (err < 0) {
			err = vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err));
			break;
		}
		end = v[k] + (GRAIN_MARKER_SIZE + (uint64_t)vmdk_le32(b + 8) +
			      VMDK_SECTOR - 1) / VMDK_SECTOR;
		if (k + 1 < used && v[k + 1] == end)
			continue;
		err = named_or_none(x, m, end);
	}
	/* What follows the table itself (a writer that puts each table
	 * after its grains goes on with the next grains). */
	if (err == 0 && m->gd[gd_index])
		err = named_or_none(x, m, (uint64_t)m->gd[gd_index] + m->gt_sectors);
	free(v);
	return err;
}
