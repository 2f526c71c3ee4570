/* SPDX-License-Identifier: MIT */
/* stream_writer.c --- write a streamOptimized extent front to back, as
 * VMware's exporters lay it out: header with GD_AT_END, descriptor,
 * compressed grains with LBA markers, a grain table after each run of
 * grains, the grain directory, footer and end-of-stream marker.  Only
 * sequential write(2) is used, so the output may be a pipe. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "sparse_meta.h"

#define STREAM_GTES 512u

struct vmdk_writer {
	int fd;
	struct vmdk_errbuf *eb;
	struct sparse_header h;
	int level;
	uint64_t pos;		/* sectors written so far */
	uint64_t next_grain;	/* grains must come in increasing order */
	uint32_t gd_entries;
	uint32_t *gd;
	uint32_t gt[STREAM_GTES];
	uint32_t gt_index;	/* the table gt[] belongs to */
	bool gt_used;
	uint8_t *packed;
	size_t packed_max;
	struct vmdk_deflater *z;	/* for vmdk_stream_writer_grain */
	struct vmdk_writeback wb;
	/* What is written goes out OUT_BATCH bytes at a time: one write
	 * for some fifteen grains, not one each. */
	uint8_t *out;
	size_t out_len;
};

#define OUT_BATCH (1u << 20)
/* Anything this large (a directory, a big grain) is written as it is:
 * copying it would only add a pass over it. */
#define OUT_DIRECT (128u << 10)

static int flush_out(struct vmdk_writer *w)
{
	int err = w->out_len ? vmdk_write_all(w->fd, w->out, w->out_len) : 0;

	if (err < 0)
		return vmdk_seterr(w->eb, err, "writing stream: %s",
				   vmdk_strerror(err));
	w->out_len = 0;
	vmdk_writeback(&w->wb, w->fd, w->pos * VMDK_SECTOR);
	return 0;
}

static int put_sectors(struct vmdk_writer *w, const void *buf,
		       size_t sectors)
{
	size_t len = sectors * VMDK_SECTOR;
	int err = 0;

	if (w->out_len + len > OUT_BATCH || len >= OUT_DIRECT)
		err = flush_out(w);
	if (err == 0 && len >= OUT_DIRECT) {
		w->pos += sectors;
		if ((err = vmdk_write_all(w->fd, buf, len)) < 0)
			return vmdk_seterr(w->eb, err, "writing stream: %s",
					   vmdk_strerror(err));
		vmdk_writeback(&w->wb, w->fd, w->pos * VMDK_SECTOR);
		return 0;
	}
	if (err == 0) {
		memcpy(w->out + w->out_len, buf, len);
		w->out_len += len;
		w->pos += sectors;
	}
	return err;
}

static int put_marker(struct vmdk_writer *w, uint64_t val,
		      uint32_t type)
{
	uint8_t m[VMDK_SECTOR];

	marker_encode(m, val, type);
	return put_sectors(w, m, 1);
}

static size_t stream_packed_max(uint32_t grain);
static void stream_writer_free(struct vmdk_writer *w);

static int stream_writer_open(int fd, const struct vmdk_extent_plan *p,
			      struct vmdk_writer **out, struct vmdk_errbuf *eb)
{
	struct vmdk_writer *w;
	const char *desc = p->descriptor ? p->descriptor : "";
	uint64_t capacity = p->sectors;
	uint32_t grain = p->grain;
	size_t desc_len = strlen(desc);
	uint64_t desc_sectors = round_up(desc_len + 1, VMDK_SECTOR) / VMDK_SECTOR;
	uint8_t hdr[VMDK_SECTOR];
	int err;

