/* SPDX-License-Identifier: MIT */
/* vmdk_int.h --- the core's private declarations (the descriptor as
 * lines), over base/ and the formats' interface */
#ifndef VMDK_INT_H
#define VMDK_INT_H

/* Internal to the library (libvmdk/, formats/) and to the tests that
 * reach inside it; the build defines VMDK_INTERNAL for those alone, so a
 * front end that includes this (or a header built on it) fails. */
#ifndef VMDK_INTERNAL
#error "an internal header of libvmdk: front ends include vmdk.h alone"
#endif
#if defined(VMDK_LAYER_FORMATS) || defined(VMDK_LAYER_BASE)
#error "the core's header: formats/ builds on format.h and base/ alone"
#endif

#include <stdbool.h>
#include <stdint.h>

#include "base.h"
#include "format.h"

/* ---- descriptor.c: the descriptor as a list of lines ---- */
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
/* The static copy of an extent type name: descriptor lines move when the
 * descriptor is edited, so extents must not point into them. */
const char *vmdk_extent_kind(const char *kind);
/* FLAT or VMFS: a file region read in place. */
bool vmdk_extent_is_flat(const char *kind);

#endif
