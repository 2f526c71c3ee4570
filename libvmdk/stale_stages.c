/* SPDX-License-Identifier: MIT */
/* stale_stages.c --- the hidden staging directories (.vmdk-partial-*)
 * that clones and creates killed outright left beside their
 * destinations, removed by the next one made in that directory (with the
 * spare names of an overwrite killed after its commit).  A live
 * writer holds a lock on its staging directory from the moment it has
 * made it; one that is unlocked and has not changed for a while is a dead
 * writer's, and nothing in it was ever a disk under its final name. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core.h"

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

/* A FILE.lck directory the killed writer held for a staged file: its
 * members (and the D*.lck directory of one it was making, @depth deep),
 * then itself. */
static void remove_lock_dir(int dirfd, const char *name, int depth)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct dirent *e;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (fd >= 0 && !d)
		close(fd);
	while (d && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    unlinkat(fd, e->d_name, 0) < 0 && errno == EISDIR && depth > 0)
			remove_lock_dir(fd, e->d_name, depth - 1);
	if (d)
		closedir(d);
	unlinkat(dirfd, name, AT_REMOVEDIR);
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
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    unlinkat(fd, e->d_name, 0) < 0 && errno == EISDIR)
			remove_lock_dir(fd, e->d_name, 1);
	unlinkat(dirfd, name, AT_REMOVEDIR);
	closedir(d);
}

/* Whether a text descriptor in @dirfd's directory names @file: a
 * substring of it is enough (spare names are unique), and keeps it. */
static bool named_by_a_descriptor(int dirfd, const char *file)
{
	static char text[1u << 16];
	int dfd = dup(dirfd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *e;
	bool named = false;

	if (dfd >= 0 && !d) {
		close(dfd);
		return true;	/* cannot tell: keep it */
	}
	rewinddir(d);
	while (!named && (e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		int fd;
		ssize_t got;
		if (n < 5 || strcasecmp(e->d_name + n - 5, ".vmdk") ||
		    (fd = openat(dirfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
				 O_CLOEXEC)) < 0)
			continue;
		/* Descriptors are text; an embedded one sits at sector 1 of a
		 * sparse file and names no other file. */
		got = pread(fd, text, sizeof(text) - 1, 0);
		close(fd);
		if (got > 0) {
			text[got] = '\0';
			named = memchr(text, '\0', (size_t)got) == NULL && strstr(text, file);
		}
	}
	closedir(d);
	return named;
}

/* A spare name (txn_spare.c) a killed overwrite left: kept while its
 * writer lives (its stage is locked) or a descriptor names it; removed
 * when the usual name holds the same file (a settled overwrite) or when
 * nothing names it (an overwrite killed before its commit). */
static void sweep_spare(int dirfd, const char *name, const struct stat *st)
{
	const char *rest = name + strlen(SPARE_PREFIX), *usual = strchr(rest, '-');
	char stage[64];
	struct stat u;
	int lock;

	if (!usual || usual - rest > 16 || !S_ISREG(st->st_mode))
		return;
	snprintf(stage, sizeof(stage), "%s%.*s", STAGE_PREFIX, (int)(usual - rest), rest);
	usual++;
	lock = openat(dirfd, stage, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) < 0) {
		close(lock);
		return;		/* its writer is at work */
	}
	if (lock >= 0)
		close(lock);
	if ((fstatat(dirfd, usual, &u, AT_SYMLINK_NOFOLLOW) == 0 &&
	     u.st_dev == st->st_dev && u.st_ino == st->st_ino) ||
	    !named_by_a_descriptor(dirfd, name))
		unlinkat(dirfd, name, 0);
}

void vmdk_sweep_stale_stages(const char *dir)
{
	DIR *d = opendir(dir);
	time_t now = time(NULL);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		struct stat st;
		if (strncmp(e->d_name, SPARE_PREFIX, strlen(SPARE_PREFIX)) == 0 &&
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_uid == geteuid()) {
			sweep_spare(dirfd(d), e->d_name, &st);
			continue;
		}
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
