/* SPDX-License-Identifier: MIT */
/* txn.c --- one change to a disk's files, made so that a crash at any
 * instant leaves the disk as it was or as it is meant to become.
 *
 * A change makes files (new extents, a staged disk in a hidden directory
 * beside its destination), reaches one commit point (a rename, or one
 * descriptor write) and only then removes what the old state needed.
 * Until the commit point the files it made are removed again on any
 * failure; after it, nothing it removes is still named by the disk. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

void vmdk_txn_init(struct vmdk_txn *t, struct vmdk_errbuf *eb)
{
	memset(t, 0, sizeof(*t));
	t->eb = eb;
	t->stage_lock = -1;
}

int vmdk_strv_push(struct vmdk_strv *v, const char *s)
{
	char *copy = strdup(s);
	char **n = copy ? realloc(v->v, (v->n + 1) * sizeof(*n)) : NULL;

	if (!n) {
		free(copy);
		return -ENOMEM;
	}
	v->v = n;
	v->v[v->n++] = copy;
	return 0;
}

static bool holds(const struct vmdk_strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return true;
	return false;
}

void vmdk_strv_free(struct vmdk_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	memset(v, 0, sizeof(*v));
}

int vmdk_txn_made(struct vmdk_txn *t, const char *path)
{
	return vmdk_strv_push(&t->made, path);
}

int vmdk_txn_doom(struct vmdk_txn *t, const char *path)
{
	return holds(&t->doomed, path) ? 0 : vmdk_strv_push(&t->doomed, path);
}

static int exists_error(struct vmdk_errbuf *eb, const char *path, int err)
{
	if (err == -EEXIST)
		return vmdk_seterr_at(eb, VMDK_E_EXISTS, path,
				      "already exists; not overwritten");
	return vmdk_seterr_at(eb, err, path, "%s", vmdk_strerror(err));
}

int vmdk_txn_create_file(struct vmdk_txn *t, const char *path, int *fd)
{
	int err;

	*fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (*fd < 0)
		return exists_error(t->eb, path, -errno);
	err = vmdk_txn_made(t, path);
	if (err < 0) {
		close(*fd);
		unlink(path);
		*fd = -1;
	}
	return err;
}

/* Why nothing can be made beside @dst, in the user's terms. */
static int stage_error(struct vmdk_errbuf *eb, const char *dst, int err)
{
	char *dir = vmdk_dirname(dst);
	const char *d = dir ? dir : ".";
	int rc;

	if (err == -ENOENT || err == -ENOTDIR)
		rc = vmdk_seterr_at(eb, err, dst, "directory %s does not exist", d);
	else if (err == -EACCES || err == -EPERM)
		rc = vmdk_seterr_at(eb, err, dst, "directory %s is not writable", d);
	else if (err == -EROFS)
		rc = vmdk_seterr_at(eb, err, dst,
				    "directory %s is on a read-only "
				    "filesystem",
				    d);
	else if (err == -ENOSPC || err == -EDQUOT)
		rc = vmdk_seterr_at(eb, err, dst, "no space left in directory %s", d);
	else
		rc = vmdk_seterr_at(eb, err, dst, "cannot write in directory %s: %s", d,
				    vmdk_strerror(err));
	free(dir);
	return rc;
}

int vmdk_txn_stage(struct vmdk_txn *t, const char *dst)
{
	char *dir = vmdk_dirname(dst), *tmpl = NULL;

	if (!dir || asprintf(&tmpl, "%s/.vmdk-partial-XXXXXX", dir) < 0) {
		free(dir);
		return -ENOMEM;
	}
	/* What writers killed outright left here goes first. */
	vmdk_sweep_stale_stages(dir);
	free(dir);
	if (!mkdtemp(tmpl)) {
		int err = -errno;
		free(tmpl);
		return stage_error(t->eb, dst, err);
	}
	t->stage_dir = tmpl;
	t->stage_lock = vmdk_stage_lock(tmpl);
	t->dst_dir = vmdk_dirname(dst);
	t->dst = strdup(dst);
	if (!t->dst_dir || !t->dst)
		return -ENOMEM;
	if (asprintf(&t->stage_path, "%s/%s", tmpl, vmdk_basename(dst)) < 0) {
		t->stage_path = NULL;
		return -ENOMEM;
	}
	return 0;
}

