/* SPDX-License-Identifier: MIT */
/* vixdisklib_files.c --- the calls that make, change or remove a disk's
 * files: Create, CreateChild and Attach, Clone and SpaceNeededForClone,
 * Grow, Shrink, Defragment, Rename, Unlink, CheckRepair. */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vix_int.h"

static VixError need_connection(VixDiskLibConnection c, const char *path)
{
	if (!c)
		return vix_fail(VIX_E_DISK_INVALID_CONNECTION, "no connection");
	if (!path)
		return vix_fail(VIX_E_INVALID_ARG, "no path");
	return VIX_OK;
}

static VixError writable_connection(VixDiskLibConnection c, const char *path)
{
	VixError err = need_connection(c, path);

	if (err == VIX_OK && c->read_only)
		return vix_fail(VIX_E_FILE_READ_ONLY, "%s: the connection is read-only", path);
	return err;
}

VIX_EXPORT VixError VixDiskLib_Create(const VixDiskLibConnection connection, const char *path,
				      const VixDiskLibCreateParams *createParams,
				      VixDiskLibProgressFunc progressFunc,
				      void *progressCallbackData)
{
	struct vix_progress pr = { progressFunc, progressCallbackData, -1 };
	struct vmdk_create_params p = { 0 };
	VixError err = writable_connection(connection, path);

	if (err != VIX_OK)
		return err;
	if (!createParams)
		return vix_fail(VIX_E_INVALID_ARG, "no create parameters");
	p.capacity = createParams->capacity;
	p.type = vix_to_vmdk_type(createParams->diskType);
	p.adapter = vix_to_vmdk_adapter(createParams->adapterType);
	p.hw_version = createParams->hwVersion;
	if (p.type < 0 || p.adapter < 0 || !p.capacity)
		return vix_fail(VIX_E_INVALID_ARG, "%s: disk type %d, adapter %d, capacity %llu: "
				"not a disk that can be created", path, createParams->diskType,
				createParams->adapterType,
				(unsigned long long)createParams->capacity);
	vix_progress_cb(&pr, 0, 1);
	err = vix_error(vmdk_create(path, &p));
	if (err == VIX_OK) {
		vix_progress_done(&pr);
		vix_log("VixDiskLib: created %s\n", path);
	}
	return err;
}

VIX_EXPORT VixError VixDiskLib_CreateChild(VixDiskLibHandle diskHandle, const char *childPath,
					   VixDiskLibDiskType diskType,
					   VixDiskLibProgressFunc progressFunc,
					   void *progressCallbackData)
{
	struct vix_progress pr = { progressFunc, progressCallbackData, -1 };
	int type = vix_to_vmdk_type(diskType);
	VixError err;

	if (!diskHandle || !diskHandle->d || !childPath)
		return vix_fail(VIX_E_INVALID_ARG, "no disk handle or no child path");
	if (type != VMDK_TYPE_MONOLITHIC_SPARSE && type != VMDK_TYPE_SPLIT_SPARSE)
		return vix_fail(VIX_E_INVALID_ARG, "%s: a child is monolithic or split sparse",
				childPath);
	/* The parent lets go of its files for the child to be made, and is
	 * read-only afterwards: a write to it would leave the child behind. */
	vix_async_wait(diskHandle);
	vmdk_close(diskHandle->d);
	diskHandle->d = NULL;
	err = vix_error(vmdk_create_child(diskHandle->path, childPath, type));
	diskHandle->flags |= VIXDISKLIB_FLAG_OPEN_READ_ONLY;
	if (vix_reopen(diskHandle) != VIX_OK && err == VIX_OK)
		err = VIX_E_DISK_OPENPARENT;
	if (err == VIX_OK)
		vix_progress_done(&pr);
	return err;
}

/* Is @hint, as the child at @child names its parent, the file @parent? */
static bool names_parent(const char *child, const char *hint, const char *parent)
{
	char *copy = strdup(child), *joined = NULL;
	char a[PATH_MAX], b[PATH_MAX];
	bool same = false;

	if (copy && hint && asprintf(&joined, "%s/%s", dirname(copy), hint) >= 0)
		same = realpath(hint[0] == '/' ? hint : joined, a) && realpath(parent, b) &&
		       strcmp(a, b) == 0;
	free(joined);
	free(copy);
	return same;
}

