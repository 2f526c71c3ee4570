/* SPDX-License-Identifier: MIT */
/* sparse_meta.c --- header checks, grain directory, cached grain tables
 * (technote: "Hosted Sparse Extent Metadata") */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sparse_layout.h"
#include "sparse_meta.h"

/* Directories up to this many entries are weighed at open. */
#define SHALLOW_DIRECTORY 128u

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static int check_header(struct vmdk_extent *x, const struct sparse_header *h,
			const char *which)
{
	static const uint8_t eol[4] = { '\n', ' ', '\r', '\n' };

	if (h->magic != SPARSE_MAGIC)
		return vmdk_seterr_at(x->eb, VMDK_E_NOT_A_DISK, x->path, "%s has no KDMV magic",
				      which);
	char why[160];
	int code;

	if (h->version >= 1 && h->version <= 3 &&
	    (h->flags & SPARSE_FLAG_NL_DETECT) && memcmp(h->eol_check, eol, 4))
		return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				      "%s end-of-line check bytes are damaged "
				      "(file transferred in text mode?)",
				      which);
	if ((code = vmdk_sparse_header_fault(h, which, why, sizeof(why))) < 0)
		return vmdk_seterr_at(x->eb, code, x->path, "%s", why);
	if ((h->flags & SPARSE_FLAG_COMPRESSED) &&
	    h->compress != SPARSE_COMPRESS_DEFLATE)
		return vmdk_seterr_at(x->eb, VMDK_E_NOT_SUPPORTED, x->path,
				      "compression algorithm %u is not deflate", h->compress);
	if ((h->flags & SPARSE_FLAG_COMPRESSED) && h->grain_size > 2048)
		return vmdk_seterr_at(x->eb, VMDK_E_TOO_BIG, x->path,
				      "compressed grains of %llu sectors exceed 1 MiB",
				      (unsigned long long)h->grain_size);
	return 0;
}

/* Stream files written in one pass keep the real header at the end:
 * footer marker, footer, end-of-stream marker (technote: "Header and
 * Footer"). */
static int read_footer(struct vmdk_extent *x, struct sparse_meta *m)
{
	uint8_t b[1536];
	int err;

	if (x->file_size < 2048 || x->file_size % VMDK_SECTOR)
		return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				      "stream has no room for its footer "
				      "(file truncated?)");
	err = vmdk_extent_pread(x, b, sizeof(b), x->file_size - 1536);
	if (err < 0)
		return vmdk_seterr_at(x->eb, err, x->path, "reading footer: %s",
				      vmdk_strerror(err));
	if (vmdk_le32(b + 8) != 0 || vmdk_le32(b + 12) != MARKER_FOOTER ||
	    vmdk_le64(b + 1024) != 0 || vmdk_le32(b + 1024 + 8) != 0 ||
	    vmdk_le32(b + 1024 + 12) != MARKER_EOS)
		return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				      "no footer and end-of-stream marker at the end "
				      "(file truncated?)");
	sparse_header_decode(b + VMDK_SECTOR, &m->h);
	err = check_header(x, &m->h, "footer");
	if (err < 0)
		return err;
	if (m->h.gd_offset == SPARSE_GD_AT_END)
		return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				      "footer does not locate the grain directory");
	m->has_footer = true;
	return 0;
}

/* A directory must lie inside the file, past the header. */
static int load_directory(struct vmdk_extent *x, struct sparse_meta *m,
			  uint64_t offset, uint32_t **out, const char *which)
{
	uint64_t bytes = (uint64_t)m->gd_entries * 4;
	uint32_t *gd;
	int err;

	if (offset == 0 || offset > x->file_size / VMDK_SECTOR ||
	    bytes > x->file_size - offset * VMDK_SECTOR)
		return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				      "%s at sector %llu (%u entries) lies outside the file",
				      which, (unsigned long long)offset, m->gd_entries);
	gd = malloc(bytes ? bytes : 1);
	if (!gd)
		return -ENOMEM;
	err = vmdk_extent_pread(x, gd, bytes, offset * VMDK_SECTOR);
	if (err < 0) {
		free(gd);
		return vmdk_seterr_at(x->eb, err, x->path, "reading %s: %s", which,
				      vmdk_strerror(err));
	}
	for (uint32_t i = 0; i < m->gd_entries; i++)
		gd[i] = vmdk_le32(&gd[i]);
	*out = gd;
	return 0;
}

