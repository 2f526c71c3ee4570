/* SPDX-License-Identifier: MIT */
/* error.c --- error codes, their text, and detailed messages */
#include <stdio.h>
#include <string.h>

#include "core.h"

static _Thread_local struct vmdk_errbuf open_errbuf;

struct vmdk_errbuf *vmdk_open_errbuf(void)
{
	return &open_errbuf;
}

/* Every failure is also the thread's last, so vmdk_errmsg(NULL) always
 * answers; formatted aside first, since callers pass a buffer's own text. */
int vmdk_seterr(struct vmdk_errbuf *eb, int code, const char *fmt, ...)
{
	char msg[VMDK_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (eb)
		memcpy(eb->msg, msg, sizeof(msg));
	memcpy(open_errbuf.msg, msg, sizeof(msg));
	return code;
}

const char *vmdk_errmsg(const vmdk_disk *d)
{
	return d ? d->eb.msg : open_errbuf.msg;
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
