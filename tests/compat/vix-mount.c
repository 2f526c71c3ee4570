/* SPDX-License-Identifier: MIT */
/* vix-mount.c --- a client of VDDK's Disk Mount API, written from the
 * order of calls the VDDK guide's chapter on it describes: initialise
 * both libraries, connect locally, open the disk set, list its volumes,
 * mount each, read their information, ask for the OS, dismount, close.
 *   vix-mount [-ro] [-cat REL] [-write REL TEXT] disk.vmdk
 * -cat prints REL from every mounted volume that has it; -write writes
 * TEXT to REL on the first volume before it is dismounted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vixDiskLib.h"
#include "vixMntapi.h"

static void log_func(const char *fmt, va_list args)
{
	(void)fmt;
	(void)args;
}

static void warn_func(const char *fmt, va_list args)
{
	fprintf(stderr, "warning: ");
	vfprintf(stderr, fmt, args);
}

static int fail(const char *what, VixError e)
{
	char *text = VixDiskLib_GetErrorText(e, NULL);

	fprintf(stderr, "vix-mount: %s: error %llu: %s\n", what, (unsigned long long)e,
		text ? text : "?");
	VixDiskLib_FreeErrorText(text);
	return 1;
}

static void cat(const char *root, const char *rel)
{
	char path[4096], buf[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (!(f = fopen(path, "r")))
		return;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *cat_rel = NULL, *write_rel = NULL, *write_text = NULL, *disk;
	uint32 flags = 0;
	VixDiskLibConnection conn;
	VixDiskSetHandle set;
	VixDiskSetInfo *setInfo;
	VixVolumeHandle *volumes;
	size_t numberOfVolumes;
	VixOsInfo *os;
	VixError e;
	int a = 1, status = 0;

	for (; a < argc - 1 && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "-ro"))
			flags |= VIXDISKLIB_FLAG_OPEN_READ_ONLY;
		else if (!strcmp(argv[a], "-cat") && a + 2 < argc)
			cat_rel = argv[++a];
		else if (!strcmp(argv[a], "-write") && a + 3 < argc)
			write_rel = argv[++a], write_text = argv[++a];
		else
			break;
	}
	if (a != argc - 1) {
		fprintf(stderr, "usage: vix-mount [-ro] [-cat REL] [-write REL TEXT] disk.vmdk\n");
		return 2;
	}
	disk = argv[a];
	e = VixDiskLib_Init(VIXDISKLIB_VERSION_MAJOR, VIXDISKLIB_VERSION_MINOR,
			    log_func, warn_func, NULL, NULL);
	if (VIX_FAILED(e))
		return fail("VixDiskLib_Init", e);
	e = VixMntapi_Init(VIXMNTAPI_MAJOR_VERSION, VIXMNTAPI_MINOR_VERSION,
			   log_func, warn_func, NULL, NULL, getenv("VIX_MOUNT_CONFIG"));
	if (VIX_FAILED(e))
		return fail("VixMntapi_Init", e);
	e = VixDiskLib_Connect(NULL, &conn);
	if (VIX_FAILED(e))
		return fail("VixDiskLib_Connect", e);
	e = VixMntapi_OpenDisks(conn, &disk, 1, flags, &set);
	if (VIX_FAILED(e))
		return fail("VixMntapi_OpenDisks", e);
	e = VixMntapi_GetDiskSetInfo(set, &setInfo);
	if (VIX_FAILED(e))
		return fail("VixMntapi_GetDiskSetInfo", e);
	printf("disk set: %s, flags %u\n", setInfo->mountPath, setInfo->openFlags);
	VixMntapi_FreeDiskSetInfo(setInfo);
	e = VixMntapi_GetVolumeHandles(set, &numberOfVolumes, &volumes);
	if (VIX_FAILED(e))
		return fail("VixMntapi_GetVolumeHandles", e);
	printf("volumes: %zu\n", numberOfVolumes);
	for (size_t i = 0; i < numberOfVolumes; i++) {
		VixVolumeInfo *info;
		e = VixMntapi_MountVolume(volumes[i], (flags & VIXDISKLIB_FLAG_OPEN_READ_ONLY) != 0);
		if (VIX_FAILED(e)) {
			char *text = VixDiskLib_GetErrorText(e, NULL);
			printf("volume %zu: not mounted: error %llu: %s\n", i,
			       (unsigned long long)e, text);
			VixDiskLib_FreeErrorText(text);
			continue;
		}
		e = VixMntapi_GetVolumeInfo(volumes[i], &info);
		if (VIX_FAILED(e)) {
			status = fail("VixMntapi_GetVolumeInfo", e);
			continue;
		}
		printf("volume %zu: type %d, mounted %d at %s, guest mount points %zu:", i,
		       (int)info->type, info->isMounted,
		       info->symbolicLink ? info->symbolicLink : "(none)",
		       info->numGuestMountPoints);
		for (size_t k = 0; k < info->numGuestMountPoints; k++)
			printf(" %s", info->inGuestMountPoints[k]);
		printf("\n");
		if (cat_rel && info->symbolicLink)
			cat(info->symbolicLink, cat_rel);
		if (write_rel && i == 0 && info->symbolicLink) {
			char path[4096];
			FILE *f;
			snprintf(path, sizeof(path), "%s/%s", info->symbolicLink, write_rel);
			if (!(f = fopen(path, "w")) || fputs(write_text, f) < 0 || fclose(f) != 0) {
				perror(path);
				status = 1;
			}
		}
		VixMntapi_FreeVolumeInfo(info);
	}
	e = VixMntapi_GetOsInfo(set, &os);
	if (VIX_SUCCEEDED(e)) {
		printf("os: family %d, version %u.%u, 64-bit %d, vendor \"%s\", edition \"%s\", "
		       "folder %s\n", (int)os->family, os->majorVersion, os->minorVersion,
		       os->osIs64Bit, os->vendor, os->edition, os->osFolder);
		VixMntapi_FreeOsInfo(os);
	} else {
		printf("os: error %llu\n", (unsigned long long)e);
	}
	for (size_t i = 0; i < numberOfVolumes; i++) {
		e = VixMntapi_DismountVolume(volumes[i], FALSE);
		if (VIX_FAILED(e) && e != VIX_E_MNTAPI_VOLUME_NOT_MOUNTED)
			status = fail("VixMntapi_DismountVolume", e);
	}
	VixMntapi_FreeVolumeHandles(volumes);
	e = VixMntapi_CloseDiskSet(set);
	if (VIX_FAILED(e))
		status = fail("VixMntapi_CloseDiskSet", e);
	VixDiskLib_Disconnect(conn);
	VixMntapi_Exit();
	VixDiskLib_Exit();
	return status;
}
