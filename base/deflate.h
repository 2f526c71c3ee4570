/* SPDX-License-Identifier: MIT */
/* deflate.h --- whole-grain (de)compression; one object per thread */
#ifndef VMDK_BASE_DEFLATE_H
#define VMDK_BASE_DEFLATE_H

#ifndef VMDK_INTERNAL
#error "an internal header of libvmdk: front ends include vmdk.h alone"
#endif

#include <stddef.h>

/* libdeflate's level 4 already makes smaller streams than zlib's default
 * level 6, at three times its speed. */
#define VMDK_DEFAULT_LEVEL 4
struct vmdk_deflater;
struct vmdk_inflater;
struct vmdk_deflater *vmdk_deflater_new(int level);
void vmdk_deflater_free(struct vmdk_deflater *z);
/* A zlib stream of @in into @out: its length, or 0 if it did not fit. */
size_t vmdk_deflate(struct vmdk_deflater *z, const void *in, size_t len,
		    void *out, size_t max);
struct vmdk_inflater *vmdk_inflater_new(void);
void vmdk_inflater_free(struct vmdk_inflater *z);
/* A zlib or raw deflate stream into at most @max bytes; *got of them. */
int vmdk_inflate(struct vmdk_inflater *z, const void *in, size_t len,
		 void *out, size_t max, size_t *got);
/* The same where @in may run on past the stream: *used is its length. */
int vmdk_inflate_ex(struct vmdk_inflater *z, const void *in, size_t len,
		    void *out, size_t max, size_t *got, size_t *used);

#endif
