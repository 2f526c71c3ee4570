/* disk.c --- a disk is a chain of links, a link a descriptor plus extents:
 * open, read through the chain, write to the top link, close. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmdk_int.h"

/* Largest piece handed to an extent at once (extent ops take uint32). */
#define MAX_IO_SECTORS (1u << 20)

/* Prefix the message already in @eb with @path. */
static uint64_t round_up512(uint64_t v)
{
	return (v + 511) / 512 * 512;
}

static int with_path(struct vmdk_errbuf *eb, int err, const char *path)
{
	char detail[VMDK_ERRMSG_MAX];

	snprintf(detail, sizeof(detail), "%s", eb->msg);
	return vmdk_seterr(eb, err, "%s: %s", path, detail);
}

static int open_file(const char *path, bool writable, bool lock_exclusive,
		     int *out, struct vmdk_errbuf *eb, int missing_code)
{
	int fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	int err;

	if (fd < 0) {
		err = -errno;
		if (err == -ENOENT && missing_code)
			return vmdk_seterr(eb, missing_code, "%s: file is missing",
					   path);
		return vmdk_seterr(eb, err, "%s: %s", path, vmdk_strerror(err));
	}
	err = vmdk_lock_fd(fd, lock_exclusive);
	if (err < 0) {
		close(fd);
		if (err == VMDK_E_LOCKED)
			return vmdk_seterr(eb, err, "%s: in use: another process "
					   "has it open%s", path,
					   lock_exclusive ? "" : " for writing");
		return vmdk_seterr(eb, err, "%s: locking: %s", path,
				   vmdk_strerror(err));
	}
	*out = fd;
	return 0;
}

static int read_first_sector(int fd, uint8_t *first, size_t *got)
{
	ssize_t r;

	memset(first, 0, 512);
	do
		r = pread(fd, first, 512, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	*got = (size_t)r;
	return 0;
}

static int open_extent(struct vmdk_link *l, struct vmdk_extent *x,
		       const struct vmdk_extent_line *el, int self_fd,
		       struct vmdk_errbuf *eb)
{
	uint8_t first[512];
	size_t got = 0;
	int err;

	x->eb = eb;
	x->fd = -1;
	x->kind = vmdk_extent_kind(el->kind);
	x->access = el->access;
	x->sectors = el->sectors;
	x->offset = el->offset;
	x->writable = l->writable && el->access == VMDK_ACCESS_RW;
	if (strcmp(el->kind, "ZERO") == 0) {
		x->ops = &vmdk_zero_ops;
		return x->ops->open(x, NULL);
	}
	if (self_fd >= 0) {
		x->path = strdup(l->path);
		x->fd = self_fd;
	} else {
		if (!el->file[0])
			return vmdk_seterr(eb, VMDK_E_BAD_DESCRIPTOR,
					   "%s: extent with an empty file name",
					   l->path);
		x->path = el->file[0] == '/' ? strdup(el->file)
					     : vmdk_path_join(l->dir, el->file);
	}
	if (!x->path)
		return -ENOMEM;
	if (el->access == VMDK_ACCESS_NOACCESS) {
		x->ops = &vmdk_zero_ops;	/* reads are refused in disk.c */
		return 0;
	}
	if (x->fd < 0) {
		err = open_file(x->path, x->writable, x->writable, &x->fd, eb,
				VMDK_E_MISSING_EXTENT);
		if (err < 0)
			return err;
	}
	err = vmdk_file_size(x->fd, &x->file_size);
	if (err == 0)
		err = read_first_sector(x->fd, first, &got);
	if (err < 0)
		return vmdk_seterr(eb, err, "%s: %s", x->path, vmdk_strerror(err));
	x->ops = vmdk_pick_format(el->kind, first, got, x->path, eb, &err);
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

static void free_link(struct vmdk_link *l, int *first_err)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_ext; i++)
		close_extent(&l->ext[i], first_err);
	free(l->ext);
	if (l->desc_fd >= 0)
		close(l->desc_fd);
	vmdk_desc_free(l->desc);
	free(l->path);
	free(l->dir);
	free(l);
}

/* Read the descriptor text of @l from @fd: a whole text file, or the area a
 * sparse header names (up to its first NUL). */
