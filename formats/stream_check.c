/* SPDX-License-Identifier: MIT */
/* stream_check.c --- the check of streamOptimized extents, marker by
 * marker (technote: "Stream-Optimized Compressed Sparse Extents"): every
 * grain inflates whole at an LBA inside the disk, every metadata marker
 * is what it says, the footer agrees with the header, nothing follows the
 * end-of-stream marker; then every table entry names a grain marker of
 * its own LBA.  These problems have no fix yet: a salvage would rewrite
 * the stream's end. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "sparse_meta.h"

struct stc {
	struct vmdk_check_ctx *c;
	struct vmdk_extent *x;
	struct sparse_header h, f;	/* header, and footer when it has one */
	bool has_footer;
	uint64_t file_sectors;
	struct vmdk_inflater *z;
	uint8_t *packed, *grain;
	size_t packed_max;
};

static int problem(struct stc *k, int code, int severity, uint64_t sector,
		   uint64_t lba, const char *fmt, ...) VMDK_PRINTF(6, 7);

static int problem(struct stc *k, int code, int severity, uint64_t sector,
		   uint64_t lba, const char *fmt, ...)
{
	struct vmdk_problem_at at = {
		.code = code, .severity = severity,
		.offset = sector == UINT64_MAX ? VMDK_NO_OFFSET : sector * VMDK_SECTOR,
		.gd_index = -1, .gt_index = -1, .lba = k->x->start + lba,
		.lba_count = lba == UINT64_MAX ? 0 : k->h.grain_size,
	};
	char msg[VMDK_ERRMSG_MAX];
	va_list ap;
	int rc;

	if (lba == UINT64_MAX)
		at.lba = 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rc = vmdk_check_report(k->c, &at, "%s", msg);
	return rc < 0 ? rc : 0;
}