/* The parent handle is used up either way, as VDDK documents; the child
 * handle then reads through the whole chain. */
VIX_EXPORT VixError VixDiskLib_Attach(VixDiskLibHandle parent, VixDiskLibHandle child)
{
	struct vmdk_info vi;
	bool linked;
	int err = 0;

	if (!parent || !child || !parent->d || !child->d)
		return vix_fail(VIX_E_INVALID_HANDLE, "not two open disk handles");
	vix_async_wait(child);
	vix_async_end(parent);		/* its requests done, its worker gone */
	vmdk_get_info(child->d, &vi);
	linked = names_parent(child->path, vi.parent_hint, parent->path);
	vmdk_close(parent->d);
	vmdk_close(child->d);
	child->d = NULL;
	if (!linked)
		err = vmdk_rebase(child->path, parent->path, 1);
	free(parent->path);
	free(parent);
	child->flags &= ~(uint32)VIXDISKLIB_FLAG_OPEN_SINGLE_LINK;
	if (err < 0) {
		VixError code = vix_error(err);
		vix_reopen(child);
		return code;
	}
	return vix_reopen(child);
}

/* The files of @h's chain, from the bottom (base) up; NULL on error. */
static char **chain_paths(VixDiskLibHandle h, unsigned *n)
{
	struct vmdk_info vi;
	char **paths;

	vmdk_get_info(h->d, &vi);
	paths = calloc(vi.links + 1, sizeof(*paths));
	for (unsigned i = 0; paths && i < vi.links; i++) {
		struct vmdk_link_info li;
		vmdk_get_link_info(h->d, vi.links - 1 - i, &li);
		if (!(paths[i] = strdup(li.path))) {
			for (unsigned j = 0; j < i; j++)
				free(paths[j]);
			free(paths);
			return NULL;
		}
	}
	*n = vi.links;
	return paths;
}

/* Links @offset .. @offset + @count - 1 (from the bottom) into the one at
 * @offset: each committed into the one below, top first, so that the
 * lowest holds what the range showed; the link above the range, if any,
 * then names it as its parent (its content unchanged).  The links in
 * between stay, consistent, holding nothing more than what is below. */
