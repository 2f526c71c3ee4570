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

#include "vmdk_int.h"

static char *stem_base(const char *path)
{
	const char *b = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t n = strlen(b);

	if (n > 5 && strcasecmp(b + n - 5, ".vmdk") == 0)
		n -= 5;
	return strndup(b, n);
}

/* "old-s001.vmdk" becomes "new-s001.vmdk"; other names stay. */
static char *renamed(const char *file, const char *old_stem,
		     const char *new_stem)
{
	size_t n = strlen(old_stem);
	char *out;

	if (strncmp(file, old_stem, n) != 0)
		return strdup(file);
	if (asprintf(&out, "%s%s", new_stem, file + n) < 0)
		return NULL;
	return out;
}

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

static int rename_separate(struct vmdk_link *l, const char *to,
			   const char *old_stem, const char *new_stem,
			   struct vmdk_errbuf *eb)
{
	char *to_dir = vmdk_dirname(to), **made = NULL, *text = NULL, *tmp = NULL;
	size_t n = l->n_ext, nmade = 0, len;
	bool *moved = calloc(n + 1, sizeof(bool));
	int err = to_dir ? 0 : -ENOMEM, fd;

	made = calloc(n + 1, sizeof(*made));
	if (!made || !moved)
		err = -ENOMEM;
	for (size_t i = 0; err == 0 && i < n; i++) {
		const struct vmdk_extent_line *el = vmdk_desc_extent(l->desc, i);
		char *name, *dst;
		if (!el->file || el->file[0] == '/')
			continue;	/* ZERO, or an absolute path: stays */
		name = renamed(el->file, old_stem, new_stem);
		dst = name ? vmdk_path_join(to_dir, name) : NULL;
		if (!dst) {
			free(name);
			err = -ENOMEM;
			break;
		}
		if (strcmp(l->ext[i].path, dst) == 0) {
			free(dst);	/* not named after the disk: stays */
		} else if (link(l->ext[i].path, dst) < 0) {
			err = fail_errno(eb, dst, -errno);
			free(dst);
		} else {
			made[nmade++] = dst;
			moved[i] = true;
			err = vmdk_desc_set_extent_file(l->desc, i, name);
		}
		free(name);
	}
	/* The new descriptor appears whole, and never over another file. */
	if (err == 0 && !(text = vmdk_desc_serialize(l->desc, &len)))
		err = -ENOMEM;
	if (err == 0 && asprintf(&tmp, "%s.tmpXXXXXX", to) < 0) {
		tmp = NULL;
		err = -ENOMEM;
	}
	if (err == 0) {
		fd = mkostemp(tmp, O_CLOEXEC);
		err = fd < 0 ? -errno : vmdk_pwrite_all(fd, text, len, 0);
		if (err == 0 && fsync(fd) < 0)
			err = -errno;
		if (fd >= 0) {
			fchmod(fd, 0644);
			close(fd);
		}
		if (err == 0 && link(tmp, to) < 0)
			err = fail_errno(eb, to, -errno);
		unlink(tmp);
		if (err > -1000 && err < 0)
			err = fail_errno(eb, to, err);
	}
	if (err == 0) {
		vmdk_fsync_dir_of(to);
		/* The old names go last, descriptor first. */
		unlink(l->path);
		for (size_t i = 0; i < n; i++)
			if (moved[i])
				unlink(l->ext[i].path);
		vmdk_fsync_dir_of(l->path);
	}
	for (size_t i = 0; i < nmade; i++) {
		if (err < 0)
			unlink(made[i]);
		free(made[i]);
	}
	free(made);
	free(moved);
	free(text);
	free(tmp);
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
	old_stem = stem_base(from);
	new_stem = stem_base(to);
	new_base = strrchr(to, '/') ? strrchr(to, '/') + 1 : to;
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
