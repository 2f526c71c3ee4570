/* SPDX-License-Identifier: MIT */
/* vhd.h --- what vhd.c (footer, dynamic header, BAT, data) and
 * vhd_parent.c (where a differencing image's parent lies) share.  The
 * layout is Microsoft's "Virtual Hard Disk Image Format Specification"
 * (big-endian fields). */
#ifndef VMDK_VHD_H
#define VMDK_VHD_H

#include "image.h"

#define VHD_FOOTER 512u
#define VHD_DYN_HEADER 1024u
enum { VHD_FIXED = 2, VHD_DYNAMIC = 3, VHD_DIFF = 4 };

struct vhd {
	uint8_t footer[VHD_FOOTER];	/* the copy that checks out */
	uint8_t dyn[VHD_DYN_HEADER];	/* dynamic and differencing */
	uint32_t type;
	uint64_t size;			/* current size, in bytes */
	uint64_t chs_bytes;		/* what the CHS geometry gives */
	uint32_t block_size, bitmap_bytes, entries;
	struct vmdk_entry_pages bat;	/* sector of each block's bitmap */
	uint8_t *bitmap;		/* of block bitmap_block */
	uint64_t bitmap_block;		/* + 1; 0: none read */
	bool footer_copy_used;		/* the footer at the end was damaged */
	char *parent;			/* where its parent lies (relative) */
	char notes[160];
};

/* One's complement of the byte sum of @len bytes, the field at @skip
 * counted as zeros. */
uint32_t vhd_checksum(const uint8_t *p, size_t len, size_t skip);
/* vhd_parent.c: the parent's name from the locators of the dynamic
 * header, beside the child: *out is NULL when none names one. */
int vhd_parent_name(struct vmdk_extent *x, const uint8_t *dyn, char **out);

#endif
