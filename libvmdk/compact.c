/* SPDX-License-Identifier: MIT */
/* compact.c --- vmdk_shrink, vmdk_defragment, vmdk_fragmentation: the
 * disk checked first (a damaged one is never rearranged), then each
 * extent of its top link through its format's compact slot. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core.h"

#define SCRATCH_MIN (64ull << 20)

struct run {
	vmdk_progress_fn fn;
	void *arg;
	uint64_t base;		/* units done in earlier extents */
};

static int on_progress(struct vmdk_compact_ctx *c, uint64_t done, uint64_t total)
{
	struct run *r = c->arg;

	return r->fn ? r->fn(r->arg, r->base + done, r->base + total) : 0;
}

/* Bytes of every file of the link. */
static uint64_t files_size(const struct vmdk_link *l)
{
	uint64_t sum = 0;
	struct stat st;

	if (l->desc_fd >= 0 && fstat(l->desc_fd, &st) == 0)
		sum += (uint64_t)st.st_size;
	for (size_t i = 0; i < l->n_ext; i++)
		if (l->ext[i].fd >= 0 && fstat(l->ext[i].fd, &st) == 0)
			sum += (uint64_t)st.st_size;
	return sum;
}

struct first_error {
	char msg[VMDK_ERRMSG_MAX];
	int code;
};

static int first_error(void *arg, const struct vmdk_problem *p)
{
	struct first_error *f = arg;

	if (p->severity == VMDK_SEV_ERROR && !f->code) {
		snprintf(f->msg, sizeof(f->msg), "%s", p->message);
		f->code = p->code;
	}
	return 0;
}

/* A disk vmdk-check finds errors in is refused, the first one named. */
static int sound(const char *path, struct vmdk_errbuf *eb)
{
	struct first_error f = { .code = 0 };
	const char *first = f.msg;
	struct vmdk_check_report r;
	int err = vmdk_check(path, 0, NULL, first_error, &f, &r);

	if (err < 0)
		return vmdk_errcopy(eb, err, vmdk_open_errbuf());
	if (f.code == VMDK_P_OUTSIDE)	/* no repair makes that right */
		return vmdk_seterr_at(eb, VMDK_E_UNSAFE_PATH, path, "%s", first);
	if (r.errors)
		return vmdk_seterr_at(eb, VMDK_E_NEEDS_REPAIR, path,
				      "%s%s; vmdk-check finds "
				      "%u error%s: repair it first (vmdk-check --repair)",
				      first, r.errors > 1 ? " (and more)" : "", r.errors,
				      r.errors == 1 ? "" : "s");
	return 0;
}

static int refuse_extents(const struct vmdk_link *l, bool writing,
			  struct vmdk_errbuf *eb)
{
	/* Named as the user named it: a thin disk is not preallocated, its
	 * extent holds only the blocks written. */
	if (vmdk_type_of(l->desc) == VMDK_TYPE_VMFS_THIN)
		return vmdk_seterr_at(eb, VMDK_E_NOT_SUPPORTED, l->path,
				      "a vmfsThin disk "
				      "takes only the blocks written and is not shrunk in "
				      "place; 'vmdk-clone -t vmfsThin' makes a copy that "
				      "leaves its zero blocks out");
	for (size_t i = 0; i < l->n_ext; i++) {
		const struct vmdk_extent *x = &l->ext[i];
		int err;
		/* Extents outside the disk's directory never opened. */
		if (!x->path)
			continue;	/* ZERO */
		if ((err = vmdk_format_can_compact(x, l->path)) < 0)
			return vmdk_errcopy(eb, err, x->eb);
		if (writing && !x->writable)
			return vmdk_seterr_at(eb, VMDK_E_READ_ONLY, x->path,
					      "this %s extent "
					      "cannot be written",
					      x->ops->name);
	}
	return 0;
}

static void add(struct vmdk_compact_report *r, const struct vmdk_compact_ctx *c)
{
	r->grains += c->grains;
	r->released += c->released;
	r->zero_kept += c->zero_kept;
	r->moved += c->moved;
	r->disorder_before += c->disorder_before;
	r->holes_before += c->holes_before;
	r->disorder_after += c->disorder_after;
	r->holes_after += c->holes_after;
}

static int compact(const char *path, int mode, vmdk_progress_fn fn, void *arg,
		   struct vmdk_compact_report *report)
{
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	struct vmdk_compact_report mine;
	struct run run = { .fn = fn, .arg = arg };
	bool writing = mode != VMDK_COMPACT_MEASURE;
	struct vmdk_link *l;
	vmdk_disk *d;
	int err, cerr;

	eb->msg[0] = '\0';
	report = report ? report : &mine;
	memset(report, 0, sizeof(*report));
	if (!path || !*path)
		return vmdk_seterr(eb, VMDK_E_INVALID_ARG, "no path given");
	if (writing && (err = sound(path, eb)) < 0)
		return err;
	err = vmdk_open(path, VMDK_OPEN_SINGLE_LINK | (writing ? 0 : VMDK_OPEN_RDONLY), &d);
	if (err < 0)
		return vmdk_errcopy(eb, err, vmdk_open_errbuf());
	l = d->links[0];
	err = refuse_extents(l, writing, eb);
	report->size_before = files_size(l);
	for (size_t i = 0; err == 0 && i < l->n_ext; i++) {
		struct vmdk_extent *x = &l->ext[i];
		uint64_t scratch = x->sectors / 100 * VMDK_SECTOR;
		struct vmdk_compact_ctx c = {
			.x = x, .mode = mode, .child = l->desc->parent_hint != NULL,
			.scratch = (scratch > SCRATCH_MIN ? scratch : SCRATCH_MIN) /
				   VMDK_SECTOR,
			.progress = on_progress, .arg = &run,
		};
		if (!x->path)
			continue;
		err = x->ops->compact(&c);
		if (err < 0)
			err = vmdk_errcopy(eb, err, x->eb);
		add(report, &c);
		run.base += c.grains + c.moved;
	}
	report->size_after = files_size(l);
	/* Closing clears the unclean mark the writable open set. */
	cerr = vmdk_close(d);
	if (err == 0 && cerr < 0)
		err = vmdk_errcopy(eb, cerr, vmdk_open_errbuf());
	return err;
}

int vmdk_shrink(const char *path, vmdk_progress_fn progress, void *arg,
		struct vmdk_compact_report *report)
{
	return compact(path, VMDK_COMPACT_SHRINK, progress, arg, report);
}

int vmdk_defragment(const char *path, vmdk_progress_fn progress, void *arg,
		    struct vmdk_compact_report *report)
{
	return compact(path, VMDK_COMPACT_DEFRAG, progress, arg, report);
}

int vmdk_fragmentation(const char *path, struct vmdk_compact_report *report)
{
	return compact(path, VMDK_COMPACT_MEASURE, NULL, NULL, report);
}
