/* SPDX-License-Identifier: MIT */
/* vix-dlopen.c --- libvixDiskLib loaded as VDDK clients often load it:
 * dlopen() by name, every call through dlsym(). */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "vixDiskLib.h"

int main(int argc, char **argv)
{
	typedef VixError (*init_fn)(uint32, uint32, VixDiskLibGenericLogFunc *,
				    VixDiskLibGenericLogFunc *, VixDiskLibGenericLogFunc *,
				    const char *, const char *);
	typedef const char *(*modes_fn)(void);
	typedef VixError (*connect_fn)(const VixDiskLibConnectParams *, VixDiskLibConnection *);
	typedef VixError (*open_fn)(const VixDiskLibConnection, const char *, uint32,
				    VixDiskLibHandle *);
	typedef VixError (*close_fn)(VixDiskLibHandle);
	void *lib = dlopen(argc > 1 ? argv[1] : "libvixDiskLib.so", RTLD_NOW | RTLD_LOCAL);
	VixDiskLibConnection conn;
	VixDiskLibHandle h;

	if (!lib) {
		fprintf(stderr, "vix-dlopen: %s\n", dlerror());
		return 1;
	}
	init_fn init = (init_fn)dlsym(lib, "VixDiskLib_InitEx");
	modes_fn modes = (modes_fn)dlsym(lib, "VixDiskLib_ListTransportModes");
	connect_fn connect = (connect_fn)dlsym(lib, "VixDiskLib_Connect");
	open_fn open_disk = (open_fn)dlsym(lib, "VixDiskLib_Open");
	close_fn close_disk = (close_fn)dlsym(lib, "VixDiskLib_Close");
	/* Every function VDDK's guides name (6.x and 7.0; nbdkit's vddk
	 * plugin refuses a library without Flush and the async calls). */
	static const char *const wanted[] = {
		"VixDiskLib_AllocateConnectParams", "VixDiskLib_Attach",
		"VixDiskLib_CheckRepair", "VixDiskLib_Cleanup", "VixDiskLib_Clone",
		"VixDiskLib_Close", "VixDiskLib_Combine", "VixDiskLib_Connect",
		"VixDiskLib_ConnectEx", "VixDiskLib_Create", "VixDiskLib_CreateChild",
		"VixDiskLib_Defragment", "VixDiskLib_Disconnect", "VixDiskLib_EndAccess",
		"VixDiskLib_Exit", "VixDiskLib_Flush", "VixDiskLib_FreeBlockList",
		"VixDiskLib_FreeConnectParams", "VixDiskLib_FreeErrorText",
		"VixDiskLib_FreeInfo", "VixDiskLib_GetErrorText", "VixDiskLib_GetInfo",
		"VixDiskLib_GetMetadataKeys", "VixDiskLib_GetTransportMode",
		"VixDiskLib_Grow", "VixDiskLib_Init", "VixDiskLib_InitEx",
		"VixDiskLib_ListTransportModes", "VixDiskLib_Open",
		"VixDiskLib_PrepareForAccess", "VixDiskLib_QueryAllocatedBlocks",
		"VixDiskLib_Read", "VixDiskLib_ReadAsync", "VixDiskLib_ReadMetadata",
		"VixDiskLib_Rename", "VixDiskLib_Reparent", "VixDiskLib_Shrink",
		"VixDiskLib_SpaceNeededForClone", "VixDiskLib_Unlink", "VixDiskLib_Wait",
		"VixDiskLib_Write", "VixDiskLib_WriteAsync", "VixDiskLib_WriteMetadata",
	};
	for (size_t i = 0; i < sizeof(wanted) / sizeof(*wanted); i++)
		if (!dlsym(lib, wanted[i])) {
			fprintf(stderr, "vix-dlopen: %s is missing\n", wanted[i]);
			return 1;
		}
	if (!init || !modes || !connect || !open_disk || !close_disk ||
	    dlsym(lib, "vmdk_open")) {
		fprintf(stderr, "vix-dlopen: symbols wrong (a VixDiskLib_ one missing, or "
			"libvmdk's showing)\n");
		return 1;
	}
	if (init(7, 0, NULL, NULL, NULL, NULL, NULL) != VIX_OK || strcmp(modes(), "file") ||
	    connect(NULL, &conn) != VIX_OK) {
		fprintf(stderr, "vix-dlopen: init, modes or connect failed\n");
		return 1;
	}
	if (argc > 2) {
		if (open_disk(conn, argv[2], VIXDISKLIB_FLAG_OPEN_READ_ONLY, &h) != VIX_OK ||
		    close_disk(h) != VIX_OK) {
			fprintf(stderr, "vix-dlopen: %s: open or close failed\n", argv[2]);
			return 1;
		}
	}
	printf("vix-dlopen: ok\n");
	return 0;
}
