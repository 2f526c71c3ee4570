/* vmdk_int.h --- private declarations shared by libvmdk/ and formats/ */
#ifndef VMDK_INT_H
#define VMDK_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "vmdk.h"

#define VMDK_ERRMSG_MAX 512
#define VMDK_SECTOR 512ull

/* Largest capacity we open or create: 64 TiB, above VMFS's 62 TB limit.
 * Bounding it keeps every derived table (grain directory) small. */
#define VMDK_MAX_CAPACITY (1ull << 37)
/* Largest text descriptor we read, as other readers do (1 MiB). */
#define VMDK_MAX_DESCRIPTOR (1u << 20)
/* Chains deeper than this are treated as loops. */
#define VMDK_MAX_CHAIN 255

#define VMDK_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Where a detailed message goes: a handle's buffer or a thread-local one. */
struct vmdk_errbuf {
	char msg[VMDK_ERRMSG_MAX];
};

/* Record @code with a formatted detail; returns @code for tail calls. */
int vmdk_seterr(struct vmdk_errbuf *eb, int code, const char *fmt, ...)
	VMDK_PRINTF(3, 4);
/* The thread-local buffer used before a handle exists. */
struct vmdk_errbuf *vmdk_open_errbuf(void);

/* ---- io.c: whole reads and writes, locks, zero test ---- */
int vmdk_pread_all(int fd, void *buf, size_t len, uint64_t off);
int vmdk_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);
int vmdk_pwrite_zeros(int fd, uint64_t len, uint64_t off);
int vmdk_lock_fd(int fd, bool exclusive);
int vmdk_file_size(int fd, uint64_t *size);
int vmdk_fsync_dir_of(const char *path);
/* Writing back as a file grows: once @end passes the last call's end by
 * VMDK_WRITEBACK_STEP, the kernel is told to start writing the new part
 * out, so that the fsync closing a copy has little left to wait for. */
#define VMDK_WRITEBACK_STEP (8u << 20)
struct vmdk_writeback {
	uint64_t started;	/* bytes below this are on their way */
	bool off;		/* the copy is not to be synced at all */
};
void vmdk_writeback(struct vmdk_writeback *wb, int fd, uint64_t end);
bool vmdk_is_zero(const void *buf, size_t len);
uint32_t vmdk_random32(void);

/* ---- little-endian helpers for on-disk fields ---- */
static inline uint16_t vmdk_le16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)(b[0] | b[1] << 8);
}
static inline uint32_t vmdk_le32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}
static inline uint64_t vmdk_le64(const void *p)
{
	const uint8_t *b = p;
	return (uint64_t)vmdk_le32(b) | (uint64_t)vmdk_le32(b + 4) << 32;
}
static inline void vmdk_put_le16(void *p, uint16_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}
static inline void vmdk_put_le32(void *p, uint32_t v)
{
	uint8_t *b = p;
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}
static inline void vmdk_put_le64(void *p, uint64_t v)
{
	vmdk_put_le32(p, (uint32_t)v);
	vmdk_put_le32((uint8_t *)p + 4, (uint32_t)(v >> 32));
}

/* ---- pool.c: helper threads sharing a batch of jobs with the caller ---- */
#define VMDK_POOL_MAX_HELPERS 7u
struct vmdk_pool;
/* @worker: 0 for the caller, 1.. for the helpers. */
typedef void (*vmdk_pool_fn)(void *arg, unsigned job, unsigned worker);
/* NULL if no thread could be started. */
struct vmdk_pool *vmdk_pool_new(unsigned helpers);
/* Run jobs 0..@njobs-1 on the helpers and the caller; back when all are done. */
void vmdk_pool_run(struct vmdk_pool *p, vmdk_pool_fn fn, void *arg,
		   unsigned njobs);
void vmdk_pool_free(struct vmdk_pool *p);

/* ---- deflate.c: whole-grain (de)compression; one object per thread ---- */
/* libdeflate's level 4 already makes smaller streams than zlib's default
 * level 6, at three times its speed. */
#define VMDK_DEFAULT_LEVEL 4
struct vmdk_deflater;
struct vmdk_inflater;
struct vmdk_deflater *vmdk_deflater_new(int level);
void vmdk_deflater_free(struct vmdk_deflater *z);
/* A zlib stream of @in into @out: its length, or 0 if it did not fit. */
size_t vmdk_deflate(struct vmdk_deflater *z, const void *in, size_t len,
		    void *out, size_t max);
struct vmdk_inflater *vmdk_inflater_new(void);
void vmdk_inflater_free(struct vmdk_inflater *z);
/* A zlib or raw deflate stream into at most @max bytes; *got of them. */
int vmdk_inflate(struct vmdk_inflater *z, const void *in, size_t len,
		 void *out, size_t max, size_t *got);

/* ---- descriptor.c: the descriptor as a list of lines ---- */
enum vmdk_access { VMDK_ACCESS_RW, VMDK_ACCESS_RDONLY, VMDK_ACCESS_NOACCESS };

