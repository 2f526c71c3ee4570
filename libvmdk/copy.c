/* SPDX-License-Identifier: MIT */
/* copy.c --- the copy engine: walk the source's allocated ranges (merged
 * over its chain), skip grains that are zero by content, and hand the
 * rest, in order, to a sink that writes the destination type. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "copy_int.h"

/* ---- raw sinks ---- */

struct raw_sink {
	struct sink base;
	int fd;
	bool pipe, device, no_sync;
	uint64_t pos;		/* sectors written, for a pipe or device */
	uint64_t capacity;
	struct vmdk_writeback wb;
};

/* A block device keeps what it held: the sectors between two writes are
 * zeroed (by the device when it can, else written). */
static int zero_device(struct raw_sink *r, uint64_t to)
{
	uint64_t range[2] = { r->pos * VMDK_SECTOR, (to - r->pos) * VMDK_SECTOR };
	static const uint8_t zeros[65536];
	int err = 0;

	if (to <= r->pos)
		return 0;
	if (ioctl(r->fd, BLKZEROOUT, range) == 0) {
		r->pos = to;
		return 0;
	}
	while (err == 0 && r->pos < to) {
		uint64_t n = to - r->pos < sizeof(zeros) / VMDK_SECTOR
				     ? to - r->pos : sizeof(zeros) / VMDK_SECTOR;
		err = vmdk_pwrite_all(r->fd, zeros, n * VMDK_SECTOR, r->pos * VMDK_SECTOR);
		r->pos += n;
	}
	return err < 0 ? vmdk_seterr(r->base.eb, err, "%s", vmdk_strerror(err)) : 0;
}

static int raw_put(struct sink *k, uint64_t sector, uint32_t n,
		   const uint8_t *buf)
{
	struct raw_sink *r = (struct raw_sink *)k;
	int err;

	if (r->device && (err = zero_device(r, sector)) < 0)
		return err;
	if (r->device)
		r->pos = sector + n;
	if (!r->pipe) {
		err = vmdk_pwrite_all(r->fd, buf, n * VMDK_SECTOR, sector * VMDK_SECTOR);
		if (err < 0)
			return vmdk_seterr(k->eb, err, "%s", vmdk_strerror(err));
		vmdk_writeback(&r->wb, r->fd, (sector + n) * VMDK_SECTOR);
		return 0;
	}
	err = vmdk_sink_write_zeros(k, r->fd, (sector - r->pos) * VMDK_SECTOR);
	if (err == 0)
		err = vmdk_sink_write(k, r->fd, buf, n * VMDK_SECTOR);
	r->pos = sector + n;
	return err;
}

static int raw_finish(struct sink *k)
{
	struct raw_sink *r = (struct raw_sink *)k;
	int err = 0;

	if (r->pipe)
		return vmdk_sink_write_zeros(k, r->fd, (r->capacity - r->pos) * VMDK_SECTOR);
	if (r->device && (err = zero_device(r, r->capacity)) < 0)
		return err;
	/* Zero ranges stay holes in a file. */
	if ((!r->device && ftruncate(r->fd, (off_t)(r->capacity * VMDK_SECTOR)) < 0) ||
	    (!r->no_sync && fsync(r->fd) < 0))
		err = -errno;
	return err < 0 ? vmdk_seterr(k->eb, err, "%s", vmdk_strerror(err)) : 0;
}

static void raw_destroy(struct sink *k)
{
	free(k);
}

static int raw_sink_new(int fd, bool pipe, bool device, bool no_sync,
			uint64_t capacity, struct vmdk_errbuf *eb, struct sink **out)
{
	struct raw_sink *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->base = (struct sink){ .put = raw_put, .finish = raw_finish,
				 .destroy = raw_destroy, .eb = eb };
	r->fd = fd;
	r->pipe = pipe;
	r->device = device;
	r->no_sync = no_sync;
	r->wb.off = no_sync;
	r->capacity = capacity;
	*out = &r->base;
	return 0;
}

/* ---- VMDK sinks: a new disk opened with libvmdk itself ---- */

struct disk_sink {
	struct sink base;
	vmdk_disk *d;
};

static int disk_put(struct sink *k, uint64_t sector, uint32_t n,
		    const uint8_t *buf)
{
	struct disk_sink *s = (struct disk_sink *)k;
	int err = vmdk_write(s->d, sector, n, buf);

	return err < 0 ? vmdk_errcopy(k->eb, err, &s->d->eb) : 0;
}

