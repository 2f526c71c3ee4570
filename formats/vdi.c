/* SPDX-License-Identifier: MIT */
/* vdi.c --- VirtualBox VDI images (static, dynamic, differencing), read
 * only, from the header's versions 1.1 (and 1.1+) and 0.  A block map
 * entry is a block's ordinal in the data area, "free" (the parent's, or
 * zeros) or "zero".  The map is read a page at a time, so that memory
 * does not grow with the disk.  A differencing image names its parent
 * by UUID alone; image_link.c finds it in the same directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

#define VDI_FREE 0xffffffffu
#define VDI_ZERO 0xfffffffeu
#define VDI_V1 0x00010000u	/* major 1 (VirtualBox checks the major only) */
#define VDI_V0 0x00000002u
enum { VDI_NORMAL = 1, VDI_FIXED = 2, VDI_UNDO = 3, VDI_DIFF = 4 };

/* Where each field lies in the two header versions. */
struct vdi_layout {
	unsigned type, blocks_off, data_off, disk, block, extra, count, allocated,
		 create, linkage;
};
static const struct vdi_layout v1 = { 0x4c, 0x154, 0x158, 0x170, 0x178, 0x17c,
				      0x180, 0x184, 0x188, 0x1a8 };
static const struct vdi_layout v0 = { 0x48, 0, 0, 0x160, 0x168, 0, 0x16c,
				      0x170, 0x174, 0x194 };
#define V0_MAP 0x1a4u

struct vdi {
	uint32_t version, type;
	uint64_t size, map_off, data_off;
	uint32_t block, extra, count, allocated;
	uint8_t create[16], linkage[16];
	bool child;
	struct vmdk_entry_pages map;
	char notes[96];
};

#define D(x) ((struct vdi *)(x)->priv)

static int damaged(struct vmdk_extent *x, const char *what)
{
	return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path, "VDI %s", what);
}

static bool is_zero16(const uint8_t *u)
{
	static const uint8_t z[16];

	return memcmp(u, z, 16) == 0;
}

static int parse(struct vmdk_extent *x, struct vdi *v, const uint8_t *h)
{
	const struct vdi_layout *l = v->version == VDI_V0 ? &v0 : &v1;

	v->type = vmdk_le32(h + l->type);
	v->size = vmdk_le64(h + l->disk);
	v->block = vmdk_le32(h + l->block);
	v->count = vmdk_le32(h + l->count);
	v->allocated = vmdk_le32(h + l->allocated);
	memcpy(v->create, h + l->create, 16);
	memcpy(v->linkage, h + l->linkage, 16);
	if (v->version == VDI_V0) {
		v->map_off = V0_MAP;
		v->data_off = V0_MAP + 4ull * v->count;
	} else {
		if (vmdk_le32(h + 0x48) < 0x180)
			return damaged(x, "header is shorter than version 1.1's");
		v->map_off = vmdk_le32(h + l->blocks_off);
		v->data_off = vmdk_le32(h + l->data_off);
		v->extra = vmdk_le32(h + l->extra);
	}
	if (v->type < VDI_NORMAL || v->type > VDI_DIFF)
		return damaged(x, "image type is not 1 to 4");
	if (!v->block || (v->block & (v->block - 1)) || v->block < VMDK_SECTOR)
		return damaged(x, "block size is not a power of two");
	if (v->extra & (v->extra - 1) || v->extra % VMDK_SECTOR)
		return damaged(x, "block extra data is not 0 or a power of two sectors");
	if (v->size == 0 || v->size > VMDK_MAX_CAPACITY * VMDK_SECTOR)
		return vmdk_seterr_at(x->eb, VMDK_E_TOO_BIG, x->path,
				      "VDI of size %llu "
				      "(1 byte to 64 TiB are read)",
				      (unsigned long long)v->size);
	if ((uint64_t)v->count * v->block < v->size || v->allocated > v->count)
		return damaged(x, "block counts do not cover the disk");
	if (v->map_off < 0x48 || v->data_off < v->map_off + 4ull * v->count ||
	    v->map_off + 4ull * v->count > x->file_size)
		return damaged(x, "block map lies outside the file");
	v->child = !is_zero16(v->linkage);
	return 0;
}

