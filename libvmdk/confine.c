/* SPDX-License-Identifier: MIT */
/* confine.c --- which files a descriptor may name.  A descriptor is
 * untrusted input, like the bytes of an extent: its extents and its
 * change-tracking file must be regular files inside the directory of the
 * descriptor that names them (no absolute path, no ".." leaving it, no
 * symbolic link leading out of it).  VMDK_OPEN_UNSAFE_PATHS lifts the
 * place rule for the disks a user made himself; FIFOs, sockets and
 * character devices are refused always (reading one would hang or
 * never end), block devices unless the place rule is lifted. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

bool vmdk_name_stays_inside(const char *name)
{
	long depth = 0;

	if (!name[0] || name[0] == '/')
		return false;
	for (const char *p = name; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return false;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p += n;
		p += strspn(p, "/");
	}
	return true;
}

static int outside(struct vmdk_errbuf *eb, const char *owner, const char *what,
		   const char *name)
{
	return vmdk_seterr_at(eb, VMDK_E_UNSAFE_PATH, owner,
			      "names %s \"%s\" outside the "
			      "disk's directory; refused",
			      what, name);
}

int vmdk_named_path(const char *dir, const char *name, const char *owner,
		    const char *what, bool unsafe, char **out,
		    struct vmdk_errbuf *eb)
{
	*out = NULL;
	if (!name[0])
		return vmdk_seterr_at(eb, VMDK_E_BAD_DESCRIPTOR, owner,
				      "%s with an empty file name", what);
	if (!unsafe && !vmdk_name_stays_inside(name))
		return outside(eb, owner, what, name);
	*out = name[0] == '/' ? strdup(name) : vmdk_path_join(dir, name);
	return *out ? 0 : -ENOMEM;
}

/* @real lies under @rdir (both resolved, without a trailing slash). */
static bool under(const char *rdir, const char *real)
{
	size_t n = strlen(rdir);

	if (strcmp(rdir, "/") == 0)
		return true;
	return strncmp(real, rdir, n) == 0 && real[n] == '/';
}

int vmdk_named_where(const char *dir, int fd, const char *path,
		     const char *owner, const char *what, const char *name,
		     struct vmdk_errbuf *eb)
{
	char proc[64], *rdir = realpath(dir, NULL), *real;
	bool ok;

	if (!rdir)
		return vmdk_seterr_at(eb, -errno, dir, "%s", vmdk_strerror(-errno));
	/* The file actually open, wherever links led; without /proc, the
	 * name resolved now. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	real = fd >= 0 ? realpath(proc, NULL) : NULL;
	if (!real)
		real = realpath(path, NULL);
	ok = real && under(rdir, real);
	free(rdir);
	free(real);
	return ok ? 0 : outside(eb, owner, what, name);
}

int vmdk_named_kind(int fd, const char *path, bool device_ok,
		    struct vmdk_errbuf *eb)
{
	struct stat st;
	int flags;

	if (fstat(fd, &st) < 0)
		return vmdk_seterr_at(eb, -errno, path, "%s", vmdk_strerror(-errno));
	if (S_ISBLK(st.st_mode) && !device_ok)
		return vmdk_seterr_at(eb, VMDK_E_UNSAFE_PATH, path,
				      "a block device; "
				      "refused unless unsafe paths are allowed");
	if (S_ISDIR(st.st_mode))
		return vmdk_seterr_at(eb, -EISDIR, path, "%s", vmdk_strerror(-EISDIR));
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
		return vmdk_seterr_at(eb, VMDK_E_NOT_A_DISK, path, "not a regular file");
	/* Opened without blocking (a FIFO would hang the open); reads and
	 * writes block as usual. */
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0 && (flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	return 0;
}

bool vmdk_named_deletable(const char *dir, const char *name)
{
	char *path, *pdir, *rdir, *rpdir;
	bool ok;

	if (!vmdk_name_stays_inside(name))
		return false;
	path = vmdk_path_join(dir, name);
	pdir = path ? vmdk_dirname(path) : NULL;
	rdir = realpath(dir, NULL);
	rpdir = pdir ? realpath(pdir, NULL) : NULL;
	/* unlink() removes a symbolic link itself, never its target: the
	 * directory holding the name is what must stay inside. */
	ok = rdir && rpdir && (strcmp(rdir, rpdir) == 0 || under(rdir, rpdir));
	free(path);
	free(pdir);
	free(rdir);
	free(rpdir);
	return ok;
}
