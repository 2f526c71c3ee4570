/* registry.c --- which format module handles an extent: by the type on
 * its descriptor line, then by the magic of its first sector. */
#include <string.h>

#include "vmdk_ondisk.h"

const struct vmdk_extent_ops *
vmdk_pick_format(const char *kind, const uint8_t *first, size_t got,
		 const char *path, struct vmdk_errbuf *eb, int *err)
{
	uint32_t magic = got >= 4 ? vmdk_le32(first) : 0;

	*err = 0;
	if (strcmp(kind, "ZERO") == 0)
		return &vmdk_zero_ops;
	if (strcmp(kind, "FLAT") == 0 || strcmp(kind, "VMFS") == 0 ||
	    strcmp(kind, "VMFSRDM") == 0 || strcmp(kind, "VMFSRAW") == 0)
		return &vmdk_flat_ops;
	if (magic == SPARSE_MAGIC && got >= 512 &&
	    (strcmp(kind, "SPARSE") == 0 || strcmp(kind, "VMFSSPARSE") == 0))
		return vmdk_le32(first + 8) & SPARSE_FLAG_COMPRESSED
			       ? &vmdk_stream_ops : &vmdk_sparse_ops;
	if (magic == COWD_MAGIC && got >= 512 &&
	    (strcmp(kind, "SPARSE") == 0 || strcmp(kind, "VMFSSPARSE") == 0))
		return &vmdk_cowd_ops;
	if (strcmp(kind, "SESPARSE") == 0 && got >= 512 &&
	    vmdk_le64(first) == 0xcafebabeull)
		return &vmdk_sesparse_ops;
	*err = vmdk_seterr(eb, VMDK_E_NOT_A_DISK,
			   "%s: %s extent has no sparse header (file %s)",
			   path, kind, got < 512 ? "too short" : "damaged");
	return NULL;
}

/* Where a monolithic file keeps its descriptor; 0 if it is not a sparse
 * extent or has none. */
int vmdk_embedded_descriptor(const uint8_t *first, uint64_t *off,
			     uint64_t *len)
{
	struct sparse_header h;

	sparse_header_decode(first, &h);
	if (h.magic != SPARSE_MAGIC || h.desc_offset == 0 || h.desc_size == 0)
		return 0;
	*off = h.desc_offset * 512;
	*len = h.desc_size * 512;
	return 1;
}
