/* SPDX-License-Identifier: MIT */
/* fuzz_pipe.c --- libFuzzer harness for a disk read once from a pipe
 * (vmdk_open_sequential): the input as a streamOptimized VMDK read
 * forward (status and reads, as the copy engine makes them), copied to a
 * stream (grains re-framed), and as a raw image of its own size; errors
 * are fine, crashes and sanitizer reports are not. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmdk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHUNK 256u	/* sectors a read */
#define STEPS 2000	/* runs looked at, whatever the capacity claims */

/* The input again from its start: its first sector in @head. */
static long rewind_input(int fd, uint8_t *head)
{
	lseek(fd, 0, SEEK_SET);
	return read(fd, head, 512);
}

static void read_forward(vmdk_disk *d)
{
	static uint8_t buf[CHUNK * 512];
	struct vmdk_info info;
	uint64_t s = 0, run;

	if (vmdk_get_info(d, &info) < 0)
		return;
	for (int i = 0; i < STEPS && s < info.capacity; i++) {
		int st = vmdk_block_status(d, s, info.capacity - s, &run, NULL);
		if (st < 0)
			return;
		if (st == VMDK_BLOCK_DATA) {
			run = run < CHUNK ? run : CHUNK;
			if (vmdk_read(d, s, run, buf) < 0)
				return;
		}
		s += run;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmdk_clone_params p = { .type = VMDK_TYPE_STREAM_OPTIMIZED, .threads = 1 };
	int fd = memfd_create("fuzz-pipe", 0), null = open("/dev/null", O_WRONLY);
	uint8_t head[512];
	vmdk_disk *d;
	long got;

	if (fd < 0 || null < 0 || write(fd, data, size) != (ssize_t)size)
		goto out;
	got = rewind_input(fd, head);
	if (got >= 0 && vmdk_open_sequential(fd, "fuzz", head, (size_t)got, 0, 0, &d) == 0) {
		read_forward(d);
		vmdk_close(d);
	}
	got = rewind_input(fd, head);
	if (got >= 0 && vmdk_open_sequential(fd, "fuzz", head, (size_t)got, 0, 0, &d) == 0) {
		/* Small claims only: the copy walks the whole capacity. */
		struct vmdk_info info;
		if (vmdk_get_info(d, &info) == 0 && info.capacity <= (1u << 22))
			vmdk_clone_fd(d, null, "fuzz.vmdk", &p);
		vmdk_close(d);
	}
	got = rewind_input(fd, head);
	if (got >= 0 && size && vmdk_open_sequential(fd, "fuzz", head, (size_t)got, size,
						     VMDK_OPEN_RAW_FOREIGN, &d) == 0) {
		read_forward(d);
		vmdk_close(d);
	}
out:
	if (fd >= 0)
		close(fd);
	if (null >= 0)
		close(null);
	return 0;
}
