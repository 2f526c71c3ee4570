/* SPDX-License-Identifier: MIT */
/* admin.c --- whole-disk file operations: unlink */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

int vmdk_unlink(const char *path)
{
	struct vmdk_errbuf *oeb = vmdk_open_errbuf();
	struct vmdk_link *l;
	vmdk_disk *d;
	int err = vmdk_open(path, VMDK_OPEN_RDONLY | VMDK_OPEN_SINGLE_LINK, &d);

	if (err < 0)
		return err;
	if ((err = vmdk_vmware_lock_refuse_held(d, oeb)) != 0) {
		vmdk_close(d);
		return err;
	}
	/* Extents first: a crash leaves a descriptor whose extents are
	 * missing, which says what happened, never an orphan that looks
	 * like nothing.  The locks are held until the end. */
	l = d->links[0];
	for (size_t i = 0; i < l->n_ext && err == 0; i++) {
		const char *x = l->ext[i].path;
		if (!x || l->desc_host == &l->ext[i])
			continue;
		if (unlink(x) < 0 && errno != ENOENT)
			err = vmdk_seterr_at(oeb, -errno, x, "%s", vmdk_strerror(-errno));
	}
	if (err == 0 && unlink(path) < 0)
		err = vmdk_seterr_at(oeb, -errno, path, "%s", vmdk_strerror(-errno));
	if (err == 0)
		vmdk_fsync_dir_of(path);
	vmdk_close(d);
	return err;
}
