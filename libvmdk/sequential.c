/* SPDX-License-Identifier: MIT */
/* sequential.c --- a disk read once, front to back, from a pipe: a
 * streamOptimized VMDK (its header gives the size) or a raw image of a
 * size the caller gives.  What a clone from standard input reads, without
 * a copy of the input being stored first. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

static bool is_vmdk_head(const uint8_t *head, size_t got)
{
	return got >= 4 && (memcmp(head, "KDMV", 4) == 0 || memcmp(head, "COWD", 4) == 0 ||
			    memcmp(head, "# Disk DescriptorFile", got < 21 ? got : 21) == 0);
}

static int open_stream(int fd, const char *name, const uint8_t *head, vmdk_disk **out)
{
	struct vmdk_errbuf *oeb = vmdk_open_errbuf();
	struct vmdk_extent x = { .ops = &vmdk_stream_pipe_ops, .kind = "SPARSE",
				 .fd = fd, .eb = oeb, .path = (char *)name };
	struct vmdk_descriptor *desc = NULL;
	char *text = NULL;
	int err = vmdk_stream_pipe_open(&x, head, &text);

	x.path = NULL;
	if (err < 0)
		return err;
	err = vmdk_desc_parse(text, strlen(text), &desc, oeb);
	if (err < 0)
		err = vmdk_seterr_at(oeb, err, name, "%s", oeb->msg);
	else if (desc->parent_hint)
		err = vmdk_seterr_at(oeb, VMDK_E_NOT_SUPPORTED, name,
				     "a child disk (it names "
				     "a parent); give its file name, so that the parent "
				     "is found beside it");
	else if (vmdk_desc_extent_count(desc) != 1 ||
		 vmdk_desc_extent(desc, 0)->sectors != x.sectors)
		err = vmdk_seterr_at(oeb, VMDK_E_NEEDS_REPAIR, name,
				     "the descriptor's extents "
				     "do not hold the %llu sectors the header gives",
				     (unsigned long long)x.sectors);
	vmdk_desc_free(desc);
	if (err == 0)
		err = vmdk_one_extent_disk(name, text, &x, out);
	else
		x.ops->close(&x);
	free(text);
	return err;
}

int vmdk_open_sequential(int fd, const char *name, const void *head, size_t head_len,
			 uint64_t raw_bytes, unsigned flags, vmdk_disk **out)
{
	struct vmdk_errbuf *oeb = vmdk_open_errbuf();
	bool as_raw = flags & VMDK_OPEN_RAW_FOREIGN;
	struct vmdk_extent x = { .ops = &vmdk_raw_pipe_ops, .kind = "RAW", .fd = fd,
				 .eb = oeb, .path = (char *)name };
	const char *foreign = vmdk_foreign_head(head, head_len);
	bool readable = false;
	char *text;
	int err;

	oeb->msg[0] = '\0';
	if (fd < 0 || !name || (!head && head_len) || !out)
		return vmdk_seterr(oeb, VMDK_E_INVALID_ARG, "no pipe given");
	if (!as_raw && vmdk_stream_pipe_fits(head, head_len)) {
		if (raw_bytes)
			return vmdk_seterr_at(oeb, VMDK_E_INVALID_ARG, name,
					      "a streamOptimized "
					      "disk gives its own size");
		return open_stream(fd, name, head, out);
	}
	if (!as_raw && is_vmdk_head(head, head_len))
		return vmdk_seterr_at(oeb, VMDK_E_NOT_A_DISK, name,
				      "only a streamOptimized "
				      "VMDK can be read from a pipe as it comes");
	if (!as_raw && foreign && !raw_bytes && vmdk_probe_format(head, head_len, &readable) &&
	    readable)
		return vmdk_seterr_at(oeb, VMDK_E_NOT_A_DISK, name,
				      "a %s image is read from "
				      "a file, not as it comes",
				      foreign);
	if (!as_raw && foreign)
		return vmdk_seterr_at(oeb, VMDK_E_FOREIGN, name, "a %s image, not raw",
				      foreign);
	if (!raw_bytes)
		return vmdk_seterr_at(oeb, VMDK_E_NOT_A_DISK, name,
				      "not a streamOptimized "
				      "VMDK; a raw image on a pipe needs its size");
	if (raw_bytes > VMDK_MAX_CAPACITY * VMDK_SECTOR)
		return vmdk_seterr_at(oeb, VMDK_E_TOO_BIG, name, "larger than 64 TiB");
	if ((err = vmdk_raw_pipe_open(&x, head, head_len, raw_bytes)) < 0)
		return err;
	x.path = NULL;
	if (asprintf(&text, "createType=\"raw\"\nRW %llu FLAT \"raw\" 0\n",
		     (unsigned long long)x.sectors) < 0) {
		x.ops->close(&x);
		return -ENOMEM;
	}
	err = vmdk_one_extent_disk(name, text, &x, out);
	free(text);
	if (err == 0)
		(*out)->links[0]->image = "raw";
	return err;
}
