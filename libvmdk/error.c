/* SPDX-License-Identifier: MIT */
/* error.c --- error codes, their text, and the messages a caller reads
 * (base/errbuf.c records them) */
#include <stdio.h>
#include <string.h>

#include "core.h"

const char *vmdk_errmsg(const vmdk_disk *d)
{
	return d ? d->eb.msg : vmdk_open_errbuf()->msg;
}

const char *vmdk_errfile(const vmdk_disk *d)
{
	return d ? d->eb.file : vmdk_open_errbuf()->file;
}

const char *vmdk_version(void)
{
	return VMDK_VERSION_STRING;
}

static const struct {
	int code;
	const char *text;
} codes[] = {
	{ VMDK_E_NOT_A_DISK, "not a VMDK disk" },
	{ VMDK_E_NEEDS_REPAIR, "disk metadata is corrupt and needs repair" },
	{ VMDK_E_CID_MISMATCH, "parent changed since the child was created" },
	{ VMDK_E_OUT_OF_RANGE, "sector range is past the end of the disk" },
	{ VMDK_E_NO_SPACE, "no room left in the format" },
	{ VMDK_E_LOCKED, "disk is locked by another process" },
	{ VMDK_E_UNSUPPORTED_VERSION, "unsupported format version" },
	{ VMDK_E_OPEN_PARENT, "cannot open the parent disk" },
	{ VMDK_E_BAD_DESCRIPTOR, "invalid disk descriptor" },
	{ VMDK_E_MISSING_EXTENT, "extent file missing or truncated" },
	{ VMDK_E_READ_ONLY, "disk is read-only" },
	{ VMDK_E_NOT_SUPPORTED, "operation not supported" },
	{ VMDK_E_INVALID_ARG, "invalid argument" },
	{ VMDK_E_EXISTS, "file exists" },
	{ VMDK_E_TOO_BIG, "size beyond supported limits" },
	{ VMDK_E_CANCELED, "operation canceled" },
	{ VMDK_E_UNSAFE_PATH, "descriptor names a file outside its directory" },
	{ VMDK_E_FOREIGN, "image of another format" },
};

const char *vmdk_strerror(int err)
{
	if (err >= 0)
		return "success";
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == err)
			return codes[i].text;
	if (err > -1000)
		return strerror(-err);
	return "unknown error";
}
