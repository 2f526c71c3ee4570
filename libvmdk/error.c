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
 * answers.  The message is formatted aside first, since callers pass a
 * buffer's own text (and its file) to be wrapped. */
static int record(struct vmdk_errbuf *eb, int code, const char *file, const char *fmt,
		  va_list ap)
{
	char msg[VMDK_ERRMSG_MAX], at[VMDK_ERRFILE_MAX];
	int n = 0;

	snprintf(at, sizeof(at), "%s", file ? file : "");
	if (at[0])
		n = snprintf(msg, sizeof(msg), "%s: ", at);
	if (n >= 0 && (size_t)n < sizeof(msg))
		vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	if (eb) {
		memcpy(eb->msg, msg, sizeof(msg));
		memcpy(eb->file, at, sizeof(at));
	}
	memcpy(open_errbuf.msg, msg, sizeof(msg));
	memcpy(open_errbuf.file, at, sizeof(at));
	return code;
}

int vmdk_seterr(struct vmdk_errbuf *eb, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(eb, code, NULL, fmt, ap);
	va_end(ap);
	return code;
}

int vmdk_seterr_at(struct vmdk_errbuf *eb, int code, const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(eb, code, file, fmt, ap);
	va_end(ap);
	return code;
}

int vmdk_errcopy(struct vmdk_errbuf *eb, int code, const struct vmdk_errbuf *from)
{
	struct vmdk_errbuf copy;

	memcpy(&copy, from, sizeof(copy));
	if (eb)
		memcpy(eb, &copy, sizeof(copy));
	memcpy(&open_errbuf, &copy, sizeof(copy));
	return code;
}

const char *vmdk_errmsg(const vmdk_disk *d)
{
	return d ? d->eb.msg : open_errbuf.msg;
}

const char *vmdk_errfile(const vmdk_disk *d)
{
	return d ? d->eb.file : open_errbuf.file;
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
