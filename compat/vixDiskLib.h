/* SPDX-License-Identifier: MIT */
/* vixDiskLib.h --- the Virtual Disk Library interface (VMware VDDK's
 * VixDiskLib) for local, hosted disks, implemented by vmdktools over
 * libvmdk.  Names, types, constants and fields are those VDDK's
 * documentation gives, so that programs written for VDDK build against
 * this header unchanged; remote connections and the network transports
 * are not implemented here (VIX_E_NOT_SUPPORTED). */
#ifndef VMDKTOOLS_VIXDISKLIB_H
#define VMDKTOOLS_VIXDISKLIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The basic types VDDK's headers take from vm_basic_types.h. */
#ifndef _VM_BASIC_TYPES_H_
typedef uint8_t uint8;
typedef uint16_t uint16;
typedef uint32_t uint32;
typedef uint64_t uint64;
typedef int8_t int8;
typedef int16_t int16;
typedef int32_t int32;
typedef int64_t int64;
typedef char Bool;
#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#endif

/* Errors: 64 bits, the code in the low 16. */
typedef uint64 VixError;
#define VIX_ERROR_CODE(err) ((err) & 0xFFFF)
/* The interface version programs pass to VixDiskLib_Init(). */
#define VIXDISKLIB_VERSION_MAJOR 7
#define VIXDISKLIB_VERSION_MINOR 0

#define VIX_SUCCEEDED(err) (VIX_OK == (err))
#define VIX_FAILED(err) (VIX_OK != (err))

enum {
	VIX_OK = 0,
	VIX_E_FAIL = 1,
	VIX_E_OUT_OF_MEMORY = 2,
	VIX_E_INVALID_ARG = 3,
	VIX_E_FILE_NOT_FOUND = 4,
	VIX_E_OBJECT_IS_BUSY = 5,
	VIX_E_NOT_SUPPORTED = 6,
	VIX_E_FILE_ERROR = 7,
	VIX_E_DISK_FULL = 8,
	VIX_E_INCORRECT_FILE_TYPE = 9,
	VIX_E_CANCELLED = 10,
	VIX_E_FILE_READ_ONLY = 11,
	VIX_E_FILE_ALREADY_EXISTS = 12,
	VIX_E_FILE_ACCESS_ERROR = 13,
	VIX_E_REQUIRES_LARGE_FILES = 14,
	VIX_E_FILE_ALREADY_LOCKED = 15,
	VIX_E_NOT_SUPPORTED_ON_REMOTE_OBJECT = 20,
	VIX_E_FILE_TOO_BIG = 21,
	VIX_E_FILE_NAME_INVALID = 22,
	VIX_E_ALREADY_EXISTS = 23,
	VIX_E_BUFFER_TOOSMALL = 24,
	VIX_E_OBJECT_NOT_FOUND = 25,
	VIX_E_HOST_NOT_CONNECTED = 26,
	VIX_E_INVALID_UTF8_STRING = 27,
	VIX_E_INVALID_HANDLE = 1000,
	VIX_E_NOT_SUPPORTED_ON_HANDLE_TYPE = 1001,
	VIX_E_DISK_INVAL = 16000,
	VIX_E_DISK_NOINIT = 16001,
	VIX_E_DISK_NOIO = 16002,
	VIX_E_DISK_PARTIALCHAIN = 16003,
	VIX_E_DISK_NEEDSREPAIR = 16006,
	VIX_E_DISK_OUTOFRANGE = 16007,
	VIX_E_DISK_CID_MISMATCH = 16008,
	VIX_E_DISK_CANTSHRINK = 16009,
	VIX_E_DISK_PARTMISMATCH = 16010,
	VIX_E_DISK_UNSUPPORTEDDISKVERSION = 16011,
	VIX_E_DISK_OPENPARENT = 16012,
	VIX_E_DISK_NOTSUPPORTED = 16013,
	VIX_E_DISK_INVALIDCHAIN = 16030,
	VIX_E_DISK_KEY_NOTFOUND = 16052,
	VIX_ASYNC = 25000,		/* accepted: the callback tells the result */
	VIX_E_ASYNC_MIXEDMODE_UNSUPPORTED = 26000,
	VIX_E_DISK_SUBSYSTEM_INIT_FAIL = 16053,
	VIX_E_DISK_INVALID_CONNECTION = 16054,
	VIX_E_DISK_ENCODING = 16061,
	VIX_E_DISK_CANTREPAIR = 16062,
	VIX_E_DISK_INVALIDDISK = 16063,
	VIX_E_DISK_CAPACITY_MISMATCH = 16067,
	VIX_E_DISK_PARENT_NOTALLOWED = 16068,
	VIX_E_DISK_ATTACH_ROOTLINK = 16069,
};