static int needs_repair(struct vmdk_extent *x, const char *what)
{
	return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
			      "%s: run vmdk-check --repair", what);
}

static int by_value(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The entry (of either directory) naming the table at @sector. */
static uint32_t entry_of(const struct sparse_meta *m, uint32_t sector,
			 uint32_t skip)
{
	for (uint32_t i = 0; i < m->gd_entries; i++)
		if (i != skip && (m->gd[i] == sector || m->rgd[i] == sector))
			return i;
	return UINT32_MAX;
}

/* Whether a table at @t lies on [at, at + len). */
static bool on(uint64_t t, uint32_t gt_sectors, uint64_t at, uint64_t len)
{
	return t < at + len && t + gt_sectors > at;
}

/* The directories and the tables they name must not overlap one another:
 * a table shared by two entries, or lying on a directory, gives one
 * grain's data to another.  The table starts, sorted, are as large as
 * the directories themselves. */
static int check_overlaps(struct vmdk_extent *x, const struct sparse_meta *m)
{
	uint64_t gd_sectors = round_up(m->gd_entries * 4ull, VMDK_SECTOR) / VMDK_SECTOR;
	uint32_t *t = malloc(2 * (size_t)m->gd_entries * sizeof(*t) + 1), n = 0;
	char what[160] = "";
	int err = 0;

	if (!t)
		return -ENOMEM;
	for (uint32_t i = 0; i < m->gd_entries; i++) {
		if (m->gd[i])
			t[n++] = m->gd[i];
		if (m->rgd[i])
			t[n++] = m->rgd[i];
	}
	qsort(t, n, sizeof(*t), by_value);
	for (uint32_t i = 0; i < n && !what[0]; i++) {
		if (i && t[i - 1] + (uint64_t)m->gt_sectors > t[i]) {
			uint32_t a = entry_of(m, t[i - 1], UINT32_MAX);
			snprintf(what, sizeof(what), "grain tables %u and %u overlap "
				 "at sector %u", a, entry_of(m, t[i], a), t[i]);
		} else if (on(t[i], m->gt_sectors, m->h.gd_offset, gd_sectors) ||
			   on(t[i], m->gt_sectors, m->h.rgd_offset, gd_sectors)) {
			snprintf(what, sizeof(what), "grain table %u overlaps a grain "
				 "directory at sector %u", entry_of(m, t[i], UINT32_MAX),
				 t[i]);
		}
	}
	if (what[0])
		err = needs_repair(x, what);
	free(t);
	return err;
}

/* The two directories must name tables in the same places.  After an
 * unclean shutdown one may name a table the other does not yet (tables
 * are allocated primary first): that is an interrupted allocation, and
 * the table named is complete. */
static int cross_check_directories(struct vmdk_extent *x, struct sparse_meta *m)
{
	char what[160];

	for (uint32_t i = 0; i < m->gd_entries; i++) {
		if (!m->gd[i] == !m->rgd[i])
			continue;
		if (m->h.unclean)
			continue;
		snprintf(what, sizeof(what), "grain directory entry %u is %u but "
			 "its redundant copy's is %u", i, m->gd[i], m->rgd[i]);
		return needs_repair(x, what);
	}
	return check_overlaps(x, m);
}

/* A hosted sparse header the file's layout contradicts is not used to
 * read it (sparse_layout.c): one wrong field would serve other sectors'
 * data.  Streams keep their header in the footer and are checked by
 * their markers. */
static int judge_layout(struct vmdk_extent *x, const struct sparse_header *h)
{
	struct sparse_verdict v;
	int err;

	if (h->flags & (SPARSE_FLAG_COMPRESSED | SPARSE_FLAG_MARKERS) ||
	    h->gd_offset == SPARSE_GD_AT_END)
		return 0;
	/* A large disk's open stays as cheap as its directories: the
	 * checks below refuse a header whose directory runs into its tables
	 * (as a wrong grain size or table size makes it), and vmdk-check
	 * names the field. */
	if (is_pow2(h->grain_size) && h->gtes_per_gt && h->capacity &&
	    h->grain_size <= SPARSE_MAX_GRAIN && h->gtes_per_gt <= SPARSE_SPEC_GTES &&
	    h->capacity / (h->grain_size * h->gtes_per_gt) > SHALLOW_DIRECTORY)
		return 0;
	err = vmdk_sparse_layout_judge(x, x->file_size, h, x->sectors,
				       x->geometry_floor, false, &v);
	if (err < 0)
		return err;
	if (v.field == SPARSE_FIELD_NONE)
		return 0;
	if (v.field == SPARSE_FIELD_EXTENT_LINE)
		return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				      "the descriptor's extent line says %llu sectors, "
				      "the header %llu (%s): run vmdk-check --repair",
				      (unsigned long long)v.was, (unsigned long long)v.value,
				      v.evidence);
	return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
			      "the header's %s is %llu where the layout shows %llu "
			      "(%s): run vmdk-check --repair",
			      vmdk_sparse_field_name(v.field), (unsigned long long)v.was,
			      (unsigned long long)v.value, v.evidence);
}

