/* SPDX-License-Identifier: MIT */
/* loop.h --- loop devices and the kernel's mount */
#ifndef MOUNT_LOOP_H
#define MOUNT_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* @size bytes of @file from @off on a free loop device (named in @dev),
 * detached by the kernel when its last user goes.  @return the device's
 * open descriptor (close it once the filesystem is mounted), or -1 with
 * the reason in @msg. */
int loop_attach(const char *file, uint64_t off, uint64_t size, bool ro,
		char *dev, size_t devlen, char *msg, size_t msglen);
/* The file behind loop device @dev; -1 when it has none. */
int loop_backing_file(const char *dev, char *out, size_t len);
/* mount(2) of @dev at @dir with mount(8)'s option words in @opts. */
int kernel_mount(const char *dev, const char *dir, const char *type,
		 const char *opts, bool ro, char *msg, size_t msglen);

#endif