typedef uint64 VixDiskLibSectorType;
#define VIXDISKLIB_SECTOR_SIZE 512

/* QueryAllocatedBlocks: a chunk is at least this many sectors, a query at
 * most this many chunks; VIXDISKLIB_MAX_CHUNK_SIZE is this library's own
 * bound on one chunk (1 GiB). */
#define VIXDISKLIB_MIN_CHUNK_SIZE 128
#define VIXDISKLIB_MAX_CHUNK_NUMBER (512 * 1024)
#define VIXDISKLIB_MAX_CHUNK_SIZE (2 * 1024 * 1024)

typedef struct {
	uint32 cylinders;
	uint32 heads;
	uint32 sectors;
} VixDiskLibGeometry;

typedef enum {
	VIXDISKLIB_DISK_MONOLITHIC_SPARSE = 1,
	VIXDISKLIB_DISK_MONOLITHIC_FLAT = 2,
	VIXDISKLIB_DISK_SPLIT_SPARSE = 3,
	VIXDISKLIB_DISK_SPLIT_FLAT = 4,
	VIXDISKLIB_DISK_VMFS_FLAT = 5,
	VIXDISKLIB_DISK_STREAM_OPTIMIZED = 6,
	VIXDISKLIB_DISK_VMFS_THIN = 7,
	VIXDISKLIB_DISK_VMFS_SPARSE = 8,
	VIXDISKLIB_DISK_UNKNOWN = 256
} VixDiskLibDiskType;

typedef enum {
	VIXDISKLIB_ADAPTER_IDE = 1,
	VIXDISKLIB_ADAPTER_SCSI_BUSLOGIC = 2,
	VIXDISKLIB_ADAPTER_SCSI_LSILOGIC = 3,
	VIXDISKLIB_ADAPTER_VMWARE_PVSCSI = 4,
	VIXDISKLIB_ADAPTER_UNKNOWN = 256
} VixDiskLibAdapterType;

#define VIXDISKLIB_HWVERSION_WORKSTATION_4 3
#define VIXDISKLIB_HWVERSION_WORKSTATION_5 4
#define VIXDISKLIB_HWVERSION_WORKSTATION_6 6
#define VIXDISKLIB_HWVERSION_ESX30 VIXDISKLIB_HWVERSION_WORKSTATION_5
#define VIXDISKLIB_HWVERSION_ESX4X 7
#define VIXDISKLIB_HWVERSION_ESX50 8
#define VIXDISKLIB_HWVERSION_ESX51 9
#define VIXDISKLIB_HWVERSION_ESX55 10
#define VIXDISKLIB_HWVERSION_ESX60 11
#define VIXDISKLIB_HWVERSION_ESX65 13
#define VIXDISKLIB_HWVERSION_CURRENT VIXDISKLIB_HWVERSION_ESX65

typedef struct {
	VixDiskLibDiskType diskType;
	VixDiskLibAdapterType adapterType;
	uint16 hwVersion;
	VixDiskLibSectorType capacity;
	uint32 logicalSectorSize;
	uint32 physicalSectorSize;
} VixDiskLibCreateParams;

typedef enum {
	VIXDISKLIB_CRED_UID = 1,
	VIXDISKLIB_CRED_SESSIONID = 2,
	VIXDISKLIB_CRED_TICKETID = 3,
	VIXDISKLIB_CRED_SSPI = 4,
	VIXDISKLIB_CRED_UNKNOWN = 256
} VixDiskLibCredType;

typedef enum {
	VIXDISKLIB_SPEC_VMX = 0,
	VIXDISKLIB_SPEC_VSTORAGE_OBJECT = 1,
	VIXDISKLIB_SPEC_UNKNOWN = 2
} VixDiskLibSpecType;

typedef struct {
	char *id;
	char *datastoreMoRef;
	char *ssId;
} VixDiskLibVStorageObjectSpec;

/* A NULL or empty serverName is a local connection, the only kind here. */
typedef struct {
	char *vmxSpec;
	char *serverName;
	char *thumbPrint;
	long privateUse;
	VixDiskLibCredType credType;
	union VixDiskLibCreds {
		struct VixDiskLibUidPasswdCreds {
			char *userName;
			char *password;
		} uid;
		struct VixDiskLibSessionIdCreds {
			char *cookie;
			char *userName;
			char *key;
		} sessionId;
		struct VixDiskLibTicketIdCreds *ticketId;
	} creds;
	uint32 port;
	uint32 nfcHostPort;
	char *vimApiVer;
	char reserved[8];
	void *reserved2;
	union {
		VixDiskLibVStorageObjectSpec vStorageObjSpec;
	} spec;
	VixDiskLibSpecType specType;
} VixDiskLibConnectParams;

