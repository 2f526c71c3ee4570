/* SPDX-License-Identifier: MIT */
/* check.c --- vmdk-check: the descriptor, every extent through its
 * format's check slot, and the chain; a repair is first tried dry, and
 * changes nothing when some problem has no fix (no correct disk exists) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "image.h"

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
	bool desc_unwritten;	/* the descriptor checked is a rebuilt one
				   not (yet) on disk: the chain would see the
				   damaged one */
	size_t line_fix;	/* the extent line whose size a format's */
	uint64_t line_sectors;	/* evidence corrects (0: none) */
	struct vmdk_vmware_lock *vmware_locks;	/* ours, during a repair */
};

/* A file the check reads.  When a repair is asked for, it is opened for
 * writing under the write lock (ours, and VMware's) from the dry pass on:
 * nobody changes the disk between the pass that decides and the one that
 * fixes.  A plain check of a disk another program is writing says so. */
static int check_open(struct checker *k, const char *path, int *fd,
		      int missing_code)
{
	bool repairing = k->flags & VMDK_CHECK_REPAIR;
	int err;

	if (repairing &&
	    (err = vmdk_vmware_lock_take(path, &k->vmware_locks, k->eb)) < 0)
		return err;
	err = vmdk_link_open_file(path, repairing, repairing, fd, k->eb, missing_code);
	if (err == 0 && !repairing && vmdk_fd_written_elsewhere(*fd)) {
		close(*fd);
		*fd = -1;
		return vmdk_seterr_at(k->eb, VMDK_E_LOCKED, path,
				      "another program has it "
				      "open for writing: what is read now may be half "
				      "written; check it once that program ends");
	}
	return err;
}

static int count(struct checker *k, const struct vmdk_problem *p)
{
	int rc;

	if (p->severity == VMDK_SEV_ERROR)
		k->r->errors++;
	else
		k->r->warnings++;
	if (!p->fix && p->severity == VMDK_SEV_ERROR)
		k->r->unfixable++;
	if (p->fix && p->discards) {
		k->r->discarding++;
		k->r->discarded += p->discards;
	}
	if (k->dry || !k->fn)
		return 0;
	rc = k->fn(k->arg, p);
	if (rc == 1 && k->repair && p->fix)
		k->accepted++;
	else if (rc == 0 && k->repair && p->fix)
		k->r->declined++;
	return rc;
}

static int on_problem(struct vmdk_check_ctx *c, const struct vmdk_problem *p)
{
	return count(c->arg, p);
}

static int problem(struct checker *k, int code, const char *file,
		   const char *fix, const char *fmt, ...) VMDK_PRINTF(5, 6);

/* A problem of the core's own; with a NULL @fix no repair fixes it. */
static int problem(struct checker *k, int code, const char *file,
		   const char *fix, const char *fmt, ...)
{
	char msg[VMDK_ERRMSG_MAX];
	struct vmdk_problem p;
	va_list ap;

	va_start(ap, fmt);
	vmdk_problem_format(&p, msg, sizeof(msg), code, file, fmt, ap);
	va_end(ap);
	p.fix = fix;
	return count(k, &p);
}

static int save(struct vmdk_check_ctx *c, uint64_t off, size_t len)
{
	struct checker *k = c->arg;

	return vmdk_undo_save(k->undo, c->x->fd, c->x->path, off, len);
}

/* The format's rewrite of the whole extent file: the old one saved
 * whole for --undo, the new one written beside it, synced, renamed over
 * it (a kill leaves one or the other). */
static int replace(struct vmdk_check_ctx *c, int (*fill)(void *arg, int fd),
		   void *arg)
{
	struct checker *k = c->arg;
	struct vmdk_txn t;
	int err = vmdk_undo_save_file(k->undo, c->x->fd, c->x->path);

	if (err < 0)
		return err;
	vmdk_txn_init(&t, k->eb);
	err = vmdk_txn_put_file(&t, c->x->path, NULL, 0, &(struct vmdk_put_opts){
		.replace = true, .mode_of = c->x->fd, .fill = fill, .fill_arg = arg });
	vmdk_txn_end(&t);
	return err;
}

/* A monolithic file's descriptor that does not read (@why): rebuilt
 * from the header and what lines survive, written over its area when
 * the fix is taken; 1 when the check cannot go on. */
