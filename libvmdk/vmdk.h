/* SPDX-License-Identifier: MIT */
/* vmdk.h --- libvmdk, the one public interface of vmdktools
 *
 * Basic outline:
 *
 *	vmdk_disk *d;
 *	int err = vmdk_open("disk.vmdk", VMDK_OPEN_RDONLY, &d);
 *	if (err < 0)
 *		fprintf(stderr, "%s\n", vmdk_errmsg(NULL));    (no handle yet)
 *	err = vmdk_read(d, sector, count, buf);
 *	if (err < 0)
 *		fprintf(stderr, "%s\n", vmdk_errmsg(d));       (detailed)
 *	vmdk_close(d);
 *
 * Every function returns 0 (or a count) on success and a negative value on
 * failure: -errno for system errors, a VMDK_E_* code (<= -1000) for format
 * errors.  The library never prints, exits or aborts on bad input.
 * Sectors are 512 bytes.
 */
#ifndef VMDK_H
#define VMDK_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMDK_SECTOR_SIZE 512
#define VMDK_VERSION_STRING "0.1"

/*! vmdk_version() : the version of the library linked, which may differ
 * from the VMDK_VERSION_STRING a program was compiled with. */
const char *vmdk_version(void);

/* Error codes.  Numbers are fixed forever; new codes get new numbers. */
enum {
	VMDK_E_NOT_A_DISK = -1000,	 /* not a VMDK descriptor or extent */
	VMDK_E_NEEDS_REPAIR = -1001,	 /* metadata is inconsistent */
	VMDK_E_CID_MISMATCH = -1002,	 /* parent changed since child made */
	VMDK_E_OUT_OF_RANGE = -1003,	 /* sector range past capacity */
	VMDK_E_NO_SPACE = -1004,	 /* format limit reached */
	VMDK_E_LOCKED = -1005,		 /* another process has it for writing */
	VMDK_E_UNSUPPORTED_VERSION = -1006, /* header/descriptor version */
	VMDK_E_OPEN_PARENT = -1007,	 /* parent link could not be opened */
	VMDK_E_BAD_DESCRIPTOR = -1008,	 /* descriptor syntax or value */
	VMDK_E_MISSING_EXTENT = -1009,	 /* extent file absent or too short */
	VMDK_E_READ_ONLY = -1010,	 /* disk, link or extent not writable */
	VMDK_E_NOT_SUPPORTED = -1011,	 /* operation not possible here */
	VMDK_E_INVALID_ARG = -1012,	 /* caller passed a bad value */
	VMDK_E_EXISTS = -1013,		 /* would overwrite an existing file */
	VMDK_E_TOO_BIG = -1014,		 /* size beyond what we accept */
	VMDK_E_CANCELED = -1015,	 /* progress callback asked to stop */
	VMDK_E_UNSAFE_PATH = -1016,	 /* a descriptor names a file outside
					    its directory, or a device */
	VMDK_E_FOREIGN = -1017,		 /* another format's image (qcow2...) */
};

/* Disk types, numbered as vmware-vdiskmanager's -t option. */
enum vmdk_type {
	VMDK_TYPE_MONOLITHIC_SPARSE = 0,
	VMDK_TYPE_SPLIT_SPARSE = 1,	/* twoGbMaxExtentSparse */
	VMDK_TYPE_MONOLITHIC_FLAT = 2,
	VMDK_TYPE_SPLIT_FLAT = 3,	/* twoGbMaxExtentFlat */
	VMDK_TYPE_VMFS_THICK = 4,	/* createType "vmfs" */
	VMDK_TYPE_STREAM_OPTIMIZED = 5,
	VMDK_TYPE_VMFS_THIN = 6,	/* "vmfs" + ddb.thinProvisioned */
	VMDK_TYPE_COUNT,
	VMDK_TYPE_OTHER = -1		/* any createType not listed */
};

/* Numbered as VDDK's; 0 means the default (create: lsilogic; clone: keep
 * the source's), so that zero-initialised parameters change nothing. */
enum vmdk_adapter {
	VMDK_ADAPTER_DEFAULT = 0,
	VMDK_ADAPTER_IDE = 1,
	VMDK_ADAPTER_BUSLOGIC = 2,
	VMDK_ADAPTER_LSILOGIC = 3,
	VMDK_ADAPTER_PVSCSI = 4,
	VMDK_ADAPTER_COUNT
};

typedef struct vmdk_disk vmdk_disk;

/* Flags for vmdk_open(). */
#define VMDK_OPEN_RDONLY	0x1u	/* no writes; take a shared lock */
#define VMDK_OPEN_SINGLE_LINK	0x2u	/* do not open the parents */
#define VMDK_OPEN_NO_SYNC	0x4u	/* flush and close leave the data in
					   the page cache (scratch copies) */
#define VMDK_OPEN_UNSAFE_PATHS	0x8u	/* let descriptors name extents and
					   ctk files anywhere, and block
					   devices: only for disks you made */