typedef struct {
	VixDiskLibGeometry biosGeo;
	VixDiskLibGeometry physGeo;
	VixDiskLibSectorType capacity;
	VixDiskLibAdapterType adapterType;
	int numLinks;
	char *parentFileNameHint;
	char *uuid;
	uint32 logicalSectorSize;
	uint32 physicalSectorSize;
} VixDiskLibInfo;

typedef struct {
	VixDiskLibSectorType offset;
	VixDiskLibSectorType length;
} VixDiskLibBlock;

typedef struct {
	uint32 numBlocks;
	VixDiskLibBlock blocks[1];
} VixDiskLibBlockList;

typedef struct VixDiskLibHandleStruct VixDiskLibHandleStruct;
typedef VixDiskLibHandleStruct *VixDiskLibHandle;
struct VixDiskLibConnectParam;
typedef struct VixDiskLibConnectParam *VixDiskLibConnection;

typedef void(VixDiskLibGenericLogFunc)(const char *fmt, va_list args);
/* Called with the percentage done; the return value is ignored. */
typedef Bool (*VixDiskLibProgressFunc)(void *progressData, int percentCompleted);

#define VIXDISKLIB_FLAG_OPEN_UNBUFFERED (1 << 0)
#define VIXDISKLIB_FLAG_OPEN_SINGLE_LINK (1 << 1)
#define VIXDISKLIB_FLAG_OPEN_READ_ONLY (1 << 2)
#define VIXDISKLIB_FLAG_OPEN_COMPRESSION_ZLIB (1 << 4)
#define VIXDISKLIB_FLAG_OPEN_COMPRESSION_FASTLZ (1 << 5)
#define VIXDISKLIB_FLAG_OPEN_COMPRESSION_SKIPZ (1 << 6)
#define VIXDISKLIB_FLAG_OPEN_COMPRESSION_MASK (7 << 4)

VixError VixDiskLib_InitEx(uint32 majorVersion, uint32 minorVersion,
			   VixDiskLibGenericLogFunc *log, VixDiskLibGenericLogFunc *warn,
			   VixDiskLibGenericLogFunc *panic, const char *libDir,
			   const char *configFile);
VixError VixDiskLib_Init(uint32 majorVersion, uint32 minorVersion,
			 VixDiskLibGenericLogFunc *log, VixDiskLibGenericLogFunc *warn,
			 VixDiskLibGenericLogFunc *panic, const char *libDir);
void VixDiskLib_Exit(void);
const char *VixDiskLib_ListTransportModes(void);
VixError VixDiskLib_Cleanup(const VixDiskLibConnectParams *connectParams,
			    uint32 *numCleanedUp, uint32 *numRemaining);
VixDiskLibConnectParams *VixDiskLib_AllocateConnectParams(void);
void VixDiskLib_FreeConnectParams(VixDiskLibConnectParams *connectParams);
VixError VixDiskLib_Connect(const VixDiskLibConnectParams *connectParams,
			    VixDiskLibConnection *connection);
VixError VixDiskLib_ConnectEx(const VixDiskLibConnectParams *connectParams, Bool readOnly,
			      const char *snapshotRef, const char *transportModes,
			      VixDiskLibConnection *connection);
VixError VixDiskLib_Disconnect(VixDiskLibConnection connection);
VixError VixDiskLib_PrepareForAccess(const VixDiskLibConnectParams *connectParams,
				     const char *identity);
VixError VixDiskLib_EndAccess(const VixDiskLibConnectParams *connectParams,
			      const char *identity);
VixError VixDiskLib_Create(const VixDiskLibConnection connection, const char *path,
			   const VixDiskLibCreateParams *createParams,
			   VixDiskLibProgressFunc progressFunc, void *progressCallbackData);
VixError VixDiskLib_CreateChild(VixDiskLibHandle diskHandle, const char *childPath,
				VixDiskLibDiskType diskType,
				VixDiskLibProgressFunc progressFunc, void *progressCallbackData);
VixError VixDiskLib_Open(const VixDiskLibConnection connection, const char *path,
			 uint32 flags, VixDiskLibHandle *diskHandle);
