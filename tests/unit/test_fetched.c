/* SPDX-License-Identifier: MIT */
/* test_fetched.c --- vmdk_open_fetched(): every file of a disk (its
 * descriptors, flat and sparse extents, its parents) read through the
 * caller's fetcher (what a download does), never from a file here; its
 * failures reported; vmdk_descriptor_files() lists what a descriptor
 * names without opening it */
#include <errno.h>
#include <sys/stat.h>

#include "helpers.h"

TestSuite(fetched, .init = make_test_dir, .fini = remove_test_dir);

#define VROOT "/remote-ds"

/* Serves the files of the directory "remote" of the test directory
 * under the names VROOT/...; any other name is refused. */
struct elsewhere {
	unsigned sizes, reads;
	int fail_reads;		/* nonzero: every read fails with it */
	uint64_t lie_size;	/* nonzero: the size told */
	char last_path[512];
};

static int where(struct elsewhere *e, const char *path, char *out, size_t n)
{
	if (strncmp(path, VROOT "/", strlen(VROOT) + 1))
		return -EACCES;
	snprintf(e->last_path, sizeof(e->last_path), "%s", path);
	snprintf(out, n, "%s/%s", tpath("remote"), path + strlen(VROOT) + 1);
	return 0;
}

static int fake_size(void *arg, const char *path, uint64_t *bytes)
{
	struct elsewhere *e = arg;
	char p[512];
	struct stat st;
	int err = where(e, path, p, sizeof(p));

	e->sizes++;
	if (err < 0)
		return err;
	if (stat(p, &st) < 0)
		return -errno;
	*bytes = e->lie_size && strstr(path, "flat") ? e->lie_size : (uint64_t)st.st_size;
	return 0;
}

static int fake_read(void *arg, const char *path, void *buf, size_t len, uint64_t off)
{
	struct elsewhere *e = arg;
	char p[512];
	int fd, err = where(e, path, p, sizeof(p));

	e->reads++;
	if (e->fail_reads)
		return e->fail_reads;
	if (err < 0)
		return err;
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return -errno;
	if (pread(fd, buf, len, (off_t)off) != (ssize_t)len)
		err = -ENODATA;
	close(fd);
	return err;
}

/* A disk of @type at remote/NAME with a pattern at sectors 1000-1255. */
static void remote_disk(const char *name, int type, uint8_t *data)
{
	struct vmdk_create_params p = { .capacity = 4096, .type = type };
	struct vmdk_clone_params c = { .type = type };
	char path[64];
	vmdk_disk *d;

	mkdir(tpath("remote"), 0755);
	snprintf(path, sizeof(path), "remote/%s", name);
	cr_assert_eq(vmdk_create(tpath("w.vmdk"), &(struct vmdk_create_params){
					 .capacity = 4096 }), 0);
	cr_assert_eq(vmdk_open(tpath("w.vmdk"), 0, &d), 0);
	fill_pattern(data, 1000, 256);
	cr_assert_eq(vmdk_write(d, 1000, 256, data), 0);
	if (type == VMDK_TYPE_STREAM_OPTIMIZED)
		cr_assert_eq(vmdk_clone(d, tpath(path), &c), 0, "%s", vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_close(d), 0);
	cr_assert_eq(unlink(tpath("w.vmdk")), 0);
	if (type != VMDK_TYPE_STREAM_OPTIMIZED) {
		cr_assert_eq(vmdk_create(tpath(path), &p), 0);
		cr_assert_eq(vmdk_open(tpath(path), 0, &d), 0);
		cr_assert_eq(vmdk_write(d, 1000, 256, data), 0);
		cr_assert_eq(vmdk_close(d), 0);
	}
}

static void reads_back(const char *vpath, const uint8_t *data, struct elsewhere *e)
{
	struct vmdk_fetcher f = { fake_size, fake_read, e };
	uint8_t back[256 * 512], zero[512] = { 0 };
	struct vmdk_info info;
	vmdk_disk *d;

	cr_assert_eq(vmdk_open_fetched(vpath, &f, &d), 0, "%s", vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_get_info(d, &info), 0);
	cr_assert_eq(info.capacity, 4096);
	cr_assert_eq(vmdk_read(d, 1000, 256, back), 0);
	cr_assert_eq(memcmp(data, back, 256 * 512), 0);
	cr_assert_eq(vmdk_read(d, 4095, 1, back), 0);
	cr_assert_eq(memcmp(zero, back, 512), 0);
	cr_assert_eq(vmdk_write(d, 0, 1, back), VMDK_E_READ_ONLY);
	vmdk_close(d);
	cr_assert_gt(e->reads, 0);
}

Test(fetched, every_kind_of_extent_reads_through_the_fetcher)
{
	static const int types[] = { VMDK_TYPE_VMFS_THICK, VMDK_TYPE_MONOLITHIC_SPARSE,
				     VMDK_TYPE_SPLIT_SPARSE, VMDK_TYPE_STREAM_OPTIMIZED,
				     VMDK_TYPE_MONOLITHIC_FLAT };
	uint8_t data[256 * 512];

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct elsewhere e = { 0 };
		char name[32], vpath[64];
		snprintf(name, sizeof(name), "t%d.vmdk", types[i]);
		snprintf(vpath, sizeof(vpath), VROOT "/%s", name);
		remote_disk(name, types[i], data);
		cr_assert_eq(access(tpath(name), F_OK), -1);
		reads_back(vpath, data, &e);
	}
}

