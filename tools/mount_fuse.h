/* SPDX-License-Identifier: MIT */
/* mount_fuse.h --- the FUSE daemon that presents a disk as one flat file */
#ifndef TOOLS_MOUNT_FUSE_H
#define TOOLS_MOUNT_FUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "flat_fuse.h"

#define MOUNT_FLAT_NAME FLAT_NAME

struct mount_fuse_params {
	const char *disk;	/* absolute path */
	const char *mountpoint;	/* absolute path of an empty directory */
	unsigned open_flags;	/* vmdk_open() flags besides read-only */
	bool writable;
	void (*on_exit)(void *arg);	/* in the daemon, after the disk closed */
	void *on_exit_arg;
};

/* Fork the daemon, which opens the disk and mounts it; @return its pid
 * once the mount is there, or -1 with the reason in @msg. */
pid_t mount_fuse_start(const struct mount_fuse_params *p, char *msg, size_t msglen);

#endif
