/* SPDX-License-Identifier: MIT */
/* sesparse.c --- seSparse extents (vSphere 6.5+ / VMFS-6 snapshot deltas),
 * read only.  VMware has published no specification; the layout and the
 * strict checks follow the notes in the project's shared reference: a
 * constant header, a volatile header whose journal must be clean, a grain
 * directory and grain tables of 64-bit entries, 4 KiB grains. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

#define SE_CONST_MAGIC 0xcafebabeull
#define SE_VOLATILE_MAGIC 0xcafecafeull
#define SE_VERSION 0x0000000200000001ull
#define SE_GRAIN 8u		/* sectors */
#define SE_GT_SECTORS 64u
#define SE_GTES 4096u
#define SE_CACHE 4

/* Constant header fields, by offset. */
enum { K_MAGIC = 0x00, K_VERSION = 0x08, K_CAPACITY = 0x10, K_GRAIN = 0x18,
       K_GT_SIZE = 0x20, K_FLAGS = 0x28, K_VOL_OFF = 0x50, K_GD_OFF = 0x80,
       K_GD_SIZE = 0x88, K_GT_OFF = 0x90, K_GT_POOL = 0x98, K_GRAINS_OFF = 0xc0,
       K_GRAINS_SIZE = 0xc8 };

struct se_table {
	bool valid;
	uint64_t index;
	uint64_t e[SE_GTES];
};

struct sesparse {
	uint64_t gd_entries, gt_off, gt_pool, grains_off, grains_size;
	uint64_t *gd;
	struct se_table cache[SE_CACHE];
};

static struct sesparse *S(const struct vmdk_extent *x)
{
	return x->priv;
}

static int bad(struct vmdk_extent *x, const char *what)
{
	return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path, "seSparse %s", what);
}

static int check_headers(struct vmdk_extent *x, const uint8_t *k)
{
	uint8_t v[VMDK_SECTOR];
	uint64_t vol = vmdk_le64(k + K_VOL_OFF);

	if (vmdk_le64(k + K_MAGIC) != SE_CONST_MAGIC)
		return bad(x, "constant header has a bad magic number");
	if (vmdk_le64(k + K_VERSION) != SE_VERSION)
		return vmdk_seterr_at(x->eb, VMDK_E_UNSUPPORTED_VERSION, x->path,
				      "seSparse version %llx is not 2.1",
				      (unsigned long long)vmdk_le64(k + K_VERSION));
	if (vmdk_le64(k + K_GRAIN) != SE_GRAIN ||
	    vmdk_le64(k + K_GT_SIZE) != SE_GT_SECTORS || vmdk_le64(k + K_FLAGS))
		return bad(x, "grain or table size, or flags, are not the known ones");
	if (vmdk_le64(k + K_CAPACITY) < x->sectors ||
	    vmdk_le64(k + K_CAPACITY) > VMDK_MAX_CAPACITY)
		return vmdk_seterr_at(x->eb, VMDK_E_BAD_DESCRIPTOR, x->path,
				      "seSparse capacity %llu does not fit the "
				      "descriptor's %llu sectors",
				      (unsigned long long)vmdk_le64(k + K_CAPACITY),
				      (unsigned long long)x->sectors);
	if (!vmdk_is_zero(k + 0x30, 0x20) || !vmdk_is_zero(k + 0xd0, VMDK_SECTOR - 0xd0))
		return bad(x, "constant header has non-zero reserved bytes");
	if (vol == 0 || vol >= x->file_size / VMDK_SECTOR ||
	    vmdk_extent_pread(x, v, VMDK_SECTOR, vol * VMDK_SECTOR) < 0)
		return bad(x, "volatile header lies outside the file");
	if (vmdk_le64(v) != SE_VOLATILE_MAGIC)
		return bad(x, "volatile header has a bad magic number");
	if (vmdk_le64(v + 0x18))
		return bad(x, "journal must be replayed first (disk not closed cleanly)");
	return 0;
}

static int se_open(struct vmdk_extent *x, const uint8_t *k)
{
	struct sesparse *s = calloc(1, sizeof(*s));
	uint64_t gd_off, gd_size, need;
	int err;

	if (!s)
		return -ENOMEM;
	x->priv = s;
	x->writable = false;
	err = check_headers(x, k);
	gd_off = vmdk_le64(k + K_GD_OFF);
	gd_size = vmdk_le64(k + K_GD_SIZE);
	s->gt_off = vmdk_le64(k + K_GT_OFF);
	s->gt_pool = vmdk_le64(k + K_GT_POOL);
	s->grains_off = vmdk_le64(k + K_GRAINS_OFF);
	s->grains_size = vmdk_le64(k + K_GRAINS_SIZE);
	s->gd_entries = gd_size * 64;
	need = (x->sectors + SE_GTES * SE_GRAIN - 1) / (SE_GTES * SE_GRAIN);
	/* Bounded by the file before anything is allocated. */
	if (err == 0 && (gd_off == 0 || gd_size > x->file_size / VMDK_SECTOR ||
			 gd_off > x->file_size / VMDK_SECTOR - gd_size || s->gd_entries < need))
		err = bad(x, "grain directory lies outside the file or is too small");
	if (err == 0 && !(s->gd = malloc(gd_size * VMDK_SECTOR)))
		err = -ENOMEM;
	if (err == 0 &&
	    vmdk_extent_pread(x, s->gd, gd_size * VMDK_SECTOR, gd_off * VMDK_SECTOR) < 0)
		err = bad(x, "grain directory cannot be read");
	for (uint64_t i = 0; err == 0 && i < s->gd_entries; i++)
		s->gd[i] = vmdk_le64(&s->gd[i]);
	if (err < 0) {
		free(s->gd);
		free(s);
		x->priv = NULL;
	}
	return err;
}

