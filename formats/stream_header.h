/* SPDX-License-Identifier: MIT */
/* stream_header.h --- a streamOptimized header (or footer) weighed
 * against the footer, the descriptor, the specification and the grains */
#ifndef STREAM_HEADER_H
#define STREAM_HEADER_H

#include <zlib.h>

#include "sparse_meta.h"

#define STREAM_MAX_FIXES 4

struct stream_fix {
	const char *field;	/* the header field's name in the technote */
	uint64_t was, value;
	const char *evidence;	/* why the value, in words */
	bool other_agrees;	/* the other copy holds the value */
};

struct stream_weighed {
	int n;
	struct stream_fix fix[STREAM_MAX_FIXES];
};

/* Correct @h by the evidence (@footer: the footer when it is another
 * copy, else NULL; @desc_sectors: the descriptor's extent size), saying
 * in @w which fields changed and why.  Fields the evidence does not
 * contradict are left as they are. */
int vmdk_stream_weigh_header(int fd, uint64_t file_size, struct sparse_header *h,
			     const struct sparse_header *footer,
			     uint64_t desc_sectors, struct stream_weighed *w);

#endif
