/* SPDX-License-Identifier: MIT */
/* errbuf.h --- where a failure's code, message and file are recorded */
#ifndef VMDK_BASE_ERRBUF_H
#define VMDK_BASE_ERRBUF_H

#ifndef VMDK_INTERNAL
#error "an internal header of libvmdk: front ends include vmdk.h alone"
#endif

#include <stdarg.h>

#define VMDK_ERRMSG_MAX 512

#define VMDK_PRINTF(f, a) __attribute__((format(printf, f, a)))

#define VMDK_ERRFILE_MAX 4096

/* Where a detailed message goes: a handle's buffer or a thread-local one.
 * @file is the file the message concerns ("" for none); @msg begins with
 * it and ": " when it is set. */
struct vmdk_errbuf {
	char msg[VMDK_ERRMSG_MAX];
	char file[VMDK_ERRFILE_MAX];
};

/* Record @code with a formatted detail concerning no one file; returns
 * @code for tail calls. */
int vmdk_seterr(struct vmdk_errbuf *eb, int code, const char *fmt, ...)
	VMDK_PRINTF(3, 4);
/* The same concerning @file: the message is "@file: detail". */
int vmdk_seterr_at(struct vmdk_errbuf *eb, int code, const char *file, const char *fmt, ...)
	VMDK_PRINTF(4, 5);
/* Another buffer's message and file, as @code (returned). */
int vmdk_errcopy(struct vmdk_errbuf *eb, int code, const struct vmdk_errbuf *from);
/* The thread-local buffer used before a handle exists. */
struct vmdk_errbuf *vmdk_open_errbuf(void);

#endif
