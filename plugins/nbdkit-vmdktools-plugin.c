/* SPDX-License-Identifier: MIT */
/* nbdkit-vmdktools-plugin.c --- serve any disk libvmdk opens over NBD:
 *   nbdkit vmdktools file=DISK [readonly=true] [single-link=true]
 *                           [unsafe-paths=true]
 *
 * One handle serves every connection: a disk has one writer (the write
 * lock is the disk's, not a connection's), so requests are serialized
 * over the whole server, which also makes flushes and writes seen by
 * every connection alike (multi-conn is consistent).  The disk is opened
 * before the server starts, so that a disk another process has is
 * refused then: for writing, unless readonly=true (nbdkit's -r does not
 * reach a plugin before its connections) or the format cannot be written
 * in place (streamOptimized). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NBDKIT_API_VERSION 2
#include <nbdkit-plugin.h>

#include "vmdk.h"

static char *file;
static unsigned open_flags;
static bool readonly_asked;
static vmdk_disk *disk;
static bool writable;
static uint64_t capacity;

/* The library's message in nbdkit's log, the errno to the client. */
static int fail(int err, const char *what)
{
	const char *msg = vmdk_errmsg(disk);

	nbdkit_error("%s: %s", what, msg && *msg ? msg : vmdk_strerror(err));
	nbdkit_set_error(vmdk_errno(err));
	return -1;
}

static int vmdktools_config(const char *key, const char *value)
{
	int b;

	if (strcmp(key, "file") == 0) {
		free(file);
		file = nbdkit_realpath(value);
		return file ? 0 : -1;
	}
	if (strcmp(key, "readonly") == 0) {
		if ((b = nbdkit_parse_bool(value)) < 0)
			return -1;
		readonly_asked = b;
		return 0;
	}
	if (strcmp(key, "single-link") == 0 || strcmp(key, "unsafe-paths") == 0) {
		if ((b = nbdkit_parse_bool(value)) < 0)
			return -1;
		unsigned flag = key[0] == 's' ? VMDK_OPEN_SINGLE_LINK : VMDK_OPEN_UNSAFE_PATHS;
		open_flags = b ? open_flags | flag : open_flags & ~flag;
		return 0;
	}
	nbdkit_error("unknown parameter '%s' (file, readonly, single-link, "
		     "unsafe-paths)", key);
	return -1;
}

static int vmdktools_config_complete(void)
{
	if (!file) {
		nbdkit_error("the file parameter is required: file=DISK.vmdk");
		return -1;
	}
	return 0;
}

/* Opened before serving: a disk that does not open, or that another
 * process holds, is refused at start.  The open descriptors and their
 * locks pass to the server's process when nbdkit forks. */
static int vmdktools_get_ready(void)
{
	struct vmdk_info info;
	int err = -1;

	if (!readonly_asked) {
		err = vmdk_open(file, open_flags, &disk);
		writable = err == 0;
	}
	/* A stream, COWD or seSparse link cannot be written in place, nor
	 * another format's image (qcow2, VHD, VHDX, VDI): served read-only. */
	if (writable && !vmdk_takes_writes(disk)) {
		vmdk_close(disk);
		disk = NULL;
		writable = false;
		err = VMDK_E_READ_ONLY;
	}
	if (err == VMDK_E_READ_ONLY || err == VMDK_E_NOT_SUPPORTED ||
	    err == VMDK_E_FOREIGN || readonly_asked)
		err = vmdk_open(file, open_flags | VMDK_OPEN_RDONLY, &disk);
	if (err < 0) {
		nbdkit_error("%s", vmdk_errmsg(NULL));
		return -1;
	}
	vmdk_get_info(disk, &info);
	capacity = info.capacity;
	return 0;
}

/* nbdkit forks into the background after get_ready: VMware's lock must
 * name the process that serves. */
static int vmdktools_after_fork(void)
{
	int err = writable ? vmdk_after_fork(disk) : 0;

	if (err < 0) {
		nbdkit_error("%s", vmdk_errmsg(disk));
		return -1;
	}
	return 0;
}

static int vmdktools_thread_model(void)
{
	return NBDKIT_THREAD_MODEL_SERIALIZE_ALL_REQUESTS;
}

/* Every connection shares the one disk; with nbdkit's -r it only reads. */
static void *vmdktools_open(int readonly)
{
	(void)readonly;
	return &disk;
}

/* The disk stays open for the next connection: closed at unload. */
static void vmdktools_unload(void)
{
	if (disk && vmdk_close(disk) < 0)
		nbdkit_error("%s: closing: %s", file, vmdk_errmsg(NULL));
	disk = NULL;
	free(file);
}

static int64_t vmdktools_get_size(void *handle)
{
	(void)handle;
	return (int64_t)(capacity * 512);
}

static int vmdktools_can_write(void *handle)
{
	(void)handle;
	return writable;
}

static int vmdktools_can_flush(void *handle)
{
	(void)handle;
	return 1;
}

static int vmdktools_can_multi_conn(void *handle)
{
	(void)handle;
	return 1;	/* one handle, every request serialized */
}

static int vmdktools_can_extents(void *handle)
{
	(void)handle;
	return 1;
}

