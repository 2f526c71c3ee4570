/* SPDX-License-Identifier: MIT */
/* fuzz_check.c --- libFuzzer harness for vmdk_check: the check of any
 * input, then a repair of it (the input is a scratch copy in memory) and
 * a second check, which must then find no error.  Only monolithic inputs
 * are repaired: their one extent is the input itself, where a fuzzed text
 * descriptor could name files of this machine. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmdk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int yes(void *arg, const struct vmdk_problem *p)
{
	(void)arg;
	/* Every field a caller may print must be printable. */
	if (!p->message || !p->file || strlen(p->message) > 4096)
		abort();
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmdk_check_report r, again;
	char path[64];
	int fd = memfd_create("fuzz.vmdk", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	vmdk_check(path, VMDK_CHECK_CHAIN, NULL, yes, NULL, &r);
	if (size >= 4 && memcmp(data, "KDMV", 4) == 0 &&
	    vmdk_check(path, VMDK_CHECK_REPAIR, NULL, yes, NULL, &r) == 0 &&
	    r.fixed && !r.unfixable &&
	    vmdk_check(path, 0, NULL, yes, NULL, &again) == 0 && again.errors) {
		fprintf(stderr, "repair left %u errors\n", again.errors);
		abort();
	}
	close(fd);
	return 0;
}