int vmdk_txn_put_file(struct vmdk_txn *t, const char *path, const void *data,
		      size_t len, const struct vmdk_put_opts *o)
{
	struct stat st;
	char *tmp;
	int fd, err = 0;

	if (asprintf(&tmp, "%s.tmpXXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return vmdk_seterr_at(t->eb, err, path, "%s", vmdk_strerror(err));
	}
	/* The old file's permissions (else the usual 0644 less umask), and
	 * locked before anyone can see it. */
	if (o->mode_of >= 0 && fstat(o->mode_of, &st) == 0)
		err = fchmod(fd, st.st_mode & 07777) < 0 ? -errno : 0;
	else {
		mode_t mask = umask(022);
		umask(mask);
		err = fchmod(fd, 0644 & ~mask) < 0 ? -errno : 0;
	}
	/* Locked at once: vmdk_txn_sweep() knows a live writer's file. */
	if (err == 0)
		err = vmdk_lock_fd(fd, true);
	if (err == 0 && o->fill && (err = o->fill(o->fill_arg, fd)) < 0) {
		unlink(tmp);
		free(tmp);
		close(fd);
		return err;
	}
	if (err == 0 && !o->fill)
		err = vmdk_pwrite_all(fd, data, len, 0);
	if (err == 0 && !o->no_sync && fsync(fd) < 0)
		err = -errno;
	/* The commit point: the new text appears whole or not at all. */
	if (err == 0 && o->replace && rename(tmp, path) < 0)
		err = -errno;
	if (err == 0 && !o->replace && link(tmp, path) < 0)
		err = -errno;
	if (err < 0 || !o->replace)
		unlink(tmp);
	free(tmp);
	if (err < 0) {
		close(fd);
		return exists_error(t->eb, path, err);
	}
	if (!o->no_sync)
		vmdk_fsync_dir_of(path);
	if (o->keep_fd)
		*o->keep_fd = fd;
	else
		close(fd);
	return 0;
}

void vmdk_txn_sweep(const char *path)
{
	char *dir = vmdk_dirname(path);
	const char *base = vmdk_basename(path);
	size_t n = strlen(base);
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		int fd;
		if (strncmp(e->d_name, base, n) || strncmp(e->d_name + n, ".tmp", 4) ||
		    strlen(e->d_name + n + 4) != 6)
			continue;
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			    O_CLOEXEC);
		if (fd < 0)
			continue;
		/* A shared lock is refused while its writer lives. */
		if (vmdk_lock_fd(fd, false) == 0)
			unlinkat(dirfd(d), e->d_name, 0);
		close(fd);
	}
	if (d)
		closedir(d);
	free(dir);
}

static int move(const char *from, const char *to, bool overwrite)
{
	if (overwrite)
		return rename(from, to) < 0 ? -errno : 0;
	return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) < 0
		       ? -errno : 0;
}

/* The staged file @name moved into @dir as @target. */
static int move_one(struct vmdk_txn *t, const char *name, const char *target,
		    const char *dir, bool overwrite)
{
	char *from = NULL, *to = NULL;
	bool existed;
	int err = -ENOMEM;

	if (asprintf(&from, "%s/%s", t->stage_dir, name) < 0)
		from = NULL;
	else if (asprintf(&to, "%s/%s", dir, target) < 0)
		to = NULL;
	if (from && to) {
		existed = access(to, F_OK) == 0;
		err = move(from, to, overwrite);
		/* Named as the caller named the disk; an extent's own
		 * name only as one of its files. */
		const char *shown = strcmp(dir, ".") == 0 ? name : to;
		bool main_file = t->dst && strcmp(name, vmdk_basename(t->dst)) == 0;
		if (err == -EEXIST && main_file)
			err = vmdk_seterr_at(t->eb, VMDK_E_EXISTS, t->dst,
					     "already exists; "
					     "not overwritten");
		else if (err == -EEXIST)
			err = vmdk_seterr_at(t->eb, VMDK_E_EXISTS, t->dst ? t->dst : shown,
					     "its file %s already "
					     "exists; not overwritten",
					     shown);
		else if (err < 0)
			err = vmdk_seterr_at(t->eb, err, shown, "%s", vmdk_strerror(err));
		/* What replaced an older file cannot be taken back. */
		else if (!existed)
			err = vmdk_txn_made(t, to);
	}
	free(from);
	free(to);
	return err;
}

