/* SPDX-License-Identifier: MIT */
/* vhdx.c --- VHDX images (fixed, dynamic, differencing; 512 and 4096-byte
 * logical sectors), read only.  Of the two headers the valid one with
 * the higher sequence number is current; the region table is taken from
 * the first copy whose checksum holds.  A log holding entries not yet
 * replayed (vhdx_log.c) is replayed in memory first, never written back.
 * The BAT is read a page at a time; a partially present block's sector
 * bitmap says which sectors are the child's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhdx.h"

#define HEADER_AT (64u << 10)
#define HEADER_LEN 4096u
#define REGIONS_AT (192u << 10)
#define REGIONS_LEN (64u << 10)

enum { PB_NOT_PRESENT = 0, PB_UNDEFINED = 1, PB_ZERO = 2, PB_UNMAPPED = 3,
       PB_FULLY_PRESENT = 6, PB_PARTIALLY_PRESENT = 7 };

static const char *const bat_region = "2dc27766-f623-4200-9d64-115e9bfd4a08";
static const char *const meta_region = "8b7ca206-4790-4b9a-b8fe-575f050f886e";

#define X(x) ((struct vhdx *)(x)->priv)

static int damaged(struct vmdk_extent *x, const char *what)
{
	return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path, "VHDX %s", what);
}

static int io_error(struct vmdk_extent *x, int err)
{
	return vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err));
}

/* @len bytes whose 32-bit checksum at @at holds their CRC-32C. */
static bool crc_holds(uint8_t *p, size_t len, size_t at)
{
	uint32_t want = vmdk_le32(p + at);

	memset(p + at, 0, 4);
	return vmdk_crc32c(p, len) == want;
}

static bool zero_guid(const uint8_t *g)
{
	static const uint8_t z[16];

	return memcmp(g, z, 16) == 0;
}

/* The file's size, as the log may have extended it. */
static uint64_t file_end(const struct vmdk_extent *x, const struct vhdx *v)
{
	return v->log_file_size > x->file_size ? v->log_file_size : x->file_size;
}

/* The current header: valid, and of the higher sequence number. */
static int read_header(struct vmdk_extent *x, struct vhdx *v, uint8_t *h)
{
	uint8_t *c = malloc(2 * HEADER_LEN);
	uint64_t best = 0;
	int pick = -1, err = c ? 0 : -ENOMEM;

	for (int i = 0; err == 0 && i < 2; i++) {
		uint8_t *p = c + i * HEADER_LEN;
		if ((err = vmdk_extent_pread(x, p, HEADER_LEN, HEADER_AT * (i + 1ull))) < 0)
			break;
		if (memcmp(p, "head", 4) == 0 && crc_holds(p, HEADER_LEN, 4) &&
		    (pick < 0 || vmdk_le64(p + 8) > best)) {
			pick = i;
			best = vmdk_le64(p + 8);
		}
	}
	if (err == 0 && pick < 0)
		err = damaged(x, "both headers are damaged (signature or checksum)");
	if (err == 0) {
		memcpy(h, c + pick * HEADER_LEN, HEADER_LEN);
		memcpy(v->data_write_guid, h + 32, 16);
		if (vmdk_le16(h + 66) != 1)
			err = vmdk_seterr_at(x->eb, VMDK_E_UNSUPPORTED_VERSION, x->path,
					     "VHDX "
					     "format version %u is not 1",
					     vmdk_le16(h + 66));
	}
	free(c);
	return err == -ENODATA || (err < 0 && err > -1000 && err != -ENOMEM)
	       ? io_error(x, err) : err;
}