#define VMDK_OPEN_RAW_FOREIGN	0x10u	/* vmdk_open_raw(): read a qcow2, VHD,
					   VHDX, VDI or QED image as raw bytes */

/*! vmdk_open() : open the disk whose descriptor (or monolithic sparse file)
 * is @path, with its parents unless VMDK_OPEN_SINGLE_LINK is given; a single
 * link reads zeros where it has no data.  Writers take an exclusive advisory
 * lock on every file of the top link (VMDK_E_LOCKED if another process holds
 * one) and mark sparse extents as uncleanly shut down until vmdk_close().
 * A descriptor is untrusted: its extents and change-tracking file must be
 * regular files inside its own directory (no absolute path, no "..", no
 * symbolic link leading out), else VMDK_E_UNSAFE_PATH, unless
 * VMDK_OPEN_UNSAFE_PATHS.  Parent hints may name any file, opened
 * read-only and never quoted in messages.
 * @return 0 and *@out set, or a negative error (nothing to close);
 * vmdk_errmsg(NULL) then gives the detailed message. */
int vmdk_open(const char *path, unsigned flags, vmdk_disk **out);

/* Where the bytes of a disk's files come from when they are not files
 * here (a disk read over the network).  @path is the path given to
 * vmdk_open_fetched(), or an extent's or parent's name as a descriptor
 * gives it, joined to that descriptor's directory.  Each returns 0 or a
 * negative errno value (-ENODATA for a read past the end). */
struct vmdk_fetcher {
	int (*size)(void *arg, const char *path, uint64_t *bytes);
	int (*read)(void *arg, const char *path, void *buf, size_t len, uint64_t off);
	void *arg;
};

/*! vmdk_open_fetched() : vmdk_open() read-only, every file of the disk
 * (@path, the extents and parents it names) read through @f (which must
 * outlive the handle), never from a local file.  The rule on where
 * extents may be applies to the names as ever. */
int vmdk_open_fetched(const char *path, const struct vmdk_fetcher *f,
		      vmdk_disk **out);

/*! vmdk_open_raw() : a raw image file or block device as a disk of its
 * size (a last partial sector reads as zero-padded), to clone from or
 * write to.  Flags and locks as vmdk_open(). */
int vmdk_open_raw(const char *path, unsigned flags, vmdk_disk **out);

/*! vmdk_open_sequential() : a disk read once, front to back, from @fd (a
 * pipe, such as standard input), whose first @head_len bytes @head the
 * caller has read already (a sector, unless the stream is shorter): a
 * streamOptimized VMDK, whose header gives the size, or, when @raw_bytes
 * is not 0, a raw image of that many bytes (VMDK_OPEN_RAW_FOREIGN in
 * @flags: raw whatever @head looks like).  For vmdk_clone() and
 * vmdk_clone_fd(), which read forward: a read behind what was consumed is
 * VMDK_E_NOT_SUPPORTED, and a stream that ends early (or, raw, holds more
 * than @raw_bytes) fails the read that finds it.  @name names it in
 * messages; @fd stays the caller's.  Decided from @head alone, before
 * anything more is read: VMDK_E_NOT_A_DISK for what cannot be read as it
 * comes (another kind of VMDK, an image of another format vmdk_open()
 * reads from a file, or a raw image when @raw_bytes is 0), VMDK_E_FOREIGN
 * for an image of a format not read at all. */
int vmdk_open_sequential(int fd, const char *name, const void *head,
			 size_t head_len, uint64_t raw_bytes, unsigned flags,
			 vmdk_disk **out);

/*! vmdk_probe_format() : the image format the first @len bytes of a file
 * say ("VMDK" for a sparse, stream or redo-log header, "qcow2", "VHD",
 * "VHDX", "VDI", "QED"...), or NULL (a descriptor, raw data, or a fixed
 * VHD, told only by its end).  *@readable (may be NULL): whether
 * vmdk_open() reads such an image. */
const char *vmdk_probe_format(const void *head, size_t len, bool *readable);

/*! vmdk_close() : flush, clear the unclean-shutdown marks, release locks and
 * free @d.  NULL is a no-op.  @return 0 or the first error met while
 * flushing (the handle is freed regardless). */
int vmdk_close(vmdk_disk *d);

/*! vmdk_read() / vmdk_write() : @n sectors from @sector.  A write goes to
 * the top link; the first write of a session gives the link a new CID.
 * @return 0 or a negative error; VMDK_E_OUT_OF_RANGE past capacity. */
int vmdk_read(vmdk_disk *d, uint64_t sector, uint64_t n, void *buf);
int vmdk_write(vmdk_disk *d, uint64_t sector, uint64_t n, const void *buf);

/* What vmdk_block_status() reports for a run of sectors. */
enum vmdk_block_state {
	VMDK_BLOCK_UNALLOCATED = 0,	/* no link holds them: zeros */
	VMDK_BLOCK_ZERO = 1,		/* a link says they are zeros */
	VMDK_BLOCK_DATA = 2,		/* a link holds data (maybe zeros) */
};

