/* SPDX-License-Identifier: MIT */
/* mount_state.c --- what vmdk-mount has mounted: one directory a mount
 * daemon under /run/vmdktools (VMDK_MOUNT_RUNDIR for tests), holding the
 * FUSE mount point of a carrier's flat file, an "info" file naming the
 * daemon and the disk, and a "vol-N" file for each volume mounted from
 * it, naming where */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mount_state.h"

const char *mount_state_root(void)
{
	const char *r = getenv("VMDK_MOUNT_RUNDIR");

	return r && *r ? r : "/run/vmdktools";
}

int mount_state_new(struct mount_state *s, char *msg, size_t msglen)
{
	const char *root = mount_state_root();
	char fuse[PATH_MAX + 8];

	if (mkdir(root, 0700) != 0 && errno != EEXIST) {
		snprintf(msg, msglen, "%s: %s", root, strerror(errno));
		return -1;
	}
	snprintf(s->dir, sizeof(s->dir), "%s/mount-XXXXXX", root);
	if (!mkdtemp(s->dir)) {
		snprintf(msg, msglen, "%s: %s", root, strerror(errno));
		return -1;
	}
	snprintf(fuse, sizeof(fuse), "%s/fuse", s->dir);
	if (mkdir(fuse, 0700) != 0) {
		snprintf(msg, msglen, "%s: %s", fuse, strerror(errno));
		rmdir(s->dir);
		return -1;
	}
	return 0;
}

void mount_state_fuse_dir(const struct mount_state *s, char *out, size_t len)
{
	snprintf(out, len, "%s/fuse", s->dir);
}

int mount_state_write(const struct mount_state *s)
{
	char path[PATH_MAX + 8], tmp[PATH_MAX + 16];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/info", s->dir);
	snprintf(tmp, sizeof(tmp), "%s/info.new", s->dir);
	if (!(f = fopen(tmp, "we")))
		return -1;
	fprintf(f, "pid %d\npartition %d\nwritable %d\ndisk %s\nmountpoint %s\n",
		(int)s->pid, s->partition, s->writable, s->disk, s->mountpoint);
	ok = fclose(f) == 0;
	return ok && rename(tmp, path) == 0 ? 0 : -1;
}

int mount_state_add_volume(const struct mount_state *s, int partition,
			   const char *mountpoint)
{
	char path[PATH_MAX + 16], tmp[PATH_MAX + 24];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/vol-%d", s->dir, partition);
	snprintf(tmp, sizeof(tmp), "%s/vol-%d.new", s->dir, partition);
	if (!(f = fopen(tmp, "we")))
		return -1;
	fprintf(f, "%s\n", mountpoint);
	ok = fclose(f) == 0;
	return ok && rename(tmp, path) == 0 ? 0 : -1;
}

void mount_state_drop_volume(const struct mount_state *s, int partition)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/vol-%d", s->dir, partition);
	unlink(path);
}

static void read_volumes(struct mount_state *s)
{
	DIR *dir = opendir(s->dir);
	struct dirent *e;

	s->nvol = 0;
	while (dir && (e = readdir(dir)) && s->nvol < MOUNT_MAX_VOLUMES) {
		char path[PATH_MAX + 300], *end;
		struct mount_volume *v = &s->vol[s->nvol];
		long n;
		FILE *f;
		if (strncmp(e->d_name, "vol-", 4))
			continue;
		n = strtol(e->d_name + 4, &end, 10);
		if (*end || n < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", s->dir, e->d_name);
		if (!(f = fopen(path, "re")))
			continue;
		if (fgets(v->mountpoint, sizeof(v->mountpoint), f)) {
			v->mountpoint[strcspn(v->mountpoint, "\n")] = 0;
			v->partition = (int)n;
			s->nvol++;
		}
		fclose(f);
	}
	if (dir)
		closedir(dir);
}

static int read_info(const char *dir, struct mount_state *s)
{
	char path[PATH_MAX + 8], line[PATH_MAX + 32];
	FILE *f;
	int got = 0;

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	snprintf(path, sizeof(path), "%s/info", dir);
	if (!(f = fopen(path, "re")))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		int v;
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "pid %d", &v) == 1)
			s->pid = v, got |= 1;
		else if (sscanf(line, "partition %d", &v) == 1)
			s->partition = v, got |= 2;
		else if (sscanf(line, "writable %d", &v) == 1)
			s->writable = v;
		else if (!strncmp(line, "disk ", 5) && strlen(line + 5) < sizeof(s->disk))
			strcpy(s->disk, line + 5), got |= 4;
		else if (!strncmp(line, "mountpoint ", 11) &&
			 strlen(line + 11) < sizeof(s->mountpoint))
			strcpy(s->mountpoint, line + 11), got |= 8;
	}
	fclose(f);
	if (got != 15)
		return -1;
	read_volumes(s);
	return 0;
}

int mount_state_list(struct mount_state **out, size_t *n)
{
	DIR *dir = opendir(mount_state_root());
	struct dirent *e;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!dir)
		return 0;
	while ((e = readdir(dir))) {
		char path[PATH_MAX];
		static struct mount_state s;
		if (strncmp(e->d_name, "mount-", 6))
			continue;
		snprintf(path, sizeof(path), "%s/%s", mount_state_root(), e->d_name);
		if (read_info(path, &s) != 0)
			continue;
		if (*n == cap) {
			struct mount_state *m = realloc(*out, (cap = cap * 2 + 4) * sizeof(s));
			if (!m)
				break;
			*out = m;
		}
		(*out)[(*n)++] = s;
	}
	closedir(dir);
	return 0;
}

void mount_state_remove(const struct mount_state *s)
{
	char path[PATH_MAX + 16];

	for (int n = 0; n <= 256; n++)
		mount_state_drop_volume(s, n);
	snprintf(path, sizeof(path), "%s/info", s->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/info.new", s->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/fuse", s->dir);
	rmdir(path);
	rmdir(s->dir);
}

/* Running, and not a zombie nobody has reaped yet. */
bool mount_state_alive(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	bool alive;

	if (pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "re")))
		return false;
	alive = fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && p[1] &&
		p[2] != 'Z' && p[2] != 'X';
	fclose(f);
	return alive;
}
