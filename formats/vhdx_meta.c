/* SPDX-License-Identifier: MIT */
/* vhdx_meta.c --- a VHDX's metadata region: the table of items, and the
 * items read here (file parameters, virtual disk size, logical and
 * physical sector size, virtual disk id, parent locator).  An unknown
 * item marked required refuses the image, as [MS-VHDX] asks. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhdx.h"

#define TABLE 65536u
#define MAX_ITEM (1u << 20)
#define IS_REQUIRED 4u

enum item { FILE_PARAMS, DISK_SIZE, LOGICAL_SECTOR, PHYSICAL_SECTOR, DISK_ID,
	    PARENT_LOCATOR, NITEMS };
static const char *const item_guid[NITEMS] = {
	"caa16737-fa36-4d43-b3b6-33f0aa44e76b", "2fa54224-cd1b-4876-b211-5dbed83bf4b8",
	"8141bf1d-a96f-4709-ba47-f233a8faab5f", "cda348c7-445d-4471-9cc9-e9885251c556",
	"beca12ab-b2e6-4523-93ef-c309e000c746", "a8d35f2d-b30b-454d-abf7-d3d84834ab0c",
};
static const char *const locator_type = "b04aefb7-d19e-4a81-b789-25b8e9445913";

int vhdx_parse_guid(const char *t, uint8_t *out)
{
	unsigned a, b, c, d[8];
	int n = 0;

	if (*t == '{')
		t++;
	if (sscanf(t, "%8x-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x%n", &a, &b, &c, &d[0],
		   &d[1], &d[2], &d[3], &d[4], &d[5], &d[6], &d[7], &n) != 11 || n != 36)
		return -1;
	for (int i = 0; i < 4; i++)
		out[i] = (uint8_t)(a >> (8 * i));
	out[4] = (uint8_t)b;
	out[5] = (uint8_t)(b >> 8);
	out[6] = (uint8_t)c;
	out[7] = (uint8_t)(c >> 8);
	for (int i = 0; i < 8; i++)
		out[8 + i] = (uint8_t)d[i];
	return 0;
}

static int damaged(struct vmdk_extent *x, const char *what)
{
	return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path, "VHDX %s", what);
}

/* The UTF-16 string at @off (@len bytes) of the locator @loc. */
static char *locator_text(const uint8_t *loc, size_t size, uint32_t off, uint16_t len)
{
	return off > size || len > size - off ? NULL
	       : vmdk_to_utf8("UTF-16LE", loc + off, len);
}

/* The parent's name (relative_path, else an absolute path's last
 * component, looked for beside the child) and its data write GUID. */
static int parse_locator(struct vmdk_extent *x, struct vhdx *v, const uint8_t *loc,
			 size_t size)
{
	uint8_t type[16];
	char *rel = NULL, *abs = NULL;
	unsigned count;

	vhdx_parse_guid(locator_type, type);
	if (size < 20 || memcmp(loc, type, 16))
		return damaged(x, "parent locator is not of the VHDX type");
	count = vmdk_le16(loc + 18);
	if (20 + count * 12ull > size)
		return damaged(x, "parent locator entries run past the item");
	for (unsigned i = 0; i < count; i++) {
		const uint8_t *e = loc + 20 + i * 12;
		char *key = locator_text(loc, size, vmdk_le32(e), vmdk_le16(e + 8));
		char *val = locator_text(loc, size, vmdk_le32(e + 4), vmdk_le16(e + 10));
		if (key && val && !strcmp(key, "parent_linkage"))
			v->has_linkage = vhdx_parse_guid(val, v->parent_linkage) == 0;
		else if (key && val && !strcmp(key, "relative_path") && !rel)
			rel = val, val = NULL;
		else if (key && val && (!strcmp(key, "absolute_win32_path") ||
					!strcmp(key, "volume_path")) && !abs)
			abs = val, val = NULL;
		free(key);
		free(val);
	}
	v->parent = rel ? vmdk_windows_name(rel, false) : NULL;
	if (v->parent)
		free(abs);
	else
		v->parent = vmdk_windows_name(abs, true);
	if (!v->parent)
		return damaged(x, "differencing image names no parent path");
	if (!v->has_linkage)
		return damaged(x, "differencing image names no parent_linkage");
	return 0;
}

