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
	char who[256];
	if (vmdk_vmware_locked(d, who, sizeof(who))) {
		vmdk_close(d);
		return vmdk_seterr(oeb, VMDK_E_LOCKED, "%s (VMware's lock: a running VM "
				   "or another program has the disk)", who);
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
			err = vmdk_seterr(oeb, -errno, "%s: %s", x,
					  vmdk_strerror(-errno));
	}
	if (err == 0 && unlink(path) < 0)
		err = vmdk_seterr(oeb, -errno, "%s: %s", path, vmdk_strerror(-errno));
	if (err == 0)
		vmdk_fsync_dir_of(path);
	vmdk_close(d);
	return err;
}
