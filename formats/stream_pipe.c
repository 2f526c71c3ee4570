/* SPDX-License-Identifier: MIT */
/* stream_pipe.c --- a streamOptimized VMDK read once, front to back, from
 * a pipe (standard input): the header and descriptor first, then each
 * grain behind its marker, in increasing LBA order as every writer lays
 * them down, tables and footer skipped, up to the end-of-stream marker.
 * Nothing is read twice and nothing is kept but the grain at hand, so the
 * stream may be any size.  Reads and status queries must go forward (as
 * the copy engine makes them); one behind what was consumed is refused. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "format.h"
#include "stream_census.h"
#include "vmdk_ondisk.h"

#define PIPE_MAX_GRAIN 2048u		/* sectors: 1 MiB of memory */
#define PIPE_MAX_META (1u << 22)	/* sectors of tables behind a marker */
#define PIPE_CHUNK 64u			/* sectors of metadata read at once */

struct pipe_stream {
	uint64_t pos;		/* bytes consumed from the pipe */
	uint64_t grain_size;	/* sectors */
	size_t packed_max;
	/* The next grain, read but not yet served (has_next). */
	bool has_next, eos;
	uint64_t next_lba;
	uint8_t *packed;	/* its marker and compressed bytes */
	size_t packed_len;
	/* The grain last inflated, [lba, lba + grain_size) when has_data;
	 * sectors before floor are gone. */
	bool has_data;
	uint64_t data_lba, floor;
	uint8_t *data;
	struct vmdk_inflater *z;
	uint64_t grains_seen;
	struct stream_census census;	/* tables in front, if any */
};

#define P(x) ((struct pipe_stream *)(x)->priv)

/* @len bytes of the pipe; *@got (if given) says how many came before it
 * ended, else its end is a cut stream. */
static int read_pipe(struct vmdk_extent *x, void *buf, size_t len, size_t *got)
{
	size_t n = 0;
	int err = vmdk_read_upto(x->fd, buf, len, &n);

	P(x)->pos += n;
	if (err < 0)
		return vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err));
	if (got)
		*got = n;
	else if (n < len)
		return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				      "the stream "
				      "ended at byte %llu, inside its data (cut short?)",
				      (unsigned long long)P(x)->pos);
	return 0;
}

static int read_exact(struct vmdk_extent *x, void *buf, size_t len)
{
	return read_pipe(x, buf, len, NULL);
}

/* Throw @sectors sectors of the pipe away (tables, padding). */
static int skip(struct vmdk_extent *x, uint64_t sectors)
{
	uint8_t buf[64 * VMDK_SECTOR];

	while (sectors) {
		uint64_t n = sectors < 64 ? sectors : 64;
		int err = read_exact(x, buf, (size_t)n * VMDK_SECTOR);
		if (err < 0)
			return err;
		sectors -= n;
	}
	return 0;
}

/* The pipe ended where a marker would start: the end, when the tables in
 * front name no more grains than came (qemu-img writes no end marker);
 * else a cut. */
static int ended(struct vmdk_extent *x)
{
	struct pipe_stream *s = P(x);

	if (!vmdk_census_whole(&s->census, s->grains_seen))
		return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				      "the stream ended at "
				      "byte %llu without its end-of-stream marker (cut short?)",
				      (unsigned long long)s->pos);
	s->eos = true;
	return 0;
}

/* A marker's first byte, or the end of the pipe (1). */
static int marker_starts(struct vmdk_extent *x, uint8_t *m)
{
	size_t got;
	int err = read_pipe(x, m, 1, &got);

	return err < 0 ? err : got == 0;
}

