/* SPDX-License-Identifier: MIT */
/* fuzz_check.c --- libFuzzer harness for vmdk_check without repair: any
 * input (held in memory, never written) is checked with its chain; every
 * problem must come with a printable message.  fuzz_repair.c repairs. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmdk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int seen(void *arg, const struct vmdk_problem *p)
{
	(void)arg;
	if (!p->message || !p->file || strlen(p->message) > 4096)
		abort();
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmdk_check_report r;
	char path[64];
	int fd = memfd_create("fuzz.vmdk", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		vmdk_check(path, VMDK_CHECK_CHAIN, NULL, seen, NULL, &r);
	}
	close(fd);
	return 0;
}
