/* SPDX-License-Identifier: MIT */
/* sparse_check.c --- check and repair of hosted sparse extents: the
 * header, both grain directories, every grain table against its
 * redundant copy, every entry against the file and the others.
 *
 * A repair never overwrites a table: corrected tables and directories
 * are appended past the end of the file and synced, then one header
 * write switches to them (as grow does), so a crash leaves the old
 * extent or the repaired one.  Only the header sector is overwritten.
 * Memory: the directories, per-entry flags, and three bits per grain of
 * the file (which grains are referenced, and by more than one entry). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sparse_layout.h"
#include "sparse_meta.h"


struct sck {
	struct vmdk_check_ctx *c;
	struct vmdk_extent *x;
	struct sparse_header h;
	uint64_t file_sectors;		/* whole sectors in the file */
	uint32_t n;			/* directory entries */
	uint32_t gt_sectors;
	uint64_t gd_sectors;
	bool has_rgd;
	bool one_dir;			/* both arrays read from one directory */
	uint32_t *gd, *rgd;		/* as on disk (rgd NULL without one) */
	uint32_t *pt, *rt;		/* the table each copy is read from */
	uint32_t *new_gd, *new_rgd;	/* where each table is once repaired */
	uint8_t *dirty;			/* table i must be written again */
	uint8_t *seen, *dup, *used;	/* bits per grain slot past overhead */
	uint64_t slots;
	uint32_t *a, *b, *out;		/* one table: both copies, the result */
	uint64_t append;		/* next sector for repaired metadata */
	uint64_t max_end;		/* end of the furthest grain */
	uint64_t reach;			/* sectors ever read: the larger of the
					   header's and the descriptor's size */
	bool quiet;			/* the writing pass: decided already */
	bool eol_fix, capacity_fix, clear_unclean;
};

static bool bit(const uint8_t *m, uint64_t i)
{
	return m[i / 8] & (1u << (i % 8));
}

static void set_bit(uint8_t *m, uint64_t i)
{
	m[i / 8] |= (uint8_t)(1u << (i % 8));
}


static int vproblem(struct sck *k, int code, int severity, int64_t gd,
		    int64_t gt, uint64_t lba, uint64_t count, const char *fix,
		    uint64_t discards, const char *fmt, va_list ap)
{
	struct vmdk_problem_at at = {
		.code = code, .severity = severity, .offset = VMDK_NO_OFFSET,
		.gd_index = gd, .gt_index = gt, .lba = k->x->start + lba,
		.lba_count = count, .fix = fix, .discards = discards,
	};
	char msg[VMDK_ERRMSG_MAX];

	if (k->quiet)
		return fix ? 1 : 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	return vmdk_check_report(k->c, &at, "%s", msg);
}

/* Report a problem; remember whether its fix was taken. */
static int problem(struct sck *k, int code, int severity, int64_t gd,
		   int64_t gt, uint64_t lba, uint64_t count, const char *fix,
		   const char *fmt, ...) VMDK_PRINTF(9, 10);

static int problem(struct sck *k, int code, int severity, int64_t gd,
		   int64_t gt, uint64_t lba, uint64_t count, const char *fix,
		   const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vproblem(k, code, severity, gd, gt, lba, count, fix, 0, fmt, ap);
	va_end(ap);
	return rc;
}

/* An error whose @fix gives up @discards sectors (0: none). */
static int problem_discarding(struct sck *k, int code, int64_t gd, int64_t gt,
			      uint64_t lba, uint64_t discards, const char *fix,
			      const char *fmt, ...) VMDK_PRINTF(8, 9);

static int problem_discarding(struct sck *k, int code, int64_t gd, int64_t gt,
			      uint64_t lba, uint64_t discards, const char *fix,
			      const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vproblem(k, code, VMDK_SEV_ERROR, gd, gt, lba, 0, fix, discards, fmt, ap);
	va_end(ap);
	return rc;
}

/* An error whose fix gives up the @count sectors at @lba (a table or an
 * entry cleared): a data-discarding fix. */
static int loss(struct sck *k, int code, int64_t gd, int64_t gt, uint64_t lba,
		uint64_t count, const char *fmt, ...) VMDK_PRINTF(7, 8);

static int loss(struct sck *k, int code, int64_t gd, int64_t gt, uint64_t lba,
		uint64_t count, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vproblem(k, code, VMDK_SEV_ERROR, gd, gt, lba, count,
		      "clear the entry", count, fmt, ap);
	va_end(ap);
	return rc;
}

static int io_error(struct sck *k, int err, const char *what)
{
	return vmdk_seterr_at(k->x->eb, err, k->x->path, "%s: %s", what, vmdk_strerror(err));
}

