/* SPDX-License-Identifier: MIT */
/* image_harness.h --- what the harnesses of other formats' images
 * (fuzz_qcow2, fuzz_vhd, fuzz_vhdx, fuzz_vdi) share: the input becomes a
 * file, and when it is an image of the harness's format (HARNESS_FORMAT,
 * as vmdk_probe_format() names it) it is opened as a disk, its map walked,
 * its front and end read.  Inputs of other formats are passed over, so
 * each harness spends its runs on its own parser.  Images whose metadata
 * lies megabytes apart (VHDX) come as "SPRS" inputs: pieces placed at
 * their offsets in a sparse file (make-seeds.sh writes them from
 * qemu-img's images).  Errors are fine, crashes and sanitizer reports are
 * not. */
#ifndef FUZZ_IMAGE_HARNESS_H
#define FUZZ_IMAGE_HARNESS_H

#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "vmdk.h"
#include "scratch.h"

#ifndef HARNESS_FORMAT
#error "define HARNESS_FORMAT before including image_harness.h"
#endif

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

#define SPARSE_MAX (64u << 20)

/* "SPRS", then pieces: a 32-bit offset in 512-byte units, a 16-bit
 * length, the bytes; the file is as long as the last 32-bit field says
 * (at most 64 MiB). */
static const char *sparse_disk(const uint8_t *data, size_t size)
{
	const char *path = scratch_disk(NULL, 0);
	size_t at = 8;
	uint64_t file;
	int fd;

	if (!path || (fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return NULL;
	file = (uint64_t)(data[4] | data[5] << 8 | data[6] << 16 | (uint32_t)data[7] << 24) * 512;
	if (ftruncate(fd, (off_t)(file < SPARSE_MAX ? file : SPARSE_MAX)) < 0) {
		close(fd);
		return NULL;
	}
	while (at + 6 <= size) {
		uint64_t off = (uint64_t)(data[at] | data[at + 1] << 8 | data[at + 2] << 16 |
					  (uint32_t)data[at + 3] << 24) * 512;
		size_t len = (size_t)(data[at + 4] | data[at + 5] << 8);
		at += 6;
		if (len > size - at)
			len = size - at;
		if (off < SPARSE_MAX && pwrite(fd, data + at, len, (off_t)off) < 0)
			break;
		at += len;
	}
	close(fd);
	return path;
}

/* Whether the file at @path is an image of the harness's format: its
 * first bytes say so, or (a fixed VHD) its last sector. */
static bool of_harness_format(const char *path)
{
	static uint8_t head[4096];
	const char *name = NULL;
	struct stat st;
	ssize_t got;
	bool yes = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	got = pread(fd, head, sizeof(head), 0);
	if (got > 0)
		name = vmdk_probe_format(head, (size_t)got, NULL);
	yes = name && strcmp(name, HARNESS_FORMAT) == 0;
	if (!yes && strcmp(HARNESS_FORMAT, "VHD") == 0 && fstat(fd, &st) == 0 &&
	    st.st_size >= 512 && pread(fd, head, 8, st.st_size - 512) == 8)
		yes = memcmp(head, "conectix", 8) == 0;
	close(fd);
	return yes;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = size >= 8 && memcmp(data, "SPRS", 4) == 0
			   ? sparse_disk(data, size) : scratch_disk(data, size);

	if (path && of_harness_format(path))
		exercise(path);
	return 0;
}

#endif
