/* SPDX-License-Identifier: MIT */
/* info.c --- what a caller may know about an open disk */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core.h"

static uint32_t ddb_u32(const struct vmdk_descriptor *d, const char *key)
{
	const char *v = vmdk_desc_get(d, key);
	char *end;
	unsigned long n;

	if (!v)
		return 0;
	n = strtoul(v, &end, 10);
	return *end || n > UINT32_MAX ? 0 : (uint32_t)n;
}

int vmdk_get_info(vmdk_disk *d, struct vmdk_info *info)
{
	const struct vmdk_link *top;
	const struct vmdk_descriptor *desc;
	const char *v;

	if (!d || !info)
		return VMDK_E_INVALID_ARG;
	top = d->links[0];
	desc = top->desc;
	memset(info, 0, sizeof(*info));
	info->capacity = top->capacity;
	info->type = vmdk_type_of(desc);
	info->create_type = desc->create_type;
	/* The disk database is searched from the top link down (technote:
	 * "The Disk Database"). */
	for (unsigned i = 0; i < d->nlinks && !info->adapter; i++)
		info->adapter = vmdk_desc_get(d->links[i]->desc, "ddb.adapterType");
	if (!info->adapter)
		info->adapter = "";
	for (unsigned i = 0; i < d->nlinks; i++) {
		const struct vmdk_descriptor *ld = d->links[i]->desc;
		if (!info->hw_version)
			info->hw_version = (int)ddb_u32(ld, "ddb.virtualHWVersion");
		if (!info->cylinders) {
			info->cylinders = ddb_u32(ld, "ddb.geometry.cylinders");
			info->heads = ddb_u32(ld, "ddb.geometry.heads");
			info->sectors = ddb_u32(ld, "ddb.geometry.sectors");
		}
	}
	info->cid = desc->cid;
	info->parent_cid = desc->parent_cid;
	info->links = d->nlinks;
	info->extents = (unsigned)top->n_ext;
	info->parent_hint = vmdk_link_below(top);
	info->image_format = top->image ? top->image : "VMDK";
	v = vmdk_desc_get(desc, "ddb.uuid");
	info->uuid = v;
	info->descriptor_version = desc->version;
	for (size_t i = 0; i < top->n_ext; i++) {
		struct vmdk_extent_info ei;
		if (vmdk_get_extent_info(d, 0, (unsigned)i, &ei) == 0 && ei.unclean)
			info->unclean = 1;
	}
	return 0;
}

int vmdk_get_link_info(vmdk_disk *d, unsigned link, struct vmdk_link_info *li)
{
	const struct vmdk_link *l;

	if (!d || !li || link >= d->nlinks)
		return VMDK_E_INVALID_ARG;
	l = d->links[link];
	memset(li, 0, sizeof(*li));
	li->path = l->path;
	li->create_type = l->desc->create_type;
	li->cid = l->desc->cid;
	li->parent_cid = l->desc->parent_cid;
	li->parent_hint = vmdk_link_below(l);
	li->image_format = l->image ? l->image : "VMDK";
	li->backing_format = l->backing_format;
	li->extents = (unsigned)l->n_ext;
	li->embedded_descriptor = l->desc_host != NULL;
	return 0;
}

int vmdk_get_extent_info(vmdk_disk *d, unsigned link, unsigned extent,
			 struct vmdk_extent_info *ei)
{
	const struct vmdk_extent *x;
	struct stat st;

	if (!d || !ei || link >= d->nlinks || extent >= d->links[link]->n_ext)
		return VMDK_E_INVALID_ARG;
	x = &d->links[link]->ext[extent];
	memset(ei, 0, sizeof(*ei));
	ei->path = x->path;
	ei->kind = x->kind;
	ei->format = x->ops ? x->ops->name : "";
	ei->access = vmdk_access_name(x->access);
	ei->start = x->start;
	ei->sectors = x->sectors;
	ei->offset = x->offset;
	ei->writable = x->writable && x->ops && x->ops->write;
	if (x->fd >= 0 && fstat(x->fd, &st) == 0) {
		ei->file_bytes = (uint64_t)st.st_size;
		ei->allocated_bytes = (uint64_t)st.st_blocks * 512;
	}
	if (x->ops && x->priv)
		x->ops->describe(x, ei);
	return 0;
}

bool vmdk_takes_writes(vmdk_disk *d)
{
	struct vmdk_link_info li;

	if (!d || vmdk_get_link_info(d, 0, &li) < 0)
		return false;
	for (unsigned e = 0; e < li.extents; e++) {
		struct vmdk_extent_info ei;
		if (vmdk_get_extent_info(d, 0, e, &ei) < 0 ||
		    (!ei.writable && ei.path))	/* a ZERO extent has no file */
			return false;
	}
	return true;
}
