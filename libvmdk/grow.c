/* SPDX-License-Identifier: MIT */
/* grow.c --- enlarge a disk (vmware-vdiskmanager -x, VixDiskLib_Grow).
 * Order: new extent files first, then the last extent grown, then the
 * descriptor.  Until the descriptor is written the disk opens with its old
 * size (a sparse header or flat file larger than the descriptor says is
 * accepted), so a crash at any point leaves the old disk or the new one. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core.h"

/* The file name of split extent @index (1-based), after the pattern of
 * the last one ("disk-s003.vmdk" gives "disk-s004.vmdk"). */
static char *split_name(const char *last, const char *stem, char letter,
			size_t index)
{
	const char *dash = strrchr(last, '-');
	char *out;

	if (dash && (dash[1] == 's' || dash[1] == 'f') &&
	    strspn(dash + 2, "0123456789") >= 3) {
		if (asprintf(&out, "%.*s%03zu%s", (int)(dash + 2 - last), last,
			     index, dash + 2 + strspn(dash + 2, "0123456789")) < 0)
			return NULL;
		return out;
	}
	if (asprintf(&out, "%s-%c%03zu.vmdk", stem, letter, index) < 0)
		return NULL;
	return out;
}

static void set_cylinders(struct vmdk_descriptor *desc, uint64_t capacity)
{
	const char *hv = vmdk_desc_get(desc, "ddb.geometry.heads");
	const char *sv = vmdk_desc_get(desc, "ddb.geometry.sectors");
	const char *ad = vmdk_desc_get(desc, "ddb.adapterType");
	unsigned long h = hv ? strtoul(hv, NULL, 10) : 0;
	unsigned long s = sv ? strtoul(sv, NULL, 10) : 0;
	uint64_t c, max = ad && strcasecmp(ad, "ide") == 0 ? 16383 : 65535;
	char buf[32];

	if (!h || !s || h > 255 || s > 63)
		return;
	c = capacity / (h * s);
	snprintf(buf, sizeof(buf), "%llu",
		 (unsigned long long)(c > max ? max : c ? c : 1));
	vmdk_desc_set(desc, "ddb.geometry.cylinders", buf);
}

static const struct vmdk_type_def plain_type = { .kind = "" };

/* Why @l cannot become @capacity sectors, or 0. */
static int refuse(const struct vmdk_link *l, const struct vmdk_extent *last,
		  int type, uint64_t capacity, struct vmdk_errbuf *eb)
{
	const struct vmdk_type_def *def = vmdk_type_def(type);
	int err;

	if (l->desc->parent_hint)
		return vmdk_seterr_at(eb, VMDK_E_NOT_SUPPORTED, l->path,
				      "a child disk (redo log) cannot be grown; "
				      "grow the base disk before taking children");
	if ((err = vmdk_format_can_grow(last, l->path)) < 0)
		return vmdk_errcopy(eb, err, last->eb);
	if (capacity < l->capacity)
		return vmdk_seterr_at(eb, VMDK_E_INVALID_ARG, l->path,
				      "the new size is smaller than the current "
				      "%llu sectors (disks never shrink)",
				      (unsigned long long)l->capacity);
	if (capacity > VMDK_MAX_CAPACITY ||
	    (!(def && def->split) &&
	     last->sectors + capacity - l->capacity > last->ops->max_sectors))
		return vmdk_seterr_at(eb, VMDK_E_TOO_BIG, l->path,
				      "%llu sectors is beyond "
				      "what this type holds",
				      (unsigned long long)capacity);
	return 0;
}

/* To @capacity, or by it when @relative (read under the write lock, so
 * a grow that ran meanwhile is built on, never undone). */
