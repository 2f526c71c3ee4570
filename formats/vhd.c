/* SPDX-License-Identifier: MIT */
/* vhd.c --- VHD images (fixed, dynamic, differencing), read only.  The
 * footer is taken from the end of the file, or from its copy at the
 * start of a dynamic image when the end's is damaged; checksums are
 * verified.  The size is the footer's current size, as Hyper-V takes it
 * (the CHS geometry's, which qemu takes for some creators, is noted when
 * it differs).  A dynamic image's blocks start with a sector bitmap:
 * sectors whose bit is clear are not held (zeros, or the parent's). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhd.h"

/* Footer fields. */
enum { F_DATA_OFFSET = 16, F_CREATOR = 28, F_CURRENT_SIZE = 48, F_GEOMETRY = 56,
       F_TYPE = 60, F_CHECKSUM = 64, F_UNIQUE_ID = 68 };
/* Dynamic header fields. */
enum { D_TABLE_OFFSET = 16, D_ENTRIES = 28, D_BLOCK_SIZE = 32, D_CHECKSUM = 36,
       D_PARENT_ID = 40 };
#define VHD_NO_BLOCK 0xffffffffu

#define V(x) ((struct vhd *)(x)->priv)

uint32_t vhd_checksum(const uint8_t *p, size_t len, size_t skip)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i++)
		if (i < skip || i >= skip + 4)
			sum += p[i];
	return ~sum;
}

static int damaged(struct vmdk_extent *x, const char *what)
{
	return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path, "VHD %s", what);
}

static bool footer_ok(const uint8_t *f)
{
	return memcmp(f, "conectix", 8) == 0 &&
	       vmdk_be32(f + F_CHECKSUM) == vhd_checksum(f, VHD_FOOTER, F_CHECKSUM);
}

/* The footer at the end; its copy at the start (dynamic images) when
 * the end's does not check out. */
static int read_footer(struct vmdk_extent *x, struct vhd *v)
{
	uint8_t copy[VHD_FOOTER];
	int err;

	if (x->file_size < VHD_FOOTER)
		return damaged(x, "file is shorter than its footer");
	err = vmdk_extent_pread(x, v->footer, VHD_FOOTER, x->file_size - VHD_FOOTER);
	if (err == 0 && footer_ok(v->footer))
		return 0;
	if (err == 0)
		err = vmdk_extent_pread(x, copy, VHD_FOOTER, 0);
	if (err < 0)
		return vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err));
	if (!footer_ok(copy))
		return damaged(x, "footer and its copy are both damaged (signature or "
			       "checksum)");
	memcpy(v->footer, copy, VHD_FOOTER);
	v->footer_copy_used = true;
	return 0;
}

/* The block table's bytes, read a page at a time. */
static int read_table(struct vmdk_extent *x, void *buf, size_t len, uint64_t off)
{
	int err = vmdk_extent_pread(x, buf, len, off);

	return err < 0 ? vmdk_seterr_at(x->eb, err, x->path, "reading its block table: %s",
					vmdk_strerror(err))
		       : 0;
}

static int read_bat(struct vmdk_extent *x, struct vhd *v)
{
	uint64_t off = vmdk_be64(v->dyn + D_TABLE_OFFSET), need;

	v->entries = vmdk_be32(v->dyn + D_ENTRIES);
	v->block_size = vmdk_be32(v->dyn + D_BLOCK_SIZE);
	if (v->block_size < VMDK_SECTOR || v->block_size > (256u << 20) ||
	    (v->block_size & (v->block_size - 1)))
		return damaged(x, "block size is not a power of two from 512 bytes to 256 MiB");
	need = (v->size + v->block_size - 1) / v->block_size;
	if (v->entries < need)
		return damaged(x, "block table is too small for the disk's size");
	v->entries = (uint32_t)need;	/* entries past the disk are never read */
	if (off > x->file_size || v->entries * 4ull > x->file_size - off)
		return damaged(x, "block table lies outside the file");
	v->bitmap_bytes = (v->block_size / VMDK_SECTOR / 8 + VMDK_SECTOR - 1) /
			  VMDK_SECTOR * VMDK_SECTOR;
	v->bitmap = malloc(v->bitmap_bytes);
	v->bat = (struct vmdk_entry_pages){ .off = off, .count = v->entries, .width = 4,
					    .big = true, .read = read_table };
	return v->bitmap ? 0 : -ENOMEM;
}

