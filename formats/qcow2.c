/* SPDX-License-Identifier: MIT */
/* qcow2.c --- qcow2 images (versions 2 and 3), read only: the header,
 * its extensions, the backing file and external data file it names, and
 * the L1 table.  The cluster map and the data are qcow2_map.c's.
 * Refused by name: an encrypted image, one marked corrupt, an unknown
 * incompatible feature.  Internal snapshots are left alone: the active
 * layer is what is read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qcow2.h"

/* Header fields (big-endian). */
enum { Q_VERSION = 4, Q_BACKING_OFF = 8, Q_BACKING_LEN = 16, Q_CLUSTER_BITS = 20,
       Q_SIZE = 24, Q_CRYPT = 32, Q_L1_SIZE = 36, Q_L1_OFF = 40,
       Q_SNAPSHOTS = 60, Q_INCOMPAT = 72, Q_AUTOCLEAR = 88, Q_HEADER_LEN = 100,
       Q_COMPRESSION = 104 };
#define Q_V2_HEADER_LEN 72u
#define Q_V3_HEADER_LEN 104u

/* Header extensions. */
#define EXT_END 0u
#define EXT_BACKING_FORMAT 0xe2792acau
#define EXT_DATA_FILE 0x44415441u

/* qemu refuses L1 tables above 32 MiB; so do we. */
#define Q_MAX_L1_BYTES (32u << 20)
#define Q_MAX_BACKING_NAME 1023u

#define Q(x) ((struct qcow2 *)(x)->priv)

static int damaged(struct vmdk_extent *x, const char *what)
{
	return vmdk_seterr_at(x->eb, VMDK_E_NEEDS_REPAIR, x->path, "qcow2 %s", what);
}

static int refused(struct vmdk_extent *x, int code, const char *why)
{
	return vmdk_seterr_at(x->eb, code, x->path, "%s", why);
}

/* The header extensions after @hlen in the first cluster @c (@got bytes). */
static int read_extensions(struct vmdk_extent *x, const uint8_t *c, size_t got,
			   size_t hlen)
{
	struct qcow2 *q = Q(x);

	for (size_t off = hlen; off + 8 <= got;) {
		uint32_t type = vmdk_be32(c + off), len = vmdk_be32(c + off + 4);
		const char *data = (const char *)c + off + 8;

		if (type == EXT_END)
			return 0;
		if (len > got - off - 8)
			return damaged(x, "header extension runs past the first cluster");
		if (type == EXT_BACKING_FORMAT && !q->backing_format &&
		    !(q->backing_format = strndup(data, len < 32 ? len : 32)))
			return -ENOMEM;
		if (type == EXT_DATA_FILE && !q->data_file &&
		    !(q->data_file = strndup(data, len)))
			return -ENOMEM;
		off += 8 + ((len + 7ull) & ~7ull);
	}
	return damaged(x, "header extensions have no end");
}

static int read_backing_name(struct vmdk_extent *x, const uint8_t *c)
{
	struct qcow2 *q = Q(x);
	uint64_t off = vmdk_be64(c + Q_BACKING_OFF);
	uint32_t len = vmdk_be32(c + Q_BACKING_LEN);
	int err;

	if (!off)
		return 0;
	if (len == 0 || len > Q_MAX_BACKING_NAME || off > x->file_size ||
	    len > x->file_size - off)
		return damaged(x, "backing file name lies outside the file or is too long");
	if (!(q->backing = calloc(1, len + 1)))
		return -ENOMEM;
	err = vmdk_extent_pread(x, q->backing, len, off);
	if (err == 0 && strlen(q->backing) != len)
		err = damaged(x, "backing file name holds a NUL byte");
	return err;
}

/* The features we read, the ones we refuse by name. */
static int check_features(struct vmdk_extent *x, const uint8_t *c, size_t hlen)
{
	struct qcow2 *q = Q(x);
	uint64_t unknown = q->incompat & ~QCOW2_KNOWN_INCOMPAT;
	char msg[128];

	if (vmdk_be32(c + Q_CRYPT))
		return refused(x, VMDK_E_NOT_SUPPORTED, "an encrypted qcow2 image; "
			       "decrypt it first (qemu-img convert --object secret,...)");
	if (unknown) {
		snprintf(msg, sizeof(msg), "qcow2 image with an unknown incompatible "
			 "feature (bits 0x%llx)", (unsigned long long)unknown);
		return refused(x, VMDK_E_NOT_SUPPORTED, msg);
	}
	if (q->incompat & QCOW2_CORRUPT)
		return refused(x, VMDK_E_NEEDS_REPAIR, "qcow2 image marked corrupt; "
			       "see qemu-img check -r");
	if (q->incompat & QCOW2_COMPRESSION) {
		q->compression = hlen > Q_COMPRESSION ? c[Q_COMPRESSION] : -1;
		if (q->compression != 0 && q->compression != 1)
			return refused(x, VMDK_E_NOT_SUPPORTED, "qcow2 compression type "
				       "is neither zlib nor zstd");
	}
	if (q->incompat & QCOW2_EXTENDED_L2) {
		if (q->cluster_bits < 14)
			return damaged(x,
				       "extended L2 entries need clusters of 16 KiB or more");
		q->entry_bytes = 16;
		q->sub_bits = 5;
	}
	return 0;
}

