/* SPDX-License-Identifier: MIT */
/* vixmntapi.c --- VDDK's Disk Mount API over libvixDiskLib: a disk set's
 * disk is served as a flat file through FUSE by a thread of the caller's
 * process (reading and writing through the VixDiskLib handle, so the
 * disk stays opened once), its volumes are found by libblkid in that
 * file, and each is mounted through a loop device by the kernel. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flat_fuse.h"
#include "loop.h"
#include "vixMntapi.h"
#include "vixmntapi_int.h"
#include "vmdk.h"

#define VIX_EXPORT __attribute__((visibility("default")))

static struct {
	bool ready;
	VixDiskLibGenericLogFunc *log, *warn;
	char tmp[PATH_MAX];
} lib;

void mnt_log(bool warning, const char *fmt, ...)
{
	VixDiskLibGenericLogFunc *fn = warning ? lib.warn : lib.log;
	va_list ap;

	if (!fn)
		return;
	va_start(ap, fmt);
	fn(fmt, ap);
	va_end(ap);
}

/* tmpDirectory = PATH in VDDK's configuration file. */
static void read_config(const char *path)
{
	char line[PATH_MAX + 64];
	FILE *f = path ? fopen(path, "re") : NULL;

	while (f && fgets(line, sizeof(line), f)) {
		char *k = line + strspn(line, " \t"), *v = strchr(k, '=');
		if (!v || strncmp(k, "tmpDirectory", 12) || !strchr(" \t=", k[12]))
			continue;
		v += 1 + strspn(v + 1, " \t\"");
		v[strcspn(v, "\"\r\n")] = 0;
		while (*v && strchr(" \t", v[strlen(v) - 1]))
			v[strlen(v) - 1] = 0;
		if (*v && strlen(v) < sizeof(lib.tmp))
			strcpy(lib.tmp, v);
	}
	if (f)
		fclose(f);
}

VIX_EXPORT VixError VixMntapi_Init(uint32 majorVersion, uint32 minorVersion,
				   VixDiskLibGenericLogFunc *log,
				   VixDiskLibGenericLogFunc *warn,
				   VixDiskLibGenericLogFunc *panic, const char *libDir,
				   const char *configFile)
{
	const char *t = getenv("TMPDIR");

	(void)minorVersion;
	(void)panic;
	(void)libDir;
	if (majorVersion != VIXMNTAPI_MAJOR_VERSION)
		return VIX_E_MNTAPI_INCOMPATIBLE_VERSION;
	lib.log = log;
	lib.warn = warn;
	snprintf(lib.tmp, sizeof(lib.tmp), "%s",
		 geteuid() == 0 ? "/run/vmdktools" : t && *t ? t : "/tmp");
	read_config(configFile);
	lib.ready = true;
	return VIX_OK;
}

VIX_EXPORT void VixMntapi_Exit(void)
{
	lib.ready = false;
}

/* ---- the disk as a flat file: sectors through the VixDiskLib handle ---- */

/* The sectors holding [@off, @off + @len), through a bounce buffer when
 * the range does not start and end on sector boundaries. */
static int io(struct VixDiskSetHandleStruct *s, void *buf, size_t len, uint64_t off,
	      bool write)
{
	uint64_t first = off / 512, n = (off + len + 511) / 512 - first;
	bool whole = off % 512 == 0 && len % 512 == 0;
	uint8 *b = whole ? buf : malloc(n * 512);
	VixError e = VIX_OK;

	if (!b)
		return -ENOMEM;
	if (!whole || !write)
		e = VixDiskLib_Read(s->disk, first, n, b);
	if (e == VIX_OK && write) {
		if (!whole)
			memcpy(b + off % 512, buf, len);
		e = VixDiskLib_Write(s->disk, first, n, b);
	} else if (e == VIX_OK && !whole) {
		memcpy(buf, b + off % 512, len);
	}
	if (!whole)
		free(b);
	if (e != VIX_OK)
		mnt_log(true, "VixMntapi: %s of %zu bytes at %llu failed: error %llu\n",
			write ? "write" : "read", len, (unsigned long long)off,
			(unsigned long long)e);
	return e == VIX_OK ? 0 : e == VIX_E_FILE_READ_ONLY ? -EROFS :
	       e == VIX_E_DISK_FULL ? -ENOSPC : -EIO;
}

