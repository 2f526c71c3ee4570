/* SPDX-License-Identifier: MIT */
/* image_link.c --- another format's image (qcow2, ...) as a link of a
 * chain: one extent over the whole image, read by the format's reader,
 * and the backing image it names as the link below. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "image.h"

const char *vmdk_link_below(const struct vmdk_link *l)
{
	return l->desc && l->desc->parent_hint ? l->desc->parent_hint : l->backing;
}

/* The extent's file: @fd, or (for a fetched image) the fetcher. */
static int reach_file(struct vmdk_extent *x, int fd,
		      const struct vmdk_fetcher *fetch, struct vmdk_errbuf *eb)
{
	int err;

	if (!fetch) {
		x->fd = fd;
		err = vmdk_file_size(fd, &x->file_size);
	} else {
		close(fd);	/* only its head was copied there */
		x->fetch = fetch;
		err = fetch->size(fetch->arg, x->path, &x->file_size);
	}
	return err < 0 ? vmdk_seterr(eb, err, "%s: %s", x->path, vmdk_strerror(err))
		       : 0;
}

const struct vmdk_image_format *vmdk_image_probe(int fd, const struct vmdk_fetcher *fetch,
						 const char *path, const uint8_t *first,
						 size_t got)
{
	const struct vmdk_image_format *img = vmdk_image_pick(first, got);
	uint8_t tail[VMDK_SECTOR];
	uint64_t size = 0;

	if (img)
		return img;
	if (fetch ? fetch->size(fetch->arg, path, &size) < 0
		  : vmdk_file_size(fd, &size) < 0)
		return NULL;
	/* A descriptor is no larger: its open costs no further read. */
	if (size <= VMDK_MAX_DESCRIPTOR || size < 2 * VMDK_SECTOR ||
	    (fetch ? fetch->read(fetch->arg, path, tail, VMDK_SECTOR, size - VMDK_SECTOR)
		   : vmdk_pread_all(fd, tail, VMDK_SECTOR, size - VMDK_SECTOR)) < 0)
		return NULL;
	return vmdk_image_pick_tail(tail, VMDK_SECTOR);
}

static int take_backing(struct vmdk_link *l, const struct vmdk_image_format *img)
{
	struct vmdk_image_meta m = { 0 };

	img->meta(l->ext, &m);
	if (m.id) {
		memcpy(l->image_id, m.id, 16);
		l->has_image_id = true;
	}
	if (m.parent_id) {
		memcpy(l->parent_image_id, m.parent_id, 16);
		l->has_parent_image_id = true;
	}
	if (m.backing && !(l->backing = strdup(m.backing)))
		return -ENOMEM;
	if (m.backing_format && !(l->backing_format = strdup(m.backing_format)))
		return -ENOMEM;
	return 0;
}

int vmdk_image_link_open(const char *path, int fd, const uint8_t *first,
			 const struct vmdk_image_format *img, unsigned how,
			 const struct vmdk_fetcher *fetch, struct vmdk_link **out,
			 struct vmdk_errbuf *eb)
{
	struct vmdk_extent x = { .ops = img->reader, .kind = img->name,
				 .access = VMDK_ACCESS_RDONLY, .fd = -1, .eb = eb };
	char *text = NULL;
	int err, ignored = 0;

	if (how & VMDK_LINK_WRITABLE) {
		close(fd);
		return vmdk_seterr(eb, VMDK_E_FOREIGN, "%s: a %s image, read here "
				   "as a source only (vmdk-clone converts it)",
				   path, img->name);
	}
	x.path = (char *)path;
	err = reach_file(&x, fd, fetch, eb);
	if (err == 0)
		err = img->reader->open(&x, first);
	if (err < 0) {
		if (x.priv)
			img->reader->close(&x);
		if (x.fd >= 0)
			close(x.fd);
		return err;
	}
	x.path = NULL;
	/* The descriptor the rest of the library reads of every link. */
	if (asprintf(&text, "createType=\"%s\"\nRDONLY %llu FLAT \"image\" 0\n",
		     img->name, (unsigned long long)x.sectors) < 0) {
		img->reader->close(&x);
		if (x.fd >= 0)
			close(x.fd);
		return -ENOMEM;
	}
	err = vmdk_one_extent_link(path, text, &x, out, eb);
	free(text);
	if (err < 0)
		return err;
	(*out)->image = img->name;
	(*out)->fetch = fetch;
	(*out)->unsafe_paths = how & VMDK_LINK_UNSAFE_PATHS;
	err = take_backing(*out, img);
	if (err < 0) {
		vmdk_link_free(*out, &ignored);
		*out = NULL;
	}
	return err;
}