static int disk_finish(struct sink *k)
{
	struct disk_sink *s = (struct disk_sink *)k;
	int err = vmdk_close(s->d);

	s->d = NULL;
	return err < 0 ? vmdk_seterr(k->eb, err, "closing the new disk: %s",
				     vmdk_strerror(err)) : 0;
}

static void disk_destroy(struct sink *k)
{
	struct disk_sink *s = (struct disk_sink *)k;

	vmdk_close(s->d);
	free(s);
}

static int disk_sink_new(const char *path, const struct vmdk_create_params *cp,
			 bool no_sync, struct vmdk_errbuf *eb, struct sink **out)
{
	struct disk_sink *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->base = (struct sink){ .put = disk_put, .finish = disk_finish,
				 .destroy = disk_destroy, .eb = eb };
	/* @path is the staging path already: laid out in place there, not
	 * staged a second time as the public vmdk_create() would. */
	err = vmdk_create_in(path, cp, eb);
	if (err == 0 && (err = vmdk_open(path, no_sync ? VMDK_OPEN_NO_SYNC : 0,
					 &s->d)) < 0)
		vmdk_errcopy(eb, err, vmdk_open_errbuf());
	if (err < 0) {
		free(s);
		return err;
	}
	*out = &s->base;
	return 0;
}

/* ---- the engine ---- */

static int report(const struct vmdk_clone_params *p, uint64_t done,
		  uint64_t total, struct vmdk_errbuf *eb)
{
	if (p->progress && p->progress(p->progress_arg, done, total))
		return vmdk_seterr(eb, VMDK_E_CANCELED, "canceled");
	return 0;
}

struct copier {
	vmdk_disk *src;
	struct copy_pipe *pipe;
	const struct vmdk_clone_params *p;
	struct vmdk_errbuf *eb;
	uint64_t cap;
};

static int copy_run(void *arg, uint64_t sector, uint64_t n, int state)
{
	struct copier *c = arg;
	uint64_t end = sector + n;
	int err = 0;

	while (err == 0 && state == VMDK_BLOCK_DATA && sector < end) {
		/* Reads end on piece boundaries, so that a piece is never
		 * split between two reads. */
		uint64_t stop = (sector + COPY_READ_SECTORS) / COPY_PIECE_SECTORS *
				COPY_PIECE_SECTORS;
		uint32_t len = (uint32_t)((stop < end && stop > sector ? stop : end) -
					  sector);
		uint8_t *buf = vmdk_copy_pipe_buffer(c->pipe);
		err = vmdk_read(c->src, sector, len, buf);
		if (err < 0)
			return vmdk_errcopy(c->eb, err, &c->src->eb);
		err = vmdk_copy_pipe_post(c->pipe, sector, len);
		sector += len;
		if (err == 0)
			err = report(c->p, sector, c->cap, c->eb);
	}
	return state == VMDK_BLOCK_DATA ? err : report(c->p, end, c->cap, c->eb);
}

/* The one extent of @src when its grains can go to @k as they are
 * packed (a stream read from a pipe into a stream), else NULL. */
static struct vmdk_extent *packed_source(vmdk_disk *src, struct sink *k)
{
	struct vmdk_extent *x = src->nlinks == 1 && src->links[0]->n_ext == 1
				? &src->links[0]->ext[0] : NULL;
	struct vmdk_extent_info ei = { 0 };

	if (!k->put_packed || !x || !x->ops->packed_grain || !x->ops->describe)
		return NULL;
	x->ops->describe(x, &ei);
	return ei.grain_size == VMDK_STREAM_GRAIN ? x : NULL;
}

/* Grains re-framed, not recompressed: each taken as packed, checked,
 * zero ones left out. */
static int copy_packed(struct vmdk_extent *x, struct sink *k,
		       const struct vmdk_clone_params *p, struct vmdk_errbuf *eb,
		       const struct vmdk_errbuf *keb)
{
	uint64_t sector = 0, run = 0;
	int err = 0;

	while (err == 0 && sector < x->sectors) {
		const uint8_t *packed;
		size_t len;
		int st = x->ops->status(x, sector, x->sectors - sector, &run);
		if (st < 0)
			return vmdk_errcopy(eb, st, x->eb);
		if (st == VMDK_BS_DATA) {
			int got = x->ops->packed_grain(x, sector, &packed, &len);
			if (got < 0)
				return vmdk_errcopy(eb, got, x->eb);
			if (got && (err = k->put_packed(k, sector / VMDK_STREAM_GRAIN, packed,
							len)) < 0) {
				vmdk_errcopy(eb, 0, keb);
				return err;
			}
		}
		sector += run;
		err = report(p, sector, x->sectors, eb);
	}
	if (err == 0 && (err = k->finish(k)) < 0)
		vmdk_errcopy(eb, 0, keb);
	return err;
}