int vmdk_sparse_meta_load(struct vmdk_extent *x, struct sparse_meta *m,
		     const uint8_t *first)
{
	struct sparse_header *h = &m->h;
	int err;

	memset(m, 0, sizeof(*m));
	sparse_header_decode(first, h);
	err = h->magic == SPARSE_MAGIC ? judge_layout(x, h) : 0;
	if (err == 0)
		err = check_header(x, h, "header");
	if (err < 0)
		return err;
	if (h->gd_offset == SPARSE_GD_AT_END) {
		err = read_footer(x, m);
		if (err < 0)
			return err;
	}
	/* A larger header is a grow that did not reach the descriptor yet:
	 * the descriptor's size is used. */
	if (h->capacity < x->sectors)
		return vmdk_seterr_at(x->eb, VMDK_E_BAD_DESCRIPTOR, x->path,
				      "descriptor says %llu sectors, extent header %llu",
				      (unsigned long long)x->sectors,
				      (unsigned long long)h->capacity);
	return vmdk_sparse_meta_directories(x, m);
}

int vmdk_sparse_meta_directories(struct vmdk_extent *x, struct sparse_meta *m)
{
	struct sparse_header *h = &m->h;
	int err;

	if (h->overhead > x->file_size / VMDK_SECTOR)
		return vmdk_seterr_at(x->eb, VMDK_E_MISSING_EXTENT, x->path,
				      "truncated: metadata needs %llu bytes, file has %llu",
				      (unsigned long long)h->overhead * VMDK_SECTOR,
				      (unsigned long long)x->file_size);
	m->gt_coverage = h->grain_size * h->gtes_per_gt;
	m->gd_entries = (uint32_t)((h->capacity + m->gt_coverage - 1) /
				   m->gt_coverage);
	m->gt_sectors =
		(uint32_t)round_up((uint64_t)h->gtes_per_gt * 4, VMDK_SECTOR) / VMDK_SECTOR;
	err = load_directory(x, m, h->gd_offset, &m->gd, "grain directory");
	if (err < 0)
		return err;
	if ((h->flags & SPARSE_FLAG_RGD) && h->rgd_offset &&
	    !(h->flags & SPARSE_FLAG_COMPRESSED)) {
		err = load_directory(x, m, h->rgd_offset, &m->rgd,
				     "redundant grain directory");
		if (err == 0)
			err = cross_check_directories(x, m);
		if (err < 0) {
			vmdk_sparse_meta_free(m);
			return err;
		}
	}
	return 0;
}

void vmdk_sparse_meta_free(struct sparse_meta *m)
{
	free(m->gd);
	free(m->rgd);
	free(m->scratch);
	for (int i = 0; i < GT_CACHE_SLOTS; i++)
		free(m->cache[i].gte);
	memset(m, 0, sizeof(*m));
}

static int check_table(struct vmdk_extent *x, struct sparse_meta *m,
		       uint32_t gd_index, uint32_t sector, const char *which)
{
	uint64_t bytes = (uint64_t)m->h.gtes_per_gt * 4;

	if (sector == 0 || (uint64_t)sector * VMDK_SECTOR + bytes > x->file_size)
		return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				      "%s entry %u points to sector %u, outside the file",
				      which, gd_index, sector);
	return 0;
}