static int rebuild_descriptor(struct checker *k, int fd, const struct vmdk_embedded *e,
			      const char *old, const char *why,
			      struct vmdk_descriptor **out)
{
	char *text = NULL, *area = NULL, damage[VMDK_ERRMSG_MAX];
	const char *no;
	int rc;

	/* Rebuilding parses lines on their own: their failures would take
	 * the place of the message. */
	snprintf(damage, sizeof(damage), "%s", why);
	why = damage;
	rc = vmdk_descriptor_rebuild(old, (size_t)e->len, e, vmdk_basename(k->path),
				     k->flags & VMDK_CHECK_ASSUME_NO_PARENT, &text, &no);

	if (rc == 1)
		return problem(k, VMDK_P_DESCRIPTOR, k->path, NULL, "%s; it cannot "
			       "be rebuilt: %s%s", why, no, strstr(no, "parent")
			       ? " (vmdk-check --assume-no-parent rebuilds it as a disk "
				 "without one, if you know it has none)" : "") < 0 ? -1 : 1;
	if (rc < 0)
		return rc;
	rc = problem(k, VMDK_P_DESCRIPTOR, k->path, "rebuild it from the header, "
		     "keeping the lines that read whole", "%s", why);
	if (rc >= 0 && k->repair && rc != 1)
		rc = 2;		/* declined: the extent is left alone too */
	if (rc >= 0 && rc != 2 && k->repair) {
		area = calloc(1, (size_t)e->len);
		rc = area ? vmdk_undo_save(k->undo, fd, k->path, e->off, (size_t)e->len)
			  : -ENOMEM;
		if (rc == 0) {
			memcpy(area, text, strlen(text));
			rc = vmdk_pwrite_all(fd, area, (size_t)e->len, e->off);
			if (rc == 0 && fdatasync(fd) < 0)
				rc = -errno;
			if (rc < 0)
				rc = vmdk_seterr_at(k->eb, rc, k->path,
						    "writing its descriptor: %s",
						    vmdk_strerror(rc));
			else
				k->r->fixed++;
		}
	}
	if (rc >= 0 && rc != 2)
		rc = vmdk_desc_parse(text, strlen(text), out, k->eb);
	k->desc_unwritten = !k->repair;
	free(area);
	free(text);
	return rc == 2 ? 1 : rc;
}

/* What a monolithic file's descriptor must say: one SPARSE extent. */
static const char *misshapen(const struct vmdk_descriptor *d)
{
	if (vmdk_desc_extent_count(d) != 1)
		return "its descriptor does not list the one extent a monolithic "
		       "file is";
	if (strcmp(vmdk_desc_extent(d, 0)->kind, "SPARSE"))
		return "its descriptor names another extent type than SPARSE";
	return NULL;
}

/* The descriptor of the file open on @fd, or 1 and a problem reported
 * when it is damaged beyond use. */
static int load_descriptor(struct checker *k, int fd, bool *embedded,
			   struct vmdk_descriptor **out)
{
	uint8_t first[VMDK_SECTOR] = { 0 };
	struct vmdk_embedded e;
	const char *bad = NULL;
	char *text = NULL;
	size_t got;
	int err = vmdk_pread_upto(fd, first, sizeof(first), 0, &got);

	if (err < 0)
		return vmdk_seterr_at(k->eb, err, k->path, "%s", vmdk_strerror(err));
	err = vmdk_descriptor_text(fd, k->path, first, got, &text, &e, k->eb);
	if (err == VMDK_E_NEEDS_REPAIR)
		return problem(k, VMDK_P_DESCRIPTOR, k->path, NULL, "%s", k->eb->msg) < 0
		       ? -1 : 1;
	if (err < 0)
		return err;
	*embedded = err == 1;
	err = vmdk_desc_parse(text, strlen(text), out, k->eb);
	if (err == 0 && *embedded && (bad = misshapen(*out))) {
		vmdk_desc_free(*out);
		*out = NULL;
		err = VMDK_E_BAD_DESCRIPTOR;
	}
	/* A text file that does not parse may be no VMDK at all; a damaged
	 * monolithic file's header still says what it is. */
	if (err == VMDK_E_BAD_DESCRIPTOR || (*embedded && err < 0 && err != -ENOMEM)) {
		if (*embedded)
			err = rebuild_descriptor(k, fd, &e, text, bad ? bad : k->eb->msg,
						 out);
		else
			err = problem(k, VMDK_P_DESCRIPTOR, k->path, NULL, "%s",
				      k->eb->msg) < 0 ? -1 : 1;
	} else if (err < 0) {
		err = vmdk_seterr_at(k->eb, err, k->path, "%s", k->eb->msg);
	}
	free(text);
	return err;
}