static int load_descriptor(struct vmdk_link *l, int fd, const uint8_t *first,
			   size_t got, bool *embedded, struct vmdk_errbuf *eb)
{
	uint64_t size, off = 0, len;
	char *text;
	int err;

	err = vmdk_file_size(fd, &size);
	if (err < 0)
		return vmdk_seterr(eb, err, "%s: %s", l->path, vmdk_strerror(err));
	*embedded = got >= 512 && vmdk_embedded_descriptor(first, &off, &len);
	if (*embedded) {
		if (len > VMDK_MAX_DESCRIPTOR || off > size || len > size - off)
			return vmdk_seterr(eb, VMDK_E_NEEDS_REPAIR,
					   "%s: embedded descriptor (%llu bytes at %llu) "
					   "lies outside the file", l->path,
					   (unsigned long long)len,
					   (unsigned long long)off);
	} else if (got >= 4 && got < 512 && memcmp(first, "KDMV", 4) == 0) {
		return vmdk_seterr(eb, VMDK_E_NEEDS_REPAIR,
				   "%s: sparse header truncated (%zu bytes)",
				   l->path, got);
	} else if (got >= 4 && (memcmp(first, "KDMV", 4) == 0)) {
		return vmdk_seterr(eb, VMDK_E_NOT_A_DISK,
				   "%s: sparse extent without a descriptor "
				   "(open the disk's descriptor file instead)",
				   l->path);
	} else if (got >= 4 && memcmp(first, "COWD", 4) == 0) {
		return vmdk_seterr(eb, VMDK_E_NOT_A_DISK,
				   "%s: a vmfsSparse (COWD) extent has no descriptor "
				   "of its own (open the disk's descriptor file instead)",
				   l->path);
	} else {
		if (size == 0)
			return vmdk_seterr(eb, VMDK_E_NOT_A_DISK, "%s: empty file",
					   l->path);
		if (size > VMDK_MAX_DESCRIPTOR)
			return vmdk_seterr(eb, VMDK_E_NOT_A_DISK,
					   "%s: not a VMDK disk (no sparse header, "
					   "too large for a descriptor)", l->path);
		len = size;
	}
	text = malloc(len + 1);
	if (!text)
		return -ENOMEM;
	err = vmdk_pread_all(fd, text, len, off);
	if (err < 0) {
		free(text);
		return vmdk_seterr(eb, err, "%s: reading descriptor: %s", l->path,
				   vmdk_strerror(err));
	}
	text[len] = '\0';
	/* The text ends at the first NUL: embedded descriptors are padded
	 * that way, and qemu-img pads descriptor files to a sector, with
	 * bytes that are not always zero after the NUL. */
	len = strlen(text);
	l->desc_len = len;
	err = vmdk_desc_parse(text, len, &l->desc, eb);
	free(text);
	return err < 0 ? with_path(eb, err, l->path) : 0;
}

static int open_link(const char *path, bool writable, struct vmdk_link **out,
		     struct vmdk_errbuf *eb)
{
	struct vmdk_link *l = calloc(1, sizeof(*l));
	uint8_t first[512];
	size_t got = 0, n;
	bool embedded = false;
	int fd = -1, err, ignored = 0;
	uint64_t start = 0;

	if (!l)
		return -ENOMEM;
	l->desc_fd = -1;
	l->writable = writable;
	l->path = strdup(path);
	l->dir = vmdk_dirname(path);
	if (!l->path || !l->dir) {
		err = -ENOMEM;
		goto fail;
	}
	err = open_file(path, writable, writable, &fd, eb, 0);
	if (err < 0)
		goto fail;
	err = read_first_sector(fd, first, &got);
	if (err < 0) {
		err = vmdk_seterr(eb, err, "%s: %s", path, vmdk_strerror(err));
		close(fd);
		goto fail;
	}
	err = load_descriptor(l, fd, first, got, &embedded, eb);
	if (err < 0) {
		close(fd);
		goto fail;
	}
	n = vmdk_desc_extent_count(l->desc);
	if (n == 0 || (embedded && n != 1)) {
		close(fd);
		err = vmdk_seterr(eb, VMDK_E_BAD_DESCRIPTOR,
				  "%s: descriptor lists %zu extents%s", path, n,
				  embedded ? ", a monolithic file holds one" : "");
		goto fail;
	}
	if (embedded && strcmp(vmdk_desc_extent(l->desc, 0)->kind, "SPARSE")) {
		close(fd);
		err = vmdk_seterr(eb, VMDK_E_BAD_DESCRIPTOR,
				  "%s: embedded descriptor names a %s extent",
				  path, vmdk_desc_extent(l->desc, 0)->kind);
		goto fail;
	}
	if (!embedded)
		l->desc_fd = fd;
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
			err = vmdk_seterr(eb, VMDK_E_TOO_BIG,
					  "%s: extents add up to more than 64 TiB", path);
			goto fail;
		}
	}
	if (embedded)
		l->desc_host = &l->ext[0];
	l->capacity = start;
	*out = l;
	return 0;
