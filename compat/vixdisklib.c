/* SPDX-License-Identifier: MIT */
/* vixdisklib.c --- the library's life and connections: Init and Exit,
 * the log callbacks, local connections (remote ones are refused), the
 * transport ("file"), errors in VDDK's numbers with libvmdk's text. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vix_int.h"

static VixDiskLibGenericLogFunc *log_fn, *warn_fn;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* The last error of this thread, with its detailed text. */
static __thread VixError last_code;
static __thread char last_text[1024];

static void call_log(VixDiskLibGenericLogFunc *fn, const char *fmt, va_list ap)
{
	if (!fn)
		return;
	pthread_mutex_lock(&log_lock);
	fn(fmt, ap);
	pthread_mutex_unlock(&log_lock);
}

void vix_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	call_log(log_fn, fmt, ap);
	va_end(ap);
}

void vix_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	call_log(warn_fn, fmt, ap);
	va_end(ap);
}

static VixError record(VixError code, const char *text)
{
	last_code = code;
	snprintf(last_text, sizeof(last_text), "%s", text);
	vix_warn("VixDiskLib: %s\n", text);
	return code;
}

VixError vix_fail(VixError code, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return record(code, text);
}

static VixError code_for(int err)
{
	switch (err) {
	case 0: return VIX_OK;
	case VMDK_E_NOT_A_DISK: return VIX_E_DISK_INVALIDDISK;
	case VMDK_E_NEEDS_REPAIR: return VIX_E_DISK_NEEDSREPAIR;
	case VMDK_E_CID_MISMATCH: return VIX_E_DISK_CID_MISMATCH;
	case VMDK_E_OUT_OF_RANGE: return VIX_E_DISK_OUTOFRANGE;
	case VMDK_E_NO_SPACE: return VIX_E_DISK_FULL;
	case VMDK_E_LOCKED: return VIX_E_FILE_ALREADY_LOCKED;
	case VMDK_E_UNSUPPORTED_VERSION: return VIX_E_DISK_UNSUPPORTEDDISKVERSION;
	case VMDK_E_OPEN_PARENT: return VIX_E_DISK_OPENPARENT;
	case VMDK_E_BAD_DESCRIPTOR: return VIX_E_DISK_INVALIDDISK;
	case VMDK_E_MISSING_EXTENT: return VIX_E_DISK_PARTIALCHAIN;
	case VMDK_E_READ_ONLY: return VIX_E_FILE_READ_ONLY;
	case VMDK_E_NOT_SUPPORTED: return VIX_E_DISK_NOTSUPPORTED;
	case VMDK_E_INVALID_ARG: return VIX_E_INVALID_ARG;
	case VMDK_E_EXISTS: return VIX_E_FILE_ALREADY_EXISTS;
	case VMDK_E_TOO_BIG: return VIX_E_FILE_TOO_BIG;
	case VMDK_E_CANCELED: return VIX_E_CANCELLED;
	case VMDK_E_UNSAFE_PATH: return VIX_E_FILE_ACCESS_ERROR;
	case VMDK_E_FOREIGN: return VIX_E_INCORRECT_FILE_TYPE;
	case -ENOENT: return VIX_E_FILE_NOT_FOUND;
	case -EACCES: case -EPERM: return VIX_E_FILE_ACCESS_ERROR;
	case -ENOSPC: case -EDQUOT: return VIX_E_DISK_FULL;
	case -ENOMEM: return VIX_E_OUT_OF_MEMORY;
	case -EEXIST: return VIX_E_FILE_ALREADY_EXISTS;
	case -EROFS: return VIX_E_FILE_READ_ONLY;
	case -EFBIG: return VIX_E_FILE_TOO_BIG;
	case -EINVAL: return VIX_E_INVALID_ARG;
	case -EIO: return VIX_E_FILE_ERROR;
	default: return VIX_E_FAIL;
	}
}