Test(fetched, a_chain_is_followed_through_the_fetcher)
{
	struct elsewhere e = { 0 };
	uint8_t data[256 * 512];

	remote_disk("b.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, data);
	mkdir(tpath("remote/kids"), 0755);
	cr_assert_eq(vmdk_create_child(tpath("remote/b.vmdk"), tpath("remote/kids/c.vmdk"),
				       VMDK_TYPE_SPLIT_SPARSE), 0, "%s", vmdk_errmsg(NULL));
	reads_back(VROOT "/kids/c.vmdk", data, &e);
	cr_assert_str_eq(e.last_path, VROOT "/kids/../b.vmdk");
}

Test(fetched, local_files_of_the_same_name_are_never_read)
{
	struct elsewhere e = { 0 };
	uint8_t data[256 * 512];
	struct vmdk_fetcher f = { fake_size, fake_read, &e };
	vmdk_disk *d;

	remote_disk("v.vmdk", VMDK_TYPE_VMFS_THICK, data);
	/* Same names in the test directory itself: not the fetcher's. */
	cr_assert_eq(rename(tpath("remote"), tpath("moved")), 0);
	cr_assert_eq(symlink(tpath("moved"), tpath("remote-here")), 0);
	cr_assert_neq(vmdk_open_fetched(tpath("remote-here/v.vmdk"), &f, &d), 0);
	cr_assert_eq(e.reads, 0);
}

Test(fetched, a_failing_fetcher_fails_the_read)
{
	struct elsewhere e = { 0 };
	struct vmdk_fetcher f = { fake_size, fake_read, &e };
	uint8_t data[256 * 512];
	vmdk_disk *d;

	remote_disk("v.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, data);
	cr_assert_eq(vmdk_open_fetched(VROOT "/v.vmdk", &f, &d), 0);
	e.fail_reads = -EIO;
	cr_assert_lt(vmdk_read(d, 1000, 256, data), 0);
	vmdk_close(d);
}

Test(fetched, a_short_remote_file_is_truncated)
{
	struct elsewhere e = { .lie_size = 4095 * 512 };
	struct vmdk_fetcher f = { fake_size, fake_read, &e };
	uint8_t data[256 * 512];
	vmdk_disk *d;

	remote_disk("v.vmdk", VMDK_TYPE_VMFS_THICK, data);
	cr_assert_eq(vmdk_open_fetched(VROOT "/v.vmdk", &f, &d), VMDK_E_MISSING_EXTENT);
	cr_assert(strstr(vmdk_errmsg(NULL), "truncated") != NULL, "%s", vmdk_errmsg(NULL));
}

Test(fetched, a_missing_remote_file_is_a_missing_extent)
{
	struct elsewhere e = { 0 };
	struct vmdk_fetcher f = { fake_size, fake_read, &e };
	uint8_t data[256 * 512];
	vmdk_disk *d;

	remote_disk("v.vmdk", VMDK_TYPE_SPLIT_SPARSE, data);
	cr_assert_eq(unlink(tpath("remote/v-s001.vmdk")), 0);
	cr_assert_eq(vmdk_open_fetched(VROOT "/v.vmdk", &f, &d), VMDK_E_MISSING_EXTENT,
		     "%s", vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_open_fetched(VROOT "/v.vmdk", NULL, &d), VMDK_E_INVALID_ARG);
}

Test(fetched, a_missing_descriptor_is_said)
{
	struct elsewhere e = { 0 };
	struct vmdk_fetcher f = { fake_size, fake_read, &e };
	vmdk_disk *d;

	mkdir(tpath("remote"), 0755);
	cr_assert_lt(vmdk_open_fetched(VROOT "/none.vmdk", &f, &d), 0);
	cr_assert(strstr(vmdk_errmsg(NULL), VROOT "/none.vmdk") != NULL, "%s",
		  vmdk_errmsg(NULL));
}

Test(fetched, descriptor_files_lists_extents_kinds_and_parent)
{
	struct vmdk_descriptor_names n;

	write_file("c.vmdk", "# Disk DescriptorFile\nversion=1\nCID=12345678\n"
		   "parentCID=87654321\ncreateType=\"vmfs\"\n"
		   "parentFileNameHint=\"../base/b.vmdk\"\n"
		   "RW 100 VMFS \"c-flat.vmdk\"\nRW 100 ZERO\n"
		   "RW 100 SPARSE \"c-s002.vmdk\"\n");
	cr_assert_eq(vmdk_descriptor_files(tpath("c.vmdk"), &n), 0, "%s", vmdk_errmsg(NULL));
	cr_assert_str_eq(n.extents[0], "c-flat.vmdk");
	cr_assert(n.flat[0]);
	cr_assert_str_eq(n.extents[1], "c-s002.vmdk");
	cr_assert(!n.flat[1]);
	cr_assert_null(n.extents[2]);
	cr_assert_str_eq(n.parent, "../base/b.vmdk");
	vmdk_descriptor_names_free(&n);
	write_file("bad.vmdk", "not a descriptor\n");
	cr_assert_lt(vmdk_descriptor_files(tpath("bad.vmdk"), &n), 0);
	cr_assert_null(n.extents);
}
