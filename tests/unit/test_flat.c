/* SPDX-License-Identifier: MIT */
/* test_flat.c --- flat extents and raw images: offsets, holes as zeros,
 * truncated files, partial last sectors */
#include "helpers.h"

TestSuite(flat, .init = make_test_dir, .fini = remove_test_dir);

Test(flat, extent_offset_is_honoured)
{
	uint8_t w[512], r[512];
	vmdk_disk *d;
	int fd = open(tpath("f.bin"), O_CREAT | O_RDWR, 0644);

	cr_assert_eq(ftruncate(fd, 200 * 512), 0);
	memset(w, 0x5a, sizeof(w));
	cr_assert_eq(pwrite(fd, w, 512, 53 * 512), 512);	/* disk sector 3 */
	close(fd);
	write_file("f.vmdk", "# Disk DescriptorFile\nversion=1\nCID=12345678\n"
		   "parentCID=ffffffff\ncreateType=\"monolithicFlat\"\n"
		   "RW 100 FLAT \"f.bin\" 50\n");
	cr_assert_eq(vmdk_open(tpath("f.vmdk"), VMDK_OPEN_RDONLY, &d), 0, "%s",
		     vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_read(d, 3, 1, r), 0);
	cr_assert_eq(memcmp(w, r, 512), 0);
	vmdk_close(d);
}

Test(flat, holes_read_as_zeros_and_are_reported)
{
	struct vmdk_create_params p = { .capacity = 1 << 16, .type = VMDK_TYPE_VMFS_THIN };
	uint8_t w[128 * 512];
	uint64_t run;
	vmdk_disk *d;

	cr_assert_eq(vmdk_create(tpath("t.vmdk"), &p), 0);
	cr_assert_eq(vmdk_open(tpath("t.vmdk"), 0, &d), 0);
	fill_pattern(w, 0, 128);
	cr_assert_eq(vmdk_write(d, 8192, 128, w), 0);
	cr_assert_eq(vmdk_flush(d), 0);
	cr_assert_eq(vmdk_block_status(d, 0, 1 << 16, &run, NULL), VMDK_BLOCK_ZERO);
	cr_assert_eq(run, 8192);
	cr_assert_eq(vmdk_block_status(d, 8192, 1 << 15, &run, NULL), VMDK_BLOCK_DATA);
	cr_assert_geq(run, 128);
	cr_assert_eq(vmdk_block_status(d, 20000, 100, &run, NULL), VMDK_BLOCK_ZERO);
	vmdk_close(d);
}

Test(flat, truncated_flat_file_is_refused)
{
	struct vmdk_create_params p = { .capacity = 4096, .type = VMDK_TYPE_MONOLITHIC_FLAT };
	vmdk_disk *d;

	cr_assert_eq(vmdk_create(tpath("f.vmdk"), &p), 0);
	cr_assert_eq(truncate(tpath("f-flat.vmdk"), 4095 * 512), 0);
	cr_assert_eq(vmdk_open(tpath("f.vmdk"), VMDK_OPEN_RDONLY, &d), VMDK_E_MISSING_EXTENT);
	cr_assert(strstr(vmdk_errmsg(NULL), "truncated") != NULL, "%s", vmdk_errmsg(NULL));
}

Test(flat, raw_image_last_partial_sector_reads_zero_padded)
{
	uint8_t r[1024], want[1024] = { 0 };
	struct vmdk_info info;
	vmdk_disk *d;
	int fd = open(tpath("img"), O_CREAT | O_RDWR, 0644);

	memset(want, 0x11, 700);
	cr_assert_eq(write(fd, want, 700), 700);
	close(fd);
	cr_assert_eq(vmdk_open_raw(tpath("img"), VMDK_OPEN_RDONLY, &d), 0);
	vmdk_get_info(d, &info);
	cr_assert_eq(info.capacity, 2);
	cr_assert_eq(vmdk_read(d, 0, 2, r), 0);
	cr_assert_eq(memcmp(r, want, sizeof(r)), 0);
	cr_assert_eq(vmdk_read(d, 1, 2, r), VMDK_E_OUT_OF_RANGE);
	vmdk_close(d);
}
