/* SPDX-License-Identifier: MIT */
/* link.c --- one link of a chain: its descriptor (a text file, or the
 * area a sparse header names), its extents opened through the format
 * registry, and the rules for changing it: descriptor writes that a crash
 * cannot tear, a new CID at the first write, change tracking ended. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"
#include "image.h"

static uint64_t round_up_sector(uint64_t v)
{
	return (v + VMDK_SECTOR - 1) / VMDK_SECTOR * VMDK_SECTOR;
}

/* Prefix the message already in @eb with @path. */
static int with_path(struct vmdk_errbuf *eb, int err, const char *path)
{
	char detail[VMDK_ERRMSG_MAX];

	snprintf(detail, sizeof(detail), "%s", eb->msg);
	return vmdk_seterr_at(eb, err, path, "%s", detail);
}

/* The files this thread holds locked across several opens: an open of
 * one of them shares the held open and its lock (a second open would
 * conflict with our own lock, as another process's does). */
static __thread struct vmdk_held *held;

void vmdk_hold_files(struct vmdk_held *h)
{
	held = h;
}

void vmdk_held_release(struct vmdk_held *h)
{
	for (size_t i = 0; i < h->n; i++)
		close(h->fd[i]);
	free(h->fd);
	memset(h, 0, sizeof(*h));
	if (held == h)
		held = NULL;
}

/* A dup of the held open of @path, or -1. */
static int held_open(const char *path)
{
	struct stat st, o;

	if (!held || stat(path, &st) < 0)
		return -1;
	for (size_t i = 0; i < held->n; i++)
		if (fstat(held->fd[i], &o) == 0 && o.st_dev == st.st_dev &&
		    o.st_ino == st.st_ino)
			return fcntl(held->fd[i], F_DUPFD_CLOEXEC, 0);
	return -1;
}

static void hold(int fd)
{
	int *more;

	if (!held)
		return;
	if (held->n == held->cap) {
		size_t cap = held->cap ? held->cap * 2 : 8;
		if (!(more = realloc(held->fd, cap * sizeof(*more))))
			return;
		held->fd = more;
		held->cap = cap;
	}
	held->fd[held->n] = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (held->fd[held->n] >= 0)
		held->n++;
}

int vmdk_link_open_file(const char *path, bool writable, bool lock_exclusive,
		     int *out, struct vmdk_errbuf *eb, int missing_code)
{
	int fd = held_open(path);

	if (fd >= 0) {
		*out = fd;
		return 0;
	}
	fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC |
		      O_NONBLOCK | O_NOCTTY);
	int err;

	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT && missing_code)
			return vmdk_seterr_at(eb, missing_code, path, "file is missing");
		return vmdk_seterr_at(eb, err, path, "%s", vmdk_strerror(err));
	}
	err = vmdk_named_kind(fd, path, true, eb);
	if (err < 0) {
		close(fd);
		return err;
	}
	err = vmdk_lock_fd(fd, lock_exclusive);
	/* qemu's writer holds only bytes our reader does not take. */
	if (err == 0 && !lock_exclusive && vmdk_fd_written_elsewhere(fd)) {
		close(fd);
		return vmdk_seterr_at(eb, VMDK_E_LOCKED, path,
				      "in use: another program "
				      "has it open for writing");
	}
	if (err < 0) {
		close(fd);
		if (err == VMDK_E_LOCKED)
			return vmdk_seterr_at(eb, err, path,
					      "in use: another process "
					      "has it open%s",
					      lock_exclusive ? "" : " for writing");
		return vmdk_seterr_at(eb, err, path, "locking: %s", vmdk_strerror(err));
	}
	if (lock_exclusive)
		hold(fd);
	*out = fd;
	return 0;
}

static int read_first_sector(int fd, uint8_t *first, size_t *got)
{
	memset(first, 0, VMDK_SECTOR);
	return vmdk_pread_upto(fd, first, VMDK_SECTOR, 0, got);
}

static bool same_inode(const struct stat *st, int fd)
{
	struct stat o;

	return fd >= 0 && fstat(fd, &o) == 0 && o.st_dev == st->st_dev &&
	       o.st_ino == st->st_ino;
}

