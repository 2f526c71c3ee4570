/* SPDX-License-Identifier: MIT */
/* rename.c --- give a disk a new name (vmware-vdiskmanager -n,
 * VixDiskLib_Rename): every extent named after the disk is renamed with it,
 * the parent hint follows the new place, the descriptor is rewritten.
 *
 * At every instant exactly one descriptor names the disk's data:
 *  1. each extent gets its new name as a hard link beside the new
 *     descriptor (moving to another directory, its old name there too);
 *  2. the descriptor records the rename (VMDK_RENAME_KEY: where it was);
 *     a monolithic file has no room to spare, and needs no key: its
 *     rename is one step, and what follows is told from its name;
 *  3. the descriptor file is renamed: the commit point;
 *  4. its text names the new extent names and a hint from the new place,
 *     the key now saying that old names are left (VMDK_RENAME_LEFT_KEY);
 *  5. the old names go, 6. so does the key.
 * Cut short after 3, running the same rename again finishes it from the
 * key; before 3, it starts again, reusing the links it finds. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

#define VMDK_RENAME_KEY "ddb.vmdktools.renamedFrom"
#define VMDK_RENAME_LEFT_KEY "ddb.vmdktools.renameLeft"

static int fail_errno(struct vmdk_errbuf *eb, const char *path, int err)
{
	if (err == -EEXIST)
		return vmdk_seterr_at(eb, VMDK_E_EXISTS, path,
				      "already exists; not overwritten");
	if (err == -EXDEV)
		return vmdk_seterr_at(eb, err, path,
				      "on another file system; use "
				      "vmdk-clone to copy the disk there");
	return vmdk_seterr_at(eb, err, path, "%s", vmdk_strerror(err));
}

/* @to as a second name of @from; one left by a rename cut short is
 * taken as it is.  *made tells whether this call made it. */
static int link_as(const char *from, const char *to, bool *made,
		   struct vmdk_errbuf *eb)
{
	*made = false;
	if (strcmp(from, to) == 0)
		return 0;
	if (link(from, to) == 0) {
		*made = true;
		return 0;
	}
	if (errno == EEXIST && vmdk_same_file(from, to))
		return 0;
	return fail_errno(eb, to, -errno);
}

/* What a rename moves: the disk's stems and directories. */
struct move {
	char *old_path;		/* the descriptor's old path, absolute */
	char *old_dir, *new_dir;
	char *old_stem, *new_stem;
};

static void move_free(struct move *m)
{
	free(m->old_path);
	free(m->old_dir);
	free(m->new_dir);
	free(m->old_stem);
	free(m->new_stem);
}

static int move_init(struct move *m, const char *old_path, const char *to)
{
	memset(m, 0, sizeof(*m));
	m->old_path = strdup(old_path);
	m->old_dir = vmdk_dirname(old_path);
	m->new_dir = vmdk_dirname(to);
	m->old_stem = vmdk_path_stem(vmdk_basename(old_path));
	m->new_stem = vmdk_path_stem(vmdk_basename(to));
	return m->old_path && m->old_dir && m->new_dir && m->old_stem &&
	       m->new_stem ? 0 : -ENOMEM;
}

/* Step 1: new names (and old names, across directories) beside @to. */
static int link_extents(struct vmdk_link *l, const struct move *m,
			struct vmdk_txn *t, struct vmdk_errbuf *eb)
{
	bool across = !vmdk_same_file(m->old_dir, m->new_dir);
	int err = 0;

	for (size_t i = 0; err == 0 && !l->desc_host && i < l->n_ext; i++) {
		const char *file = vmdk_desc_extent(l->desc, i)->file;
		char *name, *dst, *mid;
		bool made = false;
		if (!file)
			continue;	/* ZERO */
		name = vmdk_path_restem(file, m->old_stem, m->new_stem);
		dst = name ? vmdk_path_join(m->new_dir, name) : NULL;
		mid = vmdk_path_join(m->new_dir, file);
		if (!dst || !mid)
			err = -ENOMEM;
		if (err == 0 && !vmdk_same_file(l->ext[i].path, dst) &&
		    (err = link_as(l->ext[i].path, dst, &made, eb)) == 0 && made)
			err = vmdk_txn_made(t, dst);
		if (err == 0 && across && strcmp(mid, dst) &&
		    (err = link_as(l->ext[i].path, mid, &made, eb)) == 0 && made)
			err = vmdk_txn_made(t, mid);
		free(name);
		free(dst);
		free(mid);
	}
	return err;
}

