/* deflate.c --- whole-grain compression and decompression.  libdeflate
 * (several times faster than zlib on whole buffers, and a little smaller
 * at the same level) writes and reads the zlib streams every VMDK reader
 * expects; raw deflate (RFC 1951, as the technote words it) is also read. */
#include <libdeflate.h>
#include <stdlib.h>

#include "vmdk_int.h"

struct vmdk_deflater {
	struct libdeflate_compressor *c;
};

struct vmdk_inflater {
	struct libdeflate_decompressor *d;
};

struct vmdk_deflater *vmdk_deflater_new(int level)
{
	struct vmdk_deflater *z = malloc(sizeof(*z));

	if (!z)
		return NULL;
	z->c = libdeflate_alloc_compressor(level < 1 || level > 12 ? 6 : level);
	if (!z->c) {
		free(z);
		return NULL;
	}
	return z;
}

void vmdk_deflater_free(struct vmdk_deflater *z)
{
	if (z) {
		libdeflate_free_compressor(z->c);
		free(z);
	}
}

size_t vmdk_deflate(struct vmdk_deflater *z, const void *in, size_t len,
		    void *out, size_t max)
{
	return libdeflate_zlib_compress(z->c, in, len, out, max);
}

struct vmdk_inflater *vmdk_inflater_new(void)
{
	struct vmdk_inflater *z = malloc(sizeof(*z));

	if (!z)
		return NULL;
	z->d = libdeflate_alloc_decompressor();
	if (!z->d) {
		free(z);
		return NULL;
	}
	return z;
}

void vmdk_inflater_free(struct vmdk_inflater *z)
{
	if (z) {
		libdeflate_free_decompressor(z->d);
		free(z);
	}
}

int vmdk_inflate(struct vmdk_inflater *z, const void *in, size_t len,
		 void *out, size_t max, size_t *got)
{
	size_t used;

	if (libdeflate_zlib_decompress_ex(z->d, in, len, out, max, &used, got) ==
	    LIBDEFLATE_SUCCESS)
		return 0;
	if (libdeflate_deflate_decompress_ex(z->d, in, len, out, max, &used, got) ==
	    LIBDEFLATE_SUCCESS)
		return 0;
	return -1;
}
