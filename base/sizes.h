/* SPDX-License-Identifier: MIT */
/* sizes.h --- the sizes every layer bounds what it reads by */
#ifndef VMDK_BASE_SIZES_H
#define VMDK_BASE_SIZES_H

#ifndef VMDK_INTERNAL
#error "an internal header of libvmdk: front ends include vmdk.h alone"
#endif

#define VMDK_SECTOR 512ull

/* Largest capacity we open or create: 64 TiB, above VMFS's 62 TB limit.
 * Bounding it keeps every derived table (grain directory) small. */
#define VMDK_MAX_CAPACITY (1ull << 37)
#define VMDK_VMFS_MAX_CAPACITY (62ull << 31)	/* 62 TiB */
/* Largest text descriptor we read, as other readers do (1 MiB). */
#define VMDK_MAX_DESCRIPTOR (1u << 20)
/* Chains deeper than this are treated as loops. */
#define VMDK_MAX_CHAIN 255

#endif
