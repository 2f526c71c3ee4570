/* SPDX-License-Identifier: MIT */
/* test_copy.c --- the copy engine: zero-initialised parameters keep the
 * source's identity, replacing a disk, refusals, space needed */
#include <sys/stat.h>

#include "helpers.h"

TestSuite(copy, .init = make_test_dir, .fini = remove_test_dir);

static vmdk_disk *source(const char *name, int adapter, uint64_t cap)
{
	struct vmdk_create_params p = { .capacity = cap, .adapter = adapter,
					.hw_version = 14 };
	uint8_t buf[64 * 512];
	vmdk_disk *d;

	cr_assert_eq(vmdk_create(tpath(name), &p), 0, "%s", vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_open(tpath(name), 0, &d), 0);
	fill_pattern(buf, 100, 64);
	cr_assert_eq(vmdk_write(d, 100, 64, buf), 0);
	cr_assert_eq(vmdk_close(d), 0);
	cr_assert_eq(vmdk_open(tpath(name), VMDK_OPEN_RDONLY, &d), 0);
	return d;
}

static void same_content(vmdk_disk *a, const char *b_name)
{
	uint8_t x[256 * 512], y[256 * 512];
	vmdk_disk *b;

	cr_assert_eq(vmdk_open(tpath(b_name), VMDK_OPEN_RDONLY, &b), 0, "%s",
		     vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_read(a, 0, 256, x), 0);
	cr_assert_eq(vmdk_read(b, 0, 256, y), 0);
	cr_assert_eq(memcmp(x, y, sizeof(x)), 0);
	vmdk_close(b);
}

Test(copy, zero_parameters_keep_the_sources_identity)
{
	vmdk_disk *src = source("src.vmdk", VMDK_ADAPTER_PVSCSI, 4096), *d;
	struct vmdk_clone_params p = { 0 };
	struct vmdk_info a, b;

	cr_assert_eq(vmdk_clone(src, tpath("dst.vmdk"), &p), 0, "%s", vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_open(tpath("dst.vmdk"), VMDK_OPEN_RDONLY, &d), 0);
	vmdk_get_info(src, &a);
	vmdk_get_info(d, &b);
	cr_assert_str_eq(b.adapter, "pvscsi");
	cr_assert_eq(b.hw_version, 14);
	cr_assert_str_eq(b.uuid, a.uuid);
	cr_assert_eq(b.cylinders, a.cylinders);
	cr_assert_eq(b.type, VMDK_TYPE_MONOLITHIC_SPARSE);
	vmdk_close(d);
	same_content(src, "dst.vmdk");
	vmdk_close(src);
}

Test(copy, an_existing_destination_is_kept_without_overwrite)
{
	vmdk_disk *src = source("src.vmdk", 0, 2048);
	struct vmdk_clone_params p = { .type = VMDK_TYPE_MONOLITHIC_FLAT };

	write_file("dst.vmdk", "not yours");
	cr_assert_eq(vmdk_clone(src, tpath("dst.vmdk"), &p), VMDK_E_EXISTS);
	cr_assert(strstr(vmdk_errmsg(NULL), ".vmdk-partial") == NULL, "%s",
		  vmdk_errmsg(NULL));
	cr_assert_str_eq(listing(), "dst.vmdk src.vmdk ");
	vmdk_close(src);
}

/* -f over a split disk with a monolithic one: the new disk in place, then
 * the old extents gone, and nothing else touched. */
Test(copy, overwrite_replaces_all_of_the_old_disk)
{
	vmdk_disk *src = source("src.vmdk", 0, 4192256 + 64);
	struct vmdk_clone_params split = { .type = VMDK_TYPE_SPLIT_SPARSE };
	struct vmdk_clone_params mono = { .type = VMDK_TYPE_MONOLITHIC_SPARSE,
					  .overwrite = 1 };

	cr_assert_eq(vmdk_clone(src, tpath("dst.vmdk"), &split), 0);
	write_file("other.vmdk", "unrelated");
	cr_assert_str_eq(listing(), "dst-s001.vmdk dst-s002.vmdk dst.vmdk other.vmdk src.vmdk ");
	cr_assert_eq(vmdk_clone(src, tpath("dst.vmdk"), &mono), 0, "%s", vmdk_errmsg(NULL));
	cr_assert_str_eq(listing(), "dst.vmdk other.vmdk src.vmdk ");
	same_content(src, "dst.vmdk");
	vmdk_close(src);
}

