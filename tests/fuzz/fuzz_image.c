/* SPDX-License-Identifier: MIT */
/* fuzz_image.c --- libFuzzer harness for another format's image (qcow2:
 * header, extensions, L1 and L2 tables, compressed clusters) opened as a
 * disk: its map walked, its front and end read.  Errors are fine,
 * crashes and sanitizer reports are not. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "vmdk.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHUNK 256u	/* sectors a read */
#define STEPS 500	/* runs looked at, whatever the capacity claims */

static void exercise(const char *path)
{
	static uint8_t buf[CHUNK * 512];
	struct vmdk_info info;
	struct vmdk_extent_info ei;
	uint64_t s = 0, run;
	vmdk_disk *d;

	if (vmdk_open(path, VMDK_OPEN_RDONLY, &d) < 0)
		return;
	vmdk_get_info(d, &info);
	vmdk_get_extent_info(d, 0, 0, &ei);
	for (int i = 0; i < STEPS && s < info.capacity; i++) {
		int st = vmdk_block_status(d, s, info.capacity - s, &run, NULL);
		if (st < 0)
			break;
		if (st == 2 && vmdk_read(d, s, run < CHUNK ? run : CHUNK, buf) < 0)
			break;
		s += run;
	}
	if (info.capacity >= 8)
		vmdk_read(d, info.capacity - 8, 8, buf);
	vmdk_close(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = scratch_disk(data, size);

	if (path)
		exercise(path);
	return 0;
}
