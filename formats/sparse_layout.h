/* SPDX-License-Identifier: MIT */
/* sparse_layout.h --- a hosted sparse header weighed against the layout
 * its file shows: which one header field the file contradicts, and the
 * value the other sources agree on. */
#ifndef SPARSE_LAYOUT_H
#define SPARSE_LAYOUT_H

#include "vmdk_ondisk.h"

enum sparse_field {
	SPARSE_FIELD_NONE,
	SPARSE_FIELD_CAPACITY,
	SPARSE_FIELD_GTES,		/* numGTEsPerGT */
	SPARSE_FIELD_GRAIN_SIZE,
	SPARSE_FIELD_GD,		/* gdOffset */
	SPARSE_FIELD_RGD,		/* rgdOffset */
	SPARSE_FIELD_OVERHEAD,
	SPARSE_FIELD_EXTENT_LINE,	/* the descriptor's extent size is wrong */
};

struct sparse_verdict {
	enum sparse_field field;	/* NONE: the header holds, or no one
					   field explains what is wrong */
	uint64_t was, value;		/* the field in the header; by the layout */
	uint64_t contradictions;	/* of the header as written */
	bool unusable;			/* no layout can follow from it */
	char evidence[200];		/* what the file shows, in words */
};

/* The header @h of the extent open on @fd (@file_size bytes, its
 * descriptor's extent line @desc_sectors long) against its layout:
 * directories, tables, where grains lie and how far apart.  With @deep
 * every table is read (vmdk-check); without, only directories, and the
 * tables too when there are few (an open stays cheap).  When the header
 * as written is contradicted and changing one field makes the layout
 * whole, @v names it.  When the header holds and the extent line's size
 * is what the directory (laid out whole by every writer) or the
 * geometry (@geometry_floor, 0 if unknown) contradicts, @v names the
 * line (SPARSE_FIELD_EXTENT_LINE, its value the header's capacity).  Memory: the directories and one start per
 * allocated grain. */
int vmdk_sparse_layout_judge(const struct vmdk_extent *x, uint64_t file_size,
			     const struct sparse_header *h, uint64_t desc_sectors,
			     uint64_t geometry_floor, bool deep,
			     struct sparse_verdict *v);

const char *vmdk_sparse_field_name(enum sparse_field f);
void vmdk_sparse_field_set(struct sparse_header *h, enum sparse_field f,
			   uint64_t value);

#endif