static int vmdktools_pread(void *handle, void *buf, uint32_t count, uint64_t offset,
			   uint32_t flags)
{
	int err;

	(void)handle;
	(void)flags;
	err = vmdk_pread(disk, buf, count, offset);
	return err < 0 ? fail(err, "read") : 0;
}

static int vmdktools_pwrite(void *handle, const void *buf, uint32_t count,
			    uint64_t offset, uint32_t flags)
{
	int err;

	(void)handle;
	err = vmdk_pwrite(disk, buf, count, offset);
	if (err == 0 && (flags & NBDKIT_FLAG_FUA))
		err = vmdk_flush(disk);
	return err < 0 ? fail(err, "write") : 0;
}

static int vmdktools_can_zero(void *handle)
{
	(void)handle;
	return writable;
}

static int vmdktools_can_trim(void *handle)
{
	(void)handle;
	return writable;
}

/* Zeros; with may-trim, whole grains are let go instead of written. */
static int vmdktools_zero(void *handle, uint32_t count, uint64_t offset, uint32_t flags)
{
	int err;

	(void)handle;
	if (flags & NBDKIT_FLAG_FAST_ZERO) {
		nbdkit_set_error(EOPNOTSUPP);	/* writing zeros is not fast */
		return -1;
	}
	err = vmdk_zero_bytes(disk, offset, count, flags & NBDKIT_FLAG_MAY_TRIM);
	if (err == 0 && (flags & NBDKIT_FLAG_FUA))
		err = vmdk_flush(disk);
	return err < 0 ? fail(err, "zero") : 0;
}

/* Trim: the whole sectors inside let go (they read as zeros after). */
static int vmdktools_trim(void *handle, uint32_t count, uint64_t offset, uint32_t flags)
{
	uint64_t first = (offset + 511) / 512, end = (offset + count) / 512;
	int err = 0;

	(void)handle;
	if (end > first)
		err = vmdk_zero(disk, first, end - first, true);
	if (err == 0 && (flags & NBDKIT_FLAG_FUA))
		err = vmdk_flush(disk);
	return err < 0 ? fail(err, "trim") : 0;
}

static int vmdktools_flush(void *handle, uint32_t flags)
{
	int err;

	(void)handle;
	(void)flags;
	err = writable ? vmdk_flush(disk) : 0;
	return err < 0 ? fail(err, "flush") : 0;
}

static int vmdktools_extents(void *handle, uint32_t count, uint64_t offset,
			     uint32_t flags, struct nbdkit_extents *extents)
{
	uint64_t at = offset / 512, end = (offset + count + 511) / 512;

	(void)handle;
	if (end > capacity)
		end = capacity;
	while (at < end) {
		uint64_t run = 0;
		int st = vmdk_block_status(disk, at, end - at, &run, NULL);
		uint32_t type = 0;
		if (st < 0)
			return fail(st, "extents");
		if (st == VMDK_BLOCK_UNALLOCATED)
			type = NBDKIT_EXTENT_HOLE | NBDKIT_EXTENT_ZERO;
		else if (st == VMDK_BLOCK_ZERO)
			type = NBDKIT_EXTENT_ZERO;
		if (nbdkit_add_extent(extents, at * 512, run * 512, type) < 0)
			return -1;
		at += run;
		if (flags & NBDKIT_FLAG_REQ_ONE)
			break;
	}
	return 0;
}

#define vmdktools_config_help \
	"file=<DISK>          (required) the disk: a VMDK of any type, or a\n" \
	"                     chain's top link\n" \
	"single-link=true     serve this link only, not its parents\n" \
	"unsafe-paths=true    let the descriptor name files outside its\n" \
	"                     directory (only for disks you made)"

static struct nbdkit_plugin plugin = {
	.name = "vmdktools",
	.longname = "vmdktools: VMware virtual disks",
	.version = VMDKTOOLS_VERSION,
	.description = "Serve a VMware virtual disk (VMDK) with vmdktools' library.",
	.magic_config_key = "file",
	.config = vmdktools_config,
	.config_complete = vmdktools_config_complete,
	.config_help = vmdktools_config_help,
	.get_ready = vmdktools_get_ready,
	.after_fork = vmdktools_after_fork,
	.thread_model = vmdktools_thread_model,
	.unload = vmdktools_unload,
	.open = vmdktools_open,
	.get_size = vmdktools_get_size,
	.can_write = vmdktools_can_write,
	.can_flush = vmdktools_can_flush,
	.can_multi_conn = vmdktools_can_multi_conn,
	.can_extents = vmdktools_can_extents,
	.can_zero = vmdktools_can_zero,
	.can_trim = vmdktools_can_trim,
	.zero = vmdktools_zero,
	.trim = vmdktools_trim,
	.pread = vmdktools_pread,
	.pwrite = vmdktools_pwrite,
	.flush = vmdktools_flush,
	.extents = vmdktools_extents,
	.errno_is_preserved = 0,
};

#define THREAD_MODEL NBDKIT_THREAD_MODEL_SERIALIZE_ALL_REQUESTS
NBDKIT_REGISTER_PLUGIN(plugin)
