/* SPDX-License-Identifier: MIT */
/* sparse_relocate.c --- the grain tables and directories of a hosted
 * sparse extent put back where create puts them (after the descriptor:
 * redundant directory and tables, directory and tables), when a grow or
 * a repair left some behind the grains, so that a shrink or defragment
 * can end the file at its last grain.
 *
 * Three steps, each ending in one header write, the commit point:
 * 1. every table and both directories are copied past the end of the
 *    file, synced, and the header switched to them;
 * 2. the grains lying where the tables go are copied past those, synced,
 *    and their entries switched (redundant table, then primary);
 * 3. the tables and directories are copied to their places, synced, and
 *    the header switched to them and to the new metadata size.
 * Killed at any instant, the header names one whole set of tables, and
 * every entry a grain holding its data. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sparse_meta.h"

#define EVACUATE_ROUND 256u

/* Where the metadata goes: [start, end) in sectors. */
struct meta_place {
	uint64_t rgd, rgt, gd, gt, end;
};

static void lay_out(const struct sparse_meta *m, uint64_t start,
		    struct meta_place *p)
{
	uint64_t gd_sectors = round_up(m->gd_entries * 4ull, VMDK_SECTOR) / VMDK_SECTOR;
	uint64_t tables = (uint64_t)m->gd_entries * m->gt_sectors;

	p->rgd = p->rgt = 0;
	if (m->rgd) {
		p->rgd = start;
		p->rgt = start + gd_sectors;
		start = p->rgt + tables;
	}
	p->gd = start;
	p->gt = start + gd_sectors;
	p->end = p->gt + tables;
}

/* Some table or directory lies in the grain area. */
static bool displaced(const struct sparse_meta *m)
{
	uint64_t o = m->h.overhead;

	if (m->h.gd_offset >= o || (m->rgd && m->h.rgd_offset >= o))
		return true;
	for (uint32_t i = 0; i < m->gd_entries; i++)
		if (m->gd[i] >= o || (m->rgd && m->rgd[i] >= o))
			return true;
	return false;
}

static int fail(struct vmdk_extent *x, int err, const char *what)
{
	return vmdk_seterr_at(x->eb, err, x->path, "%s: %s", what, vmdk_strerror(err));
}

static int sync_extent(struct vmdk_extent *x)
{
	return x->no_sync || fdatasync(x->fd) == 0 ? 0 : -errno;
}

static int copy_sectors(int fd, uint64_t from, uint64_t to, uint64_t n, uint8_t *buf,
			size_t buf_sectors)
{
	int err = 0;

	for (uint64_t done = 0; err == 0 && done < n; done += buf_sectors) {
		size_t k = n - done < buf_sectors ? (size_t)(n - done) : buf_sectors;
		err = vmdk_pread_all(fd, buf, k * VMDK_SECTOR, (from + done) * VMDK_SECTOR);
		if (err == 0)
			err = vmdk_pwrite_all(fd, buf, k * VMDK_SECTOR,
					      (to + done) * VMDK_SECTOR);
	}
	return err;
}

/* A directory naming the tables at @first (0 stays 0: no table). */
static int write_directory(int fd, const struct sparse_meta *m, const uint32_t *old,
			   uint64_t at, uint64_t first)
{
	size_t bytes = round_up(m->gd_entries * 4ull, VMDK_SECTOR);
	uint8_t *gd = calloc(bytes, 1);
	int err;

	if (!gd)
		return -ENOMEM;
	for (uint32_t i = 0; i < m->gd_entries; i++)
		vmdk_put_le32(gd + 4 * i,
			      old[i] ? (uint32_t)(first + (uint64_t)i * m->gt_sectors) : 0);
	err = vmdk_pwrite_all(fd, gd, bytes, at * VMDK_SECTOR);
	free(gd);
	return err;
}

/* The header names the directories at @p (and @overhead): the commit.
 * The directories it named before are zeroed after: a later crash in the
 * middle of a table update must find no stale set of tables that agrees
 * better than the live one (vmdk-check weighs the header against them). */
