/* SPDX-License-Identifier: MIT */
/* stream_check.h --- what the check of a streamOptimized extent and its
 * salvage share: the walk's state and the grains it found intact */
#ifndef STREAM_CHECK_H
#define STREAM_CHECK_H

#include "sparse_meta.h"

/* An intact grain: where its marker is, and the grain it holds. */
struct stream_grain {
	uint64_t pos;		/* sector of its marker */
	uint64_t grain;		/* LBA / grain size */
	bool named;		/* a table entry of its LBA names it */
};

struct stc {
	struct vmdk_check_ctx *c;
	struct vmdk_extent *x;
	struct sparse_header h, f;	/* header, and footer when it has one */
	bool has_footer;
	uint64_t file_sectors;
	struct vmdk_inflater *z;
	uint8_t *packed, *grain, *scan;
	size_t packed_max;
	const char *fix;		/* the salvage, NULL when impossible */
	/* Repairing: every intact grain, in file order. */
	struct stream_grain *found;
	size_t n_found, cap_found;
};

/* Rewrite the extent from k->found: the grain each LBA's markers name
 * (the one a table names where several do, else the last), every other
 * LBA reading as zeros. */
int vmdk_stream_salvage(struct stc *k);

#endif
