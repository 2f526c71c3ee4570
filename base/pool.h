/* SPDX-License-Identifier: MIT */
/* pool.h --- helper threads sharing a batch of jobs with the caller */
#ifndef VMDK_BASE_POOL_H
#define VMDK_BASE_POOL_H

#ifndef VMDK_INTERNAL
#error "an internal header of libvmdk: front ends include vmdk.h alone"
#endif

#define VMDK_POOL_MAX_HELPERS 7u
struct vmdk_pool;
/* @worker: 0 for the caller, 1.. for the helpers. */
typedef void (*vmdk_pool_fn)(void *arg, unsigned job, unsigned worker);
/* NULL if no thread could be started. */
struct vmdk_pool *vmdk_pool_new(unsigned helpers);
/* Run jobs 0..@njobs-1 on the helpers and the caller; back when all are done. */
void vmdk_pool_run(struct vmdk_pool *p, vmdk_pool_fn fn, void *arg,
		   unsigned njobs);
void vmdk_pool_free(struct vmdk_pool *p);

#endif