static int read_map(struct vmdk_extent *x, void *buf, size_t len, uint64_t off)
{
	int err = vmdk_extent_pread(x, buf, len, off);

	return err < 0 ? vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err)) : 0;
}

static int vdi_open(struct vmdk_extent *x, const uint8_t *first)
{
	struct vdi *v = calloc(1, sizeof(*v));
	uint8_t h[512] = { 0 };
	int err;

	(void)first;
	if (!v)
		return -ENOMEM;
	x->priv = v;
	x->writable = false;
	if (x->file_size < 0x1d8)
		return damaged(x, "header is truncated");
	err = vmdk_extent_pread(x, h, sizeof(h) < x->file_size ? sizeof(h)
							       : (size_t)x->file_size, 0);
	if (err < 0)
		return vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err));
	v->version = vmdk_le32(h + 0x44);
	if (v->version >> 16 != 1 && v->version != VDI_V0)
		return vmdk_seterr_at(x->eb, VMDK_E_UNSUPPORTED_VERSION, x->path,
				      "VDI version "
				      "%u.%u is not read",
				      v->version >> 16, v->version & 0xffff);
	if (v->version >> 16 == 1)
		v->version = VDI_V1;
	err = parse(x, v, h);
	if (err < 0)
		return err;
	/* VirtualBox rounds an odd size down (qemu up); the last part
	 * sector is read as zeros past the size. */
	x->sectors = (v->size + VMDK_SECTOR - 1) / VMDK_SECTOR;
	v->map = (struct vmdk_entry_pages){ .off = v->map_off, .count = v->count,
					    .width = 4, .read = read_map };
	if (v->size % VMDK_SECTOR)
		snprintf(v->notes, sizeof(v->notes), "size %llu is not whole sectors",
			 (unsigned long long)v->size);
	return 0;
}

/* Entry @b of the block map. */
static int map_entry(struct vmdk_extent *x, uint64_t b, uint32_t *e)
{
	uint64_t v;
	int err = vmdk_entry_pages_get(&D(x)->map, x, b, &v);

	*e = (uint32_t)v;
	return err;
}

static int block_state(struct vmdk_extent *x, uint64_t b)
{
	uint32_t e;
	int err = map_entry(x, b, &e);

	if (err < 0)
		return err;
	return e == VDI_FREE ? VMDK_BS_UNALLOC : e == VDI_ZERO ? VMDK_BS_ZERO
							       : VMDK_BS_DATA;
}

static int vdi_status(struct vmdk_extent *x, uint64_t sector, uint64_t n,
		      uint64_t *run)
{
	return vmdk_grain_run(x, sector, n, D(x)->block / VMDK_SECTOR, block_state, run);
}

/* Where the data of block @b (entry @e) starts in the file. */
static uint64_t block_at(const struct vdi *v, uint32_t e)
{
	return v->data_off + (uint64_t)e * (v->extra + (uint64_t)v->block) + v->extra;
}

/* Only runs the status slot called DATA come here. */
static int vdi_read(struct vmdk_extent *x, uint64_t sector, uint32_t n, void *buf)
{
	struct vdi *v = D(x);
	uint64_t per = v->block / VMDK_SECTOR;
	uint8_t *out = buf;

	while (n > 0) {
		uint64_t b = sector / per, in = sector % per;
		uint64_t take = per - in < n ? per - in : n, off, len = take * VMDK_SECTOR;
		uint32_t e;
		int err = map_entry(x, b, &e);

		if (err < 0)
			return err;
		off = block_at(v, e) + in * VMDK_SECTOR;
		if (e >= v->allocated || off > x->file_size || len > x->file_size - off)
			return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
					      "VDI block %llu "
					      "names data past the end of the file",
					      (unsigned long long)b);
		err = vmdk_extent_pread(x, out, len, off);
		if (err < 0)
			return vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err));
		out += len;
		sector += take;
		n -= (uint32_t)take;
	}
	return 0;
}

static int vdi_close(struct vmdk_extent *x)
{
	free(x->priv);
	x->priv = NULL;
	return 0;
}

