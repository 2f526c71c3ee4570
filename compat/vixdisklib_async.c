/* SPDX-License-Identifier: MIT */
/* vixdisklib_async.c --- VixDiskLib_ReadAsync, WriteAsync, Wait and
 * Flush.  A request is queued and VIX_ASYNC returned; one worker thread
 * per handle (started at its first request) does the requests in turn
 * and runs each callback with the result.  Synchronous calls may come
 * meanwhile from any thread: every call on the disk takes the handle's
 * io lock. */
#define _GNU_SOURCE
#include <stdlib.h>

#include "vix_int.h"

struct vix_request {
	struct vix_request *next;
	bool write;
	VixDiskLibSectorType start, count;
	uint8 *buf;
	VixDiskLibCompletionCB callback;
	void *data;
};

void vix_async_init(VixDiskLibHandle h)
{
	pthread_mutex_init(&h->async.io, NULL);
	pthread_mutex_init(&h->async.lock, NULL);
	pthread_cond_init(&h->async.changed, NULL);
}

static VixError run(VixDiskLibHandle h, const struct vix_request *r)
{
	int err;

	pthread_mutex_lock(&h->async.io);
	err = r->write ? vmdk_write(h->d, r->start, r->count, r->buf)
		       : vmdk_read(h->d, r->start, r->count, r->buf);
	pthread_mutex_unlock(&h->async.io);
	return vix_error(err);
}

static void *worker(void *arg)
{
	VixDiskLibHandle h = arg;
	struct vix_async *a = &h->async;

	pthread_mutex_lock(&a->lock);
	for (;;) {
		struct vix_request *r = a->head;
		if (!r) {
			if (a->stopping)
				break;
			pthread_cond_wait(&a->changed, &a->lock);
			continue;
		}
		a->head = r->next;
		if (!a->head)
			a->tail = NULL;
		pthread_mutex_unlock(&a->lock);
		VixError result = run(h, r);
		if (r->callback)
			r->callback(r->data, result);
		free(r);
		pthread_mutex_lock(&a->lock);
		a->pending--;
		pthread_cond_broadcast(&a->changed);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

static VixError submit(VixDiskLibHandle h, bool write, VixDiskLibSectorType start,
		       VixDiskLibSectorType count, uint8 *buf,
		       VixDiskLibCompletionCB callback, void *data)
{
	struct vix_async *a;
	struct vix_request *r;

	if (!h || !h->d)
		return vix_fail(VIX_E_INVALID_HANDLE, "not an open disk handle");
	if (!buf && count)
		return vix_fail(VIX_E_INVALID_ARG, "no buffer");
	if (write && (h->flags & VIXDISKLIB_FLAG_OPEN_READ_ONLY))
		return vix_fail(VIX_E_FILE_READ_ONLY, "%s: opened read-only", h->path);
	r = calloc(1, sizeof(*r));
	if (!r)
		return vix_fail(VIX_E_OUT_OF_MEMORY, "out of memory");
	*r = (struct vix_request){ .write = write, .start = start, .count = count,
				   .buf = buf, .callback = callback, .data = data };
	a = &h->async;
	pthread_mutex_lock(&a->lock);
	if (!a->started) {
		if (pthread_create(&a->worker, NULL, worker, h) != 0) {
			pthread_mutex_unlock(&a->lock);
			free(r);
			return vix_fail(VIX_E_FAIL, "%s: no thread for asynchronous I/O",
					h->path);
		}
		a->started = true;
	}
	if (a->tail)
		a->tail->next = r;
	else
		a->head = r;
	a->tail = r;
	a->pending++;
	pthread_cond_broadcast(&a->changed);
	pthread_mutex_unlock(&a->lock);
	return VIX_ASYNC;
}

VIX_EXPORT VixError VixDiskLib_ReadAsync(VixDiskLibHandle diskHandle,
					 VixDiskLibSectorType startSector,
					 VixDiskLibSectorType numSectors, uint8 *readBuffer,
					 VixDiskLibCompletionCB callback, void *cbData)
{
	return submit(diskHandle, false, startSector, numSectors, readBuffer, callback,
		      cbData);
}

VIX_EXPORT VixError VixDiskLib_WriteAsync(VixDiskLibHandle diskHandle,
					  VixDiskLibSectorType startSector,
					  VixDiskLibSectorType numSectors,
					  const uint8 *writeBuffer,
					  VixDiskLibCompletionCB callback, void *cbData)
{
	/* The buffer is only read. */
	return submit(diskHandle, true, startSector, numSectors, (uint8 *)writeBuffer,
		      callback, cbData);
}

void vix_async_wait(VixDiskLibHandle h)
{
	struct vix_async *a = &h->async;

	pthread_mutex_lock(&a->lock);
	while (a->pending)
		pthread_cond_wait(&a->changed, &a->lock);
	pthread_mutex_unlock(&a->lock);
}

void vix_io_begin(VixDiskLibHandle h)
{
	vix_async_wait(h);
	pthread_mutex_lock(&h->async.io);
}

void vix_io_end(VixDiskLibHandle h)
{
	pthread_mutex_unlock(&h->async.io);
}

VIX_EXPORT VixError VixDiskLib_Wait(VixDiskLibHandle diskHandle)
{
	if (!diskHandle || !diskHandle->d)
		return vix_fail(VIX_E_INVALID_HANDLE, "not an open disk handle");
	vix_async_wait(diskHandle);
	return VIX_OK;
}

/* Durable: the requests done, then the tables written and the files
 * synced, so a process killed before Close keeps what it wrote. */
VIX_EXPORT VixError VixDiskLib_Flush(VixDiskLibHandle diskHandle)
{
	int err = 0;

	if (!diskHandle || !diskHandle->d)
		return vix_fail(VIX_E_INVALID_HANDLE, "not an open disk handle");
	vix_async_wait(diskHandle);
	if (!(diskHandle->flags & VIXDISKLIB_FLAG_OPEN_READ_ONLY)) {
		pthread_mutex_lock(&diskHandle->async.io);
		err = vmdk_flush(diskHandle->d);
		pthread_mutex_unlock(&diskHandle->async.io);
	}
	return vix_error(err);
}

void vix_async_end(VixDiskLibHandle h)
{
	struct vix_async *a = &h->async;

	vix_async_wait(h);
	pthread_mutex_lock(&a->lock);
	a->stopping = true;
	pthread_cond_broadcast(&a->changed);
	pthread_mutex_unlock(&a->lock);
	if (a->started)
		pthread_join(a->worker, NULL);
	pthread_cond_destroy(&a->changed);
	pthread_mutex_destroy(&a->lock);
	pthread_mutex_destroy(&a->io);
}