static int write_table(struct vmdk_extent *x, struct sparse_meta *m,
		       struct gt_cache_slot *s)
{
	size_t bytes = (size_t)m->h.gtes_per_gt * 4;
	uint8_t *le = malloc(bytes);
	int err;

	if (!le)
		return -ENOMEM;
	for (uint32_t i = 0; i < m->h.gtes_per_gt; i++)
		vmdk_put_le32(le + 4 * i, s->gte[i]);
	/* The redundant copy first: the primary is what readers use. */
	err = m->rgd ? check_table(x, m, s->gd_index, m->rgd[s->gd_index],
				   "redundant grain directory") : 0;
	if (err == 0 && m->rgd)
		err = vmdk_pwrite_all(x->fd, le, bytes,
				      (uint64_t)m->rgd[s->gd_index] * VMDK_SECTOR);
	if (err == 0)
		err = vmdk_pwrite_all(x->fd, le, bytes,
				      (uint64_t)m->gd[s->gd_index] * VMDK_SECTOR);
	free(le);
	if (err < 0 && err > -1000)
		return vmdk_seterr_at(x->eb, err, x->path, "writing grain table %u: %s",
				      s->gd_index, vmdk_strerror(err));
	if (err == 0)
		s->dirty = false;
	return err;
}

int vmdk_sparse_meta_flush(struct vmdk_extent *x, struct sparse_meta *m)
{
	for (int i = 0; i < GT_CACHE_SLOTS; i++)
		if (m->cache[i].valid && m->cache[i].dirty) {
			int err = write_table(x, m, &m->cache[i]);
			if (err < 0)
				return err;
		}
	return 0;
}

#define SAME_CHUNK 65536u

int vmdk_sparse_meta_same_grains(const struct vmdk_extent *x,
				 const struct sparse_header *h,
				 uint64_t file_size, uint32_t a, uint32_t b,
				 bool *same)
{
	uint64_t bytes = h->grain_size * VMDK_SECTOR, end = file_size / VMDK_SECTOR;
	bool zeroed = h->flags & SPARSE_FLAG_ZERO_GTE;
	uint8_t *p, *q;
	int err = 0;

	*same = false;
	for (int i = 0; i < 2; i++) {
		uint32_t v = i ? b : a;
		if (!(v == 1 && zeroed) &&
		    (v < h->overhead || v + h->grain_size > end))
			return 0;
	}
	p = malloc(SAME_CHUNK);
	q = malloc(SAME_CHUNK);
	if (!p || !q)
		err = -ENOMEM;
	*same = err == 0;
	for (uint64_t at = 0; err == 0 && *same && at < bytes; at += SAME_CHUNK) {
		size_t n = bytes - at < SAME_CHUNK ? (size_t)(bytes - at) : SAME_CHUNK;
		if (a == 1 && zeroed)
			memset(p, 0, n);
		else
			err = vmdk_extent_pread(x, p, n, (uint64_t)a * VMDK_SECTOR + at);
		if (err == 0 && b == 1 && zeroed)
			memset(q, 0, n);
		else if (err == 0)
			err = vmdk_extent_pread(x, q, n, (uint64_t)b * VMDK_SECTOR + at);
		*same = err == 0 && memcmp(p, q, n) == 0;
	}
	free(p);
	free(q);
	return err;
}

/* A table read must agree with its redundant copy, so that damage to
 * one is reported instead of served.  After an unclean shutdown an entry
 * may be in one copy only (the redundant copy is written first): its
 * grain was written before either, so the entry is taken.  Two entries
 * naming grains of the same content are a move (vmdk-defrag, vmdk-shrink)
 * cut short between the copies: either serves the same data. */
