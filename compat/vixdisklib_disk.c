/* SPDX-License-Identifier: MIT */
/* vixdisklib_disk.c --- an open disk: Open and Close, GetInfo, Read and
 * Write, the metadata (ddb keys), QueryAllocatedBlocks. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vix_int.h"

static unsigned open_flags(const VixDiskLibHandleStruct *h)
{
	return ((h->flags & VIXDISKLIB_FLAG_OPEN_READ_ONLY) ? VMDK_OPEN_RDONLY : 0) |
	       ((h->flags & VIXDISKLIB_FLAG_OPEN_SINGLE_LINK) ? VMDK_OPEN_SINGLE_LINK : 0);
}

VixError vix_reopen(VixDiskLibHandle h)
{
	return vix_error(vmdk_open(h->path, open_flags(h), &h->d));
}

VIX_EXPORT VixError VixDiskLib_Open(const VixDiskLibConnection connection, const char *path,
				    uint32 flags, VixDiskLibHandle *diskHandle)
{
	VixDiskLibHandle h;
	VixError err;

	if (!diskHandle)
		return vix_fail(VIX_E_INVALID_ARG, "no handle to return");
	*diskHandle = NULL;
	if (!connection || !path)
		return vix_fail(VIX_E_INVALID_ARG, "no connection or no path");
	if (flags & VIXDISKLIB_FLAG_OPEN_COMPRESSION_MASK)
		return vix_fail(VIX_E_NOT_SUPPORTED, "%s: compression is for NBDSSL "
				"transport, not local disks", path);
	h = calloc(1, sizeof(*h));
	if (!h || !(h->path = strdup(path))) {
		free(h);
		return vix_fail(VIX_E_OUT_OF_MEMORY, "out of memory");
	}
	/* UNBUFFERED asks the host not to cache: our writes reach the disk
	 * at Close, as they would. */
	h->flags = flags | (connection->read_only ? VIXDISKLIB_FLAG_OPEN_READ_ONLY : 0);
	h->conn = connection;
	err = vix_reopen(h);
	if (err != VIX_OK) {
		free(h->path);
		free(h);
		return err;
	}
	vix_async_init(h);
	vix_log("VixDiskLib: opened %s%s\n", path,
		(h->flags & VIXDISKLIB_FLAG_OPEN_READ_ONLY) ? " read-only" : "");
	*diskHandle = h;
	return VIX_OK;
}

VIX_EXPORT VixError VixDiskLib_Close(VixDiskLibHandle diskHandle)
{
	int err;

	if (!diskHandle)
		return vix_fail(VIX_E_INVALID_HANDLE, "no disk handle");
	vix_async_end(diskHandle);	/* every request done first */
	err = diskHandle->d ? vmdk_close(diskHandle->d) : 0;
	vix_log("VixDiskLib: closed %s\n", diskHandle->path);
	free(diskHandle->path);
	free(diskHandle);
	return vix_error(err);
}

static VixError usable(VixDiskLibHandle h)
{
	if (!h || !h->d)
		return vix_fail(VIX_E_INVALID_HANDLE, "not an open disk handle");
	return VIX_OK;
}

/* The BIOS geometry VMware keeps in ddb.geometry.bios*, else the disk's. */
static void bios_geometry(vmdk_disk *d, VixDiskLibGeometry *g)
{
	const char *keys[3] = { "geometry.biosCylinders", "geometry.biosHeads",
				"geometry.biosSectors" };
	uint32 *out[3] = { &g->cylinders, &g->heads, &g->sectors };

	for (int i = 0; i < 3; i++) {
		const char *v;
		if (vmdk_meta_get(d, keys[i], &v) == 0 && v)
			*out[i] = (uint32)strtoul(v, NULL, 10);
	}
}

VIX_EXPORT VixError VixDiskLib_GetInfo(VixDiskLibHandle diskHandle, VixDiskLibInfo **info)
{
	struct vmdk_info vi;
	VixDiskLibInfo *out;
	VixError err = usable(diskHandle);

	if (err != VIX_OK)
		return err;
	if (!info)
		return vix_fail(VIX_E_INVALID_ARG, "no info to return");
	vix_io_begin(diskHandle);
	int rc = vmdk_get_info(diskHandle->d, &vi);
	vix_io_end(diskHandle);
	if (rc < 0)
		return vix_error(VMDK_E_INVALID_ARG);
	out = calloc(1, sizeof(*out));
	if (!out)
		return vix_fail(VIX_E_OUT_OF_MEMORY, "out of memory");
	out->physGeo = (VixDiskLibGeometry){ vi.cylinders, vi.heads, vi.sectors };
	out->biosGeo = out->physGeo;
	bios_geometry(diskHandle->d, &out->biosGeo);
	out->capacity = vi.capacity;
	out->adapterType = vix_from_vmdk_adapter(vi.adapter);
	out->numLinks = (int)vi.links;
	out->logicalSectorSize = out->physicalSectorSize = VIXDISKLIB_SECTOR_SIZE;
	if ((vi.parent_hint && !(out->parentFileNameHint = strdup(vi.parent_hint))) ||
	    (vi.uuid && !(out->uuid = strdup(vi.uuid)))) {
		VixDiskLib_FreeInfo(out);
		return vix_fail(VIX_E_OUT_OF_MEMORY, "out of memory");
	}
	*info = out;
	return VIX_OK;
}