fail:
	free_link(l, &ignored);
	return err;
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static int open_parents(vmdk_disk *d)
{
	while (d->links[d->nlinks - 1]->desc->parent_hint) {
		struct vmdk_link *child = d->links[d->nlinks - 1], *parent;
		const char *hint = child->desc->parent_hint;
		char *ppath = hint[0] == '/' ? strdup(hint)
					     : vmdk_path_join(child->dir, hint);
		int err;

		if (!ppath)
			return -ENOMEM;
		for (unsigned i = 0; i < d->nlinks; i++)
			if (same_file(ppath, d->links[i]->path)) {
				err = vmdk_seterr(&d->eb, VMDK_E_OPEN_PARENT,
						  "%s: parent chain loops back to %s",
						  child->path, ppath);
				free(ppath);
				return err;
			}
		if (d->nlinks > VMDK_MAX_CHAIN - 1) {
			free(ppath);
			return vmdk_seterr(&d->eb, VMDK_E_OPEN_PARENT,
					   "%s: chain deeper than %d links",
					   child->path, VMDK_MAX_CHAIN);
		}
		err = open_link(ppath, false, &parent, &d->eb);
		if (err < 0) {
			char detail[VMDK_ERRMSG_MAX];
			snprintf(detail, sizeof(detail), "%s", d->eb.msg);
			free(ppath);
			return vmdk_seterr(&d->eb, VMDK_E_OPEN_PARENT,
					   "%s: cannot open parent: %s",
					   child->path, detail);
		}
		free(ppath);
		child->parent = parent;
		d->links[d->nlinks++] = parent;
		if (parent->desc->cid != child->desc->parent_cid)
			return vmdk_seterr(&d->eb, VMDK_E_CID_MISMATCH,
					   "%s: parent %s changed since the child was "
					   "created (parentCID %08x, parent's CID %08x)",
					   child->path, parent->path,
					   child->desc->parent_cid, parent->desc->cid);
	}
	return 0;
}

static int read_link(struct vmdk_link *l, uint64_t sector, uint64_t n,
		     uint8_t *buf, struct vmdk_errbuf *eb);

/* What an allocating write in @x copies from the links below. */
static int backing_read(struct vmdk_extent *x, uint64_t sector, uint32_t n,
			void *buf)
{
	struct vmdk_link *l = x->backing_arg;

	if (!l->parent) {
		memset(buf, 0, n * 512ull);
		return 0;
	}
	return read_link(l->parent, x->start + sector, n, buf, x->eb);
}

static void close_links(vmdk_disk *d, int *first_err)
{
	for (unsigned i = 0; i < d->nlinks; i++)
		free_link(d->links[i], first_err);
	d->nlinks = 0;
}

int vmdk_open(const char *path, unsigned flags, vmdk_disk **out)
{
	struct vmdk_errbuf *oeb = vmdk_open_errbuf();
	vmdk_disk *d;
	struct vmdk_link *top;
	int err, ignored = 0;

	oeb->msg[0] = '\0';
	if (!path || !out)
		return vmdk_seterr(oeb, VMDK_E_INVALID_ARG, "no path given");
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->flags = flags;
	err = open_link(path, !(flags & VMDK_OPEN_RDONLY), &top, &d->eb);
	if (err == 0) {
		d->links[d->nlinks++] = top;
		if (!(flags & VMDK_OPEN_SINGLE_LINK))
			err = open_parents(d);
	}
	if (err < 0) {
		memcpy(oeb, &d->eb, sizeof(*oeb));
		close_links(d, &ignored);
		free(d);
		return err;
	}
	for (size_t i = 0; i < top->n_ext; i++) {
		top->ext[i].backing = backing_read;
		top->ext[i].backing_arg = top;
		top->ext[i].no_sync = flags & VMDK_OPEN_NO_SYNC;
	}
	*out = d;
	return 0;
}

