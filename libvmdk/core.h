/* SPDX-License-Identifier: MIT */
/* core.h --- private declarations of libvmdk/ alone: links, disks, the
 * disk types, the in-place change layer.  Formats never see these. */
#ifndef VMDK_CORE_H
#define VMDK_CORE_H

#if defined(VMDK_LAYER_FORMATS) || defined(VMDK_LAYER_BASE)
#error "the core's header: formats/ builds on format.h and base/ alone"
#endif

#include "vmdk_int.h"

/* ---- types.c: the vmdk_create() types ---- */
struct vmdk_type_def {
	const char *name;		/* vmware-vdiskmanager's name */
	const char *create_type;	/* what the descriptor says */
	const char *kind;		/* type on its extent lines */
	/* Extent files: stem-<suffix>.vmdk, or stem-<suffix>NNN.vmdk when
	 * split; NULL: the one file holds the descriptor too. */
	const char *suffix;
	bool split;			/* extents of VMDK_SPLIT_SECTORS */
	bool thin;			/* flat, not preallocated */
};
/* Extent size of the twoGbMaxExtent types: 2 GiB less 1 MiB. */
#define VMDK_SPLIT_SECTORS 4192256ull
/* NULL for types that are not VMDK_TYPE_* values. */
const struct vmdk_type_def *vmdk_type_def(int type);
/* The type a descriptor describes, or VMDK_TYPE_OTHER. */
int vmdk_type_of(const struct vmdk_descriptor *d);
/* A createType we can read (whether or not we create it). */
bool vmdk_create_type_known(const char *create_type);

/* ---- txn.c: changing a disk's files safely ---- */
struct vmdk_strv {
	char **v;
	size_t n;
};
int vmdk_strv_push(struct vmdk_strv *v, const char *s);
void vmdk_strv_free(struct vmdk_strv *v);
struct vmdk_txn {
	struct vmdk_errbuf *eb;
	char *stage_dir;	/* hidden directory beside the destination */
	char *stage_path;	/* stage_dir/<the destination's name> */
	char *dst_dir;		/* where the staged files go */
	char *dst;		/* the destination as the caller named it */
	struct vmdk_strv made;	/* files made in place: gone on rollback */
	struct vmdk_strv doomed;	/* files that go once committed */
	bool committed;
	int stage_lock;		/* held on stage_dir while it is in use */
};
void vmdk_txn_init(struct vmdk_txn *t, struct vmdk_errbuf *eb);
/* stale_stages.c: a lock on the staging directory @stage_dir (an open
 * descriptor, or -1), and the removal of those killed writers left in
 * @dir. */
int vmdk_stage_lock(const char *stage_dir);
void vmdk_sweep_stale_stages(const char *dir);
/* A new disk is built at t->stage_path and appears at @dst on commit. */
int vmdk_txn_stage(struct vmdk_txn *t, const char *dst);
/* txn_spare.c: a staged disk's extents whose names files in @dir hold
 * arrive under spare names its staged descriptor is edited to name; once
 * it is committed, settle gives them their usual names again. */
#define STAGE_PREFIX ".vmdk-partial-"	/* a stage directory's name */
/* A spare name: the prefix, the stage's own suffix, '-', the usual name. */
#define SPARE_PREFIX ".vmdk-spare-"
struct vmdk_spare_plan {
	struct vmdk_strv names, spares;
	char *final_text;	/* the staged descriptor as made */
	size_t final_len;
};
int vmdk_spare_plan(struct vmdk_txn *t, const char *dir, const char *main_name,
		    const struct vmdk_strv *arriving, struct vmdk_spare_plan *p);
/* The name @name arrives under. */
const char *vmdk_spare_for(const struct vmdk_spare_plan *p, const char *name);
int vmdk_spare_settle(struct vmdk_txn *t, const char *dir, const char *dst,
		      struct vmdk_spare_plan *p);
void vmdk_spare_free(struct vmdk_spare_plan *p);
/* Create @path (never over a file) as part of the change. */
int vmdk_txn_create_file(struct vmdk_txn *t, const char *path, int *fd);
/* @path was made by the change (removed unless it commits). */
int vmdk_txn_made(struct vmdk_txn *t, const char *path);
/* @path goes once the change has committed. */
int vmdk_txn_doom(struct vmdk_txn *t, const char *path);
/* A small file written whole: a temporary beside @path, synced, then
 * renamed over @path (replace) or linked to it (never over a file). */
