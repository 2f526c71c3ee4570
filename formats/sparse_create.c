/* SPDX-License-Identifier: MIT */
/* sparse_create.c --- lay out an empty hosted sparse extent the way
 * VMware's hosted products do: header, embedded descriptor (20 sectors),
 * redundant GD and GTs, GD and GTs, padding to a grain boundary. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sparse_meta.h"

#define GTES_PER_GT 512u
#define DEFAULT_DESC_SECTORS 20u

/* Where the pieces of a new extent go, in sectors. */
struct layout {
	uint64_t desc_sectors, gd_entries, gd_sectors, gt_sectors;
	uint64_t rgd, gd, end;
};

static void lay_out(uint64_t capacity, uint32_t grain, const char *desc,
		    struct layout *l)
{
	uint64_t cover = (uint64_t)grain * GTES_PER_GT;

	l->gd_entries = (capacity + cover - 1) / cover;
	l->gd_sectors = round_up(l->gd_entries * 4, VMDK_SECTOR) / VMDK_SECTOR;
	l->gt_sectors = GTES_PER_GT * 4 / VMDK_SECTOR;
	l->desc_sectors = 0;
	if (desc) {
		l->desc_sectors = round_up(strlen(desc) + 1, VMDK_SECTOR) / VMDK_SECTOR;
		if (l->desc_sectors < DEFAULT_DESC_SECTORS)
			l->desc_sectors = DEFAULT_DESC_SECTORS;
	}
	l->rgd = 1 + l->desc_sectors;
	l->gd = l->rgd + l->gd_sectors + l->gd_entries * l->gt_sectors;
	l->end = l->gd + l->gd_sectors + l->gd_entries * l->gt_sectors;
}

uint64_t vmdk_sparse_space(const struct vmdk_extent_plan *p, uint64_t grains,
			   uint64_t sectors)
{
	uint32_t grain = p->grain ? p->grain : 128;
	struct layout l;

	(void)sectors;
	lay_out(p->sectors, grain, p->descriptor, &l);
	return (round_up(l.end, grain) + grains * grain) * VMDK_SECTOR;
}

int vmdk_sparse_create(int fd, const struct vmdk_extent_plan *p,
		       struct vmdk_errbuf *eb)
{
	uint64_t capacity = p->sectors;
	uint32_t grain = p->grain;
	const char *desc = p->descriptor;
	struct layout l;
	uint64_t gd_entries, gd_sectors, gt_sectors, desc_sectors;
	uint64_t rgd, gd, end;
	struct sparse_header h;
	uint8_t hdr[VMDK_SECTOR];
	int err;

	if (grain == 0)
		grain = 128;
	if (grain < 8 || grain > 2048 || (grain & (grain - 1)))
		return vmdk_seterr(eb, VMDK_E_INVALID_ARG,
				   "grain size %u is not a power of two from 8 to 2048",
				   grain);
	lay_out(capacity, grain, desc, &l);
	gd_entries = l.gd_entries;
	gd_sectors = l.gd_sectors;
	gt_sectors = l.gt_sectors;
	desc_sectors = l.desc_sectors;
	rgd = l.rgd;
	gd = l.gd;
	end = l.end;
	if (end > UINT32_MAX)
		return vmdk_seterr(eb, VMDK_E_TOO_BIG,
				   "capacity too large for a sparse extent");
	h = (struct sparse_header){
		.magic = SPARSE_MAGIC,
		.version = 1,
		.flags = SPARSE_FLAG_NL_DETECT | SPARSE_FLAG_RGD,
		.capacity = capacity,
		.grain_size = grain,
		.desc_offset = desc ? 1 : 0,
		.desc_size = desc_sectors,
		.gtes_per_gt = GTES_PER_GT,
		.rgd_offset = rgd,
		.gd_offset = gd,
		.overhead = round_up(end, grain),
	};
	sparse_header_encode(&h, hdr);
	/* Grain tables start zero: extending the file provides that. */
	if (ftruncate(fd, (off_t)(h.overhead * VMDK_SECTOR)) < 0)
		err = -errno;
	else
		err = vmdk_sparse_meta_write_directory(fd, rgd, NULL, 0,
						       (uint32_t)gd_entries,
						       rgd + gd_sectors,
						       (uint32_t)gt_sectors);
	if (err == 0)
		err = vmdk_sparse_meta_write_directory(fd, gd, NULL, 0,
						       (uint32_t)gd_entries,
						       gd + gd_sectors,
						       (uint32_t)gt_sectors);
	if (err == 0 && desc)
		err = vmdk_pwrite_all(fd, desc, strlen(desc), VMDK_SECTOR);
	if (err == 0)
		err = vmdk_pwrite_all(fd, hdr, sizeof(hdr), 0);
	if (err < 0)
		return vmdk_seterr(eb, err, "writing sparse extent: %s",
				   vmdk_strerror(err));
	return 0;
}