Test(copy, a_destination_in_use_is_not_replaced)
{
	vmdk_disk *src = source("src.vmdk", 0, 2048), *busy;
	struct vmdk_clone_params p = { .type = VMDK_TYPE_MONOLITHIC_FLAT,
				       .overwrite = 1 };

	cr_assert_eq(vmdk_clone(src, tpath("dst.vmdk"), &p), 0);
	cr_assert_eq(vmdk_open(tpath("dst.vmdk"), 0, &busy), 0);
	cr_assert_eq(vmdk_clone(src, tpath("dst.vmdk"), &p), VMDK_E_LOCKED);
	/* The open writer holds VMware's lock beside each file meanwhile. */
	cr_assert_str_eq(listing(), "dst-flat.vmdk dst-flat.vmdk.lck dst.vmdk dst.vmdk.lck "
			 "src.vmdk ");
	vmdk_close(busy);
	cr_assert_str_eq(listing(), "dst-flat.vmdk dst.vmdk src.vmdk ");
	vmdk_close(src);
}

static uint64_t bytes_of(const char *names[])
{
	uint64_t total = 0;
	struct stat st;

	for (size_t i = 0; names[i]; i++) {
		cr_assert_eq(stat(tpath(names[i]), &st), 0, "%s", names[i]);
		total += (uint64_t)st.st_size;
	}
	return total;
}

Test(copy, space_needed_matches_the_clone)
{
	vmdk_disk *src = source("src.vmdk", 0, 8192);
	const char *flat[] = { "f.vmdk", "f-flat.vmdk", NULL };
	const char *sparse[] = { "s.vmdk", NULL };
	const char *stream[] = { "t.vmdk", NULL };
	uint64_t need;

	cr_assert_eq(vmdk_space_needed(src, VMDK_TYPE_MONOLITHIC_FLAT, tpath("f.vmdk"),
				       &need, NULL, NULL), 0);
	cr_assert_eq(vmdk_clone(src, tpath("f.vmdk"),
				&(struct vmdk_clone_params){ .type = VMDK_TYPE_MONOLITHIC_FLAT }), 0);
	cr_assert_eq(need, bytes_of(flat));
	cr_assert_eq(vmdk_space_needed(src, VMDK_TYPE_MONOLITHIC_SPARSE, tpath("s.vmdk"),
				       &need, NULL, NULL), 0);
	cr_assert_eq(vmdk_clone(src, tpath("s.vmdk"), &(struct vmdk_clone_params){ 0 }), 0);
	cr_assert_eq(need, bytes_of(sparse));
	cr_assert_eq(vmdk_space_needed(src, VMDK_TYPE_STREAM_OPTIMIZED, tpath("t.vmdk"),
				       &need, NULL, NULL), 0);
	cr_assert_eq(vmdk_clone(src, tpath("t.vmdk"),
				&(struct vmdk_clone_params){ .type = VMDK_TYPE_STREAM_OPTIMIZED }), 0);
	cr_assert_geq(need, bytes_of(stream));
	cr_assert_eq(vmdk_space_needed(src, VMDK_TYPE_RAW, NULL, &need, NULL, NULL), 0);
	cr_assert_eq(need, 8192 * 512);
	vmdk_close(src);
}

Test(copy, only_stream_and_raw_go_to_a_descriptor)
{
	vmdk_disk *src = source("src.vmdk", 0, 2048);
	int fd = open(tpath("out"), O_CREAT | O_RDWR, 0644);

	cr_assert_eq(vmdk_clone_fd(src, fd, NULL,
				   &(struct vmdk_clone_params){ .type = VMDK_TYPE_SPLIT_SPARSE }),
		     VMDK_E_INVALID_ARG);
	cr_assert_eq(vmdk_clone_fd(src, fd, NULL,
				   &(struct vmdk_clone_params){ .type = 42 }),
		     VMDK_E_INVALID_ARG);
	cr_assert_eq(vmdk_clone_fd(src, fd, NULL,
				   &(struct vmdk_clone_params){ .type = VMDK_TYPE_RAW }), 0);
	close(fd);
	vmdk_close(src);
}