/* ---- the header: what cannot be known stops the check here (1) ---- */

/* The root cause first: one header field the layout contradicts (and
 * the other sources agree on another value) is the problem reported and
 * rewritten; the rest is checked as the corrected header reads it, so
 * that what followed from the field is not reported again. */
static int judge(struct sck *k, uint8_t *first)
{
	struct sparse_header h;
	struct sparse_verdict v;
	const char *name;
	char fix[96], consequence[80];
	int rc;

	sparse_header_decode(first, &h);
	if (h.flags & (SPARSE_FLAG_COMPRESSED | SPARSE_FLAG_MARKERS))
		return 0;
	rc = vmdk_sparse_layout_judge(k->x, k->x->file_size, &h, k->x->sectors,
				      k->x->geometry_floor, true, &v);
	if (rc < 0 || v.field == SPARSE_FIELD_NONE)
		return rc;
	if (v.field == SPARSE_FIELD_EXTENT_LINE) {
		snprintf(fix, sizeof(fix), "rewrite the extent line's size as %llu",
			 (unsigned long long)v.value);
		rc = problem(k, VMDK_P_CAPACITY, VMDK_SEV_ERROR, -1, -1, 0, 0, fix,
			     "the descriptor's extent line says %llu sectors, the "
			     "header %llu: %s", (unsigned long long)v.was,
			     (unsigned long long)v.value, v.evidence);
		/* The rest is checked at the header's size; the core writes
		 * the line. */
		if (rc == 1)
			k->c->extent_sectors = v.value;
		k->x->sectors = v.value;
		return rc < 0 ? rc : 0;
	}
	name = vmdk_sparse_field_name(v.field);
	/* What follows from the one field is its detail, not problems. */
	if (v.unusable)
		snprintf(consequence, sizeof(consequence), "nothing in the extent "
			 "can be read through it");
	else
		snprintf(consequence, sizeof(consequence), "%llu place%s in the "
			 "file disagree%s with it", (unsigned long long)v.contradictions,
			 v.contradictions == 1 ? "" : "s", v.contradictions == 1 ? "s" : "");
	snprintf(fix, sizeof(fix), "rewrite the header's %s as %llu", name,
		 (unsigned long long)v.value);
	rc = problem(k, v.field == SPARSE_FIELD_CAPACITY ? VMDK_P_CAPACITY
		     : v.field == SPARSE_FIELD_OVERHEAD ? VMDK_P_OVERHEAD : VMDK_P_HEADER,
		     VMDK_SEV_ERROR, -1, -1, 0, 0, fix,
		     "the header's %s is %llu, the layout shows %llu: %s; %s", name,
		     (unsigned long long)v.was, (unsigned long long)v.value, v.evidence,
		     consequence);
	if (rc < 0)
		return rc;
	vmdk_sparse_field_set(&h, v.field, v.value);
	sparse_header_encode(&h, first);
	return 0;
}

static int check_header(struct sck *k, const uint8_t *first)
{
	static const uint8_t eol[4] = { '\n', ' ', '\r', '\n' };
	struct sparse_header *h = &k->h;
	uint64_t cover, need;
	char why[160];
	int rc = 0;

	sparse_header_decode(first, h);
	if (vmdk_sparse_header_fault(h, "header", why, sizeof(why)) < 0)
		rc = problem(k, VMDK_P_HEADER, VMDK_SEV_ERROR, -1, -1, 0, 0, NULL,
			     "%s", why);
	else if (h->overhead > k->file_sectors || h->overhead == 0)
		rc = problem(k, VMDK_P_OVERHEAD, VMDK_SEV_ERROR, -1, -1, 0, 0, NULL,
			     "metadata needs %llu sectors, the file has %llu "
			     "(truncated?)", (unsigned long long)h->overhead,
			     (unsigned long long)k->file_sectors);
	if (rc < 0 || k->c->errors_left)
		return rc < 0 ? rc : 1;
	if ((h->flags & SPARSE_FLAG_NL_DETECT) && memcmp(h->eol_check, eol, 4)) {
		rc = problem(k, VMDK_P_HEADER_EOL, VMDK_SEV_ERROR, -1, -1, 0, 0,
			     "rewrite the four check bytes",
			     "end-of-line check bytes are damaged (was the file "
			     "copied in text mode?)");
		k->eol_fix = rc == 1;
	}
	cover = h->grain_size * h->gtes_per_gt;
	if (rc >= 0 && h->capacity < k->x->sectors) {
		/* Raising the header keeps every grain: possible while the
		 * directory already covers the descriptor's size. */
		need = (k->x->sectors + cover - 1) / cover;
		rc = problem(k, VMDK_P_CAPACITY, VMDK_SEV_ERROR, -1, -1, 0, 0,
			     need <= (h->capacity + cover - 1) / cover
				     ? "raise the header's capacity to the descriptor's" : NULL,
			     "descriptor says %llu sectors, the extent header %llu",
			     (unsigned long long)k->x->sectors,
			     (unsigned long long)h->capacity);
		k->capacity_fix = rc == 1;
	}
	return rc < 0 ? rc : 0;
}