/* Feed @k every non-zero piece of @src, in order, then finish it.  The
 * sink runs on the pipe's thread and reports into @keb, which is copied
 * into @eb when the sink is what failed. */
static int copy_data(vmdk_disk *src, struct sink *k,
		     const struct vmdk_clone_params *p, struct vmdk_errbuf *eb,
		     const struct vmdk_errbuf *keb)
{
	struct copier c = { .src = src, .p = p, .eb = eb,
			    .cap = src->links[0]->capacity };
	struct vmdk_extent *x = packed_source(src, k);
	int err, sink_err;

	if (x)
		return copy_packed(x, k, p, eb, keb);
	err = vmdk_copy_pipe_new(k, &c.pipe);
	if (err < 0)
		return vmdk_seterr(eb, err, "cannot start the copy: %s",
				   vmdk_strerror(err));
	err = vmdk_walk_runs(src, copy_run, &c, eb);
	sink_err = vmdk_copy_pipe_drain(c.pipe);
	vmdk_copy_pipe_free(c.pipe);
	if (sink_err < 0 && (err == 0 || err == sink_err)) {
		vmdk_errcopy(eb, 0, keb);
		return sink_err;
	}
	if (err == 0 && (err = k->finish(k)) < 0)
		vmdk_errcopy(eb, 0, keb);
	return err;
}

/* ---- what the new disk's descriptor says ---- */

/* Keys a copy does not inherit: they describe the old files. */
static bool inherited(const char *key)
{
	static const char *const own[] = { "ddb.thinProvisioned",
					   "ddb.longContentID", "ddb.deletable" };

	for (size_t i = 0; i < sizeof(own) / sizeof(*own); i++)
		if (strcasecmp(key, own[i]) == 0)
			return false;
	return strncasecmp(key, "ddb.", 4) == 0;
}

