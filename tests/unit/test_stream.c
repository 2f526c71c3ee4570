/* SPDX-License-Identifier: MIT */
/* test_stream.c --- streamOptimized: the writer's layout, reading it
 * back, and damaged streams */
#include <zlib.h>

#include "helpers.h"
#include "vmdk_ondisk.h"

TestSuite(stream, .init = make_test_dir, .fini = remove_test_dir);

/* The writer is reached as the core reaches it: through the registry. */
static const struct vmdk_writer_ops *stream_writer(void)
{
	const struct vmdk_format_ops *f =
		vmdk_format_for_type(VMDK_TYPE_STREAM_OPTIMIZED);

	cr_assert(f && f->writer);
	return f->writer;
}

static const char desc_fmt[] =
	"# Disk DescriptorFile\nversion=1\nCID=2468ace0\nparentCID=ffffffff\n"
	"createType=\"streamOptimized\"\nRW %u SPARSE \"s.vmdk\"\n";

/* Grains 0, 1, one in the middle and the last one carry data. */
static void write_stream(const char *name, unsigned cap, uint8_t *expect)
{
	struct vmdk_errbuf eb;
	struct vmdk_writer *w;
	const struct vmdk_writer_ops *wo = stream_writer();
	uint64_t grains[] = { 0, 1, (cap - 1) / 128 / 2 + 1, (cap - 1) / 128 };
	char desc[512];
	int fd = open(tpath(name), O_CREAT | O_RDWR | O_TRUNC, 0644);

	snprintf(desc, sizeof(desc), desc_fmt, cap);
	memset(expect, 0, cap * 512ull);
	cr_assert_eq(wo->open(fd, &(struct vmdk_extent_plan){ .sectors = cap, .grain = 128, .descriptor = desc, .level = 6 }, &w, &eb), 0);
	for (size_t i = 0; i < 4; i++) {
		uint64_t first = grains[i] * 128;
		size_t n = cap - first < 128 ? cap - first : 128;
		fill_pattern(expect + first * 512, first, n);
		if (i == 1)	/* a compressible grain */
			memset(expect + first * 512, 'a', n * 512);
		cr_assert_eq(wo->put(w, grains[i],
						      expect + first * 512, n * 512),
			     0, "%s", eb.msg);
	}
	cr_assert_eq(wo->finish(w), 0);
	wo->free(w);
	close(fd);
}

Test(stream, written_stream_reads_back)
{
	enum { CAP = 100000 };	/* not a multiple of the grain */
	uint8_t *expect = malloc(CAP * 512ull), *got = malloc(CAP * 512ull);
	struct vmdk_extent_info ei;
	vmdk_disk *d;

	write_stream("s.vmdk", CAP, expect);
	cr_assert_eq(vmdk_open(tpath("s.vmdk"), VMDK_OPEN_RDONLY, &d), 0, "%s",
		     vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_read(d, 0, CAP, got), 0, "%s", vmdk_errmsg(d));
	cr_assert_eq(memcmp(got, expect, CAP * 512ull), 0);
	vmdk_get_extent_info(d, 0, 0, &ei);
	cr_assert(ei.compressed);
	cr_assert_eq(ei.version, 3);
	vmdk_close(d);
	free(expect);
	free(got);
}

Test(stream, layout_has_footer_and_eos_at_the_end)
{
	enum { CAP = 2048 };
	static uint8_t expect[CAP * 512];
	uint8_t tail[1536];
	struct sparse_header h;
	off_t size;
	int fd;

	write_stream("s.vmdk", CAP, expect);
	fd = open(tpath("s.vmdk"), O_RDONLY);
	size = lseek(fd, 0, SEEK_END);
	cr_assert_eq(size % 512, 0);
	cr_assert_eq(pread(fd, tail, sizeof(tail), size - 1536), 1536);
	close(fd);
	cr_assert_eq(vmdk_le64(tail), 1);
	cr_assert_eq(vmdk_le32(tail + 12), MARKER_FOOTER);
	sparse_header_decode(tail + 512, &h);
	cr_assert_eq(h.magic, SPARSE_MAGIC);
	cr_assert_eq(h.version, 3);
	cr_assert_eq(h.flags, 0x30001);
	cr_assert_eq(h.compress, 1);
	cr_assert_neq(h.gd_offset, SPARSE_GD_AT_END);
	cr_assert(vmdk_is_zero(tail + 1024, 512));
	/* The front header defers to the footer. */
	cr_assert_eq(peek_le32(tpath("s.vmdk"), 56), 0xffffffffu);
	cr_assert_eq(peek_le32(tpath("s.vmdk"), 64), 128);	/* overHead */
}