/* A file the descriptor may not name: never opened, so never checked
 * nor repaired. */
static int outside(struct checker *k, const char *name)
{
	int err = problem(k, VMDK_P_OUTSIDE, k->path, NULL, "names \"%s\" "
			  "outside the disk's directory (or not a regular file): "
			  "not checked, nothing repaired", name);

	return err < 0 ? err : 0;
}

/* A flat extent shorter than its line: what is missing is gone, and the
 * repair extends the file with zeros so that the disk reads again (a
 * data-discarding fix: the missing sectors read as zeros). */
static int short_extent(struct checker *k, struct vmdk_extent *x,
			const struct vmdk_extent_line *el)
{
	uint64_t need = (el->offset + el->sectors) * VMDK_SECTOR;
	char msg[VMDK_ERRMSG_MAX];
	struct vmdk_problem p;
	int rc;

	if (x->file_size >= need || need > VMDK_MAX_CAPACITY * VMDK_SECTOR)
		return problem(k, VMDK_P_EXTENT_SHORT, x->path, NULL, "%s", k->eb->msg);
	snprintf(msg, sizeof(msg), "truncated: its extent needs %llu bytes, the "
		 "file has %llu (%llu sectors missing)", (unsigned long long)need,
		 (unsigned long long)x->file_size,
		 (unsigned long long)((need - x->file_size + VMDK_SECTOR - 1) / VMDK_SECTOR));
	p = (struct vmdk_problem){ .code = VMDK_P_EXTENT_SHORT,
				   .severity = VMDK_SEV_ERROR, .message = msg,
				   .file = x->path, .offset = x->file_size,
				   .gd_index = -1, .gt_index = -1,
				   .lba = x->start + x->file_size / VMDK_SECTOR - el->offset,
				   .lba_count = (need - x->file_size) / VMDK_SECTOR,
				   .fix = "extend the file with zeros to its extent's size",
				   .discards = (need - x->file_size + VMDK_SECTOR - 1) / VMDK_SECTOR };
	if (x->file_size / VMDK_SECTOR < el->offset)
		p.lba = x->start;
	rc = count(k, &p);
	if (rc != 1 || !k->repair)
		return rc < 0 ? rc : 0;
	rc = vmdk_undo_save(k->undo, x->fd, x->path, x->file_size, 0);
	if (rc == 0 && (ftruncate(x->fd, (off_t)need) < 0 || fsync(x->fd) < 0))
		rc = vmdk_seterr_at(k->eb, -errno, x->path, "extending it: %s",
				    vmdk_strerror(-errno));
	if (rc == 0)
		k->r->fixed++;
	return rc;
}