static int add_kv(struct kv_list *l, const char *k, const char *v)
{
	for (size_t i = 0; i < l->n; i += 2)
		if (strcasecmp(l->v[i], k) == 0) {
			l->v[i + 1] = v;
			return 0;
		}
	if (l->n + 3 > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		const char **n = realloc(l->v, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		l->v = n;
		l->cap = cap;
	}
	l->v[l->n++] = k;
	l->v[l->n++] = v;
	l->v[l->n] = NULL;
	return 0;
}

/* The source's disk database (searched from the top link down), then the
 * caller's changes. */
static int build_params(vmdk_disk *src, const struct vmdk_clone_params *p,
			struct vmdk_create_params *cp, struct kv_list *kv)
{
	struct vmdk_info info;
	int err = 0;

	vmdk_get_info(src, &info);
	memset(cp, 0, sizeof(*cp));
	cp->capacity = info.capacity;
	cp->type = p->type;
	cp->adapter = vmdk_adapter_from_name(info.adapter);
	if (cp->adapter < 0)
		cp->adapter = VMDK_ADAPTER_LSILOGIC;
	if (p->adapter)
		cp->adapter = p->adapter;
	cp->hw_version = p->hw_version ? p->hw_version
		       : info.hw_version > 0 && info.hw_version < 100 ? info.hw_version : 0;
	cp->tools_version = p->tools_version;
	for (unsigned l = src->nlinks; l-- > 0;) {
		const struct vmdk_descriptor *d = src->links[l]->desc;
		for (size_t i = 0; err == 0 && i < d->nlines; i++) {
			const struct vmdk_line *ln = &d->lines[i];
			if (ln->kind == VMDK_LINE_DDB && inherited(ln->key))
				err = add_kv(kv, ln->key, ln->value);
		}
	}
	if (err == 0 && p->type == VMDK_TYPE_STREAM_OPTIMIZED) {
		if (!vmdk_desc_get(src->links[0]->desc, "ddb.toolsVersion"))
			err = add_kv(kv, "ddb.toolsVersion", "2147483647");
		if (err == 0 && !vmdk_desc_get(src->links[0]->desc,
					       "ddb.toolsInstallType"))
			err = add_kv(kv, "ddb.toolsInstallType", "4");
	}
	/* What the caller asked for wins; a new adapter means its geometry. */
	if (err == 0 && p->adapter) {
		uint32_t c, h, s;
		static _Thread_local char geo[3][16];
		vmdk_geometry(info.capacity, p->adapter, &c, &h, &s);
		snprintf(geo[0], sizeof(geo[0]), "%u", c);
		snprintf(geo[1], sizeof(geo[1]), "%u", h);
		snprintf(geo[2], sizeof(geo[2]), "%u", s);
		err = add_kv(kv, "ddb.adapterType", vmdk_adapter_name(p->adapter));
		if (err == 0)
			err = add_kv(kv, "ddb.geometry.cylinders", geo[0]);
		if (err == 0)
			err = add_kv(kv, "ddb.geometry.heads", geo[1]);
		if (err == 0)
			err = add_kv(kv, "ddb.geometry.sectors", geo[2]);
	}
	if (err == 0 && p->hw_version) {
		static _Thread_local char hw[16];
		snprintf(hw, sizeof(hw), "%d", p->hw_version);
		err = add_kv(kv, "ddb.virtualHWVersion", hw);
	}
	if (err == 0 && p->tools_version)
		err = add_kv(kv, "ddb.toolsVersion", p->tools_version);
	for (size_t i = 0; err == 0 && p->ddb && p->ddb[i] && p->ddb[i + 1]; i += 2)
		err = add_kv(kv, p->ddb[i], p->ddb[i + 1]);
	/* Without a uuid to keep, vmdk_create's new one stands. */
	if (err == 0 && p->new_uuid) {
		for (size_t i = 0; i < kv->n; i += 2)
			if (strcasecmp(kv->v[i], "ddb.uuid") == 0)
				kv->v[i + 1] = NULL;
	}
	cp->ddb = kv->v;
	return err;
}

/* ---- destinations ---- */

/* A destination without a descriptor (a raw image), or one written front
 * to back, goes to a file descriptor; the others are disks we open. */
static bool goes_to_fd(const struct vmdk_format_ops *f)
{
	return f->writer || !f->kinds;
}

static int clone_into(vmdk_disk *src, const char *path, int fd,
		      const struct vmdk_format_ops *f,
		      const struct vmdk_clone_params *p, struct vmdk_errbuf *eb)
{
	struct vmdk_create_params cp;
	struct kv_list kv = { 0 };
	struct vmdk_errbuf keb = {.msg = ""}; /* the sink's, see copy_data */
	struct sink *k = NULL;
	char *desc = NULL;
	int err;

	err = build_params(src, p, &cp, &kv);
	if (err < 0)
		goto out;
	/* Dropped keys (NULL values) end the list early otherwise. */
	vmdk_kv_compact(&kv);
	cp.ddb = kv.v;
	if (f->writer) {
		desc = vmdk_create_descriptor(&cp, path);
		err = desc ? vmdk_writer_sink_new(fd, f->writer, &cp, desc, p, &keb, &k)
			   : vmdk_errcopy(eb, VMDK_E_INVALID_ARG, vmdk_open_errbuf());
	} else if (!f->kinds) {
		struct stat st;
		bool known = fstat(fd, &st) == 0;
		bool pipe = known && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode);
		err = raw_sink_new(fd, pipe, known && S_ISBLK(st.st_mode), p->no_sync,
				   cp.capacity, &keb, &k);
	} else {
		err = disk_sink_new(path, &cp, p->no_sync, &keb, &k);
	}
	if (err < 0 && keb.msg[0])
		vmdk_errcopy(eb, 0, &keb);
	if (err == 0)
		err = copy_data(src, k, p, eb, &keb);
	if (k)
		k->destroy(k);
out:
	free(desc);
	free(kv.v);
	return err;
}

/* With overwrite, the files of the disk at @dst that the staged one will
 * not replace go once it is in place: only files beside @dst, and not
 * while another process writes to it.  A @dst that is no disk we can
 * open is replaced as a plain file. */
static int doom_replaced(struct vmdk_txn *t, const char *dst)
{
	vmdk_disk *old;
	struct vmdk_link *l;
	char *dir = vmdk_dirname(dst), *staged = NULL;
	int err = vmdk_open(dst, VMDK_OPEN_RDONLY | VMDK_OPEN_SINGLE_LINK, &old);

	if (err == VMDK_E_LOCKED) {
		free(dir);
		return vmdk_errcopy(t->eb, err, vmdk_open_errbuf());
	}
	if (err < 0 || !dir) {
		free(dir);
		return err < 0 ? 0 : -ENOMEM;
	}
	l = old->links[0];
	for (size_t i = 0; err == 0 && i < l->n_ext; i++) {
		const char *x = l->ext[i].path;
		char *xdir = x ? vmdk_dirname(x) : NULL;
		if (x && xdir && strcmp(xdir, dir) == 0 && l->desc_host != &l->ext[i] &&
		    asprintf(&staged, "%s/%s", t->stage_dir, vmdk_basename(x)) >= 0) {
			if (access(staged, F_OK) != 0)
				err = vmdk_txn_doom(t, x);
			free(staged);
		}
		free(xdir);
	}
	vmdk_close(old);
	free(dir);
	return err;
}