static int src_read(void *arg, void *buf, size_t len, uint64_t off)
{
	return io(arg, buf, len, off, false);
}

static int src_write(void *arg, const void *buf, size_t len, uint64_t off)
{
	return io(arg, (void *)buf, len, off, true);
}

static int src_flush(void *arg)
{
	struct VixDiskSetHandleStruct *s = arg;

	return VixDiskLib_Flush(s->disk) == VIX_OK ? 0 : -EIO;
}

static void *serve(void *arg)
{
	struct VixDiskSetHandleStruct *s = arg;

	flat_fuse_serve(s->fuse, false);
	return NULL;
}

static void remove_dirs(struct VixDiskSetHandleStruct *s)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/disk", s->dir);
	rmdir(path);
	rmdir(s->dir);
}

/* Serve the set's disk at DIR/disk/flat, then list its volumes. */
static VixError start(struct VixDiskSetHandleStruct *s)
{
	struct flat_source src = {
		.read = src_read, .write = src_write, .flush = src_flush, .arg = s,
		.writable = !s->read_only,
	};
	VixDiskLibInfo *info = NULL;
	char msg[1024], disk[PATH_MAX + 16];
	VixError e;

	e = VixDiskLib_GetInfo(s->disk, &info);
	if (e != VIX_OK)
		return e;
	src.bytes = info->capacity * 512;
	VixDiskLib_FreeInfo(info);
	mkdir(lib.tmp, 0700);
	if ((size_t)snprintf(s->dir, sizeof(s->dir), "%s/vixmntapi-XXXXXX", lib.tmp) >=
	    sizeof(s->dir) - 16 || !mkdtemp(s->dir)) {
		mnt_log(true, "VixMntapi: %s: %s\n", s->dir, strerror(errno));
		return VIX_E_MNTAPI_CANT_MAKE_VAR_DIR;
	}
	snprintf(disk, sizeof(disk), "%s/disk", s->dir);
	if (mkdir(disk, 0700) != 0) {
		rmdir(s->dir);
		return VIX_E_MNTAPI_CANT_MAKE_VAR_DIR;
	}
	s->fuse = flat_fuse_mount(disk, "vixMntapi", &src, msg, sizeof(msg));
	if (!s->fuse) {
		mnt_log(true, "VixMntapi: %s\n", msg);
		remove_dirs(s);
		return VIX_E_MNTAPI_DAEMON;
	}
	if (pthread_create(&s->server, NULL, serve, s) != 0) {
		flat_fuse_stop(s->fuse);
		flat_fuse_free(s->fuse);
		remove_dirs(s);
		return VIX_E_MNTAPI_DAEMON;
	}
	e = mnt_find_volumes(s);
	if (e != VIX_OK) {
		flat_fuse_stop(s->fuse);
		pthread_join(s->server, NULL);
		flat_fuse_free(s->fuse);
		remove_dirs(s);
	}
	return e;
}

static VixError new_set(VixDiskLibHandle disk, bool own, uint32 flags,
			VixDiskSetHandle *out)
{
	struct VixDiskSetHandleStruct *s;
	VixError e;

	if (!lib.ready)
		return VIX_E_DISK_NOINIT;
	if (!disk || !out)
		return VIX_E_INVALID_ARG;
	s = calloc(1, sizeof(*s));
	if (!s)
		return VIX_E_OUT_OF_MEMORY;
	s->disk = disk;
	s->own_disk = own;
	s->flags = flags;
	s->read_only = (flags & VIXDISKLIB_FLAG_OPEN_READ_ONLY) != 0;
	e = start(s);
	if (e != VIX_OK) {
		free(s);
		return e;
	}
	*out = s;
	return VIX_OK;
}