VixError vix_error(int err)
{
	const char *msg;

	if (err == 0)
		return VIX_OK;
	msg = vmdk_errmsg(NULL);
	return record(code_for(err), msg && msg[0] ? msg : vmdk_strerror(err));
}

VIX_EXPORT VixError VixDiskLib_InitEx(uint32 majorVersion, uint32 minorVersion,
				      VixDiskLibGenericLogFunc *log,
				      VixDiskLibGenericLogFunc *warn,
				      VixDiskLibGenericLogFunc *panic, const char *libDir,
				      const char *configFile)
{
	(void)minorVersion, (void)panic, (void)libDir, (void)configFile;
	log_fn = log;
	warn_fn = warn;
	vix_log("VixDiskLib: vmdktools %s, for clients of version %u\n", vmdk_version(),
		majorVersion);
	return VIX_OK;
}

VIX_EXPORT VixError VixDiskLib_Init(uint32 majorVersion, uint32 minorVersion,
				    VixDiskLibGenericLogFunc *log,
				    VixDiskLibGenericLogFunc *warn,
				    VixDiskLibGenericLogFunc *panic, const char *libDir)
{
	return VixDiskLib_InitEx(majorVersion, minorVersion, log, warn, panic, libDir, NULL);
}

VIX_EXPORT void VixDiskLib_Exit(void)
{
	vix_log("VixDiskLib: exit\n");
	log_fn = warn_fn = NULL;
}

VIX_EXPORT const char *VixDiskLib_ListTransportModes(void)
{
	return "file";
}

VIX_EXPORT const char *VixDiskLib_GetTransportMode(VixDiskLibHandle diskHandle)
{
	return diskHandle ? "file" : NULL;
}

VIX_EXPORT VixDiskLibConnectParams *VixDiskLib_AllocateConnectParams(void)
{
	return calloc(1, sizeof(VixDiskLibConnectParams));
}

/* Only the structure: its strings belong to the caller. */
VIX_EXPORT void VixDiskLib_FreeConnectParams(VixDiskLibConnectParams *connectParams)
{
	free(connectParams);
}

static bool remote(const VixDiskLibConnectParams *p)
{
	return p && p->serverName && p->serverName[0];
}

static VixError no_remote(const VixDiskLibConnectParams *p)
{
	return vix_fail(VIX_E_NOT_SUPPORTED, "%s: remote connections are not supported "
			"(this VixDiskLib opens local disks only; vmdk-clone --host "
			"copies to and from ESXi and vCenter)", p->serverName);
}

VIX_EXPORT VixError VixDiskLib_ConnectEx(const VixDiskLibConnectParams *connectParams,
					 Bool readOnly, const char *snapshotRef,
					 const char *transportModes,
					 VixDiskLibConnection *connection)
{
	(void)snapshotRef;
	if (!connection)
		return vix_fail(VIX_E_INVALID_ARG, "no connection to return");
	*connection = NULL;
	if (remote(connectParams))
		return no_remote(connectParams);
	if (transportModes && transportModes[0] && !strstr(transportModes, "file"))
		return vix_fail(VIX_E_NOT_SUPPORTED, "transport modes \"%s\": only \"file\" "
				"is supported", transportModes);
	*connection = calloc(1, sizeof(**connection));
	if (!*connection)
		return vix_fail(VIX_E_OUT_OF_MEMORY, "out of memory");
	(*connection)->read_only = readOnly;
	vix_log("VixDiskLib: local connection%s\n", readOnly ? " (read-only)" : "");
	return VIX_OK;
}

VIX_EXPORT VixError VixDiskLib_Connect(const VixDiskLibConnectParams *connectParams,
				       VixDiskLibConnection *connection)
{
	return VixDiskLib_ConnectEx(connectParams, FALSE, NULL, NULL, connection);
}

VIX_EXPORT VixError VixDiskLib_Disconnect(VixDiskLibConnection connection)
{
	if (!connection)
		return vix_fail(VIX_E_INVALID_ARG, "no connection");
	free(connection);
	return VIX_OK;
}