static struct vmdk_extent *extent_at(struct vmdk_link *l, uint64_t sector)
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

static int read_link(struct vmdk_link *l, uint64_t sector, uint64_t n,
		     uint8_t *buf, struct vmdk_errbuf *eb)
{
	while (n > 0) {
		struct vmdk_extent *x = extent_at(l, sector);
		uint64_t rel, avail, run = 0;
		int st, err = 0;

		if (!x) {	/* past this link: a smaller parent reads zeros */
			memset(buf, 0, n * 512);
			return 0;
		}
		if (x->access == VMDK_ACCESS_NOACCESS)
			return vmdk_seterr(eb, VMDK_E_READ_ONLY,
					   "%s: extent is marked NOACCESS", x->path);
		rel = sector - x->start;
		avail = x->sectors - rel < n ? x->sectors - rel : n;
		if (avail > MAX_IO_SECTORS)
			avail = MAX_IO_SECTORS;
		st = x->ops->status(x, rel, avail, &run);
		if (st < 0)
			return st;
		if (run == 0 || run > avail)
			run = avail;
		if (st == VMDK_BS_DATA)
			err = x->ops->read(x, rel, (uint32_t)run, buf);
		else if (st == VMDK_BS_UNALLOC && l->parent)
			err = read_link(l->parent, sector, run, buf, eb);
		else
			memset(buf, 0, run * 512);
		if (err < 0)
			return err;
		buf += run * 512;
		sector += run;
		n -= run;
	}
	return 0;
}

static int check_range(vmdk_disk *d, uint64_t sector, uint64_t n)
{
	uint64_t cap = d->links[0]->capacity;

	if (sector > cap || n > cap - sector)
		return vmdk_seterr(&d->eb, VMDK_E_OUT_OF_RANGE,
				   "sectors %llu+%llu are past the end of the disk "
				   "(%llu sectors)", (unsigned long long)sector,
				   (unsigned long long)n, (unsigned long long)cap);
	return 0;
}

/* How the chain holds sectors from @sector: VMDK_BS_DATA if some link
 * has data there, VMDK_BS_ZERO if a link says zeros, VMDK_BS_UNALLOC if
 * none has anything; *run sectors share the answer.  *depth is the link
 * that answered (for UNALLOC, the number of links). */
static int status_link(struct vmdk_link *l, unsigned depth, uint64_t sector,
		       uint64_t n, uint64_t *run, unsigned *at,
		       struct vmdk_errbuf *eb)
{
	struct vmdk_extent *x = extent_at(l, sector);
	uint64_t rel, avail;
	int st;

	if (!x) {
		*run = n;
		*at = depth;
		return VMDK_BS_UNALLOC;
	}
	if (x->access == VMDK_ACCESS_NOACCESS)
		return vmdk_seterr(eb, VMDK_E_READ_ONLY,
				   "%s: extent is marked NOACCESS", x->path);
	rel = sector - x->start;
	avail = x->sectors - rel < n ? x->sectors - rel : n;
	st = x->ops->status(x, rel, avail, run);
	if (st < 0)
		return st;
	if (*run == 0 || *run > avail)
		*run = avail;
	if (st == VMDK_BS_UNALLOC && l->parent)
		return status_link(l->parent, depth + 1, sector, *run, run, at, eb);
	*at = st == VMDK_BS_UNALLOC ? depth + 1 : depth;
	return st;
}

int vmdk_block_status(vmdk_disk *d, uint64_t sector, uint64_t n,
		      uint64_t *run, unsigned *depth)
{
	unsigned at = 0;
	int err;

	if (!d || !run || n == 0)
		return VMDK_E_INVALID_ARG;
	err = check_range(d, sector, n);
	if (err < 0)
		return err;
	err = status_link(d->links[0], 0, sector, n, run, &at, &d->eb);
	if (depth)
		*depth = at;
	return err;
}

int vmdk_walk_runs(vmdk_disk *d, vmdk_run_fn fn, void *arg,
		   struct vmdk_errbuf *eb)
{
	uint64_t cap = d->links[0]->capacity, sector = 0;
	int err = 0;

	while (err == 0 && sector < cap) {
		uint64_t run;
		int st = vmdk_block_status(d, sector, cap - sector, &run, NULL);
		if (st < 0)
			return vmdk_seterr(eb, st, "%s", d->eb.msg);
		err = fn(arg, sector, run, st);
		sector += run;
	}
	return err;
}

