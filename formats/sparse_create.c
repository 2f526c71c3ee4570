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

static int write_directory(int fd, uint64_t at, uint32_t entries,
			   uint64_t first_table, uint32_t gt_sectors)
{
	size_t bytes = round_up(entries * 4ull, 512);
	uint8_t *gd = calloc(bytes, 1);
	int err;

	if (!gd)
		return -ENOMEM;
	for (uint32_t i = 0; i < entries; i++)
		vmdk_put_le32(gd + 4 * i,
			      (uint32_t)(first_table + (uint64_t)i * gt_sectors));
	err = vmdk_pwrite_all(fd, gd, bytes, at * 512);
	free(gd);
	return err;
}

int vmdk_sparse_create(int fd, uint64_t capacity, uint32_t grain,
		       const char *desc, struct vmdk_errbuf *eb)
{
	uint64_t cover, gd_entries, gd_sectors, gt_sectors, desc_sectors = 0;
	uint64_t rgd, gd, end;
	struct sparse_header h;
	uint8_t hdr[512];
	int err;

	if (grain == 0)
		grain = 128;
	if (grain < 8 || grain > 2048 || (grain & (grain - 1)))
		return vmdk_seterr(eb, VMDK_E_INVALID_ARG,
				   "grain size %u is not a power of two from 8 to 2048",
				   grain);
	cover = (uint64_t)grain * GTES_PER_GT;
	gd_entries = (capacity + cover - 1) / cover;
	gd_sectors = round_up(gd_entries * 4, 512) / 512;
	gt_sectors = GTES_PER_GT * 4 / 512;
	if (desc) {
		desc_sectors = round_up(strlen(desc) + 1, 512) / 512;
		if (desc_sectors < DEFAULT_DESC_SECTORS)
			desc_sectors = DEFAULT_DESC_SECTORS;
	}
	rgd = 1 + desc_sectors;
	gd = rgd + gd_sectors + gd_entries * gt_sectors;
	end = gd + gd_sectors + gd_entries * gt_sectors;
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
	if (ftruncate(fd, (off_t)(h.overhead * 512)) < 0)
		err = -errno;
	else
		err = write_directory(fd, rgd, (uint32_t)gd_entries,
				      rgd + gd_sectors, (uint32_t)gt_sectors);
	if (err == 0)
		err = write_directory(fd, gd, (uint32_t)gd_entries,
				      gd + gd_sectors, (uint32_t)gt_sectors);
	if (err == 0 && desc)
		err = vmdk_pwrite_all(fd, desc, strlen(desc), 512);
	if (err == 0)
		err = vmdk_pwrite_all(fd, hdr, sizeof(hdr), 0);
	if (err < 0)
		return vmdk_seterr(eb, err, "writing sparse extent: %s",
				   vmdk_strerror(err));
	return 0;
}