static int cross_check_table(struct vmdk_extent *x, struct sparse_meta *m,
			     uint32_t gd_index, uint32_t *gte)
{
	size_t bytes = (size_t)m->h.gtes_per_gt * 4;
	uint32_t *r = m->scratch ? m->scratch : (m->scratch = malloc(bytes));
	char what[160];
	int err;

	if (!r)
		return -ENOMEM;
	err = check_table(x, m, gd_index, m->rgd[gd_index],
			  "redundant grain directory");
	if (err == 0 && (err = vmdk_extent_pread(x, r, bytes,
					      (uint64_t)m->rgd[gd_index] * VMDK_SECTOR)) < 0)
		err = vmdk_seterr_at(x->eb, err, x->path,
				     "reading redundant grain table %u: %s", gd_index,
				     vmdk_strerror(err));
	for (uint32_t i = 0; err == 0 && i < m->h.gtes_per_gt; i++) {
		uint32_t v = vmdk_le32(&r[i]);
		if (v == gte[i])
			continue;
		if (m->h.unclean && (!v || !gte[i])) {
			gte[i] = v ? v : gte[i];
			continue;
		}
		if (m->h.unclean) {
			bool same;
			err = vmdk_sparse_meta_same_grains(x, &m->h, x->file_size,
							   gte[i], v, &same);
			if (err == 0 && same)
				continue;
		}
		snprintf(what, sizeof(what), "grain table %u differs from its "
			 "redundant copy (entry %u: %u, redundant %u)", gd_index, i,
			 gte[i], v);
		err = needs_repair(x, what);
	}
	return err;
}

static struct gt_cache_slot *cached_table(struct vmdk_extent *x,
					  struct sparse_meta *m,
					  uint32_t gd_index, int *err)
{
	struct gt_cache_slot *s = &m->cache[gd_index % GT_CACHE_SLOTS];
	size_t bytes = (size_t)m->h.gtes_per_gt * 4;

	if (s->valid && s->gd_index == gd_index)
		return s;
	if (s->valid && s->dirty && (*err = write_table(x, m, s)) < 0)
		return NULL;
	if (!s->gte && !(s->gte = malloc(bytes))) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = check_table(x, m, gd_index, m->gd[gd_index], "grain directory");
	if (*err < 0)
		return NULL;
	s->valid = false;
	*err = vmdk_extent_pread(x, s->gte, bytes, (uint64_t)m->gd[gd_index] * VMDK_SECTOR);
	if (*err < 0) {
		vmdk_seterr_at(x->eb, *err, x->path, "reading grain table %u: %s", gd_index,
			       vmdk_strerror(*err));
		return NULL;
	}
	for (uint32_t i = 0; i < m->h.gtes_per_gt; i++)
		s->gte[i] = vmdk_le32(&s->gte[i]);
	if (m->rgd && m->rgd[gd_index] &&
	    (*err = cross_check_table(x, m, gd_index, s->gte)) < 0)
		return NULL;
	s->valid = true;
	s->gd_index = gd_index;
	return s;
}

int vmdk_sparse_meta_gte(struct vmdk_extent *x, struct sparse_meta *m,
		    uint64_t grain, uint32_t *gte)
{
	uint32_t gd_index = (uint32_t)(grain / m->h.gtes_per_gt);
	struct gt_cache_slot *s;
	int err = 0;

	if (gd_index >= m->gd_entries)
		return vmdk_seterr_at(x->eb, VMDK_E_OUT_OF_RANGE, x->path,
				      "grain %llu beyond the grain directory",
				      (unsigned long long)grain);
	if (m->gd[gd_index] == 0) {
		*gte = 0;
		return 0;
	}
	s = cached_table(x, m, gd_index, &err);
	if (!s)
		return err;
	*gte = s->gte[grain % m->h.gtes_per_gt];
	return 0;
}

int vmdk_sparse_meta_classify(struct vmdk_extent *x, const struct sparse_meta *m,
			 uint64_t grain, uint32_t gte)
{
	if (gte == 0)
		return VMDK_BS_UNALLOC;
	if (gte == 1 && (m->h.flags & SPARSE_FLAG_ZERO_GTE))
		return VMDK_BS_ZERO;
	if (gte < m->h.overhead || (uint64_t)gte * VMDK_SECTOR >= x->file_size)
		return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				      "grain %llu points to sector %u, %s",
				      (unsigned long long)grain, gte,
				      gte < m->h.overhead ? "inside the metadata"
							  : "past the end of the file");
	return VMDK_BS_DATA;
}

