/* SPDX-License-Identifier: MIT */
/* fuzz_vdi.c --- libFuzzer harness for VDI images (static, dynamic,
 * differencing; header versions 0 and 1.1): the header, the block map, the
 * parent by UUID. The frame is image_harness.h's. */
#define HARNESS_FORMAT "VDI"
#include "image_harness.h"
