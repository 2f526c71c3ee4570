/* SPDX-License-Identifier: MIT */
/* fuzz_redo.c --- libFuzzer harness for the redo-log readers: the input
 * is a vmfsSparse (COWD) or seSparse extent, named by a fixed descriptor
 * (its first byte picks which), with no parent; it is opened and read. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmdk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[64 * 512];
	int ext = memfd_create("extent", 0), desc = memfd_create("desc", 0);
	char text[512], path[64];
	vmdk_disk *d;

	if (ext >= 0 && desc >= 0 && size > 0 &&
	    write(ext, data, size) == (ssize_t)size) {
		bool se = size >= 4 && data[0] == 0xbe;	/* 0xcafebabe, LE */
		int n = snprintf(text, sizeof(text),
				 "version=1\nCID=1\nparentCID=ffffffff\n"
				 "createType=\"%s\"\nRW 65536 %s \"/proc/self/fd/%d\"\n",
				 se ? "seSparse" : "vmfsSparse",
				 se ? "SESPARSE" : "VMFSSPARSE", ext);
		if (write(desc, text, (size_t)n) == n) {
			snprintf(path, sizeof(path), "/proc/self/fd/%d", desc);
			if (vmdk_open(path, VMDK_OPEN_RDONLY, &d) == 0) {
				for (uint64_t s = 0; s < 65536; s += 4096)
					if (vmdk_read(d, s, 64, buf) < 0)
						break;
				vmdk_close(d);
			}
		}
	}
	if (ext >= 0)
		close(ext);
	if (desc >= 0)
		close(desc);
	return 0;
}
