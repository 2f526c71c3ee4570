/* SPDX-License-Identifier: MIT */
/* sparse_meta.h --- grain directory and grain tables, shared by hosted
 * sparse and streamOptimized extents */
#ifndef SPARSE_META_H
#define SPARSE_META_H

#include "vmdk_ondisk.h"

/* Tables are read through a small cache per extent, filled as used: a
 * split disk of a thousand extents must not hold a thousand big caches. */
#define GT_CACHE_SLOTS 8

struct gt_cache_slot {
	bool valid;
	bool dirty;		/* entries changed since read: write back */
	uint32_t gd_index;
	uint32_t *gte;		/* gtes_per_gt entries, host order */
};

struct sparse_meta {
	struct sparse_header h;		/* the footer's, when it has one */
	bool has_footer;
	uint64_t gt_coverage;		/* sectors one grain table maps */
	uint32_t gd_entries;
	uint32_t gt_sectors;		/* on disk, rounded up */
	uint32_t *gd;			/* host order */
	uint32_t *rgd;			/* NULL without a redundant GD */
	struct gt_cache_slot cache[GT_CACHE_SLOTS];
	uint32_t *scratch;		/* a redundant table read to compare */
};

/* Validate the header in @first (and the footer of a stream), load the
 * grain directories.  Every size is bounded against the file first. */
int vmdk_sparse_meta_load(struct vmdk_extent *x, struct sparse_meta *m,
		     const uint8_t *first);
/* The directories alone, for formats that fill m->h from a header of
 * their own (COWD): grain size, entries per table, capacity, directory
 * offset and the metadata size that no grain may point into. */
int vmdk_sparse_meta_directories(struct vmdk_extent *x, struct sparse_meta *m);
void vmdk_sparse_meta_free(struct sparse_meta *m);

/* The grain table entry for @grain (0 when its table is absent). */
int vmdk_sparse_meta_gte(struct vmdk_extent *x, struct sparse_meta *m,
		    uint64_t grain, uint32_t *gte);
/* Point @grain at sector @value in the GT and redundant GT, allocating the
 * tables when the directory has none (sectors from *next_free). */
int vmdk_sparse_meta_set_gte(struct vmdk_extent *x, struct sparse_meta *m,
			uint64_t grain, uint32_t value, uint64_t *next_free);

/* Table @gd_index (as the reader resolves it) is to be written again,
 * both copies alike. */
int vmdk_sparse_meta_touch(struct vmdk_extent *x, struct sparse_meta *m,
			   uint32_t gd_index);

/* Write changed grain tables (and their redundant copies) back.  Entries
 * change in memory only, after the grains they point to were written, so
 * a crash loses new grains but never exposes unwritten ones. */
int vmdk_sparse_meta_flush(struct vmdk_extent *x, struct sparse_meta *m);

/* How a grain table entry reads: VMDK_BS_* or an error for an entry
 * pointing outside the grain area. */
int vmdk_sparse_meta_classify(struct vmdk_extent *x, const struct sparse_meta *m,
			 uint64_t grain, uint32_t gte);

/* Whether grain table entries @a and @b name grains of the same content
 * (a zeroed-grain entry reads as zeros); false for entries outside the
 * grain area. */
int vmdk_sparse_meta_same_grains(const struct vmdk_extent *x,
				 const struct sparse_header *h,
				 uint64_t file_size, uint32_t a, uint32_t b,
				 bool *same);

/* The ops both sparse formats share (x->priv starts with the meta). */
int vmdk_sparse_meta_grain_status(struct vmdk_extent *x, uint64_t g, uint32_t *gte);
int vmdk_sparse_meta_status(struct vmdk_extent *x, uint64_t sector, uint64_t n,
		       uint64_t *run);
void vmdk_sparse_meta_describe(const struct vmdk_extent *x,
			  struct vmdk_extent_info *ei);
void vmdk_sparse_meta_descriptor_area(const struct vmdk_extent *x, uint64_t *off,
				 uint64_t *len);

/* One grain's share of a request. */
struct sparse_piece {
	uint64_t grain;
	uint32_t gte;
	int status;		/* VMDK_BS_* */
	uint64_t within;	/* first sector inside the grain */
	uint32_t count;		/* sectors */
	uint8_t *buf;		/* the caller's bytes for these sectors */
};
typedef int (*sparse_piece_fn)(struct vmdk_extent *x,
			       const struct sparse_piece *p);
/* Split [sector, sector + n) at grain boundaries and call @fn for each
 * piece, with its grain's status; stops at the first error.  With @join a
 * data piece goes on over the grains stored right after it. */
int vmdk_sparse_meta_each_piece(struct vmdk_extent *x, uint64_t sector, uint32_t n,
				uint8_t *buf, sparse_piece_fn fn, bool join);

/* A piece of an uncompressed extent (hosted sparse, COWD). */
int vmdk_sparse_meta_read_piece(struct vmdk_extent *x, const struct sparse_piece *p);

/* Write a grain directory of @new_n entries at sector @at: the first
 * @old_n from @old (host order), the others pointing at consecutive
 * tables of @gt_sectors from @first_new. */
int vmdk_sparse_meta_write_directory(int fd, uint64_t at, const uint32_t *old,
				     uint32_t old_n, uint32_t new_n,
				     uint64_t first_new, uint32_t gt_sectors);

/* Slots of the sparse formats' tables, in their own files. */
int vmdk_sparse_create(int fd, const struct vmdk_extent_plan *p,
		       struct vmdk_errbuf *eb);
uint64_t vmdk_sparse_space(const struct vmdk_extent_plan *p, uint64_t grains,
			   uint64_t sectors);
int vmdk_sparse_grow(struct vmdk_extent *x, uint64_t sectors, bool thin);
int vmdk_sparse_check(struct vmdk_check_ctx *c, const uint8_t *first);
int vmdk_sparse_compact(struct vmdk_compact_ctx *c);
/* sparse_relocate.c: tables and directories a grow left behind the
 * grains go back in front of them, as create lays them out (crash safe;
 * @moved counts the grains that made room).  _room: the bytes the file
 * may grow by meanwhile, 0 when nothing is out of place. */
int vmdk_sparse_relocate(struct vmdk_extent *x, struct sparse_meta *m,
			 uint64_t *moved);
uint64_t vmdk_sparse_relocate_room(const struct sparse_meta *m);
int vmdk_stream_check(struct vmdk_check_ctx *c, const uint8_t *first);
int vmdk_sparse_embedded_descriptor(const uint8_t *first,
				    struct vmdk_embedded *e);
int vmdk_stream_create(int fd, const struct vmdk_extent_plan *p,
		       struct vmdk_errbuf *eb);
uint64_t vmdk_stream_space(const struct vmdk_extent_plan *p, uint64_t grains,
			   uint64_t sectors);
extern const struct vmdk_writer_ops vmdk_stream_writer_ops;

static inline uint64_t round_up(uint64_t v, uint64_t to)
{
	return (v + to - 1) / to * to;
}

#endif
