/* SPDX-License-Identifier: MIT */
/* fuzz_extent.c --- libFuzzer harness for opening a disk from one file (a
 * monolithic sparse or stream extent, or a descriptor) and reading and
 * writing it: errors are fine, crashes and sanitizer reports are not. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmdk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHUNK 512u	/* sectors a read */

static void exercise(const char *path, unsigned flags)
{
	static uint8_t buf[CHUNK * 512];
	struct vmdk_info info;
	vmdk_disk *d;

	if (vmdk_open(path, flags, &d) < 0)
		return;
	vmdk_get_info(d, &info);
	/* The front of the disk and its last sectors, not all of a disk
	 * whose header may claim 64 TiB; reads of several grains, so that
	 * a stream inflates them as a batch. */
	for (uint64_t s = 0; s < info.capacity && s < 4096; s += CHUNK)
		if (vmdk_read(d, s, info.capacity - s < CHUNK ? info.capacity - s
							      : CHUNK, buf) < 0)
			break;
	if (info.capacity >= 8)
		vmdk_read(d, info.capacity - 8, 8, buf);
	if (!(flags & VMDK_OPEN_RDONLY)) {
		for (int i = 0; i < 3 * 512; i++)
			buf[i] = (uint8_t)i;
		vmdk_write(d, 1, 3, buf);
		if (info.capacity > 200)
			vmdk_write(d, info.capacity - 130, 3, buf);
		vmdk_read(d, 0, 8, buf);
	}
	vmdk_close(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = memfd_create("fuzz.vmdk", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		exercise(path, VMDK_OPEN_RDONLY);
		exercise(path, 0);
	}
	close(fd);
	return 0;
}