VIX_EXPORT VixError VixDiskLib_Combine(VixDiskLibHandle diskHandle, uint32 linkOffsetFromBottom,
				       uint32 numLinksToCombine,
				       VixDiskLibProgressFunc progressFunc,
				       void *progressCallbackData)
{
	struct vix_progress pr = { progressFunc, progressCallbackData, -1 };
	unsigned n = 0;
	char **paths;
	int err = 0;

	if (!diskHandle || !diskHandle->d)
		return vix_fail(VIX_E_INVALID_HANDLE, "not an open disk handle");
	if (diskHandle->flags & VIXDISKLIB_FLAG_OPEN_SINGLE_LINK)
		return vix_fail(VIX_E_INVALID_ARG, "%s: opened as a single link: its chain "
				"is not open", diskHandle->path);
	vix_async_wait(diskHandle);
	paths = chain_paths(diskHandle, &n);
	if (!paths)
		return vix_fail(VIX_E_OUT_OF_MEMORY, "out of memory");
	if (numLinksToCombine < 2 || linkOffsetFromBottom >= n ||
	    numLinksToCombine > n - linkOffsetFromBottom) {
		err = vix_fail(VIX_E_INVALID_ARG, "%s: links %u to %u of a chain of %u",
			       diskHandle->path, linkOffsetFromBottom,
			       linkOffsetFromBottom + numLinksToCombine - 1, n);
	} else {
		uint32 top = linkOffsetFromBottom + numLinksToCombine - 1;
		vmdk_close(diskHandle->d);
		diskHandle->d = NULL;
		for (uint32 k = top; err == 0 && k > linkOffsetFromBottom; k--)
			err = vmdk_commit(paths[k], vix_progress_cb, &pr);
		if (err == 0 && top + 1 < n)
			err = vmdk_rebase(paths[top + 1], paths[linkOffsetFromBottom], 1);
		err = err < 0 ? (int)vix_error(err) : 0;
		if (vix_reopen(diskHandle) != VIX_OK && err == 0)
			err = VIX_E_DISK_OPENPARENT;
		if (err == 0)
			vix_progress_done(&pr);
	}
	for (unsigned i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	return (VixError)err;
}

/* The parent hint of the disk at @path, and nothing else (its content and
 * the parent's are not compared). */
VIX_EXPORT VixError VixDiskLib_Reparent(const VixDiskLibConnection connection, const char *path,
					const char *parentHint)
{
	if (!connection || !path)
		return vix_fail(VIX_E_INVALID_ARG, "no connection or no path");
	if (connection->read_only)
		return vix_fail(VIX_E_FILE_READ_ONLY, "%s: a read-only connection", path);
	return vix_error(vmdk_rebase(path, parentHint, 1));
}

VIX_EXPORT VixError VixDiskLib_Clone(const VixDiskLibConnection dstConnection,
				     const char *dstPath,
				     const VixDiskLibConnection srcConnection,
				     const char *srcPath,
				     const VixDiskLibCreateParams *vixCreateParams,
				     VixDiskLibProgressFunc progressFunc,
				     void *progressCallbackData, Bool overWrite)
{
	struct vix_progress pr = { progressFunc, progressCallbackData, -1 };
	struct vmdk_clone_params p = { 0 };
	vmdk_disk *d;
	VixError err = writable_connection(dstConnection, dstPath);

	if (err == VIX_OK)
		err = need_connection(srcConnection, srcPath);
	if (err != VIX_OK)
		return err;
	if (!vixCreateParams)
		return vix_fail(VIX_E_INVALID_ARG, "no create parameters");
	p.type = vix_to_vmdk_type(vixCreateParams->diskType);
	if (p.type < 0)
		return vix_fail(VIX_E_INVALID_ARG, "%s: disk type %d cannot be written", dstPath,
				vixCreateParams->diskType);
	p.adapter = vix_to_vmdk_adapter(vixCreateParams->adapterType);
	if (p.adapter < 0)
		p.adapter = 0;	/* the source's */
	p.hw_version = vixCreateParams->hwVersion;
	p.overwrite = overWrite ? 1 : 0;
	p.progress = vix_progress_cb;
	p.progress_arg = &pr;
	err = vix_error(vmdk_open(srcPath, VMDK_OPEN_RDONLY, &d));
	if (err != VIX_OK)
		return err;
	err = vix_error(vmdk_clone(d, dstPath, &p));
	vmdk_close(d);
	if (err == VIX_OK) {
		vix_progress_done(&pr);
		vix_log("VixDiskLib: cloned %s to %s\n", srcPath, dstPath);
	}
	return err;
}

VIX_EXPORT VixError VixDiskLib_SpaceNeededForClone(VixDiskLibHandle diskHandle,
						   VixDiskLibDiskType cloneDiskType,
						   uint64 *spaceNeeded)
{
	int type = vix_to_vmdk_type(cloneDiskType);
	uint64_t bytes = 0;
	VixError err;

	if (!diskHandle || !diskHandle->d || !spaceNeeded)
		return vix_fail(VIX_E_INVALID_ARG, "no disk handle or no result");
	if (type < 0)
		return vix_fail(VIX_E_INVALID_ARG, "disk type %d cannot be written", cloneDiskType);
	vix_io_begin(diskHandle);
	err = vix_error(vmdk_space_needed(diskHandle->d, type, NULL, &bytes, NULL, NULL));
	vix_io_end(diskHandle);
	if (err == VIX_OK)
		*spaceNeeded = bytes;
	return err;
}

VIX_EXPORT VixError VixDiskLib_Grow(VixDiskLibConnection connection, const char *path,
				    VixDiskLibSectorType capacity, Bool updateGeometry,
				    VixDiskLibProgressFunc progressFunc,
				    void *progressCallbackData)
{
	struct vix_progress pr = { progressFunc, progressCallbackData, -1 };
	VixError err = writable_connection(connection, path);

	(void)updateGeometry;	/* the geometry always follows the capacity */
	if (err != VIX_OK)
		return err;
	err = vix_error(vmdk_grow(path, capacity, vix_progress_cb, &pr));
	if (err == VIX_OK)
		vix_progress_done(&pr);
	return err;
}

/* Shrink and defragment work on the files: the handle lets go of them
 * for the time it takes. */
static VixError compact(VixDiskLibHandle h, bool shrink, VixDiskLibProgressFunc fn, void *data)
{
	struct vix_progress pr = { fn, data, -1 };
	struct vmdk_compact_report r;
	VixError err;
	int rc;

	if (!h || !h->d)
		return vix_fail(VIX_E_INVALID_HANDLE, "not an open disk handle");
	if (h->flags & VIXDISKLIB_FLAG_OPEN_READ_ONLY)
		return vix_fail(VIX_E_FILE_READ_ONLY, "%s: opened read-only", h->path);
	vix_async_wait(h);
	if ((rc = vmdk_close(h->d)) < 0) {
		h->d = NULL;
		err = vix_error(rc);
		vix_reopen(h);
		return err;
	}
	h->d = NULL;
	rc = shrink ? vmdk_shrink(h->path, vix_progress_cb, &pr, &r)
		    : vmdk_defragment(h->path, vix_progress_cb, &pr, &r);
	err = vix_error(rc);
	if (vix_reopen(h) != VIX_OK && err == VIX_OK)
		err = vix_error(VMDK_E_INVALID_ARG);
	if (err == VIX_OK)
		vix_progress_done(&pr);
	return err;
}

VIX_EXPORT VixError VixDiskLib_Shrink(VixDiskLibHandle diskHandle,
				      VixDiskLibProgressFunc progressFunc,
				      void *progressCallbackData)
{
	return compact(diskHandle, true, progressFunc, progressCallbackData);
}

VIX_EXPORT VixError VixDiskLib_Defragment(VixDiskLibHandle diskHandle,
					  VixDiskLibProgressFunc progressFunc,
					  void *progressCallbackData)
{
	return compact(diskHandle, false, progressFunc, progressCallbackData);
}

VIX_EXPORT VixError VixDiskLib_Rename(const char *srcFileName, const char *dstFileName)
{
	if (!srcFileName || !dstFileName)
		return vix_fail(VIX_E_INVALID_ARG, "no source or no destination");
	return vix_error(vmdk_rename(srcFileName, dstFileName));
}

VIX_EXPORT VixError VixDiskLib_Unlink(VixDiskLibConnection connection, const char *path)
{
	VixError err = writable_connection(connection, path);

	return err != VIX_OK ? err : vix_error(vmdk_unlink(path));
}

static int accept_fix(void *arg, const struct vmdk_problem *p)
{
	(void)arg, (void)p;
	return 1;
}

/* Without @repair: VIX_OK or VIX_E_DISK_NEEDSREPAIR.  With it: every fix
 * made, or VIX_E_DISK_CANTREPAIR (and nothing changed). */
VIX_EXPORT VixError VixDiskLib_CheckRepair(const VixDiskLibConnection connection,
					   const char *filename, Bool repair)
{
	struct vmdk_check_report r = { 0 };
	VixError err = repair ? writable_connection(connection, filename)
			      : need_connection(connection, filename);
	int rc;

	if (err != VIX_OK)
		return err;
	rc = vmdk_check(filename, repair ? VMDK_CHECK_REPAIR : 0, NULL, accept_fix, NULL, &r);
	if (rc < 0)
		return vix_error(rc);
	if (r.errors == 0)
		return VIX_OK;
	if (!repair)
		return vix_fail(VIX_E_DISK_NEEDSREPAIR, "%s: %u errors, %u warnings "
				"(vmdk-check says which)", filename, r.errors, r.warnings);
	if (r.unfixable)
		return vix_fail(VIX_E_DISK_CANTREPAIR, "%s: %u errors cannot be repaired; "
				"nothing was changed", filename, r.unfixable);
	vix_log("VixDiskLib: repaired %s (%u fixes)\n", filename, r.fixed);
	return VIX_OK;
}
