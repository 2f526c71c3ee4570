/* SPDX-License-Identifier: MIT */
/* mount_of.c --- which filesystem a directory is the mount point of, and
 * whether that filesystem lives on a virtual disk (a loop or NBD device,
 * or a partition or device-mapper target on one), from the kernel's
 * /proc/self/mountinfo and /sys/dev/block. */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mount_of.h"

/* mountinfo escapes blanks in paths as \040 and the like. */
static void unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

int mount_of(const char *dir, struct mount_info *m)
{
	char real[PATH_MAX], line[4096];
	FILE *f;
	int found = 0;

	memset(m, 0, sizeof(*m));
	if (!realpath(dir, real))
		return -1;
	f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return -1;
	/* The last entry wins: a later mount hides an earlier one. */
	while (fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		char point[PATH_MAX], type[64], source[PATH_MAX], *dash;
		if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &maj, &min, point) != 3 ||
		    !(dash = strstr(line, " - ")) ||
		    sscanf(dash + 3, "%63s %4095s", type, source) != 2)
			continue;
		unescape(point);
		if (strcmp(point, real) != 0)
			continue;
		m->major = maj;
		m->minor = min;
		snprintf(m->type, sizeof(m->type), "%s", type);
		unescape(source);
		snprintf(m->source, sizeof(m->source), "%s", source);
		found = 1;
	}
	fclose(f);
	m->root = strcmp(real, "/") == 0;
	return found;
}

/* The block device's kernel name (loop0, nbd1p2, dm-3) from its numbers. */
static bool device_name(unsigned major, unsigned minor, char *name, size_t len)
{
	char link[64], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major, minor);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	snprintf(name, len, "%.255s", strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
	return true;
}

/* @name is a loop or NBD device, a partition of one, or stacked on one. */
static bool virtual_device(const char *name, int depth)
{
	char path[PATH_MAX], parent[PATH_MAX];
	struct dirent *e;
	bool yes = false;
	DIR *d;

	if (!strncmp(name, "loop", 4) || !strncmp(name, "nbd", 3))
		return true;
	if (depth > 8)
		return false;
	/* A partition's directory sits inside its disk's. */
	snprintf(path, sizeof(path), "/sys/class/block/%s/partition", name);
	if (access(path, F_OK) == 0) {
		snprintf(path, sizeof(path), "/sys/class/block/%s/..", name);
		if (realpath(path, parent) && strrchr(parent, '/'))
			return virtual_device(strrchr(parent, '/') + 1, depth + 1);
		return false;
	}
	/* Device mapper and md: what they are built on. */
	snprintf(path, sizeof(path), "/sys/class/block/%s/slaves", name);
	d = opendir(path);
	while (d && !yes && (e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			yes = virtual_device(e->d_name, depth + 1);
	if (d)
		closedir(d);
	return yes;
}

bool mount_on_virtual_disk(const struct mount_info *m, char *device, size_t len)
{
	char name[NAME_MAX + 1];

	if (!m->major || !device_name(m->major, m->minor, name, sizeof(name)))
		return false;
	snprintf(device, len, "/dev/%s", name);
	return virtual_device(name, 0);
}