Test(stream, output_is_deterministic)
{
	enum { CAP = 4096 };
	static uint8_t a[CAP * 512];
	char cmd[600];

	write_stream("a.vmdk", CAP, a);
	write_stream("b.vmdk", CAP, a);
	snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", tpath("a.vmdk"), tpath("b.vmdk"));
	cr_assert_eq(system(cmd), 0);
}

Test(stream, empty_created_disk_reads_zeros_and_refuses_writes)
{
	uint8_t buf[4096];
	vmdk_disk *d;

	create_disk("e.vmdk", VMDK_TYPE_STREAM_OPTIMIZED, 20480, 0);
	cr_assert_eq(vmdk_open(tpath("e.vmdk"), 0, &d), 0, "%s", vmdk_errmsg(NULL));
	memset(buf, 1, sizeof(buf));
	cr_assert_eq(vmdk_read(d, 20472, 8, buf), 0);
	cr_assert(vmdk_is_zero(buf, sizeof(buf)));
	cr_assert_eq(vmdk_write(d, 0, 1, buf), VMDK_E_NOT_SUPPORTED);
	cr_assert(strstr(vmdk_errmsg(d), "cannot be written in place") != NULL);
	vmdk_close(d);
}

static int read_all(const char *name, vmdk_disk **out)
{
	uint8_t *buf = malloc(4096 * 512);
	int err = vmdk_open(tpath(name), VMDK_OPEN_RDONLY, out);

	if (err == 0)
		err = vmdk_read(*out, 0, 4096, buf);
	free(buf);
	return err;
}

Test(stream, truncated_stream_is_reported)
{
	static uint8_t expect[4096 * 512];
	vmdk_disk *d = NULL;
	off_t size;
	int fd;

	write_stream("s.vmdk", 4096, expect);
	fd = open(tpath("s.vmdk"), O_RDWR);
	size = lseek(fd, 0, SEEK_END);
	cr_assert_eq(ftruncate(fd, size - 512), 0);
	close(fd);
	cr_assert_eq(read_all("s.vmdk", &d), VMDK_E_NEEDS_REPAIR);
	cr_assert(strstr(vmdk_errmsg(NULL), "truncated") != NULL, "%s",
		  vmdk_errmsg(NULL));
}

/* The first grain starts right after the 128-sector overhead. */
#define FIRST_GRAIN (128 * 512)

Test(stream, wrong_lba_in_marker_is_reported)
{
	static uint8_t expect[4096 * 512];
	vmdk_disk *d = NULL;

	write_stream("s.vmdk", 4096, expect);
	patch_le64(tpath("s.vmdk"), FIRST_GRAIN, 128 * 5);
	cr_assert_eq(read_all("s.vmdk", &d), VMDK_E_NEEDS_REPAIR);
	/* Refused at open (LBA 640's entry is empty, so the grain would be
	 * data no table names) or when grain 0 is read. */
	cr_assert(strstr(vmdk_errmsg(d), "marked for LBA 640") != NULL ||
		  strstr(vmdk_errmsg(d), "holds LBA 640, which no grain table names"),
		  "%s", vmdk_errmsg(d));
	vmdk_close(d);
}

Test(stream, oversized_compressed_length_is_reported)
{
	static uint8_t expect[4096 * 512];
	vmdk_disk *d = NULL;

	write_stream("s.vmdk", 4096, expect);
	patch_le32(tpath("s.vmdk"), FIRST_GRAIN + 8, 0x7fffffff);
	cr_assert_eq(read_all("s.vmdk", &d), VMDK_E_NEEDS_REPAIR);
	cr_assert(strstr(vmdk_errmsg(d), "compressed bytes") != NULL);
	vmdk_close(d);
}

