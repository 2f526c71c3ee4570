/* SPDX-License-Identifier: MIT */
/* registry.c --- which format module handles an extent: by the type on
 * its descriptor line, then by the magic of its first sector.  Adding a
 * format is one line here. */
#include <string.h>

#include "format.h"

static const char *const access_names[] = {
	[VMDK_ACCESS_RW] = "RW",
	[VMDK_ACCESS_RDONLY] = "RDONLY",
	[VMDK_ACCESS_NOACCESS] = "NOACCESS",
};

const char *vmdk_access_name(int access)
{
	if (access < 0 || access > VMDK_ACCESS_NOACCESS)
		return "?";
	return access_names[access];
}

extern const struct vmdk_format_ops vmdk_zero_ops, vmdk_flat_ops,
	vmdk_sparse_ops, vmdk_stream_ops, vmdk_cowd_ops, vmdk_sesparse_ops,
	vmdk_raw_ops;

/* Cheap choices first: formats the descriptor type alone decides (no
 * file, or a file of any content), then those known by a magic, where
 * sparse and stream share "KDMV" and their probes tell them apart. */
static const struct vmdk_format_ops *const formats[] = {
	&vmdk_zero_ops,
	&vmdk_flat_ops,
	&vmdk_sparse_ops,
	&vmdk_stream_ops,
	&vmdk_cowd_ops,
	&vmdk_sesparse_ops,
	&vmdk_raw_ops,		/* never named by a descriptor */
};
#define NFORMATS (sizeof(formats) / sizeof(*formats))

static bool serves(const struct vmdk_format_ops *f, const char *kind)
{
	for (const char *const *k = f->kinds; k && *k; k++)
		if (strcmp(*k, kind) == 0)
			return true;
	return false;
}

static bool has_magic(const struct vmdk_format_ops *f, const uint8_t *first,
		      size_t got)
{
	const struct vmdk_magic *m = &f->magic;

	return m->len && got >= m->offset + m->len &&
	       memcmp(first + m->offset, m->bytes, m->len) == 0;
}

/* A whole first sector that carries @f's magic and passes its probe. */
static bool is_ours(const struct vmdk_format_ops *f, const uint8_t *first,
		    size_t got)
{
	return got >= VMDK_SECTOR && has_magic(f, first, got) &&
	       (!f->probe || f->probe(first));
}

const struct vmdk_format_ops *
vmdk_format_pick(const char *kind, const uint8_t *first, size_t got,
		 const char *path, struct vmdk_errbuf *eb, int *err)
{
	*err = 0;
	for (size_t i = 0; i < NFORMATS; i++) {
		const struct vmdk_format_ops *f = formats[i];
		if (serves(f, kind) && (!f->magic.len || is_ours(f, first, got)))
			return f;
	}
	*err = vmdk_seterr_at(eb, VMDK_E_NOT_A_DISK, path,
			      "%s extent has no sparse header (file %s)", kind,
			      got < VMDK_SECTOR ? "too short" : "damaged");
	return NULL;
}

const struct vmdk_format_ops *vmdk_format_for_type(int type)
{
	if (type != VMDK_TYPE_RAW && (type < 0 || type >= VMDK_TYPE_COUNT))
		return NULL;
	for (size_t i = 0; i < NFORMATS; i++)
		if (formats[i]->creates & VMDK_CREATES(type))
			return formats[i];
	return NULL;
}

int vmdk_format_descriptor_area(const uint8_t *first, size_t got,
				const char *path, struct vmdk_embedded *e,
				struct vmdk_errbuf *eb)
{
	for (size_t i = 0; i < NFORMATS; i++) {
		const struct vmdk_format_ops *f = formats[i];
		if (!has_magic(f, first, got))
			continue;
		if (got < VMDK_SECTOR)
			return vmdk_seterr_at(eb, VMDK_E_NEEDS_REPAIR, path,
					      "%s header truncated (%zu bytes)", f->name, got);
		if (f->probe && !f->probe(first))
			continue;
		if (f->embedded_descriptor && f->embedded_descriptor(first, e))
			return 1;
		return vmdk_seterr_at(eb, VMDK_E_NOT_A_DISK, path,
				      "%s extent without a descriptor of its own "
				      "(open the disk's descriptor file instead)",
				      f->name);
	}
	return 0;
}

static int refuse(const struct vmdk_extent *x, const char *owner,
		  const char *hint, const char *what)
{
	const char *path = x->path ? x->path : owner;

	if (hint)
		return vmdk_seterr_at(x->eb, VMDK_E_NOT_SUPPORTED, path, "%s", hint);
	return vmdk_seterr_at(x->eb, VMDK_E_NOT_SUPPORTED, path, "a %s extent %s", x->kind,
			      what);
}

int vmdk_format_write_zeros(struct vmdk_extent *x, uint64_t sector, uint64_t n)
{
	static const uint8_t zeros[1u << 20];
	int err = 0;

	while (err == 0 && n > 0) {
		uint32_t k = n < sizeof(zeros) / VMDK_SECTOR ? (uint32_t)n
							     : (uint32_t)(sizeof(zeros) / VMDK_SECTOR);
		err = x->ops->write(x, sector, k, zeros);
		sector += k;
		n -= k;
	}
	return err;
}

int vmdk_format_can_write(const struct vmdk_extent *x, const char *owner)
{
	if (!x->ops->write && x->ops->no_write_hint)
		return refuse(x, owner, x->ops->no_write_hint, "");
	if (!x->ops->write || !x->writable)
		return vmdk_seterr_at(x->eb, VMDK_E_READ_ONLY, x->path ? x->path : owner,
				      "%s extent is not writable (%s)", x->kind,
				      vmdk_access_name(x->access));
	return 0;
}

int vmdk_format_can_grow(const struct vmdk_extent *x, const char *owner)
{
	return x->ops->grow ? 0 : refuse(x, owner, x->ops->no_grow_hint,
					 "cannot be grown");
}

int vmdk_format_can_compact(const struct vmdk_extent *x, const char *owner)
{
	if (!x->ops->compact)
		return refuse(x, owner, x->ops->no_compact_hint,
			      "cannot be shrunk or defragmented");
	return 0;
}