VIX_EXPORT void VixDiskLib_FreeInfo(VixDiskLibInfo *info)
{
	if (!info)
		return;
	free(info->parentFileNameHint);
	free(info->uuid);
	free(info);
}

VIX_EXPORT VixError VixDiskLib_Read(VixDiskLibHandle diskHandle,
				    VixDiskLibSectorType startSector,
				    VixDiskLibSectorType numSectors, uint8 *readBuffer)
{
	VixError err = usable(diskHandle);

	if (err != VIX_OK)
		return err;
	if (!readBuffer && numSectors)
		return vix_fail(VIX_E_INVALID_ARG, "no buffer");
	pthread_mutex_lock(&diskHandle->async.io);
	int rc = vmdk_read(diskHandle->d, startSector, numSectors, readBuffer);
	pthread_mutex_unlock(&diskHandle->async.io);
	return vix_error(rc);
}

VIX_EXPORT VixError VixDiskLib_Write(VixDiskLibHandle diskHandle,
				     VixDiskLibSectorType startSector,
				     VixDiskLibSectorType numSectors, const uint8 *writeBuffer)
{
	VixError err = usable(diskHandle);

	if (err != VIX_OK)
		return err;
	if (!writeBuffer && numSectors)
		return vix_fail(VIX_E_INVALID_ARG, "no buffer");
	if (diskHandle->flags & VIXDISKLIB_FLAG_OPEN_READ_ONLY)
		return vix_fail(VIX_E_FILE_READ_ONLY, "%s: opened read-only", diskHandle->path);
	pthread_mutex_lock(&diskHandle->async.io);
	int rc = vmdk_write(diskHandle->d, startSector, numSectors, writeBuffer);
	pthread_mutex_unlock(&diskHandle->async.io);
	return vix_error(rc);
}

/* VDDK names the keys without "ddb.". */
static const char *bare_key(const char *key)
{
	return strncmp(key, "ddb.", 4) == 0 ? key + 4 : key;
}

VIX_EXPORT VixError VixDiskLib_ReadMetadata(VixDiskLibHandle diskHandle, const char *key,
					    char *buf, size_t bufLen, size_t *requiredLen)
{
	const char *value = NULL;
	VixError err = usable(diskHandle);
	size_t need;

	if (err != VIX_OK)
		return err;
	if (!key)
		return vix_fail(VIX_E_INVALID_ARG, "no key");
	vix_io_begin(diskHandle);
	int rc = vmdk_meta_get(diskHandle->d, key, &value);
	vix_io_end(diskHandle);
	if (rc < 0 || !value)
		return vix_fail(VIX_E_DISK_KEY_NOTFOUND, "%s: no metadata key \"%s\"",
				diskHandle->path, key);
	need = strlen(value) + 1;
	if (requiredLen)
		*requiredLen = need;
	if (!buf || bufLen < need)
		return vix_fail(VIX_E_BUFFER_TOOSMALL, "the value of \"%s\" takes %zu bytes",
				key, need);
	memcpy(buf, value, need);
	return VIX_OK;
}

VIX_EXPORT VixError VixDiskLib_WriteMetadata(VixDiskLibHandle diskHandle, const char *key,
					     const char *val)
{
	VixError err = usable(diskHandle);

	if (err != VIX_OK)
		return err;
	if (!key || !val)
		return vix_fail(VIX_E_INVALID_ARG, "no key or no value");
	if (diskHandle->flags & VIXDISKLIB_FLAG_OPEN_READ_ONLY)
		return vix_fail(VIX_E_FILE_READ_ONLY, "%s: opened read-only", diskHandle->path);
	vix_io_begin(diskHandle);
	int rc = vmdk_meta_set(diskHandle->d, key, val);
	vix_io_end(diskHandle);
	return vix_error(rc);
}

struct key_list {
	char *buf;
	size_t max, used;
};

static int add_key(void *arg, const char *key, const char *value)
{
	struct key_list *l = arg;
	size_t n = strlen(bare_key(key)) + 1;

	(void)value;
	if (l->buf && l->used + n < l->max)
		memcpy(l->buf + l->used, bare_key(key), n);
	l->used += n;
	return 0;
}

/* The keys one after another, each ended by a NUL, the list by another. */
VIX_EXPORT VixError VixDiskLib_GetMetadataKeys(VixDiskLibHandle diskHandle, char *keys,
					       size_t maxLen, size_t *requiredLen)
{
	struct key_list l = { keys, maxLen, 0 };
	VixError err = usable(diskHandle);

	if (err != VIX_OK)
		return err;
	vix_io_begin(diskHandle);
	int rc = vmdk_meta_keys(diskHandle->d, add_key, &l);
	vix_io_end(diskHandle);
	if (rc < 0)
		return vix_error(VMDK_E_INVALID_ARG);
	l.used++;
	if (requiredLen)
		*requiredLen = l.used;
	if (!keys || maxLen < l.used)
		return vix_fail(VIX_E_BUFFER_TOOSMALL, "the keys take %zu bytes", l.used);
	keys[l.used - 1] = '\0';
	return VIX_OK;
}