/* Entry @b of the block table: the sector of its bitmap, or VHD_NO_BLOCK. */
static int bat_entry(struct vmdk_extent *x, uint64_t b, uint32_t *e)
{
	uint64_t v;
	int err = vmdk_entry_pages_get(&V(x)->bat, x, b, &v);

	*e = (uint32_t)v;
	return err;
}

static int read_dynamic(struct vmdk_extent *x, struct vhd *v)
{
	uint64_t off = vmdk_be64(v->footer + F_DATA_OFFSET);
	int err;

	if (off > x->file_size || VHD_DYN_HEADER > x->file_size - off)
		return damaged(x, "dynamic header lies outside the file");
	err = vmdk_extent_pread(x, v->dyn, VHD_DYN_HEADER, off);
	if (err < 0)
		return vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err));
	if (memcmp(v->dyn, "cxsparse", 8) ||
	    vmdk_be32(v->dyn + D_CHECKSUM) != vhd_checksum(v->dyn, VHD_DYN_HEADER,
							   D_CHECKSUM))
		return damaged(x, "dynamic header is damaged (signature or checksum)");
	err = read_bat(x, v);
	if (err == 0 && v->type == VHD_DIFF) {
		err = vhd_parent_name(x, v->dyn, &v->parent);
		if (err == 0 && !v->parent)
			err = damaged(x, "differencing image names no parent");
	}
	return err;
}

static void write_notes(struct vhd *v)
{
	size_t n = 0;

	if (v->footer_copy_used)
		n += (size_t)snprintf(v->notes, sizeof(v->notes), "the footer at the end is "
				      "damaged: its copy at the start was used; ");
	if (v->chs_bytes != v->size && n < sizeof(v->notes))
		snprintf(v->notes + n, sizeof(v->notes) - n, "CHS geometry gives %llu "
			 "bytes, the current size %llu (taken, as Hyper-V does)",
			 (unsigned long long)v->chs_bytes, (unsigned long long)v->size);
	n = strlen(v->notes);
	if (n >= 2 && v->notes[n - 2] == ';')
		v->notes[n - 2] = '\0';
}

static int vhd_open(struct vmdk_extent *x, const uint8_t *first)
{
	struct vhd *v = calloc(1, sizeof(*v));
	const uint8_t *g;
	int err;

	(void)first;
	if (!v)
		return -ENOMEM;
	x->priv = v;
	x->writable = false;
	err = read_footer(x, v);
	if (err < 0)
		return err;
	v->type = vmdk_be32(v->footer + F_TYPE);
	v->size = vmdk_be64(v->footer + F_CURRENT_SIZE);
	g = v->footer + F_GEOMETRY;
	v->chs_bytes = ((uint64_t)g[0] << 8 | g[1]) * g[2] * g[3] * VMDK_SECTOR;
	if (v->type != VHD_FIXED && v->type != VHD_DYNAMIC && v->type != VHD_DIFF)
		return damaged(x, "disk type is not fixed, dynamic or differencing");
	if (v->size == 0 || v->size > VMDK_MAX_CAPACITY * VMDK_SECTOR)
		return vmdk_seterr_at(x->eb, VMDK_E_TOO_BIG, x->path,
				      "VHD of size %llu "
				      "(1 byte to 64 TiB are read)",
				      (unsigned long long)v->size);
	if (v->type == VHD_FIXED && v->size > x->file_size - VHD_FOOTER)
		return damaged(x, "fixed image is shorter than its size");
	if (v->type != VHD_FIXED && (err = read_dynamic(x, v)) < 0)
		return err;
	x->sectors = (v->size + VMDK_SECTOR - 1) / VMDK_SECTOR;
	write_notes(v);
	return 0;
}