	if (grain == 0)
		grain = 128;
	if (grain > 2048 || (grain & (grain - 1)) || capacity == 0 ||
	    capacity > VMDK_MAX_CAPACITY)
		return vmdk_seterr(eb, VMDK_E_INVALID_ARG,
				   "stream grain size or capacity out of range");
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->eb = eb;
	w->level = p->level < 1 ? VMDK_DEFAULT_LEVEL : p->level;
	w->wb.off = p->no_sync;
	w->h = (struct sparse_header){
		.magic = SPARSE_MAGIC,
		.version = 3,
		.flags = SPARSE_FLAG_NL_DETECT | SPARSE_FLAG_COMPRESSED |
			 SPARSE_FLAG_MARKERS,
		.capacity = capacity,
		.grain_size = grain,
		.desc_offset = 1,
		.desc_size = desc_sectors,
		.gtes_per_gt = STREAM_GTES,
		.rgd_offset = 0,
		.gd_offset = SPARSE_GD_AT_END,
		.overhead = round_up(1 + desc_sectors, grain),
		.compress = SPARSE_COMPRESS_DEFLATE,
	};
	w->gd_entries = (uint32_t)((capacity + (uint64_t)grain * STREAM_GTES - 1) /
				   ((uint64_t)grain * STREAM_GTES));
	w->gd = calloc(round_up(w->gd_entries * 4ull, VMDK_SECTOR), 1);
	w->packed_max = stream_packed_max(grain);
	w->packed = malloc(w->packed_max);
	w->out = malloc(OUT_BATCH);
	if (!w->gd || !w->packed || !w->out) {
		stream_writer_free(w);
		return -ENOMEM;
	}
	sparse_header_encode(&w->h, hdr);
	err = put_sectors(w, hdr, 1);
	for (uint64_t s = 0; err == 0 && s < w->h.overhead - 1; s++) {
		uint8_t sec[VMDK_SECTOR] = { 0 };
		uint64_t at = s * VMDK_SECTOR;
		if (at < desc_len)
			memcpy(sec, desc + at, desc_len - at < VMDK_SECTOR ? desc_len - at : VMDK_SECTOR);
		err = put_sectors(w, sec, 1);
	}
	if (err < 0) {
		stream_writer_free(w);
		return err;
	}
	*out = w;
	return 0;
}

/* Write the current grain table if it holds anything; a directory entry
 * of 0 stands for a table with no grains. */
static int close_table(struct vmdk_writer *w)
{
	uint8_t *buf = (uint8_t *)w->gt;
	int err;

	if (!w->gt_used)
		return 0;
	err = put_marker(w, STREAM_GTES * 4 / VMDK_SECTOR, MARKER_GT);
	if (err < 0)
		return err;
	w->gd[w->gt_index] = (uint32_t)w->pos;
	for (unsigned i = 0; i < STREAM_GTES; i++)
		vmdk_put_le32(buf + 4 * i, w->gt[i]);
	err = put_sectors(w, buf, STREAM_GTES * 4 / VMDK_SECTOR);
	memset(w->gt, 0, sizeof(w->gt));
	w->gt_used = false;
	return err;
}

static size_t stream_packed_max(uint32_t grain)
{
	return round_up(compressBound(grain * VMDK_SECTOR) + GRAIN_MARKER_SIZE, VMDK_SECTOR);
}

static int stream_pack(struct vmdk_deflater *z, uint64_t lba, const void *data,
		       size_t len, uint8_t *out, size_t out_max, size_t *out_len)
{
	size_t packed_len, total;

	if (out_max < GRAIN_MARKER_SIZE)
		return -ENOBUFS;
	packed_len = vmdk_deflate(z, data, len, out + GRAIN_MARKER_SIZE,
				  out_max - GRAIN_MARKER_SIZE);
	if (packed_len == 0)
		return -ENOBUFS;
	vmdk_put_le64(out, lba);
	vmdk_put_le32(out + 8, (uint32_t)packed_len);
	total = round_up(packed_len + GRAIN_MARKER_SIZE, VMDK_SECTOR);
	if (total > out_max)
		return -ENOBUFS;
	memset(out + GRAIN_MARKER_SIZE + packed_len, 0,
	       total - GRAIN_MARKER_SIZE - packed_len);
	*out_len = total;
	return 0;
}