static int read_regions(struct vmdk_extent *x, struct vhdx *v)
{
	uint8_t *r = malloc(REGIONS_LEN), bat[16], meta[16];
	int err = r ? 0 : -ENOMEM, found = 0;

	vhdx_parse_guid(bat_region, bat);
	vhdx_parse_guid(meta_region, meta);
	for (int i = 0; err == 0 && i < 2; i++) {
		if ((err = vhdx_pread(x, v, r, REGIONS_LEN, REGIONS_AT +
				      (uint64_t)i * REGIONS_LEN)) < 0)
			break;
		if (memcmp(r, "regi", 4) == 0 && crc_holds(r, REGIONS_LEN, 4)) {
			found = 1;
			break;
		}
	}
	if (err == 0 && !found)
		err = damaged(x, "both region tables are damaged (signature or checksum)");
	for (uint32_t i = 0; err == 0 && i < vmdk_le32(r + 8) && i < 2047; i++) {
		const uint8_t *e = r + 16 + i * 32;
		uint64_t off = vmdk_le64(e + 16), len = vmdk_le32(e + 24);
		if (off > file_end(x, v) || len > file_end(x, v) - off)
			err = damaged(x, "a region lies outside the file");
		else if (!memcmp(e, bat, 16))
			v->bat_off = off, v->bat_len = len;
		else if (!memcmp(e, meta, 16))
			v->meta_off = off, v->meta_len = len;
		else if (vmdk_le32(e + 28) & 1)
			err = vmdk_seterr_at(x->eb, VMDK_E_NOT_SUPPORTED, x->path,
					     "VHDX region "
					     "required that is not known here");
	}
	if (err == 0 && (!v->bat_len || !v->meta_len))
		err = damaged(x, "region table lacks the BAT or the metadata");
	free(r);
	return err == -ENODATA ? io_error(x, err) : err;
}

static int check_parameters(struct vmdk_extent *x, struct vhdx *v)
{
	uint64_t blocks, chunks;

	if (v->block_size < VHDX_MiB || v->block_size > 256 * VHDX_MiB ||
	    (v->block_size & (v->block_size - 1)))
		return damaged(x, "block size is not a power of two from 1 to 256 MiB");
	if (v->logical_sector != 512 && v->logical_sector != 4096)
		return damaged(x, "logical sector size is neither 512 nor 4096");
	if (v->size == 0 || v->size % v->logical_sector ||
	    v->size > VMDK_MAX_CAPACITY * VMDK_SECTOR)
		return v->size > VMDK_MAX_CAPACITY * VMDK_SECTOR
			       ? vmdk_seterr_at(x->eb, VMDK_E_TOO_BIG, x->path,
						"VHDX larger than "
						"64 TiB")
			       : damaged(x, "virtual disk size is not whole logical sectors");
	v->chunk_ratio = (1ull << 23) * v->logical_sector / v->block_size;
	blocks = (v->size + v->block_size - 1) / v->block_size;
	chunks = (blocks + v->chunk_ratio - 1) / v->chunk_ratio;
	/* Each chunk of payload entries is followed by its sector bitmap's
	 * (a dynamic image's last chunk may leave its own out). */
	v->bat_entries = v->has_parent ? chunks * (v->chunk_ratio + 1)
				       : blocks + (blocks - 1) / v->chunk_ratio;
	if (v->bat_entries * 8 > v->bat_len)
		return damaged(x, "BAT region is too small for the disk's size");
	return 0;
}

static int read_bat(struct vmdk_extent *x, void *buf, size_t len, uint64_t off)
{
	int err = vhdx_pread(x, X(x), buf, len, off);

	return err < 0 ? io_error(x, err) : 0;
}

static int vhdx_open(struct vmdk_extent *x, const uint8_t *first)
{
	struct vhdx *v = calloc(1, sizeof(*v));
	uint8_t h[HEADER_LEN];
	int err;

	(void)first;
	if (!v)
		return -ENOMEM;
	x->priv = v;
	x->writable = false;
	if (x->file_size < REGIONS_AT + 2ull * REGIONS_LEN)
		return damaged(x, "file is shorter than its headers");
	err = read_header(x, v, h);
	/* Hyper-V stopped while writing: what the log holds is replayed in
	 * memory before anything else is read. */
	if (err == 0 && !zero_guid(h + 48))
		err = vhdx_log_replay(x, v, h);
	if (err == 0)
		err = read_regions(x, v);
	if (err == 0)
		err = vhdx_read_metadata(x, v);
	if (err == 0)
		err = check_parameters(x, v);
	if (err < 0)
		return err;
	x->sectors = v->size / VMDK_SECTOR;
	v->bat = (struct vmdk_entry_pages){ .off = v->bat_off, .count = v->bat_entries,
					    .width = 8, .read = read_bat };
	snprintf(v->notes, sizeof(v->notes), "%s%s%s",
		 v->logical_sector != 512 ? "4096-byte logical sectors" : "",
		 v->logical_sector != 512 && v->replayed ? "; " : "",
		 v->replayed ? "a log not replayed on disk: replayed in memory "
			       "(the file is unchanged)" : "");
	return 0;
}

