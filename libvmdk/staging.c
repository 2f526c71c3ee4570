/* staging.c --- a new disk is made in a hidden directory beside its
 * destination and moved into place, extents first and descriptor last, so
 * that no half-written disk ever appears under the final name. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copy_int.h"

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

int vmdk_staging_open(struct staging *st, const char *dst, struct vmdk_errbuf *eb)
{
	char *dir = vmdk_dirname(dst), *tmpl = NULL;

	memset(st, 0, sizeof(*st));
	if (!dir || asprintf(&tmpl, "%s/.vmdk-partial-XXXXXX", dir) < 0) {
		free(dir);
		return -ENOMEM;
	}
	free(dir);
	if (!mkdtemp(tmpl)) {
		int err = -errno;
		free(tmpl);
		return vmdk_seterr(eb, err, "%s: cannot work beside it: %s", dst,
				   vmdk_strerror(err));
	}
	st->dir = tmpl;
	if (asprintf(&st->path, "%s/%s", tmpl, base_of(dst)) < 0) {
		st->path = NULL;
		return -ENOMEM;
	}
	return 0;
}

void vmdk_staging_close(struct staging *st)
{
	DIR *d = st->dir ? opendir(st->dir) : NULL;
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL)
		if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") &&
					    strcmp(e->d_name, "..")))
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	if (st->dir)
		rmdir(st->dir);
	free(st->dir);
	free(st->path);
	memset(st, 0, sizeof(*st));
}

static int move(const char *from, const char *to, bool overwrite)
{
	if (overwrite)
		return rename(from, to) < 0 ? -errno : 0;
	return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) < 0
		       ? -errno : 0;
}

int vmdk_staging_commit(struct staging *st, const char *dst, bool overwrite,
		   bool plain_file, struct vmdk_errbuf *eb)
{
	char *dir = vmdk_dirname(dst), **moved = NULL;
	const char *name = base_of(dst);
	size_t nmoved = 0;
	struct dirent *e;
	DIR *d;
	int err = 0;

	if (!dir)
		return -ENOMEM;
	/* Replacing a disk replaces all of it, not just same-named files. */
	if (overwrite && !plain_file && access(dst, F_OK) == 0 &&
	    vmdk_unlink(dst) < 0)
		unlink(dst);
	d = opendir(st->dir);
	while (d && err == 0 && (e = readdir(d)) != NULL) {
		char *from, *to;
		if (e->d_name[0] == '.' || strcmp(e->d_name, name) == 0)
			continue;
		if (asprintf(&from, "%s/%s", st->dir, e->d_name) < 0)
			break;
		if (asprintf(&to, "%s/%s", dir, e->d_name) < 0) {
			free(from);
			break;
		}
		err = move(from, to, overwrite);
		if (err < 0) {
			vmdk_seterr(eb, err == -EEXIST ? VMDK_E_EXISTS : err,
				    "%s: %s", to, err == -EEXIST
				    ? "already exists; not overwritten (use -f)"
				    : vmdk_strerror(err));
			err = err == -EEXIST ? VMDK_E_EXISTS : err;
			free(to);
		} else {
			char **n = realloc(moved, (nmoved + 1) * sizeof(*n));
			if (n) {
				moved = n;
				moved[nmoved++] = to;
			} else {
				free(to);
			}
		}
		free(from);
	}
	if (d)
		closedir(d);
	if (err == 0) {
		err = move(st->path, dst, overwrite);
		if (err < 0) {
			err = err == -EEXIST ? VMDK_E_EXISTS : err;
			vmdk_seterr(eb, err, "%s: %s", dst, err == VMDK_E_EXISTS
				    ? "already exists; not overwritten (use -f)"
				    : vmdk_strerror(err));
		}
	}
	/* Take back what was moved if the disk did not appear. */
	for (size_t i = 0; i < nmoved; i++) {
		if (err < 0)
			unlink(moved[i]);
		free(moved[i]);
	}
	free(moved);
	if (err == 0)
		vmdk_fsync_dir_of(dst);
	free(dir);
	return err;
}
