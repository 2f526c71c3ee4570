/* SPDX-License-Identifier: MIT */
/* check.c --- vmdk-check: the descriptor, every extent through its
 * format's check slot, and the chain; a repair is first tried dry, and
 * changes nothing when some problem has no fix (no correct disk exists) */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"

struct checker {
	const char *path;
	unsigned flags;
	bool repair;		/* this pass writes */
	bool dry;		/* counting only, nothing reported */
	vmdk_check_fn fn;
	void *arg;
	struct vmdk_check_report *r;
	struct vmdk_undo *undo;
	struct vmdk_errbuf *eb;
	unsigned accepted;	/* fixes said yes to in this extent */
};

static int count(struct checker *k, const struct vmdk_problem *p)
{
	int rc;

	if (p->severity == VMDK_SEV_ERROR)
		k->r->errors++;
	else
		k->r->warnings++;
	if (!p->fix && p->severity == VMDK_SEV_ERROR)
		k->r->unfixable++;
	if (k->dry || !k->fn)
		return 0;
	rc = k->fn(k->arg, p);
	if (rc == 1 && k->repair && p->fix)
		k->accepted++;
	return rc;
}

static int on_problem(struct vmdk_check_ctx *c, const struct vmdk_problem *p)
{
	return count(c->arg, p);
}

static int problem(struct checker *k, int code, const char *file,
		   const char *fmt, ...) VMDK_PRINTF(4, 5);

/* A problem of the core's own, which no repair fixes. */
static int problem(struct checker *k, int code, const char *file,
		   const char *fmt, ...)
{
	char msg[VMDK_ERRMSG_MAX];
	struct vmdk_problem p;
	va_list ap;

	va_start(ap, fmt);
	vmdk_problem_format(&p, msg, sizeof(msg), code, file, fmt, ap);
	va_end(ap);
	return count(k, &p);
}

static int save(struct vmdk_check_ctx *c, uint64_t off, size_t len)
{
	struct checker *k = c->arg;

	return vmdk_undo_save(k->undo, c->x->fd, c->x->path, off, len);
}

/* The descriptor of the file open on @fd, or 1 and a problem reported
 * when it is damaged. */
static int load_descriptor(struct checker *k, int fd, bool *embedded,
			   struct vmdk_descriptor **out)
{
	uint8_t first[VMDK_SECTOR] = { 0 };
	size_t got;
	int err = vmdk_pread_upto(fd, first, sizeof(first), 0, &got);

	if (err < 0)
		return vmdk_seterr(k->eb, err, "%s: %s", k->path, vmdk_strerror(err));
	err = vmdk_descriptor_read(fd, k->path, first, got, out, NULL, embedded,
				   k->eb);
	if (err == VMDK_E_NEEDS_REPAIR || err == VMDK_E_BAD_DESCRIPTOR)
		return problem(k, VMDK_P_DESCRIPTOR, k->path, "%s", k->eb->msg) < 0
		       ? -1 : 1;
	return err;
}

