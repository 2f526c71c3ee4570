/* SPDX-License-Identifier: MIT */
/* format.h --- the interface every extent format implements, and the
 * registry that picks one.  The core sees a format only through this
 * table; a slot left NULL means "not supported" (see vmdk_format_*() in
 * registry.c, which turn that into VMDK_E_NOT_SUPPORTED in one place). */
#ifndef VMDK_FORMAT_H
#define VMDK_FORMAT_H

#ifdef VMDK_LAYER_BASE
#error "the formats' interface: base/ includes nothing above it"
#endif

#include "base.h"

/* An extent line's access (RW, RDONLY, NOACCESS) and its name. */
enum vmdk_access { VMDK_ACCESS_RW, VMDK_ACCESS_RDONLY, VMDK_ACCESS_NOACCESS };
const char *vmdk_access_name(int access);

enum vmdk_block_status {
	VMDK_BS_UNALLOC = 0,	/* not here: ask the parent */
	VMDK_BS_ZERO = 1,	/* reads as zeros, whatever the parent */
	VMDK_BS_DATA = 2,
};

struct vmdk_extent;

/* Reads @n sectors the extent does not hold, from @sector (relative to the
 * extent), out of the links below: what an allocating write copies. */
typedef int (*vmdk_backing_fn)(struct vmdk_extent *x, uint64_t sector,
			       uint32_t n, void *buf);

/* An open extent: the core fills in the first block, the format owns priv. */
struct vmdk_extent {
	const struct vmdk_format_ops *ops;
	struct vmdk_errbuf *eb;
	char *path;		/* NULL for ZERO */
	const char *kind;	/* descriptor type (static string) */
	int access;
	uint64_t start;		/* first disk sector */
	uint64_t sectors;
	uint64_t offset;	/* FLAT: sectors into the file */
	uint64_t geometry_floor;	/* of a one-extent disk: the fewest
					   sectors its geometry allows, or 0 */
	int fd;			/* -1 for ZERO and fetched extents */
	const struct vmdk_fetcher *fetch;	/* not a file here: read through it */
	bool writable;
	bool no_sync;		/* flush writes its metadata, no fsync */
	uint64_t file_size;
	vmdk_backing_fn backing;
	void *backing_arg;
	void *priv;		/* the format's state */
};

/* @len bytes at @off of @x's file, read here or through x->fetch (a
 * short file is -ENODATA either way).  Every read a format makes to
 * open and read an extent goes through this. */
int vmdk_extent_pread(const struct vmdk_extent *x, void *buf, size_t len,
		      uint64_t off);

/* A new, empty extent to lay out. */
struct vmdk_extent_plan {
	uint64_t sectors;
	uint32_t grain;		/* sparse grain in sectors; 0 = 128 */
	const char *descriptor;	/* text to embed (monolithic), or NULL */
	bool thin;		/* flat: leave the space unallocated */
	bool no_sync;		/* writers: leave the data to the page cache */
	int level;		/* writers: deflate level, < 1 = default */
};

/* A format written front to back (streamOptimized): grains in increasing
 * order, so that the output may be a pipe.  Packing is apart from
 * writing, so that it can run on many threads. */
struct vmdk_writer;
struct vmdk_writer_ops {
	int (*open)(int fd, const struct vmdk_extent_plan *p,
		    struct vmdk_writer **out, struct vmdk_errbuf *eb);
	/* Largest packed form of one grain of @grain sectors. */
	size_t (*packed_max)(uint32_t grain);
	/* Pack @len bytes of the grain at sector @lba into @out. */
	int (*pack)(struct vmdk_deflater *z, uint64_t lba, const void *data,
		    size_t len, uint8_t *out, size_t out_max, size_t *out_len);
	int (*put_packed)(struct vmdk_writer *w, uint64_t grain,
			  const uint8_t *packed, size_t len);
	/* Pack and put on the calling thread. */
	int (*put)(struct vmdk_writer *w, uint64_t grain, const void *data,
		   size_t len);
	int (*finish)(struct vmdk_writer *w);
	void (*free)(struct vmdk_writer *w);
};