struct vmdk_put_opts {
	bool replace;
	int mode_of;		/* copy this file's permissions; -1: 0644 */
	int *keep_fd;		/* the new file stays open (and locked) here */
	bool no_sync;
	/* Writes the new file instead of @data (a file too large to hold
	 * in memory); its error message stands. */
	int (*fill)(void *arg, int fd);
	void *fill_arg;
};
int vmdk_txn_put_file(struct vmdk_txn *t, const char *path, const void *data,
		      size_t len, const struct vmdk_put_opts *o);
/* Remove the "@path.tmpXXXXXX" files of writers killed mid-way (a live
 * writer holds its temporary file locked). */
void vmdk_txn_sweep(const char *path);
/* The change is live: a staged disk is moved to @dst (extents first, the
 * named file last; over existing files only with @overwrite, whose
 * other files are then doomed), then the doomed files go. */
int vmdk_txn_commit(struct vmdk_txn *t, const char *dst, bool overwrite);
/* Rolls back what did not commit; frees @t. */
void vmdk_txn_end(struct vmdk_txn *t);

/* ---- descriptor_rebuild.c ---- */
/* A descriptor for the monolithic file @name whose own (@old, @len bytes)
 * is damaged: type, capacity and extent from its header (@e), the lines
 * of @old that read whole (CID, parentCID, parentFileNameHint, ddb keys).
 * 0 and the text in *out (shorter than the area); 1 and *why when no
 * correct one can be made (the parent cannot be known, or it does not
 * fit).  @assume_no_parent: the caller knows it has none (a disk without
 * a parent is then written where the parent's lines are lost). */
int vmdk_descriptor_rebuild(const char *old, size_t len,
			    const struct vmdk_embedded *e, const char *name,
			    bool assume_no_parent, char **out, const char **why);

/* ---- problems.c ---- */
/* An error of @file with no fix, its message from @fmt (a leading
 * "file: " dropped), into @p; @msg holds the text. */
void vmdk_problem_format(struct vmdk_problem *p, char *msg, size_t size,
			 int code, const char *file, const char *fmt, va_list ap);

/* ---- undo.c: what a repair overwrites, for vmdk_check_undo() ---- */
struct vmdk_undo;
int vmdk_undo_open(const char *path, struct vmdk_errbuf *eb,
		   struct vmdk_undo **out);
/* Save @len bytes at @off of @fd (the file @path), and the file's size
 * the first time it is named; synced before returning.  NULL @u: no-op. */
int vmdk_undo_save(struct vmdk_undo *u, int fd, const char *path, uint64_t off,
		   size_t len);
/* The whole file, before it is replaced by another. */
int vmdk_undo_save_file(struct vmdk_undo *u, int fd, const char *path);
void vmdk_undo_close(struct vmdk_undo *u);

/* ---- link.c: files held locked across opens (vmdk_check's passes) ---- */
struct vmdk_held {
	int *fd;
	size_t n, cap;
};
/* From now on this thread's exclusive opens are held in @h, and opens of
 * a held file share its open; vmdk_held_release() lets them all go. */
void vmdk_hold_files(struct vmdk_held *h);
void vmdk_held_release(struct vmdk_held *h);

/* ---- vmware_lock.c: VMware's FILE.lck directories ---- */
struct vmdk_vmware_lock;
/* Our exclusive member in @path.lck, added to *@list; VMDK_E_LOCKED
 * (naming the holder) when anyone else holds one there. */
int vmdk_vmware_lock_take(const char *path, struct vmdk_vmware_lock **list,
			  struct vmdk_errbuf *eb);