enum vmdk_line_kind {
	VMDK_LINE_OTHER,	/* comment or blank: kept as text */
	VMDK_LINE_HEADER,	/* key=value */
	VMDK_LINE_EXTENT,
	VMDK_LINE_DDB,		/* ddb.key = "value" */
};

struct vmdk_extent_line {
	int access;		/* enum vmdk_access */
	uint64_t sectors;
	char kind[16];		/* SPARSE, FLAT, ZERO, VMFS, ... */
	char *file;		/* NULL for ZERO */
	bool has_offset;
	uint64_t offset;
};

struct vmdk_line {
	int kind;		/* enum vmdk_line_kind */
	char *text;		/* the line as read, without its end */
	const char *eol;	/* "\n", "\r\n" or "" (last line) */
	char *key;		/* HEADER, DDB: as written */
	char *value;		/* HEADER, DDB: unquoted */
	bool quoted;
	struct vmdk_extent_line ext;
};

struct vmdk_descriptor {
	struct vmdk_line *lines;
	size_t nlines, cap;
	/* Parsed from the header lines (kept in step by vmdk_desc_set). */
	int version;
	uint32_t cid, parent_cid;
	const char *create_type;
	const char *parent_hint;	/* NULL if none */
};

int vmdk_desc_parse(const char *text, size_t len,
		    struct vmdk_descriptor **out, struct vmdk_errbuf *eb);
/* The text, NUL-terminated; *len excludes the NUL.  NULL on ENOMEM. */
char *vmdk_desc_serialize(const struct vmdk_descriptor *d, size_t *len);
/* Value of a header key ("CID") or ddb key ("ddb.uuid"), any case. */
const char *vmdk_desc_get(const struct vmdk_descriptor *d, const char *key);
/* Change or add a key; other lines stay byte-for-byte.  0 or -ENOMEM. */
int vmdk_desc_set(struct vmdk_descriptor *d, const char *key,
		  const char *value);
/* Drop a key's line (nothing if absent). */
int vmdk_desc_remove(struct vmdk_descriptor *d, const char *key);
size_t vmdk_desc_extent_count(const struct vmdk_descriptor *d);
/* Change extent @idx's size, or add an extent line after the others. */
int vmdk_desc_set_extent_sectors(struct vmdk_descriptor *d, size_t idx,
				 uint64_t sectors);
int vmdk_desc_add_extent(struct vmdk_descriptor *d,
			 const struct vmdk_extent_line *e);
int vmdk_desc_set_extent_file(struct vmdk_descriptor *d, size_t idx,
			      const char *file);
const struct vmdk_extent_line *
vmdk_desc_extent(const struct vmdk_descriptor *d, size_t i);
void vmdk_desc_free(struct vmdk_descriptor *d);
/* Parse "RW 2048 SPARSE \"x.vmdk\"" (exported for tests). */
int vmdk_parse_extent_line(const char *s, struct vmdk_extent_line *e,
			   const char **why);
const char *vmdk_access_name(int access);
/* The static copy of an extent type name: descriptor lines move when the
 * descriptor is edited, so extents must not point into them. */
const char *vmdk_extent_kind(const char *kind);

/* ---- extents and formats ---- */
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

struct vmdk_extent {
	const struct vmdk_extent_ops *ops;
	struct vmdk_errbuf *eb;
	char *path;		/* NULL for ZERO */
	const char *kind;	/* descriptor type (static string) */
	int access;
	uint64_t start;		/* first disk sector */
	uint64_t sectors;
	uint64_t offset;	/* FLAT: sectors into the file */
	int fd;			/* -1 for ZERO */
	bool writable;
	bool no_sync;		/* flush writes its metadata, no fsync */
	uint64_t file_size;
	vmdk_backing_fn backing;
	void *backing_arg;
	void *priv;		/* the format's state */
};

struct vmdk_extent_ops {
	const char *name;
	/* x->fd, path, sectors, offset and writable are set. */
	int (*open)(struct vmdk_extent *x, const uint8_t *first_sector);
	/* How sectors from @sector are held, and for how long (*run >= 1). */
	int (*status)(struct vmdk_extent *x, uint64_t sector, uint64_t n,
		      uint64_t *run);
	int (*read)(struct vmdk_extent *x, uint64_t sector, uint32_t n,
		    void *buf);
	int (*write)(struct vmdk_extent *x, uint64_t sector, uint32_t n,
		     const void *buf);	/* NULL: not writable in place */
	int (*flush)(struct vmdk_extent *x);
	int (*close)(struct vmdk_extent *x);	/* frees priv */
	void (*describe)(const struct vmdk_extent *x,
			 struct vmdk_extent_info *ei);
	/* Embedded descriptor area, in bytes (0,0 if none). */
	void (*descriptor_area)(const struct vmdk_extent *x, uint64_t *off,
				uint64_t *len);
};

/* registry.c: the ops for a descriptor extent type and the file's first
 * sector; NULL with the error set when none fits. */