/*! vmdk_block_status() : how the chain holds the sectors from @sector,
 * up to @n of them: @return a VMDK_BLOCK_* value, with *@run (>= 1) the
 * number of sectors sharing it and *@depth (may be NULL) the link that
 * answered (0 = top; the number of links for unallocated sectors), or a
 * negative error.  VixDiskLib_QueryAllocatedBlocks and `qemu-img map`
 * are built on this. */
int vmdk_block_status(vmdk_disk *d, uint64_t sector, uint64_t n,
		      uint64_t *run, unsigned *depth);

/*! vmdk_zero() : make @n sectors from @sector read as zeros.  With
 * @release, whole grains of a sparse extent are let go (no grain; over a
 * parent, a zeroed-grain entry where the header has them) instead of
 * written, their space left in the file for vmdk_shrink(); the rest, and
 * flat extents (which stay preallocated), are written with zeros.  A
 * write as far as the CID, locks and crash safety go. */
int vmdk_zero(vmdk_disk *d, uint64_t sector, uint64_t n, bool release);

/*! vmdk_pread() / vmdk_pwrite() : @len bytes at byte offset @off; a
 * sector cut by either edge is read whole and, for a write, written back
 * with the new bytes in it.  vmdk_zero_bytes() is vmdk_zero() at any
 * byte offset (@release lets whole grains go; cut sectors get zeros). */
int vmdk_pread(vmdk_disk *d, void *buf, size_t len, uint64_t off);
int vmdk_pwrite(vmdk_disk *d, const void *buf, size_t len, uint64_t off);
int vmdk_zero_bytes(vmdk_disk *d, uint64_t off, uint64_t len, bool release);

/*! vmdk_flush() : push written data and metadata to stable storage. */
int vmdk_flush(vmdk_disk *d);

/* What vmdk_get_info() reports.  Strings belong to the handle. */
struct vmdk_info {
	uint64_t capacity;		/* sectors */
	int type;			/* enum vmdk_type, VMDK_TYPE_OTHER */
	const char *create_type;	/* as in the descriptor */
	const char *adapter;		/* ddb.adapterType or "" */
	int hw_version;			/* ddb.virtualHWVersion, 0 if absent */
	uint32_t cylinders, heads, sectors;	/* ddb.geometry.* */
	uint32_t cid, parent_cid;	/* of the top link */
	unsigned links;			/* opened links, top first */
	unsigned extents;		/* extents of the top link */
	const char *parent_hint;	/* of the top link, or NULL */
	const char *uuid;		/* ddb.uuid or NULL */
	int descriptor_version;
	int unclean;			/* a sparse extent was not closed */
	const char *image_format;	/* of the top link: "VMDK", "qcow2"... */
};
int vmdk_get_info(vmdk_disk *d, struct vmdk_info *info);

/* One link of the opened chain (0 = top). */
struct vmdk_link_info {
	const char *path;		/* descriptor or monolithic file */
	const char *create_type;
	uint32_t cid, parent_cid;
	const char *parent_hint;	/* NULL for a base disk; another
					   format's backing file name */
	unsigned extents;
	int embedded_descriptor;	/* descriptor lives in a sparse extent */
	const char *image_format;	/* "VMDK", "qcow2", "raw"... */
	const char *backing_format;	/* as the image names it, or NULL */
};
int vmdk_get_link_info(vmdk_disk *d, unsigned link, struct vmdk_link_info *li);

/* One extent of one link. */
struct vmdk_extent_info {
	const char *path;		/* NULL for ZERO */
	const char *kind;		/* descriptor type: SPARSE, FLAT, ... */
	const char *format;		/* what the file is: "hosted sparse", ... */
	const char *access;		/* RW, RDONLY, NOACCESS */
	uint64_t start;			/* first disk sector it holds */
	uint64_t sectors;
	uint64_t offset;		/* FLAT: sectors into the file */
	uint64_t file_bytes;		/* st_size */
	uint64_t allocated_bytes;	/* st_blocks * 512 */
	uint32_t version;		/* sparse header version, else 0 */
	uint32_t flags;			/* sparse header flags */
	uint64_t grain_size;		/* sectors; 0 if not sparse */
	int compressed;
	int unclean;			/* uncleanShutdown found at open */
	int writable;			/* takes writes in place now (opened
					   for writing, RW, a format written
					   in place: not a stream, COWD or
					   seSparse) */
	const char *notes;		/* what else the format says (qcow2:
					   internal snapshots...), or NULL */
};
int vmdk_get_extent_info(vmdk_disk *d, unsigned link, unsigned extent,
			 struct vmdk_extent_info *ei);
/* Every extent of the top link takes writes in place now (false for a
 * disk opened read-only, a stream, COWD or seSparse top link): what a
 * server checks before it offers writes. */