/* An extent naming the descriptor itself, or (for writing) a file an
 * earlier extent holds: said as such, not as a lock held elsewhere. */
static int named_twice(struct vmdk_link *l, struct vmdk_extent *x,
		       const char *name, struct vmdk_errbuf *eb)
{
	struct stat st;

	if (stat(x->path, &st) < 0)
		return 0;
	if (same_inode(&st, l->desc_fd))
		return vmdk_seterr_at(eb, VMDK_E_BAD_DESCRIPTOR, l->path,
				      "names itself "
				      "as extent \"%s\"",
				      name);
	for (struct vmdk_extent *o = l->ext; x->writable && o < x; o++)
		if (same_inode(&st, o->fd))
			return vmdk_seterr_at(eb, VMDK_E_BAD_DESCRIPTOR, l->path,
					      "names "
					      "\"%s\" as two extents; such a disk "
					      "cannot be written",
					      name);
	return 0;
}

/* An extent read through the fetcher: its size and first sector asked
 * for, as a file's would be read. */
static int open_fetched(struct vmdk_link *l, struct vmdk_extent *x,
			const struct vmdk_extent_line *el, struct vmdk_errbuf *eb)
{
	uint8_t first[VMDK_SECTOR] = { 0 };
	size_t got;
	int err;

	x->fetch = l->fetch;
	err = x->fetch->size(x->fetch->arg, x->path, &x->file_size);
	got = x->file_size < VMDK_SECTOR ? (size_t)x->file_size : VMDK_SECTOR;
	if (err == 0 && got)
		err = x->fetch->read(x->fetch->arg, x->path, first, got, 0);
	if (err < 0)
		return vmdk_seterr_at(eb, err == -ENOENT ? VMDK_E_MISSING_EXTENT : err, x->path,
				      "%s", vmdk_strerror(err));
	x->ops = vmdk_format_pick(el->kind, first, got, x->path, eb, &err);
	return x->ops ? x->ops->open(x, first) : err;
}

static int open_extent(struct vmdk_link *l, struct vmdk_extent *x,
		       const struct vmdk_extent_line *el, int self_fd,
		       struct vmdk_errbuf *eb)
{
	uint8_t first[VMDK_SECTOR];
	size_t got = 0;
	int err;

	x->eb = eb;
	x->fd = -1;
	x->kind = vmdk_extent_kind(el->kind);
	x->access = el->access;
	x->sectors = el->sectors;
	x->offset = el->offset;
	if (vmdk_desc_extent_count(l->desc) == 1)
		x->geometry_floor = vmdk_desc_geometry_floor(l->desc);
	x->writable = l->writable && el->access == VMDK_ACCESS_RW;
	/* An extent without a file (ZERO) is chosen by its type alone. */
	if (!el->file) {
		x->ops = vmdk_format_pick(el->kind, NULL, 0, l->path, eb, &err);
		return x->ops ? x->ops->open(x, NULL) : err;
	}
	if (self_fd >= 0) {
		x->path = strdup(l->path);
		x->fd = self_fd;
	} else {
		err = vmdk_named_path(l->dir, el->file, l->path, "extent",
				      l->unsafe_paths, &x->path, eb);
		if (err < 0)
			return err;
	}
	if (!x->path)
		return -ENOMEM;
	if (el->access == VMDK_ACCESS_NOACCESS) {
		/* Never opened; reads are refused in chain.c. */
		x->ops = vmdk_format_pick("ZERO", NULL, 0, l->path, eb, &err);
		return err;
	}
	if (l->fetch)
		return open_fetched(l, x, el, eb);
	if (x->fd < 0 && (err = named_twice(l, x, el->file, eb)) < 0)
		return err;
	if (x->fd < 0 && x->writable && !l->fetch &&
	    (err = vmdk_vmware_lock_take(x->path, &l->vmware_locks, eb)) < 0)
		return err;
	if (x->fd < 0) {
		err = vmdk_link_open_file(x->path, x->writable, x->writable, &x->fd, eb,
				VMDK_E_MISSING_EXTENT);
		if (err < 0)
			return err;
		if (!l->unsafe_paths &&
		    ((err = vmdk_named_kind(x->fd, x->path, false, eb)) < 0 ||
		     (err = vmdk_named_where(l->dir, x->fd, x->path, l->path,
					     "extent", el->file, eb)) < 0))
			return err;
	}
	err = vmdk_file_size(x->fd, &x->file_size);
	if (err == 0)
		err = read_first_sector(x->fd, first, &got);
	if (err < 0)
		return vmdk_seterr_at(eb, err, x->path, "%s", vmdk_strerror(err));
	x->ops = vmdk_format_pick(el->kind, first, got, x->path, eb, &err);
	if (!x->ops)
		return err;
	return x->ops->open(x, first);
}