VIX_EXPORT VixError VixMntapi_OpenDisks(VixDiskLibConnection connection,
					const char *diskNames[], size_t numberOfDisks,
					uint32 openFlags, VixDiskSetHandle *handle)
{
	VixDiskLibHandle disk;
	VixError e;

	if (!diskNames || !diskNames[0] || !handle)
		return VIX_E_INVALID_ARG;
	if (numberOfDisks != 1)	/* on Linux a set is one disk */
		return VIX_E_NOT_SUPPORTED;
	e = VixDiskLib_Open(connection, diskNames[0], openFlags, &disk);
	if (e != VIX_OK)
		return e;
	e = new_set(disk, true, openFlags, handle);
	if (e != VIX_OK)
		VixDiskLib_Close(disk);
	return e;
}

VIX_EXPORT VixError VixMntapi_OpenDiskSet(VixDiskLibHandle diskHandles[],
					  size_t numberOfDisks, uint32 openMode,
					  VixDiskSetHandle *handle)
{
	if (!diskHandles || !handle)
		return VIX_E_INVALID_ARG;
	if (numberOfDisks != 1)
		return VIX_E_NOT_SUPPORTED;
	return new_set(diskHandles[0], false, openMode, handle);
}

VIX_EXPORT VixError VixMntapi_GetDiskSetInfo(VixDiskSetHandle handle,
					     VixDiskSetInfo **diskSetInfo)
{
	VixDiskSetInfo *i;

	if (!handle || !diskSetInfo)
		return VIX_E_INVALID_ARG;
	i = calloc(1, sizeof(*i));
	if (!i || !(i->mountPath = strdup(handle->dir))) {
		free(i);
		return VIX_E_OUT_OF_MEMORY;
	}
	i->openFlags = handle->flags;
	*diskSetInfo = i;
	return VIX_OK;
}

VIX_EXPORT void VixMntapi_FreeDiskSetInfo(VixDiskSetInfo *diskSetInfo)
{
	if (diskSetInfo)
		free(diskSetInfo->mountPath);
	free(diskSetInfo);
}

VIX_EXPORT VixError VixMntapi_CloseDiskSet(VixDiskSetHandle diskSet)
{
	VixError first = VIX_OK;

	if (!diskSet)
		return VIX_E_INVALID_ARG;
	for (size_t i = 0; i < diskSet->nvol; i++) {
		VixError e = diskSet->vol[i].mounted ?
			     VixMntapi_DismountVolume(&diskSet->vol[i], TRUE) : VIX_OK;
		if (first == VIX_OK)
			first = e;
	}
	flat_fuse_stop(diskSet->fuse);
	pthread_join(diskSet->server, NULL);
	flat_fuse_free(diskSet->fuse);
	remove_dirs(diskSet);
	if (!diskSet->read_only && VixDiskLib_Flush(diskSet->disk) != VIX_OK && first == VIX_OK)
		first = VIX_E_FILE_ERROR;
	if (diskSet->own_disk)
		VixDiskLib_Close(diskSet->disk);
	free(diskSet->vol);
	free(diskSet);
	return first;
}

/* ---- volumes ---- */

VIX_EXPORT VixError VixMntapi_GetVolumeHandles(VixDiskSetHandle diskSet,
					       size_t *numberOfVolumes,
					       VixVolumeHandle *volumeHandles[])
{
	VixVolumeHandle *v;

	if (!diskSet || !numberOfVolumes || !volumeHandles)
		return VIX_E_INVALID_ARG;
	v = calloc(diskSet->nvol + 1, sizeof(*v));
	if (!v)
		return VIX_E_OUT_OF_MEMORY;
	for (size_t i = 0; i < diskSet->nvol; i++)
		v[i] = &diskSet->vol[i];
	*numberOfVolumes = diskSet->nvol;
	*volumeHandles = v;
	return VIX_OK;
}

VIX_EXPORT void VixMntapi_FreeVolumeHandles(VixVolumeHandle *volumeHandles)
{
	free(volumeHandles);	/* the volumes belong to their set */
}

