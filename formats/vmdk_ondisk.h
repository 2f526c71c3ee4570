/* SPDX-License-Identifier: MIT */
/* vmdk_ondisk.h --- on-disk layouts of hosted sparse extents and stream
 * markers (technote: "Hosted Sparse Extent Header", "Stream-Optimized
 * Compressed"), decoded field by field from little-endian bytes. */
#ifndef VMDK_ONDISK_H
#define VMDK_ONDISK_H

#include <stdint.h>

#include "format.h"

#define SPARSE_MAGIC 0x564d444bu	/* "KDMV" read as little-endian */
#define COWD_MAGIC 0x44574f43u		/* "COWD" */

#define SPARSE_FLAG_NL_DETECT (1u << 0)
#define SPARSE_FLAG_RGD (1u << 1)
#define SPARSE_FLAG_ZERO_GTE (1u << 2)
#define SPARSE_FLAG_COMPRESSED (1u << 16)
#define SPARSE_FLAG_MARKERS (1u << 17)

#define SPARSE_COMPRESS_DEFLATE 1
/* Grain sizes above 1 GiB are refused: no writer makes them, and a
 * compressed grain must fit in memory.  Every writer uses 512 entries a
 * table, as the technote fixes. */
#define SPARSE_MAX_GRAIN 0x200000u	/* sectors */
#define SPARSE_SPEC_GTES 512u
#define SPARSE_GD_AT_END UINT64_MAX
#define SPARSE_UNCLEAN_OFFSET 72	/* byte offset of uncleanShutdown */

/* Stream marker types (a grain marker has size != 0 instead). */
#define MARKER_EOS 0
#define MARKER_GT 1
#define MARKER_GD 2
#define MARKER_FOOTER 3
#define GRAIN_MARKER_SIZE 12		/* u64 lba + u32 size */

struct sparse_header {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint64_t capacity;
	uint64_t grain_size;
	uint64_t desc_offset;
	uint64_t desc_size;
	uint32_t gtes_per_gt;
	uint64_t rgd_offset;
	uint64_t gd_offset;
	uint64_t overhead;
	uint8_t unclean;
	uint8_t eol_check[4];	/* '\n', ' ', '\r', '\n' */
	uint16_t compress;
};

static inline void sparse_header_decode(const uint8_t *b,
					struct sparse_header *h)
{
	h->magic = vmdk_le32(b + 0);
	h->version = vmdk_le32(b + 4);
	h->flags = vmdk_le32(b + 8);
	h->capacity = vmdk_le64(b + 12);
	h->grain_size = vmdk_le64(b + 20);
	h->desc_offset = vmdk_le64(b + 28);
	h->desc_size = vmdk_le64(b + 36);
	h->gtes_per_gt = vmdk_le32(b + 44);
	h->rgd_offset = vmdk_le64(b + 48);
	h->gd_offset = vmdk_le64(b + 56);
	h->overhead = vmdk_le64(b + 64);
	h->unclean = b[72];
	for (int i = 0; i < 4; i++)
		h->eol_check[i] = b[73 + i];
	h->compress = vmdk_le16(b + 77);
}

/* Fills a whole 512-byte sector; the pad is zero. */
static inline void sparse_header_encode(const struct sparse_header *h,
					uint8_t *b)
{
	for (unsigned i = 0; i < VMDK_SECTOR; i++)
		b[i] = 0;
	vmdk_put_le32(b + 0, SPARSE_MAGIC);
	vmdk_put_le32(b + 4, h->version);
	vmdk_put_le32(b + 8, h->flags);
	vmdk_put_le64(b + 12, h->capacity);
	vmdk_put_le64(b + 20, h->grain_size);
	vmdk_put_le64(b + 28, h->desc_offset);
	vmdk_put_le64(b + 36, h->desc_size);
	vmdk_put_le32(b + 44, h->gtes_per_gt);
	vmdk_put_le64(b + 48, h->rgd_offset);
	vmdk_put_le64(b + 56, h->gd_offset);
	vmdk_put_le64(b + 64, h->overhead);
	b[72] = h->unclean;
	b[73] = '\n';
	b[74] = ' ';
	b[75] = '\r';
	b[76] = '\n';
	vmdk_put_le16(b + 77, h->compress);
}

/* A metadata marker (GT, GD, footer, EOS) fills one sector. */
static inline void marker_encode(uint8_t *b, uint64_t val, uint32_t type)
{
	for (unsigned i = 0; i < VMDK_SECTOR; i++)
		b[i] = 0;
	vmdk_put_le64(b, val);
	vmdk_put_le32(b + 12, type);
}

/* sparse_header_rules.c: 0 when @h's version, grain size, entries a
 * table and capacity are ones the specification allows, else a VMDK_E_*
 * code and @why (@which: "header" or "footer"). */
int vmdk_sparse_header_fault(const struct sparse_header *h, const char *which,
			     char *why, size_t len);

#endif
