/* SPDX-License-Identifier: MIT */
/* test_fetched.c --- vmdk_open_fetched(): flat extents that are not files
 * here read through the caller's fetcher (what a download does), its
 * failures reported; vmdk_descriptor_files() lists what a descriptor
 * names without opening it */
#include <errno.h>
#include <sys/stat.h>

#include "helpers.h"

TestSuite(fetched, .init = make_test_dir, .fini = remove_test_dir);

/* Serves the files of a directory elsewhere under the names asked for. */
struct elsewhere {
	char dir[256];
	unsigned sizes, reads;
	int fail_reads;		/* nonzero: every read fails with it */
	uint64_t lie_size;	/* nonzero: the size told */
};

static int where(struct elsewhere *e, const char *path, char *out, size_t n)
{
	const char *base = strrchr(path, '/');

	snprintf(out, n, "%s/%s", e->dir, base ? base + 1 : path);
	return 0;
}

static int fake_size(void *arg, const char *path, uint64_t *bytes)
{
	struct elsewhere *e = arg;
	char p[512];
	struct stat st;

	e->sizes++;
	where(e, path, p, sizeof(p));
	if (stat(p, &st) < 0)
		return -errno;
	*bytes = e->lie_size ? e->lie_size : (uint64_t)st.st_size;
	return 0;
}

static int fake_read(void *arg, const char *path, void *buf, size_t len, uint64_t off)
{
	struct elsewhere *e = arg;
	char p[512];
	int fd, err = 0;

	e->reads++;
	if (e->fail_reads)
		return e->fail_reads;
	where(e, path, p, sizeof(p));
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return -errno;
	if (pread(fd, buf, len, (off_t)off) != (ssize_t)len)
		err = -EIO;
	close(fd);
	return err;
}

/* A vmfs disk with data whose flat file is moved to "away/". */
static void vmfs_disk_moved_away(struct elsewhere *e, uint8_t *data)
{
	struct vmdk_create_params p = { .capacity = 4096, .type = VMDK_TYPE_VMFS_THICK };
	vmdk_disk *d;

	cr_assert_eq(vmdk_create(tpath("v.vmdk"), &p), 0);
	cr_assert_eq(vmdk_open(tpath("v.vmdk"), 0, &d), 0);
	fill_pattern(data, 1000, 256);
	cr_assert_eq(vmdk_write(d, 1000, 256, data), 0);
	cr_assert_eq(vmdk_close(d), 0);
	snprintf(e->dir, sizeof(e->dir), "%s", tpath("away"));
	cr_assert_eq(mkdir(e->dir, 0755), 0);
	cr_assert_eq(rename(tpath("v-flat.vmdk"), tpath("away/v-flat.vmdk")), 0);
}

Test(fetched, flat_extent_reads_through_the_fetcher)
{
	struct elsewhere e = { 0 };
	struct vmdk_fetcher f = { fake_size, fake_read, &e };
	uint8_t data[256 * 512], back[256 * 512];
	vmdk_disk *d;

	vmfs_disk_moved_away(&e, data);
	cr_assert_eq(vmdk_open(tpath("v.vmdk"), VMDK_OPEN_RDONLY, &d), VMDK_E_MISSING_EXTENT);
	cr_assert_eq(vmdk_open_fetched(tpath("v.vmdk"), &f, &d), 0, "%s", vmdk_errmsg(NULL));
	cr_assert_eq(e.sizes, 1);
	cr_assert_eq(vmdk_read(d, 1000, 256, back), 0);
	cr_assert_eq(memcmp(data, back, sizeof(data)), 0);
	cr_assert_eq(vmdk_write(d, 0, 1, back), VMDK_E_READ_ONLY);
	vmdk_close(d);
}

Test(fetched, a_local_flat_file_is_read_as_ever)
{
	struct elsewhere e = { 0 };
	struct vmdk_fetcher f = { fake_size, fake_read, &e };
	uint8_t data[256 * 512], back[256 * 512];
	vmdk_disk *d;

	vmfs_disk_moved_away(&e, data);
	cr_assert_eq(rename(tpath("away/v-flat.vmdk"), tpath("v-flat.vmdk")), 0);
	cr_assert_eq(vmdk_open_fetched(tpath("v.vmdk"), &f, &d), 0, "%s", vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_read(d, 1000, 256, back), 0);
	cr_assert_eq(memcmp(data, back, sizeof(data)), 0);
	cr_assert_eq(e.sizes + e.reads, 0);
	vmdk_close(d);
}

Test(fetched, a_failing_fetcher_fails_the_read)
{
	struct elsewhere e = { 0 };
	struct vmdk_fetcher f = { fake_size, fake_read, &e };
	uint8_t data[256 * 512];
	vmdk_disk *d;

	vmfs_disk_moved_away(&e, data);
	cr_assert_eq(vmdk_open_fetched(tpath("v.vmdk"), &f, &d), 0);
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

	vmfs_disk_moved_away(&e, data);
	cr_assert_eq(vmdk_open_fetched(tpath("v.vmdk"), &f, &d), VMDK_E_MISSING_EXTENT);
	cr_assert(strstr(vmdk_errmsg(NULL), "truncated") != NULL, "%s", vmdk_errmsg(NULL));
}

Test(fetched, a_missing_remote_file_is_a_missing_extent)
{
	struct elsewhere e = { 0 };
	struct vmdk_fetcher f = { fake_size, fake_read, &e };
	uint8_t data[256 * 512];
	vmdk_disk *d;

	vmfs_disk_moved_away(&e, data);
	cr_assert_eq(unlink(tpath("away/v-flat.vmdk")), 0);
	cr_assert_eq(vmdk_open_fetched(tpath("v.vmdk"), &f, &d), VMDK_E_MISSING_EXTENT);
	cr_assert_eq(vmdk_open_fetched(tpath("v.vmdk"), NULL, &d), VMDK_E_INVALID_ARG);
}

Test(fetched, sparse_extents_are_never_fetched)
{
	struct vmdk_create_params p = { .capacity = 4096, .type = VMDK_TYPE_SPLIT_SPARSE };
	struct elsewhere e = { 0 };
	struct vmdk_fetcher f = { fake_size, fake_read, &e };
	vmdk_disk *d;

	cr_assert_eq(vmdk_create(tpath("s.vmdk"), &p), 0);
	cr_assert_eq(unlink(tpath("s-s001.vmdk")), 0);
	cr_assert_eq(vmdk_open_fetched(tpath("s.vmdk"), &f, &d), VMDK_E_MISSING_EXTENT);
	cr_assert_eq(e.sizes + e.reads, 0);
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