int vmdk_read(vmdk_disk *d, uint64_t sector, uint64_t n, void *buf)
{
	int err;

	if (!d || (!buf && n))
		return VMDK_E_INVALID_ARG;
	err = check_range(d, sector, n);
	if (err < 0)
		return err;
	return read_link(d->links[0], sector, n, buf, &d->eb);
}

static int replace_descriptor_file(struct vmdk_link *l, const char *text,
				   size_t len)
{
	struct stat st;
	char *tmp;
	int fd, err;

	if (asprintf(&tmp, "%s.tmpXXXXXX", l->path) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return err;
	}
	/* Same permissions, and locked before anyone can see it. */
	err = fstat(l->desc_fd, &st) < 0 || fchmod(fd, st.st_mode & 07777) < 0
		      ? -errno : vmdk_lock_fd(fd, true);
	if (err == 0)
		err = vmdk_pwrite_all(fd, text, len, 0);
	if (err == 0 && fsync(fd) < 0)
		err = -errno;
	if (err == 0 && rename(tmp, l->path) < 0)
		err = -errno;
	if (err < 0) {
		unlink(tmp);
		close(fd);
		free(tmp);
		return err;
	}
	free(tmp);
	vmdk_fsync_dir_of(l->path);
	close(l->desc_fd);
	l->desc_fd = fd;
	return 0;
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
		size_t span = (size_t)round_up512((len > l->desc_len ? len : l->desc_len) + 1);
		char *buf = NULL;
		if (len + 1 > area)
			err = vmdk_seterr(eb, VMDK_E_NO_SPACE,
					  "%s: descriptor (%zu bytes) does not fit the "
					  "embedded area (%llu bytes)", l->path, len,
					  (unsigned long long)area);
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
			err = replace_descriptor_file(l, text, len);
		}
	}
	if (err == 0)
		l->desc_len = len;
	free(text);
	if (err < 0 && err > -1000)
		return vmdk_seterr(eb, err, "%s: writing descriptor: %s", l->path,
				   vmdk_strerror(err));
	return err;
}

/* VMware gives a link a new content ID at its first write after open;
 * children made from the old content then see the change. */
static int update_cid(vmdk_disk *d, struct vmdk_link *l)
{
	uint32_t cid;
	char hex[16], *ctk = NULL;
	int err;

	do
		cid = vmdk_random32();
	while (cid == l->desc->cid || cid >= 0xfffffffeu);
	snprintf(hex, sizeof(hex), "%08x", cid);
	err = vmdk_desc_set(l->desc, "CID", hex);
	/* We cannot record changes in a ctk file (its format is not
	 * published), and a backup trusting a stale one would miss ours:
	 * change tracking ends with our first write, as VDDK's guide says. */
	if (err == 0 && vmdk_desc_get(l->desc, "changeTrackPath"))
		err = vmdk_link_untrack(l, &ctk);
	if (err == 0)
		err = vmdk_link_store_descriptor(l, &d->eb);
	if (err == 0 && ctk)
		unlink(ctk);
	free(ctk);
	if (err == 0)
		l->cid_updated = true;
	return err;
}

static int check_writable(vmdk_disk *d, uint64_t sector, uint64_t n)
{
	struct vmdk_link *l = d->links[0];

	if (!l->writable)
		return vmdk_seterr(&d->eb, VMDK_E_READ_ONLY,
				   "%s: disk was opened read-only", l->path);
	while (n > 0) {
		struct vmdk_extent *x = extent_at(l, sector);
		uint64_t take = x->start + x->sectors - sector;

		if (x->ops == &vmdk_stream_ops)
			return vmdk_seterr(&d->eb, VMDK_E_NOT_SUPPORTED,
					   "%s: streamOptimized disks cannot be written "
					   "in place; convert it with vmdk-clone first",
					   x->path);
		if (!x->writable || !x->ops->write)
			return vmdk_seterr(&d->eb, VMDK_E_READ_ONLY,
					   "%s: %s extent is not writable (%s)",
					   x->path ? x->path : l->path, x->kind,
					   vmdk_access_name(x->access));
		take = take < n ? take : n;
		sector += take;
		n -= take;
	}
	return 0;
}