/* Our members rewritten for this process (after fork()). */
int vmdk_vmware_lock_restamp(struct vmdk_vmware_lock *list);
/* Remove our members (and their directories once empty). */
void vmdk_vmware_lock_release(struct vmdk_vmware_lock *list);
/* 1 with @who told when someone else holds @path exclusively, else 0. */
int vmdk_vmware_lock_holder(const char *path, char *who, size_t len);
/* VMDK_E_LOCKED, the lock directory @dir its file, @holder who has it. */
int vmdk_vmware_lock_refusal(struct vmdk_errbuf *eb, const char *dir, const char *holder);
/* That refusal when someone else holds VMware's lock on a file of @d's
 * top link (its error), else 0. */
int vmdk_vmware_lock_refuse_held(vmdk_disk *d, struct vmdk_errbuf *eb);
/* Remove every member of @path.lck, counting them in *@removed. */
int vmdk_vmware_lock_break(const char *path, int *removed);

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
	bool unsafe_paths;	/* VMDK_OPEN_UNSAFE_PATHS: files anywhere */
	bool cid_updated;
	const struct vmdk_fetcher *fetch;	/* vmdk_open_fetched() */
	struct vmdk_vmware_lock *vmware_locks;	/* ours, while writable */
	struct vmdk_link *parent;
	/* Another format's image (image.h), read as one extent: its format
	 * ("qcow2", "raw"), and the backing image it names.  NULL for VMDK. */
	const char *image;
	char *backing, *backing_format;
	uint8_t image_id[16], parent_image_id[16];	/* see vmdk_image_meta */
	bool has_image_id, has_parent_image_id;
};

struct vmdk_disk {
	struct vmdk_errbuf eb;
	unsigned flags;
	const struct vmdk_fetcher *fetch;	/* vmdk_open_fetched() */
	struct vmdk_link *links[VMDK_MAX_CHAIN + 1];	/* [0] = top */
	unsigned nlinks;
};

/* The descriptor vmdk_create() would write for @path (monolithic types);
 * NULL with vmdk_errmsg(NULL) set on failure. */
char *vmdk_create_descriptor(const struct vmdk_create_params *p,
			     const char *path);

/* ---- confine.c: the files a descriptor may name ---- */
/* @name is relative and no ".." takes it above its directory. */
bool vmdk_name_stays_inside(const char *name);
/* The path of @name as the descriptor @owner in @dir names it (a @what:
 * "extent"); refused (VMDK_E_UNSAFE_PATH) outside @dir unless @unsafe. */
int vmdk_named_path(const char *dir, const char *name, const char *owner,
		    const char *what, bool unsafe, char **out,
		    struct vmdk_errbuf *eb);
/* The file open on @fd (at @path) really lies inside @dir, symbolic
 * links followed. */
int vmdk_named_where(const char *dir, int fd, const char *path,
		     const char *owner, const char *what, const char *name,
		     struct vmdk_errbuf *eb);
/* A regular file, or a block device when @device_ok; clears O_NONBLOCK. */
int vmdk_named_kind(int fd, const char *path, bool device_ok,
		    struct vmdk_errbuf *eb);
/* @name (relative to @dir) may be deleted: its directory is @dir or
 * below it. */
bool vmdk_named_deletable(const char *dir, const char *name);

/* ---- foreign.c: other formats' images, told apart from raw ---- */
/* "qcow2", "VHD", ... when the file open on @fd is one, else NULL. */
const char *vmdk_foreign_format(int fd);
/* The same from the first @got bytes of an image (the VHD footer at the
 * end of a fixed image is not seen). */
const char *vmdk_foreign_head(const uint8_t *head, size_t got);
/* @err, or when @fd holds another format's image a clearer error. */
int vmdk_foreign_error(struct vmdk_errbuf *eb, int err, const char *path,
		       int fd);

/* ---- link.c: one link ---- */
/* Open @path for reading or writing, locked (exclusively if
 * @lock_exclusive); a missing file is @missing_code if not 0. */
int vmdk_link_open_file(const char *path, bool writable, bool lock_exclusive,
			int *out, struct vmdk_errbuf *eb, int missing_code);
/* The link whose descriptor (or monolithic file) is @path. */
#define VMDK_LINK_WRITABLE	0x1u
#define VMDK_LINK_UNSAFE_PATHS	0x2u	/* extents and ctk file anywhere */
#define VMDK_LINK_PARENT	0x4u	/* named by a hint: never echo it */
int vmdk_link_open(const char *path, unsigned how, struct vmdk_link **out,
		   struct vmdk_errbuf *eb);
