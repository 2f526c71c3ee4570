/* SPDX-License-Identifier: MIT */
/* ops.h --- the operations both front ends run, the vmdk-* tools and
 * vmware-vdiskmanager: one code path each, from the library call to the
 * messages.  Each returns the process's exit status. */
#ifndef TOOLS_OPS_H
#define TOOLS_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmdk.h"

/* How a clone takes its source: a VMDK or else a raw image (default), a
 * VMDK only, a raw image (-r), any file's bytes (--source-format raw). */
enum { SOURCE_ANY, SOURCE_VMDK, SOURCE_RAW_IMAGE, SOURCE_RAW };

/* What op_clone() adds when the destination exists: the front end's own
 * option that replaces it (NULL: none). */
extern const char *op_exists_hint;
/* @src ("-": standard input) to @dst ("-": standard output). */
int op_clone(const char *src, const char *dst, struct vmdk_clone_params *p,
	     int source_format, bool force_progress);
/* The size of a raw image on standard input, when the user gave it
 * (then it is read as it comes); 0: unknown. */
extern uint64_t op_stdin_raw_sectors;
/* The source of a clone, as op_clone() opens it; standard input ("-")
 * is read as it comes when it is a streamOptimized VMDK or a raw image of
 * a size given, else spooled in @spool_beside's directory.  NULL once
 * the error is told. */
vmdk_disk *op_clone_source(const char *src, const char *spool_beside,
			   int source_format);
/* @path read-only: an image (VMDK, qcow2, VHD, VHDX, VDI), else a raw
 * image (formats not read refused);
 * NULL once the error is told. */
vmdk_disk *op_open_source(const char *path);
int op_create(const char *path, const struct vmdk_create_params *p);
/* To @sectors, or by @sectors when @relative. */
int op_grow(const char *path, uint64_t sectors, bool relative, bool force_progress);
int op_rename(const char *from, const char *to);
/* vmdk_shrink() or vmdk_defragment(), with the summary. */
int op_compact(const char *path, bool shrink, bool force_progress);
/* Zero the free space of the filesystem mounted at @dir: a virtual
 * disk's (loop or NBD device) unless @force. */
int op_prepare(const char *dir, bool force, bool force_progress);
/* Metadata changes in one write: @kv ("key", "value", ..., NULL; room for
 * six more), new geometry for @adapter, the end of change tracking. */
int op_meta_change(const char *path, const char **kv, bool drop_ctk,
		   bool regeometry, int adapter);
/* Set @k in @kv (of *@n strings), keeping it NULL-terminated. */
void op_kv_add(const char **kv, size_t *n, const char *k, const char *v);
void op_kv_add_geometry(const char **kv, size_t *n, unsigned c, unsigned h,
			unsigned s);

/* vmdk-check's run: exit status as e2fsck's bits. */
#define CHECK_OK 0
#define CHECK_CORRECTED 1
#define CHECK_ERRORS_LEFT 4
#define CHECK_OPERATIONAL 8
#define CHECK_USAGE 16
struct op_check_opts {
	bool repair, yes, no, json, chain_only, no_undo, assume_no_parent;
	const char *undo, *output;
};
int op_check(const char *path, const struct op_check_opts *o);

#endif
