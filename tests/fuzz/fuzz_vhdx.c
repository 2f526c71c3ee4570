/* SPDX-License-Identifier: MIT */
/* fuzz_vhdx.c --- libFuzzer harness for VHDX images: both headers, the
 * region table, metadata items, the BAT, sector bitmaps, parent locators,
 * the log replayed in memory. The frame is image_harness.h's. */
#define HARNESS_FORMAT "VHDX"
#include "image_harness.h"
