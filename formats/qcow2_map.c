/* SPDX-License-Identifier: MIT */
/* qcow2_map.c --- where a qcow2 image keeps each guest cluster: the L1
 * table (read at open) names L2 tables, kept in a small cache; an L2
 * entry names a host cluster, a compressed cluster (zlib or zstd), a
 * cluster of zeros, or nothing (the backing image's data).  With
 * extended L2 entries a bitmap says the same of each of 32 subclusters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "qcow2.h"

#define Q(x) ((struct qcow2 *)(x)->priv)

static int damaged(struct vmdk_extent *x, const char *what, uint64_t gc)
{
	return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
			      "qcow2 %s (guest "
			      "cluster %llu)",
			      what, (unsigned long long)gc);
}

static int read_error(struct vmdk_extent *x, int err)
{
	return vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err));
}

/* The L2 table at @off, from the cache or the file (the least recently
 * used slot gives way). */
static int l2_table(struct vmdk_extent *x, uint64_t off, const uint8_t **out)
{
	struct qcow2 *q = Q(x);
	struct qcow2_l2 *victim = &q->cache[0];
	int err;

	for (unsigned i = 0; i < QCOW2_L2_SLOTS; i++) {
		struct qcow2_l2 *s = &q->cache[i];
		if (s->off == off && s->table) {
			s->last_use = ++q->uses;
			*out = s->table;
			return 0;
		}
		if (s->last_use < victim->last_use)
			victim = s;
	}
	if (!victim->table && !(victim->table = malloc(q->cluster_size)))
		return -ENOMEM;
	victim->off = 0;
	err = vmdk_extent_pread(x, victim->table, q->cluster_size, off);
	if (err < 0)
		return read_error(x, err);
	victim->off = off;
	victim->last_use = ++q->uses;
	*out = victim->table;
	return 0;
}

/* The L2 entry of guest cluster @gc and its subcluster bitmap (0 without
 * extended entries); both 0 where no L2 table is allocated. */
static int l2_entry(struct vmdk_extent *x, uint64_t gc, uint64_t *e,
		    uint64_t *bitmap)
{
	struct qcow2 *q = Q(x);
	uint64_t l1i = gc >> q->l2_bits, i = gc & ((1ull << q->l2_bits) - 1);
	const uint8_t *t = NULL;
	int err;

	*e = *bitmap = 0;
	if (l1i >= q->l1_size || !q->l1[l1i])
		return 0;
	err = l2_table(x, q->l1[l1i], &t);
	if (err < 0)
		return err;
	*e = vmdk_be64(t + i * q->entry_bytes);
	if (q->entry_bytes == 16)
		*bitmap = vmdk_be64(t + i * 16 + 8);
	return 0;
}

/* The VMDK_BS_* state of allocation unit @u: a subcluster with extended
 * L2 entries, else a cluster. */
static int unit_state(struct vmdk_extent *x, uint64_t u)
{
	struct qcow2 *q = Q(x);
	uint64_t gc = u >> q->sub_bits, e, bitmap;
	unsigned sc = (unsigned)(u & ((1u << q->sub_bits) - 1));
	int err = l2_entry(x, gc, &e, &bitmap);

	if (err < 0)
		return err;
	if (e & QCOW2_COMPRESSED)
		return VMDK_BS_DATA;
	if (q->sub_bits) {
		if (bitmap >> sc & 1)
			return VMDK_BS_DATA;
		return bitmap >> (32 + sc) & 1 ? VMDK_BS_ZERO : VMDK_BS_UNALLOC;
	}
	if (q->version >= 3 && (e & QCOW2_ZERO))
		return VMDK_BS_ZERO;
	/* With a data file, host offset 0 is a cluster (bit 63 says so). */
	return e & QCOW2_OFFSET_MASK || (q->data_file && (e & QCOW2_COPIED))
	       ? VMDK_BS_DATA : VMDK_BS_UNALLOC;
}

int qcow2_status(struct vmdk_extent *x, uint64_t sector, uint64_t n,
		 uint64_t *run)
{
	struct qcow2 *q = Q(x);

	return vmdk_grain_run(x, sector, n, (q->cluster_size >> q->sub_bits) /
			      VMDK_SECTOR, unit_state, run);
}

