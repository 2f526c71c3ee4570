/* SPDX-License-Identifier: MIT */
/* stream_check.c --- the check of streamOptimized extents, marker by
 * marker (technote: "Stream-Optimized Compressed Sparse Extents"): every
 * grain inflates whole at an LBA inside the disk, every metadata marker
 * is what it says, the footer agrees with the header, nothing follows the
 * end-of-stream marker; then every table entry names a grain marker of
 * its own LBA.  Past damage the walk searches on for the next marker, so
 * that the salvage (stream_salvage.c) keeps every intact grain. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "stream_check.h"
#include "stream_header.h"

#define SCAN_SECTORS 64u

static int problem(struct stc *k, int code, int severity, uint64_t sector,
		   uint64_t lba, const char *fmt, ...) VMDK_PRINTF(6, 7);

static int vproblem(struct stc *k, int code, int severity, uint64_t sector,
		    uint64_t lba, bool lost, const char *fmt, va_list ap)
{
	struct vmdk_problem_at at = {
		.code = code, .severity = severity,
		.offset = sector == UINT64_MAX ? VMDK_NO_OFFSET : sector * VMDK_SECTOR,
		.gd_index = -1, .gt_index = -1, .lba = k->x->start + lba,
		.lba_count = lba == UINT64_MAX ? 0 : k->h.grain_size,
		.fix = (code == VMDK_P_HEADER || code == VMDK_P_CAPACITY) && !k->weighing
		       ? NULL : k->fix,
	};
	char msg[VMDK_ERRMSG_MAX];
	int rc;

	/* A grain whose data is damaged, or whose LBA is lost, reads as
	 * zeros after the salvage. */
	if (code == VMDK_P_STREAM_GRAIN || lost)
		at.discards = lost && !at.lba_count ? k->h.grain_size : at.lba_count;
	if (lba == UINT64_MAX)
		at.lba = 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	rc = vmdk_check_report(k->c, &at, "%s", msg);
	return rc < 0 ? rc : 0;
}

static int problem(struct stc *k, int code, int severity, uint64_t sector,
		   uint64_t lba, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vproblem(k, code, severity, sector, lba, false, fmt, ap);
	va_end(ap);
	return rc;
}

static int problem_lost(struct stc *k, int code, uint64_t sector, uint64_t lba,
			const char *fmt, ...) VMDK_PRINTF(5, 6);

static int problem_lost(struct stc *k, int code, uint64_t sector, uint64_t lba,
			const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vproblem(k, code, VMDK_SEV_ERROR, sector, lba, true, fmt, ap);
	va_end(ap);
	return rc;
}

static int read_at(struct stc *k, uint64_t sector, void *buf, size_t len)
{
	int err = vmdk_pread_all(k->x->fd, buf, len, sector * VMDK_SECTOR);

	return err < 0 && err != -ENODATA
		       ? vmdk_seterr_at(k->x->eb, err, k->x->path, "%s", vmdk_strerror(err))
		       : err;
}


/* 1 when nothing further can be known. */
static int check_header(struct stc *k)
{
	const struct sparse_header *h = &k->h;
	char why[160];

	if (vmdk_sparse_header_fault(h, "header", why, sizeof(why)) < 0)
		return problem(k, VMDK_P_HEADER, VMDK_SEV_ERROR, 0, UINT64_MAX,
			       "stream %s", why) < 0 ? -1 : 1;
	if (h->grain_size > 2048 || h->compress != SPARSE_COMPRESS_DEFLATE)
		return problem(k, VMDK_P_HEADER, VMDK_SEV_ERROR, 0, UINT64_MAX,
			       "stream grains of %llu sectors compressed by method %u: "
			       "deflated grains of 1 MiB at most are read",
			       (unsigned long long)h->grain_size, h->compress) < 0 ? -1 : 1;
	if (h->capacity < k->x->sectors)
		return problem(k, VMDK_P_CAPACITY, VMDK_SEV_ERROR, 0, UINT64_MAX,
			       "descriptor says %llu sectors, the stream header %llu",
			       (unsigned long long)k->x->sectors,
			       (unsigned long long)h->capacity) < 0 ? -1 : 0;
	return 0;
}