static void close_extent(struct vmdk_extent *x, int *first_err)
{
	int err = 0;

	if (x->ops)
		err = x->ops->close(x);
	if (err < 0 && *first_err == 0)
		*first_err = err;
	if (x->fd >= 0)
		close(x->fd);
	free(x->path);
}

void vmdk_link_free(struct vmdk_link *l, int *first_err)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_ext; i++)
		close_extent(&l->ext[i], first_err);
	free(l->ext);
	if (l->desc_fd >= 0)
		close(l->desc_fd);
	vmdk_vmware_lock_release(l->vmware_locks);
	vmdk_desc_free(l->desc);
	free(l->path);
	free(l->dir);
	free(l->backing);
	free(l->backing_format);
	free(l);
}

int vmdk_descriptor_text(int fd, const char *path, const uint8_t *first,
			 size_t got, char **out, struct vmdk_embedded *e,
			 struct vmdk_errbuf *eb)
{
	uint64_t size, off = 0, len;
	char *text;
	int err, embedded;

	*out = NULL;
	memset(e, 0, sizeof(*e));
	err = vmdk_file_size(fd, &size);
	if (err < 0)
		return vmdk_seterr_at(eb, err, path, "%s", vmdk_strerror(err));
	embedded = vmdk_format_descriptor_area(first, got, path, e, eb);
	if (embedded < 0)
		return embedded;
	off = e->off;
	len = e->len;
	if (embedded) {
		if (len > VMDK_MAX_DESCRIPTOR || off > size || len > size - off)
			return vmdk_seterr_at(eb, VMDK_E_NEEDS_REPAIR, path,
					      "embedded descriptor (%llu bytes at %llu) "
					      "lies outside the file",
					      (unsigned long long)len, (unsigned long long)off);
	} else {
		if (size == 0)
			return vmdk_seterr_at(eb, VMDK_E_NOT_A_DISK, path, "empty file");
		if (size > VMDK_MAX_DESCRIPTOR)
			return vmdk_seterr_at(eb, VMDK_E_NOT_A_DISK, path,
					      "not a VMDK disk (no sparse header, "
					      "too large for a descriptor)");
		len = size;
	}
	text = malloc(len + 1);
	if (!text)
		return -ENOMEM;
	err = vmdk_pread_all(fd, text, len, off);
	if (err < 0) {
		free(text);
		return vmdk_seterr_at(eb, err, path, "reading descriptor: %s",
				      vmdk_strerror(err));
	}
	text[len] = '\0';
	*out = text;
	return embedded;
}

int vmdk_descriptor_read(int fd, const char *path, const uint8_t *first,
			 size_t got, struct vmdk_descriptor **out, size_t *text_len,
			 bool *embedded, struct vmdk_errbuf *eb)
{
	struct vmdk_embedded e;
	char *text;
	size_t len;
	int err = vmdk_descriptor_text(fd, path, first, got, &text, &e, eb);

	if (err < 0)
		return err;
	*embedded = err == 1;
	/* The text ends at the first NUL: embedded descriptors are padded
	 * that way, and qemu-img pads descriptor files to a sector, with
	 * bytes that are not always zero after the NUL. */
	len = strlen(text);
	if (text_len)
		*text_len = len;
	err = vmdk_desc_parse(text, len, out, eb);
	free(text);
	return err < 0 ? with_path(eb, err, path) : 0;
}

