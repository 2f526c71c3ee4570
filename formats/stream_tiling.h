/* SPDX-License-Identifier: MIT */
/* stream_tiling.h --- every grain of a stream named by its tables */
#ifndef STREAM_TILING_H
#define STREAM_TILING_H

#include "sparse_meta.h"

/* The first grain (at overHead) is one the tables name. */
int vmdk_stream_tiling_open(struct vmdk_extent *x, struct sparse_meta *m);
/* What follows each grain table @gd_index names, and the table itself,
 * is a named grain or no grain: VMDK_E_NEEDS_REPAIR otherwise. */
int vmdk_stream_tiling_table(struct vmdk_extent *x, struct sparse_meta *m,
			     uint32_t gd_index);

#endif