const struct vmdk_extent_ops *
vmdk_pick_format(const char *kind, const uint8_t *first, size_t got,
		 const char *path, struct vmdk_errbuf *eb, int *err);

/* 1 and the area of the embedded descriptor (bytes) if @first is a sparse
 * header that has one, else 0. */
int vmdk_embedded_descriptor(const uint8_t *first, uint64_t *off,
			     uint64_t *len);

extern const struct vmdk_extent_ops vmdk_sparse_ops;
extern const struct vmdk_extent_ops vmdk_stream_ops;
extern const struct vmdk_extent_ops vmdk_flat_ops;
extern const struct vmdk_extent_ops vmdk_zero_ops;
extern const struct vmdk_extent_ops vmdk_raw_ops;
extern const struct vmdk_extent_ops vmdk_cowd_ops;
extern const struct vmdk_extent_ops vmdk_sesparse_ops;

/* sparse_create.c: lay out an empty hosted sparse extent on @fd.  With
 * @desc, embeds it (monolithicSparse).  */
int vmdk_sparse_create(int fd, uint64_t capacity, uint32_t grain,
		       const char *desc, struct vmdk_errbuf *eb);

/* sparse_grow.c: raise a hosted sparse extent's capacity in place. */
int vmdk_sparse_grow(int fd, const char *path, uint64_t capacity,
		     struct vmdk_errbuf *eb);

/* stream_writer.c: a sequential streamOptimized writer. */
struct vmdk_stream_writer;
/* Leave the output to the page cache: no early writeback. */
void vmdk_stream_writer_no_sync(struct vmdk_stream_writer *w);
int vmdk_stream_writer_open(int fd, uint64_t capacity, uint32_t grain,
			    const char *desc, int level,
			    struct vmdk_stream_writer **out,
			    struct vmdk_errbuf *eb);
/* Grains in increasing order; @data holds grain bytes (fewer at the end). */
int vmdk_stream_writer_grain(struct vmdk_stream_writer *w, uint64_t grain,
			     const void *data, size_t len);
/* Compression apart from writing, so that it can run on many threads:
 * pack a grain (marker, deflated data, padding) into @out. */
size_t vmdk_stream_packed_max(uint32_t grain);
int vmdk_stream_pack(struct vmdk_deflater *z, uint64_t lba, const void *data,
		     size_t len, uint8_t *out, size_t out_max, size_t *out_len);
int vmdk_stream_writer_put(struct vmdk_stream_writer *w, uint64_t grain,
			   const uint8_t *packed, size_t len);
int vmdk_stream_writer_finish(struct vmdk_stream_writer *w);
void vmdk_stream_writer_free(struct vmdk_stream_writer *w);

/* ---- disk.c ---- */
struct vmdk_link {
	char *path;
	char *dir;		/* for relative extent and parent names */
	int desc_fd;		/* separate descriptor file, or -1 */
	struct vmdk_extent *desc_host;	/* extent holding the descriptor */
	struct vmdk_descriptor *desc;
	size_t desc_len;	/* length of the text last read or written */
	struct vmdk_extent *ext;
	size_t n_ext;
	uint64_t capacity;
	bool writable;
	bool cid_updated;
	struct vmdk_link *parent;
};

struct vmdk_disk {
	struct vmdk_errbuf eb;
	unsigned flags;
	struct vmdk_link *links[VMDK_MAX_CHAIN + 1];	/* [0] = top */
	unsigned nlinks;
};

/* The descriptor vmdk_create() would write for @path (monolithic types);
 * NULL with vmdk_open_error() set on failure. */
char *vmdk_create_descriptor(const struct vmdk_create_params *p,
			     const char *path);

/* disk.c: write @l's descriptor model back (in place, or a new file
 * renamed over the old one when its length changes). */
int vmdk_link_store_descriptor(struct vmdk_link *l, struct vmdk_errbuf *eb);
/* meta.c: stop change tracking in @l's model; *path is the ctk file to
 * delete once the descriptor is stored (NULL if none). */
int vmdk_link_untrack(struct vmdk_link *l, char **path);
/* create.c: make an extent file of @type (a split piece: no descriptor). */
int vmdk_create_extent_file(const char *path, int type, uint64_t sectors,
			    uint32_t grain, struct vmdk_errbuf *eb);

/* disk.c: call @fn for each run of sectors of @d that share one
 * VMDK_BLOCK_* state, front to back; stops at the first error. */
typedef int (*vmdk_run_fn)(void *arg, uint64_t sector, uint64_t n, int state);
int vmdk_walk_runs(vmdk_disk *d, vmdk_run_fn fn, void *arg,
		   struct vmdk_errbuf *eb);

/* create.c helpers shared with future tools in the library */
void vmdk_geometry(uint64_t capacity, int adapter, uint32_t *c, uint32_t *h,
		   uint32_t *s);
char *vmdk_path_join(const char *dir, const char *name);
char *vmdk_dirname(const char *path);

#endif
