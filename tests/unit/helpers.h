/* SPDX-License-Identifier: MIT */
/* helpers.h --- temp directories and byte patching for the unit tests */
#ifndef TEST_HELPERS_H
#define TEST_HELPERS_H

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core.h"

static char test_dir[256];

/* Each test runs in its own process: one fresh directory each. */
static inline void make_test_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(test_dir, sizeof(test_dir), "%s/vmdkt.XXXXXX", tmp ? tmp : "/tmp");
	cr_assert_not_null(mkdtemp(test_dir));
}

static inline void remove_test_dir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", test_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", test_dir);
}

static inline const char *tpath(const char *name)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", test_dir, name);
	return buf[i];
}

static inline void patch(const char *path, uint64_t off, const void *b, size_t n)
{
	int fd = open(path, O_RDWR);

	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, b, n, (off_t)off), (ssize_t)n);
	close(fd);
}

static inline void patch_le32(const char *path, uint64_t off, uint32_t v)
{
	uint8_t b[4];

	vmdk_put_le32(b, v);
	patch(path, off, b, 4);
}

static inline void patch_le64(const char *path, uint64_t off, uint64_t v)
{
	uint8_t b[8];

	vmdk_put_le64(b, v);
	patch(path, off, b, 8);
}

static inline uint32_t peek_le32(const char *path, uint64_t off)
{
	uint8_t b[4] = { 0 };
	int fd = open(path, O_RDONLY);

	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, b, 4, (off_t)off), 4);
	close(fd);
	return vmdk_le32(b);
}

static inline void create_disk(const char *name, int type, uint64_t sectors,
			       uint32_t grain)
{
	struct vmdk_create_params p = { .capacity = sectors, .type = type,
					.grain_size = grain };
	int err = vmdk_create(tpath(name), &p);

	cr_assert_eq(err, 0, "create: %s", vmdk_errmsg(NULL));
}

static inline bool exists(const char *name)
{
	return access(tpath(name), F_OK) == 0;
}

/* The names in the test directory, sorted, joined by spaces. */
static inline const char *listing(void)
{
	static char out[4096];
	char cmd[600];
	FILE *f;
	size_t n;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | tr '\\n' ' '", test_dir);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	pclose(f);
	return out;
}

static inline void write_file(const char *name, const char *text)
{
	FILE *f = fopen(tpath(name), "w");

	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static inline void fill_pattern(uint8_t *buf, uint64_t first_sector,
				size_t sectors)
{
	for (size_t s = 0; s < sectors; s++)
		for (size_t i = 0; i < 512; i += 8) {
			uint64_t v = (first_sector + s) * 0x9e3779b97f4a7c15ull + i;
			memcpy(buf + s * 512 + i, &v, 8);
		}
}

/* What qemu-img reads from the disk @name: @len bytes into @buf. */
static inline void read_with_qemu(const char *name, uint8_t *buf, size_t len)
{
	char cmd[1100];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "qemu-img convert -O raw '%s' '%s'",
		 tpath(name), tpath("qemu.raw"));
	cr_assert_eq(system(cmd), 0, "qemu-img could not read %s", name);
	f = fopen(tpath("qemu.raw"), "rb");
	cr_assert_not_null(f);
	cr_assert_eq(fread(buf, 1, len, f), len);
	fclose(f);
}

/* A fetcher serving the test directory's files under the names
 * "/fetched/NAME" (what a download's fetcher does with a datastore's):
 * a disk opened with it is read only through it. */
#define FETCHED_ROOT "/fetched/"

static inline int fetched_path(const char *name, char *out, size_t n)
{
	if (strncmp(name, FETCHED_ROOT, strlen(FETCHED_ROOT)))
		return -EACCES;
	snprintf(out, n, "%s", tpath(name + strlen(FETCHED_ROOT)));
	return 0;
}

static inline int fetched_size(void *arg, const char *name, uint64_t *bytes)
{
	char p[1024];
	struct stat st;
	int err = fetched_path(name, p, sizeof(p));

	(void)arg;
	if (err < 0)
		return err;
	if (stat(p, &st) < 0)
		return -errno;
	*bytes = (uint64_t)st.st_size;
	return 0;
}

static inline int fetched_read(void *arg, const char *name, void *buf, size_t len,
			       uint64_t off)
{
	char p[1024];
	int fd, err = fetched_path(name, p, sizeof(p));

	(*(unsigned *)arg)++;
	if (err < 0)
		return err;
	if ((fd = open(p, O_RDONLY)) < 0)
		return -errno;
	err = pread(fd, buf, len, (off_t)off) == (ssize_t)len ? 0 : -ENODATA;
	close(fd);
	return err;
}

/* The disk @name of the test directory read whole through the fetcher
 * above: it must hold @expect (@sectors sectors). */
static inline void reads_through_fetcher(const char *name, const uint8_t *expect,
					 uint64_t sectors)
{
	uint8_t *got = malloc(sectors * 512);
	unsigned reads = 0;
	struct vmdk_fetcher f = { fetched_size, fetched_read, &reads };
	char path[256];
	vmdk_disk *d;

	snprintf(path, sizeof(path), FETCHED_ROOT "%s", name);
	cr_assert_not_null(got);
	cr_assert_eq(vmdk_open_fetched(path, &f, &d), 0, "%s", vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_read(d, 0, sectors, got), 0, "%s", vmdk_errmsg(d));
	cr_assert_eq(memcmp(got, expect, sectors * 512), 0);
	vmdk_close(d);
	cr_assert_gt(reads, 3);
	free(got);
}

#endif
