/* SPDX-License-Identifier: MIT */
/* test_create.c --- new disks of every type: their files and names as
 * vmware-vdiskmanager makes them, defaults, refusals that leave nothing */
#include "helpers.h"

TestSuite(create, .init = make_test_dir, .fini = remove_test_dir);

static const struct {
	int type;
	const char *files;	/* what `ls` shows afterwards */
	const char *create_type;
} layouts[] = {
	{ VMDK_TYPE_MONOLITHIC_SPARSE, "d.vmdk ", "monolithicSparse" },
	{ VMDK_TYPE_SPLIT_SPARSE, "d-s001.vmdk d-s002.vmdk d.vmdk ", "twoGbMaxExtentSparse" },
	{ VMDK_TYPE_MONOLITHIC_FLAT, "d-flat.vmdk d.vmdk ", "monolithicFlat" },
	{ VMDK_TYPE_SPLIT_FLAT, "d-f001.vmdk d-f002.vmdk d.vmdk ", "twoGbMaxExtentFlat" },
	{ VMDK_TYPE_VMFS_THICK, "d-flat.vmdk d.vmdk ", "vmfs" },
	{ VMDK_TYPE_STREAM_OPTIMIZED, "d.vmdk ", "streamOptimized" },
	{ VMDK_TYPE_VMFS_THIN, "d-flat.vmdk d.vmdk ", "vmfs" },
};

/* Just over one 2 GiB extent, so the split types make two. */
#define CAP (4192256ull + 2048)

Test(create, every_type_has_vmwares_files_and_opens)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(*layouts); i++) {
		struct vmdk_create_params p = { .capacity = CAP,
						.type = layouts[i].type };
		struct vmdk_info info;
		vmdk_disk *d;

		cr_assert_eq(vmdk_create(tpath("d.vmdk"), &p), 0, "%s", vmdk_errmsg(NULL));
		cr_assert_str_eq(listing(), layouts[i].files, "type %d", layouts[i].type);
		cr_assert_eq(vmdk_open(tpath("d.vmdk"), VMDK_OPEN_RDONLY, &d), 0,
			     "%s", vmdk_errmsg(NULL));
		vmdk_get_info(d, &info);
		cr_assert_eq(info.capacity, CAP);
		cr_assert_eq(info.type, layouts[i].type);
		cr_assert_str_eq(info.create_type, layouts[i].create_type);
		vmdk_close(d);
		cr_assert_eq(vmdk_unlink(tpath("d.vmdk")), 0);
		cr_assert_str_eq(listing(), "");
	}
}

Test(create, zero_parameters_are_the_defaults)
{
	struct vmdk_create_params p = { .capacity = 2048 };
	struct vmdk_info info;
	vmdk_disk *d;

	cr_assert_eq(vmdk_create(tpath("d.vmdk"), &p), 0, "%s", vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_open(tpath("d.vmdk"), VMDK_OPEN_RDONLY, &d), 0);
	vmdk_get_info(d, &info);
	cr_assert_eq(info.type, VMDK_TYPE_MONOLITHIC_SPARSE);
	cr_assert_str_eq(info.adapter, "lsilogic");
	cr_assert_eq(info.hw_version, 4);
	cr_assert_eq(info.heads, 64);	/* lsilogic geometry below 1 GiB */
	vmdk_close(d);
}

Test(create, ide_gets_ide_geometry)
{
	struct vmdk_create_params p = { .capacity = 4194304,
					.adapter = VMDK_ADAPTER_IDE };
	struct vmdk_info info;
	vmdk_disk *d;

	cr_assert_eq(vmdk_create(tpath("d.vmdk"), &p), 0);
	cr_assert_eq(vmdk_open(tpath("d.vmdk"), VMDK_OPEN_RDONLY, &d), 0);
	vmdk_get_info(d, &info);
	cr_assert_str_eq(info.adapter, "ide");
	cr_assert_eq(info.heads, 16);
	cr_assert_eq(info.sectors, 63);
	cr_assert_eq(info.cylinders, 4161);
	vmdk_close(d);
}

Test(create, a_taken_extent_name_refuses_before_anything_is_made)
{
	struct vmdk_create_params p = { .capacity = CAP,
					.type = VMDK_TYPE_SPLIT_SPARSE };

	write_file("d-s002.vmdk", "mine");
	cr_assert_eq(vmdk_create(tpath("d.vmdk"), &p), VMDK_E_EXISTS);
	cr_assert(strstr(vmdk_errmsg(NULL), "d-s002.vmdk: already exists") != NULL,
		  "%s", vmdk_errmsg(NULL));
	cr_assert_str_eq(listing(), "d-s002.vmdk ");
}