VixError VixDiskLib_Close(VixDiskLibHandle diskHandle);
VixError VixDiskLib_GetInfo(VixDiskLibHandle diskHandle, VixDiskLibInfo **info);
void VixDiskLib_FreeInfo(VixDiskLibInfo *info);
const char *VixDiskLib_GetTransportMode(VixDiskLibHandle diskHandle);
VixError VixDiskLib_Read(VixDiskLibHandle diskHandle, VixDiskLibSectorType startSector,
			 VixDiskLibSectorType numSectors, uint8 *readBuffer);
VixError VixDiskLib_Write(VixDiskLibHandle diskHandle, VixDiskLibSectorType startSector,
			  VixDiskLibSectorType numSectors, const uint8 *writeBuffer);
/* Asynchronous I/O: a request returns VIX_ASYNC once accepted, and its
 * callback runs later, on another thread, with the result; Wait returns
 * when every request of the handle is done; Flush makes every write done
 * before it durable. */
typedef void (*VixDiskLibCompletionCB)(void *cbData, VixError result);
VixError VixDiskLib_ReadAsync(VixDiskLibHandle diskHandle, VixDiskLibSectorType startSector,
			      VixDiskLibSectorType numSectors, uint8 *readBuffer,
			      VixDiskLibCompletionCB callback, void *cbData);
VixError VixDiskLib_WriteAsync(VixDiskLibHandle diskHandle, VixDiskLibSectorType startSector,
			       VixDiskLibSectorType numSectors, const uint8 *writeBuffer,
			       VixDiskLibCompletionCB callback, void *cbData);
VixError VixDiskLib_Wait(VixDiskLibHandle diskHandle);
VixError VixDiskLib_Flush(VixDiskLibHandle diskHandle);
VixError VixDiskLib_ReadMetadata(VixDiskLibHandle diskHandle, const char *key, char *buf,
				 size_t bufLen, size_t *requiredLen);
VixError VixDiskLib_WriteMetadata(VixDiskLibHandle diskHandle, const char *key,
				  const char *val);
VixError VixDiskLib_GetMetadataKeys(VixDiskLibHandle diskHandle, char *keys,
				    size_t maxLen, size_t *requiredLen);
VixError VixDiskLib_QueryAllocatedBlocks(VixDiskLibHandle diskHandle,
					 VixDiskLibSectorType startSector,
					 VixDiskLibSectorType numSectors,
					 VixDiskLibSectorType chunkSize,
					 VixDiskLibBlockList **blockList);
VixError VixDiskLib_FreeBlockList(VixDiskLibBlockList *blockList);
VixError VixDiskLib_Unlink(VixDiskLibConnection connection, const char *path);
VixError VixDiskLib_Combine(VixDiskLibHandle diskHandle, uint32 linkOffsetFromBottom,
			    uint32 numLinksToCombine, VixDiskLibProgressFunc progressFunc,
			    void *progressCallbackData);
VixError VixDiskLib_Reparent(VixDiskLibConnection connection, const char *path,
			     const char *parentHint);
VixError VixDiskLib_Grow(VixDiskLibConnection connection, const char *path,
			 VixDiskLibSectorType capacity, Bool updateGeometry,
			 VixDiskLibProgressFunc progressFunc, void *progressCallbackData);
VixError VixDiskLib_Shrink(VixDiskLibHandle diskHandle, VixDiskLibProgressFunc progressFunc,
			   void *progressCallbackData);
VixError VixDiskLib_Defragment(VixDiskLibHandle diskHandle,
			       VixDiskLibProgressFunc progressFunc, void *progressCallbackData);
VixError VixDiskLib_Rename(const char *srcFileName, const char *dstFileName);
VixError VixDiskLib_Clone(const VixDiskLibConnection dstConnection, const char *dstPath,
			  const VixDiskLibConnection srcConnection, const char *srcPath,
			  const VixDiskLibCreateParams *vixCreateParams,
			  VixDiskLibProgressFunc progressFunc, void *progressCallbackData,
			  Bool overWrite);
VixError VixDiskLib_SpaceNeededForClone(VixDiskLibHandle diskHandle,
					VixDiskLibDiskType cloneDiskType, uint64 *spaceNeeded);
VixError VixDiskLib_Attach(VixDiskLibHandle parent, VixDiskLibHandle child);
VixError VixDiskLib_CheckRepair(const VixDiskLibConnection connection, const char *filename,
				Bool repair);
char *VixDiskLib_GetErrorText(VixError err, const char *locale);
void VixDiskLib_FreeErrorText(char *errMsg);

#ifdef __cplusplus
}
#endif

#endif