int vmdk_descriptor_load(const char *path, struct vmdk_descriptor **out,
			 struct vmdk_errbuf *eb)
{
	uint8_t first[VMDK_SECTOR];
	size_t got = 0;
	bool embedded;
	int fd, err = vmdk_link_open_file(path, false, false, &fd, eb, 0);

	if (err < 0)
		return err;
	err = read_first_sector(fd, first, &got);
	if (err < 0)
		err = vmdk_seterr_at(eb, err, path, "%s", vmdk_strerror(err));
	else
		err = vmdk_descriptor_read(fd, path, first, got, out, NULL,
					   &embedded, eb);
	close(fd);
	return err;
}

/* A change-tracking file is deleted at the first write: it must be one
 * the rule lets us delete. */
static int check_ctk(struct vmdk_link *l, struct vmdk_errbuf *eb)
{
	const char *ctk = vmdk_desc_get(l->desc, "changeTrackPath");

	/* (A fetched disk is only read: nothing is ever deleted.) */
	if (!ctk || !*ctk || l->unsafe_paths || l->fetch ||
	    vmdk_named_deletable(l->dir, ctk))
		return 0;
	return vmdk_seterr_at(eb, VMDK_E_UNSAFE_PATH, l->path,
			      "names change-tracking "
			      "file \"%s\" outside the disk's directory; refused",
			      ctk);
}

/* A parent hint may name any file: what that file holds is never shown,
 * only that it is no disk. */
static int not_a_parent(struct vmdk_errbuf *eb, int err, const char *path,
			int fd)
{
	const char *foreign = vmdk_foreign_format(fd);

	if (err != VMDK_E_BAD_DESCRIPTOR && err != VMDK_E_NOT_A_DISK)
		return err;
	if (foreign)
		return vmdk_seterr_at(eb, VMDK_E_NOT_A_DISK, path,
				      "a %s image, not a "
				      "VMDK disk",
				      foreign);
	return vmdk_seterr_at(eb, VMDK_E_NOT_A_DISK, path,
			      "not a VMDK descriptor "
			      "or sparse disk");
}

int vmdk_link_open(const char *path, unsigned how, struct vmdk_link **out,
		   struct vmdk_errbuf *eb)
{
	return vmdk_link_open_fetched(path, how, NULL, out, eb);
}

int vmdk_link_open_fetched(const char *path, unsigned how,
			   const struct vmdk_fetcher *fetch, struct vmdk_link **out,
			   struct vmdk_errbuf *eb)
{
	bool writable = how & VMDK_LINK_WRITABLE;
	struct vmdk_link *l = calloc(1, sizeof(*l));
	uint8_t first[VMDK_SECTOR];
	size_t got = 0, n;
	bool embedded = false;
	int fd = -1, err, ignored = 0;
	uint64_t start = 0;
	const struct vmdk_image_format *img;