Test(stream, garbage_compressed_data_is_reported)
{
	static uint8_t expect[4096 * 512];
	uint8_t junk[64];
	vmdk_disk *d = NULL;

	write_stream("s.vmdk", 4096, expect);
	memset(junk, 0xff, sizeof(junk));
	patch(tpath("s.vmdk"), FIRST_GRAIN + 12, junk, sizeof(junk));
	cr_assert_eq(read_all("s.vmdk", &d), VMDK_E_NEEDS_REPAIR);
	cr_assert(strstr(vmdk_errmsg(d), "does not decompress") != NULL);
	vmdk_close(d);
}

Test(stream, raw_deflate_grains_are_accepted)
{
	/* The technote says RFC 1951; hand-make one such grain. */
	static uint8_t grain[65536], packed[70000], out[65536];
	z_stream z = { 0 };
	static uint8_t expect[4096 * 512];
	vmdk_disk *d;
	uint32_t gd, gt, at;
	size_t len;

	write_stream("s.vmdk", 4096, expect);
	fill_pattern(grain, 0, 128);
	cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = grain;
	z.avail_in = sizeof(grain);
	z.next_out = packed + 12;
	z.avail_out = sizeof(packed) - 12;
	cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	len = sizeof(packed) - 12 - z.avail_out;
	deflateEnd(&z);
	vmdk_put_le64(packed, 0);
	vmdk_put_le32(packed + 8, (uint32_t)len);
	/* Append it and point grain 0's table entry at it. */
	{
		int fd = open(tpath("s.vmdk"), O_RDWR);
		off_t size = lseek(fd, 0, SEEK_END);
		uint8_t tail[1536];
		cr_assert_eq(pread(fd, tail, 1536, size - 1536), 1536);
		at = (uint32_t)(size - 1536) / 512;
		cr_assert_eq(pwrite(fd, packed, (len + 12 + 511) / 512 * 512, at * 512ll),
			     (ssize_t)((len + 12 + 511) / 512 * 512));
		size = lseek(fd, 0, SEEK_END);
		size = (size + 511) / 512 * 512;
		cr_assert_eq(pwrite(fd, tail, 1536, size), 1536);
		gd = vmdk_le32(tail + 512 + 56);
		close(fd);
	}
	gt = peek_le32(tpath("s.vmdk"), gd * 512ull);
	patch_le32(tpath("s.vmdk"), gt * 512ull, at);
	/* The old grain 0 no longer holds an LBA: no writer leaves a grain
	 * no table names. */
	patch_le32(tpath("s.vmdk"), FIRST_GRAIN + 8, 0);
	cr_assert_eq(vmdk_open(tpath("s.vmdk"), VMDK_OPEN_RDONLY, &d), 0, "%s",
		     vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_read(d, 0, 128, out), 0, "%s", vmdk_errmsg(d));
	cr_assert_eq(memcmp(out, grain, sizeof(grain)), 0);
	vmdk_close(d);
}

/* Deflate a 64 KiB grain; the zlib stream's first block type. */
static size_t deflated(const uint8_t *in, uint8_t *out, int *btype)
{
	struct vmdk_deflater *z = vmdk_deflater_new(0);
	uint8_t back[65536];
	uLongf back_len = sizeof(back);
	size_t n;

	cr_assert_not_null(z);
	n = vmdk_deflate(z, in, 65536, out, 70000);
	vmdk_deflater_free(z);
	cr_assert_gt(n, 2u);
	*btype = (out[2] >> 1) & 3;	/* after the 2-byte zlib header */
	cr_assert_eq(uncompress(back, &back_len, out, n), Z_OK);
	cr_assert_eq(back_len, 65536u);
	cr_assert_eq(memcmp(back, in, 65536), 0);
	return n;
}

