/* SPDX-License-Identifier: MIT */
/* stream_check.h --- what the check of a streamOptimized extent and its
 * salvage share: the walk's state and the grains it found intact */
#ifndef STREAM_CHECK_H
#define STREAM_CHECK_H

#include "sparse_meta.h"

#define STREAM_NO_GRAIN UINT64_MAX

/* An intact grain (its data inflates whole): where its marker is, the
 * grain its marker and the tables give, the one it is once weighed. */
struct stream_grain {
	uint64_t pos;		/* sector of its marker */
	uint64_t grain;		/* by its marker (LBA / grain size), or
				   STREAM_NO_GRAIN for a marker's bad LBA */
	uint64_t table_grain;	/* by the last table entry naming it */
	uint64_t final;		/* what it holds: STREAM_NO_GRAIN if nothing */
	uint32_t size;		/* its deflate bytes, as found */
	uint32_t refs;		/* table entries naming it */
	bool named;		/* one of them agrees with its marker */
	bool table_won;		/* final is the table's, not the marker's */
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
	bool tables_read;		/* the directory was read */
	bool weighing;			/* reporting a header field the salvage
					   writes anew */
	uint64_t agree, disagree;	/* table entries naming intact grains
					   of their LBA, of another */
	/* Every intact grain, in file order. */
	struct stream_grain *found;
	size_t n_found, cap_found;
	size_t n_walked;		/* of them, found by the walk (in file
					   order; after them, recovered ones) */
};

/* Rewrite the extent from k->found: each grain under its final LBA
 * (the one a table names where several hold one, else the last), every
 * other LBA reading as zeros. */
int vmdk_stream_salvage(struct stc *k);

#endif
