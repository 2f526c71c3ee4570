/* SPDX-License-Identifier: MIT */
/* stream_census.h --- the grains a stream's tables in front name,
 * counted as the metadata passes by in a pipe (stream_census.c). */
#ifndef VMDK_STREAM_CENSUS_H
#define VMDK_STREAM_CENSUS_H

#include "format.h"
#include "vmdk_ondisk.h"

struct stream_census {
	struct sparse_header h;
	uint32_t *gd;		/* the directory, then the tables' starts sorted */
	size_t gd_entries, gd_sectors, ntables, next;
	bool usable;		/* the directory was read, its tables follow it */
	uint64_t grains;	/* entries naming grains, in tables passed */
};

/* For the stream with header @h; -1 when out of memory. */
int vmdk_census_init(struct stream_census *c, const struct sparse_header *h);
/* Metadata sector @sector (below h->overhead), in file order. */
void vmdk_census_feed(struct stream_census *c, uint64_t sector, const uint8_t *buf);
/* The tables were read and name exactly @grains_seen grains. */
bool vmdk_census_whole(const struct stream_census *c, uint64_t grains_seen);
void vmdk_census_free(struct stream_census *c);

#endif