static int grow(const char *path, uint64_t capacity, bool relative,
		vmdk_progress_fn progress, void *arg)
{
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	const struct vmdk_type_def *def;
	char *stem = NULL, hex[16];
	struct vmdk_link *l;
	struct vmdk_extent *last;
	uint64_t room, grow_last, rest;
	struct vmdk_txn t;
	vmdk_disk *d;
	int err, type;

	err = vmdk_open(path, 0, &d);
	if (err < 0)
		return err;
	vmdk_txn_init(&t, eb);
	l = d->links[0];
	last = &l->ext[l->n_ext - 1];
	if (relative && capacity > VMDK_MAX_CAPACITY - l->capacity) {
		err = vmdk_seterr_at(eb, VMDK_E_TOO_BIG, path,
				     "%llu sectors more is beyond "
				     "64 TiB",
				     (unsigned long long)capacity);
		goto out;
	}
	if (relative)
		capacity += l->capacity;
	type = vmdk_type_of(l->desc);
	def = vmdk_type_def(type);
	if (!def)	/* a createType we do not make: one plain extent */
		def = &plain_type;
	/* The size it has already: done, nothing written. */
	if (capacity == l->capacity)
		goto out;
	err = refuse(l, last, type, capacity, eb);
	if (err < 0)
		goto out;
	rest = capacity - l->capacity;
	room = !def->split ? rest
	       : last->sectors < VMDK_SPLIT_SECTORS ? VMDK_SPLIT_SECTORS - last->sectors : 0;
	grow_last = rest < room ? rest : room;
	rest -= grow_last;
	stem = vmdk_path_stem(vmdk_basename(path));
	if (!stem)
		err = -ENOMEM;
	/* 1. New extent files (split types), not yet part of the disk. */
	for (size_t i = l->n_ext + 1; err == 0 && rest > 0; i++) {
		uint64_t n = rest < VMDK_SPLIT_SECTORS ? rest : VMDK_SPLIT_SECTORS;
		char *name = split_name(vmdk_desc_extent(l->desc, l->n_ext - 1)->file,
					stem, def->suffix[0], i);
		char *full = name ? vmdk_path_join(l->dir, name) : NULL;
		struct vmdk_extent_line el = { .access = VMDK_ACCESS_RW,
					       .sectors = n, .file = name,
					       .has_offset = strcmp(def->kind, "FLAT") == 0 };
		strcpy(el.kind, last->kind);
		err = full ? vmdk_create_extent_file(&t, full, type, n) : -ENOMEM;
		if (err == 0)
			err = vmdk_desc_add_extent(l->desc, &el);
		free(name);
		free(full);
		rest -= n;
		if (err == 0 && progress && progress(arg, capacity - rest, capacity))
			err = vmdk_seterr(eb, VMDK_E_CANCELED, "canceled");
	}
	/* 2. The last extent, in place. */
	if (err == 0 && grow_last &&
	    (err = last->ops->grow(last, last->sectors + grow_last, def->thin)) < 0)
		err = vmdk_errcopy(eb, err, last->eb);
	/* 3. The descriptor, which makes the new size real. */
	if (err == 0 && grow_last)
		err = vmdk_desc_set_extent_sectors(l->desc, l->n_ext - 1,
						   last->sectors + grow_last);
	if (err == 0) {
		set_cylinders(l->desc, capacity);
		snprintf(hex, sizeof(hex), "%08x", vmdk_random32() & 0xfffffffd);
		err = vmdk_desc_set(l->desc, "CID", hex);
	}
	if (err == 0)
		err = vmdk_link_store_descriptor(l, eb);
	if (err == 0)
		err = vmdk_txn_commit(&t, NULL, false);
	if (err == 0 && progress)
		progress(arg, capacity, capacity);
out:
	vmdk_txn_end(&t);
	free(stem);
	vmdk_close(d);
	return err;
}

int vmdk_grow(const char *path, uint64_t capacity, vmdk_progress_fn progress,
	      void *arg)
{
	return grow(path, capacity, false, progress, arg);
}

int vmdk_grow_by(const char *path, uint64_t sectors, vmdk_progress_fn progress,
		 void *arg)
{
	return grow(path, sectors, true, progress, arg);
}
