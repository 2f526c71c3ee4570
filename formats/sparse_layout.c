/* SPDX-License-Identifier: MIT */
/* sparse_layout.c --- the header of a hosted sparse extent weighed
 * against the layout its file shows.
 *
 * A header's grainSize, numGTEsPerGT, capacity, gdOffset, rgdOffset and
 * overHead imply where the directories and tables lie, how long the
 * directories are, and where grains may start; the file shows where they
 * are.  A header the file contradicts is scored by its contradictions;
 * when changing one field makes the layout whole, that field is the root
 * cause (the other sources agree on its value), and everything else that
 * looked broken was only read through it.  A contradiction no single
 * field explains is left to the checks of the tables themselves.
 *
 * Rules every writer follows (technote, "Hosted Sparse Extent Header"
 * and "Grain"; ours, qemu-img's and VMware's files): 512 entries a table;
 * a directory zero-padded to whole sectors; tables not on one another nor
 * on a directory; grains not overlapping; overHead a multiple of the
 * grain size with no metadata crossing it; grains packed, so that the
 * grain size is the largest step between them (after an unclean shutdown
 * a grain may have been written but not yet named: that rule is left out
 * then). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sparse_layout.h"
#include "sparse_meta.h"

#define IMPOSSIBLE 1000000u	/* a header no layout can hold */
#define SHALLOW_TABLES 128u	/* tables read at an open without @deep */
#define SCAN_SECTORS (1u << 20)	/* how far a lost directory is searched */
#define SCAN_CHUNK 2048u

struct lay {
	const struct vmdk_extent *x;
	uint64_t sectors;		/* whole sectors in the file */
	uint64_t desc_sectors;
	bool deep;
	uint32_t *dir[2];		/* primary, redundant; with padding */
	uint64_t *tables;		/* starts of every table named */
	size_t ntables;
	uint32_t *grains;		/* starts of every grain named */
	size_t ngrains, grains_cap;
	uint32_t *a, *b;		/* one table, both copies */
	/* What the last score saw. */
	uint64_t stride;		/* the step the grains show, 0 if none */
	size_t base_grains;		/* grains the header as written reaches,
					   where its directories and tables
					   hold (0 otherwise) */
	uint64_t structure;		/* of the last score: contradictions of
					   directories and tables alone */
	uint64_t meta_end;		/* the end of metadata below the grains */
	char why[200];
};

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static void why(struct lay *L, const char *fmt, ...) VMDK_PRINTF(2, 3);

