/* SPDX-License-Identifier: MIT */
/* chain.c --- a disk's links from the top down: opening the parents its
 * hints name, reading a sector from the first link that holds it, and
 * telling how the chain holds a run of sectors. */
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

/* Largest piece handed to an extent at once (extent ops take uint32). */
#define MAX_IO_SECTORS (1u << 20)

bool vmdk_chain_commit_pending(const struct vmdk_descriptor *d, uint32_t *cid)
{
	const char *v = vmdk_desc_get(d, VMDK_COMMIT_KEY);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return false;
	errno = 0;
	n = strtoul(v, &end, 16);
	if (errno || *end || n > 0xffffffffu)
		return false;
	*cid = (uint32_t)n;
	return true;
}

bool vmdk_chain_parent_matches(const struct vmdk_descriptor *child,
			       uint32_t parent_cid)
{
	uint32_t pending;

	return child->parent_cid == parent_cid ||
	       (vmdk_chain_commit_pending(child, &pending) && pending == parent_cid);
}

/* Where the image below @child lies: a VMDK parent hint as VMware and
 * Windows write them; another format's backing file only inside the
 * child's directory (unless VMDK_OPEN_UNSAFE_PATHS). */
static int below_path(vmdk_disk *d, struct vmdk_link *child, char **out)
{
	const char *name = vmdk_link_below(child);

	if (!child->image) {
		*out = vmdk_parent_path(child->dir, name);
		return *out ? 0 : -ENOMEM;
	}
	return vmdk_named_path(child->dir, name, child->path, "backing file",
			       d->flags & VMDK_OPEN_UNSAFE_PATHS, out, &d->eb);
}

/* The link at @ppath, of the format the child names (a raw backing file
 * is only ever read as raw when named so, or when nothing else fits). */
static int open_below(vmdk_disk *d, struct vmdk_link *child, const char *ppath,
		      struct vmdk_link **out)
{
	const char *want = child->backing_format;
	unsigned how = VMDK_LINK_PARENT | (d->flags & VMDK_OPEN_UNSAFE_PATHS
					   ? VMDK_LINK_UNSAFE_PATHS : 0);
	int err;

	if (want && strcasecmp(want, "raw") == 0)
		return d->fetch ? vmdk_seterr_at(&d->eb, VMDK_E_NOT_SUPPORTED, ppath,
						 "a raw backing file is not read "
						 "remotely")
				: vmdk_raw_link_open(ppath, out, &d->eb);
	err = vmdk_link_open_fetched(ppath, how, d->fetch, out, &d->eb);
	if (err < 0 && child->image && !want && !d->fetch &&
	    (err == VMDK_E_NOT_A_DISK || err == VMDK_E_BAD_DESCRIPTOR))
		return vmdk_raw_link_open(ppath, out, &d->eb);
	if (err == 0 && want &&
	    strcasecmp(want, (*out)->image ? (*out)->image : "vmdk") != 0 &&
	    !(strcasecmp(want, "vpc") == 0 && (*out)->image &&
	      strcmp((*out)->image, "VHD") == 0)) {
		err = vmdk_seterr_at(&d->eb, VMDK_E_OPEN_PARENT, ppath,
				     "backing file "
				     "is %s, the image says %s",
				     (*out)->image ? (*out)->image : "VMDK", want);
		vmdk_link_free(*out, &(int){ 0 });
	}
	return err;
}