/* BAT entry @i. */
static int bat_entry(struct vmdk_extent *x, uint64_t i, uint64_t *e)
{
	return vmdk_entry_pages_get(&X(x)->bat, x, i, e);
}

/* The entry of payload block @b, and of its chunk's sector bitmap. */
static int payload_entry(struct vmdk_extent *x, uint64_t b, uint64_t *e)
{
	struct vhdx *v = X(x);

	return bat_entry(x, b + b / v->chunk_ratio, e);
}

static uint64_t entry_offset(uint64_t e)
{
	return e & ~(uint64_t)(VHDX_MiB - 1);
}

/* The sector bitmap bits of payload block @b (partially present), kept
 * for the runs that follow. */
static int block_bitmap(struct vmdk_extent *x, uint64_t b)
{
	struct vhdx *v = X(x);
	uint64_t chunk = b / v->chunk_ratio, e, off;
	uint64_t bits = v->block_size / v->logical_sector, bytes = bits / 8;
	int err;

	if (v->bitmap_block == b + 1)
		return 0;
	if (!v->bitmap && !(v->bitmap = malloc(bytes)))
		return -ENOMEM;
	v->bitmap_block = 0;
	err = bat_entry(x, (chunk + 1) * (v->chunk_ratio + 1) - 1, &e);
	if (err < 0)
		return err;
	off = entry_offset(e) + (b % v->chunk_ratio) * bytes;
	if ((e & 7) != 6 || off > file_end(x, v) || bytes > file_end(x, v) - off)
		return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				      "VHDX block %llu is "
				      "partially present without a sector bitmap in the "
				      "file",
				      (unsigned long long)b);
	err = vhdx_pread(x, v, v->bitmap, bytes, off);
	if (err < 0)
		return io_error(x, err);
	v->bitmap_block = b + 1;
	return 0;
}

static int vhdx_status(struct vmdk_extent *x, uint64_t sector, uint64_t n,
		       uint64_t *run)
{
	struct vhdx *v = X(x);
	uint64_t per = v->block_size / VMDK_SECTOR, b = sector / per, in = sector % per;
	uint64_t left = per - in < n ? per - in : n, e, ratio = v->logical_sector / VMDK_SECTOR;
	int err = payload_entry(x, b, &e), held;
	uint64_t i;

	if (err < 0)
		return err;
	*run = left;
	switch (e & 7) {
	case PB_FULLY_PRESENT:
		return VMDK_BS_DATA;
	case PB_ZERO:
		return VMDK_BS_ZERO;
	case PB_PARTIALLY_PRESENT:
		break;
	default:	/* not present, undefined, unmapped: the parent's */
		return VMDK_BS_UNALLOC;
	}
	if (!v->has_parent)
		return damaged(x, "block partially present in an image without a parent");
	if ((err = block_bitmap(x, b)) < 0)
		return err;
#define HELD(s) (v->bitmap[(s) / ratio / 8] >> ((s) / ratio % 8) & 1)
	held = HELD(in);
	for (i = 1; i < left && HELD(in + i) == held; i++)
		;
#undef HELD
	*run = i;
	return held ? VMDK_BS_DATA : VMDK_BS_UNALLOC;
}

/* Only runs the status slot called DATA come here. */
static int vhdx_read(struct vmdk_extent *x, uint64_t sector, uint32_t n, void *buf)
{
	struct vhdx *v = X(x);
	uint64_t per = v->block_size / VMDK_SECTOR;
	uint8_t *out = buf;

	while (n > 0) {
		uint64_t b = sector / per, in = sector % per, e, off;
		uint64_t take = per - in < n ? per - in : n, len = take * VMDK_SECTOR;
		int err = payload_entry(x, b, &e);

		if (err < 0)
			return err;
		off = entry_offset(e) + in * VMDK_SECTOR;
		if (off < REGIONS_AT + 2ull * REGIONS_LEN || off > file_end(x, v) ||
		    len > file_end(x, v) - off)
			return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
					      "VHDX block "
					      "%llu lies outside the file",
					      (unsigned long long)b);
		err = vhdx_pread(x, v, out, len, off);
		if (err < 0)
			return io_error(x, err);
		out += len;
		sector += take;
		n -= (uint32_t)take;
	}
	return 0;
}

