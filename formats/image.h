/* SPDX-License-Identifier: MIT */
/* image.h --- the level above extents: which image format a file is.
 * Every format bids on a file's first bytes (the surest wins); VMDK's
 * own files (descriptors, monolithic sparse and stream files) go on to
 * the descriptor path, a format with a reader is read as one extent
 * covering the whole image, and a format we only know is refused by
 * name.  Raw is never guessed: it is taken only when asked for. */
#ifndef VMDK_IMAGE_H
#define VMDK_IMAGE_H

#include "format.h"

/* How sure a format is that the first bytes are its own. */
enum vmdk_bid {
	VMDK_BID_NO = 0,
	VMDK_BID_TEXT = 10,	/* a text signature that could be content */
	VMDK_BID_MAGIC = 50,	/* a binary magic number */
	VMDK_BID_SURE = 100,	/* a magic and fields that fit it */
};

/* What a whole-image reader tells about the image it opened. */
struct vmdk_image_meta {
	const char *backing;		/* the backing image's name, or NULL */
	const char *backing_format;	/* its format's name, or NULL: probe */
	/* The image's own identity and the one it records of its parent
	 * (16 bytes each, or NULL): a parent of another identity is not
	 * the image the child was made from. */
	const uint8_t *id, *parent_id;
	/* A file holding the image's data (qcow2's external data file),
	 * named as the backing file is; handed to attach_data once open. */
	const char *data_file;
};

struct vmdk_image_format {
	const char *name;		/* "qcow2", "VHD", ... */
	/* A VMDK_BID_* for @got bytes at the start of the file. */
	int (*bid)(const uint8_t *head, size_t got);
	/* The same for the last 512 bytes, for a format whose only mark is
	 * at the end (a fixed VHD); NULL: none. */
	int (*bid_tail)(const uint8_t *tail, size_t got);
	bool vmdk;			/* VMDK's own: the descriptor path */
	/* Reads the image as one extent; its open slot sets x->sectors
	 * (the capacity) and its image slot the backing.  NULL: refused. */
	const struct vmdk_format_ops *reader;
	void (*meta)(const struct vmdk_extent *x, struct vmdk_image_meta *m);
	/* For a format whose children name their parent by identity alone
	 * (VDI): the identity in a file's first bytes (0, or -1 for none);
	 * the parent is looked for in the child's directory. */
	int (*head_id)(const uint8_t *head, size_t got, uint8_t *id);
	/* The data file the meta named, open on @fd (taken) at @path. */
	int (*attach_data)(struct vmdk_extent *x, int fd, const char *path);
};

/* Bytes of a file's start every bid may look at. */
#define VMDK_IMAGE_HEAD 512

/* The format the first @got bytes of a file bid surest for, or NULL. */
const struct vmdk_image_format *vmdk_image_pick(const uint8_t *head, size_t got);
/* The format whose tail bid the last @got bytes answer, or NULL. */
const struct vmdk_image_format *vmdk_image_pick_tail(const uint8_t *tail, size_t got);
/* The format called @name (case ignored; "raw" is none of them), or NULL. */
const struct vmdk_image_format *vmdk_image_named(const char *name);

/* image_common.c: a table of @count entries of @width bytes (4 or 8,
 * little-endian, or big-endian with @big) at @off, read through @read a
 * page at a time, the least recently used page giving way: memory does
 * not grow with it. */
#define VMDK_ENTRY_PAGE 1024u
#define VMDK_ENTRY_PAGES 16u
struct vmdk_entry_page {
	uint64_t first;		/* entry index + 1; 0: empty */
	uint64_t last_use;
	uint64_t e[VMDK_ENTRY_PAGE];
};
struct vmdk_entry_pages {
	uint64_t off, count;
	unsigned width;
	bool big;
	/* Reads @x's file (its error set); @x is the extent as it is now. */
	int (*read)(struct vmdk_extent *x, void *buf, size_t len, uint64_t off);
	uint64_t uses;
	struct vmdk_entry_page page[VMDK_ENTRY_PAGES];
};
int vmdk_entry_pages_get(struct vmdk_entry_pages *t, struct vmdk_extent *x,
			 uint64_t i, uint64_t *e);
/* The check slot of a whole-image reader: x->ops' open (what it refuses
 * is the one problem reported), @walk over what it opened, its close. */
int vmdk_image_check(struct vmdk_check_ctx *c, const uint8_t *first,
		     int (*walk)(struct vmdk_check_ctx *c));
/* The slots a read-only whole image has nothing for. */
int vmdk_image_flush(struct vmdk_extent *x);
void vmdk_image_no_descriptor(const struct vmdk_extent *x, uint64_t *off,
			      uint64_t *len);

/* windows_names.c: @len bytes in @from (an iconv encoding) as a UTF-8
 * string (unconvertible characters left out), or NULL; @name (freed on
 * NULL) with Windows separators made '/', a leading "./" dropped, or for
 * @base_only its last component alone; NULL when nothing is left. */
char *vmdk_to_utf8(const char *from, const uint8_t *in, size_t len);
char *vmdk_windows_name(char *name, bool base_only);

/* crc32c.c: CRC-32C of @len bytes (VHDX's checksums). */
uint32_t vmdk_crc32c(const void *data, size_t len);

/* The readers (one module each). */
extern const struct vmdk_format_ops vmdk_qcow2_ops, vmdk_vhd_ops, vmdk_vdi_ops,
	vmdk_vhdx_ops;
void vmdk_vhdx_meta(const struct vmdk_extent *x, struct vmdk_image_meta *m);
void vmdk_vdi_meta(const struct vmdk_extent *x, struct vmdk_image_meta *m);
int vmdk_vdi_head_id(const uint8_t *head, size_t got, uint8_t *id);
void vmdk_qcow2_meta(const struct vmdk_extent *x, struct vmdk_image_meta *m);
int vmdk_qcow2_attach_data(struct vmdk_extent *x, int fd, const char *path);
void vmdk_vhd_meta(const struct vmdk_extent *x, struct vmdk_image_meta *m);

#endif
