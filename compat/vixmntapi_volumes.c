/* SPDX-License-Identifier: MIT */
/* vixmntapi_volumes.c --- a disk set's volumes: libvmdk reads the set's
 * flat file (served by the set's own thread) as a raw image and lists
 * its partitions and filesystems through libblkid */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flat_fuse.h"
#include "vixmntapi_int.h"
#include "vmdk.h"

static void fill(struct VixVolumeHandleStruct *v, const struct vmdk_content *c)
{
	snprintf(v->fstype, sizeof(v->fstype), "%s", c->ambiguous ? "" : c->type);
	snprintf(v->uuid, sizeof(v->uuid), "%s", c->uuid);
	snprintf(v->label, sizeof(v->label), "%s", c->label);
	v->mountable = !c->ambiguous && !strcmp(c->usage, "filesystem");
}

VixError mnt_find_volumes(struct VixDiskSetHandleStruct *s)
{
	char flat[PATH_MAX + 16];
	struct vmdk_volumes *vols;
	struct vmdk_info info;
	vmdk_disk *d;
	int err;

	snprintf(flat, sizeof(flat), "%s/disk/%s", s->dir, FLAT_NAME);
	err = vmdk_open_raw(flat, VMDK_OPEN_RDONLY | VMDK_OPEN_RAW_FOREIGN, &d);
	if (err < 0) {
		mnt_log(true, "VixMntapi: %s\n", vmdk_errmsg(NULL));
		return VIX_E_MNTAPI_DISK_CANT_OPEN;
	}
	vmdk_get_info(d, &info);
	err = vmdk_volumes(d, &vols);
	if (err < 0)
		mnt_log(true, "VixMntapi: %s\n", vmdk_errmsg(d));
	vmdk_close(d);
	if (err < 0)
		return VIX_E_MNTAPI_CANT_READ_PARTS;
	if (*vols->problem)
		mnt_log(true, "VixMntapi: %s\n", vols->problem);
	s->vol = calloc(vols->count + 1, sizeof(*s->vol));
	if (!s->vol) {
		vmdk_volumes_free(vols);
		return VIX_E_OUT_OF_MEMORY;
	}
	for (unsigned i = 0; i < vols->count; i++) {
		const struct vmdk_partition *p = &vols->part[i];
		struct VixVolumeHandleStruct *v = &s->vol[s->nvol];
		if (p->kind == VMDK_PART_EXTENDED || p->start >= info.capacity)
			continue;
		v->set = s;
		v->number = (int)p->number;
		v->offset = p->start * 512;
		v->bytes = (p->start + p->sectors > info.capacity ?
			    info.capacity - p->start : p->sectors) * 512;
		v->type = !strcmp(vols->table, "gpt") ? VIXMNTAPI_GPT_PARTITION :
			  VIXMNTAPI_BASIC_PARTITION;
		snprintf(v->part_uuid, sizeof(v->part_uuid), "%s", p->uuid);
		snprintf(v->part_name, sizeof(v->part_name), "%s", p->name);
		fill(v, &p->content);
		s->nvol++;
	}
	/* No table: the whole disk is the one volume, when it holds one. */
	if (!vols->count && (*vols->whole.type || vols->whole.ambiguous)) {
		struct VixVolumeHandleStruct *v = &s->vol[s->nvol++];
		v->set = s;
		v->bytes = info.capacity * 512;
		v->type = VIXMNTAPI_BASIC_PARTITION;
		fill(v, &vols->whole);
	}
	vmdk_volumes_free(vols);
	return VIX_OK;
}