/* Nothing to tell a host about local disks. */
VIX_EXPORT VixError VixDiskLib_PrepareForAccess(const VixDiskLibConnectParams *connectParams,
						const char *identity)
{
	(void)identity;
	return remote(connectParams) ? no_remote(connectParams) : VIX_OK;
}

VIX_EXPORT VixError VixDiskLib_EndAccess(const VixDiskLibConnectParams *connectParams,
					 const char *identity)
{
	(void)identity;
	return remote(connectParams) ? no_remote(connectParams) : VIX_OK;
}

VIX_EXPORT VixError VixDiskLib_Cleanup(const VixDiskLibConnectParams *connectParams,
				       uint32 *numCleanedUp, uint32 *numRemaining)
{
	if (numCleanedUp)
		*numCleanedUp = 0;
	if (numRemaining)
		*numRemaining = 0;
	return remote(connectParams) ? no_remote(connectParams) : VIX_OK;
}

static const char *generic_text(VixError code)
{
	switch (VIX_ERROR_CODE(code)) {
	case VIX_OK: return "The operation was successful";
	case VIX_E_OUT_OF_MEMORY: return "Memory allocation failed: out of memory";
	case VIX_E_INVALID_ARG: return "One of the parameters was invalid";
	case VIX_E_FILE_NOT_FOUND: return "The file was not found";
	case VIX_E_NOT_SUPPORTED: return "The operation is not supported";
	case VIX_E_FILE_ERROR: return "A file access error occurred on the host or guest operating system";
	case VIX_E_DISK_FULL: return "There is not enough space on the file system for the selected operation";
	case VIX_E_INCORRECT_FILE_TYPE: return "The file is not of the expected type";
	case VIX_E_CANCELLED: return "The operation was canceled";
	case VIX_E_FILE_READ_ONLY: return "The file is write-protected";
	case VIX_E_FILE_ALREADY_EXISTS: return "The file already exists";
	case VIX_E_FILE_ACCESS_ERROR: return "You do not have access rights to this file";
	case VIX_E_FILE_ALREADY_LOCKED: return "The file is already in use";
	case VIX_E_FILE_TOO_BIG: return "The file is too big for the filesystem";
	case VIX_E_BUFFER_TOOSMALL: return "The buffer is too small";
	case VIX_E_INVALID_HANDLE: return "The handle is not a valid VIX object";
	case VIX_E_DISK_INVAL: return "One of the parameters supplied is invalid";
	case VIX_E_DISK_PARTIALCHAIN: return "The specified virtual disk needs repair or a file of it is missing";
	case VIX_E_DISK_NEEDSREPAIR: return "The specified virtual disk needs repair";
	case VIX_E_DISK_OUTOFRANGE: return "You have requested access to an area of the virtual disk that is out of bounds";
	case VIX_E_DISK_CID_MISMATCH: return "The parent virtual disk has been modified since the child was created";
	case VIX_E_DISK_UNSUPPORTEDDISKVERSION: return "The version of the virtual disk is not supported";
	case VIX_E_DISK_OPENPARENT: return "The parent of this virtual disk could not be opened";
	case VIX_E_DISK_NOTSUPPORTED: return "The specified feature is not supported by this version";
	case VIX_E_DISK_KEY_NOTFOUND: return "The metadata key is not found";
	case VIX_E_DISK_CANTREPAIR: return "The virtual disk cannot be repaired";
	case VIX_E_DISK_INVALIDDISK: return "The specified file is not a virtual disk";
	/* libvixMntapi's, which it leaves to this function to tell. */
	case 24006: return "The disk could not be opened for mounting";
	case 24007: return "The partition table of the disk could not be read";
	case 24009: return "The volume could not be unmounted";
	case 24010: return "The volume holds no filesystem to mount (swap, an extended partition or nothing recognised)";
	case 24016: return "The directory for the mounts could not be made";
	case 24017: return "Mounting a volume needs root";
	case 24018: return "No loop device could be set up for the volume";
	case 24019: return "The FUSE server for the disk could not be started";
	case 24300: return "This version of the mount library is not supported";
	case 24301: return "The kernel could not mount the volume";
	case 24304: return "The volume is not mounted";
	case 24305: return "The volume is already mounted";
	case 24307: return "The kernel has no driver for the volume's filesystem";
	default: return "Unknown error";
	}
}