/* ---- directories ---- */

static bool inside(const struct sck *k, uint64_t at, uint64_t len)
{
	return at >= 1 && at <= k->file_sectors && len <= k->file_sectors - at;
}

static int read_words(struct sck *k, uint64_t sector, uint32_t n, uint32_t *out)
{
	int err = vmdk_pread_all(k->x->fd, out, n * 4ull, sector * VMDK_SECTOR);

	if (err < 0)
		return io_error(k, err, "reading metadata");
	for (uint32_t i = 0; i < n; i++)
		out[i] = vmdk_le32(&out[i]);
	return 0;
}

static int load_directories(struct sck *k)
{
	const struct sparse_header *h = &k->h;
	bool gd_ok, rgd_ok;
	int rc = 0;

	k->n = (uint32_t)((h->capacity + h->grain_size * h->gtes_per_gt - 1) /
			  (h->grain_size * h->gtes_per_gt));
	k->gt_sectors = (uint32_t)round_up(h->gtes_per_gt * 4ull, VMDK_SECTOR) / VMDK_SECTOR;
	k->gd_sectors = round_up(k->n * 4ull, VMDK_SECTOR) / VMDK_SECTOR;
	k->has_rgd = (h->flags & SPARSE_FLAG_RGD) && h->rgd_offset;
	gd_ok = inside(k, h->gd_offset, k->gd_sectors);
	rgd_ok = k->has_rgd && inside(k, h->rgd_offset, k->gd_sectors);
	if (!gd_ok)
		rc = problem(k, VMDK_P_GD_OUTSIDE, VMDK_SEV_ERROR, -1, -1, 0,
			     h->capacity, rgd_ok ? "rebuild it from the redundant copy"
			     : NULL, "grain directory at sector %llu (%u entries) lies "
			     "outside the file", (unsigned long long)h->gd_offset, k->n);
	if (rc >= 0 && k->has_rgd && !rgd_ok)
		rc = problem(k, VMDK_P_GD_OUTSIDE, VMDK_SEV_ERROR, -1, -1, 0,
			     h->capacity, gd_ok ? "rebuild it from the primary" : NULL,
			     "redundant grain directory at sector %llu (%u entries) "
			     "lies outside the file", (unsigned long long)h->rgd_offset,
			     k->n);
	if (rc < 0 || (!gd_ok && !rgd_ok))
		return rc < 0 ? rc : 1;
	k->gd = calloc(k->n + 1, 4);
	k->rgd = k->has_rgd ? calloc(k->n + 1, 4) : NULL;
	k->pt = calloc(k->n + 1, 4);
	k->rt = calloc(k->n + 1, 4);
	k->new_gd = calloc(k->n + 1, 4);
	k->new_rgd = calloc(k->n + 1, 4);
	k->dirty = calloc(k->n + 1, 1);
	if (!k->gd || (k->has_rgd && !k->rgd) || !k->pt || !k->rt || !k->new_gd ||
	    !k->new_rgd || !k->dirty)
		return -ENOMEM;
	rc = read_words(k, gd_ok ? h->gd_offset : h->rgd_offset, k->n, k->gd);
	if (rc == 0 && k->has_rgd)
		rc = read_words(k, rgd_ok ? h->rgd_offset : h->gd_offset, k->n, k->rgd);
	/* A directory rebuilt from the other is written anew, tables too. */
	k->one_dir = !gd_ok || (k->has_rgd && !rgd_ok);
	if (rc == 0 && k->one_dir)
		memset(k->dirty, 1, k->n);
	return rc;
}

/* ---- where the tables are ---- */

static bool on(uint64_t t, uint64_t len, uint64_t at, uint64_t alen)
{
	return t < at + alen && t + len > at;
}

/* A table may lie anywhere in the file but on the header, the embedded
 * descriptor or a directory. */
static bool table_place_ok(const struct sck *k, uint32_t t)
{
	const struct sparse_header *h = &k->h;

	return t && inside(k, t, k->gt_sectors) &&
	       !on(t, k->gt_sectors, h->desc_offset, h->desc_offset ? h->desc_size : 0) &&
	       !on(t, k->gt_sectors, h->gd_offset, k->gd_sectors) &&
	       !(k->has_rgd && on(t, k->gt_sectors, h->rgd_offset, k->gd_sectors));
}

