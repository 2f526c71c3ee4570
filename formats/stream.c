/* SPDX-License-Identifier: MIT */
/* stream.c --- streamOptimized (compressed) extents, read side
 * (technote: "Stream-Optimized Compressed") */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "sparse_meta.h"
#include "stream_tiling.h"

/* A stream's grains lie one after another, so a reader going forward
 * reads the file a window at a time instead of a grain at a time, and
 * inflates the whole grains a read wants from one window side by side. */
#define STREAM_WINDOW (2u << 20)
#define STREAM_BATCH 32u
#define STREAM_MAX_HELPERS 3u

/* A whole grain to inflate into the caller's buffer. */
struct grain_job {
	uint64_t grain;
	uint32_t gte;
	const uint8_t *data;	/* in the window */
	size_t len;
	uint8_t *dst;
	size_t got;
	bool ok;
};

struct stream {
	struct sparse_meta m;
	uint8_t *grain;		/* last inflated grain */
	uint64_t grain_index;	/* UINT64_MAX: none */
	uint8_t *win;		/* file bytes [win_off, win_off + win_len) */
	uint64_t win_off;
	size_t win_len, win_max;
	size_t packed_max;
	struct vmdk_inflater *z[STREAM_MAX_HELPERS + 1];	/* per worker */
	struct grain_job jobs[STREAM_BATCH];
	unsigned njobs;
	struct vmdk_pool *pool;	/* started at the first batch of two */
	bool pool_tried;
	uint8_t *tiled;		/* per table: every grain near its own named */
};

static struct stream *S(const struct vmdk_extent *x)
{
	return x->priv;
}

static void stream_free(struct vmdk_extent *x)
{
	struct stream *s = S(x);

	if (s) {
		vmdk_sparse_meta_free(&s->m);
		vmdk_pool_free(s->pool);
		free(s->tiled);
		free(s->grain);
		free(s->win);
		for (unsigned i = 0; i <= STREAM_MAX_HELPERS; i++)
			vmdk_inflater_free(s->z[i]);
		free(s);
		x->priv = NULL;
	}
}

static int stream_open(struct vmdk_extent *x, const uint8_t *first)
{
	struct stream *s = calloc(1, sizeof(*s));
	size_t grain_bytes;
	int err;

	if (!s)
		return -ENOMEM;
	x->priv = s;
	err = vmdk_sparse_meta_load(x, &s->m, first);
	if (err == 0)
		err = vmdk_stream_tiling_open(x, &s->m);
	if (err < 0)
		goto fail;
	s->tiled = calloc(s->m.gd_entries + 1, 1);
	if (!s->tiled) {
		err = -ENOMEM;
		goto fail;
	}
	grain_bytes = (size_t)s->m.h.grain_size * VMDK_SECTOR;
	/* A deflated grain may exceed the grain a little (incompressible
	 * data): compressBound is zlib's own worst case. */
	s->packed_max = compressBound((uLong)grain_bytes) + GRAIN_MARKER_SIZE;
	s->win_max = s->packed_max > STREAM_WINDOW ? s->packed_max : STREAM_WINDOW;
	s->grain = malloc(grain_bytes);
	s->win = malloc(s->win_max);
	s->grain_index = UINT64_MAX;
	s->z[0] = vmdk_inflater_new();
	if (!s->grain || !s->win || !s->z[0]) {
		err = -ENOMEM;
		goto fail;
	}
	/* Stream extents are written sequentially by the copy engine only. */
	x->writable = false;
	return 0;
fail:
	stream_free(x);
	return err;
}

static bool in_window(const struct stream *s, uint64_t off, size_t len)
{
	return off >= s->win_off && off + len <= s->win_off + s->win_len;
}

/* @len bytes of the file at @off (fewer at its end), in *out.  The
 * window is refilled only when no job points into it. */
static int file_bytes(struct vmdk_extent *x, uint64_t off, size_t *len,
		      const uint8_t **out)
{
	struct stream *s = S(x);
	uint64_t win_end = s->win_off + s->win_len;
	size_t want;
	int err;

	*out = s->win;
	if (off >= x->file_size) {
		*len = 0;
		return 0;
	}
	if (*len > x->file_size - off)
		*len = (size_t)(x->file_size - off);
	if (!in_window(s, off, *len)) {
		/* Going forward from the window: read a whole one. */
		want = off >= s->win_off && off <= win_end + s->packed_max
			       ? s->win_max : *len;
		if (want > x->file_size - off)
			want = (size_t)(x->file_size - off);
		s->win_len = 0;
		err = vmdk_extent_pread(x, s->win, want, off);
		if (err < 0)
			return err;
		s->win_off = off;
		s->win_len = want;
	}
	*out = s->win + (off - s->win_off);
	return 0;
}

