/* SPDX-License-Identifier: MIT */
/* fuzz_compact.c --- libFuzzer harness for vmdk_shrink and
 * vmdk_defragment: the input is written to a scratch file of a private
 * directory; when vmdk_check finds no error in it, it is shrunk and
 * defragmented, and must then read as before and check clean.  Only
 * monolithic inputs: a fuzzed text descriptor could name files of this
 * machine. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmdk.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *path;

/* The content as a hash of every sector (zeros are cheap to read). */
static int digest(uint64_t *out)
{
	static uint8_t buf[64 * 512];
	struct vmdk_info in;
	vmdk_disk *d;
	uint64_t h = 1469598103934665603ull;

	if (vmdk_open(path, VMDK_OPEN_RDONLY | VMDK_OPEN_SINGLE_LINK, &d) < 0)
		return -1;
	if (vmdk_get_info(d, &in) < 0 || in.capacity > (1u << 16)) {
		vmdk_close(d);
		return -1;
	}
	for (uint64_t s = 0; s < in.capacity; s += 64) {
		uint64_t n = in.capacity - s < 64 ? in.capacity - s : 64;
		if (vmdk_read(d, s, n, buf) < 0) {
			vmdk_close(d);
			return -1;
		}
		for (size_t i = 0; i < n * 512; i++)
			h = (h ^ buf[i]) * 1099511628211ull;
	}
	vmdk_close(d);
	*out = h;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmdk_check_report r;
	uint64_t before, after;

	if (size < 4 || memcmp(data, "KDMV", 4))
		return 0;
	if (!(path = scratch_disk(data, size)))
		return 0;
	if (vmdk_check(path, 0, NULL, NULL, NULL, &r) < 0 || r.errors || digest(&before) < 0)
		return 0;
	if (vmdk_shrink(path, NULL, NULL, NULL) == 0 &&
	    vmdk_defragment(path, NULL, NULL, NULL) == 0) {
		if (digest(&after) < 0 || after != before) {
			fprintf(stderr, "compaction changed the content\n");
			abort();
		}
		if (vmdk_check(path, 0, NULL, NULL, NULL, &r) < 0 || r.errors) {
			fprintf(stderr, "compaction left %u errors\n", r.errors);
			abort();
		}
	}
	return 0;
}
