/* SPDX-License-Identifier: MIT */
/* test_cowd.c --- vmfsSparse (COWD) redo logs, built here byte by byte
 * from the technote's layout, read through their chain and compared
 * with what qemu-img reads */
#include "helpers.h"

TestSuite(cowd, .init = make_test_dir, .fini = remove_test_dir);

enum { CAP = 8192 };

/* A flat parent full of a pattern, and a COWD child holding @n grains of
 * @grain sectors at @at[], with GT entries of @gtes per table. */
static void build(uint32_t version, uint32_t grain, uint32_t gtes,
		  const uint32_t *at, size_t n, uint8_t *expect)
{
	uint8_t hdr[2048] = { 0 }, *gt;
	uint32_t cover = grain * gtes, entries = (CAP + cover - 1) / cover;
	uint32_t gd_sectors = (entries * 4 + 511) / 512;
	uint32_t gt_sectors = (gtes * 4 + 511) / 512;
	uint32_t next = 4 + gd_sectors, gd_first_gt = next;
	char desc[1024];
	int fd;

	fill_pattern(expect, 0, CAP);
	fd = open(tpath("p-flat.vmdk"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	cr_assert_eq(pwrite(fd, expect, CAP * 512, 0), CAP * 512);
	close(fd);
	write_file("p.vmdk", "# Disk DescriptorFile\nversion=1\nCID=0000abcd\n"
			     "parentCID=ffffffff\ncreateType=\"vmfs\"\n"
			     "RW 8192 VMFS \"p-flat.vmdk\"\n");
	vmdk_put_le32(hdr, 0x44574f43);
	vmdk_put_le32(hdr + 4, version);
	vmdk_put_le32(hdr + 8, 3);
	vmdk_put_le32(hdr + 12, CAP);
	vmdk_put_le32(hdr + 16, grain);
	vmdk_put_le32(hdr + 20, 4);
	vmdk_put_le32(hdr + 24, entries);
	fd = open(tpath("c-delta.vmdk"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	/* All tables right after the directory, then the data. */
	gt = calloc(entries, gt_sectors * 512);
	next += entries * gt_sectors;
	for (uint32_t e = 0; e < entries; e++) {
		uint8_t le[4];
		vmdk_put_le32(le, gd_first_gt + e * gt_sectors);
		cr_assert_eq(pwrite(fd, le, 4, 4 * 512 + e * 4), 4);
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t g = at[i] / grain;
		uint8_t data[2048 * 512];
		memset(data, 0xc0 + (int)i, grain * 512);
		memcpy(expect + (uint64_t)g * grain * 512, data, grain * 512);
		vmdk_put_le32(gt + (g / gtes) * gt_sectors * 512 + (g % gtes) * 4, next);
		cr_assert_eq(pwrite(fd, data, grain * 512, (off_t)next * 512),
			     (ssize_t)grain * 512);
		next += grain;
	}
	cr_assert_eq(pwrite(fd, gt, entries * gt_sectors * 512,
			    (off_t)gd_first_gt * 512),
		     (ssize_t)(entries * gt_sectors * 512));
	vmdk_put_le32(hdr + 28, next);
	cr_assert_eq(pwrite(fd, hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
	close(fd);
	free(gt);
	snprintf(desc, sizeof(desc),
		 "# Disk DescriptorFile\nversion=1\nCID=00000002\n"
		 "parentCID=0000abcd\ncreateType=\"vmfsSparse\"\n"
		 "parentFileNameHint=\"p.vmdk\"\n"
		 "RW %u VMFSSPARSE \"c-delta.vmdk\"\n", CAP);
	write_file("c.vmdk", desc);
}

static void check_reads(const uint8_t *expect)
{
	static uint8_t got[CAP * 512];
	vmdk_disk *d;

	cr_assert_eq(vmdk_open(tpath("c.vmdk"), VMDK_OPEN_RDONLY, &d), 0, "%s",
		     vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_read(d, 0, CAP, got), 0, "%s", vmdk_errmsg(d));
	cr_assert_eq(memcmp(got, expect, sizeof(got)), 0);
	vmdk_close(d);
	/* qemu-img reads vmfsSparse links too: the same bytes. */
	read_with_qemu("c.vmdk", got, sizeof(got));
	cr_assert_eq(memcmp(got, expect, sizeof(got)), 0, "qemu-img disagrees");
}

Test(cowd, one_sector_grains)
{
	static uint8_t expect[CAP * 512];
	const uint32_t at[] = { 0, 10, 11, 4095, 4096, 8191 };

	build(1, 1, 4096, at, 6, expect);
	check_reads(expect);
}

Test(cowd, a_vmfs_chain_flattens_with_clone)
{
	static uint8_t expect[CAP * 512], got[CAP * 512];
	const uint32_t at[] = { 1, 4097 };
	struct vmdk_clone_params p = { .type = VMDK_TYPE_RAW, .adapter = -1 };
	vmdk_disk *d;
	FILE *f;

	build(1, 1, 4096, at, 2, expect);
	cr_assert_eq(vmdk_open(tpath("c.vmdk"), VMDK_OPEN_RDONLY, &d), 0);
	cr_assert_eq(vmdk_clone(d, tpath("flat.raw"), &p), 0, "%s", vmdk_errmsg(NULL));
	vmdk_close(d);
	f = fopen(tpath("flat.raw"), "rb");
	cr_assert_eq(fread(got, 1, sizeof(got), f), sizeof(got));
	fclose(f);
	cr_assert_eq(memcmp(got, expect, sizeof(got)), 0);
}

Test(cowd, a_redo_log_reads_through_a_fetcher)
{
	static uint8_t expect[CAP * 512];
	const uint32_t at[] = { 3, 5000 };

	build(1, 1, 4096, at, 2, expect);
	reads_through_fetcher("c.vmdk", expect, CAP);
}

Test(cowd, larger_grains)
{
	static uint8_t expect[CAP * 512];
	const uint32_t at[] = { 64, 4000 };

	build(1, 16, 4096, at, 2, expect);
	check_reads(expect);
}

Test(cowd, workstation3_variant_has_512_entry_tables)
{
	static uint8_t expect[CAP * 512];
	const uint32_t at[] = { 5, 600, 7000 };
	vmdk_disk *d;

	build(3, 1, 512, at, 3, expect);
	cr_assert_eq(vmdk_open(tpath("c.vmdk"), VMDK_OPEN_RDONLY, &d), 0, "%s",
		     vmdk_errmsg(NULL));
	{
		static uint8_t got[CAP * 512];
		cr_assert_eq(vmdk_read(d, 0, CAP, got), 0, "%s", vmdk_errmsg(d));
		cr_assert_eq(memcmp(got, expect, sizeof(got)), 0);
	}
	vmdk_close(d);
}

Test(cowd, refuses_writes_and_damage)
{
	static uint8_t expect[CAP * 512];
	const uint32_t at[] = { 3 };
	uint8_t buf[512];
	vmdk_disk *d;

	build(1, 1, 4096, at, 1, expect);
	cr_assert_eq(vmdk_open(tpath("c.vmdk"), 0, &d), 0, "%s", vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_write(d, 0, 1, buf), VMDK_E_READ_ONLY);
	/* Said before any write is tried (a server offers no writes). */
	struct vmdk_extent_info ei;
	cr_assert_eq(vmdk_get_extent_info(d, 0, 0, &ei), 0);
	cr_assert_eq(ei.writable, 0);
	cr_assert_eq(vmdk_get_extent_info(d, 1, 0, &ei), 0);
	cr_assert_eq(ei.writable, 0, "a parent is never written");
	vmdk_close(d);
	patch_le32(tpath("c-delta.vmdk"), 16, 0);	/* grain size 0 */
	cr_assert_lt(vmdk_open(tpath("c.vmdk"), VMDK_OPEN_RDONLY, &d), 0);
	cr_assert(strstr(vmdk_errmsg(NULL), "grain size 0") != NULL);
	patch_le32(tpath("c-delta.vmdk"), 16, 1);
	patch_le32(tpath("c-delta.vmdk"), 24, 99);	/* directory size */
	cr_assert_lt(vmdk_open(tpath("c.vmdk"), VMDK_OPEN_RDONLY, &d), 0);
	cr_assert(strstr(vmdk_errmsg(NULL), "99 entries") != NULL, "%s",
		  vmdk_errmsg(NULL));
	patch_le32(tpath("c-delta.vmdk"), 24, 2);
	patch_le32(tpath("c-delta.vmdk"), 4 * 512, 1u << 30);	/* GT far away */
	cr_assert_eq(vmdk_open(tpath("c.vmdk"), VMDK_OPEN_RDONLY, &d), 0);
	cr_assert_eq(vmdk_read(d, 0, 1, buf), VMDK_E_NEEDS_REPAIR);
	vmdk_close(d);
	cr_assert_lt(vmdk_open(tpath("c-delta.vmdk"), VMDK_OPEN_RDONLY, &d), 0);
	cr_assert(strstr(vmdk_errmsg(NULL), "descriptor file instead") != NULL);
}
