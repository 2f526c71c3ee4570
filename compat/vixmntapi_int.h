/* SPDX-License-Identifier: MIT */
/* vixmntapi_int.h --- what the parts of libvixMntapi share: disk sets and
 * their volumes */
#ifndef VMDKTOOLS_VIXMNTAPI_INT_H
#define VMDKTOOLS_VIXMNTAPI_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>

#include "vixMntapi.h"

#define MNT_MAX_GUEST_POINTS 16

struct VixVolumeHandleStruct {
	struct VixDiskSetHandleStruct *set;
	int number;		/* the partition's number; 0 the whole disk */
	uint64_t offset, bytes;
	VixVolumeType type;
	char fstype[32];	/* what libblkid found ("" nothing) */
	char uuid[64], label[256];	/* the filesystem's */
	char part_uuid[40], part_name[128];
	bool mountable;		/* a filesystem, not swap or a PV */
	bool mounted, read_only;
	char path[PATH_MAX];	/* where it is mounted */
};

struct VixDiskSetHandleStruct {
	VixDiskLibHandle disk;
	bool own_disk;		/* opened by VixMntapi_OpenDisks */
	uint32 flags;
	bool read_only;
	char dir[PATH_MAX];	/* DIR/disk/flat, DIR/volume-N */
	struct flat_fuse *fuse;
	pthread_t server;
	size_t nvol;
	struct VixVolumeHandleStruct *vol;
};

/* The library's log and warning callbacks (nothing before Init). */
void mnt_log(bool warning, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* vixmntapi_volumes.c: @s's volumes, read from its flat file. */
VixError mnt_find_volumes(struct VixDiskSetHandleStruct *s);
/* vixmntapi_os.c: where the guest's /etc/fstab (on a mounted volume of
 * the set) mounts @v, as strdup'ed paths; the count. */
size_t mnt_guest_mount_points(const struct VixVolumeHandleStruct *v, char **out,
			      size_t max);

#endif