/* One extent: found, opened, handed to its format's check. */
static int check_extent(struct checker *k, const struct vmdk_descriptor *desc,
			size_t i, const char *dir, int self_fd, uint64_t start)
{
	const struct vmdk_extent_line *el = vmdk_desc_extent(desc, i);
	struct vmdk_extent x = { .eb = k->eb, .fd = -1, .start = start,
				 .sectors = el->sectors, .offset = el->offset,
				 .geometry_floor = vmdk_desc_extent_count(desc) == 1
						   ? vmdk_desc_geometry_floor(desc) : 0,
				 .kind = vmdk_extent_kind(el->kind),
				 .access = el->access };
	struct vmdk_check_ctx c = { .x = &x, .repair = k->repair,
				    .child = desc->parent_hint != NULL,
				    .report = on_problem, .save = save,
				    .replace = replace, .arg = k };
	uint8_t first[VMDK_SECTOR] = { 0 };
	size_t got = 0;
	int err = 0;

	if (!el->file)
		return 0;	/* ZERO: nothing to check */
	if (self_fd >= 0)
		x.path = strdup(k->path);
	else if (vmdk_named_path(dir, el->file, k->path, "extent", false, &x.path,
				 k->eb) == VMDK_E_UNSAFE_PATH)
		return outside(k, el->file);
	if (!x.path)
		return -ENOMEM;
	k->r->extents++;
	if (self_fd >= 0)
		x.fd = self_fd;
	else if ((err = check_open(k, x.path, &x.fd, VMDK_E_MISSING_EXTENT)) < 0 ||
		 (err = vmdk_named_kind(x.fd, x.path, false, k->eb)) < 0 ||
		 (err = vmdk_named_where(dir, x.fd, x.path, k->path, "extent",
					 el->file, k->eb)) < 0) {
		if (err == VMDK_E_UNSAFE_PATH)
			err = outside(k, el->file);
		else if (err == VMDK_E_MISSING_EXTENT)
			err = problem(k, VMDK_P_EXTENT_MISSING, x.path, NULL, "%s file is "
				      "missing: its sectors cannot be read", el->kind);
		else if (err != VMDK_E_LOCKED)
			err = problem(k, VMDK_P_EXTENT_UNREADABLE, x.path, NULL, "%s",
				      k->eb->msg);
		goto out;
	}
	err = vmdk_file_size(x.fd, &x.file_size);
	if (err == 0)
		err = vmdk_pread_upto(x.fd, first, sizeof(first), 0, &got);
	if (err < 0) {
		err = vmdk_seterr_at(k->eb, err, x.path, "%s", vmdk_strerror(err));
		goto out;
	}
	x.ops = vmdk_format_pick(el->kind, first, got, x.path, k->eb, &err);
	if (!x.ops) {
		err = problem(k, VMDK_P_EXTENT_UNREADABLE, x.path, NULL, "%s", k->eb->msg);
		goto out;
	}
	k->accepted = 0;
	if (x.ops->check) {
		err = x.ops->check(&c, first);
		if (err == 1)
			k->r->fixed += k->accepted;
		if (c.extent_sectors && k->repair) {
			k->line_fix = i;
			k->line_sectors = c.extent_sectors;
		}
	} else if ((err = x.ops->open(&x, first)) < 0) {
		/* A format without a check of its own: it must open. */
		if (err == VMDK_E_MISSING_EXTENT)
			err = short_extent(k, &x, el);
		else
			err = problem(k, VMDK_P_EXTENT_UNREADABLE, x.path, NULL, "%s",
				      k->eb->msg);
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

/* The extent line a format's evidence found wrong, written with the
 * size its header gives: over the embedded area (saved for undo first),
 * or as a new descriptor file renamed over the old. */
static int rewrite_extent_line(struct checker *k, int fd, bool embedded,
			       struct vmdk_descriptor *desc)
{
	uint8_t first[VMDK_SECTOR] = { 0 };
	struct vmdk_embedded e;
	char *text = NULL, *old = NULL, *area = NULL;
	size_t len = 0, got = 0;
	int err = vmdk_desc_set_extent_sectors(desc, k->line_fix, k->line_sectors);

	if (err == 0 && !(text = vmdk_desc_serialize(desc, &len)))
		err = -ENOMEM;
	if (err == 0 && !embedded) {
		struct vmdk_txn t;
		vmdk_txn_init(&t, k->eb);
		err = vmdk_undo_save_file(k->undo, fd, k->path);
		if (err == 0)
			err = vmdk_txn_put_file(&t, k->path, text, len, &(struct vmdk_put_opts){
				.replace = true, .mode_of = fd });
		vmdk_txn_end(&t);
	} else if (err == 0) {
		err = vmdk_pread_upto(fd, first, sizeof(first), 0, &got);
		if (err == 0 && vmdk_descriptor_text(fd, k->path, first, got, &old, &e,
						     k->eb) != 1)
			err = vmdk_seterr_at(k->eb, VMDK_E_NEEDS_REPAIR, k->path,
					     "its descriptor "
					     "area cannot be read again");
		if (err == 0 && len >= e.len)
			err = vmdk_seterr_at(k->eb, VMDK_E_NO_SPACE, k->path,
					     "the corrected "
					     "descriptor does not fit its area");
		if (err == 0 && !(area = calloc(1, (size_t)e.len)))
			err = -ENOMEM;
		if (err == 0)
			err = vmdk_undo_save(k->undo, fd, k->path, e.off, (size_t)e.len);
		if (err == 0) {
			memcpy(area, text, len);
			err = vmdk_pwrite_all(fd, area, (size_t)e.len, e.off);
			if (err == 0 && fdatasync(fd) < 0)
				err = -errno;
			if (err < 0)
				err = vmdk_seterr_at(k->eb, err, k->path,
						     "writing its descriptor: "
						     "%s",
						     vmdk_strerror(err));
		}
	}
	free(text);
	free(old);
	free(area);
	return err;
}

static int on_chain_problem(void *arg, const struct vmdk_problem *p)
{
	return count(arg, p);
}

/* Another format's image (read only here): its own check slot judges
 * its tables, then its chain must open.  Nothing is ever fixed. */
static int check_image(struct checker *k, int fd,
		       const struct vmdk_image_format *img, const uint8_t *first)
{
	struct vmdk_extent x = { .ops = img->reader, .fd = fd, .path = (char *)k->path,
				 .kind = img->name, .eb = k->eb,
				 .access = VMDK_ACCESS_RDONLY };
	struct vmdk_check_ctx c = { .x = &x, .report = on_problem, .arg = k };
	vmdk_disk *d;
	int err = vmdk_file_size(fd, &x.file_size);

	if (err == 0)
		err = img->reader->check(&c, first);
	close(fd);
	if (err < 0)
		return err;
	k->r->extents = 1;
	k->r->tables = c.tables;
	k->r->grains = c.grains;
	if (!(k->flags & VMDK_CHECK_CHAIN) || k->r->errors)
		return 0;
	err = vmdk_open(k->path, VMDK_OPEN_RDONLY, &d);
	if (err == -ENOMEM)
		return err;
	if (err < 0)
		return problem(k, VMDK_P_CHAIN_PARENT, k->path, NULL, "%s",
			       vmdk_errmsg(NULL)) < 0 ? -1 : 0;
	k->r->links = d->nlinks;
	vmdk_close(d);
	return 0;
}

/* The image format the file open on @fd is read as, when not VMDK. */
static const struct vmdk_image_format *image_of(int fd, uint8_t *first)
{
	const struct vmdk_image_format *img;
	size_t got = 0;

	memset(first, 0, VMDK_SECTOR);
	if (vmdk_pread_upto(fd, first, VMDK_SECTOR, 0, &got) < 0)
		return NULL;
	img = vmdk_image_pick(first, got);
	return img && img->reader && img->reader->check ? img : NULL;
}

static int one_pass(struct checker *k)
{
	const struct vmdk_image_format *img;
	uint8_t first[VMDK_SECTOR];
	struct vmdk_descriptor *desc = NULL;
	char *dir = vmdk_dirname(k->path);
	bool embedded = false;
	uint64_t start = 0;
	unsigned links = 0;
	int fd = -1, err;

	memset(k->r, 0, sizeof(*k->r));
	k->desc_unwritten = false;
	k->line_sectors = 0;
	if (!dir)
		return -ENOMEM;
	err = check_open(k, k->path, &fd, 0);
	if (err == 0 && (img = image_of(fd, first))) {
		free(dir);
		return check_image(k, fd, img, first);
	}
	if (err == 0)
		err = load_descriptor(k, fd, &embedded, &desc);
	if (err == 0 && desc) {
		const char *ctk = vmdk_desc_get(desc, "changeTrackPath");
		if (ctk && *ctk && !vmdk_named_deletable(dir, ctk))
			err = outside(k, ctk);
	}
	for (size_t i = 0; err == 0 && i < vmdk_desc_extent_count(desc); i++) {
		err = check_extent(k, desc, i, dir, embedded ? fd : -1, start);
		start += vmdk_desc_extent(desc, i)->sectors;
	}
	if (err == 0 && desc && vmdk_desc_extent_count(desc) == 0)
		err = problem(k, VMDK_P_DESCRIPTOR, k->path, NULL,
			      "descriptor lists no extent");
	if (err == 0 && k->line_sectors)
		err = rewrite_extent_line(k, fd, embedded, desc);
	if (err > 0)
		err = 0;	/* a descriptor that does not parse: reported */
	/* The chain opens every link: our own lock is let go first. */
	if (fd >= 0)
		close(fd);
	if (err == 0 && (k->flags & VMDK_CHECK_CHAIN) && desc && !k->desc_unwritten) {
		err = vmdk_check_chain(k->path, on_chain_problem, k, &links);
		k->r->links = links;
		err = err < 0 ? err : 0;
	}
	vmdk_desc_free(desc);
	free(dir);
	return err;
}

static void add_report(struct vmdk_check_report *to,
		       const struct vmdk_check_report *more)
{
	to->errors += more->errors;
	to->warnings += more->warnings;
	to->fixed += more->fixed;
	to->unfixable += more->unfixable;
	to->declined += more->declined;
	to->discarding += more->discarding;
	to->discarded += more->discarded;
}

/* A repair that leaves errors behind goes round again, as e2fsck
 * restarts: with several faults, one can only be seen once another is
 * fixed (a field of a header whose directory lay outside the file).  The
 * report adds the rounds up. */
#define REPAIR_ROUNDS 3

static int repair_again(struct checker *k)
{
	struct vmdk_check_report *total = k->r, dry, more;
	int err = 0;

	for (int round = 1; err == 0 && round < REPAIR_ROUNDS; round++) {
		if (!total->fixed || total->declined)
			break;
		k->r = &dry;
		k->dry = true;
		k->repair = false;
		err = one_pass(k);
		k->dry = false;
		if (err < 0 || !dry.errors || dry.unfixable)
			break;
		k->r = &more;
		k->repair = true;
		err = one_pass(k);
		more.links = more.links ? more.links : total->links;
		add_report(total, &more);
		total->extents = more.extents;
		total->tables = more.tables;
		total->grains = more.grains;
	}
	k->r = total;
	k->repair = true;
	return err < 0 ? err : 0;
}

/* The undo file a repair keeps by default: DISK.undo, or DISK.undo.N
 * when that exists (an earlier repair's, never overwritten). */
static int undo_beside(const char *path, char *out, size_t size,
		       struct vmdk_errbuf *eb)
{
	for (int n = 1; n < 100; n++) {
		if (n == 1)
			snprintf(out, size, "%s.undo", path);
		else
			snprintf(out, size, "%s.undo.%d", path, n);
		if (access(out, F_OK) < 0 && errno == ENOENT)
			return 0;
	}
	out[0] = '\0';
	return vmdk_seterr(eb, VMDK_E_EXISTS, "%s.undo: 99 undo files exist "
			   "beside the disk; give --undo FILE or --no-undo", path);
}

int vmdk_check(const char *path, unsigned flags, const char *undo,
	       vmdk_check_fn fn, void *arg, struct vmdk_check_report *report)
{
	char beside[1024] = "";
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	struct vmdk_check_report dry = { 0 }, mine;
	struct vmdk_held held = { 0 };
	struct checker k = { .path = path, .flags = flags, .fn = fn, .arg = arg,
			     .r = report ? report : &mine, .eb = eb };
	int err;

	eb->msg[0] = '\0';
	if (!path || !*path)
		return vmdk_seterr(eb, VMDK_E_INVALID_ARG, "no path given");
	if (flags & VMDK_CHECK_CHAIN_ONLY) {
		memset(k.r, 0, sizeof(*k.r));
		int n = vmdk_check_chain(path, on_chain_problem, &k, &k.r->links);
		return n < 0 ? n : 0;
	}
	if (flags & VMDK_CHECK_REPAIR) {
		/* What a killed salvage left beside the disk goes first
		 * (only files whose writer has gone). */
		vmdk_txn_sweep(path);
		/* Held from the dry pass to the last write. */
		vmdk_hold_files(&held);
		/* Dry first: where no correct disk exists, nothing changes. */
		k.r = &dry;
		k.dry = true;
		err = one_pass(&k);
		k.r = report ? report : &mine;
		k.dry = false;
		if (err < 0)
			goto out;
		k.repair = dry.unfixable == 0 && dry.errors + dry.warnings > 0;
	}
	if (k.repair && !undo && (flags & VMDK_CHECK_UNDO_BESIDE) && dry.discarding &&
	    (err = undo_beside(path, beside, sizeof(beside), eb)) < 0)
		goto out;
	if (k.repair && !undo && beside[0])
		undo = beside;
	if (k.repair && undo && (err = vmdk_undo_open(undo, eb, &k.undo)) < 0)
		goto out;
	err = one_pass(&k);
	if (err == 0 && k.repair)
		err = repair_again(&k);
	vmdk_undo_close(k.undo);
	if (beside[0])
		snprintf(k.r->undo_file, sizeof(k.r->undo_file), "%s", beside);
out:
	vmdk_held_release(&held);
	vmdk_vmware_lock_release(k.vmware_locks);
	return err;
}

/* @from into the new file @to, holes kept as holes. */
static int copy_file(const char *from, const char *to, struct vmdk_errbuf *eb)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, err = 0;
	uint8_t *buf = malloc(1 << 20);
	uint64_t size = 0;
	off_t at = 0;

	/* An absent extent stays absent: the check says so. */
	if (in < 0 && errno == ENOENT) {
		free(buf);
		return 0;
	}
	if (in < 0 || !buf)
		err = in < 0 ? -errno : -ENOMEM;
	if (err == 0 && (out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				    0644)) < 0)
		err = -errno;
	if (err == 0)
		err = vmdk_file_size(in, &size);
	while (err == 0 && (uint64_t)at < size) {
		off_t data = lseek(in, at, SEEK_DATA), hole;
		if (data < 0)
			break;	/* the rest is a hole */
		hole = lseek(in, data, SEEK_HOLE);
		for (at = data; err == 0 && at < hole;) {
			size_t n = hole - at < (1 << 20) ? (size_t)(hole - at) : 1u << 20;
			err = vmdk_pread_all(in, buf, n, (uint64_t)at);
			if (err == 0)
				err = vmdk_pwrite_all(out, buf, n, (uint64_t)at);
			at += (off_t)n;
		}
	}
	if (err == 0 && (ftruncate(out, (off_t)size) < 0 || fsync(out) < 0))
		err = -errno;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	free(buf);
	return err < 0 ? vmdk_seterr_at(eb, err, from, "copying to %s: %s", to,
					vmdk_strerror(err))
		       : 0;
}