Test(stream, random_grains_are_stored_and_others_deflated)
{
	static uint8_t grain[65536], out[70000];
	uint32_t x = 12345;
	int btype;
	size_t n;

	for (size_t i = 0; i < sizeof(grain); i++) {
		x = x * 1103515245u + 12345u;
		grain[i] = (uint8_t)(x >> 23);
	}
	n = deflated(grain, out, &btype);
	cr_expect_eq(btype, 0, "random bytes go out as stored blocks");
	cr_expect_lt(n, 65536u + 64u);

	/* The same random sector sixteen times: deflate finds the repeats. */
	for (size_t i = 512; i < sizeof(grain); i++)
		grain[i] = grain[i % 8192];
	n = deflated(grain, out, &btype);
	cr_expect_neq(btype, 0);
	cr_expect_lt(n, 65536u / 4, "repeated random data compressed to %zu", n);

	/* Text-like bytes (few symbols) are deflated. */
	for (size_t i = 0; i < sizeof(grain); i++)
		grain[i] = "etaoin shrdlu"[grain[i] % 13];
	n = deflated(grain, out, &btype);
	cr_expect_neq(btype, 0);
	cr_expect_lt(n, 65536u * 6 / 10);
}

/* Many grains, random ones (stored: 64 KiB each, so a 2 MiB window holds
 * about 31) between compressible ones and holes: reads of every size must
 * see each grain where it belongs, whether its grains are inflated side by
 * side, one at a time, or cut by a window refill in the middle. */
Test(stream, long_reads_across_many_grains)
{
	enum { GRAINS = 200, CAP = GRAINS * 128 - 37 };
	uint8_t *expect = calloc(CAP, 512), *got = malloc(CAP * 512ull);
	static const uint32_t sizes[] = { 2048, 4096, 8192, 777, 128, 100, CAP };
	struct vmdk_writer *w;
	const struct vmdk_writer_ops *wo = stream_writer();
	struct vmdk_errbuf eb;
	char desc[512];
	uint32_t rnd = 99;
	vmdk_disk *d;
	int fd = open(tpath("many.vmdk"), O_CREAT | O_RDWR | O_TRUNC, 0644);

	snprintf(desc, sizeof(desc), desc_fmt, (unsigned)CAP);
	cr_assert_eq(wo->open(fd, &(struct vmdk_extent_plan){ .sectors = CAP, .grain = 128, .descriptor = desc, .level = 1 }, &w, &eb), 0);
	for (uint64_t g = 0; g < GRAINS; g++) {
		uint8_t *p = expect + g * 65536;
		size_t n = (g + 1) * 128 > CAP ? (CAP - g * 128) * 512ull : 65536;
		if (g % 7 == 3)
			continue;	/* a hole */
		for (size_t i = 0; i < n; i++) {
			rnd = rnd * 1103515245u + 12345u;
			p[i] = g % 3 ? (uint8_t)(rnd >> 23) : (uint8_t)('a' + (rnd >> 29));
		}
		memcpy(p, &g, sizeof(g));	/* each grain knows its place */
		cr_assert_eq(wo->put(w, g, p, n), 0, "%s", eb.msg);
	}
	cr_assert_eq(wo->finish(w), 0);
	wo->free(w);
	close(fd);

	cr_assert_eq(vmdk_open(tpath("many.vmdk"), VMDK_OPEN_RDONLY, &d), 0, "%s",
		     vmdk_errmsg(NULL));
	for (size_t k = 0; k < sizeof(sizes) / sizeof(*sizes); k++) {
		memset(got, 0xee, CAP * 512ull);
		for (uint32_t at = sizes[k] % 61; at < CAP; at += sizes[k]) {
			uint32_t n = CAP - at < sizes[k] ? CAP - at : sizes[k];
			cr_assert_eq(vmdk_read(d, at, n, got + at * 512ull), 0, "%s",
				     vmdk_errmsg(d));
		}
		cr_assert_eq(vmdk_read(d, 0, sizes[k] % 61, got), 0);
		cr_assert_eq(memcmp(got, expect, CAP * 512ull), 0,
			     "reads of %u sectors differ", sizes[k]);
	}
	vmdk_close(d);
	free(expect);
	free(got);
}