/* Step 5: the old names, wherever they are, that are still the same
 * files as the new ones. */
static void remove_left(struct vmdk_link *l, const struct move *m)
{
	for (size_t i = 0; !l->desc_host && i < l->n_ext; i++) {
		const char *file = vmdk_desc_extent(l->desc, i)->file;
		char *old = file ? vmdk_path_restem(file, m->new_stem, m->old_stem) : NULL;
		char *cand[2] = { old ? vmdk_path_join(m->old_dir, old) : NULL,
				  old ? vmdk_path_join(m->new_dir, old) : NULL };
		for (int k = 0; k < 2; k++) {
			if (cand[k] && strcmp(cand[k], l->ext[i].path) &&
			    vmdk_same_file(cand[k], l->ext[i].path))
				unlink(cand[k]);
			free(cand[k]);
		}
		free(old);
	}
	vmdk_fsync_dir_of(l->path);
	if (strcmp(m->old_dir, m->new_dir))
		vmdk_fsync_dir_of(m->old_path);
}

/* The parent hint of @l, read from @m->old_dir, as seen from the new
 * place; an absolute hint stays.  Unless @sure, only a hint that names
 * nothing from the new place and a file from the old one. */
static int move_hint(struct vmdk_link *l, const struct move *m, bool sure)
{
	const char *hint = l->desc->parent_hint;
	char *parent, *rel;
	int err;

	if (!hint || hint[0] == '/')
		return 0;
	parent = vmdk_path_join(m->old_dir, hint);
	if (parent && !sure) {
		char *here = vmdk_path_join(m->new_dir, hint);
		bool keep = !here || access(here, F_OK) == 0 || access(parent, F_OK) != 0;
		free(here);
		if (keep) {
			free(parent);
			return 0;
		}
	}
	rel = parent ? vmdk_path_relative(m->new_dir, parent) : NULL;
	err = rel ? vmdk_desc_set(l->desc, "parentFileNameHint", rel) : -ENOMEM;
	free(parent);
	free(rel);
	return err;
}

/* Steps 4 to 6, on the link now at its new path; @sure when the hint is
 * known to be read from the old place. */
static int finish(struct vmdk_link *l, const struct move *m, bool left,
		  bool sure, struct vmdk_errbuf *eb)
{
	int err = 0;

	if (!left) {
		err = move_hint(l, m, sure);
		for (size_t i = 0; err == 0 && i < l->n_ext; i++) {
			const char *file = vmdk_desc_extent(l->desc, i)->file;
			char *name = NULL, *path = NULL;
			if (!file)
				continue;
			name = l->desc_host ? strdup(vmdk_basename(l->path))
					    : vmdk_path_restem(file, m->old_stem, m->new_stem);
			path = name && !l->desc_host ? vmdk_path_join(m->new_dir, name) : NULL;
			if (!name || (!l->desc_host && !path))
				err = -ENOMEM;
			if (err == 0)
				err = vmdk_desc_set_extent_file(l->desc, i, name);
			if (err == 0 && path) {
				free(l->ext[i].path);
				l->ext[i].path = path;
				path = NULL;
			}
			free(name);
			free(path);
		}
		if (err == 0)
			err = vmdk_desc_remove(l->desc, VMDK_RENAME_KEY);
		if (err == 0 && !l->desc_host)
			err = vmdk_desc_set(l->desc, VMDK_RENAME_LEFT_KEY, m->old_path);
		if (err == 0)
			err = vmdk_link_store_descriptor(l, eb);
	}
	if (err == 0 && !l->desc_host) {
		remove_left(l, m);
		err = vmdk_desc_remove(l->desc, VMDK_RENAME_LEFT_KEY);
		if (err == 0)
			err = vmdk_link_store_descriptor(l, eb);
	}
	return err;
}

static int move_link_path(struct vmdk_link *l, const char *to)
{
	char *path = strdup(to), *dir = vmdk_dirname(to);

	if (!path || !dir) {
		free(path);
		free(dir);
		return -ENOMEM;
	}
	free(l->path);
	free(l->dir);
	l->path = path;
	l->dir = dir;
	if (l->desc_host) {
		free(l->desc_host->path);
		l->desc_host->path = strdup(to);
		if (!l->desc_host->path)
			return -ENOMEM;
	}
	return 0;
}

