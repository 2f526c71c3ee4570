/* SPDX-License-Identifier: MIT */
/* mount_of.h --- the filesystem mounted at a directory, and whether it
 * lives on a virtual disk */
#ifndef TOOLS_MOUNT_OF_H
#define TOOLS_MOUNT_OF_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct mount_info {
	unsigned major, minor;	/* the device; major 0: none (tmpfs, ...) */
	char type[64];		/* ext4, tmpfs, fuse.sshfs */
	char source[PATH_MAX];	/* what mount(8) shows as the source */
	bool root;		/* the root filesystem */
};

/* 1 when @dir is a mount point (@m filled), 0 when it is not, -1 when
 * the kernel's table cannot be read or @dir does not resolve. */
int mount_of(const char *dir, struct mount_info *m);
/* The filesystem is on a loop or NBD device (or a partition or a mapped
 * device over one): a virtual disk.  @device names the block device. */
bool mount_on_virtual_disk(const struct mount_info *m, char *device, size_t len);

#endif