static int unpack_zstd(struct qcow2 *q, size_t len)
{
	ZSTD_inBuffer in = { q->packed, len, 0 };
	ZSTD_outBuffer out = { q->unpacked, q->cluster_size, 0 };

	if (!q->zstd && !(q->zstd = ZSTD_createDCtx()))
		return -ENOMEM;
	ZSTD_DCtx_reset(q->zstd, ZSTD_reset_session_only);
	/* Decompression stops when a cluster is made; the sector padding
	 * after the frame is never looked at. */
	while (out.pos < out.size && in.pos < in.size) {
		size_t r = ZSTD_decompressStream(q->zstd, &out, &in);
		if (ZSTD_isError(r))
			return -1;
		if (r == 0 && out.pos < out.size)
			ZSTD_DCtx_reset(q->zstd, ZSTD_reset_session_only);
	}
	return out.pos == out.size ? 0 : -1;
}

/* Guest cluster @gc, compressed as entry @e says, into q->unpacked. */
static int unpack(struct vmdk_extent *x, uint64_t gc, uint64_t e)
{
	struct qcow2 *q = Q(x);
	unsigned xb = 62 - (q->cluster_bits - 8);
	uint64_t off = e & ((1ull << xb) - 1);
	uint64_t len = (((e & ~QCOW2_COMPRESSED & ~QCOW2_COPIED) >> xb) + 1) *
		       VMDK_SECTOR - (off % VMDK_SECTOR);
	size_t max = q->cluster_size * 2, got = 0;
	int err;

	if (q->unpacked_cluster == gc + 1)
		return 0;
	if (off >= x->file_size)
		return damaged(x, "compressed cluster lies past the end of the file", gc);
	if (len > x->file_size - off)	/* the last sector may be cut short */
		len = x->file_size - off;
	if (len > max)
		return damaged(x, "compressed cluster is larger than two clusters", gc);
	if (!q->packed && !(q->packed = malloc(max)))
		return -ENOMEM;
	if (!q->unpacked && !(q->unpacked = malloc(q->cluster_size)))
		return -ENOMEM;
	q->unpacked_cluster = 0;
	err = vmdk_extent_pread(x, q->packed, len, off);
	if (err < 0)
		return read_error(x, err);
	if (q->compression == 1) {
		err = unpack_zstd(q, len);
	} else {
		if (!q->inflater && !(q->inflater = vmdk_inflater_new()))
			return -ENOMEM;
		err = vmdk_inflate(q->inflater, q->packed, len, q->unpacked,
				   q->cluster_size, &got);
		if (err == 0 && got != q->cluster_size)
			err = -1;
	}
	if (err < 0)
		return err == -ENOMEM ? err
		       : damaged(x, "compressed cluster does not decompress", gc);
	q->unpacked_cluster = gc + 1;
	return 0;
}

/* @len bytes at @in into the host cluster @cluster; past the end of the
 * file they read as zeros (a cluster's unwritten tail), but the cluster
 * must start inside it. */
static int read_host(struct vmdk_extent *x, uint64_t gc, uint64_t cluster,
		     uint64_t in, uint8_t *out, size_t len)
{
	struct vmdk_extent *f = qcow2_data(x, Q(x));
	uint64_t at = cluster + in, have = 0;
	int err;

	if (cluster >= f->file_size && !(Q(x)->data_file && at >= f->file_size))
		return damaged(x, "L2 entry names a cluster past the end of the file", gc);
	if (at < f->file_size)
		have = f->file_size - at < len ? f->file_size - at : len;
	err = have ? vmdk_extent_pread(f, out, (size_t)have, at) : 0;
	if (err < 0)
		return read_error(x, err);
	memset(out + have, 0, len - (size_t)have);
	return 0;
}

/* Only runs the status slot called DATA come here. */
int qcow2_read(struct vmdk_extent *x, uint64_t sector, uint32_t n, void *buf)
{
	struct qcow2 *q = Q(x);
	uint64_t pos = sector * VMDK_SECTOR, end = pos + (uint64_t)n * VMDK_SECTOR;
	uint8_t *out = buf;

	while (pos < end) {
		uint64_t gc = pos >> q->cluster_bits, in = pos & (q->cluster_size - 1);
		uint64_t take = q->cluster_size - in < end - pos ? q->cluster_size - in
								  : end - pos;
		uint64_t e, bitmap, host;
		int err = l2_entry(x, gc, &e, &bitmap);

		if (err < 0)
			return err;
		if (e & QCOW2_COMPRESSED) {
			err = unpack(x, gc, e);
			if (err == 0)
				memcpy(out, q->unpacked + in, take);
		} else {
			host = e & QCOW2_OFFSET_MASK;
			if ((!host && !q->data_file) || host % q->cluster_size)
				err = damaged(x, host ? "L2 entry names an unaligned "
					      "cluster" : "allocated subcluster has "
					      "no host cluster", gc);
			else
				err = read_host(x, gc, host, in, out, take);
		}
		if (err < 0)
			return err;
		out += take;
		pos += take;
	}
	return 0;
}

