/* SPDX-License-Identifier: MIT */
/* vhd_parent.c --- the parent of a differencing VHD, located the way
 * Hyper-V records it: a relative path (W2ru, or the older Wi2r) taken
 * beside the child; else the file name of an absolute one (W2ku, Wi2k,
 * MacX) or of the parent name in the header, looked for beside the child
 * (an absolute Windows path never exists here). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vhd.h"

#define LOCATORS 8
#define LOCATOR_AT 576u
#define PARENT_NAME_AT 64u
#define MAX_LOCATOR 4096u

/* A "file://" URL's path, percent escapes left as they are. */
static char *url_path(char *url)
{
	if (url && strncmp(url, "file://", 7) == 0)
		memmove(url, url + 7, strlen(url + 7) + 1);
	return url;
}

static int read_locator(struct vmdk_extent *x, const uint8_t *entry, char **out)
{
	uint32_t len = vmdk_be32(entry + 8);
	uint64_t off = vmdk_be64(entry + 16);
	const char *code = (const char *)entry;
	uint8_t *data;
	int err;

	*out = NULL;
	if (!len || len > MAX_LOCATOR || off > x->file_size || len > x->file_size - off)
		return 0;	/* an unusable locator: the next one may do */
	if (!(data = malloc(len)))
		return -ENOMEM;
	err = vmdk_extent_pread(x, data, len, off);
	if (err == 0) {
		if (!memcmp(code, "W2ru", 4) || !memcmp(code, "W2ku", 4))
			*out = vmdk_to_utf8("UTF-16LE", data, len);
		else if (!memcmp(code, "MacX", 4))
			*out = url_path(vmdk_to_utf8("UTF-8", data, len));
		else
			*out = vmdk_to_utf8("ISO-8859-1", data, len);
	}
	free(data);
	return err;
}

int vhd_parent_name(struct vmdk_extent *x, const uint8_t *dyn, char **out)
{
	static const char *const order[] = { "W2ru", "Wi2r", "W2ku", "Wi2k", "MacX" };
	int err;

	*out = NULL;
	for (size_t o = 0; o < sizeof(order) / sizeof(*order); o++)
		for (unsigned i = 0; i < LOCATORS; i++) {
			const uint8_t *e = dyn + LOCATOR_AT + 24 * i;
			char *name;
			if (memcmp(e, order[o], 4))
				continue;
			if ((err = read_locator(x, e, &name)) < 0)
				return err;
			/* Relative ones (W2ru, Wi2r) keep their directories. */
			*out = vmdk_windows_name(name, o >= 2);
			if (*out)
				return 0;
		}
	*out = vmdk_windows_name(vmdk_to_utf8("UTF-16BE", dyn + PARENT_NAME_AT, 512), true);
	return 0;
}