/* Read markers up to the next grain (or the end of the stream). */
static int next_grain(struct vmdk_extent *x)
{
	struct pipe_stream *s = P(x);

	while (!s->has_next && !s->eos) {
		uint8_t *m = s->packed;
		uint64_t val;
		uint32_t size;
		int err = marker_starts(x, m);

		if (err == 1) {
			if ((err = ended(x)) < 0)
				return err;
			continue;
		}
		if (err == 0)
			err = read_exact(x, m + 1, VMDK_SECTOR - 1);
		if (err < 0)
			return err;
		val = vmdk_le64(m);
		size = vmdk_le32(m + 8);
		if (size == 0) {
			uint32_t type = vmdk_le32(m + 12);
			if (type == MARKER_EOS) {
				s->eos = true;
			} else if (type > MARKER_FOOTER || val > PIPE_MAX_META) {
				return vmdk_seterr_at(
					x->eb, VMDK_E_NEEDS_REPAIR, x->path,
					"marker "
					"at byte %llu is damaged (type %u, %llu sectors)",
					(unsigned long long)(s->pos - VMDK_SECTOR), type,
					(unsigned long long)val);
			} else if ((err = skip(x, val)) < 0) {
				return err;
			}
			continue;
		}
		size_t total = (GRAIN_MARKER_SIZE + (size_t)size + VMDK_SECTOR - 1) /
			       VMDK_SECTOR * VMDK_SECTOR;
		if (total > s->packed_max || val % s->grain_size ||
		    val >= x->sectors || (s->has_data && val <= s->data_lba) || val < s->floor)
			return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
					      "grain marker "
					      "at byte %llu names LBA %llu with %u bytes: %s",
					      (unsigned long long)(s->pos - VMDK_SECTOR),
					      (unsigned long long)val, size,
					      val >= x->sectors || val % s->grain_size ||
							      total > s->packed_max
						      ? "damaged"
						      : "grains out of order cannot be read "
							"from a pipe (give the file instead)");
		if (total > VMDK_SECTOR &&
		    (err = read_exact(x, m + VMDK_SECTOR, total - VMDK_SECTOR)) < 0)
			return err;
		s->packed_len = GRAIN_MARKER_SIZE + size;
		s->next_lba = val;
		s->has_next = true;
		s->grains_seen++;
	}
	return 0;
}

static uint64_t grain_end(const struct vmdk_extent *x, uint64_t lba)
{
	uint64_t end = lba + P(x)->grain_size;

	return end < x->sectors ? end : x->sectors;
}

/* Make the next grain the inflated one. */
static int inflate_next(struct vmdk_extent *x)
{
	struct pipe_stream *s = P(x);
	size_t want = (size_t)(grain_end(x, s->next_lba) - s->next_lba) * VMDK_SECTOR, got = 0;
	int err = vmdk_inflate(s->z, s->packed + GRAIN_MARKER_SIZE,
			       s->packed_len - GRAIN_MARKER_SIZE, s->data,
			       (size_t)s->grain_size * VMDK_SECTOR, &got);

	if (err < 0 || got < want)
		return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				      "the grain for "
				      "LBA %llu does not inflate to a grain (%zu bytes)",
				      (unsigned long long)s->next_lba, got);
	s->has_data = true;
	s->data_lba = s->next_lba;
	s->has_next = false;
	return 0;
}

/* Everything before @sector is passed: grains ending there are dropped. */
static int advance_to(struct vmdk_extent *x, uint64_t sector)
{
	struct pipe_stream *s = P(x);
	int err;

	if (sector < s->floor && !(s->has_data && sector >= s->data_lba))
		return vmdk_seterr_at(x->eb, VMDK_E_NOT_SUPPORTED, x->path,
				      "sector %llu was "
				      "read already: a stream on a pipe is read once, in order",
				      (unsigned long long)sector);
	for (;;) {
		if ((err = next_grain(x)) < 0)
			return err;
		if (!s->has_next || grain_end(x, s->next_lba) > sector)
			break;
		s->has_next = false;	/* a grain nobody asked for */
	}
	if (sector > s->floor)
		s->floor = sector;
	return 0;
}