static int table(struct vmdk_extent *x, uint64_t gde, struct se_table **out)
{
	struct sesparse *s = S(x);
	uint64_t index = gde & 0xffffffffu, at = s->gt_off + index * SE_GT_SECTORS;
	struct se_table *t = &s->cache[index % SE_CACHE];

	if ((gde >> 32) != 0x10000000u || index >= s->gt_pool / SE_GT_SECTORS ||
	    at + SE_GT_SECTORS > x->file_size / VMDK_SECTOR)
		return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				      "seSparse directory entry %016llx is invalid",
				      (unsigned long long)gde);
	if (!t->valid || t->index != index) {
		t->valid = false;
		if (vmdk_extent_pread(x, t->e, sizeof(t->e), at * VMDK_SECTOR) < 0)
			return bad(x, "grain table cannot be read");
		for (unsigned i = 0; i < SE_GTES; i++)
			t->e[i] = vmdk_le64(&t->e[i]);
		t->valid = true;
		t->index = index;
	}
	*out = t;
	return 0;
}

/* Status of the grain holding @sector; *data its first sector in the file. */
static int grain_state(struct vmdk_extent *x, uint64_t sector, uint64_t *data)
{
	struct sesparse *s = S(x);
	uint64_t g = sector / SE_GRAIN, gdi = g / SE_GTES, e, idx;
	struct se_table *t = NULL;
	int err;

	if (gdi >= s->gd_entries)
		return vmdk_seterr_at(x->eb, VMDK_E_OUT_OF_RANGE, x->path,
				      "sector beyond the directory");
	if (s->gd[gdi] == 0)
		return VMDK_BS_UNALLOC;
	err = table(x, s->gd[gdi], &t);
	if (err < 0)
		return err;
	e = t->e[g % SE_GTES];
	switch (e >> 60) {
	case 0:
		if (e)
			break;
		return VMDK_BS_UNALLOC;
	case 1:	/* unmapped */
	case 2:	/* zeroed */
		return VMDK_BS_ZERO;
	case 3:
		idx = ((e & 0x0fff000000000000ull) >> 48) |
		      ((e & 0x0000ffffffffffffull) << 12);
		if (idx >= s->grains_size / SE_GRAIN ||
		    s->grains_off + (idx + 1) * SE_GRAIN > x->file_size / VMDK_SECTOR)
			break;
		*data = s->grains_off + idx * SE_GRAIN;
		return VMDK_BS_DATA;
	}
	return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
			      "seSparse grain table entry %016llx is invalid",
			      (unsigned long long)e);
}

static int grain_state_of(struct vmdk_extent *x, uint64_t grain)
{
	uint64_t data;

	return grain_state(x, grain * SE_GRAIN, &data);
}

static int se_status(struct vmdk_extent *x, uint64_t sector, uint64_t n,
		     uint64_t *run)
{
	return vmdk_grain_run(x, sector, n, SE_GRAIN, grain_state_of, run);
}

static int se_read(struct vmdk_extent *x, uint64_t sector, uint32_t n,
		   void *buf)
{
	uint8_t *out = buf;

	while (n > 0) {
		uint32_t within = (uint32_t)(sector % SE_GRAIN);
		uint32_t take = SE_GRAIN - within < n ? SE_GRAIN - within : n;
		uint64_t data = 0;
		int st = grain_state(x, sector, &data);

		if (st < 0)
			return st;
		if (st != VMDK_BS_DATA)
			memset(out, 0, take * VMDK_SECTOR);
		else if (vmdk_extent_pread(x, out, take * VMDK_SECTOR,
					   (data + within) * VMDK_SECTOR) < 0)
			return bad(x, "grain cannot be read");
		out += take * VMDK_SECTOR;
		sector += take;
		n -= take;
	}
	return 0;
}

static int se_flush(struct vmdk_extent *x)
{
	(void)x;
	return 0;
}

static int se_close(struct vmdk_extent *x)
{
	if (S(x)) {
		free(S(x)->gd);
		free(S(x));
		x->priv = NULL;
	}
	return 0;
}

static void se_describe(const struct vmdk_extent *x, struct vmdk_extent_info *ei)
{
	(void)x;
	ei->grain_size = SE_GRAIN;
}

static void se_descriptor_area(const struct vmdk_extent *x, uint64_t *off,
			       uint64_t *len)
{
	(void)x;
	*off = *len = 0;
}

const struct vmdk_format_ops vmdk_sesparse_ops = {
	.name = "seSparse",
	.kinds = (const char *const[]){ "SESPARSE", NULL },
	.magic = { "\xbe\xba\xfe\xca\0\0\0\0", 8, 0 },
	.open = se_open,
	.status = se_status,
	.read = se_read,
	.write = NULL,
	.flush = se_flush,
	.close = se_close,
	.describe = se_describe,
	.descriptor_area = se_descriptor_area,
};