bool vmdk_takes_writes(vmdk_disk *d);

/* Parameters of vmdk_create().  Zero-initialise, then set capacity and
 * type; every other zero is a default (lsilogic, hardware version 4). */
struct vmdk_create_params {
	uint64_t capacity;		/* sectors, > 0 */
	int type;			/* enum vmdk_type */
	int adapter;			/* enum vmdk_adapter; 0 = lsilogic */
	int hw_version;			/* 0 = default 4 */
	uint32_t grain_size;		/* sparse only; 0 = 128 sectors */
	const char *tools_version;	/* NULL = omit, stream: 2147483647 */
	const char *const *ddb;		/* NULL, or "ddb.key", "value", ...,
					   NULL: set after the defaults */
};

/*! vmdk_create() : create an empty disk at @path (the descriptor, or the
 * monolithic file) and its extent files.  Refuses (VMDK_E_EXISTS) when any
 * file it would write exists.  Flat types are preallocated.  The files
 * are made in a hidden directory beside @path and moved into place when
 * complete: on failure, or a crash, no file is left under their names.
 * The detailed message is vmdk_errmsg(NULL). */
int vmdk_create(const char *path, const struct vmdk_create_params *p);

/* Progress: @done of @total units; return nonzero to cancel (the call
 * then fails with VMDK_E_CANCELED and leaves nothing behind). */
typedef int (*vmdk_progress_fn)(void *arg, uint64_t done, uint64_t total);

/* vmdk_clone() destination type beside the VMDK_TYPE_* values. */
#define VMDK_TYPE_RAW 100

/* Zero-initialised, a clone to monolithicSparse keeping everything of
 * the source's; each zero below means "the default" or "the source's". */
struct vmdk_clone_params {
	int type;			/* VMDK_TYPE_* or VMDK_TYPE_RAW */
	int adapter;			/* 0: keep the source's */
	int hw_version;			/* 0: keep the source's */
	int new_uuid;			/* else keep the source's ddb.uuid */
	int level;			/* deflate level 1-9, 0 = 4 */
	unsigned threads;		/* compression threads, 0 = all CPUs */
	int overwrite;			/* replace an existing destination */
	int no_sync;			/* do not wait for the data to reach
					   the disk before renaming it into
					   place (as qemu-img and cp) */
	const char *tools_version;	/* NULL: the source's (stream:
					   2147483647 if it has none) */
	const char *const *ddb;		/* more "ddb.key", "value", ... NULL */
	vmdk_progress_fn progress;	/* may be NULL */
	void *progress_arg;
};

/* What a descriptor names.  Names are untrusted text: check them first. */
struct vmdk_descriptor_names {
	char **extents;		/* file names as written, NULL-ended (ZERO
				   extents have none) */
	bool *flat;		/* for each: FLAT or VMFS, read in place */
	char *parent;		/* the parent hint, or NULL */
};

/*! vmdk_descriptor_files() : what the descriptor (or monolithic sparse
 * file) at @path names, read without opening any of it.  Free it with
 * vmdk_descriptor_names_free(). */
int vmdk_descriptor_files(const char *path, struct vmdk_descriptor_names *out);
void vmdk_descriptor_names_free(struct vmdk_descriptor_names *n);

/*! vmdk_clone() : copy @src (its whole chain, flattened) to a new disk
 * @dst of @p->type, or to a raw image.  Grains that are zero by content
 * are not stored; the source's geometry, adapter, uuid and other ddb keys
 * are kept unless @p changes them.  The new files are made in a hidden
 * directory beside @dst and moved into place when complete: on failure
 * or cancellation nothing is left, and an existing @dst is kept unless
 * @p->overwrite; when replacing a disk, the old one's files that the new
 * one does not reuse are removed only once it is in place.  Detail in
 * vmdk_errmsg(NULL). */
int vmdk_clone(vmdk_disk *src, const char *dst,
	       const struct vmdk_clone_params *p);

/*! vmdk_clone_fd() : the same to an open file or pipe, written
 * sequentially; only VMDK_TYPE_STREAM_OPTIMIZED and VMDK_TYPE_RAW.
 * @name is the file name the stream's descriptor gives its extent. */
int vmdk_clone_fd(vmdk_disk *src, int fd, const char *name,
		  const struct vmdk_clone_params *p);

/*! vmdk_space_needed() : bytes a vmdk_clone() of @src to @type, named
 * @dst (NULL: the source's name, which only changes the descriptor's
 * length), would occupy: exact for flat and thick types, within 1% for
 * sparse ones (vmfsThin: the blocks allocated), an upper bound for
 * streamOptimized (compression is not predicted).  All but the flat
 * answers read the source to find its non-zero grains. */
int vmdk_space_needed(vmdk_disk *src, int type, const char *dst,
		      uint64_t *bytes, vmdk_progress_fn progress, void *arg);