/* The same with every file (descriptor, extents) read through @fetch
 * when it is not NULL: nothing of the disk is a file here. */
int vmdk_link_open_fetched(const char *path, unsigned how,
			   const struct vmdk_fetcher *fetch, struct vmdk_link **out,
			   struct vmdk_errbuf *eb);
/* A disk of one link of one extent, set up as @proto says (ops, kind,
 * fd, sectors, writable, priv...), described by the descriptor @text
 * and named @path; the extent is closed when this fails. */
int vmdk_one_extent_disk(const char *path, const char *text,
			 const struct vmdk_extent *proto, vmdk_disk **out);
/* The link of such a disk, its errors in @eb. */
int vmdk_one_extent_link(const char *path, const char *text,
			 const struct vmdk_extent *proto, struct vmdk_link **out,
			 struct vmdk_errbuf *eb);
/* raw.c: the raw image @path as a link, read only (a backing file). */
int vmdk_raw_link_open(const char *path, struct vmdk_link **out,
		       struct vmdk_errbuf *eb);
/* image_link.c: the image open on @fd (its first @got bytes @first),
 * which @img reads, as a link; @fd is taken.  Refused for writing. */
struct vmdk_image_format;
int vmdk_image_link_open(const char *path, int fd, const uint8_t *first,
			 const struct vmdk_image_format *img, unsigned how,
			 const struct vmdk_fetcher *fetch, struct vmdk_link **out,
			 struct vmdk_errbuf *eb);
/* The image format of the file on @fd (or fetched) whose first @got
 * bytes are @first: by its head, else by its last sector; NULL for
 * neither (a VMDK descriptor, or no image we know). */
const struct vmdk_image_format *vmdk_image_probe(int fd, const struct vmdk_fetcher *fetch,
						 const char *path, const uint8_t *first,
						 size_t got);
/* The name of the link below @l: its parent hint or backing file. */
const char *vmdk_link_below(const struct vmdk_link *l);
/* The first sector and the descriptor of @path, read through @f, in a
 * memory file of @path's size open on *@out (the rest is holes). */
int vmdk_fetched_head(const struct vmdk_fetcher *f, const char *path, int *out,
		      struct vmdk_errbuf *eb);
/* The descriptor text of the file open on @fd (a text file, or the
 * area the header in @first names, which *e then describes): 1 when
 * embedded, 0 when not; *out ends with a NUL after the area. */
int vmdk_descriptor_text(int fd, const char *path, const uint8_t *first,
			 size_t got, char **out, struct vmdk_embedded *e,
			 struct vmdk_errbuf *eb);
/* The descriptor of the file open on @fd (a text file, or the area the
 * sparse header in @first names), parsed; *text_len its length. */
int vmdk_descriptor_read(int fd, const char *path, const uint8_t *first,
			 size_t got, struct vmdk_descriptor **out, size_t *text_len,
			 bool *embedded, struct vmdk_errbuf *eb);
/* The same from @path, opened read-only for the moment it takes. */
int vmdk_descriptor_load(const char *path, struct vmdk_descriptor **out,
			 struct vmdk_errbuf *eb);
/* Close @l's files and free it; the first close error goes to *first_err. */
void vmdk_link_free(struct vmdk_link *l, int *first_err);
/* The extent holding disk sector @sector, or NULL past the link. */
struct vmdk_extent *vmdk_link_extent_at(struct vmdk_link *l, uint64_t sector);
/* Write @l's descriptor model back (in place, or a new file renamed over
 * the old one when its length changes). */
int vmdk_link_store_descriptor(struct vmdk_link *l, struct vmdk_errbuf *eb);
/* Stop change tracking in @l's model; the ctk file is doomed in @t. */
int vmdk_link_untrack(struct vmdk_link *l, struct vmdk_txn *t);
/* The first write's new CID (and the end of change tracking), stored. */
int vmdk_link_new_cid(struct vmdk_link *l, struct vmdk_errbuf *eb);
/* A random CID other than @l's own; @cid stored as @l's (as above). */
uint32_t vmdk_link_fresh_cid(const struct vmdk_link *l);
int vmdk_link_set_cid(struct vmdk_link *l, uint32_t cid, struct vmdk_errbuf *eb);