/* @h (the header, or the footer) corrected by the evidence, one problem
 * for each field that changes; @other is the other copy, or NULL. */
static int report_weighed(struct stc *k, struct sparse_header *h,
			  const struct sparse_header *other, const char *which)
{
	struct stream_weighed w;
	int err = vmdk_stream_weigh_header(k->x->fd, k->x->file_size, h, other,
					   k->x->sectors, &w);
	const char *other_name = strcmp(which, "footer") ? "footer" : "header";

	k->weighing = true;
	for (int i = 0; err >= 0 && i < w.n; i++)
		err = problem(k, VMDK_P_HEADER, VMDK_SEV_ERROR, 0, UINT64_MAX,
			      "the stream %s's %s is %llu, %llu by the evidence (%s%s%s)",
			      which, w.fix[i].field, (unsigned long long)w.fix[i].was,
			      (unsigned long long)w.fix[i].value, w.fix[i].evidence,
			      other && w.fix[i].other_agrees ? "; so does the " : "",
			      other && w.fix[i].other_agrees ? other_name : "");
	k->weighing = false;
	return err;
}

/* The footer as the header's other copy, read without judging it. */
static bool peek_footer(struct stc *k, struct sparse_header *f)
{
	uint8_t b[3 * VMDK_SECTOR];

	if (k->h.gd_offset != SPARSE_GD_AT_END || k->file_sectors < 3 ||
	    read_at(k, k->file_sectors - 3, b, sizeof(b)) < 0 ||
	    vmdk_le32(b + 12) != MARKER_FOOTER || memcmp(b + 512, "KDMV", 4))
		return false;
	sparse_header_decode(b + 512, f);
	return true;
}

/* The header by the evidence, before anything is read through it. */
static int weigh_header(struct stc *k)
{
	struct sparse_header f;
	bool footer = peek_footer(k, &f);
	int err = report_weighed(k, &k->h, footer ? &f : NULL, "header");

	/* Two directories in one place name one set of tables twice. */
	if (err >= 0 && (k->h.flags & SPARSE_FLAG_RGD) &&
	    k->h.gd_offset != SPARSE_GD_AT_END && k->h.rgd_offset == k->h.gd_offset) {
		k->weighing = true;
		err = problem(k, VMDK_P_HEADER, VMDK_SEV_ERROR, 0, UINT64_MAX,
			      "the stream header's gdOffset and rgdOffset are both %llu",
			      (unsigned long long)k->h.gd_offset);
		k->weighing = false;
	}
	return err;
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
	if ((err = report_weighed(k, &k->f, &k->h, "footer")) < 0)
		return err;
	/* A footer that disagrees names nothing to trust: its tables are
	 * not read (the salvage finds the grains by their markers). */
	k->has_footer = !(k->f.capacity != k->h.capacity ||
			  k->f.grain_size != k->h.grain_size ||
			  k->f.gtes_per_gt != k->h.gtes_per_gt ||
			  k->f.overhead != k->h.overhead ||
			  k->f.version != k->h.version || k->f.gd_offset == SPARSE_GD_AT_END);
	if (!k->has_footer)
		return problem(k, VMDK_P_STREAM_FOOTER, VMDK_SEV_ERROR,
			       k->file_sectors - 2, UINT64_MAX, "footer disagrees with "
			       "the header (capacity %llu against %llu, grain %llu "
			       "against %llu)", (unsigned long long)k->f.capacity,
			       (unsigned long long)k->h.capacity,
			       (unsigned long long)k->f.grain_size,
			       (unsigned long long)k->h.grain_size);
	return 0;
}

enum grain_state { GRAIN_OK, GRAIN_SIZE, GRAIN_LBA, GRAIN_DEFLATE, GRAIN_SHORT };

/* Inflate the deflate data after the marker at @pos, @len bytes of it
 * read (more than it holds is fine: it ends itself); *used the bytes it
 * took. */