/* What a format's check slot works on: an extent as its descriptor line
 * names it, its file open (for writing when repairing; x->fd, path,
 * sectors, offset, file_size and eb are set, open() was not called). */
struct vmdk_check_ctx {
	struct vmdk_extent *x;
	bool repair;		/* fixes the callback accepts are applied */
	bool child;		/* a parent lies below: a lost grain must hide it */
	/* Report a problem (its message formatted); 1: apply its fix. */
	int (*report)(struct vmdk_check_ctx *c, const struct vmdk_problem *p);
	/* Save @len bytes at @off of x's file before they are overwritten,
	 * and the file's size before it changes (see vmdk-check --undo). */
	int (*save)(struct vmdk_check_ctx *c, uint64_t off, size_t len);
	/* A repair that rewrites the whole file: @fill writes the new one
	 * (on @fd, beside x's file), which then takes x's place in one
	 * rename; x->fd still reads the old one. */
	int (*replace)(struct vmdk_check_ctx *c, int (*fill)(void *arg, int fd),
		       void *arg);
	void *arg;
	uint64_t tables, grains;	/* what was checked */
	/* Kept by vmdk_check_report(): fixes said yes and no to, errors
	 * with no fix.  A format writes only when vmdk_check_may_write(). */
	bool accepted, declined;
	unsigned errors_left;
	/* Set by a format whose evidence says the extent line's size is
	 * what is wrong: the core rewrites the line (when the fix was
	 * taken). */
	uint64_t extent_sectors;
};

/* What the header of a file holding its own descriptor says: where the
 * descriptor is, and what a rebuilt one must state. */
struct vmdk_embedded {
	uint64_t off, len;	/* the descriptor area, in bytes */
	int type;		/* VMDK_TYPE_* */
	uint64_t capacity;	/* sectors */
};

/* What a format's compact slot is asked to do (vmdk-shrink, vmdk-defrag)
 * and what it tells back. */
enum vmdk_compact_mode {
	VMDK_COMPACT_MEASURE,	/* fragmentation only; nothing written */
	VMDK_COMPACT_SHRINK,	/* release zero grains, fill the holes from
				   the end, truncate */
	VMDK_COMPACT_DEFRAG,	/* grains in LBA order, no holes, truncate */
};
struct vmdk_compact_ctx {
	struct vmdk_extent *x;	/* open (for writing unless MEASURE) */
	int mode;
	bool child;		/* a parent lies below: a zero grain hides it */
	uint64_t scratch;	/* sectors the file may grow by meanwhile */
	/* Called as grains are handled; nonzero cancels (between steps). */
	int (*progress)(struct vmdk_compact_ctx *c, uint64_t done, uint64_t total);
	void *arg;
	/* Told back. */
	uint64_t grains;		/* allocated before */
	uint64_t released, zero_kept;	/* zero grains let go / kept */
	uint64_t moved;
	uint64_t disorder_before, holes_before;	/* grains out of LBA order;
						   free grains before the end */
	uint64_t disorder_after, holes_after;
};

/* Up to 8 bytes at a byte offset of the first sector. */
struct vmdk_magic {
	const char *bytes;
	size_t len;
	size_t offset;
};

/* Bits of vmdk_format_ops.creates: the vmdk_create() types a format lays
 * out (VMDK_TYPE_RAW has a bit of its own). */
#define VMDK_CREATES(type) \
	((type) == VMDK_TYPE_RAW ? 1u << 31 : 1u << ((unsigned)(type) & 31u))

struct vmdk_format_ops {
	const char *name;		/* what vmdk-info calls it */