static int by_offset(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int entry_problem(struct vmdk_check_ctx *c, int code, uint64_t i,
			 const char *what)
{
	return vmdk_check_report(c, &(struct vmdk_problem_at){
		.code = code, .severity = VMDK_SEV_ERROR, .offset = VMDK_NO_OFFSET,
		.gd_index = -1, .gt_index = (int64_t)i }, "BAT entry %llu %s",
		(unsigned long long)i, what);
}

/* Every block the BAT places (payload or sector bitmap) inside the file,
 * past the headers, clear of the BAT and metadata regions and of every
 * other block. */
static int check_bat(struct vmdk_check_ctx *c)
{
	struct vmdk_extent *x = c->x;
	struct vhdx *v = X(x);
	uint64_t *at = malloc(v->bat_entries * 8 + 8), n = 0;
	int err = at ? 0 : -ENOMEM;

	c->tables = 1;
	for (uint64_t i = 0; err == 0 && i < v->bat_entries; i++) {
		bool bitmap = (i + 1) % (v->chunk_ratio + 1) == 0;
		uint64_t e, off, len = bitmap ? VHDX_MiB : v->block_size;
		unsigned state;
		if ((err = bat_entry(x, i, &e)) < 0)
			break;
		state = e & 7;
		if (state != PB_FULLY_PRESENT && state != PB_PARTIALLY_PRESENT)
			continue;
		off = entry_offset(e);
		c->grains += !bitmap;
		if (off > file_end(x, v) || len > file_end(x, v) - off)
			err = entry_problem(c, VMDK_P_GTE_OUTSIDE, i, "names a block past "
					    "the end of the file");
		else if (off < VHDX_MiB ||
			 (off < v->bat_off + v->bat_len && off + len > v->bat_off) ||
			 (off < v->meta_off + v->meta_len && off + len > v->meta_off))
			err = entry_problem(c, VMDK_P_GTE_METADATA, i, "names a block "
					    "over the headers, the BAT or the metadata");
		else
			at[n++] = off;
	}
	if (err == 0)
		qsort(at, n, 8, by_offset);
	for (uint64_t k = 1; err == 0 && k < n; k++)
		if (at[k] < at[k - 1] + VHDX_MiB)	/* a bitmap is 1 MiB, a block more */
			err = vmdk_check_report(c, &(struct vmdk_problem_at){
				.code = VMDK_P_GTE_SHARED, .severity = VMDK_SEV_ERROR,
				.offset = at[k], .gd_index = -1, .gt_index = -1 },
				"two blocks share the space at byte %llu",
				(unsigned long long)at[k]);
	free(at);
	return err;
}

/* Read only: what the headers, regions or metadata say wrong ends the
 * check; then every BAT entry.  Nothing is fixed. */
static int vhdx_check(struct vmdk_check_ctx *c, const uint8_t *first)
{
	return vmdk_image_check(c, first, check_bat);
}

static int vhdx_close(struct vmdk_extent *x)
{
	struct vhdx *v = X(x);

	if (!v)
		return 0;
	free(v->bitmap);
	free(v->parent);
	free(v->locator);
	vhdx_log_free(v);
	free(v);
	x->priv = NULL;
	return 0;
}

static void vhdx_describe(const struct vmdk_extent *x, struct vmdk_extent_info *ei)
{
	const struct vhdx *v = X(x);

	ei->format = v->has_parent ? "VHDX differencing" : v->fixed ? "VHDX fixed"
							      : "VHDX dynamic";
	ei->grain_size = v->block_size / VMDK_SECTOR;
	ei->notes = v->notes[0] ? v->notes : NULL;
}

void vmdk_vhdx_meta(const struct vmdk_extent *x, struct vmdk_image_meta *m)
{
	const struct vhdx *v = X(x);

	m->backing = v->parent;
	m->backing_format = v->parent ? "VHDX" : NULL;
	/* A child records its parent's data write GUID. */
	m->id = v->data_write_guid;
	m->parent_id = v->has_linkage ? v->parent_linkage : NULL;
}

const struct vmdk_format_ops vmdk_vhdx_ops = {
	.name = "VHDX",
	.open = vhdx_open,
	.status = vhdx_status,
	.read = vhdx_read,
	.flush = vmdk_image_flush,
	.close = vhdx_close,
	.describe = vhdx_describe,
	.check = vhdx_check,
	.descriptor_area = vmdk_image_no_descriptor,
	.no_write_hint = "VHDX images are read, never written, here; "
			 "convert it with vmdk-clone",
	.no_grow_hint = "VHDX images are read, never written, here; "
			"convert it with vmdk-clone",
};
