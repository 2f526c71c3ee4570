/* SPDX-License-Identifier: MIT */
/* qcow2.h --- what qcow2.c (the header) and qcow2_map.c (the cluster
 * map and the data) share.  Field offsets and bits are those of qemu's
 * qcow2 specification (docs/interop/qcow2.txt). */
#ifndef VMDK_QCOW2_H
#define VMDK_QCOW2_H

#include "image.h"

/* Incompatible feature bits. */
#define QCOW2_DIRTY		(1ull << 0)
#define QCOW2_CORRUPT		(1ull << 1)
#define QCOW2_DATA_FILE		(1ull << 2)
#define QCOW2_COMPRESSION	(1ull << 3)
#define QCOW2_EXTENDED_L2	(1ull << 4)
#define QCOW2_KNOWN_INCOMPAT	0x1full
/* Autoclear: the external data file holds guest offset = host offset. */
#define QCOW2_RAW_DATA		(1ull << 0)

#define QCOW2_OFFSET_MASK	0x00fffffffffffe00ull
#define QCOW2_COMPRESSED	(1ull << 62)
#define QCOW2_COPIED		(1ull << 63)
#define QCOW2_ZERO		1ull

#define QCOW2_L2_SLOTS 8

struct qcow2_l2 {
	uint64_t off;		/* of the table in the file; 0: empty slot */
	uint64_t last_use;
	uint8_t *table;		/* one cluster, as on disk */
};

struct qcow2 {
	uint32_t version, cluster_bits;
	uint64_t cluster_size, size;	/* size in bytes */
	uint64_t incompat, autoclear;
	uint32_t l1_size, nb_snapshots;
	uint64_t *l1;			/* host order, offset bits only */
	unsigned entry_bytes;		/* 8, or 16 with extended L2 */
	unsigned sub_bits;		/* 5 with extended L2 (32 subclusters) */
	unsigned l2_bits;		/* log2 of entries per table */
	int compression;		/* 0 deflate, 1 zstd */
	char *backing, *backing_format;
	/* The external data file (its name, and once attached the file the
	 * data clusters are read from; else they are x's own). */
	char *data_file;
	struct vmdk_extent data;
	bool data_attached;
	struct qcow2_l2 cache[QCOW2_L2_SLOTS];
	uint64_t uses;
	/* The last compressed cluster, inflated. */
	uint64_t unpacked_cluster;	/* guest cluster + 1; 0: none */
	uint8_t *unpacked, *packed;
	struct vmdk_inflater *inflater;
	void *zstd;			/* ZSTD_DCtx */
	char notes[160];		/* for vmdk-info */
};

/* The file a data cluster is read from. */
static inline struct vmdk_extent *qcow2_data(struct vmdk_extent *x, struct qcow2 *q)
{
	return q->data_attached ? &q->data : x;
}

/* qcow2_map.c */
int qcow2_status(struct vmdk_extent *x, uint64_t sector, uint64_t n,
		 uint64_t *run);
int qcow2_read(struct vmdk_extent *x, uint64_t sector, uint32_t n, void *buf);
void qcow2_map_free(struct qcow2 *q);
/* Every entry of the active tables judged, problems to @c (open done). */
int qcow2_check_tables(struct vmdk_check_ctx *c);

#endif