	/* ---- registry ---- */
	/* Descriptor extent types served ("SPARSE", ...), NULL-terminated;
	 * NULL: never named by a descriptor (raw images). */
	const char *const *kinds;
	/* The file's magic; none (len 0): the descriptor type decides. */
	struct vmdk_magic magic;
	/* After the magic matched, is @first (512 bytes) really ours? */
	bool (*probe)(const uint8_t *first);
	unsigned creates;		/* VMDK_CREATES() bits */

	/* ---- an open extent ---- */
	/* x->fd, path, sectors, offset and writable are set. */
	int (*open)(struct vmdk_extent *x, const uint8_t *first_sector);
	/* How sectors from @sector are held, and for how long (*run >= 1). */
	int (*status)(struct vmdk_extent *x, uint64_t sector, uint64_t n,
		      uint64_t *run);
	int (*read)(struct vmdk_extent *x, uint64_t sector, uint32_t n,
		    void *buf);
	int (*write)(struct vmdk_extent *x, uint64_t sector, uint32_t n,
		     const void *buf);
	int (*flush)(struct vmdk_extent *x);
	/* The grain at @sector (status said DATA), as the stream writer
	 * packs one: its marker and deflate bytes, sector-padded, checked to
	 * inflate whole; 0 when it reads as zeros (nothing to write).  Lets
	 * a copy to a stream re-frame grains instead of recompressing them.
	 * NULL: not offered. */
	int (*packed_grain)(struct vmdk_extent *x, uint64_t sector,
			    const uint8_t **packed, size_t *len);
	/* Make @n sectors read as zeros by letting go of whole allocation
	 * units (grains), the rest written with zeros; @below: a link lies
	 * underneath, whose data a released unit must not show.  NULL: the
	 * core writes zeros. */
	int (*release)(struct vmdk_extent *x, uint64_t sector, uint64_t n,
		       bool below);
	int (*close)(struct vmdk_extent *x);	/* frees priv */
	void (*describe)(const struct vmdk_extent *x,
			 struct vmdk_extent_info *ei);
	/* Embedded descriptor area of an open extent, in bytes. */
	void (*descriptor_area)(const struct vmdk_extent *x, uint64_t *off,
				uint64_t *len);
	/* The same from a first sector that matched the magic, before any
	 * open: 1 and what it says, or 0 if this file holds none. */
	int (*embedded_descriptor)(const uint8_t *first, struct vmdk_embedded *e);

	/* ---- changing the layout ---- */
	/* Lay out an empty extent on the empty file @fd. */
	int (*create)(int fd, const struct vmdk_extent_plan *p,
		      struct vmdk_errbuf *eb);
	/* Enlarge an extent opened for writing to @sectors, in place: a
	 * crash leaves it readable with its old size or its new one. */
	int (*grow)(struct vmdk_extent *x, uint64_t sectors, bool thin);
	/* Bytes a new extent laid out by @p takes when it holds @grains
	 * grains of data, @sectors sectors in all (linear in both). */
	uint64_t (*space)(const struct vmdk_extent_plan *p, uint64_t grains,
			  uint64_t sectors);
	uint64_t max_sectors;		/* largest extent it can describe */
	const struct vmdk_writer_ops *writer;
	/* Check (and repair) an extent that may not open: every problem
	 * goes to c->report.  1 when a repair was written, 0 when nothing
	 * was, negative when the check could not run.  A repair must leave
	 * the extent as it was or repaired if killed at any instant. */
	int (*check)(struct vmdk_check_ctx *c, const uint8_t *first);

	/* Reclaim and reorder an extent in place (see vmdk_compact_ctx): a
	 * grain is copied to a free place and synced before the tables name
	 * it, and its old place is reused only after those tables are
	 * synced, so a kill at any instant leaves every sector readable as
	 * before.  The extent is closed afterwards. */
	int (*compact)(struct vmdk_compact_ctx *c);
	const char *no_compact_hint;