/* The detailed text when @err is this thread's last error. */
VIX_EXPORT char *VixDiskLib_GetErrorText(VixError err, const char *locale)
{
	char *text;

	(void)locale;
	if (err != VIX_OK && err == last_code && last_text[0]) {
		if (asprintf(&text, "%s (%s)", generic_text(err), last_text) < 0)
			text = NULL;
	} else {
		text = strdup(generic_text(err));
	}
	return text;
}

VIX_EXPORT void VixDiskLib_FreeErrorText(char *errMsg)
{
	free(errMsg);
}

int vix_progress_cb(void *arg, uint64_t done, uint64_t total)
{
	struct vix_progress *p = arg;
	int pct = total ? (int)(done * 100 / total) : 100;

	if (p->fn && pct != p->last) {
		p->last = pct;
		p->fn(p->data, pct);
	}
	return 0;
}

void vix_progress_done(struct vix_progress *p)
{
	vix_progress_cb(p, 1, 1);
}

int vix_to_vmdk_type(VixDiskLibDiskType t)
{
	switch (t) {
	case VIXDISKLIB_DISK_MONOLITHIC_SPARSE: return VMDK_TYPE_MONOLITHIC_SPARSE;
	case VIXDISKLIB_DISK_MONOLITHIC_FLAT: return VMDK_TYPE_MONOLITHIC_FLAT;
	case VIXDISKLIB_DISK_SPLIT_SPARSE: return VMDK_TYPE_SPLIT_SPARSE;
	case VIXDISKLIB_DISK_SPLIT_FLAT: return VMDK_TYPE_SPLIT_FLAT;
	case VIXDISKLIB_DISK_VMFS_FLAT: return VMDK_TYPE_VMFS_THICK;
	case VIXDISKLIB_DISK_STREAM_OPTIMIZED: return VMDK_TYPE_STREAM_OPTIMIZED;
	case VIXDISKLIB_DISK_VMFS_THIN: return VMDK_TYPE_VMFS_THIN;
	default: return -1;
	}
}

int vix_to_vmdk_adapter(VixDiskLibAdapterType a)
{
	switch (a) {
	case VIXDISKLIB_ADAPTER_IDE: return VMDK_ADAPTER_IDE;
	case VIXDISKLIB_ADAPTER_SCSI_BUSLOGIC: return VMDK_ADAPTER_BUSLOGIC;
	case VIXDISKLIB_ADAPTER_SCSI_LSILOGIC: return VMDK_ADAPTER_LSILOGIC;
	case VIXDISKLIB_ADAPTER_VMWARE_PVSCSI: return VMDK_ADAPTER_PVSCSI;
	default: return -1;
	}
}

VixDiskLibAdapterType vix_from_vmdk_adapter(const char *name)
{
	switch (name ? vmdk_adapter_from_name(name) : -1) {
	case VMDK_ADAPTER_IDE: return VIXDISKLIB_ADAPTER_IDE;
	case VMDK_ADAPTER_BUSLOGIC: return VIXDISKLIB_ADAPTER_SCSI_BUSLOGIC;
	case VMDK_ADAPTER_LSILOGIC: return VIXDISKLIB_ADAPTER_SCSI_LSILOGIC;
	case VMDK_ADAPTER_PVSCSI: return VIXDISKLIB_ADAPTER_VMWARE_PVSCSI;
	default: return VIXDISKLIB_ADAPTER_UNKNOWN;
	}
}