/* Steps 1 to 3, then the rest. */
static int rename_disk(struct vmdk_link *l, const char *from, const char *to,
		       struct vmdk_errbuf *eb)
{
	char *abs = realpath(from, NULL);
	struct move m;
	struct vmdk_txn t;
	int err = abs ? move_init(&m, abs, to) : -errno;

	free(abs);
	if (err < 0)
		return fail_errno(eb, from, err);
	vmdk_txn_init(&t, eb);
	err = link_extents(l, &m, &t, eb);
	if (err == 0 && !l->desc_host)
		err = vmdk_desc_set(l->desc, VMDK_RENAME_KEY, m.old_path);
	if (err == 0 && !l->desc_host)
		err = vmdk_link_store_descriptor(l, eb);
	if (err == 0 && renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) < 0) {
		err = fail_errno(eb, to, -errno);
		/* Not renamed: the disk stays as it was. */
		if (vmdk_desc_remove(l->desc, VMDK_RENAME_KEY) == 0)
			vmdk_link_store_descriptor(l, eb);
	}
	if (err == 0) {
		vmdk_txn_commit(&t, NULL, false);
		vmdk_fsync_dir_of(to);
		err = move_link_path(l, to);
	}
	vmdk_txn_end(&t);
	if (err == 0)
		err = finish(l, &m, false, true, eb);
	move_free(&m);
	return err;
}

/* @to is the disk a rename of @from (now gone) was cut short in. */
static int finish_cut_short(const char *from, const char *to,
			    struct vmdk_errbuf *eb, bool *done)
{
	const char *key, *left;
	char *dir = vmdk_dirname(from), *rdir = dir ? realpath(dir, NULL) : NULL;
	char *want = NULL;
	struct move m = { 0 };
	struct vmdk_link *l;
	vmdk_disk *d;
	bool mono;
	int err;

	*done = false;
	free(dir);
	if (!rdir || asprintf(&want, "%s/%s", strcmp(rdir, "/") ? rdir : "",
			      vmdk_basename(from)) < 0) {
		free(rdir);
		return 0;
	}
	free(rdir);
	err = vmdk_open(to, VMDK_OPEN_SINGLE_LINK, &d);
	if (err < 0) {
		free(want);
		return 0;
	}
	l = d->links[0];
	key = vmdk_desc_get(l->desc, VMDK_RENAME_KEY);
	left = vmdk_desc_get(l->desc, VMDK_RENAME_LEFT_KEY);
	/* A monolithic file still calling itself by the old name. */
	mono = l->desc_host && vmdk_desc_extent(l->desc, 0)->file &&
	       strcmp(vmdk_desc_extent(l->desc, 0)->file, vmdk_basename(from)) == 0;
	if ((key && strcmp(key, want) == 0) || (left && strcmp(left, want) == 0) ||
	    mono) {
		*done = true;
		err = move_init(&m, want, to);
		if (err == 0)
			err = finish(l, &m, !key && !mono, false, eb);
		move_free(&m);
	}
	vmdk_close(d);
	free(want);
	return err;
}

int vmdk_rename(const char *from, const char *to)
{
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	vmdk_disk *d;
	bool done;
	int err;

	eb->msg[0] = '\0';
	if (!from || !to || !*to)
		return vmdk_seterr(eb, VMDK_E_INVALID_ARG, "no name given");
	if ((err = vmdk_name_check(to, eb)) < 0)
		return err;
	vmdk_txn_sweep(from);
	vmdk_txn_sweep(to);
	if (access(from, F_OK) != 0 && errno == ENOENT && access(to, F_OK) == 0) {
		err = finish_cut_short(from, to, eb, &done);
		if (done || err < 0)
			return err;
	}
	if (access(to, F_OK) == 0)
		return vmdk_seterr_at(eb, VMDK_E_EXISTS, to, "already exists; not overwritten");
	err = vmdk_open(from, VMDK_OPEN_SINGLE_LINK, &d);
	if (err < 0)
		return err;
	err = rename_disk(d->links[0], from, to, eb);
	if (vmdk_close(d) < 0 && err == 0)
		err = vmdk_seterr_at(eb, -EIO, to, "closing failed");
	return err;
}