	if (!l)
		return -ENOMEM;
	l->desc_fd = -1;
	l->writable = writable;
	l->fetch = fetch;
	l->unsafe_paths = how & VMDK_LINK_UNSAFE_PATHS;
	l->path = strdup(path);
	l->dir = vmdk_dirname(path);
	if (!l->path || !l->dir) {
		err = -ENOMEM;
		goto fail;
	}
	/* VMware's lock first: a running VM's disk is not even read. */
	if (writable && !fetch &&
	    (err = vmdk_vmware_lock_take(path, &l->vmware_locks, eb)) < 0)
		goto fail;
	err = fetch ? vmdk_fetched_head(fetch, path, &fd, eb)
		    : vmdk_link_open_file(path, writable, writable, &fd, eb, 0);
	if (err < 0)
		goto fail;
	err = read_first_sector(fd, first, &got);
	if (err < 0) {
		err = vmdk_seterr_at(eb, err, path, "%s", vmdk_strerror(err));
		close(fd);
		goto fail;
	}
	img = vmdk_image_probe(fd, fetch, path, first, got);
	if (img && img->reader) {
		vmdk_link_free(l, &ignored);
		return vmdk_image_link_open(path, fd, first, img, how, fetch, out, eb);
	}
	err = vmdk_descriptor_read(fd, path, first, got, &l->desc, &l->desc_len,
				   &embedded, eb);
	if (err < 0 && (how & VMDK_LINK_PARENT))
		err = not_a_parent(eb, err, path, fd);
	else if (err < 0)
		err = vmdk_foreign_error(eb, err, path, fd);
	if (err == 0)
		err = check_ctk(l, eb);
	if (err < 0) {
		close(fd);
		goto fail;
	}
	n = vmdk_desc_extent_count(l->desc);
	if (n == 0 || (embedded && n != 1)) {
		close(fd);
		err = vmdk_seterr_at(eb, VMDK_E_BAD_DESCRIPTOR, path,
				     "descriptor lists %zu extents%s", n,
				     embedded ? ", a monolithic file holds one" : "");
		goto fail;
	}
	if (embedded && strcmp(vmdk_desc_extent(l->desc, 0)->kind, "SPARSE")) {
		close(fd);
		err = vmdk_seterr_at(eb, VMDK_E_BAD_DESCRIPTOR, path,
				     "embedded descriptor names a %s extent",
				     vmdk_desc_extent(l->desc, 0)->kind);
		goto fail;
	}
	if (!embedded)
		l->desc_fd = fd;
	/* A writer holds the lock: what killed writers left can go. */
	if (writable)
		vmdk_txn_sweep(path);
	l->ext = calloc(n, sizeof(*l->ext));
	if (!l->ext) {
		if (embedded)
			close(fd);
		err = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		const struct vmdk_extent_line *el = vmdk_desc_extent(l->desc, i);
		l->n_ext = i + 1;
		l->ext[i].start = start;
		/* The embedded descriptor's file name is ignored, as other
		 * readers do: the extent is the file itself. */
		err = open_extent(l, &l->ext[i], el, embedded ? fd : -1, eb);
		if (err < 0)
			goto fail;
		start += el->sectors;
		if (start > VMDK_MAX_CAPACITY) {
			err = vmdk_seterr_at(eb, VMDK_E_TOO_BIG, path,
					     "extents add up to more than 64 TiB");
			goto fail;
		}
	}
	if (embedded)
		l->desc_host = &l->ext[0];
	l->capacity = start;
	*out = l;
	return 0;
fail:
	vmdk_link_free(l, &ignored);
	return err;
}

/* A descriptor file of another length is replaced whole: a crash leaves
 * the old text or the new one. */
static int replace_descriptor_file(struct vmdk_link *l, const char *text,
				   size_t len, struct vmdk_errbuf *eb)
{
	struct vmdk_txn t;
	int fd = -1, err;

	vmdk_txn_init(&t, eb);
	err = vmdk_txn_put_file(&t, l->path, text, len, &(struct vmdk_put_opts){
				.replace = true, .mode_of = l->desc_fd,
				.keep_fd = &fd });
	vmdk_txn_end(&t);
	if (err == 0) {
		close(l->desc_fd);
		l->desc_fd = fd;
	}
	return err;
}

