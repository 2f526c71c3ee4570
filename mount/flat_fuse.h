/* SPDX-License-Identifier: MIT */
/* flat_fuse.h --- a disk served as the one file "flat" of a FUSE mount,
 * for vmdk-mount's daemon and libvixMntapi alike */
#ifndef MOUNT_FLAT_FUSE_H
#define MOUNT_FLAT_FUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FLAT_NAME "flat"

/* Where the bytes come from; each call returns 0 or a negative errno,
 * one at a time (the server has one thread). */
struct flat_source {
	uint64_t bytes;
	bool writable;
	int (*read)(void *arg, void *buf, size_t len, uint64_t off);
	int (*write)(void *arg, const void *buf, size_t len, uint64_t off);
	int (*flush)(void *arg);
	/* Zeros over [off, off + len); with @release the space may go (a
	 * discard).  NULL: zeros are written. */
	int (*zero)(void *arg, uint64_t off, uint64_t len, bool release);
	void *arg;
};

struct flat_fuse;

/* Mount @src at @dir (an empty directory); @fsname shows as the mount's
 * source.  NULL with the reason in @msg. */
struct flat_fuse *flat_fuse_mount(const char *dir, const char *fsname,
				  const struct flat_source *src, char *msg, size_t msglen);
/* Serve until the mount goes (umount, or SIGTERM/SIGINT/SIGHUP when
 * @signals); then unmount and free.  0, or -1 when serving failed. */
int flat_fuse_serve(struct flat_fuse *f, bool signals);
/* From another thread: unmount, so that flat_fuse_serve() returns
 * (leaving @f); join the serving thread, then flat_fuse_free(). */
void flat_fuse_stop(struct flat_fuse *f);
void flat_fuse_free(struct flat_fuse *f);
/* Unmount the FUSE mount at @dir (through fusermount3 as a user),
 * waiting a moment while it is busy; @lazy detaches it then.  0, or a
 * negative errno (-ENOEXEC: fusermount3 failed). */
int flat_fuse_unmount_dir(const char *dir, bool lazy);

#endif
