/* SPDX-License-Identifier: MIT */
/* vixmntapi_os.c --- what the mounted volumes of a disk set say about
 * the guest: its operating system (Linux's os-release, a Windows folder)
 * and where its fstab mounts each volume.  Every file is opened inside
 * the volume's mount (symbolic links resolved within it), never on the
 * machine running us. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vixmntapi_int.h"

#define VIX_EXPORT __attribute__((visibility("default")))

/* @rel under the mount @root, with "/" and ".." held inside it. */
static int open_in(const char *root, const char *rel, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC), fd;

	if (dfd < 0)
		return -1;
	fd = (int)syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
	close(dfd);
	return fd;
}

static FILE *fopen_in(const char *root, const char *rel)
{
	int fd = open_in(root, rel, O_RDONLY);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;

	if (fd >= 0 && !f)
		close(fd);
	return f;
}

static bool dir_in(const char *root, const char *rel)
{
	int fd = open_in(root, rel, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* The first of these programs that is an ELF file says 32 or 64 bits. */
static bool elf64_in(const char *root)
{
	static const char *const progs[] = {
		"usr/bin/sh", "bin/sh", "sbin/init", "usr/lib/systemd/systemd",
	};
	unsigned char h[5];

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		int fd = open_in(root, progs[i], O_RDONLY);
		ssize_t got = fd >= 0 ? read(fd, h, sizeof(h)) : -1;
		if (fd >= 0)
			close(fd);
		if (got == 5 && !memcmp(h, "\177ELF", 4))
			return h[4] == 2;
	}
	return false;
}

/* KEY=VALUE of os-release, quotes taken off. */
static void os_release_value(const char *line, const char *key, char *out, size_t len)
{
	size_t k = strlen(key);
	const char *v;

	if (strncmp(line, key, k) || line[k] != '=')
		return;
	v = line + k + 1;
	if (*v == '"' || *v == '\'')
		v++;
	snprintf(out, len, "%.*s", (int)strcspn(v, "\"'\n"), v);
}

static bool linux_info(const char *root, VixOsInfo *i)
{
	char line[512], name[128] = "", id[64] = "", version[64] = "", variant[128] = "",
	     codename[64] = "", *end;
	FILE *f = fopen_in(root, "etc/os-release");

	if (!f)
		f = fopen_in(root, "usr/lib/os-release");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		os_release_value(line, "NAME", name, sizeof(name));
		os_release_value(line, "ID", id, sizeof(id));
		os_release_value(line, "VERSION_ID", version, sizeof(version));
		os_release_value(line, "VARIANT", variant, sizeof(variant));
		os_release_value(line, "VERSION_CODENAME", codename, sizeof(codename));
	}
	fclose(f);
	i->family = VIXMNTAPI_LINUX;
	i->majorVersion = (uint32)strtoul(version, &end, 10);
	i->minorVersion = *end == '.' ? (uint32)strtoul(end + 1, NULL, 10) : 0;
	i->osIs64Bit = elf64_in(root);
	i->vendor = strdup(*name ? name : *id ? id : "Linux");
	i->edition = strdup(*variant ? variant : codename);
	i->osFolder = strdup(root);
	return true;
}

static bool windows_info(const char *root, VixOsInfo *i)
{
	static const char *const dirs[] = { "Windows", "WINDOWS", "windows" };
	char folder[PATH_MAX + 16], sys[32], wow[32];

	for (size_t k = 0; k < sizeof(dirs) / sizeof(dirs[0]); k++) {
		snprintf(sys, sizeof(sys), "%s/System32", dirs[k]);
		snprintf(wow, sizeof(wow), "%s/SysWOW64", dirs[k]);
		if (!dir_in(root, sys) && !(snprintf(sys, sizeof(sys), "%s/system32",
						    dirs[k]) && dir_in(root, sys)))
			continue;
		snprintf(folder, sizeof(folder), "%s/%s", root, dirs[k]);
		i->family = VIXMNTAPI_WINDOWS;
		i->osIs64Bit = dir_in(root, wow);
		i->vendor = strdup("Microsoft");
		i->edition = strdup("");
		i->osFolder = strdup(folder);
		return true;
	}
	return false;
}

VIX_EXPORT VixError VixMntapi_GetOsInfo(VixDiskSetHandle diskSet, VixOsInfo **info)
{
	bool any = false;
	VixOsInfo *i;

	if (!diskSet || !info)
		return VIX_E_INVALID_ARG;
	i = calloc(1, sizeof(*i));
	if (!i)
		return VIX_E_OUT_OF_MEMORY;
	for (size_t k = 0; k < diskSet->nvol; k++) {
		const struct VixVolumeHandleStruct *v = &diskSet->vol[k];
		if (!v->mounted)
			continue;
		any = true;
		if (linux_info(v->path, i) || windows_info(v->path, i))
			break;
	}
	if (!any) {
		free(i);
		return VIX_E_MNTAPI_VOLUME_NOT_MOUNTED;	/* the guide: mount first */
	}
	if (i->family == VIXMNTAPI_NO_OS) {
		i->vendor = strdup("unknown");
		i->edition = strdup("unknown");
		i->osFolder = strdup("");
	}
	if (!i->vendor || !i->edition || !i->osFolder) {
		VixMntapi_FreeOsInfo(i);
		return VIX_E_OUT_OF_MEMORY;
	}
	*info = i;
	return VIX_OK;
}

VIX_EXPORT void VixMntapi_FreeOsInfo(VixOsInfo *info)
{
	if (!info)
		return;
	free(info->vendor);
	free(info->edition);
	free(info->osFolder);
	free(info);
}

/* An fstab source naming @v: UUID=, LABEL=, PARTUUID=, PARTLABEL= or
 * their /dev/disk/by-* links. */
static bool names_volume(const char *spec, const struct VixVolumeHandleStruct *v)
{
	static const struct { const char *tag, *link; int field; } forms[] = {
		{ "UUID=", "/dev/disk/by-uuid/", 0 },
		{ "LABEL=", "/dev/disk/by-label/", 1 },
		{ "PARTUUID=", "/dev/disk/by-partuuid/", 2 },
		{ "PARTLABEL=", "/dev/disk/by-partlabel/", 3 },
	};
	const char *have[] = { v->uuid, v->label, v->part_uuid, v->part_name };

	for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
		const char *val = NULL, *mine = have[forms[k].field];
		if (!strncmp(spec, forms[k].tag, strlen(forms[k].tag)))
			val = spec + strlen(forms[k].tag);
		else if (!strncmp(spec, forms[k].link, strlen(forms[k].link)))
			val = spec + strlen(forms[k].link);
		if (val && *val == '"')
			val++;
		if (val && *mine && !strncasecmp(val, mine, strlen(mine)) &&
		    (!val[strlen(mine)] || val[strlen(mine)] == '"'))
			return true;
	}
	return false;
}

size_t mnt_guest_mount_points(const struct VixVolumeHandleStruct *v, char **out,
			      size_t max)
{
	const struct VixDiskSetHandleStruct *s = v->set;
	char line[1024], spec[512], file[512];
	size_t n = 0;

	for (size_t k = 0; k < s->nvol && !n; k++) {
		FILE *f;
		if (!s->vol[k].mounted || !(f = fopen_in(s->vol[k].path, "etc/fstab")))
			continue;
		while (n < max && fgets(line, sizeof(line), f)) {
			if (sscanf(line, " %511s %511s", spec, file) != 2 || *spec == '#' ||
			    *file != '/' || !names_volume(spec, v))
				continue;
			if ((out[n] = strdup(file)))
				n++;
		}
		fclose(f);
	}
	return n;
}