/* The first reason is kept: the one the message gives. */
static void why(struct lay *L, const char *fmt, ...)
{
	va_list ap;

	if (L->why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(L->why, sizeof(L->why), fmt, ap);
	va_end(ap);
}

static int read_words(const struct vmdk_extent *x, uint64_t sector, uint64_t n,
		      uint32_t *out)
{
	int err = vmdk_extent_pread(x, out, n * 4, sector * VMDK_SECTOR);

	for (uint64_t i = 0; err == 0 && i < n; i++)
		out[i] = vmdk_le32(&out[i]);
	return err;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return blen && alen && a < b + blen && b < a + alen;
}

static int by_u64(const void *p, const void *q)
{
	uint64_t x = *(const uint64_t *)p, y = *(const uint64_t *)q;

	return x < y ? -1 : x > y;
}

static int by_u32(const void *p, const void *q)
{
	uint32_t x = *(const uint32_t *)p, y = *(const uint32_t *)q;

	return x < y ? -1 : x > y;
}

/* The shape a header gives: entries, table and directory sizes. */
struct shape {
	uint64_t n, gt_sectors, gd_sectors, desc_at, desc_len;
	bool rgd;
};

static uint64_t shape_of(struct lay *L, const struct sparse_header *h,
			 struct shape *s)
{
	char fault[160];
	uint64_t cover;

	if (h->version < 1 || h->version > 3)
		return IMPOSSIBLE;
	if (vmdk_sparse_header_fault(h, "header", fault, sizeof(fault)) < 0) {
		why(L, "%s", fault);
		return IMPOSSIBLE;
	}
	cover = h->grain_size * h->gtes_per_gt;
	s->n = (h->capacity + cover - 1) / cover;
	s->gt_sectors = round_up(h->gtes_per_gt * 4ull, VMDK_SECTOR) / VMDK_SECTOR;
	s->gd_sectors = round_up(s->n * 4, VMDK_SECTOR) / VMDK_SECTOR;
	/* An embedded descriptor that does not fit the file is the
	 * descriptor check's to report, not a place metadata lies. */
	s->desc_at = h->desc_offset;
	s->desc_len = h->desc_offset && h->desc_offset < L->sectors &&
		      h->desc_size <= L->sectors - h->desc_offset ? h->desc_size : 0;
	s->rgd = h->flags & SPARSE_FLAG_RGD;
	if (s->gd_sectors > L->sectors) {
		why(L, "a directory of %llu entries is larger than the file",
		    (unsigned long long)s->n);
		return IMPOSSIBLE;
	}
	return 0;
}

/* A directory's place: inside the file, off the header and descriptor. */
static bool dir_placed(const struct lay *L, const struct shape *s, uint64_t at)
{
	return at >= 1 && at <= L->sectors - s->gd_sectors &&
	       !overlaps(at, s->gd_sectors, s->desc_at, s->desc_len);
}

static uint64_t score_directories(struct lay *L, const struct sparse_header *h,
				  const struct shape *s)
{
	uint64_t c = 0, at[2] = { h->gd_offset, h->rgd_offset };
	const char *name[2] = { "grain directory", "redundant grain directory" };
	int copies = s->rgd ? 2 : 1;

	if (s->rgd && !h->rgd_offset) {
		why(L, "the flags name a redundant grain directory, the header "
		    "places it at sector 0");
		return IMPOSSIBLE;
	}
	for (int d = 0; d < copies; d++) {
		uint64_t padded = s->gd_sectors * (VMDK_SECTOR / 4), extra = 0;

		if (!dir_placed(L, s, at[d])) {
			why(L, "the %s at sector %llu lies outside the file or on the "
			    "header or descriptor", name[d], (unsigned long long)at[d]);
			return IMPOSSIBLE;
		}
		free(L->dir[d]);
		if (!(L->dir[d] = malloc(padded * 4)))
			return IMPOSSIBLE;
		if (read_words(L->x, at[d], padded, L->dir[d]) < 0)
			return IMPOSSIBLE;
		for (uint64_t i = s->n; i < padded; i++)
			extra += L->dir[d][i] != 0;
		if (extra)
			why(L, "the %s holds %llu entr%s past the %llu the header "
			    "implies", name[d], (unsigned long long)extra,
			    extra == 1 ? "y" : "ies", (unsigned long long)s->n);
		c += extra;
	}
	if (s->rgd && overlaps(at[0], s->gd_sectors, at[1], s->gd_sectors)) {
		why(L, "the two grain directories overlap");
		return IMPOSSIBLE;
	}
	return c;
}

static bool table_placed(const struct lay *L, const struct sparse_header *h,
			 const struct shape *s, uint64_t t)
{
	return t >= 1 && t + s->gt_sectors <= L->sectors &&
	       !overlaps(t, s->gt_sectors, s->desc_at, s->desc_len) &&
	       !overlaps(t, s->gt_sectors, h->gd_offset, s->gd_sectors) &&
	       !(s->rgd && overlaps(t, s->gt_sectors, h->rgd_offset, s->gd_sectors));
}

static uint64_t score_tables(struct lay *L, const struct sparse_header *h,
			     const struct shape *s)
{
	uint64_t c = 0;

	free(L->tables);
	L->ntables = 0;
	if (!(L->tables = malloc((2 * s->n + 1) * sizeof(*L->tables))))
		return IMPOSSIBLE;
	for (uint64_t i = 0; i < s->n; i++) {
		uint32_t g = L->dir[0][i], r = s->rgd ? L->dir[1][i] : 0;

		if (s->rgd && !g != !r && !h->unclean) {
			why(L, "directory entry %llu names a table in one copy only",
			    (unsigned long long)i);
			c++;
		}
		for (int d = 0; d < (s->rgd ? 2 : 1); d++) {
			uint32_t t = d ? r : g;
			if (!t)
				continue;
			if (!table_placed(L, h, s, t)) {
				why(L, "grain table %llu at sector %u lies outside the "
				    "file or on other metadata", (unsigned long long)i, t);
				c++;
				continue;
			}
			L->tables[L->ntables++] = t;
		}
	}
	qsort(L->tables, L->ntables, sizeof(*L->tables), by_u64);
	for (size_t k = 1; k < L->ntables; k++)
		if (L->tables[k] - L->tables[k - 1] < s->gt_sectors) {
			why(L, "grain tables overlap at sector %llu",
			    (unsigned long long)L->tables[k]);
			c++;
		}
	/* A header larger than its descriptor is a grow cut short, whose
	 * new tables are all in place; without them it is a damaged size. */
	if (h->capacity > L->desc_sectors && L->desc_sectors) {
		uint64_t cover = h->grain_size * h->gtes_per_gt;
		for (uint64_t i = (L->desc_sectors + cover - 1) / cover; i < s->n; i++)
			if (!L->dir[0][i]) {
				why(L, "capacity %llu sectors is beyond the descriptor's "
				    "%llu, with no grain tables for the difference",
				    (unsigned long long)h->capacity,
				    (unsigned long long)L->desc_sectors);
				c++;
			}
	}
	return c;
}

static int push_grain(struct lay *L, uint32_t v)
{
	if (L->ngrains == L->grains_cap) {
		size_t n = L->grains_cap ? 2 * L->grains_cap : 4096;
		uint32_t *p = realloc(L->grains, n * sizeof(*p));
		if (!p)
			return -ENOMEM;
		L->grains = p;
		L->grains_cap = n;
	}
	L->grains[L->ngrains++] = v;
	return 0;
}

static bool is_grain(const struct sparse_header *h, uint32_t v)
{
	return v > 1 || (v == 1 && !(h->flags & SPARSE_FLAG_ZERO_GTE));
}

/* Every entry of every table: where grains are, against the file. */
static uint64_t score_entries(struct lay *L, const struct sparse_header *h,
			      const struct shape *s)
{
	uint64_t reach = h->capacity > L->desc_sectors ? h->capacity : L->desc_sectors;
	uint64_t c = 0, differ = 0;

	L->ngrains = 0;
	for (uint64_t i = 0; i < s->n; i++) {
		uint32_t g = L->dir[0][i], r = s->rgd ? L->dir[1][i] : 0;
		bool gok = g && table_placed(L, h, s, g), rok = r && table_placed(L, h, s, r);

		if (!gok && !rok)
			continue;
		if (read_words(L->x, gok ? g : r, h->gtes_per_gt, L->a) < 0)
			return IMPOSSIBLE;
		if (gok && rok && g != r) {
			if (read_words(L->x, r, h->gtes_per_gt, L->b) < 0)
				return IMPOSSIBLE;
		} else {
			memcpy(L->b, L->a, h->gtes_per_gt * 4ull);
		}
		for (uint64_t j = 0; j < h->gtes_per_gt; j++) {
			uint32_t v = L->a[j], w = L->b[j];
			if ((i * h->gtes_per_gt + j) * h->grain_size >= reach)
				break;
			/* After an unclean shutdown the copies may differ
			 * (an update, a grain move, cut short): the tables'
			 * own check weighs each entry, the header is not
			 * blamed for them. */
			if (v != w) {
				if (!h->unclean)
					differ++;
				if (!h->unclean)
					continue;
				v = v ? v : w;
			}
			if (!is_grain(h, v))
				continue;
			if (v < h->overhead || v + h->grain_size > L->sectors) {
				why(L, "grain %llu at sector %u lies %s",
				    (unsigned long long)(i * h->gtes_per_gt + j), v,
				    v < h->overhead ? "inside the metadata"
						    : "past the end of the file");
				c++;
				continue;
			}
			if (push_grain(L, v) < 0)
				return IMPOSSIBLE;
		}
	}
	if (differ) {
		why(L, "%llu table entr%s differ from their redundant copies",
		    (unsigned long long)differ, differ == 1 ? "y" : "ies");
		c += differ;
	}
	return c;
}

/* The first table or directory starting after @at; the file's end if none. */
static uint64_t next_metadata(const struct lay *L, const struct sparse_header *h,
			      const struct shape *s, uint64_t at)
{
	uint64_t next = L->sectors;
	size_t lo = 0, hi = L->ntables;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (L->tables[mid] <= at)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < L->ntables)
		next = L->tables[lo];
	if (h->gd_offset > at && h->gd_offset < next)
		next = h->gd_offset;
	if (s->rgd && h->rgd_offset > at && h->rgd_offset < next)
		next = h->rgd_offset;
	return next;
}