/* The disk at @path copied to @dst (a staged name): every file it names
 * beside it, extents named after @dst, the descriptor saying so. */
static int copy_disk(const char *path, const char *dst, struct vmdk_errbuf *eb)
{
	struct vmdk_descriptor *d = NULL;
	char *dir = vmdk_dirname(path), *ddir = vmdk_dirname(dst), *text = NULL;
	char *os = vmdk_path_stem(vmdk_basename(path));
	char *ns = vmdk_path_stem(vmdk_basename(dst));
	uint8_t first[VMDK_SECTOR] = { 0 };
	struct vmdk_embedded e;
	bool embedded = false;
	size_t got = 0, len;
	int fd = -1, err = dir && ddir && os && ns ? 0 : -ENOMEM;

	if (err == 0)
		err = vmdk_link_open_file(path, false, false, &fd, eb, 0);
	if (err == 0)
		err = vmdk_pread_upto(fd, first, sizeof(first), 0, &got);
	if (err == 0 && (err = vmdk_descriptor_text(fd, path, first, got, &text,
						    &e, eb)) >= 0) {
		embedded = err == 1;
		/* A monolithic file is its own extent, whatever its
		 * descriptor says; a damaged descriptor file cannot say
		 * which files to take. */
		err = embedded ? 0 : vmdk_desc_parse(text, strlen(text), &d, eb);
		if (err < 0)
			err = vmdk_seterr_at(eb, err, path, "%s", eb->msg);
		free(text);
		text = NULL;
	}
	if (fd >= 0)
		close(fd);
	if (err == 0 && embedded)
		err = copy_file(path, dst, eb);
	for (size_t i = 0; err == 0 && !embedded && i < vmdk_desc_extent_count(d); i++) {
		const struct vmdk_extent_line *el = vmdk_desc_extent(d, i);
		char *from, *name, *to;
		if (!el->file)
			continue;
		if (el->file[0] == '/' || strchr(el->file, '/')) {
			err = vmdk_seterr_at(eb, VMDK_E_NOT_SUPPORTED, path,
					     "extent %s is not "
					     "beside its descriptor: repair it in place",
					     el->file);
			break;
		}
		name = vmdk_path_restem(el->file, os, ns);
		from = vmdk_path_join(dir, el->file);
		to = name ? vmdk_path_join(ddir, name) : NULL;
		err = from && to ? copy_file(from, to, eb) : -ENOMEM;
		if (err == 0)
			err = vmdk_desc_set_extent_file(d, i, name);
		free(name);
		free(from);
		free(to);
	}
	if (err == 0 && !embedded) {
		struct vmdk_txn t;
		vmdk_txn_init(&t, eb);
		err = (text = vmdk_desc_serialize(d, &len)) ? vmdk_txn_put_file(&t, dst,
			text, len, &(struct vmdk_put_opts){ .mode_of = -1 }) : -ENOMEM;
		vmdk_txn_end(&t);
	}
	vmdk_desc_free(d);
	free(text);
	free(dir);
	free(ddir);
	free(os);
	free(ns);
	return err;
}