/* The format that makes destinations of @type, or NULL with the error. */
static const struct vmdk_format_ops *dest_format(int type,
						 struct vmdk_errbuf *eb)
{
	const struct vmdk_format_ops *f = vmdk_format_for_type(type);

	if (!f)
		vmdk_seterr(eb, VMDK_E_INVALID_ARG, "unknown disk type %d", type);
	return f;
}

int vmdk_clone_fd(vmdk_disk *src, int fd, const char *name,
		  const struct vmdk_clone_params *p)
{
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	const struct vmdk_format_ops *f;

	eb->msg[0] = '\0';
	if (!src || !p)
		return vmdk_seterr(eb, VMDK_E_INVALID_ARG, "bad arguments");
	if (!(f = dest_format(p->type, eb)))
		return VMDK_E_INVALID_ARG;
	if (!goes_to_fd(f))
		return vmdk_seterr(eb, VMDK_E_INVALID_ARG,
				   "only raw and streamOptimized go to a stream");
	return clone_into(src, name ? name : "stream.vmdk", fd, f, p, eb);
}

/* A destination that is no regular file is never replaced: a raw clone
 * writes into a block device (as qemu-img convert does), with overwrite;
 * anything else is refused. */
static int clone_to_device(vmdk_disk *src, const char *dst, const struct stat *st,
			   const struct vmdk_format_ops *f,
			   const struct vmdk_clone_params *p, struct vmdk_errbuf *eb)
{
	uint64_t size = 0, need = src->links[0]->capacity * VMDK_SECTOR;
	int fd, err;

	if (!S_ISBLK(st->st_mode) || p->type != VMDK_TYPE_RAW)
		return vmdk_seterr_at(eb, VMDK_E_INVALID_ARG, dst,
				      "not a regular file; "
				      "not replaced (only a raw clone writes into a "
				      "block device)");
	if (!p->overwrite)
		return vmdk_seterr_at(eb, VMDK_E_EXISTS, dst,
				      "a block device; its "
				      "contents are replaced only with overwrite");
	/* O_EXCL: refused while mounted or held by another opener. */
	fd = open(dst, O_WRONLY | O_EXCL | O_CLOEXEC);
	if (fd < 0)
		return vmdk_seterr_at(eb, -errno, dst, "%s", vmdk_strerror(-errno));
	if (ioctl(fd, BLKGETSIZE64, &size) < 0)
		err = vmdk_seterr_at(eb, -errno, dst, "%s", vmdk_strerror(-errno));
	else if (size < need)
		err = vmdk_seterr_at(eb, VMDK_E_NO_SPACE, dst,
				     "the device holds %llu "
				     "bytes, the disk needs %llu",
				     (unsigned long long)size, (unsigned long long)need);
	else
		err = clone_into(src, dst, fd, f, p, eb);
	if (close(fd) < 0 && err == 0)
		err = vmdk_seterr_at(eb, -errno, dst, "%s", vmdk_strerror(-errno));
	return err;
}