static int read_l1(struct vmdk_extent *x, const uint8_t *c)
{
	struct qcow2 *q = Q(x);
	uint64_t per_l1 = q->cluster_size << q->l2_bits, off = vmdk_be64(c + Q_L1_OFF);
	uint64_t need = (q->size + per_l1 - 1) / per_l1;
	uint8_t *raw;
	int err;

	q->l1_size = vmdk_be32(c + Q_L1_SIZE);
	if (q->l1_size < need)
		return damaged(x, "L1 table is too small for the image's size");
	if ((uint64_t)q->l1_size * 8 > Q_MAX_L1_BYTES)
		return damaged(x, "L1 table is larger than 32 MiB");
	if (q->l1_size && (off % q->cluster_size || off > x->file_size ||
			   q->l1_size * 8ull > x->file_size - off))
		return damaged(x, "L1 table lies outside the file");
	q->l1 = calloc(q->l1_size ? q->l1_size : 1, sizeof(*q->l1));
	raw = malloc(q->l1_size * 8ull + 1);
	err = q->l1 && raw ? 0 : -ENOMEM;
	if (err == 0 && q->l1_size)
		err = vmdk_extent_pread(x, raw, q->l1_size * 8ull, off);
	for (uint32_t i = 0; err == 0 && i < q->l1_size; i++) {
		uint64_t l2 = vmdk_be64(raw + i * 8ull) & QCOW2_OFFSET_MASK;
		if (l2 % q->cluster_size || l2 > x->file_size ||
		    q->cluster_size > x->file_size - l2) {
			err = damaged(x, "L1 table names an L2 table outside the file");
			break;
		}
		q->l1[i] = l2;
	}
	free(raw);
	return err;
}

static int parse(struct vmdk_extent *x, const uint8_t *c, size_t got)
{
	struct qcow2 *q = Q(x);
	size_t hlen;
	int err;

	q->version = vmdk_be32(c + Q_VERSION);
	q->cluster_bits = vmdk_be32(c + Q_CLUSTER_BITS);
	q->size = vmdk_be64(c + Q_SIZE);
	q->nb_snapshots = vmdk_be32(c + Q_SNAPSHOTS);
	q->entry_bytes = 8;
	if (q->version != 2 && q->version != 3)
		return refused(x, VMDK_E_UNSUPPORTED_VERSION,
			       "qcow2 version is neither 2 nor 3");
	if (q->cluster_bits < 9 || q->cluster_bits > 21)
		return damaged(x, "cluster size is not 512 bytes to 2 MiB");
	q->cluster_size = 1ull << q->cluster_bits;
	hlen = Q_V2_HEADER_LEN;
	if (q->version == 3) {
		if (got < Q_V3_HEADER_LEN)
			return damaged(x, "header is truncated");
		hlen = vmdk_be32(c + Q_HEADER_LEN);
		if (hlen < Q_V3_HEADER_LEN || hlen > got || hlen % 8)
			return damaged(x, "header length is wrong");
		q->incompat = vmdk_be64(c + Q_INCOMPAT);
		q->autoclear = vmdk_be64(c + Q_AUTOCLEAR);
	}
	if (q->size == 0 || q->size > VMDK_MAX_CAPACITY * VMDK_SECTOR)
		return refused(x, VMDK_E_TOO_BIG, q->size ? "qcow2 image larger than "
			       "64 TiB" : "qcow2 image of size 0");
	err = check_features(x, c, hlen);
	q->l2_bits = q->cluster_bits - (q->entry_bytes == 16 ? 4 : 3);
	if (err == 0)
		err = read_extensions(x, c, got, hlen);
	if (err == 0 && (q->incompat & QCOW2_DATA_FILE) && !q->data_file)
		err = refused(x, VMDK_E_NOT_SUPPORTED, "qcow2 image with an external "
			      "data file it does not name");
	if (err == 0 && !(q->incompat & QCOW2_DATA_FILE)) {
		free(q->data_file);	/* named without the feature: not used */
		q->data_file = NULL;
	}
	if (err == 0)
		err = read_backing_name(x, c);
	if (err == 0)
		err = read_l1(x, c);
	return err;
}