static uint64_t grain_bytes(const struct vmdk_extent *x, uint64_t g)
{
	uint64_t gs = S(x)->m.h.grain_size;

	return (x->sectors - g * gs < gs ? x->sectors - g * gs : gs) * VMDK_SECTOR;
}

static int run_jobs(struct vmdk_extent *x);

/* Find grain @g's compressed bytes at file sector @gte and check its
 * marker; *data and *len then point into the window. */
static int locate_grain(struct vmdk_extent *x, uint64_t g, uint32_t gte,
			const uint8_t **data, size_t *len)
{
	struct stream *s = S(x);
	uint64_t gs = s->m.h.grain_size, off = (uint64_t)gte * VMDK_SECTOR;
	int err;

	*len = s->packed_max;
	if (off < x->file_size && *len > x->file_size - off)
		*len = (size_t)(x->file_size - off);
	if (s->njobs && !in_window(s, off, *len) && (err = run_jobs(x)) < 0)
		return err;
	err = file_bytes(x, off, len, data);
	if (err < 0)
		return vmdk_seterr_at(x->eb, err, x->path, "reading grain %llu: %s",
				      (unsigned long long)g, vmdk_strerror(err));
	if (s->m.h.flags & SPARSE_FLAG_MARKERS) {
		uint64_t lba = *len >= GRAIN_MARKER_SIZE ? vmdk_le64(*data) : UINT64_MAX;
		uint32_t size = *len >= GRAIN_MARKER_SIZE ? vmdk_le32(*data + 8) : 0;
		if (*len < GRAIN_MARKER_SIZE || lba != g * gs)
			return vmdk_seterr_at(
				x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				"grain at sector %u is marked for LBA %llu, expected %llu", gte,
				(unsigned long long)lba, (unsigned long long)(g * gs));
		if (size == 0 || size > *len - GRAIN_MARKER_SIZE)
			return vmdk_seterr_at(
				x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				"grain at sector %u claims %u compressed bytes, %s", gte, size,
				size ? "more than the file or a grain holds"
				     : "an empty grain");
		*data += GRAIN_MARKER_SIZE;
		*len = size;
	}
	return 0;
}

static void inflate_job(void *arg, unsigned i, unsigned worker)
{
	struct stream *s = arg;
	struct grain_job *j = &s->jobs[i];

	j->ok = vmdk_inflate(s->z[worker], j->data, j->len, j->dst,
			     s->m.h.grain_size * VMDK_SECTOR, &j->got) == 0;
}

/* Helpers for the batches, if this machine has a CPU to spare. */
static void start_pool(struct stream *s)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned helpers = cpus > 1 ? (unsigned)cpus - 1 : 0;

	s->pool_tried = true;
	if (helpers > STREAM_MAX_HELPERS)
		helpers = STREAM_MAX_HELPERS;
	for (unsigned i = 1; i <= helpers; i++)
		if (!(s->z[i] = vmdk_inflater_new()))
			return;
	if (helpers)
		s->pool = vmdk_pool_new(helpers);
}

/* Inflate the pending jobs, then report the first that failed. */
static int run_jobs(struct vmdk_extent *x)
{
	struct stream *s = S(x);
	unsigned n = s->njobs;

	s->njobs = 0;
	if (n > 1 && !s->pool_tried)
		start_pool(s);
	if (n > 1 && s->pool)
		vmdk_pool_run(s->pool, inflate_job, s, n);
	else
		for (unsigned i = 0; i < n; i++)
			inflate_job(s, i, 0);
	for (unsigned i = 0; i < n; i++) {
		struct grain_job *j = &s->jobs[i];
		if (!j->ok || j->got < grain_bytes(x, j->grain))
			return vmdk_seterr_at(
				x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				"grain %llu at sector %u does not decompress to %llu bytes",
				(unsigned long long)j->grain, j->gte,
				(unsigned long long)grain_bytes(x, j->grain));
		/* The last grain may stop short of a whole grain. */
		memset(j->dst + j->got, 0, s->m.h.grain_size * VMDK_SECTOR - j->got);
	}
	return 0;
}

