/* SPDX-License-Identifier: MIT */
/* fuzz_volumes.c --- libFuzzer harness for what is inside a disk: the
 * input is the start of a 64 MiB raw disk (partition tables, extended
 * boot records chaining anywhere, superblocks); vmdk_volumes() must list
 * it without crashing, looping or failing, every partition of a known
 * kind and within the count the table can hold. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmdk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmdk_volumes *v;
	vmdk_disk *d;
	int fd;

	if (size > 131072)
		return 0;
	if (!path[0]) {
		strcpy(path, "/tmp/vmdk-fuzz-vol.XXXXXX");
		if ((fd = mkstemp(path)) < 0)
			abort();
		close(fd);
	}
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 64 << 20) != 0 ||
	    (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	/* The tail again at the end, where backup GPTs and RAID labels are. */
	if (size > 512 && pwrite(fd, data + size / 2, size - size / 2,
				 (64 << 20) - (off_t)(size - size / 2)) < 0)
		abort();
	close(fd);
	if (vmdk_open_raw(path, VMDK_OPEN_RDONLY | VMDK_OPEN_RAW_FOREIGN, &d) != 0)
		abort();
	if (vmdk_volumes(d, &v) != 0)
		abort();	/* content is a result, never an error */
	if (v->count > 256)
		abort();
	for (unsigned i = 0; i < v->count; i++)
		if (v->part[i].kind < VMDK_PART_PRIMARY || v->part[i].kind > VMDK_PART_LOGICAL ||
		    !v->part[i].type_name)
			abort();
	vmdk_volumes_free(v);
	vmdk_close(d);
	return 0;
}
