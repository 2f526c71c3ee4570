/* SPDX-License-Identifier: MIT */
/* vhdx.h --- what vhdx.c (headers, regions, BAT, data) and vhdx_meta.c
 * (the metadata region and the parent locator) share.  Layout: Microsoft's
 * [MS-VHDX]; little-endian, GUIDs in Windows' byte order. */
#ifndef VMDK_VHDX_H
#define VMDK_VHDX_H

#include "image.h"

#define VHDX_MiB (1u << 20)
/* A write the log holds: @len bytes at @off of @data, or zeros. */
struct vhdx_patch {
	uint64_t off, len;
	uint8_t *data;
};

struct vhdx {
	uint8_t data_write_guid[16];
	uint64_t bat_off, bat_len, meta_off, meta_len;
	/* From the metadata. */
	uint32_t block_size, logical_sector, physical_sector;
	uint64_t size;
	bool fixed, has_parent;
	uint8_t disk_id[16], parent_linkage[16];
	bool has_linkage;
	char *parent;			/* beside the child */
	uint8_t *locator;		/* while the metadata is read */
	size_t locator_len;
	uint64_t chunk_ratio, bat_entries;
	struct vmdk_entry_pages bat;
	uint8_t *bitmap;		/* the sector bitmap of one block */
	uint64_t bitmap_block;		/* + 1; 0: none */
	/* The log replayed in memory. */
	struct vhdx_patch *patches;
	size_t npatches;
	unsigned replayed;		/* entries */
	uint64_t log_file_size;		/* the file's size the log gives, if larger */
	char notes[128];
};

/* vhdx_meta.c: the metadata region's items into @v (block size, size,
 * sector sizes, flags, disk id, the parent locator). */
int vhdx_read_metadata(struct vmdk_extent *x, struct vhdx *v);
/* vhdx_log.c: the active log sequence of the current @header as
 * patches in @v (none when the log holds none); reads of the file
 * through vhdx_pread() see them. */
int vhdx_log_replay(struct vmdk_extent *x, struct vhdx *v, const uint8_t *header);
int vhdx_pread(struct vmdk_extent *x, const struct vhdx *v, void *buf, size_t len,
	       uint64_t off);
void vhdx_log_free(struct vhdx *v);

/* "{xxxxxxxx-xxxx-...}" as 16 bytes in Windows' order; -1 if not one. */
int vhdx_parse_guid(const char *text, uint8_t *out);

#endif
