/* SPDX-License-Identifier: MIT */
/* deflate.c --- whole-grain compression and decompression.  libdeflate
 * (several times faster than zlib on whole buffers, and a little smaller
 * at the same level) writes and reads the zlib streams every VMDK reader
 * expects; raw deflate (RFC 1951, as the technote words it) is also read.
 *
 * Grains whose bytes look random (encrypted or already compressed data)
 * go out as stored deflate blocks: deflate would spend most of the
 * conversion's time on them to save nothing. */
#include <libdeflate.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"

struct vmdk_deflater {
	struct libdeflate_compressor *c;
	struct libdeflate_compressor *store;	/* level 0: stored blocks */
};

/* Above this many bits of order-0 entropy per byte, Huffman coding saves
 * under 1.5%, less than the block headers it costs. */
#define RANDOM_ENTROPY_BITS 7.9

/* Half the bytes (four of every eight) are counted: 32768 samples of a
 * grain estimate its entropy to within a hundredth of a bit, at half the
 * cost of counting every byte. */
static double byte_entropy(const uint8_t *p, size_t len)
{
	uint32_t h[4][256];
	double bits = 0;
	size_t i, samples = 0;

	memset(h, 0, sizeof(h));
	/* Four tables, so that runs of one byte do not stall on one counter. */
	for (i = 0; i + 8 <= len; i += 8) {
		h[0][p[i]]++;
		h[1][p[i + 1]]++;
		h[2][p[i + 2]]++;
		h[3][p[i + 3]]++;
		samples += 4;
	}
	for (; i < len; i++, samples++)
		h[0][p[i]]++;
	for (i = 0; i < 256; i++) {
		uint32_t n = h[0][i] + h[1][i] + h[2][i] + h[3][i];

		if (n)
			bits -= n * log2((double)n / samples);
	}
	return bits / samples;
}

/* Random-looking data can still repeat (one encrypted sector copied
 * twice); deflate finds such repeats, so a grain with two sectors that
 * begin alike is deflated after all. */
static int has_repeated_sector(const uint8_t *p, size_t len)
{
	uint64_t seen[256];
	size_t nseen = 0, off, i;

	for (off = 0; off + 16 <= len && nseen < 256; off += VMDK_SECTOR) {
		uint64_t a, b;

		memcpy(&a, p + off, 8);
		memcpy(&b, p + off + 8, 8);
		a ^= b * 0x9e3779b97f4a7c15ull;
		for (i = 0; i < nseen; i++)
			if (seen[i] == a)
				return 1;
		seen[nseen++] = a;
	}
	return 0;
}

static int looks_incompressible(const void *in, size_t len)
{
	return len >= 4096 && byte_entropy(in, len) > RANDOM_ENTROPY_BITS &&
	       !has_repeated_sector(in, len);
}

struct vmdk_inflater {
	struct libdeflate_decompressor *d;
};

struct vmdk_deflater *vmdk_deflater_new(int level)
{
	struct vmdk_deflater *z = malloc(sizeof(*z));

	if (!z)
		return NULL;
	z->c = libdeflate_alloc_compressor(level < 1 || level > 12 ? VMDK_DEFAULT_LEVEL
							    : level);
	z->store = libdeflate_alloc_compressor(0);
	if (!z->c || !z->store) {
		vmdk_deflater_free(z);
		return NULL;
	}
	return z;
}

void vmdk_deflater_free(struct vmdk_deflater *z)
{
	if (z) {
		libdeflate_free_compressor(z->c);
		libdeflate_free_compressor(z->store);
		free(z);
	}
}

size_t vmdk_deflate(struct vmdk_deflater *z, const void *in, size_t len,
		    void *out, size_t max)
{
	if (looks_incompressible(in, len))
		return libdeflate_zlib_compress(z->store, in, len, out, max);
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

	return vmdk_inflate_ex(z, in, len, out, max, got, &used);
}

int vmdk_inflate_ex(struct vmdk_inflater *z, const void *in, size_t len,
		    void *out, size_t max, size_t *got, size_t *used)
{
	if (libdeflate_zlib_decompress_ex(z->d, in, len, out, max, used, got) ==
	    LIBDEFLATE_SUCCESS)
		return 0;
	if (libdeflate_deflate_decompress_ex(z->d, in, len, out, max, used, got) ==
	    LIBDEFLATE_SUCCESS)
		return 0;
	return -1;
}