/* The bitmap of block @b (allocated), read once for a run of reads. */
static int block_bitmap(struct vmdk_extent *x, uint64_t b)
{
	struct vhd *v = V(x);
	uint32_t e;
	uint64_t off;
	int err;

	if (v->bitmap_block == b + 1)
		return 0;
	if ((err = bat_entry(x, b, &e)) < 0)
		return err;
	off = (uint64_t)e * VMDK_SECTOR;
	if (off > x->file_size || v->bitmap_bytes + (uint64_t)v->block_size >
				  x->file_size - off)
		return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				      "VHD block %llu "
				      "lies outside the file",
				      (unsigned long long)b);
	v->bitmap_block = 0;
	err = vmdk_extent_pread(x, v->bitmap, v->bitmap_bytes, off);
	if (err < 0)
		return vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err));
	v->bitmap_block = b + 1;
	return 0;
}

static bool sector_held(const struct vhd *v, uint64_t s)
{
	return v->bitmap[s / 8] >> (7 - s % 8) & 1;
}

static int vhd_status(struct vmdk_extent *x, uint64_t sector, uint64_t n,
		      uint64_t *run)
{
	struct vhd *v = V(x);
	uint64_t per, b, in, left, i;
	uint32_t e;
	bool held;
	int err;

	if (v->type == VHD_FIXED) {
		*run = n;
		return VMDK_BS_DATA;
	}
	per = v->block_size / VMDK_SECTOR;
	b = sector / per;
	in = sector % per;
	left = per - in < n ? per - in : n;
	if ((err = bat_entry(x, b, &e)) < 0)
		return err;
	if (e == VHD_NO_BLOCK) {
		*run = left;
		return VMDK_BS_UNALLOC;
	}
	if ((err = block_bitmap(x, b)) < 0)
		return err;
	held = sector_held(v, in);
	for (i = 1; i < left && sector_held(v, in + i) == held; i++)
		;
	*run = i;
	return held ? VMDK_BS_DATA : VMDK_BS_UNALLOC;
}

/* Only runs the status slot called DATA come here. */
static int vhd_read(struct vmdk_extent *x, uint64_t sector, uint32_t n, void *buf)
{
	struct vhd *v = V(x);
	uint8_t *out = buf;

	while (n > 0) {
		uint64_t take = n, off = sector * VMDK_SECTOR;
		int err;

		if (v->type != VHD_FIXED) {
			uint64_t per = v->block_size / VMDK_SECTOR, in = sector % per;
			uint32_t e;
			if ((err = bat_entry(x, sector / per, &e)) < 0)
				return err;
			take = per - in < n ? per - in : n;
			off = (uint64_t)e * VMDK_SECTOR + v->bitmap_bytes + in * VMDK_SECTOR;
		}
		/* The last sector of an odd size is read as far as it goes. */
		if (sector + take == x->sectors && v->size % VMDK_SECTOR) {
			memset(out + (take - 1) * VMDK_SECTOR, 0, VMDK_SECTOR);
			err = vmdk_extent_pread(x, out, (take - 1) * VMDK_SECTOR +
						v->size % VMDK_SECTOR, off);
		} else {
			err = vmdk_extent_pread(x, out, take * VMDK_SECTOR, off);
		}
		if (err < 0)
			return vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err));
		out += take * VMDK_SECTOR;
		sector += take;
		n -= (uint32_t)take;
	}
	return 0;
}

