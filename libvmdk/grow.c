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

#include "vmdk_int.h"

#define SPLIT_SECTORS 4192256ull

static bool is_split(const char *create_type)
{
	return strcasecmp(create_type, "twoGbMaxExtentSparse") == 0 ||
	       strcasecmp(create_type, "twoGbMaxExtentFlat") == 0 ||
	       strcasecmp(create_type, "2GbMaxExtentSparse") == 0 ||
	       strcasecmp(create_type, "2GbMaxExtentFlat") == 0;
}

/* The file name of split extent @index (1-based), after the pattern of
 * the last one ("disk-s003.vmdk" gives "disk-s004.vmdk"). */
static char *split_name(const char *last, const char *stem, bool sparse,
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
	if (asprintf(&out, "%s-%c%03zu.vmdk", stem, sparse ? 's' : 'f', index) < 0)
		return NULL;
	return out;
}

static int grow_extent_file(struct vmdk_extent *x, uint64_t sectors,
			    bool thin, struct vmdk_errbuf *eb)
{
	off_t want = (off_t)((x->offset + sectors) * 512);
	int rc;

	if (x->ops == &vmdk_sparse_ops)
		return vmdk_sparse_grow(x->fd, x->path, sectors, eb);
	rc = thin ? (ftruncate(x->fd, want) < 0 ? errno : 0)
		  : posix_fallocate(x->fd, 0, want);
	if (rc == 0 && fsync(x->fd) < 0)
		rc = errno;
	return rc ? vmdk_seterr(eb, -rc, "%s: %s", x->path, vmdk_strerror(-rc)) : 0;
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

int vmdk_grow(const char *path, uint64_t capacity, vmdk_progress_fn progress,
	      void *arg)
{
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	char **made = NULL, *stem = NULL, hex[16];
	size_t nmade = 0;
	struct vmdk_link *l;
	struct vmdk_extent *last;
	uint64_t room, grow_last, rest;
	bool split, sparse, thin;
	vmdk_disk *d;
	int err;

	err = vmdk_open(path, 0, &d);
	if (err < 0)
		return err;
	l = d->links[0];
	last = &l->ext[l->n_ext - 1];
	split = is_split(l->desc->create_type);
	sparse = last->ops == &vmdk_sparse_ops;
	thin = vmdk_desc_get(l->desc, "ddb.thinProvisioned") &&
	       strcmp(vmdk_desc_get(l->desc, "ddb.thinProvisioned"), "1") == 0;
	if (l->desc->parent_hint)
		err = vmdk_seterr(eb, VMDK_E_NOT_SUPPORTED,
				  "%s: a child disk (redo log) cannot be grown; "
				  "grow the base disk before taking children", path);
	else if (last->ops == &vmdk_stream_ops)
		err = vmdk_seterr(eb, VMDK_E_NOT_SUPPORTED,
				  "%s: streamOptimized disks cannot be grown; "
				  "convert with vmdk-clone, grow, convert back", path);
	else if (!sparse && last->ops != &vmdk_flat_ops)
		err = vmdk_seterr(eb, VMDK_E_NOT_SUPPORTED,
				  "%s: a %s extent cannot be grown", path, last->kind);
	else if (capacity <= l->capacity)
		err = vmdk_seterr(eb, VMDK_E_INVALID_ARG,
				  "%s: the new size must be larger than the current "
				  "%llu sectors (disks never shrink)", path,
				  (unsigned long long)l->capacity);
	else if (capacity > VMDK_MAX_CAPACITY ||
		 (!split && sparse && capacity > (1ull << 32) - 65536))
		err = vmdk_seterr(eb, VMDK_E_TOO_BIG, "%s: %llu sectors is beyond "
				  "what this type holds", path,
				  (unsigned long long)capacity);
	if (err < 0)
		goto out;
	rest = capacity - l->capacity;
	room = split && last->sectors < SPLIT_SECTORS ? SPLIT_SECTORS - last->sectors
						      : split ? 0 : rest;
	grow_last = rest < room ? rest : room;
	rest -= grow_last;
	stem = strndup(path, strlen(path) > 5 && !strcasecmp(path + strlen(path) - 5, ".vmdk")
				     ? strlen(path) - 5 : strlen(path));
	/* 1. New extent files (split types), not yet part of the disk. */
	for (size_t i = l->n_ext + 1; err == 0 && rest > 0; i++) {
		uint64_t n = rest < SPLIT_SECTORS ? rest : SPLIT_SECTORS;
		char *name = split_name(vmdk_desc_extent(l->desc, l->n_ext - 1)->file,
					strrchr(stem, '/') ? strrchr(stem, '/') + 1 : stem,
					sparse, i);
		char *full = name ? vmdk_path_join(l->dir, name) : NULL;
		char **grown = realloc(made, (nmade + 1) * sizeof(*made));
		struct vmdk_extent_line el = { .access = VMDK_ACCESS_RW,
					       .sectors = n, .file = name,
					       .has_offset = !sparse };
		strcpy(el.kind, last->kind);
		if (!name || !full || !grown) {
			free(name);
			free(full);
			err = -ENOMEM;
			break;
		}
		made = grown;
		err = vmdk_create_extent_file(full, sparse ? VMDK_TYPE_SPLIT_SPARSE
							   : VMDK_TYPE_SPLIT_FLAT,
					      n, 0, eb);
		if (err == 0)
			made[nmade++] = full;
		else
			free(full);
		if (err == 0)
			err = vmdk_desc_add_extent(l->desc, &el);
		free(name);
		rest -= n;
		if (err == 0 && progress && progress(arg, capacity - rest, capacity))
			err = vmdk_seterr(eb, VMDK_E_CANCELED, "canceled");
	}
	/* 2. The last extent, in place. */
	if (err == 0 && grow_last)
		err = grow_extent_file(last, last->sectors + grow_last, thin, eb);
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
	if (err == 0 && progress)
		progress(arg, capacity, capacity);
out:
	for (size_t i = 0; i < nmade; i++) {
		if (err < 0)
			unlink(made[i]);
		free(made[i]);
	}
	free(made);
	free(stem);
	vmdk_close(d);
	return err;
}
