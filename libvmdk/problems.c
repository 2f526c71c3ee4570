/* SPDX-License-Identifier: MIT */
/* problems.c --- the stable short names of vmdk-check's problem codes,
 * as e2fsck's problem table names its problems */
#include <stdio.h>
#include <string.h>

#include "core.h"

static const struct {
	int code;
	const char *name;
} names[] = {
	{ VMDK_P_DESCRIPTOR, "descriptor" },
	{ VMDK_P_EXTENT_MISSING, "extent-missing" },
	{ VMDK_P_EXTENT_SHORT, "extent-short" },
	{ VMDK_P_EXTENT_UNREADABLE, "extent-unreadable" },
	{ VMDK_P_CAPACITY, "capacity" },
	{ VMDK_P_OUTSIDE, "outside" },
	{ VMDK_P_HEADER, "header" },
	{ VMDK_P_HEADER_EOL, "header-eol" },
	{ VMDK_P_UNCLEAN, "unclean" },
	{ VMDK_P_OVERHEAD, "overhead" },
	{ VMDK_P_GD_OUTSIDE, "gd-outside" },
	{ VMDK_P_GD_RGD, "gd-rgd" },
	{ VMDK_P_GT_OUTSIDE, "gt-outside" },
	{ VMDK_P_GT_OVERLAP, "gt-overlap" },
	{ VMDK_P_GT_RGT, "gt-rgt" },
	{ VMDK_P_GTE_OUTSIDE, "gte-outside" },
	{ VMDK_P_GTE_METADATA, "gte-metadata" },
	{ VMDK_P_GTE_SHARED, "gte-shared" },
	{ VMDK_P_GRAIN_SHORT, "grain-short" },
	{ VMDK_P_UNREFERENCED, "unreferenced" },
	{ VMDK_P_STREAM_MARKER, "stream-marker" },
	{ VMDK_P_STREAM_GRAIN, "stream-grain" },
	{ VMDK_P_STREAM_LBA, "stream-lba" },
	{ VMDK_P_STREAM_FOOTER, "stream-footer" },
	{ VMDK_P_STREAM_TRAILING, "stream-trailing" },
	{ VMDK_P_STREAM_TABLES, "stream-tables" },
	{ VMDK_P_CHAIN_PARENT, "chain-parent" },
	{ VMDK_P_CHAIN_CID, "chain-cid" },
	{ VMDK_P_CHAIN_CAPACITY, "chain-capacity" },
	{ VMDK_P_CHAIN_COMMIT, "chain-commit" },
	{ VMDK_P_CHAIN_LOOP, "chain-loop" },
	{ VMDK_P_CHAIN_TYPE, "chain-type" },
};

const char *vmdk_problem_name(int code)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (names[i].code == code)
			return names[i].name;
	return NULL;
}

void vmdk_problem_format(struct vmdk_problem *p, char *msg, size_t size,
			 int code, const char *file, const char *fmt, va_list ap)
{
	size_t n = strlen(file);

	vsnprintf(msg, size, fmt, ap);
	/* A library message names the file first: once is enough. */
	if (strncmp(msg, file, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
		memmove(msg, msg + n + 2, strlen(msg + n + 2) + 1);
	*p = (struct vmdk_problem){ .code = code, .severity = VMDK_SEV_ERROR,
				    .message = msg, .file = file,
				    .offset = VMDK_NO_OFFSET, .gd_index = -1,
				    .gt_index = -1 };
}
