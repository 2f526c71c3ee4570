/* SPDX-License-Identifier: MIT */
/* sparse_header_rules.c --- the one judge of a sparse header's shape
 * (hosted sparse, stream, its footer), for the reader, the check and the
 * layout judge alike: the version, the grain size, the entries a table
 * and the capacity the specification allows. */
#include <stdio.h>

#include "vmdk_ondisk.h"

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int vmdk_sparse_header_fault(const struct sparse_header *h, const char *which,
			     char *why, size_t len)
{
	if (h->version < 1 || h->version > 3) {
		snprintf(why, len, "sparse %s version %u is not 1, 2 or 3", which,
			 h->version);
		return VMDK_E_UNSUPPORTED_VERSION;
	}
	if (!is_pow2(h->grain_size) || h->grain_size > SPARSE_MAX_GRAIN) {
		snprintf(why, len, "grain size %llu is not a power of two up to %u "
			 "sectors", (unsigned long long)h->grain_size, SPARSE_MAX_GRAIN);
		return VMDK_E_NEEDS_REPAIR;
	}
	/* The technote fixes 512 entries; every writer uses them. */
	if (h->gtes_per_gt != SPARSE_SPEC_GTES) {
		snprintf(why, len, "%u entries per grain table, where the "
			 "specification fixes %u", h->gtes_per_gt, SPARSE_SPEC_GTES);
		return VMDK_E_NEEDS_REPAIR;
	}
	if (h->capacity == 0 || h->capacity > VMDK_MAX_CAPACITY) {
		snprintf(why, len, "capacity %llu sectors is zero or beyond 64 TiB",
			 (unsigned long long)h->capacity);
		return VMDK_E_TOO_BIG;
	}
	return 0;
}