static int inflate_at(struct stc *k, uint64_t pos, uint64_t lba, size_t len,
		      size_t *used)
{
	uint64_t gs = k->h.grain_size;
	size_t got = 0, want;
	int err = read_at(k, pos, k->packed, GRAIN_MARKER_SIZE + len);

	if (err < 0)
		return err;
	want = (size_t)((lba != UINT64_MAX && k->h.capacity - lba < gs
			 ? k->h.capacity - lba : gs) * VMDK_SECTOR);
	if (vmdk_inflate_ex(k->z, k->packed + GRAIN_MARKER_SIZE, len, k->grain,
			    gs * VMDK_SECTOR, &got, used) < 0)
		return GRAIN_DEFLATE;
	return got < want ? GRAIN_SHORT : GRAIN_OK;
}

/* The grain whose marker @m is at @pos: a GRAIN_* state, or an error.  A
 * marker's bad LBA or size does not lose the data after it: *size is the
 * deflate data's length as it inflates. */
static int grain_state(struct stc *k, uint64_t pos, const uint8_t *m,
		       uint32_t *size)
{
	uint64_t lba = vmdk_le64(m), gs = k->h.grain_size;
	uint64_t room = (k->file_sectors - pos) * VMDK_SECTOR - GRAIN_MARKER_SIZE;
	size_t used = 0;
	int st;

	*size = vmdk_le32(m + 8);
	if (*size > k->packed_max - GRAIN_MARKER_SIZE || *size > room) {
		/* The size is damaged: the data ends itself. */
		st = inflate_at(k, pos, lba % gs || lba >= k->h.capacity ? UINT64_MAX
				: lba, room < k->packed_max - GRAIN_MARKER_SIZE ? room
				: k->packed_max - GRAIN_MARKER_SIZE, &used);
		if (st != GRAIN_OK)
			return st < 0 ? st : GRAIN_SIZE;
		*size = (uint32_t)used;
		return GRAIN_SIZE;
	}
	st = inflate_at(k, pos, lba % gs || lba >= k->h.capacity ? UINT64_MAX : lba,
			*size, &used);
	if (st == GRAIN_OK && (lba % gs || lba >= k->h.capacity))
		return GRAIN_LBA;
	return st;
}

/* Could @m (at @pos) be a marker the walk can go on from?  A grain must
 * inflate whole; a table or footer marker must say what follows it. */
static int resumes_at(struct stc *k, uint64_t pos, const uint8_t *m)
{
	uint64_t gt_sectors = round_up(k->h.gtes_per_gt * 4ull, VMDK_SECTOR) / VMDK_SECTOR;
	uint64_t val = vmdk_le64(m);
	uint8_t next[VMDK_SECTOR];
	uint32_t size;
	int st;

	if (vmdk_le32(m + 8)) {
		/* A zlib stream's header (RFC 1950) after the marker. */
		if (val % k->h.grain_size || val >= k->h.capacity || (m[12] & 0x0f) != 8 ||
		    ((m[12] << 8) | m[13]) % 31)
			return 0;
		st = grain_state(k, pos, m, &size);
		return st < 0 ? st : st == GRAIN_OK;
	}
	switch (vmdk_le32(m + 12)) {
	case MARKER_GT:
		return val == gt_sectors;
	case MARKER_FOOTER:
		if (val != 1 || pos + 1 >= k->file_sectors)
			return 0;
		st = read_at(k, pos + 1, next, sizeof(next));
		return st < 0 ? st : memcmp(next, "KDMV", 4) == 0;
	default:
		return 0;
	}
}

/* The first sector from @from the walk can go on from, or the file's end. */
static int resync(struct stc *k, uint64_t from, uint64_t *at)
{
	for (uint64_t s = from; s < k->file_sectors; s += SCAN_SECTORS) {
		uint64_t n = k->file_sectors - s < SCAN_SECTORS ? k->file_sectors - s
								: SCAN_SECTORS;
		int err = read_at(k, s, k->scan, n * VMDK_SECTOR);
		if (err < 0)
			return err;
		for (uint64_t i = 0; i < n; i++) {
			int ok = resumes_at(k, s + i, k->scan + i * VMDK_SECTOR);
			if (ok < 0)
				return ok;
			if (ok) {
				*at = s + i;
				return 0;
			}
		}
	}
	*at = k->file_sectors;
	return 0;
}

