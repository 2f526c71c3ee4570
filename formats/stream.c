/* stream.c --- streamOptimized (compressed) extents, read side
 * (technote: "Stream-Optimized Compressed") */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "sparse_meta.h"

struct stream {
	struct sparse_meta m;
	uint8_t *grain;		/* last inflated grain */
	uint64_t grain_index;	/* UINT64_MAX: none */
	uint8_t *packed;
	size_t packed_max;
	struct vmdk_inflater *z;
};

static struct stream *S(const struct vmdk_extent *x)
{
	return x->priv;
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
	s->grain = malloc(grain_bytes);
	s->packed = malloc(s->packed_max);
	s->grain_index = UINT64_MAX;
	s->z = vmdk_inflater_new();
	if (!s->grain || !s->packed || !s->z) {
		err = -ENOMEM;
		goto fail;
	}
	/* Stream extents are written sequentially by the copy engine only. */
	x->writable = false;
	return 0;
fail:
	sparse_meta_free(&s->m);
	free(s->grain);
	free(s->packed);
	vmdk_inflater_free(s->z);
	free(s);
	x->priv = NULL;
	return err;
}

static int load_grain(struct vmdk_extent *x, uint64_t g, uint32_t gte)
{
	struct stream *s = S(x);
	uint64_t gs = s->m.h.grain_size, off = (uint64_t)gte * 512;
	uint64_t want = (x->sectors - g * gs < gs ? x->sectors - g * gs : gs) * 512;
	const uint8_t *data = s->packed;
	size_t len, got;
	int err;

	if (s->grain_index == g)
		return 0;
	s->grain_index = UINT64_MAX;
	len = x->file_size - off < s->packed_max ? (size_t)(x->file_size - off)
						 : s->packed_max;
	err = vmdk_pread_all(x->fd, s->packed, len, off);
	if (err < 0)
		return vmdk_seterr(x->eb, err, "%s: reading grain %llu: %s",
				   x->path, (unsigned long long)g, vmdk_strerror(err));
	if (s->m.h.flags & SPARSE_FLAG_MARKERS) {
		uint64_t lba = vmdk_le64(s->packed);
		uint32_t size = vmdk_le32(s->packed + 8);
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
	memset(s->grain, 0, gs * 512);
	if (vmdk_inflate(s->z, data, len, s->grain, gs * 512, &got) < 0 ||
	    got < want)
		return vmdk_seterr(x->eb, VMDK_E_NEEDS_REPAIR,
				   "%s: grain %llu at sector %u does not decompress to %llu bytes",
				   x->path, (unsigned long long)g, gte,
				   (unsigned long long)want);
	s->grain_index = g;
	return 0;
}

static int read_piece(struct vmdk_extent *x, const struct sparse_piece *p)
{
	int err;

	if (p->status != VMDK_BS_DATA) {
		memset(p->buf, 0, p->count * 512ull);
		return 0;
	}
	err = load_grain(x, p->grain, p->gte);
	if (err == 0)
		memcpy(p->buf, S(x)->grain + p->within * 512, p->count * 512ull);
	return err;
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
	struct stream *s = S(x);

	if (s) {
		sparse_meta_free(&s->m);
		free(s->grain);
		free(s->packed);
		vmdk_inflater_free(s->z);
		free(s);
		x->priv = NULL;
	}
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