/* Whether a grain covers sector @t (the grains sorted). */
static bool on_grain(const struct lay *L, uint64_t gs, uint64_t t)
{
	size_t lo = 0, hi = L->ngrains;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (L->grains[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && t < L->grains[lo - 1] + gs;
}

static uint64_t score_grains(struct lay *L, const struct sparse_header *h,
			     const struct shape *s)
{
	uint64_t gs = h->grain_size, c = 0, step = 0, first, last, tail;

	if (L->ngrains)
		qsort(L->grains, L->ngrains, sizeof(*L->grains), by_u32);
	for (size_t k = 1; k < L->ngrains; k++) {
		uint64_t d = L->grains[k] - L->grains[k - 1];
		if (d < gs) {
			why(L, "grains at sectors %u and %u overlap (grain size %llu)",
			    L->grains[k - 1], L->grains[k], (unsigned long long)gs);
			c++;
		}
		step = d ? gcd(step, d) : step;
	}
	for (size_t k = 0; k < L->ntables; k++)
		if (on_grain(L, gs, L->tables[k])) {
			why(L, "a grain table at sector %llu lies on a grain",
			    (unsigned long long)L->tables[k]);
			c++;
		}
	/* Metadata may not cross the start of the grains: what lies below
	 * the first grain is the metadata overHead counts (tables a grow or
	 * a repair appends come after grains, or after overHead when there
	 * are none). */
	first = L->ngrains ? L->grains[0] : h->overhead;
	L->meta_end = 1 + (s->desc_len ? s->desc_at + s->desc_len - 1 : 0);
	for (size_t k = 0; k < L->ntables; k++)
		if (L->tables[k] < first && L->tables[k] + s->gt_sectors > L->meta_end)
			L->meta_end = L->tables[k] + s->gt_sectors;
	for (int d = 0; d < (s->rgd ? 2 : 1); d++) {
		uint64_t at = d ? h->rgd_offset : h->gd_offset;
		if (at < first && at + s->gd_sectors > L->meta_end)
			L->meta_end = at + s->gd_sectors;
	}
	if (h->overhead % gs || h->overhead < L->meta_end) {
		why(L, "overHead %llu is %s", (unsigned long long)h->overhead,
		    h->overhead % gs ? "not a multiple of the grain size"
				     : "inside the metadata it should follow");
		c++;
	}
	L->stride = 0;
	if (!L->ngrains || h->unclean)
		return c;
	last = L->grains[L->ngrains - 1];
	/* The grains' own step names a grain size, and so does the room
	 * after the last one where the file ends there (metadata a grow or
	 * a repair appended may follow space no table names). */
	tail = next_metadata(L, h, s, last) == L->sectors ? L->sectors - last : 0;
	L->stride = L->ngrains > 1 ? step : tail;
	step = gcd(step, tail);
	if (step > gs && step % gs == 0) {
		why(L, "every grain is %llu sectors from the next one or from the "
		    "metadata after it, not %llu", (unsigned long long)step,
		    (unsigned long long)gs);
		c += L->ngrains;
	}
	return c;
}

/* Contradictions between header @h and the file. */
static uint64_t score(struct lay *L, const struct sparse_header *h)
{
	struct shape s;
	uint64_t c = shape_of(L, h, &s), more;

	L->stride = 0;
	L->meta_end = 0;
	if (c)
		return c;
	if (h->capacity < L->desc_sectors) {
		why(L, "capacity %llu sectors is below the descriptor's %llu",
		    (unsigned long long)h->capacity,
		    (unsigned long long)L->desc_sectors);
		c++;
	}
	if ((more = score_directories(L, h, &s)) >= IMPOSSIBLE)
		return IMPOSSIBLE;
	c += more;
	if ((more = score_tables(L, h, &s)) >= IMPOSSIBLE)
		return IMPOSSIBLE;
	c += more;
	L->structure = c;
	if (!L->deep && s.n > SHALLOW_TABLES)
		return c;
	if ((more = score_entries(L, h, &s)) >= IMPOSSIBLE)
		return IMPOSSIBLE;
	c += more;
	return c + score_grains(L, h, &s);
}

/* Sectors that look like a directory of @n entries followed by its
 * tables, the way writers lay them out (a table right after its
 * directory): where a lost gdOffset or rgdOffset may be. */
static size_t find_directories(struct lay *L, uint64_t gd_sectors,
			       uint64_t *found, size_t max)
{
	uint64_t end = L->sectors < SCAN_SECTORS ? L->sectors : SCAN_SECTORS;
	uint8_t *buf = malloc(SCAN_CHUNK * VMDK_SECTOR);
	size_t n = 0;

	if (!buf)
		return 0;
	for (uint64_t at = 1; at < end && n < max; at += SCAN_CHUNK) {
		uint64_t count = end - at < SCAN_CHUNK ? end - at : SCAN_CHUNK;
		if (vmdk_extent_pread(L->x, buf, count * VMDK_SECTOR, at * VMDK_SECTOR) < 0)
			break;
		for (uint64_t k = 0; k < count && n < max; k++)
			if (vmdk_le32(buf + k * VMDK_SECTOR) == at + k + gd_sectors)
				found[n++] = at + k;
	}
	free(buf);
	return n;
}

static uint64_t field_get(const struct sparse_header *h, enum sparse_field f)
{
	switch (f) {
	case SPARSE_FIELD_CAPACITY: return h->capacity;
	case SPARSE_FIELD_GTES: return h->gtes_per_gt;
	case SPARSE_FIELD_GRAIN_SIZE: return h->grain_size;
	case SPARSE_FIELD_GD: return h->gd_offset;
	case SPARSE_FIELD_RGD: return h->rgd_offset;
	case SPARSE_FIELD_OVERHEAD: return h->overhead;
	case SPARSE_FIELD_EXTENT_LINE:
	case SPARSE_FIELD_NONE: break;
	}
	return 0;
}

static bool try_value(struct lay *L, const struct sparse_header *h,
		      enum sparse_field f, uint64_t value, struct sparse_verdict *v)
{
	struct sparse_header t = *h;
	char keep[sizeof(L->why)];
	bool ok;

	if (field_get(h, f) == value)
		return false;
	vmdk_sparse_field_set(&t, f, value);
	memcpy(keep, L->why, sizeof(keep));
	/* A value that makes the evidence go away by reaching fewer grains
	 * (an old directory, a shorter table) explains nothing. */
	ok = score(L, &t) == 0 && L->ngrains >= L->base_grains;
	/* A grain size needs the grains' own word: read with it, they
	 * follow one another at exactly that step (or there are none, and
	 * nothing can be misread). */
	if (ok && f == SPARSE_FIELD_GRAIN_SIZE)
		ok = L->ngrains ? L->stride == value : value == 128;
	memcpy(L->why, keep, sizeof(keep));
	if (!ok)
		return false;
	v->field = f;
	v->value = value;
	return true;
}

static bool try_offsets(struct lay *L, const struct sparse_header *h,
			struct sparse_verdict *v)
{
	uint64_t found[8], gd_sectors, cover;
	size_t n;

	/* A grain size past the largest one takes no directory (and its
	 * coverage would overflow). */
	if (!is_pow2(h->grain_size) || h->grain_size > SPARSE_MAX_GRAIN ||
	    h->gtes_per_gt != SPARSE_SPEC_GTES || !h->capacity || h->capacity > VMDK_MAX_CAPACITY)
		return false;
	cover = h->grain_size * h->gtes_per_gt;
	gd_sectors = round_up((h->capacity + cover - 1) / cover * 4, VMDK_SECTOR) /
		     VMDK_SECTOR;
	n = find_directories(L, gd_sectors, found, 8);
	for (size_t i = 0; i < n; i++)
		if (try_value(L, h, SPARSE_FIELD_GD, found[i], v) ||
		    ((h->flags & SPARSE_FLAG_RGD) &&
		     try_value(L, h, SPARSE_FIELD_RGD, found[i], v)))
			return true;
	return false;
}

/* The header holds and the descriptor's extent size is what is wrong:
 * the directory was laid out for the header's size (the entries a
 * larger size needs have no tables, those of the header's all do), or
 * the geometry says the disk is larger than the line. */
static bool extent_line_wrong(struct lay *L, const struct sparse_header *h,
			      uint64_t desc, uint64_t geo)
{
	uint64_t cover = h->grain_size * h->gtes_per_gt, n_h, n_d, c;
	uint32_t *gd;
	bool wrong = false;

	if (!desc || desc == h->capacity || !is_pow2(h->grain_size) ||
	    h->grain_size > SPARSE_MAX_GRAIN || h->gtes_per_gt != SPARSE_SPEC_GTES)
		return false;
	L->desc_sectors = 0;
	c = score(L, h);
	L->desc_sectors = desc;
	L->why[0] = '\0';
	if (c)
		return false;
	if (desc < h->capacity)
		return geo > desc && geo <= h->capacity;
	n_h = (h->capacity + cover - 1) / cover;
	n_d = (desc + cover - 1) / cover;
	if (n_d == n_h || n_d * 4 > L->sectors * VMDK_SECTOR - h->gd_offset * VMDK_SECTOR ||
	    !(gd = malloc(n_d * 4)))
		return false;
	if (read_words(L->x, h->gd_offset, n_d, gd) == 0) {
		bool tables = false, extra = false;
		for (uint64_t i = 0; i < n_d; i++) {
			tables |= i < n_h && gd[i];
			extra |= i >= n_h && gd[i];
		}
		wrong = tables && !extra;
	}
	free(gd);
	return wrong;
}

int vmdk_sparse_layout_judge(const struct vmdk_extent *x, uint64_t file_size,
			     const struct sparse_header *h, uint64_t desc_sectors,
			     uint64_t geometry_floor, bool deep,
			     struct sparse_verdict *v)
{
	struct lay L = { .x = x, .sectors = file_size / VMDK_SECTOR,
			 .desc_sectors = desc_sectors, .deep = deep };
	uint64_t stride, meta_end;
	bool found = false;

	memset(v, 0, sizeof(*v));
	L.a = malloc(SPARSE_SPEC_GTES * 4);
	L.b = malloc(SPARSE_SPEC_GTES * 4);
	if (!L.a || !L.b) {
		free(L.a);
		free(L.b);
		return -ENOMEM;
	}
	v->contradictions = score(&L, h);
	v->unusable = v->contradictions >= IMPOSSIBLE;
	L.base_grains = v->unusable || L.structure ? 0 : L.ngrains;
	stride = L.stride;
	meta_end = L.meta_end;
	snprintf(v->evidence, sizeof(v->evidence), "%s", L.why);
	if (extent_line_wrong(&L, h, desc_sectors, geometry_floor)) {
		v->field = SPARSE_FIELD_EXTENT_LINE;
		v->was = desc_sectors;
		v->value = h->capacity;
		snprintf(v->evidence, sizeof(v->evidence), "%s", desc_sectors > h->capacity
			 ? "the grain directory was laid out for the header's size"
			 : "the geometry says the disk is at least that large");
		found = false;
	} else if (v->contradictions) {
		/* Each candidate is the value another source gives: the
		 * descriptor, the specification, the grains' step, the end
		 * of the metadata, a directory found where writers put it. */
		found = (desc_sectors &&
			 try_value(&L, h, SPARSE_FIELD_CAPACITY, desc_sectors, v)) ||
			try_value(&L, h, SPARSE_FIELD_GTES, SPARSE_SPEC_GTES, v) ||
			(is_pow2(stride) && stride >= 8 &&
			 try_value(&L, h, SPARSE_FIELD_GRAIN_SIZE, stride, v));
		for (uint64_t gs = 8; !found && gs <= 2048; gs *= 2)
			found = try_value(&L, h, SPARSE_FIELD_GRAIN_SIZE, gs, v);
		if (!found && meta_end && is_pow2(h->grain_size) &&
		    round_up(meta_end, h->grain_size) <= L.sectors)
			found = try_value(&L, h, SPARSE_FIELD_OVERHEAD,
					  round_up(meta_end, h->grain_size), v);
		if (!found)
			found = try_offsets(&L, h, v);
	}
	if (found)
		v->was = field_get(h, v->field);
	free(L.dir[0]);
	free(L.dir[1]);
	free(L.tables);
	free(L.grains);
	free(L.a);
	free(L.b);
	return 0;
}

const char *vmdk_sparse_field_name(enum sparse_field f)
{
	switch (f) {
	case SPARSE_FIELD_CAPACITY: return "capacity";
	case SPARSE_FIELD_GTES: return "numGTEsPerGT";
	case SPARSE_FIELD_GRAIN_SIZE: return "grainSize";
	case SPARSE_FIELD_GD: return "gdOffset";
	case SPARSE_FIELD_RGD: return "rgdOffset";
	case SPARSE_FIELD_OVERHEAD: return "overHead";
	case SPARSE_FIELD_EXTENT_LINE: return "extent line's size";
	case SPARSE_FIELD_NONE: break;
	}
	return "none";
}

void vmdk_sparse_field_set(struct sparse_header *h, enum sparse_field f,
			   uint64_t value)
{
	switch (f) {
	case SPARSE_FIELD_CAPACITY: h->capacity = value; break;
	case SPARSE_FIELD_GTES: h->gtes_per_gt = (uint32_t)value; break;
	case SPARSE_FIELD_GRAIN_SIZE: h->grain_size = value; break;
	case SPARSE_FIELD_GD: h->gd_offset = value; break;
	case SPARSE_FIELD_RGD: h->rgd_offset = value; break;
	case SPARSE_FIELD_OVERHEAD: h->overhead = value; break;
	case SPARSE_FIELD_EXTENT_LINE:
	case SPARSE_FIELD_NONE: break;
	}
}