/* Inflate grain @g into @dst: queued as a job when @dst is the caller's,
 * at once into the grain cache. */
static int load_grain(struct vmdk_extent *x, uint64_t g, uint32_t gte,
		      uint8_t *dst)
{
	struct stream *s = S(x);
	const uint8_t *data;
	size_t len;
	int err;

	if (s->njobs == STREAM_BATCH && (err = run_jobs(x)) < 0)
		return err;
	/* This may run the pending jobs to make room in the window. */
	err = locate_grain(x, g, gte, &data, &len);
	if (err < 0)
		return err;
	s->jobs[s->njobs++] = (struct grain_job){ .grain = g, .gte = gte,
						  .data = data, .len = len,
						  .dst = dst };
	return dst == s->grain ? run_jobs(x) : 0;
}

static int read_piece(struct vmdk_extent *x, const struct sparse_piece *p)
{
	struct stream *s = S(x);
	uint64_t gs = s->m.h.grain_size;
	uint32_t table = (uint32_t)(p->grain / s->m.h.gtes_per_gt);
	int err;

	/* A table serves no read, zeros included, before its grains are
	 * known to be all it names. */
	if (table < s->m.gd_entries && !s->tiled[table]) {
		if ((err = vmdk_stream_tiling_table(x, &s->m, table)) < 0)
			return err;
		s->tiled[table] = 1;
	}
	if (p->status != VMDK_BS_DATA) {
		memset(p->buf, 0, p->count * VMDK_SECTOR);
		return 0;
	}
	/* A whole grain goes straight to the caller's buffer. */
	if (p->within == 0 && p->count == gs && s->grain_index != p->grain)
		return load_grain(x, p->grain, p->gte, p->buf);
	if (s->grain_index != p->grain) {
		s->grain_index = UINT64_MAX;
		err = load_grain(x, p->grain, p->gte, s->grain);
		if (err < 0)
			return err;
		s->grain_index = p->grain;
	}
	memcpy(p->buf, s->grain + p->within * VMDK_SECTOR, p->count * VMDK_SECTOR);
	return 0;
}

static int stream_read(struct vmdk_extent *x, uint64_t sector, uint32_t n,
		       void *buf)
{
	struct stream *s = S(x);
	int err = vmdk_sparse_meta_each_piece(x, sector, n, buf, read_piece,
						 false);

	if (err == 0)
		return run_jobs(x);
	s->njobs = 0;	/* the caller's buffer is not to be touched again */
	return err;
}

static int stream_flush(struct vmdk_extent *x)
{
	(void)x;
	return 0;
}

static int stream_close(struct vmdk_extent *x)
{
	stream_free(x);
	return 0;
}

static bool stream_probe(const uint8_t *first)
{
	return vmdk_le32(first + 8) & SPARSE_FLAG_COMPRESSED;
}

const struct vmdk_format_ops vmdk_stream_ops = {
	.name = "streamOptimized",
	.kinds = (const char *const[]){ "SPARSE", "VMFSSPARSE", NULL },
	.magic = { "KDMV", 4, 0 },
	.probe = stream_probe,
	.creates = VMDK_CREATES(VMDK_TYPE_STREAM_OPTIMIZED),
	.embedded_descriptor = vmdk_sparse_embedded_descriptor,
	.create = vmdk_stream_create,
	.check = vmdk_stream_check,
	.space = vmdk_stream_space,
	.max_sectors = VMDK_MAX_CAPACITY,
	.writer = &vmdk_stream_writer_ops,
	.no_write_hint = "streamOptimized disks cannot be written in place; "
			 "convert it with vmdk-clone first",
	.no_grow_hint = "streamOptimized disks cannot be grown; convert with "
			"vmdk-clone, grow, convert back",
	.no_compact_hint = "streamOptimized disks are compact already and cannot "
			   "be changed in place; convert with vmdk-clone to "
			   "monolithicSparse first",
	.open = stream_open,
	.status = vmdk_sparse_meta_status,
	.read = stream_read,
	.write = NULL,
	.flush = stream_flush,
	.close = stream_close,
	.describe = vmdk_sparse_meta_describe,
	.descriptor_area = vmdk_sparse_meta_descriptor_area,
};