int vmdk_write(vmdk_disk *d, uint64_t sector, uint64_t n, const void *buf)
{
	struct vmdk_link *l;
	const uint8_t *in = buf;
	int err;

	if (!d || (!buf && n))
		return VMDK_E_INVALID_ARG;
	l = d->links[0];
	err = check_range(d, sector, n);
	if (err == 0)
		err = check_writable(d, sector, n);
	if (err == 0 && n && !l->cid_updated)
		err = update_cid(d, l);
	while (err == 0 && n > 0) {
		struct vmdk_extent *x = extent_at(l, sector);
		uint64_t rel = sector - x->start;
		uint64_t take = x->sectors - rel < n ? x->sectors - rel : n;

		if (take > MAX_IO_SECTORS)
			take = MAX_IO_SECTORS;
		err = x->ops->write(x, rel, (uint32_t)take, in);
		in += take * 512;
		sector += take;
		n -= take;
	}
	return err;
}

int vmdk_flush(vmdk_disk *d)
{
	struct vmdk_link *l;

	if (!d)
		return VMDK_E_INVALID_ARG;
	l = d->links[0];
	for (size_t i = 0; i < l->n_ext; i++) {
		int err = l->ext[i].ops->flush(&l->ext[i]);
		if (err < 0)
			return err;
	}
	if (l->writable && l->desc_fd >= 0 && !(d->flags & VMDK_OPEN_NO_SYNC) &&
	    fsync(l->desc_fd) < 0)
		return vmdk_seterr(&d->eb, -errno, "%s: %s", l->path,
				   vmdk_strerror(-errno));
	return 0;
}

int vmdk_close(vmdk_disk *d)
{
	int err = 0;

	if (!d)
		return 0;
	close_links(d, &err);
	free(d);
	return err;
}

/* Size of a regular file, or of a block device (st_size is 0 there). */
static int raw_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, size) < 0 ? -errno : 0;
	if (!S_ISREG(st.st_mode))
		return -ESPIPE;
	*size = (uint64_t)st.st_size;
	return 0;
}

int vmdk_open_raw(const char *path, unsigned flags, vmdk_disk **out)
{
	struct vmdk_errbuf *oeb = vmdk_open_errbuf();
	bool writable = !(flags & VMDK_OPEN_RDONLY);
	struct vmdk_link *l;
	struct vmdk_extent *x;
	uint64_t size;
	char *text = NULL;
	vmdk_disk *d;
	int fd, err, ignored = 0;

	oeb->msg[0] = '\0';
	if (!path || !out)
		return vmdk_seterr(oeb, VMDK_E_INVALID_ARG, "no path given");
	err = open_file(path, writable, writable, &fd, oeb, 0);
	if (err < 0)
		return err;
	err = raw_size(fd, &size);
	if (err < 0 || size == 0 || size > VMDK_MAX_CAPACITY * 512) {
		close(fd);
		return vmdk_seterr(oeb, err < 0 ? err : VMDK_E_TOO_BIG,
				   "%s: %s", path, err == -ESPIPE
				   ? "not a file or block device"
				   : err < 0 ? vmdk_strerror(err)
				   : size ? "larger than 64 TiB" : "empty");
	}
	d = calloc(1, sizeof(*d));
	l = calloc(1, sizeof(*l));
	x = calloc(1, sizeof(*x));
	if (!d || !l || !x ||
	    asprintf(&text, "createType=\"raw\"\nRW %llu FLAT \"%s\" 0\n",
		     (unsigned long long)(size + 511) / 512,
		     strchr(path, '"') ? "raw" : path) < 0) {
		free(d);
		free(l);
		free(x);
		close(fd);
		return -ENOMEM;
	}
	l->desc_fd = -1;
	l->writable = writable;
	l->path = strdup(path);
	l->dir = vmdk_dirname(path);
	l->ext = x;
	l->n_ext = 1;
	l->capacity = (size + 511) / 512;
	*x = (struct vmdk_extent){ .ops = &vmdk_raw_ops, .eb = &d->eb,
				   .path = strdup(path), .kind = "RAW",
				   .sectors = l->capacity, .fd = fd,
				   .writable = writable, .file_size = size };
	err = vmdk_desc_parse(text, strlen(text), &l->desc, oeb);
	free(text);
	d->links[d->nlinks++] = l;
	if (err == 0 && (!l->path || !l->dir || !x->path))
		err = -ENOMEM;
	if (err < 0) {
		close_links(d, &ignored);
		free(d);
		return err;
	}
	x->backing = backing_read;
	x->backing_arg = l;
	*out = d;
	return 0;
}