static int keep(struct stc *k, uint64_t pos, uint64_t lba, uint32_t size)
{
	if (k->n_found == k->cap_found) {
		size_t cap = k->cap_found ? 2 * k->cap_found : 256;
		struct stream_grain *g = realloc(k->found, cap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		k->found = g;
		k->cap_found = cap;
	}
	k->found[k->n_found++] = (struct stream_grain){
		.pos = pos, .size = size, .table_grain = STREAM_NO_GRAIN,
		.grain = lba % k->h.grain_size || lba >= k->h.capacity
			 ? STREAM_NO_GRAIN : lba / k->h.grain_size };
	return 0;
}

/* "searched on to sector N" for a message, or "it ends the stream". */
static const char *resumed(uint64_t at, uint64_t end, char *buf, size_t len)
{
	if (at >= end)
		return "nothing intact follows it";
	snprintf(buf, len, "the walk goes on at sector %llu", (unsigned long long)at);
	return buf;
}

/* One grain at @pos (its marker read into @m); *next is where the walk
 * goes on. */
static int check_grain(struct stc *k, uint64_t pos, const uint8_t *m,
		       uint64_t *next)
{
	uint64_t lba = vmdk_le64(m);
	uint32_t size = vmdk_le32(m + 8), claimed = size;
	size_t want = (size_t)(k->h.grain_size * VMDK_SECTOR);
	char where[64];
	int st = grain_state(k, pos, m, &size), err;

	*next = pos + round_up(GRAIN_MARKER_SIZE + (uint64_t)size, VMDK_SECTOR) / VMDK_SECTOR;
	if (st < 0)
		return st;
	k->c->grains++;
	switch (st) {
	case GRAIN_OK:
		return keep(k, pos, lba, size);
	case GRAIN_SIZE:
		if (size != claimed) {
			/* Its data inflated whole all the same. */
			if ((err = keep(k, pos, lba, size)) < 0)
				return err;
			return problem(k, VMDK_P_STREAM_MARKER, VMDK_SEV_ERROR, pos,
				       UINT64_MAX, "grain marker at sector %llu claims "
				       "%u bytes, its data ends after %u",
				       (unsigned long long)pos, claimed, size);
		}
		k->c->grains--;
		if ((err = resync(k, pos + 1, next)) < 0)
			return err;
		return problem(k, VMDK_P_STREAM_GRAIN, VMDK_SEV_ERROR, pos, UINT64_MAX,
			       "grain marker at sector %llu claims %u bytes, %s; %s",
			       (unsigned long long)pos, size,
			       size > k->packed_max ? "more than any grain deflates to"
			       : "past the end of the file",
			       resumed(*next, k->file_sectors, where, sizeof(where)));
	case GRAIN_LBA:
		/* Whole data under a bad LBA: a table may still name it. */
		return keep(k, pos, lba, size);
	case GRAIN_DEFLATE:
		return problem(k, VMDK_P_STREAM_GRAIN, VMDK_SEV_ERROR, pos, lba,
			       "grain at sector %llu (LBA %llu): its deflate data is "
			       "damaged", (unsigned long long)pos, (unsigned long long)lba);
	default:
		if (k->h.capacity - lba < k->h.grain_size)
			want = (size_t)((k->h.capacity - lba) * VMDK_SECTOR);
		return problem(k, VMDK_P_STREAM_GRAIN, VMDK_SEV_ERROR, pos, lba,
			       "grain at sector %llu (LBA %llu) does not inflate to a "
			       "whole grain (%zu bytes)", (unsigned long long)pos,
			       (unsigned long long)lba, want);
	}
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

/* An end-of-stream marker at @pos: the end (1), or a damaged sector that
 * reads as one with the stream going on at *next (0). */
static int check_end(struct stc *k, uint64_t pos, uint64_t *next)
{
	int err;

	if (pos + 1 >= k->file_sectors || zeros_after(k, pos + 1))
		return 1;
	if ((err = resync(k, pos + 1, next)) < 0)
		return err;
	if (*next < k->file_sectors)
		return problem(k, VMDK_P_STREAM_MARKER, VMDK_SEV_ERROR, pos, UINT64_MAX,
			       "sector %llu reads as an end-of-stream marker, but "
			       "the stream goes on at sector %llu",
			       (unsigned long long)pos, (unsigned long long)*next);
	err = problem(k, VMDK_P_STREAM_TRAILING, VMDK_SEV_WARNING, pos + 1,
		      UINT64_MAX, "%llu bytes after the end-of-stream marker",
		      (unsigned long long)((k->file_sectors - pos - 1) * VMDK_SECTOR));
	return err < 0 ? err : 1;
}

/* Every marker from the first grain to the end-of-stream marker. */
static int walk(struct stc *k)
{
	uint64_t gt_sectors = round_up(k->h.gtes_per_gt * 4ull, VMDK_SECTOR) / VMDK_SECTOR;
	uint64_t pos = k->h.overhead;
	uint8_t m[VMDK_SECTOR];
	char where[64];
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
			pos = next;
			continue;
		}
		if (type == MARKER_EOS) {
			if ((err = check_end(k, pos, &next)) != 0)
				return err < 0 ? err : 0;
			pos = next;
			continue;
		}
		if ((type == MARKER_GT && val != gt_sectors) ||
		    (type == MARKER_FOOTER && val != 1) ||
		    (type == MARKER_GD && (val == 0 || val > k->file_sectors - pos)) ||
		    type > MARKER_FOOTER) {
			if ((err = resync(k, pos + 1, &next)) < 0)
				return err;
			err = problem(k, VMDK_P_STREAM_MARKER, VMDK_SEV_ERROR, pos,
				      UINT64_MAX, "sector %llu is no marker (type %u, "
				      "%llu sectors); %s", (unsigned long long)pos, type,
				      (unsigned long long)val,
				      resumed(next, k->file_sectors, where, sizeof(where)));
			if (err < 0)
				return err;
			pos = next;
			continue;
		}
		pos += 1 + val;
	}
	/* With the directory in the header (qemu-img's and Workstation's
	 * layout) the last grain may end the file. */
	if (pos == k->file_sectors && k->h.gd_offset != SPARSE_GD_AT_END)
		return 0;
	return problem(k, VMDK_P_STREAM_FOOTER, VMDK_SEV_ERROR, UINT64_MAX,
		       UINT64_MAX, "the stream ends without an end-of-stream marker");
}

