/* SPDX-License-Identifier: MIT */
/* foreign.c --- images of other formats (qcow2, VHD, VHDX, VDI, QED...),
 * told by the image registry's bids (and a fixed VHD by its footer), so
 * that one is never taken for a broken descriptor or copied as raw
 * bytes, its metadata becoming disk content. */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "core.h"
#include "image.h"

const char *vmdk_foreign_head(const uint8_t *head, size_t got)
{
	const struct vmdk_image_format *img = vmdk_image_pick(head, got);

	return img && !img->vmdk ? img->name : NULL;
}

const char *vmdk_probe_format(const void *head, size_t len, bool *readable)
{
	const struct vmdk_image_format *img = head ? vmdk_image_pick(head, len) : NULL;

	if (readable)
		*readable = img && (img->vmdk || img->reader);
	return img ? img->name : NULL;
}

const char *vmdk_foreign_format(int fd)
{
	uint8_t head[512] = { 0 }, tail[8] = { 0 };
	size_t got = 0, tgot = 0;
	uint64_t size = 0;

	if (fd < 0 || vmdk_pread_upto(fd, head, sizeof(head), 0, &got) < 0)
		return NULL;
	if (vmdk_foreign_head(head, got))
		return vmdk_foreign_head(head, got);
	if (vmdk_file_size(fd, &size) == 0 && size >= 1024 && size % 512 == 0 &&
	    vmdk_pread_upto(fd, tail, sizeof(tail), size - 512, &tgot) == 0 &&
	    tgot == 8 && memcmp(tail, "conectix", 8) == 0)
		return "VHD";
	return NULL;
}

int vmdk_foreign_error(struct vmdk_errbuf *eb, int err, const char *path,
		       int fd)
{
	const char *f;

	if (err != VMDK_E_BAD_DESCRIPTOR && err != VMDK_E_NOT_A_DISK)
		return err;
	f = vmdk_foreign_format(fd);
	return f ? vmdk_seterr_at(eb, VMDK_E_FOREIGN, path,
				  "a %s image, not a VMDK "
				  "disk",
				  f)
		 : err;
}