void qcow2_map_free(struct qcow2 *q)
{
	for (unsigned i = 0; i < QCOW2_L2_SLOTS; i++)
		free(q->cache[i].table);
	free(q->packed);
	free(q->unpacked);
	if (q->inflater)
		vmdk_inflater_free(q->inflater);
	ZSTD_freeDCtx(q->zstd);
}

/* ---- the check slot's walk: every L2 entry of the active L1 table ---- */

static int entry_problem(struct vmdk_check_ctx *c, int code, int severity,
			 uint64_t l1i, uint64_t gc, const char *what)
{
	struct qcow2 *q = Q(c->x);
	uint64_t sectors = q->cluster_size / VMDK_SECTOR;

	return vmdk_check_report(c,
				 &(struct vmdk_problem_at){.code = code,
							   .severity = severity,
							   .offset = VMDK_NO_OFFSET,
							   .gd_index = (int64_t)l1i,
							   .gt_index =
								   (int64_t)(gc &
									     ((1ull
									       << q->l2_bits) -
									      1)),
							   .lba = gc * sectors,
							   .lba_count = sectors},
				 "guest cluster %llu: %s", (unsigned long long)gc, what);
}

/* What is wrong with entry @e (and @bitmap) of guest cluster @gc, or NULL. */
static const char *entry_fault(struct vmdk_extent *x, uint64_t gc, uint64_t e,
			       uint64_t bitmap, int *code)
{
	struct qcow2 *q = Q(x);
	uint64_t host = e & QCOW2_OFFSET_MASK;
	bool allocated = q->sub_bits ? (uint32_t)bitmap != 0
				     : host || (q->data_file && (e & QCOW2_COPIED));
	uint64_t file = qcow2_data(x, q)->file_size;

	*code = VMDK_P_GTE_OUTSIDE;
	if (e & QCOW2_COMPRESSED) {
		*code = VMDK_P_STREAM_GRAIN;
		return unpack(x, gc, e) < 0 ? "compressed cluster lies outside the "
					      "file or does not decompress" : NULL;
	}
	if (q->sub_bits && ((uint32_t)bitmap & (uint32_t)(bitmap >> 32)))
		return *code = VMDK_P_HEADER,
		       "a subcluster is marked both allocated and zero";
	if (!allocated)
		return NULL;
	if (!host && !q->data_file)
		return "allocated subclusters have no host cluster";
	if (host % q->cluster_size)
		return "names an unaligned host cluster";
	if (host >= file && !q->data_file)
		return "names a host cluster past the end of the file";
	if (host < q->cluster_size && !q->data_file)
		return *code = VMDK_P_GTE_METADATA, "names the header's cluster";
	return NULL;
}

int qcow2_check_tables(struct vmdk_check_ctx *c)
{
	struct vmdk_extent *x = c->x;
	struct qcow2 *q = Q(x);
	uint64_t clusters = (q->size + q->cluster_size - 1) >> q->cluster_bits;

	for (uint64_t l1i = 0; l1i < q->l1_size; l1i++) {
		uint64_t first = l1i << q->l2_bits;
		if (!q->l1[l1i] || first >= clusters)
			continue;
		c->tables++;
		for (uint64_t gc = first; gc < clusters &&
		     gc < first + (1ull << q->l2_bits); gc++) {
			uint64_t e, bitmap;
			const char *fault;
			int code, err = l2_entry(x, gc, &e, &bitmap);

			if (err < 0)
				return err;
			if (e & QCOW2_COMPRESSED || (q->sub_bits ? (uint32_t)bitmap
						     : e & QCOW2_OFFSET_MASK))
				c->grains++;
			fault = entry_fault(x, gc, e, bitmap, &code);
			if (fault && (err = entry_problem(c, code, VMDK_SEV_ERROR,
							  l1i, gc, fault)) < 0)
				return err;
		}
	}
	return 0;
}