/* A monolithic copy's embedded descriptor names the file it is (other
 * readers open the extent by that name), as vmdk_rename() does. */
static int name_itself(const char *path, struct vmdk_errbuf *eb)
{
	struct vmdk_link *l;
	vmdk_disk *d;
	int err = vmdk_open(path, VMDK_OPEN_SINGLE_LINK, &d);

	if (err < 0)
		return vmdk_errcopy(eb, err, vmdk_open_errbuf());
	l = d->links[0];
	if (l->desc_host)
		err = vmdk_desc_set_extent_file(l->desc, 0, vmdk_basename(path));
	if (err == 0 && l->desc_host)
		err = vmdk_link_store_descriptor(l, eb);
	if (vmdk_close(d) < 0 && err == 0)
		err = vmdk_seterr_at(eb, -EIO, path, "closing the repaired copy");
	return err;
}

/* Problems of the staged copy name the files where they will be. */
struct restaged {
	vmdk_check_fn fn;
	void *arg;
	const struct vmdk_txn *t;
};

static int restage(void *arg, const struct vmdk_problem *p)
{
	const struct restaged *r = arg;
	struct vmdk_problem q = *p;
	size_t n = strlen(r->t->stage_dir);
	char file[4096];

	if (strncmp(p->file, r->t->stage_dir, n) == 0 && p->file[n] == '/') {
		snprintf(file, sizeof(file), "%s/%s", r->t->dst_dir, p->file + n + 1);
		q.file = strcmp(r->t->dst_dir, ".") ? file : p->file + n + 1;
	}
	return r->fn ? r->fn(r->arg, &q) : 0;
}