/* The intact grain whose marker is at @pos, or NULL (found is in file
 * order). */
static struct stream_grain *found_at(struct stc *k, uint64_t pos)
{
	size_t lo = 0, hi = k->n_walked;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k->found[mid].pos == pos)
			return &k->found[mid];
		if (k->found[mid].pos < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Whether an intact grain's marker holds @grain. */
static bool marker_holds(const struct stc *k, uint64_t grain)
{
	for (size_t i = 0; i < k->n_found; i++)
		if (k->found[i].grain == grain)
			return true;
	return false;
}

/* Entry @j of table @i names sector @v for @lba, where no intact grain
 * starts (its marker @m damaged, or the entry): the data after the
 * marker is tried as the table's grain; if it inflates whole it is
 * kept. */
static int damaged_marker(struct stc *k, uint32_t i, uint32_t j, uint32_t v,
			  uint64_t lba, const uint8_t *m)
{
	uint64_t room = (k->file_sectors - v) * VMDK_SECTOR - GRAIN_MARKER_SIZE;
	size_t len = room < k->packed_max - GRAIN_MARKER_SIZE ? (size_t)room
			 : k->packed_max - GRAIN_MARKER_SIZE, used = 0;
	int st = inflate_at(k, v, lba, len, &used), err;

	if (st < 0)
		return st;
	if (st == GRAIN_OK) {
		if ((err = keep(k, v, lba, (uint32_t)used)) < 0)
			return err;
		k->found[k->n_found - 1].refs = 1;
		k->found[k->n_found - 1].named = true;
		return problem(k, VMDK_P_STREAM_MARKER, VMDK_SEV_ERROR, v, lba,
			       "grain table %u entry %u names sector %u, whose marker "
			       "is damaged (LBA %llu, %u bytes); the data after it "
			       "inflates whole and is kept as LBA %llu", i, j, v,
			       (unsigned long long)vmdk_le64(m), vmdk_le32(m + 8),
			       (unsigned long long)lba);
	}
	if (marker_holds(k, lba / k->h.grain_size))
		return problem(k, VMDK_P_STREAM_LBA, VMDK_SEV_ERROR, v, lba,
			       "grain table %u entry %u names sector %u, whose grain "
			       "marker says LBA %llu, not %llu (a grain elsewhere "
			       "holds it)", i, j, v, (unsigned long long)vmdk_le64(m),
			       (unsigned long long)lba);
	return problem_lost(k, VMDK_P_STREAM_LBA, v, lba,
			    "grain table %u entry %u names sector %u, whose grain "
			    "marker says LBA %llu, not %llu, and no intact grain "
			    "holds it", i, j, v, (unsigned long long)vmdk_le64(m),
			    (unsigned long long)lba);
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
	k->tables_read = err == 0;
	k->n_walked = k->n_found;
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
			struct stream_grain *g;
			if (!v || lba >= h->capacity)
				continue;
			/* An intact grain: weighed with its marker later. */
			if ((g = found_at(k, v))) {
				g->refs++;
				if (g->grain == lba / h->grain_size) {
					g->named = true;
					k->agree++;
				} else {
					g->table_grain = lba / h->grain_size;
					k->disagree++;
				}
				continue;
			}
			if (v < h->overhead || v >= k->file_sectors)
				err = problem(k, VMDK_P_STREAM_LBA, VMDK_SEV_ERROR, UINT64_MAX,
					      lba, "grain table %u entry %u names sector "
					      "%u, outside the grains", i, j, v);
			else if ((err = read_at(k, v, m, sizeof(m))) == 0 &&
				 (!vmdk_le32(m + 8) || vmdk_le64(m) != lba))
				err = damaged_marker(k, i, j, v, lba, m);
		}
	}
	free(gd);
	free(gt);
	return err < 0 ? err : 0;
}

