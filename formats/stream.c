/* stream.c --- streamOptimized (compressed) extents, read side
 * (technote: "Stream-Optimized Compressed") */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "sparse_meta.h"

/* A stream's grains lie one after another, so a reader going forward
 * reads the file a window at a time instead of a grain at a time. */
#define STREAM_WINDOW (1u << 20)

struct stream {
	struct sparse_meta m;
	uint8_t *grain;		/* last inflated grain */
	uint64_t grain_index;	/* UINT64_MAX: none */
	uint8_t *win;		/* file bytes [win_off, win_off + win_len) */
	uint64_t win_off;
	size_t win_len, win_max;
	size_t packed_max;
	struct vmdk_inflater *z;
};

static struct stream *S(const struct vmdk_extent *x)
{
	return x->priv;
}

static void stream_free(struct vmdk_extent *x)
{
	struct stream *s = S(x);

	if (s) {
		sparse_meta_free(&s->m);
		free(s->grain);
		free(s->win);
		vmdk_inflater_free(s->z);
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
	err = sparse_meta_load(x, &s->m, first);
	if (err < 0)
		goto fail;
	grain_bytes = (size_t)s->m.h.grain_size * 512;
	/* A deflated grain may exceed the grain a little (incompressible
	 * data): compressBound is zlib's own worst case. */
	s->packed_max = compressBound((uLong)grain_bytes) + GRAIN_MARKER_SIZE;
	s->win_max = s->packed_max > STREAM_WINDOW ? s->packed_max : STREAM_WINDOW;
	s->grain = malloc(grain_bytes);
	s->win = malloc(s->win_max);
	s->grain_index = UINT64_MAX;
	s->z = vmdk_inflater_new();
	if (!s->grain || !s->win || !s->z) {
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

/* @len bytes of the file at @off (fewer at its end), in *out. */
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
	if (off < s->win_off || off + *len > win_end) {
		/* Going forward from the window: read a whole one. */
		want = off >= s->win_off && off <= win_end + s->packed_max
			       ? s->win_max : *len;
		if (want > x->file_size - off)
			want = (size_t)(x->file_size - off);
		s->win_len = 0;
		err = vmdk_pread_all(x->fd, s->win, want, off);
		if (err < 0)
			return err;
		s->win_off = off;
		s->win_len = want;
	}
	*out = s->win + (off - s->win_off);
	return 0;
}

/* Inflate grain @g, stored at file sector @gte, into @dst. */
static int inflate_grain(struct vmdk_extent *x, uint64_t g, uint32_t gte,
			 uint8_t *dst)
{
	struct stream *s = S(x);
	uint64_t gs = s->m.h.grain_size;
	uint64_t want = (x->sectors - g * gs < gs ? x->sectors - g * gs : gs) * 512;
	const uint8_t *data;
	size_t len = s->packed_max, got;
	int err;

	err = file_bytes(x, (uint64_t)gte * 512, &len, &data);
	if (err < 0)
		return vmdk_seterr(x->eb, err, "%s: reading grain %llu: %s",
				   x->path, (unsigned long long)g, vmdk_strerror(err));
	if (s->m.h.flags & SPARSE_FLAG_MARKERS) {
		uint64_t lba = len >= GRAIN_MARKER_SIZE ? vmdk_le64(data) : UINT64_MAX;
		uint32_t size = len >= GRAIN_MARKER_SIZE ? vmdk_le32(data + 8) : 0;
		if (len < GRAIN_MARKER_SIZE || lba != g * gs)
			return vmdk_seterr(x->eb, VMDK_E_NEEDS_REPAIR,
					   "%s: grain at sector %u is marked for LBA %llu, expected %llu",
					   x->path, gte, (unsigned long long)lba,
					   (unsigned long long)(g * gs));
		if (size == 0 || size > len - GRAIN_MARKER_SIZE)
			return vmdk_seterr(x->eb, VMDK_E_NEEDS_REPAIR,
					   "%s: grain at sector %u claims %u compressed bytes, %s",
					   x->path, gte, size,
					   size ? "more than the file or a grain holds"
						: "an empty grain");
		data += GRAIN_MARKER_SIZE;
		len = size;
	}
	if (vmdk_inflate(s->z, data, len, dst, gs * 512, &got) < 0 || got < want)
		return vmdk_seterr(x->eb, VMDK_E_NEEDS_REPAIR,
				   "%s: grain %llu at sector %u does not decompress to %llu bytes",
				   x->path, (unsigned long long)g, gte,
				   (unsigned long long)want);
	/* The last grain may stop short of a whole grain. */
	memset(dst + got, 0, gs * 512 - got);
	return 0;
}

static int read_piece(struct vmdk_extent *x, const struct sparse_piece *p)
{
	struct stream *s = S(x);
	uint64_t gs = s->m.h.grain_size;
	int err;

	if (p->status != VMDK_BS_DATA) {
		memset(p->buf, 0, p->count * 512ull);
		return 0;
	}
	/* A whole grain goes straight to the caller's buffer. */
	if (p->within == 0 && p->count == gs && s->grain_index != p->grain)
		return inflate_grain(x, p->grain, p->gte, p->buf);
	if (s->grain_index != p->grain) {
		s->grain_index = UINT64_MAX;
		err = inflate_grain(x, p->grain, p->gte, s->grain);
		if (err < 0)
			return err;
		s->grain_index = p->grain;
	}
	memcpy(p->buf, s->grain + p->within * 512, p->count * 512ull);
	return 0;
}

static int stream_read(struct vmdk_extent *x, uint64_t sector, uint32_t n,
		       void *buf)
{
	return sparse_meta_each_piece(x, sector, n, buf, read_piece);
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

const struct vmdk_extent_ops vmdk_stream_ops = {
	.name = "streamOptimized",
	.open = stream_open,
	.status = sparse_meta_status,
	.read = stream_read,
	.write = NULL,
	.flush = stream_flush,
	.close = stream_close,
	.describe = sparse_meta_describe,
	.descriptor_area = sparse_meta_descriptor_area,
};