int vmdk_check_to(const char *path, const char *out, unsigned flags,
		  vmdk_check_fn fn, void *arg, struct vmdk_check_report *report)
{
	struct restaged r = { .fn = fn, .arg = arg };
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	struct vmdk_check_report mine;
	struct vmdk_txn t;
	int err;

	eb->msg[0] = '\0';
	if (!path || !out || !*out)
		return vmdk_seterr(eb, VMDK_E_INVALID_ARG, "no path given");
	if (access(out, F_OK) == 0)
		return vmdk_seterr_at(eb, VMDK_E_EXISTS, out,
				      "already exists; not "
				      "overwritten");
	report = report ? report : &mine;
	vmdk_txn_init(&t, eb);
	r.t = &t;
	err = vmdk_txn_stage(&t, out);
	if (err == 0)
		err = copy_disk(path, t.stage_path, eb);
	if (err == 0)
		err = vmdk_check(t.stage_path, flags | VMDK_CHECK_REPAIR, NULL, restage,
				 &r, report);
	/* Only a repair that ran gives a disk worth having: a refused one
	 * (the report says why) leaves no @out. */
	if (err == 0 && !report->unfixable)
		err = name_itself(t.stage_path, eb);
	if (err == 0 && !report->unfixable)
		err = vmdk_txn_commit(&t, out, false);
	vmdk_txn_end(&t);
	return err;
}