/* Move the staged files beside @dst: extents first, the file named @dst
 * last, which is the commit point.  With @overwrite, extents whose names
 * the old disk's files hold arrive under spare names (txn_spare.c) and
 * take the usual ones after the commit; the caller dooms the old disk's
 * other files. */
static int move_staged(struct vmdk_txn *t, const char *dst, bool overwrite)
{
	char *dir = vmdk_dirname(dst);
	const char *name = vmdk_basename(dst);
	struct vmdk_strv arriving = { 0 };
	struct vmdk_spare_plan plan = { 0 };
	struct dirent *e;
	DIR *d;
	int err = dir ? 0 : -ENOMEM;

	d = err == 0 ? opendir(t->stage_dir) : NULL;
	if (err == 0 && !d)
		err = vmdk_seterr_at(t->eb, -errno, t->stage_dir, "%s", vmdk_strerror(-errno));
	while (err == 0 && (e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' && strcmp(e->d_name, name) != 0)
			err = vmdk_strv_push(&arriving, e->d_name);
	if (d)
		closedir(d);
	if (err == 0 && overwrite && arriving.n)
		err = vmdk_spare_plan(t, dir, name, &arriving, &plan);
	for (size_t i = 0; err == 0 && i < arriving.n; i++)
		err = move_one(t, arriving.v[i], vmdk_spare_for(&plan, arriving.v[i]), dir,
			       overwrite);
	if (err == 0)
		err = move_one(t, name, name, dir, overwrite);
	if (err == 0)
		vmdk_fsync_dir_of(dst);
	if (err == 0)
		vmdk_spare_settle(t, dir, dst, &plan);
	vmdk_spare_free(&plan);
	vmdk_strv_free(&arriving);
	free(dir);
	return err;
}

int vmdk_txn_commit(struct vmdk_txn *t, const char *dst, bool overwrite)
{
	int err = 0;

	if (t->stage_dir)
		err = move_staged(t, dst, overwrite);
	if (err < 0)
		return err;
	t->committed = true;
	for (size_t i = 0; i < t->doomed.n; i++)
		unlink(t->doomed.v[i]);
	if (t->doomed.n)
		vmdk_fsync_dir_of(t->doomed.v[0]);
	return 0;
}

static void remove_stage(struct vmdk_txn *t)
{
	DIR *d = t->stage_dir ? opendir(t->stage_dir) : NULL;
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	if (t->stage_dir)
		rmdir(t->stage_dir);
}

/* Staged names in @text (of @size bytes) as the caller will know them. */
static void unstage_names(struct vmdk_txn *t, char *text, size_t size)
{
	char out[VMDK_ERRFILE_MAX], *at;
	size_t n = strlen(t->stage_dir);

	while ((at = strstr(text, t->stage_dir)) && at[n] == '/') {
		snprintf(out, size < sizeof(out) ? size : sizeof(out), "%.*s%s%s%s",
			 (int)(at - text), text, strcmp(t->dst_dir, ".") ? t->dst_dir : "",
			 strcmp(t->dst_dir, ".") ? "/" : "", at + n + 1);
		memcpy(text, out, size < sizeof(out) ? size : sizeof(out));
	}
}

/* A message about a staged file names it as the caller will know it. */
static void unstage_message(struct vmdk_txn *t)
{
	unstage_names(t, t->eb->msg, sizeof(t->eb->msg));
	unstage_names(t, t->eb->file, sizeof(t->eb->file));
}

void vmdk_txn_end(struct vmdk_txn *t)
{
	if (!t->committed)
		for (size_t i = t->made.n; i-- > 0;)
			unlink(t->made.v[i]);
	if (t->stage_dir && t->eb)
		unstage_message(t);
	remove_stage(t);
	if (t->stage_lock >= 0)
		close(t->stage_lock);
	t->stage_lock = -1;
	free(t->stage_dir);
	free(t->dst_dir);
	free(t->dst);
	free(t->stage_path);
	vmdk_strv_free(&t->made);
	vmdk_strv_free(&t->doomed);
	t->stage_dir = t->stage_path = t->dst_dir = t->dst = NULL;
}
