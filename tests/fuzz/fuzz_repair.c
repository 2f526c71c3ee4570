/* SPDX-License-Identifier: MIT */
/* fuzz_repair.c --- libFuzzer harness for vmdk_check's repair: the input
 * is written to a scratch file of a private directory, repaired with
 * every fix taken (a stream's salvage renames a new file over it), and
 * checked again, which must then find no error.  Only monolithic inputs
 * are repaired: their one extent is the file itself, where a fuzzed text
 * descriptor could name files of this machine. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmdk.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int yes(void *arg, const struct vmdk_problem *p)
{
	(void)arg;
	if (!p->message || !p->file || strlen(p->message) > 4096)
		abort();
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmdk_check_report r, again;
	const char *path;

	if (size < 4 || memcmp(data, "KDMV", 4))
		return 0;
	if (!(path = scratch_disk(data, size)))
		return 0;
	if (vmdk_check(path, VMDK_CHECK_REPAIR, NULL, yes, NULL, &r) == 0 &&
	    r.fixed && !r.unfixable &&
	    vmdk_check(path, 0, NULL, yes, NULL, &again) == 0 && again.errors) {
		fprintf(stderr, "repair left %u errors\n", again.errors);
		abort();
	}
	return 0;
}