static int switch_header(struct vmdk_extent *x, struct sparse_meta *m,
			 const struct meta_place *p, uint64_t overhead)
{
	uint64_t gd_bytes = round_up(m->gd_entries * 4ull, VMDK_SECTOR);
	uint64_t old_gd = m->h.gd_offset, old_rgd = m->rgd ? m->h.rgd_offset : 0;
	uint8_t sec[VMDK_SECTOR];
	struct sparse_header h;
	int err = vmdk_pread_all(x->fd, sec, VMDK_SECTOR, 0);

	if (err < 0)
		return err;
	sparse_header_decode(sec, &h);
	h.gd_offset = p->gd;
	if (m->rgd)
		h.rgd_offset = p->rgd;
	h.overhead = overhead;
	sparse_header_encode(&h, sec);
	if ((err = vmdk_pwrite_all(x->fd, sec, VMDK_SECTOR, 0)) < 0 ||
	    (err = sync_extent(x)) < 0 ||
	    (err = vmdk_pwrite_zeros(x->fd, gd_bytes, old_gd * VMDK_SECTOR)) < 0 ||
	    (old_rgd &&
	     (err = vmdk_pwrite_zeros(x->fd, gd_bytes, old_rgd * VMDK_SECTOR)) < 0) ||
	    (err = sync_extent(x)) < 0)
		return err;
	/* Tables read again from their new places, no cached copy kept. */
	vmdk_sparse_meta_free(m);
	return vmdk_sparse_meta_load(x, m, sec);
}

/* Every table and both directories copied to @p and synced; the header
 * still names the old ones. */
static int place_meta(struct vmdk_extent *x, const struct sparse_meta *m,
		      const struct meta_place *p, uint8_t *buf, size_t buf_sectors)
{
	int err = 0;

	for (uint32_t i = 0; err == 0 && i < m->gd_entries; i++) {
		if (m->gd[i])
			err = copy_sectors(x->fd, m->gd[i], p->gt + (uint64_t)i * m->gt_sectors,
					   m->gt_sectors, buf, buf_sectors);
		if (err == 0 && m->rgd && m->rgd[i])
			err = copy_sectors(x->fd, m->rgd[i],
					   p->rgt + (uint64_t)i * m->gt_sectors, m->gt_sectors,
					   buf, buf_sectors);
	}
	if (err == 0 && m->rgd)
		err = write_directory(x->fd, m, m->rgd, p->rgd, p->rgt);
	if (err == 0)
		err = write_directory(x->fd, m, m->gd, p->gd, p->gt);
	if (err == 0 && p->end * VMDK_SECTOR > x->file_size)
		x->file_size = p->end * VMDK_SECTOR;
	return err == 0 ? sync_extent(x) : err;
}

static bool holds_grain(const struct sparse_meta *m, uint32_t v)
{
	return v > 1 || (v == 1 && !(m->h.flags & SPARSE_FLAG_ZERO_GTE));
}

struct evacuation {
	uint64_t next;			/* where the next copy goes */
	uint64_t grain[EVACUATE_ROUND], dest[EVACUATE_ROUND];
	size_t n;
};

/* The round's copies synced, then the tables naming them. */
static int switch_round(struct vmdk_extent *x, struct sparse_meta *m,
			struct evacuation *v, uint64_t *moved)
{
	int err = sync_extent(x);

	for (size_t k = 0; err == 0 && k < v->n; k++)
		err = vmdk_sparse_meta_set_gte(x, m, v->grain[k], (uint32_t)v->dest[k], NULL);
	if (err == 0 && (err = vmdk_sparse_meta_flush(x, m)) == 0)
		err = sync_extent(x);
	if (err == 0)
		*moved += v->n;
	v->n = 0;
	return err;
}

