/* SPDX-License-Identifier: MIT */
/* image_link.c --- another format's image (qcow2, ...) as a link of a
 * chain: one extent over the whole image, read by the format's reader,
 * and the backing image it names as the link below. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
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
	return err < 0 ? vmdk_seterr_at(eb, err, x->path, "%s", vmdk_strerror(err)) : 0;
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

/* A GUID as VirtualBox and Windows write it (first three fields
 * little-endian). */
static void guid_text(const uint8_t *u, char *out, size_t size)
{
	snprintf(out, size, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 vmdk_le32(u), vmdk_le16(u + 4), vmdk_le16(u + 6), u[8], u[9], u[10],
		 u[11], u[12], u[13], u[14], u[15]);
}

/* Whether the file @name in @dir is an image of @img whose identity is
 * @id. */
static bool has_id(const char *dir, const char *name,
		   const struct vmdk_image_format *img, const uint8_t *id)
{
	uint8_t head[VMDK_IMAGE_HEAD], own[16];
	char *path = vmdk_path_join(dir, name);
	size_t got = 0;
	bool match = false;
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK) : -1;
	struct stat st;

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    vmdk_pread_upto(fd, head, sizeof(head), 0, &got) == 0 &&
	    img->bid(head, got) && img->head_id(head, got, own) == 0)
		match = memcmp(own, id, 16) == 0;
	if (fd >= 0)
		close(fd);
	free(path);
	return match;
}

/* The one image of @l's directory whose identity is @id: its name. */
static int find_by_id(struct vmdk_link *l, const struct vmdk_image_format *img,
		      const uint8_t *id, struct vmdk_errbuf *eb)
{
	const char *self = strrchr(l->path, '/') ? strrchr(l->path, '/') + 1 : l->path;
	char text[40], *found = NULL;
	struct dirent *e;
	DIR *d;
	int n = 0;

	guid_text(id, text, sizeof(text));
	if (l->fetch)
		return vmdk_seterr_at(eb, VMDK_E_NOT_SUPPORTED, l->path,
				      "a %s child names its "
				      "parent {%s} by identity alone, which is not "
				      "looked for on a datastore",
				      img->name, text);
	if (!(d = opendir(l->dir)))
		return vmdk_seterr_at(eb, -errno, l->dir, "%s", vmdk_strerror(-errno));
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && strcmp(e->d_name, self) &&
		    has_id(l->dir, e->d_name, img, id) && n++ == 0)
			found = strdup(e->d_name);
	closedir(d);
	if (n == 1 && !found)
		return -ENOMEM;
	if (n > 1) {
		free(found);
		return vmdk_seterr_at(eb, VMDK_E_OPEN_PARENT, l->path,
				      "%d images in its "
				      "directory are its parent {%s}; copies of one image "
				      "cannot be told apart",
				      n, text);
	}
	if (n == 0)
		return vmdk_seterr_at(eb, VMDK_E_OPEN_PARENT, l->path,
				      "its parent {%s} is no "
				      "%s image in its directory",
				      text, img->name);
	l->backing = found;
	return 0;
}

/* The external data file @name: inside the image's directory (unless
 * --unsafe-paths), a regular file, opened for reading. */
static int open_data_file(struct vmdk_link *l, const struct vmdk_image_format *img,
			  const char *name, struct vmdk_errbuf *eb)
{
	char *path = NULL;
	int fd = -1, err;

	if (l->fetch)
		return vmdk_seterr_at(eb, VMDK_E_NOT_SUPPORTED, l->path,
				      "an external data "
				      "file is not read on a datastore");
	err = vmdk_named_path(l->dir, name, l->path, "data file", l->unsafe_paths,
			      &path, eb);
	if (err == 0)
		err = vmdk_link_open_file(path, false, false, &fd, eb,
					  VMDK_E_MISSING_EXTENT);
	if (err == 0 && !l->unsafe_paths)
		err = vmdk_named_where(l->dir, fd, path, l->path, "data file", name, eb);
	if (err == 0) {
		err = img->attach_data(l->ext, fd, path);
		fd = -1;
	}
	if (fd >= 0)
		close(fd);
	free(path);
	return err;
}

static int take_backing(struct vmdk_link *l, const struct vmdk_image_format *img,
			struct vmdk_errbuf *eb)
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
	if (!m.backing && m.parent_id && img->head_id) {
		int err = find_by_id(l, img, m.parent_id, eb);
		if (err < 0)
			return err;
	}
	if (m.data_file && img->attach_data)
		return open_data_file(l, img, m.data_file, eb);
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
		return vmdk_seterr_at(eb, VMDK_E_FOREIGN, path,
				      "a %s image, read here "
				      "as a source only (vmdk-clone converts it)",
				      img->name);
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
	err = take_backing(*out, img, eb);
	if (err < 0) {
		vmdk_link_free(*out, &ignored);
		*out = NULL;
	}
	return err;
}
