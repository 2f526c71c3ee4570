/* SPDX-License-Identifier: MIT */
/* base.h --- what formats/ and libvmdk/ both build on: limits, error
 * recording, whole reads and writes, byte order, helper threads,
 * compression.  base/ itself includes nothing above it (vmdk.h only, for
 * the error codes). */
#ifndef VMDK_BASE_H
#define VMDK_BASE_H

#ifndef VMDK_INTERNAL
#error "an internal header of libvmdk: front ends include vmdk.h alone"
#endif

#include "vmdk.h"

#include "sizes.h"
#include "errbuf.h"
#include "io.h"
#include "byteorder.h"
#include "pool.h"
#include "deflate.h"

#endif