/*! vmdk_grow() : enlarge the disk at @path to @capacity sectors
 * (vmware-vdiskmanager -x).  Sparse extents get larger grain
 * directories; flat ones are extended (preallocated unless thin); split
 * types fill their last extent to 2 GiB and add extents.  Refused for
 * streamOptimized disks, child disks, and sizes smaller than now; the
 * size it has already changes nothing and returns 0.  A
 * crash at any instant leaves the disk with its old size or its new one.
 * The CID changes, as for any change of content. */
int vmdk_grow(const char *path, uint64_t capacity, vmdk_progress_fn progress,
	      void *arg);
/*! vmdk_grow_by() : vmdk_grow() by @sectors more than the disk has when
 * it is opened for writing (0 changes nothing). */
int vmdk_grow_by(const char *path, uint64_t sectors, vmdk_progress_fn progress,
		 void *arg);

/* What vmdk_shrink(), vmdk_defragment() and vmdk_fragmentation() tell:
 * sizes are of all the disk's files together. */
struct vmdk_compact_report {
	uint64_t size_before, size_after;	/* bytes */
	uint64_t grains;		/* allocated grains before */
	uint64_t released;		/* zero grains released (shrink) */
	uint64_t zero_kept;		/* zero grains a child keeps (its header
					   has no zeroed-grain entries) */
	uint64_t moved;			/* grains moved */
	uint64_t disorder_before;	/* grains stored before a grain of a
					   lower LBA */
	uint64_t holes_before;		/* grains of free space before the end */
	uint64_t disorder_after, holes_after;
};

/*! vmdk_shrink() : release the sparse grains of @path that hold only
 * zeros and give the space back, in place (vmware-vdiskmanager -k,
 * VixDiskLib_Shrink): holes are filled with the last grains and each file
 * cut at its last grain.  In a child a zero grain hides the parent's
 * data: it becomes a zeroed-grain entry where the header has them, else
 * it stays.  Refused (nothing changed) for disks vmdk_check() finds
 * errors in, streamOptimized and flat disks, and disks open for writing
 * elsewhere.  Killed at any instant, every sector reads as before.  The
 * file may grow meanwhile by at most 64 MiB or 1% of the capacity. */
int vmdk_shrink(const char *path, vmdk_progress_fn progress, void *arg,
		struct vmdk_compact_report *report);
/*! vmdk_defragment() : the same ordering and refusals, putting the grains
 * of each sparse extent in LBA order right after its metadata, with no
 * holes (vmware-vdiskmanager -d, VixDiskLib_Defragment). */
int vmdk_defragment(const char *path, vmdk_progress_fn progress, void *arg,
		    struct vmdk_compact_report *report);
/*! vmdk_fragmentation() : the "before" half of the report for @path,
 * read-only. */
int vmdk_fragmentation(const char *path, struct vmdk_compact_report *report);

/*! vmdk_rename() : rename the disk @from to @to, with every extent file
 * named after it, and rewrite its descriptor (embedded or separate) to
 * match.  Refuses when any new name exists.  The original stays intact if
 * anything fails.  Children naming @from in their parent hint are not
 * changed. */
int vmdk_rename(const char *from, const char *to);

/*! vmdk_vmware_locked() : 1 when someone else holds VMware's lock on a
 * file of @d's top link (FILE.lck/, as a running VM keeps it), @who then
 * naming the lock and its holder; else 0.  Writers refuse such a disk
 * (VMDK_E_LOCKED) and take an exclusive lock of their own while they
 * change one; readers may call this to warn. */
int vmdk_vmware_locked(vmdk_disk *d, char *who, size_t len);

/*! vmdk_after_fork() : call in the child of a fork() that goes on with
 * @d (a daemon that opened the disk before detaching): VMware's lock
 * members name the process holding them, and would look stale once the
 * parent exits.  Our own locks pass to the child with the descriptors. */
int vmdk_after_fork(vmdk_disk *d);

/*! vmdk_break_vmware_lock() : remove VMware's lock directories of every
 * file of the disk at @path, for a lock its VM left behind (a crash, or
 * another host that is gone).  The number of holders removed, or a
 * negative error. */
int vmdk_break_vmware_lock(const char *path);

/*! vmdk_unlink() : delete a disk's descriptor and every extent file of
 * its top link.  Refuses (VMDK_E_LOCKED) a disk open for writing. */
int vmdk_unlink(const char *path);

/*! vmdk_create_child() : a new sparse child (redo log) of the disk at
 * @parent, at @child: @type VMDK_TYPE_MONOLITHIC_SPARSE or
 * VMDK_TYPE_SPLIT_SPARSE, the parent's capacity, geometry, adapter and
 * uuid, parentCID = the parent's CID and a parentFileNameHint relative to
 * the child when possible.  Reads of the child go through the chain;
 * writes go to the child.  On any older link of a chain this is
 * VixDiskLib_Attach: the later links are not touched.  Refuses to
 * overwrite; nothing is left on failure. */
