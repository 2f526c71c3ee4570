/* SPDX-License-Identifier: MIT */
/* test_disk.c --- the disk layer: descriptors as real writers emit them,
 * ZERO and read-only extents, descriptor rewrites */
#include <dirent.h>
#include <sys/stat.h>

#include "helpers.h"

TestSuite(disk, .init = make_test_dir, .fini = remove_test_dir);

static void make_flat(const char *name, uint64_t sectors, uint8_t byte)
{
	int fd = open(tpath(name), O_CREAT | O_RDWR | O_TRUNC, 0644);
	uint8_t buf[512];

	memset(buf, byte, sizeof(buf));
	for (uint64_t s = 0; s < sectors; s++)
		cr_assert_eq(pwrite(fd, buf, 512, (off_t)(s * 512)), 512);
	close(fd);
}

/* Rewrite the embedded descriptor of a monolithic file. */
static void set_embedded(const char *name, const char *from, const char *to)
{
	char text[20 * 512 + 1] = { 0 }, *at, out[20 * 512] = { 0 };
	int fd = open(tpath(name), O_RDWR);

	cr_assert_eq(pread(fd, text, 20 * 512, 512), 20 * 512);
	at = strstr(text, from);
	cr_assert_not_null(at);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - text), text, to,
		 at + strlen(from));
	cr_assert_eq(pwrite(fd, out, sizeof(out), 512), (ssize_t)sizeof(out));
	close(fd);
}