static int read_at(struct stc *k, uint64_t sector, void *buf, size_t len)
{
	int err = vmdk_pread_all(k->x->fd, buf, len, sector * VMDK_SECTOR);

	return err < 0 && err != -ENODATA
		       ? vmdk_seterr(k->x->eb, err, "%s: %s", k->x->path,
				     vmdk_strerror(err)) : err;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* 1 when nothing further can be known. */
static int check_header(struct stc *k)
{
	const struct sparse_header *h = &k->h;

	if (h->version < 1 || h->version > 3 || !is_pow2(h->grain_size) ||
	    h->grain_size > 2048 || h->gtes_per_gt == 0 || h->gtes_per_gt > 512 ||
	    h->capacity == 0 || h->capacity > VMDK_MAX_CAPACITY ||
	    h->compress != SPARSE_COMPRESS_DEFLATE)
		return problem(k, VMDK_P_HEADER, VMDK_SEV_ERROR, 0, UINT64_MAX,
			       "stream header out of range (version %u, grain %llu "
			       "sectors, %u entries a table, capacity %llu, "
			       "compression %u)", h->version,
			       (unsigned long long)h->grain_size, h->gtes_per_gt,
			       (unsigned long long)h->capacity, h->compress) < 0 ? -1 : 1;
	if (h->capacity < k->x->sectors)
		return problem(k, VMDK_P_CAPACITY, VMDK_SEV_ERROR, 0, UINT64_MAX,
			       "descriptor says %llu sectors, the stream header %llu",
			       (unsigned long long)k->x->sectors,
			       (unsigned long long)h->capacity) < 0 ? -1 : 0;
	return 0;
}

/* The footer: the last three sectors are its marker, itself and the
 * end-of-stream marker. */
static int check_footer(struct stc *k)
{
	uint8_t b[3 * VMDK_SECTOR];
	int err;

	if (k->h.gd_offset != SPARSE_GD_AT_END)
		return 0;	/* the directory is named by the header */
	err = k->file_sectors >= 3 ? read_at(k, k->file_sectors - 3, b, sizeof(b))
				   : -ENODATA;
	if (err < 0 && err != -ENODATA)
		return err;
	if (err < 0 || vmdk_le32(b + 8) != 0 || vmdk_le32(b + 12) != MARKER_FOOTER ||
	    vmdk_le64(b + 1024) != 0 || vmdk_le32(b + 1032) != 0 ||
	    vmdk_le32(b + 1036) != MARKER_EOS || memcmp(b + 512, "KDMV", 4))
		return problem(k, VMDK_P_STREAM_FOOTER, VMDK_SEV_ERROR, UINT64_MAX,
			       UINT64_MAX, "no footer and end-of-stream marker at the "
			       "end (file truncated?): its tables cannot be found");
	sparse_header_decode(b + 512, &k->f);
	k->has_footer = true;
	if (k->f.capacity != k->h.capacity || k->f.grain_size != k->h.grain_size ||
	    k->f.gtes_per_gt != k->h.gtes_per_gt || k->f.version != k->h.version ||
	    k->f.gd_offset == SPARSE_GD_AT_END)
		return problem(k, VMDK_P_STREAM_FOOTER, VMDK_SEV_ERROR,
			       k->file_sectors - 2, UINT64_MAX, "footer disagrees with "
			       "the header (capacity %llu against %llu, grain %llu "
			       "against %llu)", (unsigned long long)k->f.capacity,
			       (unsigned long long)k->h.capacity,
			       (unsigned long long)k->f.grain_size,
			       (unsigned long long)k->h.grain_size);
	return 0;
}

/* One grain at @pos (its marker read into @m): inside the disk, whole
 * when inflated.  *next is the sector after it, 0 when it runs out. */
static int check_grain(struct stc *k, uint64_t pos, const uint8_t *m,
		       uint64_t *next)
{
	uint64_t lba = vmdk_le64(m), gs = k->h.grain_size;
	uint32_t size = vmdk_le32(m + 8);
	size_t got = 0, want;
	int err;

	*next = 0;
	if (size > k->packed_max - GRAIN_MARKER_SIZE ||
	    pos * VMDK_SECTOR + GRAIN_MARKER_SIZE + size > k->x->file_size)
		return problem(k, VMDK_P_STREAM_GRAIN, VMDK_SEV_ERROR, pos, UINT64_MAX,
			       "grain marker at sector %llu claims %u bytes, %s",
			       (unsigned long long)pos, size,
			       size > k->packed_max ? "more than any grain deflates to"
			       : "past the end of the file");
	*next = pos + round_up(GRAIN_MARKER_SIZE + size, VMDK_SECTOR) / VMDK_SECTOR;
	if (lba % gs || lba >= k->h.capacity)
		return problem(k, VMDK_P_STREAM_LBA, VMDK_SEV_ERROR, pos, UINT64_MAX,
			       "grain marker at sector %llu names LBA %llu, %s",
			       (unsigned long long)pos, (unsigned long long)lba,
			       lba % gs ? "not a grain's first sector" : "past the disk");
	err = read_at(k, pos, k->packed, GRAIN_MARKER_SIZE + size);
	if (err < 0)
		return err;
	want = (size_t)((k->h.capacity - lba < gs ? k->h.capacity - lba : gs) *
			VMDK_SECTOR);
	k->c->grains++;
	if (vmdk_inflate(k->z, k->packed + GRAIN_MARKER_SIZE, size, k->grain,
			 gs * VMDK_SECTOR, &got) < 0)
		return problem(k, VMDK_P_STREAM_GRAIN, VMDK_SEV_ERROR, pos, lba,
			       "grain at sector %llu (LBA %llu): its deflate data is "
			       "damaged", (unsigned long long)pos, (unsigned long long)lba);
	if (got < want)
		return problem(k, VMDK_P_STREAM_GRAIN, VMDK_SEV_ERROR, pos, lba,
			       "grain at sector %llu (LBA %llu) inflates to %zu bytes, "
			       "not a whole grain (%zu)", (unsigned long long)pos,
			       (unsigned long long)lba, got, want);
	return 0;
}

/* Zero padding after the last marker (qemu-img writes some) is no data;
 * up to 1 MiB of it is looked at. */
static bool zeros_after(struct stc *k, uint64_t pos)
{
	size_t len = (size_t)((k->file_sectors - pos) * VMDK_SECTOR);

	if (len > k->packed_max)
		len = k->packed_max;
	return read_at(k, pos, k->packed, len) == 0 && vmdk_is_zero(k->packed, len);
}

/* Every marker from the first grain to the end-of-stream marker. */
static int walk(struct stc *k)
{
	uint64_t gt_sectors = round_up(k->h.gtes_per_gt * 4ull, VMDK_SECTOR) / VMDK_SECTOR;
	uint64_t pos = k->h.overhead;
	uint8_t m[VMDK_SECTOR];
	int err;

	while (pos < k->file_sectors) {
		uint64_t val, next;
		uint32_t type;

		if ((err = read_at(k, pos, m, sizeof(m))) < 0)
			return err;
		val = vmdk_le64(m);
		type = vmdk_le32(m + 12);
		if (vmdk_le32(m + 8)) {
			if ((err = check_grain(k, pos, m, &next)) < 0)
				return err;
			if (!next)
				return 0;
			pos = next;
			continue;
		}
		if (type == MARKER_EOS) {
			if (pos + 1 < k->file_sectors && !zeros_after(k, pos + 1))
				return problem(k, VMDK_P_STREAM_TRAILING, VMDK_SEV_WARNING,
					       pos + 1, UINT64_MAX, "%llu bytes after the "
					       "end-of-stream marker", (unsigned long long)
					       ((k->file_sectors - pos - 1) * VMDK_SECTOR));
			return 0;
		}
		if ((type == MARKER_GT && val != gt_sectors) ||
		    (type == MARKER_FOOTER && val != 1) ||
		    (type == MARKER_GD && (val == 0 || val > k->file_sectors)) ||
		    type > MARKER_FOOTER)
			return problem(k, VMDK_P_STREAM_MARKER, VMDK_SEV_ERROR, pos,
				       UINT64_MAX, "sector %llu is no marker (type %u, "
				       "%llu sectors): the rest of the stream cannot be "
				       "walked", (unsigned long long)pos, type,
				       (unsigned long long)val);
		pos += 1 + val;
	}
	/* With the directory in the header (qemu-img's and Workstation's
	 * layout) the last grain may end the file. */
	if (pos == k->file_sectors && k->h.gd_offset != SPARSE_GD_AT_END)
		return 0;
	return problem(k, VMDK_P_STREAM_FOOTER, VMDK_SEV_ERROR, UINT64_MAX,
		       UINT64_MAX, "the stream ends without an end-of-stream marker");
}

/* Every entry of every table names a grain marker of its own LBA. */
static int check_tables(struct stc *k)
{
	const struct sparse_header *h = k->has_footer ? &k->f : &k->h;
	uint64_t cover = h->grain_size * h->gtes_per_gt;
	uint32_t n = (uint32_t)((h->capacity + cover - 1) / cover);
	uint64_t gt_bytes = h->gtes_per_gt * 4ull;
	uint32_t *gd = NULL, *gt = NULL;
	uint8_t m[VMDK_SECTOR];
	int err = 0;

	/* The directory must lie in the file before it is read: so bounded,
	 * its size cannot be what a damaged header claims. */
	if (h->gd_offset == 0 || h->gd_offset >= k->file_sectors ||
	    round_up(n * 4ull, VMDK_SECTOR) / VMDK_SECTOR > k->file_sectors - h->gd_offset)
		return problem(k, VMDK_P_STREAM_TABLES, VMDK_SEV_ERROR, UINT64_MAX,
			       UINT64_MAX, "grain directory at sector %llu (%u entries) "
			       "lies outside the file", (unsigned long long)h->gd_offset, n);
	gd = malloc(n * 4ull + 4);
	gt = malloc(gt_bytes);
	if (!gd || !gt)
		err = -ENOMEM;
	if (err == 0)
		err = read_at(k, h->gd_offset, gd, n * 4ull);
	for (uint32_t i = 0; err == 0 && i < n; i++) {
		uint32_t t = vmdk_le32(&gd[i]);
		if (!t)
			continue;
		if (t + gt_bytes / VMDK_SECTOR > k->file_sectors) {
			err = problem(k, VMDK_P_STREAM_TABLES, VMDK_SEV_ERROR, UINT64_MAX,
				      i * cover, "grain table %u at sector %u lies "
				      "outside the file", i, t);
			continue;
		}
		k->c->tables++;
		if ((err = read_at(k, t, gt, gt_bytes)) < 0)
			break;
		for (uint32_t j = 0; err == 0 && j < h->gtes_per_gt; j++) {
			uint32_t v = vmdk_le32(&gt[j]);
			uint64_t lba = (uint64_t)i * cover + j * h->grain_size;
			if (!v || lba >= h->capacity)
				continue;
			if (v < h->overhead || v >= k->file_sectors)
				err = problem(k, VMDK_P_STREAM_LBA, VMDK_SEV_ERROR, UINT64_MAX,
					      lba, "grain table %u entry %u names sector "
					      "%u, outside the grains", i, j, v);
			else if ((err = read_at(k, v, m, sizeof(m))) == 0 &&
				 (!vmdk_le32(m + 8) || vmdk_le64(m) != lba))
				err = problem(k, VMDK_P_STREAM_LBA, VMDK_SEV_ERROR, v, lba,
					      "grain table %u entry %u names sector %u, "
					      "whose grain marker says LBA %llu, not %llu",
					      i, j, v, (unsigned long long)vmdk_le64(m),
					      (unsigned long long)lba);
		}
	}
	free(gd);
	free(gt);
	return err < 0 ? err : 0;
}

int vmdk_stream_check(struct vmdk_check_ctx *c, const uint8_t *first)
{
	struct stc k = { .c = c, .x = c->x, .file_sectors = c->x->file_size / VMDK_SECTOR };
	int err;

	sparse_header_decode(first, &k.h);
	err = check_header(&k);
	if (err != 0)
		return err < 0 ? err : 0;
	k.packed_max = round_up(compressBound((uLong)(k.h.grain_size * VMDK_SECTOR)) +
				GRAIN_MARKER_SIZE, VMDK_SECTOR);
	k.packed = malloc(k.packed_max);
	k.grain = malloc(k.h.grain_size * VMDK_SECTOR);
	k.z = vmdk_inflater_new();
	err = k.packed && k.grain && k.z ? 0 : -ENOMEM;
	if (err == 0)
		err = check_footer(&k);
	if (err == 0 && (k.h.flags & SPARSE_FLAG_MARKERS))
		err = walk(&k);
	if (err == 0 && (k.has_footer || k.h.gd_offset != SPARSE_GD_AT_END))
		err = check_tables(&k);
	vmdk_inflater_free(k.z);
	free(k.packed);
	free(k.grain);
	return err;
}
