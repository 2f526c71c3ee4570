/* SPDX-License-Identifier: MIT */
/* types.c --- the disk types of vmware-vdiskmanager's -t option (their
 * names, what their descriptors say, how their files are named) and the
 * adapter names */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core.h"

static const struct vmdk_type_def types[VMDK_TYPE_COUNT] = {
	[VMDK_TYPE_MONOLITHIC_SPARSE] = { "monolithicSparse", "monolithicSparse",
					  "SPARSE", NULL, false, false },
	[VMDK_TYPE_SPLIT_SPARSE] = { "twoGbMaxExtentSparse", "twoGbMaxExtentSparse",
				     "SPARSE", "s", true, false },
	[VMDK_TYPE_MONOLITHIC_FLAT] = { "monolithicFlat", "monolithicFlat",
					"FLAT", "flat", false, false },
	[VMDK_TYPE_SPLIT_FLAT] = { "twoGbMaxExtentFlat", "twoGbMaxExtentFlat",
				   "FLAT", "f", true, false },
	[VMDK_TYPE_VMFS_THICK] = { "vmfs", "vmfs", "VMFS", "flat", false, false },
	[VMDK_TYPE_STREAM_OPTIMIZED] = { "streamOptimized", "streamOptimized",
					 "SPARSE", NULL, false, false },
	/* createType "vmfs" with ddb.thinProvisioned = "1" */
	[VMDK_TYPE_VMFS_THIN] = { "vmfsThin", "vmfs", "VMFS", "flat", false, true },
};

/* Other spellings seen in descriptors and scripts. */
static const struct {
	const char *name;
	int type;
} aliases[] = {
	{ "2GbMaxExtentSparse", VMDK_TYPE_SPLIT_SPARSE },
	{ "2GbMaxExtentFlat", VMDK_TYPE_SPLIT_FLAT },
	{ "vmfsPreallocated", VMDK_TYPE_VMFS_THICK },
	{ "vmfsEagerZeroedThick", VMDK_TYPE_VMFS_THICK },
	{ "vmfsThick", VMDK_TYPE_VMFS_THICK },
};

/* createTypes we read but do not create (technote: "createType"). */
static const char *const read_only_types[] = {
	"vmfsSparse", "vmfsSeSparse", "seSparse", "vmfsRDM", "vmfsRDMP",
	"vmfsRaw", "fullDevice", "partitionedDevice", "custom",
};

static const char *const adapter_names[VMDK_ADAPTER_COUNT] = {
	[VMDK_ADAPTER_IDE] = "ide",
	[VMDK_ADAPTER_BUSLOGIC] = "buslogic",
	[VMDK_ADAPTER_LSILOGIC] = "lsilogic",
	[VMDK_ADAPTER_PVSCSI] = "pvscsi",
};

#define COUNT(a) (sizeof(a) / sizeof(*(a)))

const struct vmdk_type_def *vmdk_type_def(int type)
{
	return type >= 0 && type < VMDK_TYPE_COUNT ? &types[type] : NULL;
}

int vmdk_type_from_name(const char *name)
{
	if (!name)
		return -1;
	if (name[0] >= '0' && name[0] <= '6' && name[1] == '\0')
		return name[0] - '0';
	for (int i = 0; i < VMDK_TYPE_COUNT; i++)
		if (strcasecmp(name, types[i].name) == 0)
			return i;
	for (size_t i = 0; i < COUNT(aliases); i++)
		if (strcasecmp(name, aliases[i].name) == 0)
			return aliases[i].type;
	return -1;
}

const char *vmdk_type_name(int type)
{
	return type >= 0 && type < VMDK_TYPE_COUNT ? types[type].name : NULL;
}

int vmdk_type_of(const struct vmdk_descriptor *d)
{
	const char *thin = vmdk_desc_get(d, "ddb.thinProvisioned");
	int t;

	/* A bare digit is a -t value, not a createType. */
	if (d->create_type[0] >= '0' && d->create_type[0] <= '9')
		return VMDK_TYPE_OTHER;
	t = vmdk_type_from_name(d->create_type);
	if (t == VMDK_TYPE_VMFS_THICK && thin && strcmp(thin, "1") == 0)
		return VMDK_TYPE_VMFS_THIN;
	return t;
}

bool vmdk_create_type_known(const char *create_type)
{
	if (vmdk_type_from_name(create_type) >= 0 &&
	    !(create_type[0] >= '0' && create_type[0] <= '9'))
		return true;
	for (size_t i = 0; i < COUNT(read_only_types); i++)
		if (strcasecmp(create_type, read_only_types[i]) == 0)
			return true;
	return false;
}

int vmdk_adapter_from_name(const char *name)
{
	if (!name)
		return -1;
	for (int i = VMDK_ADAPTER_IDE; i < VMDK_ADAPTER_COUNT; i++)
		if (strcasecmp(name, adapter_names[i]) == 0)
			return i;
	return -1;
}

const char *vmdk_adapter_name(int adapter)
{
	return adapter >= 0 && adapter < VMDK_ADAPTER_COUNT
		       ? adapter_names[adapter] : NULL;
}