/* Which grain each intact grain holds.  A marker and the table entry
 * naming it may disagree: where one entry alone names a grain, the
 * table is taken (one damaged marker, against a table whose entry would
 * have to be damaged twice: its own and the one of the marker's LBA);
 * where several do, the one its marker agrees with.  A grain no entry
 * names keeps its marker's LBA.  Then, where several grains hold one
 * LBA, the one a table names wins, else the last written. */
static int by_final(const void *a, const void *b)
{
	const struct stream_grain *x = a, *y = b;
	bool xn = x->named || x->table_won, yn = y->named || y->table_won;

	if (x->final != y->final)
		return x->final < y->final ? -1 : 1;
	if (xn != yn)
		return xn ? -1 : 1;
	return x->pos > y->pos ? -1 : x->pos < y->pos;
}

static int weigh_grains(struct stc *k)
{
	uint64_t gs = k->h.grain_size;
	int err = 0;

	for (size_t i = 0; err == 0 && i < k->n_found; i++) {
		struct stream_grain *g = &k->found[i];
		g->final = g->grain;
		if (g->named || !g->refs) {
			if (g->grain == STREAM_NO_GRAIN)
				err = problem_lost(k, VMDK_P_STREAM_LBA, g->pos, UINT64_MAX,
						   "grain marker at sector %llu names no "
						   "grain's first sector inside the disk, and "
						   "no table names it: its grain is lost",
						   (unsigned long long)g->pos);
			continue;
		}
		/* Tables that mostly disagree with the markers were read
		 * through something wrong: the markers are believed. */
		if (g->grain != STREAM_NO_GRAIN && k->disagree * 8 > k->agree) {
			err = problem(k, VMDK_P_STREAM_LBA, VMDK_SEV_ERROR, g->pos,
				      g->grain * gs, "grain marker at sector %llu says "
				      "LBA %llu, the table entry naming it LBA %llu; the "
				      "tables disagree with %llu of %llu markers, the "
				      "marker is kept", (unsigned long long)g->pos,
				      (unsigned long long)(g->grain * gs),
				      (unsigned long long)(g->table_grain * gs),
				      (unsigned long long)k->disagree,
				      (unsigned long long)(k->agree + k->disagree));
			continue;
		}
		if (g->refs > 1 && g->grain != STREAM_NO_GRAIN) {
			err = problem(k, VMDK_P_STREAM_LBA, VMDK_SEV_ERROR, g->pos,
				      g->grain * gs, "grain at sector %llu is named by %u "
				      "table entries, none of its marker's LBA %llu; the "
				      "marker's is kept", (unsigned long long)g->pos, g->refs,
				      (unsigned long long)(g->grain * gs));
			continue;
		}
		g->final = g->table_grain;
		g->table_won = true;
		if (g->grain == STREAM_NO_GRAIN)
			err = problem(k, VMDK_P_STREAM_LBA, VMDK_SEV_ERROR, g->pos,
				      g->final * gs, "grain marker at sector %llu names "
				      "no grain's first sector inside the disk; the table "
				      "entry naming it says LBA %llu, which is kept",
				      (unsigned long long)g->pos,
				      (unsigned long long)(g->final * gs));
		else
			err = problem(k, VMDK_P_STREAM_LBA, VMDK_SEV_ERROR, g->pos,
				      g->final * gs, "grain marker at sector %llu says "
				      "LBA %llu, the table entry naming it LBA %llu, which "
				      "is kept", (unsigned long long)g->pos,
				      (unsigned long long)(g->grain * gs),
				      (unsigned long long)(g->final * gs));
	}
	if (err < 0 || !k->n_found)
		return err;
	qsort(k->found, k->n_found, sizeof(*k->found), by_final);
	/* A grain that holds its LBA alone, named by no table, is data the
	 * reader cannot reach: it reads zeros there. */
	for (size_t i = 0; err == 0 && i < k->n_found; i++) {
		const struct stream_grain *g = &k->found[i];
		if (g->final == STREAM_NO_GRAIN || (i && k->found[i - 1].final == g->final))
			continue;
		if (!g->refs && k->tables_read)
			err = problem(k, VMDK_P_STREAM_TABLES, VMDK_SEV_ERROR, g->pos,
				      g->final * gs, "grain at sector %llu holds LBA %llu, "
				      "which no grain table names: it reads as zeros",
				      (unsigned long long)g->pos,
				      (unsigned long long)(g->final * gs));
	}
	return err;
}

