/* names.c --- disk type and adapter names, as vmware-vdiskmanager spells
 * them */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vmdk_int.h"

static const char *const type_names[VMDK_TYPE_COUNT] = {
	[VMDK_TYPE_MONOLITHIC_SPARSE] = "monolithicSparse",
	[VMDK_TYPE_SPLIT_SPARSE] = "twoGbMaxExtentSparse",
	[VMDK_TYPE_MONOLITHIC_FLAT] = "monolithicFlat",
	[VMDK_TYPE_SPLIT_FLAT] = "twoGbMaxExtentFlat",
	[VMDK_TYPE_VMFS_THICK] = "vmfs",
	[VMDK_TYPE_STREAM_OPTIMIZED] = "streamOptimized",
	[VMDK_TYPE_VMFS_THIN] = "vmfsThin",
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

static const char *const adapter_names[VMDK_ADAPTER_COUNT] = {
	[VMDK_ADAPTER_IDE] = "ide",
	[VMDK_ADAPTER_BUSLOGIC] = "buslogic",
	[VMDK_ADAPTER_LSILOGIC] = "lsilogic",
	[VMDK_ADAPTER_PVSCSI] = "pvscsi",
};

int vmdk_type_from_name(const char *name)
{
	if (!name)
		return -1;
	if (name[0] >= '0' && name[0] <= '6' && name[1] == '\0')
		return name[0] - '0';
	for (int i = 0; i < VMDK_TYPE_COUNT; i++)
		if (strcasecmp(name, type_names[i]) == 0)
			return i;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(*aliases); i++)
		if (strcasecmp(name, aliases[i].name) == 0)
			return aliases[i].type;
	return -1;
}

const char *vmdk_type_name(int type)
{
	return type >= 0 && type < VMDK_TYPE_COUNT ? type_names[type] : NULL;
}

int vmdk_adapter_from_name(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < VMDK_ADAPTER_COUNT; i++)
		if (strcasecmp(name, adapter_names[i]) == 0)
			return i;
	return -1;
}

const char *vmdk_adapter_name(int adapter)
{
	return adapter >= 0 && adapter < VMDK_ADAPTER_COUNT
		       ? adapter_names[adapter] : NULL;
}