VIX_EXPORT VixError VixMntapi_MountVolume(VixVolumeHandle v, Bool isReadOnly)
{
	char flat[PATH_MAX + 16], dev[64], msg[1024];
	bool ro;
	int lfd;

	if (!v)
		return VIX_E_INVALID_ARG;
	if (v->mounted)
		return VIX_E_MNTAPI_VOLUME_ALREADY_MOUNTED;
	if (!v->mountable) {
		mnt_log(true, "VixMntapi: volume %d holds %s, not a filesystem to mount\n",
			v->number, *v->fstype ? v->fstype : "nothing recognised");
		return VIX_E_MNTAPI_NO_MOUNTABLE_PARTITONS;
	}
	if (geteuid() != 0)
		return VIX_E_MNTAPI_NO_ROOT;
	ro = isReadOnly || v->set->read_only;
	if ((size_t)snprintf(v->path, sizeof(v->path), "%s/volume-%d", v->set->dir,
			     v->number) >= sizeof(v->path) ||
	    (mkdir(v->path, 0755) != 0 && errno != EEXIST))
		return VIX_E_MNTAPI_CANT_MAKE_VAR_DIR;
	snprintf(flat, sizeof(flat), "%s/disk/%s", v->set->dir, FLAT_NAME);
	lfd = loop_attach(flat, v->offset, v->bytes, ro, dev, sizeof(dev), msg, sizeof(msg));
	if (lfd < 0) {
		mnt_log(true, "VixMntapi: %s\n", msg);
		rmdir(v->path);
		return VIX_E_MNTAPI_LOOP_FAILED;
	}
	if (kernel_mount(dev, v->path, v->fstype, NULL, ro, msg, sizeof(msg)) != 0) {
		int e = errno;
		mnt_log(true, "VixMntapi: volume %d: %s\n", v->number, msg);
		close(lfd);
		rmdir(v->path);
		return e == ENODEV ? VIX_E_MNTAPI_NO_DRIVER : VIX_E_MNTAPI_OS_ERROR;
	}
	close(lfd);	/* the mount holds the device; it goes with the mount */
	v->mounted = true;
	v->read_only = ro;
	return VIX_OK;
}

VIX_EXPORT VixError VixMntapi_DismountVolume(VixVolumeHandle v, Bool force)
{
	if (!v)
		return VIX_E_INVALID_ARG;
	if (!v->mounted)
		return VIX_E_MNTAPI_VOLUME_NOT_MOUNTED;
	if (umount2(v->path, 0) != 0) {
		if (!force || errno != EBUSY || umount2(v->path, MNT_DETACH) != 0) {
			mnt_log(true, "VixMntapi: %s: %s\n", v->path, strerror(errno));
			return VIX_E_MNTAPI_UMOUNT;
		}
	}
	rmdir(v->path);
	v->mounted = false;
	return VIX_OK;
}

VIX_EXPORT VixError VixMntapi_GetVolumeInfo(VixVolumeHandle v, VixVolumeInfo **info)
{
	char *points[MNT_MAX_GUEST_POINTS];
	size_t n = 0;
	VixVolumeInfo *i;

	if (!v || !info)
		return VIX_E_INVALID_ARG;
	n = mnt_guest_mount_points(v, points, MNT_MAX_GUEST_POINTS);
	i = calloc(1, sizeof(*i) + (n ? n - 1 : 0) * sizeof(char *));
	if (!i) {
		while (n)
			free(points[--n]);
		return VIX_E_OUT_OF_MEMORY;
	}
	i->type = v->type;
	i->isMounted = v->mounted;
	i->symbolicLink = v->mounted ? strdup(v->path) : NULL;
	i->numGuestMountPoints = n;
	for (size_t k = 0; k < n; k++)
		i->inGuestMountPoints[k] = points[k];
	*info = i;
	return VIX_OK;
}

VIX_EXPORT void VixMntapi_FreeVolumeInfo(VixVolumeInfo *info)
{
	if (!info)
		return;
	free(info->symbolicLink);
	for (size_t k = 0; k < info->numGuestMountPoints; k++)
		free(info->inGuestMountPoints[k]);
	free(info);
}