Test(create, bad_parameters_leave_nothing)
{
	struct vmdk_create_params big = { .capacity = 1ull << 32,
					  .type = VMDK_TYPE_MONOLITHIC_SPARSE };
	struct vmdk_create_params grain = { .capacity = 2048, .grain_size = 100 };
	struct vmdk_create_params type = { .capacity = 2048, .type = 7 };
	struct vmdk_create_params adapter = { .capacity = 2048, .adapter = 9 };

	cr_assert_eq(vmdk_create(tpath("d.vmdk"), &big), VMDK_E_TOO_BIG);
	cr_assert(strstr(vmdk_errmsg(NULL), "less than 2 TiB") != NULL);
	cr_assert_eq(vmdk_create(tpath("d.vmdk"), &grain), VMDK_E_INVALID_ARG);
	cr_assert_eq(vmdk_create(tpath("d.vmdk"), &type), VMDK_E_INVALID_ARG);
	cr_assert_eq(vmdk_create(tpath("d.vmdk"), &adapter), VMDK_E_INVALID_ARG);
	cr_assert_str_eq(listing(), "");
}

Test(create, grain_size_and_thin_flat_are_honoured)
{
	struct vmdk_create_params sparse = { .capacity = 8192, .grain_size = 16 };
	struct vmdk_create_params thin = { .capacity = 1 << 20,
					   .type = VMDK_TYPE_VMFS_THIN };
	struct vmdk_extent_info ei;
	vmdk_disk *d;

	cr_assert_eq(vmdk_create(tpath("g.vmdk"), &sparse), 0);
	cr_assert_eq(vmdk_open(tpath("g.vmdk"), VMDK_OPEN_RDONLY, &d), 0);
	cr_assert_eq(vmdk_get_extent_info(d, 0, 0, &ei), 0);
	cr_assert_eq(ei.grain_size, 16);
	cr_assert_eq(ei.writable, 0, "opened read-only");
	vmdk_close(d);
	cr_assert_eq(vmdk_open(tpath("g.vmdk"), 0, &d), 0);
	cr_assert_eq(vmdk_get_extent_info(d, 0, 0, &ei), 0);
	cr_assert_eq(ei.writable, 1, "a sparse extent opened for writing");
	vmdk_close(d);
	cr_assert_eq(vmdk_create(tpath("t.vmdk"), &thin), 0);
	cr_assert_eq(vmdk_open(tpath("t.vmdk"), VMDK_OPEN_RDONLY, &d), 0);
	cr_assert_eq(vmdk_get_extent_info(d, 0, 0, &ei), 0);
	cr_assert_eq(ei.file_bytes, 512ull << 20);
	cr_assert_lt(ei.allocated_bytes, 1 << 20, "thin disk allocated %llu",
		     (unsigned long long)ei.allocated_bytes);
	vmdk_close(d);
}

/* qemu-img, another reader, agrees with what every type holds. */
Test(create, every_type_is_read_by_qemu_as_written)
{
	enum { N = 4096 };
	uint8_t *w = malloc(N * 512), *r = malloc(N * 512);

	fill_pattern(w, 0, N);
	for (size_t i = 0; i < sizeof(layouts) / sizeof(*layouts); i++) {
		struct vmdk_create_params p = { .capacity = N,
						.type = layouts[i].type };
		vmdk_disk *d;

		if (layouts[i].type == VMDK_TYPE_STREAM_OPTIMIZED)
			continue;	/* not writable in place */
		cr_assert_eq(vmdk_create(tpath("d.vmdk"), &p), 0);
		cr_assert_eq(vmdk_open(tpath("d.vmdk"), 0, &d), 0);
		cr_assert_eq(vmdk_write(d, 0, N, w), 0, "%s", vmdk_errmsg(d));
		cr_assert_eq(vmdk_close(d), 0);
		read_with_qemu("d.vmdk", r, N * 512);
		cr_assert_eq(memcmp(w, r, N * 512), 0, "type %d", layouts[i].type);
		unlink(tpath("qemu.raw"));
		cr_assert_eq(vmdk_unlink(tpath("d.vmdk")), 0);
	}
	free(w);
	free(r);
}