	/* Why write and grow are NULL, for the messages ("streamOptimized
	 * disks cannot be written in place; ..."); NULL: a plain refusal. */
	const char *no_write_hint;
	const char *no_grow_hint;
};

/* ---- check_report.c: a problem from a format's check slot ---- */
struct vmdk_problem_at {
	int code, severity;
	uint64_t offset;		/* byte offset, VMDK_NO_OFFSET */
	int64_t gd_index, gt_index;	/* -1 when none */
	uint64_t lba, lba_count;
	const char *fix;		/* NULL: none */
	uint64_t discards;		/* sectors the fix gives up (struct
					   vmdk_problem) */
};
/* Format the message and pass the problem on; 1 if it is to be fixed. */
int vmdk_check_report(struct vmdk_check_ctx *c, const struct vmdk_problem_at *at,
		      const char *fmt, ...) VMDK_PRINTF(3, 4);
/* A repair to write: every fix it needs was taken, none is missing. */
bool vmdk_check_may_write(const struct vmdk_check_ctx *c);

/* ---- grain_run.c: what formats of fixed-size grains share ---- */
/* A grain's VMDK_BS_* state, or a negative error. */
typedef int (*vmdk_grain_state_fn)(struct vmdk_extent *x, uint64_t grain);
/* The status slot of such a format: the state of the grain holding
 * @sector, *run the sectors up to @n that share it. */
int vmdk_grain_run(struct vmdk_extent *x, uint64_t sector, uint64_t n,
		   uint64_t grain_size, vmdk_grain_state_fn state, uint64_t *run);

/* ---- stream_pipe.c, raw_pipe.c: disks read once from a pipe ---- */
extern const struct vmdk_format_ops vmdk_stream_pipe_ops, vmdk_raw_pipe_ops;
/* @head (@got bytes) is a stream header that can be read from a pipe. */
bool vmdk_stream_pipe_fits(const uint8_t *head, size_t got);
/* The stream on x->fd, its header sector @head read already: the rest of
 * its metadata read, *@desc its descriptor (free it), x->sectors set. */
int vmdk_stream_pipe_open(struct vmdk_extent *x, const uint8_t *head, char **desc);
/* A raw image of @bytes on x->fd, whose first @got bytes @head were read
 * already; x->sectors set. */
int vmdk_raw_pipe_open(struct vmdk_extent *x, const uint8_t *head, size_t got,
		       uint64_t bytes);

/* ---- registry.c ---- */
/* The format of an extent of descriptor type @kind whose file starts with
 * @got bytes @first; NULL with *err and @eb set when none fits. */
const struct vmdk_format_ops *
vmdk_format_pick(const char *kind, const uint8_t *first, size_t got,
		 const char *path, struct vmdk_errbuf *eb, int *err);
/* The format that lays out disks of @type (VMDK_TYPE_*, VMDK_TYPE_RAW). */
const struct vmdk_format_ops *vmdk_format_for_type(int type);
/* Whether the file @path starting with @first holds its own descriptor:
 * 1 with its area, 0 if it is a text file, or an error when it is an
 * extent that can only be opened through a descriptor file. */
int vmdk_format_descriptor_area(const uint8_t *first, size_t got,
				const char *path, struct vmdk_embedded *e,
				struct vmdk_errbuf *eb);
/* The one place a NULL slot becomes an error: 0 if @x can be written
 * (grown) in place, else why not, in @x->eb; @owner names the file for
 * extents that have none (ZERO). */
int vmdk_format_can_write(const struct vmdk_extent *x, const char *owner);
/* @n sectors of zeros from @sector through the extent's write. */
int vmdk_format_write_zeros(struct vmdk_extent *x, uint64_t sector, uint64_t n);
int vmdk_format_can_grow(const struct vmdk_extent *x, const char *owner);
int vmdk_format_can_compact(const struct vmdk_extent *x, const char *owner);

#endif
