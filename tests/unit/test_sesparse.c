/* SPDX-License-Identifier: MIT */
/* test_sesparse.c --- seSparse snapshot deltas, built here from the layout
 * in the shared reference notes, read through their chain and compared
 * with what qemu-img reads */
#include "helpers.h"

TestSuite(sesparse, .init = make_test_dir, .fini = remove_test_dir);

enum { CAP = 8192, POOL_GRAINS = 32, VOL = 1, GD = 2, GTS = 3,
       GT_POOL = 128, GRAINS = GTS + GT_POOL };

static void put64(uint8_t *b, uint64_t v)
{
	vmdk_put_le64(b, v);
}

static uint64_t allocated_entry(uint64_t idx)
{
	return (3ull << 60) | ((idx & 0xfff) << 48) | (idx >> 12);
}

/* Parent: a flat file of a pattern.  Child: grains 0 and 513 hold data,
 * grain 2 is a zeroed grain, grain 3 is unmapped (zeros too). */
static void build(uint8_t *expect)
{
	static uint8_t gt[4096 * 8];
	uint8_t k[512] = { 0 }, v[512] = { 0 }, gd[512] = { 0 }, data[4096];
	const uint64_t grains[] = { 0, 513 };
	FILE *f;
	int fd;

	fill_pattern(expect, 0, CAP);
	fd = open(tpath("p-flat.vmdk"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	cr_assert_eq(pwrite(fd, expect, CAP * 512, 0), CAP * 512);
	close(fd);
	f = fopen(tpath("p.vmdk"), "w");
	fputs("version=1\nCID=0000abcd\nparentCID=ffffffff\ncreateType=\"vmfs\"\n"
	      "RW 8192 VMFS \"p-flat.vmdk\"\n", f);
	fclose(f);
	put64(k + 0x00, 0xcafebabe);
	put64(k + 0x08, 0x0000000200000001ull);
	put64(k + 0x10, CAP);
	put64(k + 0x18, 8);
	put64(k + 0x20, 64);
	put64(k + 0x50, VOL);
	put64(k + 0x58, 1);
	put64(k + 0x80, GD);
	put64(k + 0x88, 1);
	put64(k + 0x90, GTS);
	put64(k + 0x98, GT_POOL);
	put64(k + 0xc0, GRAINS);
	put64(k + 0xc8, POOL_GRAINS * 8);
	put64(v, 0xcafecafe);
	put64(gd, 0x1000000000000000ull | 0);	/* table 0 of the pool */
	memset(gt, 0, sizeof(gt));
	fd = open(tpath("c-sesparse.vmdk"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	for (size_t i = 0; i < 2; i++) {
		uint64_t idx = i * 7 + 1;	/* pool slots 1 and 8 */
		memset(data, 0xa0 + (int)i, sizeof(data));
		memcpy(expect + grains[i] * 4096, data, sizeof(data));
		put64(gt + grains[i] * 8, allocated_entry(idx));
		cr_assert_eq(pwrite(fd, data, sizeof(data),
				    (off_t)(GRAINS + idx * 8) * 512), 4096);
	}
	put64(gt + 2 * 8, 2ull << 60);
	memset(expect + 2 * 4096, 0, 4096);
	put64(gt + 3 * 8, 1ull << 60);
	memset(expect + 3 * 4096, 0, 4096);
	cr_assert_eq(pwrite(fd, k, 512, 0), 512);
	cr_assert_eq(pwrite(fd, v, 512, VOL * 512), 512);
	cr_assert_eq(pwrite(fd, gd, 512, GD * 512), 512);
	cr_assert_eq(pwrite(fd, gt, sizeof(gt), GTS * 512), (ssize_t)sizeof(gt));
	cr_assert_eq(ftruncate(fd, (off_t)(GRAINS + POOL_GRAINS * 8) * 512), 0);
	close(fd);
	f = fopen(tpath("c.vmdk"), "w");
	fputs("# Disk DescriptorFile\nversion=1\nCID=00000002\nparentCID=0000abcd\n"
	      "createType=\"seSparse\"\nparentFileNameHint=\"p.vmdk\"\n"
	      "RW 8192 SESPARSE \"c-sesparse.vmdk\"\nddb.grain = \"8\"\n", f);
	fclose(f);
}

Test(sesparse, reads_through_the_chain_as_qemu_does)
{
	static uint8_t expect[CAP * 512], got[CAP * 512];
	vmdk_disk *d;

	build(expect);
	cr_assert_eq(vmdk_open(tpath("c.vmdk"), VMDK_OPEN_RDONLY, &d), 0, "%s",
		     vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_read(d, 0, CAP, got), 0, "%s", vmdk_errmsg(d));
	cr_assert_eq(memcmp(got, expect, sizeof(got)), 0);
	vmdk_close(d);
	read_with_qemu("c.vmdk", got, sizeof(got));
	cr_assert_eq(memcmp(got, expect, sizeof(got)), 0, "qemu-img disagrees");
}

Test(sesparse, a_delta_reads_through_a_fetcher)
{
	static uint8_t expect[CAP * 512];

	build(expect);
	reads_through_fetcher("c.vmdk", expect, CAP);
}

Test(sesparse, strict_checks)
{
	static uint8_t expect[CAP * 512];
	uint8_t buf[512];
	vmdk_disk *d;

	build(expect);
	patch_le64(tpath("c-sesparse.vmdk"), VOL * 512 + 0x18, 1);
	cr_assert_lt(vmdk_open(tpath("c.vmdk"), VMDK_OPEN_RDONLY, &d), 0);
	cr_assert(strstr(vmdk_errmsg(NULL), "journal") != NULL, "%s", vmdk_errmsg(NULL));
	patch_le64(tpath("c-sesparse.vmdk"), VOL * 512 + 0x18, 0);
	patch_le64(tpath("c-sesparse.vmdk"), 0x08, 0x0000000300000001ull);
	cr_assert_eq(vmdk_open(tpath("c.vmdk"), VMDK_OPEN_RDONLY, &d),
		     VMDK_E_UNSUPPORTED_VERSION);
	patch_le64(tpath("c-sesparse.vmdk"), 0x08, 0x0000000200000001ull);
	patch_le64(tpath("c-sesparse.vmdk"), 0x88, 1ull << 40);
	cr_assert_lt(vmdk_open(tpath("c.vmdk"), VMDK_OPEN_RDONLY, &d), 0);
	patch_le64(tpath("c-sesparse.vmdk"), 0x88, 1);
	patch_le64(tpath("c-sesparse.vmdk"), GD * 512, 0x2000000000000000ull);
	cr_assert_eq(vmdk_open(tpath("c.vmdk"), VMDK_OPEN_RDONLY, &d), 0);
	cr_assert_eq(vmdk_read(d, 0, 1, buf), VMDK_E_NEEDS_REPAIR);
	vmdk_close(d);
	patch_le64(tpath("c-sesparse.vmdk"), GD * 512, 0x1000000000000000ull);
	patch_le64(tpath("c-sesparse.vmdk"), GTS * 512, 0x7000000000000000ull);
	cr_assert_eq(vmdk_open(tpath("c.vmdk"), 0, &d), 0);
	cr_assert_eq(vmdk_read(d, 0, 1, buf), VMDK_E_NEEDS_REPAIR);
	cr_assert_eq(vmdk_write(d, 100, 1, buf), VMDK_E_READ_ONLY);
	vmdk_close(d);
}