static int take_item(struct vmdk_extent *x, struct vhdx *v, int which,
		     const uint8_t *p, size_t len)
{
	static const size_t need[NITEMS] = { 8, 8, 4, 4, 16, 20 };

	if (len < need[which])
		return damaged(x, "metadata item is too short");
	switch (which) {
	case FILE_PARAMS:
		v->block_size = vmdk_le32(p);
		v->fixed = vmdk_le32(p + 4) & 1;
		v->has_parent = vmdk_le32(p + 4) >> 1 & 1;
		return 0;
	case DISK_SIZE:
		v->size = vmdk_le64(p);
		return 0;
	case LOGICAL_SECTOR:
		v->logical_sector = vmdk_le32(p);
		return 0;
	case PHYSICAL_SECTOR:
		v->physical_sector = vmdk_le32(p);
		return 0;
	case DISK_ID:
		memcpy(v->disk_id, p, 16);
		return 0;
	default:	/* read once the flags say whether there is a parent */
		free(v->locator);
		if (!(v->locator = malloc(len)))
			return -ENOMEM;
		memcpy(v->locator, p, len);
		v->locator_len = len;
		return 0;
	}
}

int vhdx_read_metadata(struct vmdk_extent *x, struct vhdx *v)
{
	uint8_t ids[NITEMS][16], *t = malloc(TABLE), *item = NULL;
	unsigned count;
	int err;

	if (!t)
		return -ENOMEM;
	for (int i = 0; i < NITEMS; i++)
		vhdx_parse_guid(item_guid[i], ids[i]);
	err = v->meta_len < TABLE ? damaged(x, "metadata region is too small")
				  : vhdx_pread(x, v, t, TABLE, v->meta_off);
	if (err == 0 && memcmp(t, "metadata", 8))
		err = damaged(x, "metadata table has no signature");
	count = err == 0 ? vmdk_le16(t + 10) : 0;
	if (err == 0 && (count > 2047 || 32 + count * 32ull > TABLE))
		err = damaged(x, "metadata table has too many entries");
	for (unsigned i = 0; err == 0 && i < count; i++) {
		const uint8_t *e = t + 32 + i * 32;
		uint32_t off = vmdk_le32(e + 16), len = vmdk_le32(e + 20);
		int which = -1;
		for (int k = 0; k < NITEMS; k++)
			if (!memcmp(e, ids[k], 16))
				which = k;
		if (which < 0) {
			if (vmdk_le32(e + 24) & IS_REQUIRED)
				err = vmdk_seterr_at(x->eb, VMDK_E_NOT_SUPPORTED, x->path,
						     "VHDX "
						     "metadata item required that is not "
						     "known here");
			continue;
		}
		if (len > MAX_ITEM || off > v->meta_len || len > v->meta_len - off) {
			err = damaged(x, "metadata item lies outside its region");
			break;
		}
		if (!(item = malloc(len ? len : 1))) {
			err = -ENOMEM;
			break;
		}
		err = vhdx_pread(x, v, item, len, v->meta_off + off);
		if (err == 0)
			err = take_item(x, v, which, item, len);
		free(item);
	}
	free(t);
	if (err == 0 && v->has_parent)
		err = v->locator ? parse_locator(x, v, v->locator, v->locator_len)
				 : damaged(x, "differencing image has no parent locator");
	free(v->locator);
	v->locator = NULL;
	if (err < 0 && err > -4096 && err != -ENOMEM && !strstr(x->eb->msg, x->path))
		err = vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err));
	return err;
}
