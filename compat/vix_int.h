/* SPDX-License-Identifier: MIT */
/* vix_int.h --- what the parts of libvixDiskLib share: handles and
 * connections, the error mapping, the log callbacks, progress. */
#ifndef VMDKTOOLS_VIX_INT_H
#define VMDKTOOLS_VIX_INT_H

#include <pthread.h>
#include <stdbool.h>

#include "vixDiskLib.h"
#include "vmdk.h"

#define VIX_EXPORT __attribute__((visibility("default")))

struct VixDiskLibConnectParam {
	Bool read_only;		/* ConnectEx(readOnly): every open read-only */
};

/* A handle's asynchronous requests: queued, done in turn by one worker
 * thread, whose disk calls and the synchronous ones take @io in turn (a
 * libvmdk handle serves one call at a time). */
struct vix_request;
struct vix_async {
	pthread_mutex_t io;		/* around every call on the disk */
	pthread_mutex_t lock;		/* the queue and the counts */
	pthread_cond_t changed;
	struct vix_request *head, *tail;
	unsigned pending;		/* queued or running */
	bool started, stopping;
	pthread_t worker;
};

struct VixDiskLibHandleStruct {
	vmdk_disk *d;
	char *path;
	uint32 flags;		/* VIXDISKLIB_FLAG_OPEN_* */
	struct VixDiskLibConnectParam *conn;
	struct vix_async async;
};

/* vixdisklib_async.c: set up and end a handle's queue; wait until every
 * request of @h is done. */
void vix_async_init(VixDiskLibHandle h);
void vix_async_end(VixDiskLibHandle h);
void vix_async_wait(VixDiskLibHandle h);
/* Around any other call on @h's disk: its requests done, then @io held. */
void vix_io_begin(VixDiskLibHandle h);
void vix_io_end(VixDiskLibHandle h);

/* libvmdk's error as VDDK's, its detailed message kept for
 * VixDiskLib_GetErrorText(); 0 is VIX_OK. */
VixError vix_error(int err);
/* An error of our own with its text. */
VixError vix_fail(VixError code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* InitEx's log and warning callbacks (no-ops before Init). */
void vix_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vix_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* libvmdk progress as VDDK's percentages, each told once. */
struct vix_progress {
	VixDiskLibProgressFunc fn;
	void *data;
	int last;
};
int vix_progress_cb(void *arg, uint64_t done, uint64_t total);
void vix_progress_done(struct vix_progress *p);

/* VDDK's disk and adapter types as libvmdk's (-1: none). */
int vix_to_vmdk_type(VixDiskLibDiskType t);
int vix_to_vmdk_adapter(VixDiskLibAdapterType a);
VixDiskLibAdapterType vix_from_vmdk_adapter(const char *name);

/* Reopen @h's disk as it was opened (after a call that needed the
 * files to itself). */
VixError vix_reopen(VixDiskLibHandle h);

#endif
