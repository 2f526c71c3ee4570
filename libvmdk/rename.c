/* SPDX-License-Identifier: MIT */
/* rename.c --- give a disk a new name (vmware-vdiskmanager -n,
 * VixDiskLib_Rename): every extent named after the disk is renamed with it
 * and the descriptor rewritten.  New names are made as hard links and the
 * new descriptor appears last; only then do the old names go, so a
 * failure or crash leaves the original disk whole. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

static int fail_errno(struct vmdk_errbuf *eb, const char *path, int err)
{
	if (err == -EEXIST)
		return vmdk_seterr(eb, VMDK_E_EXISTS,
				   "%s: already exists; not overwritten", path);
	if (err == -EXDEV)
		return vmdk_seterr(eb, err, "%s: on another file system; use "
				   "vmdk-clone to copy the disk there", path);
	return vmdk_seterr(eb, err, "%s: %s", path, vmdk_strerror(err));
}

/* Monolithic: one file, renamed without replacing; then the name its
 * embedded descriptor gives itself follows (other readers use it). */
static int rename_monolithic(struct vmdk_link *l, const char *to,
			     const char *new_base, struct vmdk_errbuf *eb)
{
	int err = renameat2(AT_FDCWD, l->path, AT_FDCWD, to, RENAME_NOREPLACE) < 0
			  ? -errno : 0;

	if (err < 0)
		return fail_errno(eb, to, err);
	vmdk_fsync_dir_of(to);
	err = vmdk_desc_set_extent_file(l->desc, 0, new_base);
	if (err == 0)
		err = vmdk_link_store_descriptor(l, eb);
	return err;
}

/* New names are hard links to the extents, the new descriptor is linked
 * in whole (the commit point), and only then do the old names go. */
static int rename_separate(struct vmdk_link *l, const char *to,
			   const char *old_stem, const char *new_stem,
			   struct vmdk_errbuf *eb)
{
	char *to_dir = vmdk_dirname(to), *text = NULL;
	struct vmdk_txn t;
	size_t len;
	int err = to_dir ? 0 : -ENOMEM;

	vmdk_txn_init(&t, eb);
	/* Once committed, the old descriptor goes first, then the old
	 * names of its extents. */
	if (err == 0)
		err = vmdk_txn_doom(&t, l->path);
	for (size_t i = 0; err == 0 && i < l->n_ext; i++) {
		const struct vmdk_extent_line *el = vmdk_desc_extent(l->desc, i);
		char *name, *dst;
		if (!el->file || el->file[0] == '/')
			continue;	/* ZERO, or an absolute path: stays */
		name = vmdk_path_restem(el->file, old_stem, new_stem);
		dst = name ? vmdk_path_join(to_dir, name) : NULL;
		if (!dst)
			err = -ENOMEM;
		else if (strcmp(l->ext[i].path, dst) == 0)
			;	/* not named after the disk: stays */
		else if (link(l->ext[i].path, dst) < 0)
			err = fail_errno(eb, dst, -errno);
		else if ((err = vmdk_txn_made(&t, dst)) == 0 &&
			 (err = vmdk_txn_doom(&t, l->ext[i].path)) == 0)
			err = vmdk_desc_set_extent_file(l->desc, i, name);
		free(name);
		free(dst);
	}
	if (err == 0 && !(text = vmdk_desc_serialize(l->desc, &len)))
		err = -ENOMEM;
	/* The new descriptor appears whole, and never over another file. */
	if (err == 0 && (err = vmdk_txn_put_file(&t, to, text, len,
				&(struct vmdk_put_opts){ .mode_of = l->desc_fd })) < 0)
		err = fail_errno(eb, to, err == VMDK_E_EXISTS ? -EEXIST : err);
	if (err == 0)
		err = vmdk_txn_commit(&t, NULL, false);
	vmdk_txn_end(&t);
	free(text);
	free(to_dir);
	return err;
}

int vmdk_rename(const char *from, const char *to)
{
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	char *old_stem = NULL, *new_stem = NULL;
	const char *new_base;
	struct vmdk_link *l;
	vmdk_disk *d;
	int err;

	if (!from || !to || !*to)
		return vmdk_seterr(eb, VMDK_E_INVALID_ARG, "no name given");
	if (access(to, F_OK) == 0)
		return vmdk_seterr(eb, VMDK_E_EXISTS,
				   "%s: already exists; not overwritten", to);
	err = vmdk_open(from, VMDK_OPEN_SINGLE_LINK, &d);
	if (err < 0)
		return err;
	l = d->links[0];
	old_stem = vmdk_path_stem(vmdk_basename(from));
	new_stem = vmdk_path_stem(vmdk_basename(to));
	new_base = vmdk_basename(to);
	if (!old_stem || !new_stem)
		err = -ENOMEM;
	else if (l->desc_host)
		err = rename_monolithic(l, to, new_base, eb);
	else
		err = rename_separate(l, to, old_stem, new_stem, eb);
	free(old_stem);
	free(new_stem);
	vmdk_close(d);
	return err;
}