int vmdk_create_child(const char *parent, const char *child, int type);

/*! vmdk_commit() : merge the child disk @child into its parent (what
 * deleting a VMware snapshot or `qemu-img commit` does): the parent then
 * holds what the chain showed, and gets a new CID which the child's
 * parentCID follows, so the child stays usable (empty in effect).  The
 * parent keeps its old CID while data moves: a commit killed half way
 * leaves the chain reading as before. */
int vmdk_commit(const char *child, vmdk_progress_fn progress, void *arg);

/*! vmdk_rebase() : make @new_parent (NULL or "": none) the parent of
 * @child.  Unless @unsafe, the child first takes in every sector where
 * it holds nothing and the old and new parents differ, so it reads as
 * before (`qemu-img rebase`'s safe mode); with @unsafe only the parent
 * hint and parentCID change.  The pointer changes last, so a crash
 * leaves the old chain reading as before. */
int vmdk_rebase(const char *child, const char *new_parent, int unsafe);

/* ---- check and repair (vmdk-check, VixDiskLib_CheckRepair) ---- */

enum vmdk_severity {
	VMDK_SEV_WARNING = 1,		/* worth knowing; the disk reads right */
	VMDK_SEV_ERROR = 2,		/* some data cannot be trusted */
};

/* Problem codes: fixed forever, listed with their fixes in vmdk-check(1). */
enum vmdk_problem_code {
	/* the descriptor and the extents it names */
	VMDK_P_DESCRIPTOR = 1,		/* does not parse */
	VMDK_P_EXTENT_MISSING = 2,	/* a file it names is absent */
	VMDK_P_EXTENT_SHORT = 3,	/* a flat file smaller than its extent */
	VMDK_P_EXTENT_UNREADABLE = 4,	/* a file that does not open as its type */
	VMDK_P_CAPACITY = 5,		/* descriptor and header disagree */
	VMDK_P_OUTSIDE = 6,		/* it names a file outside its directory,
					   or one that is no regular file */
	/* a hosted sparse header */
	VMDK_P_HEADER = 10,		/* version, grain size, table size */
	VMDK_P_HEADER_EOL = 11,		/* end-of-line check bytes damaged */
	VMDK_P_UNCLEAN = 12,		/* not closed cleanly (warning) */
	VMDK_P_OVERHEAD = 13,		/* metadata runs past the end of file */
	/* grain directories and tables */
	VMDK_P_GD_OUTSIDE = 20,		/* a directory lies outside the file */
	VMDK_P_GD_RGD = 21,		/* directory and redundant copy disagree */
	VMDK_P_GT_OUTSIDE = 22,		/* a table lies outside the file */
	VMDK_P_GT_OVERLAP = 23,		/* tables or directories overlap */
	VMDK_P_GT_RGT = 24,		/* table and redundant copy disagree */
	VMDK_P_GTE_OUTSIDE = 25,	/* an entry points past the end of file */
	VMDK_P_GTE_METADATA = 26,	/* an entry points into the metadata */
	VMDK_P_GTE_SHARED = 27,		/* two entries point at one grain */
	VMDK_P_GRAIN_SHORT = 28,	/* a grain cut short by truncation */
	VMDK_P_UNREFERENCED = 29,	/* space no table refers to (warning) */
	/* streamOptimized */
	VMDK_P_STREAM_MARKER = 40,	/* a sector that should be a marker */
	VMDK_P_STREAM_GRAIN = 41,	/* a grain that does not inflate whole */
	VMDK_P_STREAM_LBA = 42,		/* a grain's LBA against its table */
	VMDK_P_STREAM_FOOTER = 43,	/* footer missing or against the header */
	VMDK_P_STREAM_TRAILING = 44,	/* data after the end-of-stream marker */
	VMDK_P_STREAM_TABLES = 45,	/* a table or the directory outside */
	/* the chain (vmware-vdiskmanager -e) */
	VMDK_P_CHAIN_PARENT = 60,	/* parent missing or does not open */
	VMDK_P_CHAIN_CID = 61,		/* parent changed since the child */
	VMDK_P_CHAIN_CAPACITY = 62,	/* links of different sizes */
	VMDK_P_CHAIN_LOOP = 63,
	VMDK_P_CHAIN_TYPE = 64,		/* a link of a type we do not know */
	VMDK_P_CHAIN_COMMIT = 65,	/* a commit into the parent cut short */
};

#define VMDK_NO_OFFSET UINT64_MAX

/* One problem, valid during the callback. */
struct vmdk_problem {
	int code;			/* enum vmdk_problem_code */
	int severity;			/* enum vmdk_severity */
	const char *message;		/* one line, no file name in front */
	const char *file;		/* the file concerned */
	uint64_t offset;		/* byte offset in it, or VMDK_NO_OFFSET */
	int64_t gd_index;		/* grain directory entry, or -1 */
	int64_t gt_index;		/* entry in that table, or -1 */
	uint64_t lba, lba_count;	/* disk sectors affected (count 0: none) */
	const char *fix;		/* what repair does; NULL: nothing can */
	uint64_t discards;		/* sectors the fix makes read as zeros
					   (or as the parent's) that the disk
					   still holds: a data-discarding fix */
};

