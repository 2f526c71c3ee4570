/* SPDX-License-Identifier: MIT */
/* fuzz_vhd.c --- libFuzzer harness for VHD images (fixed, dynamic,
 * differencing): the footer and its copy, the dynamic header, the BAT,
 * sector bitmaps, parent locators. The frame is image_harness.h's. */
#define HARNESS_FORMAT "VHD"
#include "image_harness.h"
