/* SPDX-License-Identifier: MIT */
/* grain_run.c --- the status of a run of sectors in a format whose
 * grains all have one size: grain by grain until the state changes */
#include "format.h"

int vmdk_grain_run(struct vmdk_extent *x, uint64_t sector, uint64_t n,
		   uint64_t grain_size, vmdk_grain_state_fn state, uint64_t *run)
{
	uint64_t end = sector + n, pos = (sector / grain_size + 1) * grain_size;
	int first = state(x, sector / grain_size);

	if (first < 0)
		return first;
	while (pos < end) {
		int st = state(x, pos / grain_size);
		if (st < 0)
			return st;
		if (st != first)
			break;
		pos += grain_size;
	}
	*run = (pos < end ? pos : end) - sector;
	return first;
}
