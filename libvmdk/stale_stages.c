/* SPDX-License-Identifier: MIT */
/* stale_stages.c --- the hidden staging directories (.vmdk-partial-*)
 * that clones and creates killed outright left beside their
 * destinations, removed by the next one made in that directory.  A live
 * writer holds a lock on its staging directory from the moment it has
 * made it; one that is unlocked and has not changed for a while is a dead
 * writer's, and nothing in it was ever a disk under its final name. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core.h"

#define STAGE_PREFIX ".vmdk-partial-"
/* A directory younger than this may be one whose maker is about to lock
 * it. */
#define STAGE_GRACE_SECONDS 10

int vmdk_stage_lock(const char *stage_dir)
{
	int fd = open(stage_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Every file in the unlocked stage @name of @dirfd, then the stage. */
static void remove_stage_dir(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *e;
	DIR *d;

	if (fd < 0)
		return;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || !(d = fdopendir(fd))) {
		close(fd);	/* a live writer's */
		return;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(fd, e->d_name, 0);
	unlinkat(dirfd, name, AT_REMOVEDIR);
	closedir(d);
}

void vmdk_sweep_stale_stages(const char *dir)
{
	DIR *d = opendir(dir);
	time_t now = time(NULL);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		struct stat st;
		if (strncmp(e->d_name, STAGE_PREFIX, strlen(STAGE_PREFIX)) ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
		    st.st_mtime > now - STAGE_GRACE_SECONDS)
			continue;
		remove_stage_dir(dirfd(d), e->d_name);
	}
	if (d)
		closedir(d);
}
