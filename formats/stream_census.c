/* SPDX-License-Identifier: MIT */
/* stream_census.c --- the grain tables a stream may carry in front of its
 * grains (qemu-img lays them there, and writes no end-of-stream marker),
 * counted as they pass by in a pipe: a stream that ends without its
 * marker is whole only when it held every grain its tables name, so a
 * cut one is told from a finished one.  Memory: the grain directory. */
#include <stdlib.h>
#include <string.h>

#include "stream_census.h"
#include "vmdk_ondisk.h"

#define GT_SECTORS 4u		/* 512 entries */

static int by_value(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int vmdk_census_init(struct stream_census *c, const struct sparse_header *h)
{
	uint64_t grains = (h->capacity + h->grain_size - 1) / h->grain_size;

	memset(c, 0, sizeof(*c));
	c->h = *h;
	if (h->gd_offset == SPARSE_GD_AT_END || h->gd_offset >= h->overhead ||
	    h->gtes_per_gt != 512 || !h->gd_offset)
		return 0;	/* no tables in front: nothing to count */
	c->gd_entries = (size_t)((grains + 511) / 512);
	c->gd_sectors = (c->gd_entries * 4 + VMDK_SECTOR - 1) / VMDK_SECTOR;
	if (h->gd_offset + c->gd_sectors > h->overhead)
		return 0;
	c->gd = calloc(c->gd_sectors, VMDK_SECTOR);
	return c->gd ? 0 : -1;
}

/* The directory is whole: the tables it names, in file order. */
static void directory_read(struct stream_census *c, uint64_t last_sector)
{
	size_t n = 0;

	for (size_t i = 0; i < c->gd_entries; i++) {
		uint32_t v = vmdk_le32((uint8_t *)c->gd + i * 4);
		/* Tables behind the directory and inside the metadata only:
		 * any other is never seen here, and nothing can be said. */
		if (v <= last_sector || v + GT_SECTORS > c->h.overhead) {
			free(c->gd);
			c->gd = NULL;
			return;
		}
		c->gd[n++] = v;
	}
	qsort(c->gd, n, sizeof(*c->gd), by_value);
	c->ntables = n;
	c->usable = true;
}

void vmdk_census_feed(struct stream_census *c, uint64_t sector, const uint8_t *buf)
{
	if (!c->gd)
		return;
	if (sector >= c->h.gd_offset && sector < c->h.gd_offset + c->gd_sectors) {
		memcpy((uint8_t *)c->gd + (sector - c->h.gd_offset) * VMDK_SECTOR, buf,
		       VMDK_SECTOR);
		if (sector + 1 == c->h.gd_offset + c->gd_sectors)
			directory_read(c, sector);
		return;
	}
	if (!c->usable)
		return;
	while (c->next < c->ntables && c->gd[c->next] + GT_SECTORS <= sector)
		c->next++;
	if (c->next == c->ntables || sector < c->gd[c->next])
		return;
	for (unsigned i = 0; i < VMDK_SECTOR / 4; i++)
		if (vmdk_le32(buf + i * 4) >= c->h.overhead)
			c->grains++;
}

bool vmdk_census_whole(const struct stream_census *c, uint64_t grains_seen)
{
	/* Every table lies in the metadata, all read before the grains. */
	return c->usable && grains_seen == c->grains;
}

void vmdk_census_free(struct stream_census *c)
{
	free(c->gd);
	c->gd = NULL;
}