static int stream_writer_put(struct vmdk_writer *w, uint64_t grain,
			   const uint8_t *packed, size_t len)
{
	uint32_t table = (uint32_t)(grain / STREAM_GTES);
	int err;

	if (grain < w->next_grain || grain * w->h.grain_size >= w->h.capacity ||
	    len % VMDK_SECTOR || len == 0)
		return vmdk_seterr(w->eb, VMDK_E_INVALID_ARG,
				   "stream grain %llu out of order or size",
				   (unsigned long long)grain);
	if (table != w->gt_index) {
		err = close_table(w);
		if (err < 0)
			return err;
		w->gt_index = table;
	}
	if (w->pos > UINT32_MAX)
		return vmdk_seterr(w->eb, VMDK_E_NO_SPACE,
				   "stream beyond 2 TiB of compressed data");
	w->gt[grain % STREAM_GTES] = (uint32_t)w->pos;
	w->gt_used = true;
	w->next_grain = grain + 1;
	return put_sectors(w, packed, len / VMDK_SECTOR);
}

static int stream_writer_grain(struct vmdk_writer *w, uint64_t grain,
			     const void *data, size_t len)
{
	uint64_t gs = w->h.grain_size;
	size_t total;

	if (!w->z && !(w->z = vmdk_deflater_new(w->level)))
		return -ENOMEM;
	if (len == 0 || len > gs * VMDK_SECTOR ||
	    stream_pack(w->z, grain * gs, data, len, w->packed,
			     w->packed_max, &total) < 0)
		return vmdk_seterr(w->eb, VMDK_E_INVALID_ARG,
				   "stream grain %llu: bad size or deflate failure",
				   (unsigned long long)grain);
	return stream_writer_put(w, grain, w->packed, total);
}

static int stream_writer_finish(struct vmdk_writer *w)
{
	uint64_t gd_sectors = round_up(w->gd_entries * 4ull, VMDK_SECTOR) / VMDK_SECTOR;
	uint8_t *gd = (uint8_t *)w->gd, footer[VMDK_SECTOR];
	int err = close_table(w);

	if (err == 0)
		err = put_marker(w, gd_sectors, MARKER_GD);
	if (err < 0)
		return err;
	w->h.gd_offset = w->pos;
	for (uint32_t i = 0; i < w->gd_entries; i++)
		vmdk_put_le32(gd + 4 * i, w->gd[i]);
	err = put_sectors(w, gd, gd_sectors);
	if (err == 0)
		err = put_marker(w, 1, MARKER_FOOTER);
	if (err == 0) {
		sparse_header_encode(&w->h, footer);
		err = put_sectors(w, footer, 1);
	}
	if (err == 0)
		err = put_marker(w, 0, MARKER_EOS);
	return err == 0 ? flush_out(w) : err;
}

static void stream_writer_free(struct vmdk_writer *w)
{
	if (!w)
		return;
	free(w->gd);
	free(w->packed);
	free(w->out);
	vmdk_deflater_free(w->z);
	free(w);
}

const struct vmdk_writer_ops vmdk_stream_writer_ops = {
	.open = stream_writer_open,
	.packed_max = stream_packed_max,
	.pack = stream_pack,
	.put_packed = stream_writer_put,
	.put = stream_writer_grain,
	.finish = stream_writer_finish,
	.free = stream_writer_free,
};

/* An empty stream: header, descriptor, directory, footer, end marker. */
int vmdk_stream_create(int fd, const struct vmdk_extent_plan *p,
		       struct vmdk_errbuf *eb)
{
	struct vmdk_writer *w;
	int err = stream_writer_open(fd, p, &w, eb);

	if (err == 0) {
		err = stream_writer_finish(w);
		stream_writer_free(w);
	}
	return err;
}

/* An upper bound: every grain deflated at its worst, a table and its
 * marker for each table the extent has, directory, footer, markers. */
uint64_t vmdk_stream_space(const struct vmdk_extent_plan *p, uint64_t grains,
			   uint64_t sectors)
{
	uint32_t grain = p->grain ? p->grain : 128;
	uint64_t gts = (p->sectors + (uint64_t)grain * STREAM_GTES - 1) /
		       ((uint64_t)grain * STREAM_GTES);
	uint64_t desc = p->descriptor ? strlen(p->descriptor) + 1 : 0;

	(void)sectors;
	return round_up(VMDK_SECTOR + desc, (uint64_t)grain * VMDK_SECTOR) +
	       grains * stream_packed_max(grain) +
	       gts * (VMDK_SECTOR + STREAM_GTES * 4) + VMDK_SECTOR +
	       round_up(gts * 4, VMDK_SECTOR) + 3 * VMDK_SECTOR;
}