/* ---- chain.c: the links from the top down ---- */
/* Open the parents of d->links[0] that its hints name, with CID checks. */
int vmdk_chain_open_parents(vmdk_disk *d);
/* A commit of a child into its parent records the parent's new CID in
 * the child (this key) before the parent changes, and drops it when the
 * child's parentCID says the same: a child so marked whose parent has
 * that CID reads as before, other children of the parent see the change. */
#define VMDK_COMMIT_KEY "ddb.vmdktools.commitCID"
/* The CID a commit of @d was giving its parent, if one was cut short. */
bool vmdk_chain_commit_pending(const struct vmdk_descriptor *d, uint32_t *cid);
/* The child's parentCID matches @parent_cid, or a commit cut short
 * explains the difference. */
bool vmdk_chain_parent_matches(const struct vmdk_descriptor *child,
			       uint32_t parent_cid);
void vmdk_chain_close(vmdk_disk *d, int *first_err);
/* VMDK_E_OUT_OF_RANGE unless [sector, sector + n) lies in the disk. */
int vmdk_chain_check_range(vmdk_disk *d, uint64_t sector, uint64_t n);
/* @n sectors from @sector, from the first link at or below @l holding them. */
int vmdk_chain_read(struct vmdk_link *l, uint64_t sector, uint64_t n,
		    uint8_t *buf, struct vmdk_errbuf *eb);
/* The backing_fn of a top link's extents (x->backing_arg is the link). */
int vmdk_chain_backing(struct vmdk_extent *x, uint64_t sector, uint32_t n,
		       void *buf);

/* create.c: make an extent file of @type (a split piece: no descriptor)
 * as part of @t. */
int vmdk_create_extent_file(struct vmdk_txn *t, const char *path, int type,
			    uint64_t sectors);
/* create.c: vmdk_create() at @path itself, for callers that stage. */
int vmdk_create_in(const char *path, const struct vmdk_create_params *p,
		   struct vmdk_errbuf *eb);

/* chain.c: call @fn for each run of sectors of @d that share one
 * VMDK_BLOCK_* state, front to back; stops at the first error. */
typedef int (*vmdk_run_fn)(void *arg, uint64_t sector, uint64_t n, int state);
int vmdk_walk_runs(vmdk_disk *d, vmdk_run_fn fn, void *arg,
		   struct vmdk_errbuf *eb);

/* create.c helpers shared with future tools in the library */
void vmdk_geometry(uint64_t capacity, int adapter, uint32_t *c, uint32_t *h,
		   uint32_t *s);
char *vmdk_path_join(const char *dir, const char *name);
/* parent_hint.c: the file a child in @child_dir means by @hint (Windows
 * paths read with backslashes, an absolute one by its name beside the
 * child); NULL on ENOMEM. */
char *vmdk_parent_path(const char *child_dir, const char *hint);
/* @hint is a Windows path (its place here differs from its text). */
bool vmdk_hint_is_foreign(const char *hint);
char *vmdk_dirname(const char *path);
/* The last component of @path (a pointer into it). */
const char *vmdk_basename(const char *path);
/* @path without a final ".vmdk" (any case); NULL on ENOMEM. */
char *vmdk_path_stem(const char *path);
/* @to relative to directory @from_dir when both resolve (so a chain can
 * be moved whole), else @to as given; NULL on ENOMEM. */
char *vmdk_path_relative(const char *from_dir, const char *to);
/* @a and @b name one file (symbolic links followed). */
bool vmdk_same_file(const char *a, const char *b);
/* A descriptor can name @name: no quote, no control character. */
bool vmdk_name_expressible(const char *name);
/* 0, or VMDK_E_INVALID_ARG when the last component of @path is not. */
int vmdk_name_check(const char *path, struct vmdk_errbuf *eb);
/* "old-s001.vmdk" becomes "new-s001.vmdk"; names not after the disk stay. */
char *vmdk_path_restem(const char *file, const char *old_stem,
		       const char *new_stem);

#endif