/* New, zeroed grain tables for a directory entry that has none. */
static int allocate_tables(struct vmdk_extent *x, struct sparse_meta *m,
			   uint32_t gd_index, uint64_t *next_free)
{
	uint64_t need = (uint64_t)m->gt_sectors * (m->rgd ? 2 : 1);
	uint64_t gt = *next_free, rgt = gt + m->gt_sectors;
	uint8_t le[4];
	int err;

	if (gt + need > UINT32_MAX)
		return vmdk_seterr_at(x->eb, VMDK_E_NO_SPACE, x->path,
				      "extent full (32-bit sector offsets)");
	err = vmdk_pwrite_zeros(x->fd, need * VMDK_SECTOR, gt * VMDK_SECTOR);
	if (err < 0)
		return vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err));
	*next_free += need;
	if (x->file_size < *next_free * VMDK_SECTOR)
		x->file_size = *next_free * VMDK_SECTOR;
	/* Tables are zero on disk before a directory points at them. */
	vmdk_put_le32(le, (uint32_t)gt);
	err = vmdk_pwrite_all(x->fd, le, 4, m->h.gd_offset * VMDK_SECTOR + gd_index * 4ull);
	if (err == 0 && m->rgd) {
		vmdk_put_le32(le, (uint32_t)rgt);
		err = vmdk_pwrite_all(x->fd, le, 4,
				      m->h.rgd_offset * VMDK_SECTOR + gd_index * 4ull);
	}
	if (err < 0)
		return vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err));
	m->gd[gd_index] = (uint32_t)gt;
	if (m->rgd)
		m->rgd[gd_index] = (uint32_t)rgt;
	return 0;
}

int vmdk_sparse_meta_set_gte(struct vmdk_extent *x, struct sparse_meta *m,
			uint64_t grain, uint32_t value, uint64_t *next_free)
{
	uint32_t gd_index = (uint32_t)(grain / m->h.gtes_per_gt);
	uint32_t i = (uint32_t)(grain % m->h.gtes_per_gt);
	struct gt_cache_slot *s;
	int err = 0;

	if (m->gd[gd_index] == 0 || (m->rgd && m->rgd[gd_index] == 0)) {
		if (m->gd[gd_index] != 0 || (m->rgd && m->rgd[gd_index] != 0))
			return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
					      "grain directories disagree at entry %u",
					      gd_index);
		err = allocate_tables(x, m, gd_index, next_free);
		if (err < 0)
			return err;
	}
	s = cached_table(x, m, gd_index, &err);
	if (!s)
		return err;
	s->gte[i] = value;
	s->dirty = true;
	return 0;
}

int vmdk_sparse_meta_touch(struct vmdk_extent *x, struct sparse_meta *m,
			   uint32_t gd_index)
{
	struct gt_cache_slot *s;
	int err = 0;

	if (gd_index >= m->gd_entries || m->gd[gd_index] == 0)
		return 0;
	if (!(s = cached_table(x, m, gd_index, &err)))
		return err;
	s->dirty = true;
	return 0;
}

/* Both sparse formats keep struct sparse_meta first in x->priv. */
static struct sparse_meta *meta_of(const struct vmdk_extent *x)
{
	return x->priv;
}

int vmdk_sparse_meta_grain_status(struct vmdk_extent *x, uint64_t g, uint32_t *gte)
{
	int err = vmdk_sparse_meta_gte(x, meta_of(x), g, gte);

	return err < 0 ? err : vmdk_sparse_meta_classify(x, meta_of(x), g, *gte);
}

static int grain_state(struct vmdk_extent *x, uint64_t grain)
{
	uint32_t gte;

	return vmdk_sparse_meta_grain_status(x, grain, &gte);
}

int vmdk_sparse_meta_status(struct vmdk_extent *x, uint64_t sector, uint64_t n,
		       uint64_t *run)
{
	return vmdk_grain_run(x, sector, n, meta_of(x)->h.grain_size, grain_state,
			      run);
}

void vmdk_sparse_meta_describe(const struct vmdk_extent *x,
			  struct vmdk_extent_info *ei)
{
	const struct sparse_header *h = &meta_of(x)->h;

	ei->version = h->version;
	ei->flags = h->flags;
	ei->grain_size = h->grain_size;
	ei->compressed = (h->flags & SPARSE_FLAG_COMPRESSED) != 0;
	ei->unclean = h->unclean != 0;
}

