/* SPDX-License-Identifier: MIT */
/* names.c --- the files a descriptor names, read without opening them:
 * what a copy of a disk file by file (a download) has to fetch next. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

void vmdk_descriptor_names_free(struct vmdk_descriptor_names *n)
{
	for (size_t i = 0; n->extents && n->extents[i]; i++)
		free(n->extents[i]);
	free(n->extents);
	free(n->flat);
	free(n->parent);
	memset(n, 0, sizeof(*n));
}

int vmdk_descriptor_files(const char *path, struct vmdk_descriptor_names *out)
{
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	struct vmdk_descriptor *d;
	size_t n, k = 0;
	int err;

	eb->msg[0] = '\0';
	memset(out, 0, sizeof(*out));
	err = vmdk_descriptor_load(path, &d, eb);
	if (err < 0)
		return err;
	n = vmdk_desc_extent_count(d);
	out->extents = calloc(n + 1, sizeof(*out->extents));
	out->flat = calloc(n + 1, sizeof(*out->flat));
	if (!out->extents || !out->flat)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		const struct vmdk_extent_line *e = vmdk_desc_extent(d, i);
		if (!e->file)
			continue;
		out->flat[k] = vmdk_extent_is_flat(e->kind);
		if (!(out->extents[k++] = strdup(e->file)))
			goto nomem;
	}
	if (d->parent_hint && !(out->parent = strdup(d->parent_hint)))
		goto nomem;
	vmdk_desc_free(d);
	return 0;
nomem:
	vmdk_descriptor_names_free(out);
	vmdk_desc_free(d);
	return vmdk_seterr(eb, -ENOMEM, "out of memory");
}
