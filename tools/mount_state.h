/* SPDX-License-Identifier: MIT */
/* mount_state.h --- the record of each mount vmdk-mount made */
#ifndef TOOLS_MOUNT_STATE_H
#define TOOLS_MOUNT_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MOUNT_FLAT (-1)		/* partition of a `vmdk-mount -f` */
#define MOUNT_MAX_VOLUMES 16	/* volumes of one disk mounted at once */

/* One daemon serving one disk: either the user's `-f` mount, or a
 * carrier under the record's fuse/ for the volumes mounted from it. */
struct mount_state {
	char dir[PATH_MAX];		/* the record's directory */
	pid_t pid;			/* the FUSE daemon */
	int partition;			/* MOUNT_FLAT, or 0 for a carrier */
	int writable;
	char disk[PATH_MAX];		/* absolute */
	char mountpoint[PATH_MAX];	/* -f: the user's directory; else "-" */
	unsigned nvol;
	struct mount_volume {
		int partition;		/* 0: the whole disk */
		char mountpoint[PATH_MAX];
	} vol[MOUNT_MAX_VOLUMES];
};

const char *mount_state_root(void);
/* A new record directory (with its fuse/ mount point) in @s->dir. */
int mount_state_new(struct mount_state *s, char *msg, size_t msglen);
void mount_state_fuse_dir(const struct mount_state *s, char *out, size_t len);
int mount_state_write(const struct mount_state *s);
/* A volume mounted from the carrier @s (a file "vol-N" in its record). */
int mount_state_add_volume(const struct mount_state *s, int partition,
			   const char *mountpoint);
void mount_state_drop_volume(const struct mount_state *s, int partition);
/* Every complete record, in directory order; free(*out) after. */
int mount_state_list(struct mount_state **out, size_t *n);
void mount_state_remove(const struct mount_state *s);
bool mount_state_alive(pid_t pid);

#endif