static int by_offset(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int block_problem(struct vmdk_check_ctx *c, int code, uint64_t b,
			 const char *what)
{
	struct vhd *v = V(c->x);

	return vmdk_check_report(c, &(struct vmdk_problem_at){
		.code = code, .severity = VMDK_SEV_ERROR, .offset = VMDK_NO_OFFSET,
		.gd_index = -1, .gt_index = (int64_t)b,
		.lba = b * (v->block_size / VMDK_SECTOR),
		.lba_count = v->block_size / VMDK_SECTOR }, "block %llu %s",
		(unsigned long long)b, what);
}

/* Every allocated block inside the file, clear of the metadata, and no
 * two sharing space. */
static int check_blocks(struct vmdk_check_ctx *c)
{
	struct vmdk_extent *x = c->x;
	struct vhd *v = V(x);
	uint64_t span = v->bitmap_bytes + (uint64_t)v->block_size;
	uint64_t meta_end = vmdk_be64(v->dyn + D_TABLE_OFFSET) + v->entries * 4ull;
	/* No more blocks than the file has room for lie apart in it. */
	uint64_t room = x->file_size / span + 1, cap = room < v->entries ? room : v->entries;
	uint32_t *sorted, n = 0, e;
	int err;

	if (v->type == VHD_FIXED)
		return 0;
	if (!(sorted = malloc(cap * 4 + 4)))
		return -ENOMEM;
	c->tables = 1;
	err = 0;
	for (uint32_t b = 0; b < v->entries && (err = bat_entry(x, b, &e)) == 0; b++) {
		uint64_t off = (uint64_t)e * VMDK_SECTOR;
		if (e == VHD_NO_BLOCK)
			continue;
		c->grains++;
		if (off > x->file_size - VHD_FOOTER || span > x->file_size - VHD_FOOTER - off)
			err = block_problem(c, VMDK_P_GTE_OUTSIDE, b, "lies past the end "
					    "of the file (or over its footer)");
		else if (off < meta_end && off + span > VHD_FOOTER)
			err = block_problem(c, VMDK_P_GTE_METADATA, b, "lies over the "
					    "headers or the block table");
		else if (n == cap)
			err = block_problem(c, VMDK_P_GTE_SHARED, b, "shares its space with "
					    "another block");
		else
			sorted[n++] = e;
		if (err < 0)
			break;
	}
	if (err == 0)
		qsort(sorted, n, sizeof(*sorted), by_offset);
	for (uint32_t i = 1; err == 0 && i < n; i++)
		if ((uint64_t)sorted[i] * VMDK_SECTOR < (uint64_t)sorted[i - 1] *
		    VMDK_SECTOR + span)
			for (uint32_t b = 0; err == 0 && b < v->entries; b++)
				if ((err = bat_entry(x, b, &e)) == 0 && e == sorted[i])
					err = block_problem(c, VMDK_P_GTE_SHARED, b,
							    "shares its space with "
							    "another block");
	free(sorted);
	return err;
}

/* Read only: what the footer or the dynamic header says wrong ends the
 * check; then every block of the table.  Nothing is fixed. */
static int vhd_check(struct vmdk_check_ctx *c, const uint8_t *first)
{
	return vmdk_image_check(c, first, check_blocks);
}

static int vhd_close(struct vmdk_extent *x)
{
	struct vhd *v = V(x);

	if (!v)
		return 0;
	free(v->bitmap);
	free(v->parent);
	free(v);
	x->priv = NULL;
	return 0;
}

static void vhd_describe(const struct vmdk_extent *x, struct vmdk_extent_info *ei)
{
	const struct vhd *v = V(x);
	static const char *const kinds[] = { [VHD_FIXED] = "VHD fixed",
		[VHD_DYNAMIC] = "VHD dynamic", [VHD_DIFF] = "VHD differencing" };

	ei->format = kinds[v->type];
	ei->grain_size = v->type == VHD_FIXED ? 0 : v->block_size / VMDK_SECTOR;
	ei->notes = v->notes[0] ? v->notes : NULL;
}

void vmdk_vhd_meta(const struct vmdk_extent *x, struct vmdk_image_meta *m)
{
	const struct vhd *v = V(x);

	m->backing = v->parent;
	m->backing_format = v->parent ? "VHD" : NULL;
	m->id = v->footer + F_UNIQUE_ID;
	m->parent_id = v->type == VHD_DIFF ? v->dyn + D_PARENT_ID : NULL;
}

const struct vmdk_format_ops vmdk_vhd_ops = {
	.name = "VHD",
	.open = vhd_open,
	.status = vhd_status,
	.read = vhd_read,
	.flush = vmdk_image_flush,
	.close = vhd_close,
	.describe = vhd_describe,
	.check = vhd_check,
	.descriptor_area = vmdk_image_no_descriptor,
	.no_write_hint = "VHD images are read, never written, here; "
			 "convert it with vmdk-clone",
	.no_grow_hint = "VHD images are read, never written, here; "
			"convert it with vmdk-clone",
};
