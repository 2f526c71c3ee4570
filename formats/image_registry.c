/* SPDX-License-Identifier: MIT */
/* image_registry.c --- the image formats, each with its bid on a file's
 * first bytes; adding a format is one line here (and its module). */
#include <string.h>
#include <strings.h>

#include "image.h"

static bool at(const uint8_t *head, size_t got, size_t off, const char *magic,
	       size_t len)
{
	return got >= off + len && memcmp(head + off, magic, len) == 0;
}

/* VMDK's binary files: hosted sparse and stream ("KDMV"), COWD redo
 * logs and seSparse.  A descriptor is text and bids nothing: it is what
 * a file no format claims is read as. */
static int bid_vmdk(const uint8_t *h, size_t got)
{
	return at(h, got, 0, "KDMV", 4) || at(h, got, 0, "COWD", 4) ||
	       at(h, got, 0, "\xbe\xba\xfe\xca\0\0\0\0", 8) ? VMDK_BID_MAGIC
							     : VMDK_BID_NO;
}

/* qcow2 names versions 2 and 3; the first qcow has version 1. */
static int bid_qcow2(const uint8_t *h, size_t got)
{
	if (!at(h, got, 0, "QFI\xfb", 4))
		return VMDK_BID_NO;
	return got >= 8 && (vmdk_be32(h + 4) == 2 || vmdk_be32(h + 4) == 3)
	       ? VMDK_BID_SURE : VMDK_BID_MAGIC;
}

static int bid_qcow(const uint8_t *h, size_t got)
{
	return at(h, got, 0, "QFI\xfb", 4) && got >= 8 && vmdk_be32(h + 4) < 2
	       ? VMDK_BID_SURE : VMDK_BID_NO;
}

static int bid_qed(const uint8_t *h, size_t got)
{
	return at(h, got, 0, "QED\0", 4) ? VMDK_BID_MAGIC : VMDK_BID_NO;
}

static int bid_vhdx(const uint8_t *h, size_t got)
{
	return at(h, got, 0, "vhdxfile", 8) ? VMDK_BID_MAGIC : VMDK_BID_NO;
}

/* VDI: a text banner, then its signature at byte 64. */
static int bid_vdi(const uint8_t *h, size_t got)
{
	return at(h, got, 64, "\x7f\x10\xda\xbe", 4) ? VMDK_BID_MAGIC : VMDK_BID_NO;
}

/* A dynamic VHD starts with a copy of its footer; a fixed one has the
 * footer alone, in its last sector. */
static int bid_vhd(const uint8_t *h, size_t got)
{
	return at(h, got, 0, "conectix", 8) ? VMDK_BID_MAGIC : VMDK_BID_NO;
}

static int bid_parallels(const uint8_t *h, size_t got)
{
	return at(h, got, 0, "WithoutFreeSpace", 16) ||
	       at(h, got, 0, "WithouFreSpacExt", 16) ? VMDK_BID_MAGIC : VMDK_BID_NO;
}

static int bid_bochs(const uint8_t *h, size_t got)
{
	return at(h, got, 0, "Bochs Virtual HD Image", 22) ? VMDK_BID_MAGIC
							    : VMDK_BID_NO;
}

static int bid_cloop(const uint8_t *h, size_t got)
{
	return at(h, got, 0, "#!/bin/sh\n#V2.0 Format\n", 23) ? VMDK_BID_TEXT
								: VMDK_BID_NO;
}

static const struct vmdk_image_format formats[] = {
	{ .name = "VMDK", .bid = bid_vmdk, .vmdk = true },
	{ .name = "qcow2", .bid = bid_qcow2, .reader = &vmdk_qcow2_ops,
	  .meta = vmdk_qcow2_meta, .attach_data = vmdk_qcow2_attach_data },
	{ .name = "qcow", .bid = bid_qcow },
	{ .name = "QED", .bid = bid_qed },
	{ .name = "VHDX", .bid = bid_vhdx, .reader = &vmdk_vhdx_ops,
	  .meta = vmdk_vhdx_meta },
	{ .name = "VDI", .bid = bid_vdi, .reader = &vmdk_vdi_ops,
	  .meta = vmdk_vdi_meta, .head_id = vmdk_vdi_head_id },
	{ .name = "VHD", .bid = bid_vhd, .bid_tail = bid_vhd,
	  .reader = &vmdk_vhd_ops, .meta = vmdk_vhd_meta },
	{ .name = "Parallels", .bid = bid_parallels },
	{ .name = "Bochs", .bid = bid_bochs },
	{ .name = "cloop", .bid = bid_cloop },
};
#define NFORMATS (sizeof(formats) / sizeof(*formats))

const struct vmdk_image_format *vmdk_image_pick(const uint8_t *head, size_t got)
{
	const struct vmdk_image_format *best = NULL;
	int best_bid = VMDK_BID_NO;

	for (size_t i = 0; i < NFORMATS; i++) {
		int b = formats[i].bid(head, got);
		if (b > best_bid) {
			best_bid = b;
			best = &formats[i];
		}
	}
	return best;
}

const struct vmdk_image_format *vmdk_image_pick_tail(const uint8_t *tail, size_t got)
{
	for (size_t i = 0; i < NFORMATS; i++)
		if (formats[i].bid_tail && formats[i].bid_tail(tail, got))
			return &formats[i];
	return NULL;
}

const struct vmdk_image_format *vmdk_image_named(const char *name)
{
	for (size_t i = 0; name && i < NFORMATS; i++)
		if (strcasecmp(formats[i].name, name) == 0)
			return &formats[i];
	/* qemu calls VHD "vpc". */
	if (name && strcasecmp(name, "vpc") == 0)
		return vmdk_image_named("VHD");
	return NULL;
}