int vmdk_chain_open_parents(vmdk_disk *d)
{
	while (vmdk_link_below(d->links[d->nlinks - 1])) {
		struct vmdk_link *child = d->links[d->nlinks - 1], *parent;
		const char *hint = vmdk_link_below(child);
		char *ppath = NULL;
		int err = below_path(d, child, &ppath);

		if (err < 0)
			return err;
		for (unsigned i = 0; i < d->nlinks; i++)
			if (vmdk_same_file(ppath, d->links[i]->path) ||
			    (d->fetch && !strcmp(ppath, d->links[i]->path))) {
				err = vmdk_seterr_at(&d->eb, VMDK_E_OPEN_PARENT, child->path,
						     "parent chain loops back to %s", ppath);
				free(ppath);
				return err;
			}
		if (d->nlinks > VMDK_MAX_CHAIN - 1) {
			free(ppath);
			return vmdk_seterr_at(&d->eb, VMDK_E_OPEN_PARENT, child->path,
					      "chain deeper than %d links", VMDK_MAX_CHAIN);
		}
		/* A parent is only read; its own extents obey the rule in
		 * its own directory. */
		err = open_below(d, child, ppath, &parent);
		if (err < 0) {
			char detail[VMDK_ERRMSG_MAX];
			snprintf(detail, sizeof(detail), "%s", d->eb.msg);
			err = vmdk_hint_is_foreign(hint) || child->image
				      ? vmdk_seterr_at(&d->eb, VMDK_E_OPEN_PARENT, child->path,
						       "cannot "
						       "open %s \"%s\" (looked for %s): %s",
						       child->image ? "backing file" : "parent",
						       hint, ppath, detail)
				      : vmdk_seterr_at(&d->eb, VMDK_E_OPEN_PARENT, child->path,
						       "cannot "
						       "open parent: %s",
						       detail);
			free(ppath);
			return err;
		}
		free(ppath);
		child->parent = parent;
		d->links[d->nlinks++] = parent;
		/* The image's own record of its parent's identity. */
		if (child->has_parent_image_id && parent->has_image_id &&
		    memcmp(child->parent_image_id, parent->image_id, 16))
			return vmdk_seterr_at(&d->eb, VMDK_E_CID_MISMATCH, child->path,
					      "parent %s is not the image this one "
					      "was made from (its unique id differs)",
					      parent->path);
		/* The content ID ties VMDK links only. */
		if (!child->image && !parent->image &&
		    !vmdk_chain_parent_matches(child->desc, parent->desc->cid))
			return vmdk_seterr_at(&d->eb, VMDK_E_CID_MISMATCH, child->path,
					      "parent %s changed since the child was "
					      "created (parentCID %08x, parent's CID %08x); "
					      "see vmdk-check -e for the ways out",
					      parent->path, child->desc->parent_cid,
					      parent->desc->cid);
	}
	return 0;
}

/* What an allocating write in @x copies from the links below. */
int vmdk_chain_backing(struct vmdk_extent *x, uint64_t sector, uint32_t n,
		       void *buf)
{
	struct vmdk_link *l = x->backing_arg;

	if (!l->parent) {
		memset(buf, 0, n * VMDK_SECTOR);
		return 0;
	}
	return vmdk_chain_read(l->parent, x->start + sector, n, buf, x->eb);
}

void vmdk_chain_close(vmdk_disk *d, int *first_err)
{
	for (unsigned i = 0; i < d->nlinks; i++)
		vmdk_link_free(d->links[i], first_err);
	d->nlinks = 0;
}

int vmdk_chain_read(struct vmdk_link *l, uint64_t sector, uint64_t n,
		    uint8_t *buf, struct vmdk_errbuf *eb)
{
	while (n > 0) {
		struct vmdk_extent *x = vmdk_link_extent_at(l, sector);
		uint64_t rel, avail, run = 0;
		int st, err = 0;

		if (!x) {	/* past this link: a smaller parent reads zeros */
			memset(buf, 0, n * VMDK_SECTOR);
			return 0;
		}
		if (x->access == VMDK_ACCESS_NOACCESS)
			return vmdk_seterr_at(eb, VMDK_E_READ_ONLY, x->path,
					      "extent is marked NOACCESS");
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
			err = vmdk_chain_read(l->parent, sector, run, buf, eb);
		else
			memset(buf, 0, run * VMDK_SECTOR);
		if (err < 0)
			return err;
		buf += run * VMDK_SECTOR;
		sector += run;
		n -= run;
	}
	return 0;
}

int vmdk_chain_check_range(vmdk_disk *d, uint64_t sector, uint64_t n)
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
	struct vmdk_extent *x = vmdk_link_extent_at(l, sector);
	uint64_t rel, avail;
	int st;

	if (!x) {
		*run = n;
		*at = depth;
		return VMDK_BS_UNALLOC;
	}
	if (x->access == VMDK_ACCESS_NOACCESS)
		return vmdk_seterr_at(eb, VMDK_E_READ_ONLY, x->path,
				      "extent is marked NOACCESS");
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
	err = vmdk_chain_check_range(d, sector, n);
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
			return vmdk_errcopy(eb, st, &d->eb);
		err = fn(arg, sector, run, st);
		sector += run;
	}
	return err;
}