/* Grains below @below go past the end of the file, a round at a time. */
static int evacuate(struct vmdk_extent *x, struct sparse_meta *m, uint64_t below,
		    uint8_t *buf, size_t buf_sectors, uint64_t *moved)
{
	uint64_t gs = m->h.grain_size;
	uint32_t *t = malloc(m->h.gtes_per_gt * 4ull);
	struct evacuation *v = calloc(1, sizeof(*v));
	int err = t && v ? 0 : -ENOMEM;

	if (v)
		v->next = round_up(x->file_size, VMDK_SECTOR) / VMDK_SECTOR;
	for (uint32_t i = 0; err == 0 && i < m->gd_entries; i++) {
		if (!m->gd[i])
			continue;
		err = vmdk_pread_all(x->fd, t, m->h.gtes_per_gt * 4ull,
				     (uint64_t)m->gd[i] * VMDK_SECTOR);
		for (uint32_t j = 0; err == 0 && j < m->h.gtes_per_gt; j++) {
			uint32_t e = vmdk_le32(&t[j]);
			uint64_t grain = (uint64_t)i * m->h.gtes_per_gt + j;
			if (grain * gs >= m->h.capacity || !holds_grain(m, e) || e >= below)
				continue;
			if (v->next + gs > UINT32_MAX) {
				err = -EFBIG;
				break;
			}
			err = copy_sectors(x->fd, e, v->next, gs, buf, buf_sectors);
			v->grain[v->n] = grain;
			v->dest[v->n++] = v->next;
			v->next += gs;
			if (v->next * VMDK_SECTOR > x->file_size)
				x->file_size = v->next * VMDK_SECTOR;
			if (err == 0 && v->n == EVACUATE_ROUND)
				err = switch_round(x, m, v, moved);
		}
	}
	if (err == 0 && v->n)
		err = switch_round(x, m, v, moved);
	free(t);
	free(v);
	return err;
}

/* Where the metadata starts: after the header and the descriptor. */
static uint64_t meta_start(const struct sparse_meta *m)
{
	uint64_t start = m->h.desc_offset + m->h.desc_size;

	return start > 1 ? start : 1;
}

uint64_t vmdk_sparse_relocate_room(const struct sparse_meta *m)
{
	struct meta_place front;
	uint64_t overhead;

	if (!displaced(m))
		return 0;
	lay_out(m, meta_start(m), &front);
	overhead = round_up(front.end, m->h.grain_size);
	/* The tables once more past the end, and the grains lying where
	 * they go in front. */
	return (front.end - meta_start(m) +
		(overhead > m->h.overhead ? overhead - m->h.overhead : 0)) * VMDK_SECTOR;
}

int vmdk_sparse_relocate(struct vmdk_extent *x, struct sparse_meta *m,
			 uint64_t *moved)
{
	uint64_t overhead, end0 = x->file_size;
	struct meta_place front, staging;
	size_t buf_sectors = 2048;
	uint8_t *buf;
	int err;

	*moved = 0;
	if (!displaced(m))
		return 0;
	lay_out(m, meta_start(m), &front);
	overhead = round_up(front.end, m->h.grain_size);
	if (overhead < m->h.overhead)
		overhead = m->h.overhead;
	lay_out(m, round_up(x->file_size, VMDK_SECTOR) / VMDK_SECTOR, &staging);
	if (overhead > UINT32_MAX || staging.end > UINT32_MAX)
		return vmdk_seterr_at(x->eb, VMDK_E_TOO_BIG, x->path,
				      "too large for 32-bit "
				      "sector offsets");
	buf = malloc(buf_sectors * VMDK_SECTOR);
	if (!buf)
		return -ENOMEM;
	err = place_meta(x, m, &staging, buf, buf_sectors);
	if (err < 0) {
		/* Nothing past the old end is live yet: given back. */
		if (ftruncate(x->fd, (off_t)end0) == 0)
			x->file_size = end0;
	} else {
		err = switch_header(x, m, &staging, m->h.overhead);
	}
	if (err == 0)
		err = evacuate(x, m, overhead, buf, buf_sectors, moved);
	if (err == 0)
		err = place_meta(x, m, &front, buf, buf_sectors);
	if (err == 0)
		err = switch_header(x, m, &front, overhead);
	free(buf);
	return err < 0 ? fail(x, err, "moving the grain tables") : 0;
}