static int entry_problem(struct vmdk_check_ctx *c, int code, uint64_t b,
			 const char *what)
{
	struct vdi *v = D(c->x);

	return vmdk_check_report(c, &(struct vmdk_problem_at){
		.code = code, .severity = VMDK_SEV_ERROR, .offset = VMDK_NO_OFFSET,
		.gd_index = -1, .gt_index = (int64_t)b, .lba = b * (v->block / VMDK_SECTOR),
		.lba_count = v->block / VMDK_SECTOR }, "block %llu %s",
		(unsigned long long)b, what);
}

/* Every entry an ordinal below the allocated count, inside the file,
 * named once; the count as the header says. */
static int check_map(struct vmdk_check_ctx *c)
{
	struct vmdk_extent *x = c->x;
	struct vdi *v = D(x);
	uint8_t *seen = calloc(1, v->allocated / 8 + 1);
	uint64_t used = 0;
	int err = seen ? 0 : -ENOMEM;

	c->tables = 1;
	for (uint64_t b = 0; err == 0 && b < v->count; b++) {
		uint32_t e;
		uint64_t off;
		if ((err = map_entry(x, b, &e)) < 0 || e == VDI_FREE || e == VDI_ZERO)
			continue;
		c->grains++;
		used++;
		off = block_at(v, e);
		if (e >= v->allocated)
			err = entry_problem(c, VMDK_P_GTE_OUTSIDE, b, "names a block past "
					    "the header's allocated count");
		else if (off > x->file_size || v->block > x->file_size - off)
			err = entry_problem(c, VMDK_P_GTE_OUTSIDE, b, "names data past "
					    "the end of the file");
		else if (seen[e / 8] >> (e % 8) & 1)
			err = entry_problem(c, VMDK_P_GTE_SHARED, b, "names a block "
					    "another entry names");
		else
			seen[e / 8] |= (uint8_t)(1u << (e % 8));
	}
	free(seen);
	if (err == 0 && used != v->allocated)
		err = vmdk_check_report(c, &(struct vmdk_problem_at){
			.code = VMDK_P_HEADER, .severity = VMDK_SEV_WARNING,
			.offset = VMDK_NO_OFFSET, .gd_index = -1, .gt_index = -1 },
			"header counts %u allocated blocks, the map names %llu",
			v->allocated, (unsigned long long)used);
	return err;
}

/* Read only: the header, then every map entry.  Nothing is fixed. */
static int vdi_check(struct vmdk_check_ctx *c, const uint8_t *first)
{
	return vmdk_image_check(c, first, check_map);
}

static void vdi_describe(const struct vmdk_extent *x, struct vmdk_extent_info *ei)
{
	const struct vdi *v = D(x);
	static const char *const kinds[] = { [VDI_NORMAL] = "VDI dynamic",
		[VDI_FIXED] = "VDI static", [VDI_UNDO] = "VDI undo",
		[VDI_DIFF] = "VDI differencing" };

	ei->format = kinds[v->type];
	ei->version = v->version == VDI_V0 ? 0 : 1;
	ei->grain_size = v->block / VMDK_SECTOR;
	ei->notes = v->notes[0] ? v->notes : NULL;
}

void vmdk_vdi_meta(const struct vmdk_extent *x, struct vmdk_image_meta *m)
{
	const struct vdi *v = D(x);

	m->id = v->create;
	m->parent_id = v->child ? v->linkage : NULL;
	m->backing_format = v->child ? "VDI" : NULL;
}

int vmdk_vdi_head_id(const uint8_t *head, size_t got, uint8_t *id)
{
	uint32_t version;
	unsigned at;

	if (got < 0x1d8)
		return -1;
	version = vmdk_le32(head + 0x44);
	at = version == VDI_V0 ? v0.create : v1.create;
	memcpy(id, head + at, 16);
	return version >> 16 == 1 || version == VDI_V0 ? 0 : -1;
}

const struct vmdk_format_ops vmdk_vdi_ops = {
	.name = "VDI",
	.open = vdi_open,
	.status = vdi_status,
	.read = vdi_read,
	.flush = vmdk_image_flush,
	.close = vdi_close,
	.describe = vdi_describe,
	.descriptor_area = vmdk_image_no_descriptor,
	.check = vdi_check,
	.no_write_hint = "VDI images are read, never written, here; "
			 "convert it with vmdk-clone",
	.no_grow_hint = "VDI images are read, never written, here; "
			"convert it with vmdk-clone",
};