void vmdk_sparse_meta_descriptor_area(const struct vmdk_extent *x, uint64_t *off,
				 uint64_t *len)
{
	const struct sparse_header *h = &meta_of(x)->h;

	*off = h->desc_offset * VMDK_SECTOR;
	*len = h->desc_offset ? h->desc_size * VMDK_SECTOR : 0;
}

int vmdk_sparse_meta_each_piece(struct vmdk_extent *x, uint64_t sector, uint32_t n,
				uint8_t *buf, sparse_piece_fn fn, bool join)
{
	uint64_t gs = meta_of(x)->h.grain_size;

	while (n > 0) {
		struct sparse_piece p = { .grain = sector / gs,
					  .within = sector % gs, .buf = buf };
		uint32_t gte;
		int err;

		p.count = (uint32_t)(gs - p.within < n ? gs - p.within : n);
		p.status = vmdk_sparse_meta_grain_status(x, p.grain, &p.gte);
		if (p.status < 0)
			return p.status;
		/* Extend over the next grains while each is stored right
		 * after the one before, so that they take one read. */
		while (join && p.status == VMDK_BS_DATA && p.count < n &&
		       (p.within + p.count) % gs == 0) {
			uint64_t next = p.grain + (p.within + p.count) / gs;
			if (vmdk_sparse_meta_grain_status(x, next, &gte) != VMDK_BS_DATA ||
			    gte != p.gte + (next - p.grain) * gs)
				break;
			p.count += n - p.count < gs ? n - p.count : (uint32_t)gs;
		}
		err = fn(x, &p);
		if (err < 0)
			return err;
		buf += p.count * VMDK_SECTOR;
		sector += p.count;
		n -= p.count;
	}
	return 0;
}

/* Uncompressed grains: read where the table points, zeros elsewhere. */
int vmdk_sparse_meta_read_piece(struct vmdk_extent *x, const struct sparse_piece *p)
{
	uint64_t off = ((uint64_t)p->gte + p->within) * VMDK_SECTOR;
	int err;

	if (p->status != VMDK_BS_DATA) {
		memset(p->buf, 0, p->count * VMDK_SECTOR);
		return 0;
	}
	if (off + p->count * VMDK_SECTOR > x->file_size)
		return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				      "grain %llu at sector %u runs past the end of the file",
				      (unsigned long long)p->grain, p->gte);
	err = vmdk_extent_pread(x, p->buf, p->count * VMDK_SECTOR, off);
	if (err < 0)
		return vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err));
	return 0;
}


int vmdk_sparse_meta_write_directory(int fd, uint64_t at, const uint32_t *old,
				     uint32_t old_n, uint32_t new_n,
				     uint64_t first_new, uint32_t gt_sectors)
{
	size_t bytes = round_up(new_n * 4ull, VMDK_SECTOR);
	uint8_t *gd = calloc(bytes, 1);
	int err;

	if (!gd)
		return -ENOMEM;
	for (uint32_t i = 0; i < new_n; i++)
		vmdk_put_le32(gd + 4 * i, i < old_n ? old[i]
			      : (uint32_t)(first_new + (uint64_t)(i - old_n) * gt_sectors));
	err = vmdk_pwrite_all(fd, gd, bytes, at * VMDK_SECTOR);
	free(gd);
	return err;
}

/* Where a monolithic file keeps its descriptor; 0 if it has none.  A
 * compressed file with markers is a stream. */
int vmdk_sparse_embedded_descriptor(const uint8_t *first, struct vmdk_embedded *e)
{
	struct sparse_header h;

	sparse_header_decode(first, &h);
	if (h.desc_offset == 0 || h.desc_size == 0)
		return 0;
	e->off = h.desc_offset * VMDK_SECTOR;
	e->len = h.desc_size * VMDK_SECTOR;
	e->capacity = h.capacity;
	e->type = (h.flags & SPARSE_FLAG_MARKERS) && h.compress == SPARSE_COMPRESS_DEFLATE
		  ? VMDK_TYPE_STREAM_OPTIMIZED : VMDK_TYPE_MONOLITHIC_SPARSE;
	return 1;
}
