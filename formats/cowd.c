/* SPDX-License-Identifier: MIT */
/* cowd.c --- ESXi host sparse extents (vmfsSparse redo logs, "COWD"),
 * read only (technote: "ESXi Host Sparse Extents").  A 2048-byte header,
 * a grain directory, and grain tables of 4096 entries (512 in the
 * Workstation 3 variant, version 3) mapping grains of grainSize sectors;
 * no redundant directory.  The directory walk is sparse_meta.c's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sparse_meta.h"

#define COWD_HEADER_SECTORS 4
#define COWD_GTES 4096u
#define COWD_V3_GTES 512u

/* Offsets in COWDisk_Header. */
enum { C_VERSION = 4, C_FLAGS = 8, C_SECTORS = 12, C_GRAIN = 16, C_GD = 20,
       C_GD_ENTRIES = 24, C_FREE = 28 };

struct cowd {
	struct sparse_meta m;	/* first: sparse_meta.c relies on it */
};

static int cowd_open(struct vmdk_extent *x, const uint8_t *first)
{
	struct cowd *c = calloc(1, sizeof(*c));
	struct sparse_header *h;
	uint32_t version, grain, gd, entries, gtes;
	uint64_t cover;
	int err;

	if (!c)
		return -ENOMEM;
	x->priv = c;
	x->writable = false;
	h = &c->m.h;
	version = vmdk_le32(first + C_VERSION);
	grain = vmdk_le32(first + C_GRAIN);
	gd = vmdk_le32(first + C_GD);
	entries = vmdk_le32(first + C_GD_ENTRIES);
	gtes = version == 3 ? COWD_V3_GTES : COWD_GTES;
	err = 0;
	if (version < 1 || version > 3)
		err = vmdk_seterr_at(x->eb, VMDK_E_UNSUPPORTED_VERSION, x->path,
				     "COWD version %u is not 1 to 3", version);
	/* Grains of one sector (the default) up to 1 MiB. */
	else if (grain == 0 || grain > 2048)
		err = vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				     "COWD grain size %u is not 1 to 2048 sectors", grain);
	else if (vmdk_le32(first + C_SECTORS) < x->sectors)
		err = vmdk_seterr_at(x->eb, VMDK_E_BAD_DESCRIPTOR, x->path,
				     "descriptor says %llu sectors, COWD header %u",
				     (unsigned long long)x->sectors,
				     vmdk_le32(first + C_SECTORS));
	else if (gd < COWD_HEADER_SECTORS)
		err = vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				     "COWD grain directory at sector %u overlaps the header",
				     gd);
	if (err < 0)
		goto fail;
	cover = (uint64_t)grain * gtes;
	if (entries != (vmdk_le32(first + C_SECTORS) + cover - 1) / cover) {
		err = vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				     "COWD directory has %u entries, capacity needs %llu",
				     entries,
				     (unsigned long long)((vmdk_le32(first + C_SECTORS) +
							   cover - 1) /
							  cover));
		goto fail;
	}
	h->magic = COWD_MAGIC;
	h->version = version;
	h->capacity = vmdk_le32(first + C_SECTORS);
	h->grain_size = grain;
	h->gtes_per_gt = gtes;
	h->gd_offset = gd;
	/* Grains and tables come after the directory. */
	h->overhead = gd + round_up(entries * 4ull, VMDK_SECTOR) / VMDK_SECTOR;
	err = vmdk_sparse_meta_directories(x, &c->m);
	if (err == 0)
		return 0;
fail:
	free(c);
	x->priv = NULL;
	return err;
}

static int cowd_read(struct vmdk_extent *x, uint64_t sector, uint32_t n,
		     void *buf)
{
	return vmdk_sparse_meta_each_piece(x, sector, n, buf,
					   vmdk_sparse_meta_read_piece, true);
}

static int cowd_flush(struct vmdk_extent *x)
{
	(void)x;
	return 0;
}

static int cowd_close(struct vmdk_extent *x)
{
	struct cowd *c = x->priv;

	if (c) {
		vmdk_sparse_meta_free(&c->m);
		free(c);
		x->priv = NULL;
	}
	return 0;
}

static void cowd_descriptor_area(const struct vmdk_extent *x, uint64_t *off,
				 uint64_t *len)
{
	(void)x;
	*off = *len = 0;
}

const struct vmdk_format_ops vmdk_cowd_ops = {
	.name = "vmfsSparse (COWD)",
	.kinds = (const char *const[]){ "SPARSE", "VMFSSPARSE", NULL },
	.magic = { "COWD", 4, 0 },
	.open = cowd_open,
	.status = vmdk_sparse_meta_status,
	.read = cowd_read,
	.write = NULL,
	.flush = cowd_flush,
	.close = cowd_close,
	.describe = vmdk_sparse_meta_describe,
	.descriptor_area = cowd_descriptor_area,
};