static int pipe_status(struct vmdk_extent *x, uint64_t sector, uint64_t n,
		       uint64_t *run)
{
	struct pipe_stream *s = P(x);
	int err = advance_to(x, sector);

	if (err < 0)
		return err;
	if (s->has_data && sector >= s->data_lba && sector < grain_end(x, s->data_lba)) {
		*run = grain_end(x, s->data_lba) - sector;
	} else if (s->has_next && sector >= s->next_lba) {
		*run = grain_end(x, s->next_lba) - sector;
	} else {
		uint64_t to = s->has_next ? s->next_lba : x->sectors;
		*run = to - sector < n ? to - sector : n;
		return VMDK_BS_UNALLOC;
	}
	if (*run > n)
		*run = n;
	return VMDK_BS_DATA;
}

static int pipe_read(struct vmdk_extent *x, uint64_t sector, uint32_t n, void *buf)
{
	struct pipe_stream *s = P(x);
	uint8_t *out = buf;
	uint64_t end = sector + n;

	while (sector < end) {
		uint64_t stop;
		int err = advance_to(x, sector);
		if (err < 0)
			return err;
		if (s->has_next && sector >= s->next_lba && (err = inflate_next(x)) < 0)
			return err;
		if (s->has_data && sector >= s->data_lba &&
		    sector < grain_end(x, s->data_lba)) {
			stop = grain_end(x, s->data_lba) < end ? grain_end(x, s->data_lba)
							       : end;
			memcpy(out, s->data + (sector - s->data_lba) * VMDK_SECTOR,
			       (size_t)(stop - sector) * VMDK_SECTOR);
		} else {
			stop = s->has_next && s->next_lba < end ? s->next_lba : end;
			memset(out, 0, (size_t)(stop - sector) * VMDK_SECTOR);
		}
		out += (stop - sector) * VMDK_SECTOR;
		sector = stop;
	}
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

static int pipe_packed_grain(struct vmdk_extent *x, uint64_t sector,
			     const uint8_t **packed, size_t *len)
{
	struct pipe_stream *s = P(x);
	size_t total;
	int err = advance_to(x, sector);

	if (err < 0)
		return err;
	if (!s->has_next || s->next_lba != sector)
		return vmdk_seterr_at(x->eb, VMDK_E_INVALID_ARG, x->path,
				      "no grain starts at "
				      "sector %llu",
				      (unsigned long long)sector);
	/* Inflated to be checked (and to drop zero grains); the packed bytes
	 * stay in s->packed until the next grain is read. */
	if ((err = inflate_next(x)) < 0)
		return err;
	if (all_zero(s->data, (size_t)(grain_end(x, sector) - sector) * VMDK_SECTOR))
		return 0;
	total = (s->packed_len + VMDK_SECTOR - 1) / VMDK_SECTOR * VMDK_SECTOR;
	memset(s->packed + s->packed_len, 0, total - s->packed_len);
	*packed = s->packed;
	*len = total;
	return 1;
}

static int pipe_close(struct vmdk_extent *x)
{
	struct pipe_stream *s = P(x);

	if (s) {
		free(s->packed);
		free(s->data);
		vmdk_inflater_free(s->z);
		vmdk_census_free(&s->census);
		free(s);
	}
	x->priv = NULL;
	/* The pipe belongs to the caller. */
	x->fd = -1;
	return 0;
}

static void pipe_describe(const struct vmdk_extent *x, struct vmdk_extent_info *ei)
{
	ei->format = "streamOptimized (read from a pipe)";
	ei->grain_size = P(x)->grain_size;
}

const struct vmdk_format_ops vmdk_stream_pipe_ops = {
	.name = "streamOptimized (read from a pipe)",
	.status = pipe_status,
	.read = pipe_read,
	.packed_grain = pipe_packed_grain,
	.close = pipe_close,
	.describe = pipe_describe,
	.no_write_hint = "a stream read from a pipe is only read",
};

bool vmdk_stream_pipe_fits(const uint8_t *head, size_t got)
{
	struct sparse_header h;

	if (got < VMDK_SECTOR)
		return false;
	sparse_header_decode(head, &h);
	return h.magic == SPARSE_MAGIC && (h.flags & SPARSE_FLAG_MARKERS) &&
	       (h.flags & SPARSE_FLAG_COMPRESSED) && h.compress == SPARSE_COMPRESS_DEFLATE;
}

/* The metadata before the first grain, read in order: the descriptor
 * kept (in *@desc), the tables in front counted. */
static int read_metadata(struct vmdk_extent *x, const struct sparse_header *h,
			 char **desc)
{
	struct pipe_stream *s = P(x);
	uint8_t *text = calloc(1, (size_t)h->desc_size * VMDK_SECTOR + 1);
	uint8_t *chunk = malloc(PIPE_CHUNK * VMDK_SECTOR);
	int err = text && chunk ? 0 : -ENOMEM;

	for (uint64_t at = 1; err == 0 && at < h->overhead; at += PIPE_CHUNK) {
		uint64_t n = h->overhead - at < PIPE_CHUNK ? h->overhead - at : PIPE_CHUNK;
		err = read_exact(x, chunk, (size_t)n * VMDK_SECTOR);
		for (uint64_t i = 0; err == 0 && i < n; i++) {
			uint64_t sector = at + i;
			if (sector >= h->desc_offset && sector < h->desc_offset + h->desc_size)
				memcpy(text + (sector - h->desc_offset) * VMDK_SECTOR,
				       chunk + i * VMDK_SECTOR, VMDK_SECTOR);
			vmdk_census_feed(&s->census, sector, chunk + i * VMDK_SECTOR);
		}
	}
	free(chunk);
	if (err < 0)
		free(text);
	else
		*desc = (char *)text;
	return err;
}

int vmdk_stream_pipe_open(struct vmdk_extent *x, const uint8_t *head, char **desc)
{
	struct sparse_header h;
	struct pipe_stream *s;
	int err;

	*desc = NULL;
	sparse_header_decode(head, &h);
	if (h.grain_size < 8 || h.grain_size > PIPE_MAX_GRAIN ||
	    (h.grain_size & (h.grain_size - 1)))
		return vmdk_seterr_at(x->eb, VMDK_E_NOT_SUPPORTED, x->path,
				      "grains of %llu "
				      "sectors cannot be read from a pipe",
				      (unsigned long long)h.grain_size);
	if (h.overhead < 1 || h.desc_size > VMDK_MAX_DESCRIPTOR / VMDK_SECTOR ||
	    !h.desc_offset || !h.desc_size || h.desc_offset + h.desc_size > h.overhead ||
	    !h.capacity || h.capacity > VMDK_MAX_CAPACITY || h.overhead > h.capacity)
		return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path,
				      "the stream's header "
				      "is damaged (descriptor at sector %llu, %llu sectors; "
				      "grains from sector %llu; capacity %llu)",
				      (unsigned long long)h.desc_offset,
				      (unsigned long long)h.desc_size,
				      (unsigned long long)h.overhead,
				      (unsigned long long)h.capacity);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	x->priv = s;
	x->sectors = h.capacity;
	s->pos = VMDK_SECTOR;
	s->grain_size = h.grain_size;
	s->packed_max = (compressBound((uLong)h.grain_size * VMDK_SECTOR) + GRAIN_MARKER_SIZE +
			 2 * VMDK_SECTOR - 1) / VMDK_SECTOR * VMDK_SECTOR;
	s->packed = malloc(s->packed_max);
	s->data = malloc((size_t)h.grain_size * VMDK_SECTOR);
	s->z = vmdk_inflater_new();
	err = s->packed && s->data && s->z && vmdk_census_init(&s->census, &h) == 0
	      ? read_metadata(x, &h, desc) : -ENOMEM;
	if (err < 0)
		pipe_close(x);
	return err;
}