/* What vmdk-info says besides the version and cluster size. */
static void write_notes(struct qcow2 *q)
{
	size_t n = 0;
	const char *sep = "";

#define NOTE(...) do { \
		n += (size_t)snprintf(q->notes + n, sizeof(q->notes) - n, __VA_ARGS__); \
		if (n >= sizeof(q->notes)) \
			n = sizeof(q->notes) - 1; \
		sep = "; "; \
	} while (0)
	if (q->incompat & QCOW2_EXTENDED_L2)
		NOTE("%sextended L2 entries", sep);
	if (q->compression == 1)
		NOTE("%szstd compression", sep);
	if (q->incompat & QCOW2_DIRTY)
		NOTE("%sdirty (its refcounts are stale; the map is read as it is)", sep);
	if (q->nb_snapshots)
		NOTE("%s%u internal snapshot%s (the active layer is read)", sep,
		     q->nb_snapshots, q->nb_snapshots == 1 ? "" : "s");
#undef NOTE
}

static int qcow2_open(struct vmdk_extent *x, const uint8_t *first)
{
	struct qcow2 *q = calloc(1, sizeof(*q));
	uint8_t *c = NULL;
	size_t got;
	int err;

	(void)first;
	if (!q)
		return -ENOMEM;
	x->priv = q;
	x->writable = false;
	/* The header and its extensions lie in the first cluster (at most
	 * 2 MiB); a shorter file is read as far as it goes. */
	got = x->file_size < (2u << 20) ? (size_t)x->file_size : 2u << 20;
	if (got < Q_V2_HEADER_LEN)
		return damaged(x, "header is truncated");
	c = malloc(got);
	if (!c)
		return -ENOMEM;
	err = vmdk_extent_pread(x, c, got, 0);
	if (err == 0) {
		if (vmdk_be32(c + Q_CLUSTER_BITS) <= 21 &&
		    got > 1ull << vmdk_be32(c + Q_CLUSTER_BITS))
			got = 1ull << vmdk_be32(c + Q_CLUSTER_BITS);
		err = parse(x, c, got);
	} else {
		err = vmdk_seterr_at(x->eb, err, x->path, "%s", vmdk_strerror(err));
	}
	free(c);
	if (err == 0) {
		x->sectors = (q->size + VMDK_SECTOR - 1) / VMDK_SECTOR;
		write_notes(q);
	}
	return err;
}

/* Read only: what the header says wrong ends the check; then every
 * table entry; compressed clusters are inflated.  Nothing is fixed. */
static int qcow2_check(struct vmdk_check_ctx *c, const uint8_t *first)
{
	return vmdk_image_check(c, first, qcow2_check_tables);
}

static int qcow2_close(struct vmdk_extent *x)
{
	struct qcow2 *q = Q(x);

	if (!q)
		return 0;
	qcow2_map_free(q);
	free(q->l1);
	free(q->backing);
	free(q->backing_format);
	free(q->data_file);
	if (q->data_attached) {
		close(q->data.fd);
		free(q->data.path);
	}
	free(q);
	x->priv = NULL;
	return 0;
}

static void qcow2_describe(const struct vmdk_extent *x, struct vmdk_extent_info *ei)
{
	const struct qcow2 *q = Q(x);

	ei->version = q->version;
	ei->grain_size = q->cluster_size / VMDK_SECTOR;
	ei->notes = q->notes[0] ? q->notes : NULL;
}

void vmdk_qcow2_meta(const struct vmdk_extent *x, struct vmdk_image_meta *m)
{
	const struct qcow2 *q = Q(x);

	m->backing = q->backing;
	m->backing_format = q->backing_format;
	m->data_file = q->data_file;
}

int vmdk_qcow2_attach_data(struct vmdk_extent *x, int fd, const char *path)
{
	struct qcow2 *q = Q(x);
	int err;

	q->data = (struct vmdk_extent){ .fd = fd, .eb = x->eb, .path = strdup(path) };
	err = q->data.path ? vmdk_file_size(fd, &q->data.file_size) : -ENOMEM;
	if (err < 0) {
		free(q->data.path);
		close(fd);
		return err == -ENOMEM
			       ? err
			       : vmdk_seterr_at(x->eb, err, path, "%s", vmdk_strerror(err));
	}
	q->data_attached = true;
	return 0;
}

const struct vmdk_format_ops vmdk_qcow2_ops = {
	.name = "qcow2",
	.open = qcow2_open,
	.status = qcow2_status,
	.read = qcow2_read,
	.flush = vmdk_image_flush,
	.close = qcow2_close,
	.describe = qcow2_describe,
	.check = qcow2_check,
	.descriptor_area = vmdk_image_no_descriptor,
	.no_write_hint = "qcow2 images are read, never written, here; "
			 "convert it with vmdk-clone",
	.no_grow_hint = "qcow2 images are read, never written, here; "
			"convert it with vmdk-clone",
};