static int run(struct stc *k)
{
	int err;

	/* Without markers the grains cannot be found but through the
	 * tables: nothing to salvage from. */
	if (k->h.flags & SPARSE_FLAG_MARKERS)
		k->fix = "rebuild the stream from its intact grains (a lost "
			 "grain reads as zeros)";
	err = weigh_header(k);
	if (err == 0)
		err = check_header(k);
	if (err != 0)
		return err < 0 ? err : 0;
	k->packed_max = round_up(compressBound((uLong)(k->h.grain_size * VMDK_SECTOR)) +
				 GRAIN_MARKER_SIZE, VMDK_SECTOR);
	k->packed = malloc(k->packed_max);
	k->grain = malloc(k->h.grain_size * VMDK_SECTOR);
	k->scan = malloc(SCAN_SECTORS * VMDK_SECTOR);
	k->z = vmdk_inflater_new();
	if (!k->packed || !k->grain || !k->scan || !k->z)
		return -ENOMEM;
	err = check_footer(k);
	if (err == 0 && (k->h.flags & SPARSE_FLAG_MARKERS))
		err = walk(k);
	if (err == 0 && (k->has_footer || k->h.gd_offset != SPARSE_GD_AT_END))
		err = check_tables(k);
	if (err == 0)
		err = weigh_grains(k);
	if (err < 0 || !vmdk_check_may_write(k->c))
		return err;
	err = vmdk_stream_salvage(k);
	return err < 0 ? err : 1;
}

int vmdk_stream_check(struct vmdk_check_ctx *c, const uint8_t *first)
{
	struct stc k = { .c = c, .x = c->x, .file_sectors = c->x->file_size / VMDK_SECTOR };
	int err;

	sparse_header_decode(first, &k.h);
	err = run(&k);
	vmdk_inflater_free(k.z);
	free(k.packed);
	free(k.grain);
	free(k.scan);
	free(k.found);
	return err;
}
