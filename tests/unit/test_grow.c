/* SPDX-License-Identifier: MIT */
/* test_grow.c --- enlarging disks in place: data kept, the new space
 * reading zeros, split types filling their last extent and adding more,
 * and the refusals */
#include "helpers.h"

TestSuite(grow, .init = make_test_dir, .fini = remove_test_dir);

/* Write a pattern at the start and the end of @name, grow it to @to and
 * check both, the new end, the CID and qemu-img's view. */
static void grow_and_check(const char *name, int type, uint64_t from, uint64_t to)
{
	uint8_t w[8 * 512], r[8 * 512], zero[8 * 512] = { 0 };
	struct vmdk_info before, after;
	vmdk_disk *d;

	create_disk(name, type, from, 0);
	fill_pattern(w, 0, 8);
	cr_assert_eq(vmdk_open(tpath(name), 0, &d), 0, "%s", vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_write(d, 0, 8, w), 0);
	cr_assert_eq(vmdk_write(d, from - 8, 8, w), 0);
	vmdk_get_info(d, &before);
	cr_assert_eq(vmdk_close(d), 0);

	cr_assert_eq(vmdk_grow(tpath(name), to, NULL, NULL), 0, "%s", vmdk_errmsg(NULL));

	cr_assert_eq(vmdk_open(tpath(name), VMDK_OPEN_RDONLY, &d), 0, "%s",
		     vmdk_errmsg(NULL));
	vmdk_get_info(d, &after);
	cr_assert_eq(after.capacity, to);
	cr_assert_neq(after.cid, before.cid);
	cr_assert_geq(after.cylinders, before.cylinders);
	cr_assert_eq(vmdk_read(d, 0, 8, r), 0);
	cr_assert_eq(memcmp(w, r, sizeof(w)), 0);
	cr_assert_eq(vmdk_read(d, from - 8, 8, r), 0);
	cr_assert_eq(memcmp(w, r, sizeof(w)), 0);
	cr_assert_eq(vmdk_read(d, to - 8, 8, r), 0);
	cr_assert_eq(memcmp(zero, r, sizeof(r)), 0);
	vmdk_close(d);
}

Test(grow, monolithic_sparse_gets_larger_directories)
{
	grow_and_check("m.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 65536, 10 * 65536 + 7);
}

Test(grow, by_sectors_from_the_size_it_has)
{
	struct vmdk_create_params p = { .capacity = 4096 };
	struct vmdk_info info;
	vmdk_disk *d;

	cr_assert_eq(vmdk_create(tpath("b.vmdk"), &p), 0);
	cr_assert_eq(vmdk_grow_by(tpath("b.vmdk"), 2048, NULL, NULL), 0, "%s", vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_grow_by(tpath("b.vmdk"), 2048, NULL, NULL), 0, "%s", vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_open(tpath("b.vmdk"), VMDK_OPEN_RDONLY, &d), 0);
	vmdk_get_info(d, &info);
	cr_assert_eq(info.capacity, 8192, "each +2048 built on the last");
	vmdk_close(d);
}

Test(grow, flat_is_extended)
{
	grow_and_check("f.vmdk", VMDK_TYPE_MONOLITHIC_FLAT, 2048, 8192);
}

Test(grow, thin_stays_thin)
{
	struct vmdk_extent_info ei;
	vmdk_disk *d;

	grow_and_check("t.vmdk", VMDK_TYPE_VMFS_THIN, 2048, 1 << 21);
	cr_assert_eq(vmdk_open(tpath("t.vmdk"), VMDK_OPEN_RDONLY, &d), 0);
	cr_assert_eq(vmdk_get_extent_info(d, 0, 0, &ei), 0);
	cr_assert_eq(ei.file_bytes, 1ull << 30);
	cr_assert_lt(ei.allocated_bytes, 1 << 20);
	vmdk_close(d);
}

Test(grow, split_fills_the_last_extent_then_adds_more)
{
	vmdk_disk *d;
	struct vmdk_info info;

	grow_and_check("s.vmdk", VMDK_TYPE_SPLIT_SPARSE, 4096, 2 * 4192256ull + 100);
	cr_assert_str_eq(listing(), "s-s001.vmdk s-s002.vmdk s-s003.vmdk s.vmdk ");
	cr_assert_eq(vmdk_open(tpath("s.vmdk"), VMDK_OPEN_RDONLY, &d), 0);
	vmdk_get_info(d, &info);
	cr_assert_eq(info.extents, 3);
	vmdk_close(d);
}

Test(grow, refuses_what_cannot_grow_and_changes_nothing)
{
	struct vmdk_create_params s = { .capacity = 2048,
					.type = VMDK_TYPE_STREAM_OPTIMIZED };
	char before[4096];

	cr_assert_eq(vmdk_create(tpath("s.vmdk"), &s), 0);
	cr_assert_eq(vmdk_grow(tpath("s.vmdk"), 4096, NULL, NULL), VMDK_E_NOT_SUPPORTED);
	cr_assert(strstr(vmdk_errmsg(NULL), "cannot be grown") != NULL, "%s",
		  vmdk_errmsg(NULL));
	create_disk("m.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 4096, 0);
	snprintf(before, sizeof(before), "%s", listing());
	/* The size it has: nothing to do, nothing written. */
	cr_assert_eq(vmdk_grow(tpath("m.vmdk"), 4096, NULL, NULL), 0);
	cr_assert_eq(vmdk_grow_by(tpath("m.vmdk"), 0, NULL, NULL), 0);
	cr_assert_eq(vmdk_grow_by(tpath("m.vmdk"), 1ull << 40, NULL, NULL), VMDK_E_TOO_BIG);
	cr_assert_eq(vmdk_grow(tpath("m.vmdk"), 2048, NULL, NULL), VMDK_E_INVALID_ARG);
	cr_assert_eq(vmdk_grow(tpath("m.vmdk"), 1ull << 32, NULL, NULL), VMDK_E_TOO_BIG);
	cr_assert_str_eq(listing(), before);
	cr_assert_eq(vmdk_create_child(tpath("m.vmdk"), tpath("c.vmdk"),
				       VMDK_TYPE_MONOLITHIC_SPARSE), 0);
	cr_assert_eq(vmdk_grow(tpath("c.vmdk"), 8192, NULL, NULL), VMDK_E_NOT_SUPPORTED);
	cr_assert(strstr(vmdk_errmsg(NULL), "child disk") != NULL);
}

static int cancel_at_once(void *arg, uint64_t done, uint64_t total)
{
	(void)arg;
	(void)done;
	(void)total;
	return 1;
}

Test(grow, canceled_split_grow_takes_back_its_new_extents)
{
	vmdk_disk *d;
	struct vmdk_info info;

	create_disk("s.vmdk", VMDK_TYPE_SPLIT_FLAT, 4192256, 0);
	cr_assert_eq(vmdk_grow(tpath("s.vmdk"), 3 * 4192256ull, cancel_at_once, NULL),
		     VMDK_E_CANCELED);
	cr_assert_str_eq(listing(), "s-f001.vmdk s.vmdk ");
	cr_assert_eq(vmdk_open(tpath("s.vmdk"), VMDK_OPEN_RDONLY, &d), 0);
	vmdk_get_info(d, &info);
	cr_assert_eq(info.capacity, 4192256);
	vmdk_close(d);
}
