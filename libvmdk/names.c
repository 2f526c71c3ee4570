/* SPDX-License-Identifier: MIT */
/* names.c --- the files a descriptor names, read without opening them:
 * what a copy of a disk file by file (a download) has to fetch next. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

void vmdk_free_names(char **names)
{
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

int vmdk_descriptor_files(const char *path, char ***extents, char **parent)
{
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	struct vmdk_descriptor *d;
	size_t n, k = 0;
	char **list;
	int err;

	eb->msg[0] = '\0';
	*extents = NULL;
	*parent = NULL;
	err = vmdk_descriptor_load(path, &d, eb);
	if (err < 0)
		return err;
	n = vmdk_desc_extent_count(d);
	list = calloc(n + 1, sizeof(*list));
	if (!list)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		const struct vmdk_extent_line *e = vmdk_desc_extent(d, i);
		if (e->file && !(list[k++] = strdup(e->file)))
			goto nomem;
	}
	if (d->parent_hint && !(*parent = strdup(d->parent_hint)))
		goto nomem;
	vmdk_desc_free(d);
	*extents = list;
	return 0;
nomem:
	vmdk_free_names(list);
	vmdk_desc_free(d);
	return vmdk_seterr(eb, -ENOMEM, "out of memory");
}
