/* SPDX-License-Identifier: MIT */
/* vmdk_int.h --- private declarations shared by libvmdk/ and formats/ */
#ifndef VMDK_INT_H
#define VMDK_INT_H

/* Internal to the library (libvmdk/, formats/) and to the tests that
 * reach inside it; the build defines VMDK_INTERNAL for those alone, so a
 * front end that includes this (or a header built on it) fails. */
#ifndef VMDK_INTERNAL
#error "an internal header of libvmdk: front ends include vmdk.h alone"
#endif

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
#define VMDK_VMFS_MAX_CAPACITY (62ull << 31)	/* 62 TiB */
/* Largest text descriptor we read, as other readers do (1 MiB). */
#define VMDK_MAX_DESCRIPTOR (1u << 20)
/* Chains deeper than this are treated as loops. */
#define VMDK_MAX_CHAIN 255

#define VMDK_PRINTF(f, a) __attribute__((format(printf, f, a)))

#define VMDK_ERRFILE_MAX 4096

/* Where a detailed message goes: a handle's buffer or a thread-local one.
 * @file is the file the message concerns ("" for none); @msg begins with
 * it and ": " when it is set. */
struct vmdk_errbuf {
	char msg[VMDK_ERRMSG_MAX];
	char file[VMDK_ERRFILE_MAX];
};

/* Record @code with a formatted detail concerning no one file; returns
 * @code for tail calls. */
int vmdk_seterr(struct vmdk_errbuf *eb, int code, const char *fmt, ...)
	VMDK_PRINTF(3, 4);
/* The same concerning @file: the message is "@file: detail". */
int vmdk_seterr_at(struct vmdk_errbuf *eb, int code, const char *file, const char *fmt, ...)
	VMDK_PRINTF(4, 5);
/* Another buffer's message and file, as @code (returned). */
int vmdk_errcopy(struct vmdk_errbuf *eb, int code, const struct vmdk_errbuf *from);
/* The thread-local buffer used before a handle exists. */
struct vmdk_errbuf *vmdk_open_errbuf(void);

/* ---- io.c: whole reads and writes, locks, zero test ---- */
int vmdk_pread_all(int fd, void *buf, size_t len, uint64_t off);
int vmdk_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);
int vmdk_pwrite_zeros(int fd, uint64_t len, uint64_t off);
int vmdk_write_all(int fd, const void *buf, size_t len);
/* Sequential reads (pipes): up to @len bytes, *got fewer only at the end
 * of the input.  0 or a negative errno value. */
int vmdk_read_upto(int fd, void *buf, size_t len, size_t *got);
int vmdk_pread_upto(int fd, void *buf, size_t len, uint64_t off, size_t *got);
int vmdk_lock_fd(int fd, bool exclusive);
bool vmdk_fd_written_elsewhere(int fd);
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

/* ---- big-endian fields (other formats' headers: qcow2, VHD, VHDX) ---- */
static inline uint32_t vmdk_be32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 |
	       (uint32_t)b[3];
}
static inline uint64_t vmdk_be64(const void *p)
{
	const uint8_t *b = p;
	return (uint64_t)vmdk_be32(b) << 32 | vmdk_be32(b + 4);
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
/* The same where @in may run on past the stream: *used is its length. */
int vmdk_inflate_ex(struct vmdk_inflater *z, const void *in, size_t len,
		    void *out, size_t max, size_t *got, size_t *used);

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
/* The fewest sectors the disk database's geometry allows: every
 * cylinder but the last (writers round the capacity down to whole
 * cylinders); 0 without a geometry.  Evidence, not a rule: vmdk-meta
 * --geometry sets it freely. */
uint64_t vmdk_desc_geometry_floor(const struct vmdk_descriptor *d);
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
/* FLAT or VMFS: a file region read in place. */
bool vmdk_extent_is_flat(const char *kind);

#endif