/* Called for each problem.  With VMDK_CHECK_REPAIR, return 1 to have it
 * fixed, 0 to leave it; a negative return stops the check with it. */
typedef int (*vmdk_check_fn)(void *arg, const struct vmdk_problem *p);

struct vmdk_check_report {
	unsigned errors, warnings;	/* problems found */
	unsigned fixed;			/* of them, fixed */
	unsigned unfixable;		/* errors no repair can fix: with any,
					   a repair changes nothing at all */
	unsigned links, extents;	/* checked */
	uint64_t tables, grains;	/* grain tables and grains checked */
	unsigned discarding;		/* data-discarding fixes found */
	uint64_t discarded;		/* sectors their fixes make unreachable */
	unsigned declined;		/* fixes the callback said no to */
	char undo_file[1024];		/* the undo file a repair kept, or "" */
};

#define VMDK_CHECK_REPAIR	0x1u	/* fix what the callback accepts */
#define VMDK_CHECK_CHAIN	0x2u	/* also check the chain */
#define VMDK_CHECK_CHAIN_ONLY	0x4u	/* only the chain (vdiskmanager -e) */
#define VMDK_CHECK_ASSUME_NO_PARENT 0x10u /* a descriptor rebuilt where its
					   parent lines are lost has no parent */
#define VMDK_CHECK_UNDO_BESIDE	0x8u	/* with no @undo: a repair that may
					   apply a data-discarding fix keeps
					   one beside the disk (DISK.undo) */

/*! vmdk_check() : check the disk at @path: its descriptor, every extent's
 * metadata (hosted sparse: header, both grain directories and every
 * grain table against its copy, every entry; streamOptimized: every
 * marker, grain and table entry; other extents must open),
 * and with VMDK_CHECK_CHAIN its chain.  Without
 * VMDK_CHECK_REPAIR nothing is written, not even the unclean mark; with
 * it the disk is locked for writing and each accepted fix applied so that
 * a crash at any instant leaves the disk as before or repaired.  @undo
 * (may be NULL) names a file that receives every byte overwritten; with VMDK_CHECK_UNDO_BESIDE
 * and no @undo, a repair whose dry run found a data-discarding fix keeps
 * one beside the disk, named in report->undo_file.
 * @return 0 when the check ran (@report says what it found), or a
 * negative error when it could not (not a disk, in use, unreadable);
 * detail in vmdk_errmsg(NULL). */
int vmdk_check(const char *path, unsigned flags, const char *undo,
	       vmdk_check_fn fn, void *arg, struct vmdk_check_report *report);

/*! vmdk_check_to() : vmdk_check() with VMDK_CHECK_REPAIR, not in place:
 * the disk at @path is copied to a new disk @out (its extents named after
 * @out, as vmdk_rename() names them), the copy repaired, and @out appears
 * only when the repair ran (a refused repair, report->unfixable, leaves
 * none); @path is never written.  Refuses an existing @out. */
int vmdk_check_to(const char *path, const char *out, unsigned flags,
		  vmdk_check_fn fn, void *arg, struct vmdk_check_report *report);

/*! vmdk_check_undo() : put back the bytes an @undo file of vmdk_check()
 * saved (e2undo's job), and the files' old sizes. */
int vmdk_check_undo(const char *undo);

/* The stable short name of a problem code ("gt-rgt"), NULL if unknown. */
const char *vmdk_problem_name(int code);

/*! vmdk_check_chain() : the chain part alone (vmware-vdiskmanager -e):
 * each problem (missing or unresolvable parent, CID mismatch, capacity
 * mismatch, loop, unknown link type, a link that does not open) goes to
 * @fn.  @return the number of problems (0: consistent), or a negative
 * error if the check itself could not run; *@links (may be NULL) is the
 * number of links opened. */
int vmdk_check_chain(const char *path, vmdk_check_fn fn, void *arg,
		     unsigned *links);

/* The disk database of the top link (ddb.* keys).  Keys may be given
 * with or without "ddb.".  vmdk_meta_set() rewrites only that key's line
 * (or adds one), safely: in one write when the text fits where it was, a
 * new descriptor file renamed into place otherwise; @value may not hold
 * quotes or line breaks.  Values returned belong to the handle and stay
 * valid until the next change or vmdk_close(). */
typedef int (*vmdk_meta_fn)(void *arg, const char *key, const char *value);
int vmdk_meta_get(vmdk_disk *d, const char *key, const char **value);
int vmdk_meta_set(vmdk_disk *d, const char *key, const char *value);
/* Calls @fn for each key in order; a nonzero return stops and is returned. */
int vmdk_meta_keys(vmdk_disk *d, vmdk_meta_fn fn, void *arg);
/* Several keys at once ("key", "value", ..., NULL), in one write. */
int vmdk_meta_update(vmdk_disk *d, const char *const *kv);

