/* SPDX-License-Identifier: MIT */
/* disk.c --- the public life of a disk: open a chain, read through it,
 * write to its top link, flush, close. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

/* Largest piece handed to an extent at once (extent ops take uint32). */
#define MAX_IO_SECTORS (1u << 20)

static int open_disk(const char *path, unsigned flags,
		     const struct vmdk_fetcher *fetch, vmdk_disk **out)
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
	d->fetch = fetch;
	err = vmdk_link_open_fetched(path, (flags & VMDK_OPEN_RDONLY ? 0 : VMDK_LINK_WRITABLE) |
				     (flags & VMDK_OPEN_UNSAFE_PATHS ? VMDK_LINK_UNSAFE_PATHS : 0),
				     fetch, &top, &d->eb);
	if (err == 0) {
		d->links[d->nlinks++] = top;
		if (!(flags & VMDK_OPEN_SINGLE_LINK))
			err = vmdk_chain_open_parents(d);
	}
	if (err < 0) {
		memcpy(oeb, &d->eb, sizeof(*oeb));
		vmdk_chain_close(d, &ignored);
		free(d);
		return err;
	}
	for (size_t i = 0; i < top->n_ext; i++) {
		top->ext[i].backing = vmdk_chain_backing;
		top->ext[i].backing_arg = top;
		top->ext[i].no_sync = flags & VMDK_OPEN_NO_SYNC;
	}
	*out = d;
	return 0;
}

int vmdk_open(const char *path, unsigned flags, vmdk_disk **out)
{
	return open_disk(path, flags, NULL, out);
}

int vmdk_open_fetched(const char *path, const struct vmdk_fetcher *f,
		      vmdk_disk **out)
{
	if (!f || !f->size || !f->read)
		return vmdk_seterr(vmdk_open_errbuf(), VMDK_E_INVALID_ARG, "no fetcher given");
	return open_disk(path, VMDK_OPEN_RDONLY, f, out);
}

int vmdk_read(vmdk_disk *d, uint64_t sector, uint64_t n, void *buf)
{
	int err;

	if (!d || (!buf && n))
		return VMDK_E_INVALID_ARG;
	err = vmdk_chain_check_range(d, sector, n);
	if (err < 0)
		return err;
	return vmdk_chain_read(d->links[0], sector, n, buf, &d->eb);
}

static int check_writable(vmdk_disk *d, uint64_t sector, uint64_t n)
{
	struct vmdk_link *l = d->links[0];

	if (!l->writable)
		return vmdk_seterr_at(&d->eb, VMDK_E_READ_ONLY, l->path,
				      "disk was opened read-only");
	while (n > 0) {
		struct vmdk_extent *x = vmdk_link_extent_at(l, sector);
		uint64_t take = x->start + x->sectors - sector;

		int err = vmdk_format_can_write(x, l->path);

		if (err < 0)
			return err;
		take = take < n ? take : n;
		sector += take;
		n -= take;
	}
	return 0;
}

/* What every change of content checks first: the range, that the top
 * link takes writes there, and the new CID of a session's first change. */
static int begin_change(vmdk_disk *d, uint64_t sector, uint64_t n)
{
	struct vmdk_link *l = d->links[0];
	int err = vmdk_chain_check_range(d, sector, n);

	if (err == 0)
		err = check_writable(d, sector, n);
	if (err == 0 && n && !l->cid_updated)
		err = vmdk_link_new_cid(l, &d->eb);
	return err;
}

int vmdk_write(vmdk_disk *d, uint64_t sector, uint64_t n, const void *buf)
{
	struct vmdk_link *l;
	const uint8_t *in = buf;
	int err;

	if (!d || (!buf && n))
		return VMDK_E_INVALID_ARG;
	l = d->links[0];
	err = begin_change(d, sector, n);
	while (err == 0 && n > 0) {
		struct vmdk_extent *x = vmdk_link_extent_at(l, sector);
		uint64_t rel = sector - x->start;
		uint64_t take = x->sectors - rel < n ? x->sectors - rel : n;

		if (take > MAX_IO_SECTORS)
			take = MAX_IO_SECTORS;
		err = x->ops->write(x, rel, (uint32_t)take, in);
		in += take * VMDK_SECTOR;
		sector += take;
		n -= take;
	}
	return err;
}

int vmdk_zero(vmdk_disk *d, uint64_t sector, uint64_t n, bool release)
{
	struct vmdk_link *l;
	bool below;
	int err;

	if (!d)
		return VMDK_E_INVALID_ARG;
	l = d->links[0];
	/* A child's released grain must not show its parent: the hint says
	 * there is one, opened or not (a single-link open). */
	below = l->desc->parent_hint != NULL;
	err = begin_change(d, sector, n);
	while (err == 0 && n > 0) {
		struct vmdk_extent *x = vmdk_link_extent_at(l, sector);
		uint64_t rel = sector - x->start;
		uint64_t take = x->sectors - rel < n ? x->sectors - rel : n;

		err = release && x->ops->release ? x->ops->release(x, rel, take, below)
						 : vmdk_format_write_zeros(x, rel, take);
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
		return vmdk_seterr_at(&d->eb, -errno, l->path, "%s", vmdk_strerror(-errno));
	return 0;
}

int vmdk_close(vmdk_disk *d)
{
	int err = 0;

	if (!d)
		return 0;
	vmdk_chain_close(d, &err);
	free(d);
	return err;
}