static int by_start(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Tables that overlap another: both entries are marked in @bad (bit 2i
 * for the primary, 2i+1 for the redundant copy). */
static int mark_overlaps(struct sck *k, uint8_t *bad)
{
	uint64_t *v = malloc((2 * (size_t)k->n + 1) * sizeof(*v)), m = 0;

	if (!v)
		return -ENOMEM;
	for (uint32_t i = 0; i < k->n; i++) {
		if (table_place_ok(k, k->gd[i]))
			v[m++] = (uint64_t)k->gd[i] << 32 | (uint64_t)i << 1;
		if (k->has_rgd && !k->one_dir && table_place_ok(k, k->rgd[i]))
			v[m++] = (uint64_t)k->rgd[i] << 32 | (uint64_t)i << 1 | 1;
	}
	qsort(v, m, sizeof(*v), by_start);
	for (uint64_t i = 1; i < m; i++)
		if ((v[i - 1] >> 32) + k->gt_sectors > (v[i] >> 32)) {
			set_bit(bad, v[i - 1] & 0xffffffffu);
			set_bit(bad, v[i] & 0xffffffffu);
		}
	free(v);
	return 0;
}

static const char *why_bad(const struct sck *k, uint32_t t)
{
	return !t ? "is missing" : table_place_ok(k, t) ? "overlaps another table"
	       : "lies outside the file or on other metadata";
}

static int place_tables(struct sck *k)
{
	uint64_t span = (uint64_t)k->h.grain_size * k->h.gtes_per_gt;
	uint8_t *bad = calloc((2 * (size_t)k->n + 8) / 8, 1);
	int rc;

	if (!bad)
		return -ENOMEM;
	rc = mark_overlaps(k, bad);
	for (uint32_t i = 0; rc >= 0 && i < k->n; i++) {
		uint32_t p = k->gd[i], r = k->has_rgd ? k->rgd[i] : 0;
		bool pv = table_place_ok(k, p) && !bit(bad, 2ull * i);
		bool rv = k->has_rgd && table_place_ok(k, r) && !bit(bad, 2ull * i + 1);
		uint64_t lba = i * span;
		int code;

		if (!k->has_rgd || k->one_dir) {
			if (p && !pv)
				rc = loss(k,
					  table_place_ok(k, p) ? VMDK_P_GT_OVERLAP
							       : VMDK_P_GT_OUTSIDE,
					  i, -1, lba, span, "grain table %u at sector %u %s", i,
					  p, why_bad(k, p));
			k->pt[i] = pv ? p : 0;
			k->rt[i] = k->one_dir ? k->pt[i] : 0;
			k->dirty[i] |= p && !pv;
			continue;
		}
		if (!p && !r)
			continue;
		if (pv && rv) {
			k->pt[i] = p;
			k->rt[i] = r;
			continue;
		}
		if (pv || rv) {
			/* One copy sound: the other takes it (after an unclean
			 * shutdown a new table may be named by one only). */
			uint32_t badt = pv ? r : p;
			code = !badt ? VMDK_P_GD_RGD : table_place_ok(k, badt)
			       ? VMDK_P_GT_OVERLAP : VMDK_P_GT_OUTSIDE;
			/* With the primary copy gone, what the reader served
			 * over the table's span changes (back to the data). */
			rc = problem(k, code, VMDK_SEV_ERROR, i, -1, lba, pv ? 0 : span,
				     pv ? "copy the primary table" : "copy the redundant table",
				     "%s grain table %u (sector %u) %s; the %s copy (sector %u) "
				     "is sound", pv ? "redundant" : "primary", i, pv ? r : p,
				     why_bad(k, pv ? r : p), pv ? "primary" : "redundant",
				     pv ? p : r);
			k->pt[i] = k->rt[i] = pv ? p : r;
			k->dirty[i] = 1;
			continue;
		}
		code = table_place_ok(k, p) || table_place_ok(k, r) ? VMDK_P_GT_OVERLAP
		       : VMDK_P_GT_OUTSIDE;
		rc = loss(k, code, i, -1, lba, span,
			  "grain table %u: neither copy is sound (primary at sector %u "
			     "%s, redundant at %u %s)", i, p, why_bad(k, p), r, why_bad(k, r));
		k->pt[i] = k->rt[i] = 0;
		k->dirty[i] = 1;
	}
	free(bad);
	return rc < 0 ? rc : 0;
}

/* ---- the entries ---- */

static bool zero_gte(const struct sck *k)
{
	return k->h.flags & SPARSE_FLAG_ZERO_GTE;
}

static bool is_grain(const struct sck *k, uint32_t v)
{
	return v > 1 || (v == 1 && !zero_gte(k));
}

static bool in_grain_area(const struct sck *k, uint32_t v)
{
	return v >= k->h.overhead && v < k->file_sectors;
}

static uint64_t slot_of(const struct sck *k, uint32_t v)
{
	return (v - k->h.overhead) / k->h.grain_size;
}

static int read_pair(struct sck *k, uint32_t i)
{
	int err = read_words(k, k->pt[i], k->h.gtes_per_gt, k->a);

	if (err == 0 && k->has_rgd && k->rt[i] && k->rt[i] != k->pt[i])
		err = read_words(k, k->rt[i], k->h.gtes_per_gt, k->b);
	else if (err == 0)
		memcpy(k->b, k->a, k->h.gtes_per_gt * 4ull);
	return err;
}

/* Pass 1: the grains both copies agree on, and which are named twice. */
static int mark_agreed(struct sck *k)
{
	for (uint32_t i = 0; i < k->n; i++) {
		int err;

		if (!k->pt[i])
			continue;
		if ((err = read_pair(k, i)) < 0)
			return err;
		for (uint32_t j = 0; j < k->h.gtes_per_gt; j++) {
			uint32_t v = k->a[j];
			/* Entries past the capacity are never read. */
			if (((uint64_t)i * k->h.gtes_per_gt + j) * k->h.grain_size >=
			    k->reach)
				break;
			/* Either copy may be taken: repaired metadata goes
			 * after both, so that a short grain keeps its room. */
			for (int c = 0; c < 2; c++) {
				uint32_t w = c ? k->b[j] : v;
				if (is_grain(k, w) && in_grain_area(k, w) &&
				    w + k->h.grain_size > k->max_end)
					k->max_end = w + k->h.grain_size;
			}
			if (v != k->b[j] || !is_grain(k, v) || !in_grain_area(k, v))
				continue;
			if (bit(k->seen, slot_of(k, v)))
				set_bit(k->dup, slot_of(k, v));
			set_bit(k->seen, slot_of(k, v));
			if (v + k->h.grain_size > k->max_end)
				k->max_end = v + k->h.grain_size;
		}
	}
	return 0;
}

/* A value a disagreeing entry may take: no grain, or a grain inside the
 * file that no other entry has. */
static bool free_choice(const struct sck *k, uint32_t v)
{
	uint64_t last = (uint64_t)v + k->h.grain_size - 1;

	if (!is_grain(k, v))
		return true;
	return in_grain_area(k, v) && !bit(k->seen, slot_of(k, v)) &&
	       (last >= k->file_sectors || !bit(k->seen, slot_of(k, (uint32_t)last)));
}

/* Where a grain may start: on the grid grains are laid on from the end
 * of the metadata (technote: "Each grain starts at an offset that is a
 * multiple of the grain size"). */
static bool on_grid(const struct sck *k, uint32_t v)
{
	return !is_grain(k, v) || (v - k->h.overhead) % k->h.grain_size == 0;
}

/* What a lost grain's entry becomes: none in a base disk (zeros); in a
 * child, where none would show the parent's data, a grain of zeros of
 * its own (libyal reads no zeroed-grain entries, so one is written).
 * Only the writing pass makes it; the first one stands in with 1. */
static int lost_value(struct sck *k, uint32_t *out)
{
	uint64_t at = k->append;
	int err;

	*out = 0;
	if (!k->c->child)
		return 0;
	*out = 1;
	if (!k->quiet)
		return 0;
	err = vmdk_pwrite_zeros(k->x->fd, k->h.grain_size * VMDK_SECTOR,
				at * VMDK_SECTOR);
	if (err < 0)
		return io_error(k, err, "writing a grain of zeros");
	k->append += k->h.grain_size;
	*out = (uint32_t)at;
	return 0;
}

/* The one value entry @j of table @i ends with, reporting why. */
static int resolve_entry(struct sck *k, uint32_t i, uint32_t j, uint32_t *out,
			 unsigned *differ, uint32_t *first, unsigned *torn,
			 unsigned *neither)
{
	uint32_t a = k->a[j], b = k->b[j], g = (uint32_t)k->h.grain_size;
	uint64_t lba = ((uint64_t)i * k->h.gtes_per_gt + j) * k->h.grain_size;
	int rc = 0;

	*out = a;
	if (lba >= k->reach) {
		*out = 0;	/* past the end: never read, zero when rewritten */
		return 0;
	}
	if (a != b) {
		bool fa = free_choice(k, a), fb = free_choice(k, b), same = false;
		/* After an unclean shutdown: an entry in one copy only, or two
		 * grains of one content (a move cut short), is an update
		 * interrupted between the copies, not damage. */
		if (k->h.unclean && a && b &&
		    (rc = vmdk_sparse_meta_same_grains(k->x, &k->h, k->x->file_size,
						       a, b, &same)) < 0)
			return io_error(k, rc, "comparing grains");
		if (k->h.unclean && (!a || !b || same))
			(*torn)++;
		else if (!(*differ)++)
			*first = j;
		/* A grain written (a nonzero entry) wins over none. */
		if (!fa && !fb) {
			(*neither)++;
			return lost_value(k, out);
		}
		/* Both possible: the one on the grain grid, else the grain
		 * written over none. */
		if (fa && fb && on_grid(k, a) != on_grid(k, b))
			*out = on_grid(k, a) ? a : b;
		else
			*out = fa && fb ? (a ? a : b) : fa ? a : b;
		/* After an unclean shutdown the reader serves the grain one
		 * copy only names; where another entry's grain already lies
		 * there, taking none drops data the disk shows, so it is said
		 * as the loss it is. */
		uint32_t named = a ? a : b;
		if (k->h.unclean && (!a || !b) && *out == 0 && is_grain(k, named) &&
		    in_grain_area(k, named) &&
		    !free_choice(k, named) && named < k->file_sectors) {
			(*torn) -= k->h.unclean && (!a || !b || same);
			rc = loss(k, VMDK_P_GTE_SHARED, i, j, lba, g,
				  "grain %llu points to sector %u, which another entry "
				  "also names", (unsigned long long)(lba / g), named);
			return rc < 0 ? rc : lost_value(k, out);
		}
		if (is_grain(k, *out) && in_grain_area(k, *out)) {
			uint64_t last = (uint64_t)*out + g - 1;
			set_bit(k->seen, slot_of(k, *out));
			/* Off the grid it covers the next slot too: no later
			 * choice may take a grain there. */
			if (last < k->file_sectors)
				set_bit(k->seen, slot_of(k, (uint32_t)last));
		}
		/* The copy taken is checked as an agreed entry is: a grain
		 * the file cuts short is reported now, not by the next check. */
		if (!is_grain(k, *out) || *out + (uint64_t)g <= k->file_sectors)
			return 0;
		a = *out;
	} else if (!is_grain(k, a)) {
		return 0;
	}
	if (a < k->h.overhead)
		rc = loss(k, VMDK_P_GTE_METADATA, i, j, lba, g,
			     "grain %llu points to sector %u, inside the metadata",
			     (unsigned long long)(lba / g), a);
	else if (a >= k->file_sectors)
		rc = loss(k, VMDK_P_GTE_OUTSIDE, i, j, lba, g,
			     "grain %llu points to sector %u, past the end of the file",
			     (unsigned long long)(lba / g), a);
	else if (bit(k->dup, slot_of(k, a)))
		rc = loss(k, VMDK_P_GTE_SHARED, i, j, lba, g,
			     "grain %llu points to sector %u, which another entry "
			     "also names", (unsigned long long)(lba / g), a);
	else if (a + (uint64_t)g > k->file_sectors)
		return problem(k, VMDK_P_GRAIN_SHORT, VMDK_SEV_ERROR, i, j, lba, g,
			       "keep the sectors that survive, zeros after them",
			       "grain %llu at sector %u is cut short by the end of "
			       "the file (%llu of %u sectors)", (unsigned long long)(lba / g),
			       a, (unsigned long long)(k->file_sectors - a), g);
	else
		return 0;
	return rc < 0 ? rc : lost_value(k, out);
}

/* Table @i and its copy differ in @differ entries; in @neither of them
 * no copy names a grain that can be taken, and their sectors are lost. */
static int table_differs(struct sck *k, uint32_t i, unsigned differ,
			 uint32_t first, unsigned neither)
{
	char lost[96] = "";

	if (neither)
		snprintf(lost, sizeof(lost), "; in %u of them neither copy names a "
			 "grain that can be taken", neither);
	return problem_discarding(k, VMDK_P_GT_RGT, i, first,
				  ((uint64_t)i * k->h.gtes_per_gt + first) * k->h.grain_size,
				  (uint64_t)neither * k->h.grain_size,
				  "take, entry by entry, the copy naming a grain no other "
				  "entry names",
				  "grain table %u differs from its redundant copy in %u "
				  "entr%s (first: entry %u, %u against %u)%s", i, differ,
				  differ == 1 ? "y" : "ies", first, k->a[first], k->b[first],
				  lost);
}

/* Write @t (host order) past everything the extent holds; its sector. */
static int append_table(struct sck *k, const uint32_t *t, uint32_t entries,
			uint64_t *at)
{
	int err = vmdk_sparse_meta_write_directory(k->x->fd, k->append, t, entries,
						   entries, 0, 0);

	if (err < 0)
		return io_error(k, err, "writing repaired metadata");
	*at = k->append;
	k->append += round_up(entries * 4ull, VMDK_SECTOR) / VMDK_SECTOR;
	return k->append > UINT32_MAX
		       ? vmdk_seterr_at(k->x->eb, VMDK_E_NO_SPACE, k->x->path,
					"no room for repaired tables below 2 TiB")
		       : 0;
}

static void mark_used(struct sck *k, uint64_t at, uint64_t len)
{
	if (at + len <= k->h.overhead)
		return;
	if (at < k->h.overhead) {
		len -= k->h.overhead - at;
		at = k->h.overhead;
	}
	for (uint64_t s = slot_of(k, (uint32_t)at);
	     s < k->slots && k->h.overhead + s * k->h.grain_size < at + len; s++)
		set_bit(k->used, s);
}

/* Pass 2: every entry, the tables to write again, what is referenced. */
static int check_entries(struct sck *k, bool write)
{
	for (uint32_t i = 0; i < k->n; i++) {
		unsigned differ = 0, torn = 0, neither = 0;
		uint32_t first = 0;
		bool changed = k->dirty[i];
		int rc;

		k->new_gd[i] = k->pt[i];
		k->new_rgd[i] = k->rt[i];
		if (!k->pt[i]) {
			k->new_rgd[i] = 0;
			continue;
		}
		if ((rc = read_pair(k, i)) < 0)
			return rc;
		k->c->tables += !k->quiet;
		for (uint32_t j = 0; j < k->h.gtes_per_gt; j++) {
			if ((rc = resolve_entry(k, i, j, &k->out[j], &differ, &first,
						&torn, &neither)) < 0)
				return rc;
			/* Entries past the capacity alone do not make a table
			 * worth writing again. */
			if ((uint64_t)i * k->h.gtes_per_gt + j <
			    (k->reach + k->h.grain_size - 1) / k->h.grain_size)
				changed |= k->out[j] != k->a[j] || k->out[j] != k->b[j];
			if (is_grain(k, k->out[j])) {
				k->c->grains += !k->quiet;
				if (in_grain_area(k, k->out[j]))
					mark_used(k, k->out[j], k->h.grain_size);
			}
		}
		if (differ && (rc = table_differs(k, i, differ, first, neither)) < 0)
			return rc;
		if (!differ && torn &&
		    (rc = problem(k, VMDK_P_GT_RGT, VMDK_SEV_WARNING, i, -1,
				  (uint64_t)i * k->h.gtes_per_gt * k->h.grain_size, 0,
				  "write the copies alike",
				  "grain table %u: %u entr%s in one copy only or naming "
				  "grains of the same content (an update cut short by "
				  "the unclean shutdown)",
				  i, torn, torn == 1 ? "y" : "ies")) < 0)
			return rc;
		mark_used(k, k->pt[i], k->gt_sectors);
		if (k->rt[i])
			mark_used(k, k->rt[i], k->gt_sectors);
		if (!changed || !write)
			continue;
		if ((rc = append_table(k, k->out, k->h.gtes_per_gt, &k->append)) < 0)
			return rc;
		k->new_gd[i] = (uint32_t)(k->append - k->gt_sectors);
		if (k->has_rgd) {
			uint64_t at;
			if ((rc = append_table(k, k->out, k->h.gtes_per_gt, &at)) < 0)
				return rc;
			k->new_rgd[i] = (uint32_t)at;
		}
		k->dirty[i] = 1;
	}
	return 0;
}

/* Space after the metadata that no table refers to: what defragment
 * would give back.  Directories there (a grown extent's) count as used. */
static int report_unreferenced(struct sck *k)
{
	uint64_t unused = 0;

	mark_used(k, k->h.gd_offset, k->gd_sectors);
	if (k->has_rgd)
		mark_used(k, k->h.rgd_offset, k->gd_sectors);
	for (uint64_t s = 0; s < k->slots; s++)
		unused += !bit(k->used, s);
	if (!unused)
		return 0;
	return problem(k, VMDK_P_UNREFERENCED, VMDK_SEV_WARNING, -1, -1, 0, 0, NULL,
		       "%llu grain%s of space (%llu bytes) after the metadata are "
		       "named by no table (vmdk-defrag gives them back)",
		       (unsigned long long)unused, unused == 1 ? "" : "s",
		       (unsigned long long)(unused * k->h.grain_size * VMDK_SECTOR));
}

/* ---- the commit: new directories, then the one header write ---- */

static int commit(struct sck *k)
{
	struct sparse_header h = k->h;
	bool tables = false;
	uint8_t sec[VMDK_SECTOR];
	int err;

	for (uint32_t i = 0; i < k->n; i++)
		tables |= k->dirty[i];
	err = 0;
	if (k->max_end > k->file_sectors && !tables &&
	    ftruncate(k->x->fd, (off_t)(k->max_end * VMDK_SECTOR)) < 0)
		err = io_error(k, -errno, "keeping a short grain");
	if (err == 0 && tables) {
		uint64_t at;
		err = append_table(k, k->new_gd, k->n, &at);
		h.gd_offset = at;
		if (err == 0 && k->has_rgd) {
			err = append_table(k, k->new_rgd, k->n, &at);
			h.rgd_offset = at;
		}
	}
	if (err == 0 && fdatasync(k->x->fd) < 0)
		err = io_error(k, -errno, "syncing repaired metadata");
	if (err < 0)
		return err;
	if (k->eol_fix)
		memcpy(h.eol_check, "\n \r\n", 4);
	if (k->capacity_fix)
		h.capacity = k->x->sectors;
	if (k->clear_unclean)
		h.unclean = 0;
	sparse_header_encode(&h, sec);
	err = vmdk_pwrite_all(k->x->fd, sec, VMDK_SECTOR, 0);
	if (err == 0 && fdatasync(k->x->fd) < 0)
		err = -errno;
	return err < 0 ? io_error(k, err, "writing the repaired header") : 1;
}

static void free_all(struct sck *k)
{
	free(k->gd);
	free(k->rgd);
	free(k->pt);
	free(k->rt);
	free(k->new_gd);
	free(k->new_rgd);
	free(k->dirty);
	free(k->seen);
	free(k->dup);
	free(k->used);
	free(k->a);
	free(k->b);
	free(k->out);
}

static int run(struct sck *k, const uint8_t *on_disk)
{
	uint8_t first[VMDK_SECTOR];
	size_t bitmap;
	int rc;

	memcpy(first, on_disk, VMDK_SECTOR);
	rc = judge(k, first);
	if (rc == 0)
		rc = check_header(k, first);

	if (rc == 0)
		rc = load_directories(k);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	k->reach = k->h.capacity > k->x->sectors ? k->h.capacity : k->x->sectors;
	k->slots = (k->file_sectors - k->h.overhead) / k->h.grain_size;
	bitmap = (size_t)(k->slots + 1 + 8) / 8;
	k->seen = calloc(bitmap, 1);
	k->dup = calloc(bitmap, 1);
	k->used = calloc(bitmap, 1);
	k->a = malloc(SPARSE_SPEC_GTES * 4);
	k->b = malloc(SPARSE_SPEC_GTES * 4);
	k->out = malloc(SPARSE_SPEC_GTES * 4);
	if (!k->seen || !k->dup || !k->used || !k->a || !k->b || !k->out)
		return -ENOMEM;
	rc = place_tables(k);
	if (rc == 0)
		rc = mark_agreed(k);
	/* Repaired metadata goes after the furthest grain, so that a short
	 * grain keeps its room. */
	k->append = k->file_sectors > k->max_end ? k->file_sectors : k->max_end;
	if (rc == 0)
		rc = check_entries(k, false);
	if (rc == 0)
		rc = report_unreferenced(k);
	if (rc == 0 && k->h.unclean) {
		/* Cleared only when everything else is right. */
		rc = problem(k, VMDK_P_UNCLEAN, VMDK_SEV_WARNING, -1, -1, 0, 0,
			     k->c->errors_left ? NULL : "clear the mark",
			     "not closed cleanly (unclean-shutdown mark set)");
		k->clear_unclean = rc == 1;
	}
	if (rc < 0 || !vmdk_check_may_write(k->c))
		return rc < 0 ? rc : 0;
	/* Again, writing: the same decisions, now with the tables appended;
	 * the header (all that is overwritten) and the size saved first. */
	if ((rc = k->c->save(k->c, 0, VMDK_SECTOR)) < 0)
		return rc;
	memset(k->seen, 0, bitmap);
	memset(k->dup, 0, bitmap);
	memset(k->used, 0, bitmap);
	k->quiet = true;
	k->max_end = 0;
	rc = mark_agreed(k);
	k->append = k->file_sectors > k->max_end ? k->file_sectors : k->max_end;
	if (rc == 0)
		rc = check_entries(k, true);
	return rc < 0 ? rc : commit(k);
}

int vmdk_sparse_check(struct vmdk_check_ctx *c, const uint8_t *first)
{
	struct sck k = { .c = c, .x = c->x, .file_sectors = c->x->file_size / VMDK_SECTOR };
	int rc = run(&k, first);

	free_all(&k);
	return rc;
}