/*! vmdk_drop_change_tracking() : remove change tracking from the top
 * link: the changeTrackPath line goes, descriptor version 3 becomes 1,
 * then the ctk file is deleted (as VDDK's documentation says to do when
 * a disk is changed outside the tracking product). */
int vmdk_drop_change_tracking(vmdk_disk *d);

/* The geometry VMware gives a disk of @capacity sectors on @adapter, and
 * a new ddb.uuid value ("60 00 c2 ... 9a-..." form, from libuuid). */
void vmdk_geometry_for(uint64_t capacity, int adapter, uint32_t *c,
		       uint32_t *h, uint32_t *s);
void vmdk_uuid_string(char *out, size_t n);

/* ---- What is inside a disk: partitions and filesystems (libblkid) ---- */
/* What libblkid recognised in the whole disk or in one partition. */
struct vmdk_content {
	char type[32];		/* "ext4", "vfat", "swap", "LVM2_member"; "" none */
	char usage[16];		/* "filesystem", "other", "raid", "crypto" */
	char label[256];
	char uuid[64];
	char version[32];
	uint32_t block_size;	/* bytes; 0 when the signature does not say */
	bool ambiguous;		/* two signatures claim it: type left empty */
};

enum vmdk_partition_kind {
	VMDK_PART_PRIMARY = 0,	/* a GPT entry or a primary MBR slot */
	VMDK_PART_EXTENDED = 1,	/* MBR container of logical partitions */
	VMDK_PART_LOGICAL = 2,	/* inside the extended partition */
};

struct vmdk_partition {
	unsigned number;	/* as the table numbers it: 1-4 primary, 5- logical */
	uint64_t start;		/* sectors of 512 bytes from the disk's start */
	uint64_t sectors;
	int kind;		/* enum vmdk_partition_kind */
	char type[40];		/* "0x83", or a GPT type GUID */
	const char *type_name;	/* "Linux filesystem"...; "" when unknown */
	char name[128];		/* GPT partition name, "" for MBR */
	char uuid[40];		/* GPT partition GUID, or MBR "<id>-<NN>" */
	struct vmdk_content content;	/* none for an extended partition */
};

struct vmdk_volumes {
	char table[16];		/* "dos", "gpt", ""; "PMBR" a lone protective MBR */
	char table_id[40];	/* MBR disk id or GPT disk GUID */
	char problem[128];	/* a damaged or ambiguous table, "" if none */
	struct vmdk_content whole;	/* content of the whole disk */
	unsigned count;
	struct vmdk_partition part[];
};

/*! vmdk_volumes() : partition table and content of the disk @d reads
 * (chains as opened), found by libblkid probing windows of the disk's
 * bytes (the first 8 MiB and last 1 MiB of the disk and of each
 * partition, the sectors around each logical partition) copied into a
 * sparse memory file one at a time, so memory stays a few MiB whatever
 * the capacity.  A signature outside those windows (an NTFS label inside
 * its MFT) is not seen.  An empty disk, an unpartitioned one and a
 * damaged table are results, not errors.  Free with vmdk_volumes_free(). */
int vmdk_volumes(vmdk_disk *d, struct vmdk_volumes **out);
void vmdk_volumes_free(struct vmdk_volumes *v);

/*! vmdk_strerror() : text for any code this library returns; never NULL. */
const char *vmdk_strerror(int err);

/*! vmdk_errno() : the errno value a program outside (a FUSE or NBD
 * client) understands for a library error: -@err for system errors,
 * ENOSPC, EROFS, EINVAL, EOPNOTSUPP, EBUSY or EIO for the rest. */
int vmdk_errno(int err);

/*! vmdk_errmsg() : detail of the last error on @d ("" if none), valid
 * until the next call on @d; with NULL, of the last failed call in this
 * thread, whichever it was (how an open, a create or a clone that failed
 * explains itself).  Success does not clear it. */
const char *vmdk_errmsg(const vmdk_disk *d);

/*! vmdk_errfile() : the file the same error concerns, as the library
 * named it (the path given, an extent, a parent, a destination, "standard
 * input"), or "" when it concerns no one file; vmdk_errmsg() then begins
 * with it and ": ".  Front ends tell from it whether to name the file
 * themselves, without reading the message's text. */
const char *vmdk_errfile(const vmdk_disk *d);

/* Names and ids: "monolithicSparse" <-> 0 ...; -1 when unknown.  Type
 * names also accept vmware-vdiskmanager spellings ("vmfsThin"). */
int vmdk_type_from_name(const char *name);
const char *vmdk_type_name(int type);
int vmdk_adapter_from_name(const char *name);
const char *vmdk_adapter_name(int adapter);

#ifdef __cplusplus
}
#endif
#endif
