/* SPDX-License-Identifier: MIT */
/* errbuf.c --- recording a failure: its message and the file it concerns,
 * in the caller's buffer and in the thread's own (vmdk_errmsg(NULL)) */
#include <stdio.h>
#include <string.h>

#include "base.h"

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