/* Does any sector of [s, s + n) hold data in some link? */
static int chunk_allocated(vmdk_disk *d, uint64_t s, uint64_t n)
{
	while (n > 0) {
		uint64_t run;
		int st = vmdk_block_status(d, s, n, &run, NULL);
		if (st < 0)
			return st;
		if (st == VMDK_BLOCK_DATA)
			return 1;
		run = run < n ? run : n;
		s += run;
		n -= run;
	}
	return 0;
}

static VixError query_blocks(VixDiskLibHandle diskHandle, VixDiskLibSectorType startSector,
			     VixDiskLibSectorType numSectors, VixDiskLibSectorType chunkSize,
			     VixDiskLibBlockList **blockList)
{
	struct vmdk_info vi;
	VixDiskLibBlockList *l;
	uint64_t chunks, cap = 16;
	VixError err = usable(diskHandle);

	if (err != VIX_OK)
		return err;
	if (!blockList)
		return vix_fail(VIX_E_INVALID_ARG, "no block list to return");
	*blockList = NULL;
	if (chunkSize < VIXDISKLIB_MIN_CHUNK_SIZE || chunkSize > VIXDISKLIB_MAX_CHUNK_SIZE ||
	    startSector % chunkSize || numSectors % chunkSize)
		return vix_fail(VIX_E_INVALID_ARG, "chunk size %llu: between %d and %d "
				"sectors, and the range in whole chunks",
				(unsigned long long)chunkSize, VIXDISKLIB_MIN_CHUNK_SIZE,
				VIXDISKLIB_MAX_CHUNK_SIZE);
	chunks = numSectors / chunkSize;
	if (chunks > VIXDISKLIB_MAX_CHUNK_NUMBER)
		return vix_fail(VIX_E_INVALID_ARG, "%llu chunks: at most %d a query",
				(unsigned long long)chunks, VIXDISKLIB_MAX_CHUNK_NUMBER);
	vmdk_get_info(diskHandle->d, &vi);
	/* Clients round their last query up to a whole chunk: a last chunk
	 * that runs past the end of the disk is answered for what it holds. */
	if (startSector > vi.capacity ||
	    (numSectors > vi.capacity - startSector &&
	     numSectors - (vi.capacity - startSector) >= chunkSize))
		return vix_fail(VIX_E_DISK_OUTOFRANGE, "sectors %llu-%llu: past the disk's %llu",
				(unsigned long long)startSector,
				(unsigned long long)(startSector + numSectors),
				(unsigned long long)vi.capacity);
	l = calloc(1, sizeof(*l) + cap * sizeof(l->blocks[0]));
	if (!l)
		return vix_fail(VIX_E_OUT_OF_MEMORY, "out of memory");
	for (uint64_t c = 0; c < chunks; c++) {
		uint64_t s = startSector + c * chunkSize;
		uint64_t n = vi.capacity - s < chunkSize ? vi.capacity - s : chunkSize;
		int a = chunk_allocated(diskHandle->d, s, n);
		if (a < 0) {
			free(l);
			return vix_error(a);
		}
		if (!a)
			continue;
		if (l->numBlocks && l->blocks[l->numBlocks - 1].offset +
				    l->blocks[l->numBlocks - 1].length == s) {
			l->blocks[l->numBlocks - 1].length += chunkSize;
			continue;
		}
		if (l->numBlocks == cap) {
			VixDiskLibBlockList *m = realloc(l, sizeof(*l) + 2 * cap * sizeof(l->blocks[0]));
			if (!m) {
				free(l);
				return vix_fail(VIX_E_OUT_OF_MEMORY, "out of memory");
			}
			l = m;
			cap *= 2;
		}
		l->blocks[l->numBlocks++] = (VixDiskLibBlock){ s, chunkSize };
	}
	*blockList = l;
	return VIX_OK;
}

VIX_EXPORT VixError VixDiskLib_QueryAllocatedBlocks(VixDiskLibHandle diskHandle,
						    VixDiskLibSectorType startSector,
						    VixDiskLibSectorType numSectors,
						    VixDiskLibSectorType chunkSize,
						    VixDiskLibBlockList **blockList)
{
	VixError err = usable(diskHandle);

	if (err != VIX_OK)
		return err;
	vix_io_begin(diskHandle);
	err = query_blocks(diskHandle, startSector, numSectors, chunkSize, blockList);
	vix_io_end(diskHandle);
	return err;
}

VIX_EXPORT VixError VixDiskLib_FreeBlockList(VixDiskLibBlockList *blockList)
{
	free(blockList);
	return VIX_OK;
}