Test(disk, embedded_extent_name_is_the_file_itself)
{
	uint8_t w[512], r[512];
	vmdk_disk *d;

	create_disk("m.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 1024, 0);
	memset(w, 0x3c, sizeof(w));
	cr_assert_eq(vmdk_open(tpath("m.vmdk"), 0, &d), 0);
	cr_assert_eq(vmdk_write(d, 9, 1, w), 0);
	vmdk_close(d);
	/* Renamed by hand, exported under another name, or written by a
	 * tool that leaves the name empty: the data is in this file. */
	set_embedded("m.vmdk", "\"m.vmdk\"", "\"generated-stream.vmdk\"");
	cr_assert_eq(vmdk_open(tpath("m.vmdk"), VMDK_OPEN_RDONLY, &d), 0, "%s",
		     vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_read(d, 9, 1, r), 0);
	cr_assert_eq(memcmp(r, w, 512), 0);
	vmdk_close(d);
	set_embedded("m.vmdk", "\"generated-stream.vmdk\"", "\"\"");
	cr_assert_eq(vmdk_open(tpath("m.vmdk"), VMDK_OPEN_RDONLY, &d), 0, "%s",
		     vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_read(d, 9, 1, r), 0);
	cr_assert_eq(memcmp(r, w, 512), 0);
	vmdk_close(d);
}

Test(disk, stream_converter_descriptor_without_signature)
{
	vmdk_disk *d;

	create_disk("s.vmdk", VMDK_TYPE_STREAM_OPTIMIZED, 1024, 0);
	set_embedded("s.vmdk", "# Disk DescriptorFile",
		     "# Description file created by VMDK stream converter");
	cr_assert_eq(vmdk_open(tpath("s.vmdk"), VMDK_OPEN_RDONLY, &d), 0, "%s",
		     vmdk_errmsg(NULL));
	vmdk_close(d);
}

Test(disk, flat_zero_and_readonly_extents)
{
	uint8_t buf[40 * 512];
	struct vmdk_info info;
	vmdk_disk *d;

	make_flat("a.bin", 10, 0x11);
	make_flat("b.bin", 20, 0x22);
	/* Comments before the signature, an offset into a flat file, a VMFS
	 * line with an offset (older VMware tools wrote that), a ZERO extent. */
	write_file("c.vmdk",
		   "# written by hand\n# Disk DescriptorFile\nversion=1\n"
		   "CID=12345678\nparentCID=ffffffff\ncreateType=\"custom\"\n"
		   "RW 8 FLAT \"a.bin\" 2\n"
		   "RW 6 ZERO\n"
		   "RDONLY 10 VMFS \"b.bin\" 0\n");
	cr_assert_eq(vmdk_open(tpath("c.vmdk"), 0, &d), 0, "%s", vmdk_errmsg(NULL));
	vmdk_get_info(d, &info);
	cr_assert_eq(info.capacity, 24);
	cr_assert_eq(info.type, VMDK_TYPE_OTHER);
	cr_assert_eq(vmdk_read(d, 0, 24, buf), 0, "%s", vmdk_errmsg(d));
	for (int i = 0; i < 24 * 512; i++)
		cr_assert_eq(buf[i], i < 8 * 512 ? 0x11 : i < 14 * 512 ? 0 : 0x22,
			     "byte %d", i);
	cr_assert_eq(vmdk_write(d, 0, 1, buf), 0);
	cr_assert_eq(vmdk_write(d, 9, 1, buf), VMDK_E_READ_ONLY);
	cr_assert(strstr(vmdk_errmsg(d), "ZERO extent is not writable") != NULL,
		  "%s", vmdk_errmsg(d));
	cr_assert_eq(vmdk_write(d, 20, 1, buf), VMDK_E_READ_ONLY);
	cr_assert(strstr(vmdk_errmsg(d), "RDONLY") != NULL, "%s", vmdk_errmsg(d));
	vmdk_close(d);
}

Test(disk, noaccess_extent_refuses_reads)
{
	uint8_t buf[512];
	vmdk_disk *d;

	make_flat("a.bin", 4, 1);
	write_file("n.vmdk", "createType=\"custom\"\nRW 4 FLAT \"a.bin\" 0\n"
			     "NOACCESS 4 FLAT \"gone.bin\" 0\n");
	cr_assert_eq(vmdk_open(tpath("n.vmdk"), VMDK_OPEN_RDONLY, &d), 0, "%s",
		     vmdk_errmsg(NULL));
	cr_assert_eq(vmdk_read(d, 3, 1, buf), 0);
	cr_assert_eq(vmdk_read(d, 4, 1, buf), VMDK_E_READ_ONLY);
	vmdk_close(d);
}

Test(disk, descriptor_growth_replaces_the_file_safely)
{
	uint8_t w[512], r[512];
	struct stat st;
	vmdk_disk *d;
	char text[1024] = { 0 };
	FILE *f;

	make_flat("x-flat.vmdk", 16, 0);
	write_file("x.vmdk", "version=1\nCID=1\nparentCID=ffffffff\n"
			     "createType=\"monolithicFlat\"\nRW 16 FLAT \"x-flat.vmdk\" 0\n");
	cr_assert_eq(chmod(tpath("x.vmdk"), 0640), 0);
	memset(w, 0x99, sizeof(w));
	cr_assert_eq(vmdk_open(tpath("x.vmdk"), 0, &d), 0);
	cr_assert_eq(vmdk_write(d, 3, 1, w), 0, "%s", vmdk_errmsg(d));
	vmdk_close(d);
	f = fopen(tpath("x.vmdk"), "r");
	cr_assert_eq(fread(text, 1, sizeof(text) - 1, f) > 0, 1);
	fclose(f);
	cr_assert(strstr(text, "\nCID=") && !strstr(text, "\nCID=1\n"), "%s", text);
	cr_assert(strstr(text, "createType=\"monolithicFlat\"\nRW 16 FLAT") != NULL);
	cr_assert_eq(stat(tpath("x.vmdk"), &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0640);
	{
		/* No temporary file is left behind. */
		DIR *dir = opendir(test_dir);
		struct dirent *e;
		int files = 0;
		while ((e = readdir(dir)) != NULL)
			files += e->d_name[0] != '.';
		closedir(dir);
		cr_assert_eq(files, 2);
	}
	cr_assert_eq(vmdk_open(tpath("x.vmdk"), VMDK_OPEN_RDONLY, &d), 0);
	cr_assert_eq(vmdk_read(d, 3, 1, r), 0);
	cr_assert_eq(memcmp(r, w, 512), 0);
	vmdk_close(d);
}

Test(disk, errors_have_text)
{
	for (int e = -1016; e <= -1000; e++)
		cr_assert_str_neq(vmdk_strerror(e), "");
	cr_assert_str_eq(vmdk_strerror(VMDK_E_LOCKED),
			 "disk is locked by another process");
	cr_assert_str_eq(vmdk_strerror(-2), "No such file or directory");
	cr_assert_str_eq(vmdk_errmsg(NULL), "");
	cr_assert_eq(vmdk_close(NULL), 0);
}

Test(disk, names_and_types)
{
	cr_assert_eq(vmdk_type_from_name("5"), 5);
	cr_assert_eq(vmdk_type_from_name("streamoptimized"), 5);
	cr_assert_eq(vmdk_type_from_name("2GbMaxExtentSparse"), 1);
	cr_assert_eq(vmdk_type_from_name("vmfsThin"), 6);
	cr_assert_eq(vmdk_type_from_name("7"), -1);
	cr_assert_eq(vmdk_type_from_name("custom"), -1);
	cr_assert_eq(vmdk_adapter_from_name("PVSCSI"), VMDK_ADAPTER_PVSCSI);
	cr_assert_eq(vmdk_adapter_from_name("scsi"), -1);
	cr_assert_str_eq(vmdk_type_name(3), "twoGbMaxExtentFlat");
	cr_assert_null(vmdk_type_name(9));
}
