/* SPDX-License-Identifier: MIT */
/* zero.c --- ZERO extents: no file, every sector reads as zeros */
#include <string.h>

#include "format.h"

static int zero_open(struct vmdk_extent *x, const uint8_t *first)
{
	(void)first;
	x->writable = false;
	return 0;
}

static int zero_status(struct vmdk_extent *x, uint64_t sector, uint64_t n,
		       uint64_t *run)
{
	(void)x;
	(void)sector;
	*run = n;
	return VMDK_BS_ZERO;
}

static int zero_read(struct vmdk_extent *x, uint64_t sector, uint32_t n,
		     void *buf)
{
	(void)x;
	(void)sector;
	memset(buf, 0, n * VMDK_SECTOR);
	return 0;
}

static int zero_nothing(struct vmdk_extent *x)
{
	(void)x;
	return 0;
}

static void zero_describe(const struct vmdk_extent *x,
			  struct vmdk_extent_info *ei)
{
	(void)x;
	(void)ei;
}

static void zero_descriptor_area(const struct vmdk_extent *x, uint64_t *off,
				 uint64_t *len)
{
	(void)x;
	*off = *len = 0;
}

const struct vmdk_format_ops vmdk_zero_ops = {
	.name = "zero",
	.kinds = (const char *const[]){ "ZERO", NULL },
	.open = zero_open,
	.status = zero_status,
	.read = zero_read,
	.write = NULL,
	.flush = zero_nothing,
	.close = zero_nothing,
	.describe = zero_describe,
	.descriptor_area = zero_descriptor_area,
};
