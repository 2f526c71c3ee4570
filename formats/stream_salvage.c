/* SPDX-License-Identifier: MIT */
/* stream_salvage.c --- a damaged streamOptimized extent written again
 * from the grains its walk found intact: their deflate data copied as it
 * is, new tables, directory, footer and end-of-stream marker, the old
 * descriptor kept.  The new file replaces the old in one rename. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stream_check.h"

/* The embedded descriptor's text (NULL when there is none). */
static int old_descriptor(struct stc *k, char **out)
{
	uint64_t off = k->h.desc_offset, len = k->h.desc_size * VMDK_SECTOR;
	char *text;
	int err;

	*out = NULL;
	if (off == 0 || len == 0)
		return 0;
	/* check.c read it through the same bounds before the extent. */
	if (len > VMDK_MAX_DESCRIPTOR || off >= k->file_sectors ||
	    len > (k->file_sectors - off) * VMDK_SECTOR)
		return vmdk_seterr_at(k->x->eb, VMDK_E_NEEDS_REPAIR, k->x->path,
				      "embedded "
				      "descriptor lies outside the file");
	if (!(text = calloc(len + 1, 1)))
		return -ENOMEM;
	err = vmdk_pread_all(k->x->fd, text, len, off * VMDK_SECTOR);
	if (err < 0) {
		free(text);
		return vmdk_seterr_at(k->x->eb, err, k->x->path, "%s", vmdk_strerror(err));
	}
	*out = text;
	return 0;
}

struct salvage {
	struct stc *k;
	const char *descriptor;
};

/* k->found is sorted by final grain, the one to keep first. */
static int put_grains(struct stc *k, struct vmdk_writer *w)
{
	const struct vmdk_writer_ops *wo = &vmdk_stream_writer_ops;
	uint64_t last = STREAM_NO_GRAIN;
	int err = 0;

	for (size_t i = 0; err == 0 && i < k->n_found; i++) {
		const struct stream_grain *g = &k->found[i];
		size_t len = round_up(GRAIN_MARKER_SIZE + (size_t)g->size, VMDK_SECTOR);
		if (g->final == STREAM_NO_GRAIN || g->final == last)
			continue;
		last = g->final;
		/* The walk inflated these bytes whole. */
		err = vmdk_pread_all(k->x->fd, k->packed, GRAIN_MARKER_SIZE + g->size,
				     g->pos * VMDK_SECTOR);
		if (err < 0)
			return vmdk_seterr_at(k->x->eb, err, k->x->path, "%s",
					      vmdk_strerror(err));
		/* Its marker as weighed: the LBA kept, the size found. */
		vmdk_put_le64(k->packed, g->final * k->h.grain_size);
		vmdk_put_le32(k->packed + 8, g->size);
		memset(k->packed + GRAIN_MARKER_SIZE + g->size, 0,
		       len - GRAIN_MARKER_SIZE - g->size);
		err = wo->put_packed(w, g->final, k->packed, len);
	}
	return err;
}

static int fill(void *arg, int fd)
{
	const struct salvage *s = arg;
	struct stc *k = s->k;
	const struct vmdk_writer_ops *wo = &vmdk_stream_writer_ops;
	struct vmdk_extent_plan p = {
		.sectors = k->h.capacity, .grain = (uint32_t)k->h.grain_size,
		.descriptor = s->descriptor,
	};
	struct vmdk_writer *w;
	int err = wo->open(fd, &p, &w, k->x->eb);

	if (err < 0)
		return err;
	err = put_grains(k, w);
	if (err == 0)
		err = wo->finish(w);
	wo->free(w);
	return err;
}

int vmdk_stream_salvage(struct stc *k)
{
	struct salvage s = { .k = k };
	char *text;
	int err = old_descriptor(k, &text);

	if (err < 0)
		return err;
	s.descriptor = text;
	err = k->c->replace(k->c, fill, &s);
	free(text);
	return err;
}
