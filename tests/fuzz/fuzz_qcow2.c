/* SPDX-License-Identifier: MIT */
/* fuzz_qcow2.c --- libFuzzer harness for qcow2 images (v2 and v3): the
 * header and its extensions, L1 and L2 tables (extended L2 too),
 * compressed clusters (zlib, zstd), backing and data file names. The frame
 * is image_harness.h's. */
#define HARNESS_FORMAT "qcow2"
#include "image_harness.h"