/* Rewrite the descriptor of @l after a change to its model. */
int vmdk_link_store_descriptor(struct vmdk_link *l, struct vmdk_errbuf *eb)
{
	size_t len;
	char *text = vmdk_desc_serialize(l->desc, &len);
	uint64_t off, area, size;
	int err;

	if (!text)
		return -ENOMEM;
	if (l->desc_host) {
		struct vmdk_extent *x = l->desc_host;
		x->ops->descriptor_area(x, &off, &area);
		/* One write covers the new text and whatever an older, longer
		 * one left: a descriptor under a page is never half written,
		 * even by a process killed in the middle. */
		size_t span = (size_t)round_up_sector((len > l->desc_len ? len : l->desc_len) + 1);
		char *buf = NULL;
		if (len + 1 > area)
			err = vmdk_seterr_at(eb, VMDK_E_NO_SPACE, l->path,
					     "descriptor (%zu bytes) does not fit the "
					     "embedded area (%llu bytes)",
					     len, (unsigned long long)area);
		else if (!(buf = calloc(1, span < area ? span : area)))
			err = -ENOMEM;
		else {
			memcpy(buf, text, len);
			err = vmdk_pwrite_all(x->fd, buf, span < area ? span : area, off);
		}
		free(buf);
		/* The extent's data rides along: a scratch copy skips it. */
		if (err == 0 && !x->no_sync && fdatasync(x->fd) < 0)
			err = -errno;
	} else {
		err = vmdk_file_size(l->desc_fd, &size);
		/* Same length (the usual CID change): one in-place write of
		 * bytes that differ only in the CID.  Otherwise a new file
		 * replaces the old one, so a crash leaves one or the other. */
		if (err == 0 && size == len) {
			err = vmdk_pwrite_all(l->desc_fd, text, len, 0);
			if (err == 0 && fdatasync(l->desc_fd) < 0)
				err = -errno;
		} else if (err == 0) {
			err = replace_descriptor_file(l, text, len, eb);
		}
	}
	if (err == 0)
		l->desc_len = len;
	free(text);
	if (err < 0 && err > -1000)
		return vmdk_seterr_at(eb, err, l->path, "writing descriptor: %s",
				      vmdk_strerror(err));
	return err;
}

int vmdk_link_untrack(struct vmdk_link *l, struct vmdk_txn *t)
{
	const char *ctk = vmdk_desc_get(l->desc, "changeTrackPath");
	char *path = NULL;
	int err = 0;

	/* Only a file inside the disk's directory is deleted; one outside
	 * (allowed by VMDK_OPEN_UNSAFE_PATHS) just stops being named. */
	if (ctk && *ctk && vmdk_named_deletable(l->dir, ctk) &&
	    !(path = vmdk_path_join(l->dir, ctk)))
		return -ENOMEM;
	/* The descriptor stops naming the file before the file goes. */
	if (path)
		err = vmdk_txn_doom(t, path);
	free(path);
	if (err == 0)
		err = vmdk_desc_remove(l->desc, "changeTrackPath");
	if (err == 0 && l->desc->version == 3)
		err = vmdk_desc_set(l->desc, "version", "1");
	return err;
}

/* VMware gives a link a new content ID at its first write after open;
 * children made from the old content then see the change. */
int vmdk_link_new_cid(struct vmdk_link *l, struct vmdk_errbuf *eb)
{
	return vmdk_link_set_cid(l, vmdk_link_fresh_cid(l), eb);
}

uint32_t vmdk_link_fresh_cid(const struct vmdk_link *l)
{
	uint32_t cid;

	do
		cid = vmdk_random32();
	while (cid == l->desc->cid || cid >= 0xfffffffeu);
	return cid;
}

int vmdk_link_set_cid(struct vmdk_link *l, uint32_t cid, struct vmdk_errbuf *eb)
{
	struct vmdk_txn t;
	char hex[16];
	int err;

	snprintf(hex, sizeof(hex), "%08x", cid);
	vmdk_txn_init(&t, eb);
	err = vmdk_desc_set(l->desc, "CID", hex);
	/* We cannot record changes in a ctk file (its format is not
	 * published), and a backup trusting a stale one would miss ours:
	 * change tracking ends with our first write, as VDDK's guide says. */
	if (err == 0 && vmdk_desc_get(l->desc, "changeTrackPath"))
		err = vmdk_link_untrack(l, &t);
	if (err == 0)
		err = vmdk_link_store_descriptor(l, eb);
	if (err == 0)
		err = vmdk_txn_commit(&t, NULL, false);
	vmdk_txn_end(&t);
	if (err == 0)
		l->cid_updated = true;
	return err;
}

struct vmdk_extent *vmdk_link_extent_at(struct vmdk_link *l, uint64_t sector)
{
	size_t lo = 0, hi = l->n_ext;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		struct vmdk_extent *x = &l->ext[mid];
		if (sector < x->start)
			hi = mid;
		else if (sector >= x->start + x->sectors)
			lo = mid + 1;
		else
			return x;
	}
	return NULL;
}