int vmdk_clone(vmdk_disk *src, const char *dst,
	       const struct vmdk_clone_params *p)
{
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	const struct vmdk_format_ops *f;
	struct vmdk_txn t;
	struct stat st;
	int err, fd = -1;

	eb->msg[0] = '\0';
	if (!src || !dst || !p)
		return vmdk_seterr(eb, VMDK_E_INVALID_ARG, "bad arguments");
	if (!(f = dest_format(p->type, eb)))
		return VMDK_E_INVALID_ARG;
	if (p->type != VMDK_TYPE_RAW && (err = vmdk_name_check(dst, eb)) < 0)
		return err;
	if (stat(dst, &st) == 0 && !S_ISREG(st.st_mode))
		return clone_to_device(src, dst, &st, f, p, eb);
	/* Everything is made in a hidden directory beside the destination
	 * and moved into place only when complete. */
	vmdk_txn_init(&t, eb);
	err = vmdk_txn_stage(&t, dst);
	if (err == 0 && goes_to_fd(f)) {
		fd = open(t.stage_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			err = vmdk_seterr_at(eb, -errno, dst, "%s", vmdk_strerror(-errno));
	}
	if (err == 0)
		err = clone_into(src, t.stage_path, fd, f, p, eb);
	if (fd >= 0) {
		if (err == 0 && !p->no_sync && fsync(fd) < 0)
			err = vmdk_seterr_at(eb, -errno, dst, "%s", vmdk_strerror(-errno));
		close(fd);
	}
	if (err == 0 && p->overwrite && access(dst, F_OK) == 0)
		err = doom_replaced(&t, dst);
	if (err == 0)
		err = vmdk_txn_commit(&t, dst, p->overwrite);
	vmdk_txn_end(&t);
	if (err < 0 && err > -1000 && !strchr(eb->msg, ':'))
		vmdk_seterr_at(eb, err, dst, "%s", vmdk_strerror(err));
	return err;
}

/* ---- space needed: a dry run into a sink that only counts ---- */

struct count_sink {
	struct sink base;
	uint64_t grains, sectors, last;
};

static int count_put(struct sink *k, uint64_t sector, uint32_t n,
		     const uint8_t *buf)
{
	struct count_sink *c = (struct count_sink *)k;
	uint64_t first = sector / COPY_PIECE_SECTORS + 1;	/* 0 = none yet */
	uint64_t last = (sector + n - 1) / COPY_PIECE_SECTORS + 1;

	(void)buf;
	c->grains += last - first + (first != c->last);
	c->last = last;
	c->sectors += n;
	return 0;
}

static int count_finish(struct sink *k)
{
	(void)k;
	return 0;
}

/* Bytes the extents of a new disk of @type take: its extents laid out as
 * vmdk_create() does, all @grains and @sectors of data counted in the
 * first (the formats' space is linear in both). */
static uint64_t extents_space(const struct vmdk_format_ops *f, int type,
			      uint64_t cap, const char *desc, uint64_t grains,
			      uint64_t sectors)
{
	const struct vmdk_type_def *def = vmdk_type_def(type);
	uint64_t per = def && def->split ? VMDK_SPLIT_SECTORS : cap, total = 0;

	for (uint64_t at = 0; at < cap; at += per) {
		struct vmdk_extent_plan plan = {
			.sectors = cap - at < per ? cap - at : per,
			.descriptor = def && !def->suffix ? desc : NULL,
			.thin = def && def->thin,
		};
		total += f->space(&plan, at ? 0 : grains, at ? 0 : sectors);
	}
	return total;
}

int vmdk_space_needed(vmdk_disk *src, int type, const char *dst,
		      uint64_t *bytes, vmdk_progress_fn progress, void *arg)
{
	struct vmdk_errbuf *eb = vmdk_open_errbuf();
	struct vmdk_clone_params p = { .type = type,
				       .progress = progress,
				       .progress_arg = arg };
	struct vmdk_errbuf keb = {.msg = ""};
	struct count_sink c = { .base = { .put = count_put,
					  .finish = count_finish, .eb = &keb } };
	const struct vmdk_format_ops *f;
	const struct vmdk_type_def *def = vmdk_type_def(type);
	struct vmdk_create_params cp;
	struct kv_list kv = { 0 };
	uint64_t cap, total;
	char *desc = NULL;
	int err;

	eb->msg[0] = '\0';
	if (!src || !bytes || !(f = vmdk_format_for_type(type)))
		return vmdk_seterr(eb, VMDK_E_INVALID_ARG, "bad arguments");
	err = build_params(src, &p, &cp, &kv);
	vmdk_kv_compact(&kv);
	cp.ddb = kv.v;
	cap = cp.capacity;
	if (err == 0 && def && !(desc = vmdk_create_descriptor(&cp, dst ? dst
							       : src->links[0]->path)))
		err = vmdk_errcopy(eb, VMDK_E_INVALID_ARG, vmdk_open_errbuf());
	/* Read the source only when its content changes the answer. */
	if (err == 0 && extents_space(f, type, cap, desc, 1, 1) !=
			extents_space(f, type, cap, desc, 0, 0))
		err = copy_data(src, &c.base, &p, eb, &keb);
	free(kv.v);
	if (err == 0) {
		total = extents_space(f, type, cap, desc, c.grains, c.sectors);
		/* A descriptor of its own is a file beside the extents. */
		if (def && def->suffix)
			total += strlen(desc);
		*bytes = total;
	}
	free(desc);
	return err;
}
