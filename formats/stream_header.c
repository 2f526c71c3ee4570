/* SPDX-License-Identifier: MIT */
/* stream_header.c --- a streamOptimized header weighed against what else
 * the file says: its footer, the descriptor's size, the specification
 * (512 entries a table), and its grains, which carry their own evidence:
 * a full grain inflates to exactly the grain size, and the first grain
 * marker sits where the metadata ends (overHead).  The one field the
 * others contradict is named, so that a salvage writes the stream again
 * through the right values instead of losing every grain. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stream_header.h"

#define PROBE_SECTORS 65536u	/* how far the first grain is looked for */
#define MAX_GRAIN_BYTES (2048u * VMDK_SECTOR)

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* Whether the sector @m looks like a grain marker followed by a zlib
 * stream (RFC 1950's header check). */
static bool grain_marker(const uint8_t *m)
{
	return vmdk_le32(m + 8) && (m[12] & 0x0f) == 8 && ((m[12] << 8) | m[13]) % 31 == 0;
}

/* The first grain from sector @from: its sector and how many sectors it
 * inflates to; 0 when none is found. */
static int first_grain(int fd, uint64_t file_sectors, uint64_t from,
		       uint64_t *pos, uint64_t *sectors)
{
	size_t packed_max = compressBound(MAX_GRAIN_BYTES) + GRAIN_MARKER_SIZE;
	uint64_t end = file_sectors < from + PROBE_SECTORS ? file_sectors
							  : from + PROBE_SECTORS;
	uint8_t *packed = malloc(packed_max), *out = malloc(MAX_GRAIN_BYTES);
	struct vmdk_inflater *z = vmdk_inflater_new();
	int err = packed && out && z ? 0 : -ENOMEM;

	*pos = *sectors = 0;
	for (uint64_t s = from; err == 0 && s < end; s++) {
		uint64_t room = (file_sectors - s) * VMDK_SECTOR;
		size_t len = room < packed_max ? (size_t)room : packed_max, got = 0, used;
		if ((err = vmdk_pread_all(fd, packed, VMDK_SECTOR, s * VMDK_SECTOR)) < 0)
			break;
		if (!grain_marker(packed))
			continue;
		if ((err = vmdk_pread_all(fd, packed, len, s * VMDK_SECTOR)) < 0)
			break;
		if (vmdk_inflate_ex(z, packed + GRAIN_MARKER_SIZE, len - GRAIN_MARKER_SIZE,
				    out, MAX_GRAIN_BYTES, &got, &used) < 0 ||
		    got % VMDK_SECTOR || !got)
			continue;
		*pos = s;
		*sectors = got / VMDK_SECTOR;
		break;
	}
	vmdk_inflater_free(z);
	free(packed);
	free(out);
	return err == -ENODATA ? 0 : err;
}

static void add(struct stream_weighed *w, const char *field, uint64_t was,
		uint64_t value, const char *evidence, bool other_agrees)
{
	if (w->n < STREAM_MAX_FIXES)
		w->fix[w->n++] = (struct stream_fix){ field, was, value, evidence,
						      other_agrees };
}

int vmdk_stream_weigh_header(int fd, uint64_t file_size, struct sparse_header *h,
			     const struct sparse_header *footer,
			     uint64_t desc_sectors, struct stream_weighed *w)
{
	uint64_t sectors = file_size / VMDK_SECTOR, meta = 1, pos, inflated;
	int err;

	memset(w, 0, sizeof(*w));
	if (h->desc_offset && h->desc_size < sectors && h->desc_offset < sectors)
		meta = h->desc_offset + h->desc_size;
	err = first_grain(fd, sectors, meta, &pos, &inflated);
	if (err < 0)
		return err;
	/* A full grain inflates to the grain size (a disk smaller than one
	 * grain says nothing). */
	if (inflated && is_pow2(inflated) && inflated >= 8 && inflated != h->grain_size &&
	    (!footer || footer->grain_size == inflated || footer->grain_size == h->grain_size) &&
	    desc_sectors >= inflated)
		add(w, "grainSize", h->grain_size, inflated,
		    "its grains inflate to that many sectors",
		    footer && footer->grain_size == inflated);
	if (h->gtes_per_gt != SPARSE_SPEC_GTES)
		add(w, "numGTEsPerGT", h->gtes_per_gt, SPARSE_SPEC_GTES,
		    "the specification fixes 512 entries a table",
		    footer && footer->gtes_per_gt == SPARSE_SPEC_GTES);
	if (desc_sectors && h->capacity != desc_sectors &&
	    (!footer || footer->capacity == desc_sectors))
		add(w, "capacity", h->capacity, desc_sectors, "the descriptor says so",
		    footer != NULL);
	/* The first grain follows the metadata. */
	if (pos && h->overhead != pos && (!footer || footer->overhead == pos))
		add(w, "overHead", h->overhead, pos, "the first grain marker is there",
		    footer != NULL);
	for (int i = 0; i < w->n; i++) {
		const struct stream_fix *f = &w->fix[i];
		if (!strcmp(f->field, "grainSize"))
			h->grain_size = f->value;
		else if (!strcmp(f->field, "numGTEsPerGT"))
			h->gtes_per_gt = (uint32_t)f->value;
		else if (!strcmp(f->field, "capacity"))
			h->capacity = f->value;
		else if (!strcmp(f->field, "overHead"))
			h->overhead = f->value;
	}
	return 0;
}