/* One extent: found, opened, handed to its format's check. */
static int check_extent(struct checker *k, const struct vmdk_descriptor *desc,
			size_t i, const char *dir, int self_fd, uint64_t start)
{
	const struct vmdk_extent_line *el = vmdk_desc_extent(desc, i);
	struct vmdk_extent x = { .eb = k->eb, .fd = -1, .start = start,
				 .sectors = el->sectors, .offset = el->offset,
				 .kind = vmdk_extent_kind(el->kind),
				 .access = el->access };
	struct vmdk_check_ctx c = { .x = &x, .repair = k->repair,
				    .child = desc->parent_hint != NULL,
				    .report = on_problem, .save = save, .arg = k };
	uint8_t first[VMDK_SECTOR] = { 0 };
	size_t got = 0;
	int err = 0;

	if (!el->file)
		return 0;	/* ZERO: nothing to check */
	x.path = self_fd >= 0 ? strdup(k->path) : el->file[0] == '/'
		 ? strdup(el->file) : vmdk_path_join(dir, el->file);
	if (!x.path)
		return -ENOMEM;
	k->r->extents++;
	if (self_fd >= 0)
		x.fd = self_fd;
	else if ((err = vmdk_link_open_file(x.path, k->repair, k->repair, &x.fd,
					    k->eb, VMDK_E_MISSING_EXTENT)) < 0) {
		if (err == VMDK_E_MISSING_EXTENT)
			err = problem(k, VMDK_P_EXTENT_MISSING, x.path, "%s file is "
				      "missing: its sectors cannot be read", el->kind);
		else if (err != VMDK_E_LOCKED)
			err = problem(k, VMDK_P_EXTENT_UNREADABLE, x.path, "%s",
				      k->eb->msg);
		goto out;
	}
	err = vmdk_file_size(x.fd, &x.file_size);
	if (err == 0)
		err = vmdk_pread_upto(x.fd, first, sizeof(first), 0, &got);
	if (err < 0) {
		err = vmdk_seterr(k->eb, err, "%s: %s", x.path, vmdk_strerror(err));
		goto out;
	}
	x.ops = vmdk_format_pick(el->kind, first, got, x.path, k->eb, &err);
	if (!x.ops) {
		err = problem(k, VMDK_P_EXTENT_UNREADABLE, x.path, "%s", k->eb->msg);
		goto out;
	}
	k->accepted = 0;
	if (x.ops->check) {
		err = x.ops->check(&c, first);
		if (err == 1)
			k->r->fixed += k->accepted;
	} else if ((err = x.ops->open(&x, first)) < 0) {
		/* A format without a check of its own: it must open. */
		err = problem(k, err == VMDK_E_MISSING_EXTENT ? VMDK_P_EXTENT_SHORT
			      : VMDK_P_EXTENT_UNREADABLE, x.path, "%s", k->eb->msg);
	} else {
		err = x.ops->close(&x);
	}
	k->r->tables += c.tables;
	k->r->grains += c.grains;
out:
	if (x.fd >= 0 && x.fd != self_fd)
		close(x.fd);
	free(x.path);
	return err < 0 ? err : 0;
}

static int on_chain_problem(void *arg, const struct vmdk_problem *p)
{
	return count(arg, p);
}

static int one_pass(struct checker *k)
{
	struct vmdk_descriptor *desc = NULL;
	char *dir = vmdk_dirname(k->path);
	bool embedded = false;
	uint64_t start = 0;
	unsigned links = 0;
	int fd = -1, err;

	memset(k->r, 0, sizeof(*k->r));
	if (!dir)
		return -ENOMEM;
	err = vmdk_link_open_file(k->path, k->repair, k->repair, &fd, k->eb, 0);
	if (err == 0)
		err = load_descriptor(k, fd, &embedded, &desc);
	for (size_t i = 0; err == 0 && i < vmdk_desc_extent_count(desc); i++) {
		err = check_extent(k, desc, i, dir, embedded ? fd : -1, start);
		start += vmdk_desc_extent(desc, i)->sectors;
	}
	if (err == 0 && desc && vmdk_desc_extent_count(desc) == 0)
		err = problem(k, VMDK_P_DESCRIPTOR, k->path, "descriptor lists no extent");
	if (err > 0)
		err = 0;	/* a descriptor that does not parse: reported */
	/* The chain opens every link: our own lock is let go first. */
	if (fd >= 0)
		close(fd);
	if (err == 0 && (k->flags & VMDK_CHECK_CHAIN) && desc) {
		err = vmdk_check_chain(k->path, on_chain_problem, k, &links);
		k->r->links = links;
		err = err < 0 ? err : 0;
	}
	vmdk_desc_free(desc);
	free(dir);
	return err;
}

int vmdk_check(const char *path, unsigned flags, const char *undo,
	       vmdk_check_fn fn, void *arg, struct vmdk_check_report *report)
{
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	struct vmdk_check_report dry = { 0 }, mine;
	struct checker k = { .path = path, .flags = flags, .fn = fn, .arg = arg,
			     .r = report ? report : &mine, .eb = eb };
	int err;

	eb->msg[0] = '\0';
	if (!path || !*path)
		return vmdk_seterr(eb, VMDK_E_INVALID_ARG, "no path given");
	if (flags & VMDK_CHECK_CHAIN_ONLY) {
		int n = vmdk_check_chain(path, on_chain_problem, &k, &k.r->links);
		return n < 0 ? n : 0;
	}
	if (flags & VMDK_CHECK_REPAIR) {
		/* Dry first: where no correct disk exists, nothing changes. */
		k.r = &dry;
		k.dry = true;
		err = one_pass(&k);
		k.r = report ? report : &mine;
		k.dry = false;
		if (err < 0)
			return err;
		k.repair = dry.unfixable == 0 && dry.errors + dry.warnings > 0;
	}
	if (k.repair && undo && (err = vmdk_undo_open(undo, eb, &k.undo)) < 0)
		return err;
	err = one_pass(&k);
	vmdk_undo_close(k.undo);
	return err;
}
