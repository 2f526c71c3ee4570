/* SPDX-License-Identifier: MIT */
/* test_sparse.c --- hosted sparse extents: layout, reads, allocating
 * writes, damaged metadata, locks and the unclean-shutdown flag */
#include "helpers.h"
#include "vmdk_ondisk.h"

TestSuite(sparse, .init = make_test_dir, .fini = remove_test_dir);

static vmdk_disk *open_ok(const char *name, unsigned flags)
{
	vmdk_disk *d = NULL;
	int err = vmdk_open(tpath(name), flags, &d);

	cr_assert_eq(err, 0, "open %s: %d %s", name, err, vmdk_errmsg(NULL));
	return d;
}

static int open_fails(const char *name, unsigned flags, const char *part)
{
	vmdk_disk *d = NULL;
	int err = vmdk_open(tpath(name), flags, &d);

	cr_assert_lt(err, 0, "%s opened", name);
	cr_assert_null(d);
	cr_assert(strstr(vmdk_errmsg(NULL), part) != NULL,
		  "message '%s' lacks '%s'", vmdk_errmsg(NULL), part);
	return err;
}

static void write_read_back(const char *name, uint32_t grain)
{
	enum { CAP = 4096 };
	uint8_t *w = calloc(CAP, 512), *r = calloc(CAP, 512);
	vmdk_disk *d;

	create_disk(name, VMDK_TYPE_MONOLITHIC_SPARSE, CAP, grain);
	fill_pattern(w + 7 * 512, 7, 300);		/* across grains */
	fill_pattern(w + 4000 * 512, 4000, 96);	/* up to the end */
	d = open_ok(name, 0);
	cr_assert_eq(vmdk_write(d, 7, 300, w + 7 * 512), 0, "%s", vmdk_errmsg(d));
	cr_assert_eq(vmdk_write(d, 4000, 96, w + 4000 * 512), 0);
	cr_assert_eq(vmdk_close(d), 0);
	d = open_ok(name, VMDK_OPEN_RDONLY);
	cr_assert_eq(vmdk_read(d, 0, CAP, r), 0, "%s", vmdk_errmsg(d));
	cr_assert_eq(memcmp(w, r, CAP * 512ull), 0);
	vmdk_close(d);
	free(w);
	free(r);
}

Test(sparse, writes_read_back_default_grain)
{
	write_read_back("a.vmdk", 0);
}

Test(sparse, writes_read_back_grain_16)
{
	write_read_back("g16.vmdk", 16);
	cr_assert_eq(peek_le32(tpath("g16.vmdk"), 20), 16);
}

Test(sparse, layout_matches_vmware)
{
	struct sparse_header h;
	uint8_t b[512];
	int fd;

	create_disk("l.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 2097152, 0);
	fd = open(tpath("l.vmdk"), O_RDONLY);
	cr_assert_eq(pread(fd, b, 512, 0), 512);
	close(fd);
	sparse_header_decode(b, &h);
	cr_assert_eq(h.magic, SPARSE_MAGIC);
	cr_assert_eq(h.version, 1);
	cr_assert_eq(h.flags, 3);
	cr_assert_eq(h.grain_size, 128);
	cr_assert_eq(h.desc_offset, 1);
	cr_assert_eq(h.desc_size, 20);
	cr_assert_eq(h.gtes_per_gt, 512);
	cr_assert_eq(h.rgd_offset, 21);
	/* 32 GTs of 4 sectors after a 1-sector RGD. */
	cr_assert_eq(h.gd_offset, 21 + 1 + 32 * 4);
	cr_assert_eq(h.overhead, 384);
	cr_assert_eq(h.unclean, 0);
	cr_assert_eq(memcmp(b + 73, "\n \r\n", 4), 0);
}

Test(sparse, unclean_flag_while_open_for_writing)
{
	vmdk_disk *d;

	create_disk("u.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 1024, 0);
	d = open_ok("u.vmdk", 0);
	cr_assert_eq(peek_le32(tpath("u.vmdk"), 72) & 0xff, 1);
	vmdk_close(d);
	cr_assert_eq(peek_le32(tpath("u.vmdk"), 72) & 0xff, 0);
	d = open_ok("u.vmdk", VMDK_OPEN_RDONLY);
	cr_assert_eq(peek_le32(tpath("u.vmdk"), 72) & 0xff, 0);
	vmdk_close(d);
}

Test(sparse, second_writer_is_locked_out)
{
	vmdk_disk *a, *b = NULL;

	create_disk("k.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 1024, 0);
	a = open_ok("k.vmdk", 0);
	cr_assert_eq(vmdk_open(tpath("k.vmdk"), 0, &b), VMDK_E_LOCKED);
	cr_assert(strstr(vmdk_errmsg(NULL), "in use") != NULL);
	cr_assert_eq(vmdk_open(tpath("k.vmdk"), VMDK_OPEN_RDONLY, &b),
		     VMDK_E_LOCKED);
	vmdk_close(a);
	b = open_ok("k.vmdk", VMDK_OPEN_RDONLY);
	a = open_ok("k.vmdk", VMDK_OPEN_RDONLY);	/* readers share */
	vmdk_close(a);
	vmdk_close(b);
}

Test(sparse, first_write_changes_cid_once)
{
	struct vmdk_info i0, i1, i2;
	uint8_t buf[512] = { 1 };
	vmdk_disk *d;

	create_disk("c.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 1024, 0);
	d = open_ok("c.vmdk", 0);
	vmdk_get_info(d, &i0);
	vmdk_write(d, 0, 1, buf);
	vmdk_get_info(d, &i1);
	vmdk_write(d, 1, 1, buf);
	vmdk_get_info(d, &i2);
	vmdk_close(d);
	cr_assert_neq(i0.cid, i1.cid);
	cr_assert_eq(i1.cid, i2.cid);
	d = open_ok("c.vmdk", VMDK_OPEN_RDONLY);
	vmdk_get_info(d, &i2);
	cr_assert_eq(i1.cid, i2.cid);
	vmdk_close(d);
}

Test(sparse, read_past_capacity_is_out_of_range)
{
	uint8_t buf[1024];
	vmdk_disk *d;

	create_disk("r.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 100, 0);
	d = open_ok("r.vmdk", VMDK_OPEN_RDONLY);
	cr_assert_eq(vmdk_read(d, 99, 2, buf), VMDK_E_OUT_OF_RANGE);
	cr_assert_eq(vmdk_read(d, UINT64_MAX, 2, buf), VMDK_E_OUT_OF_RANGE);
	cr_assert_eq(vmdk_read(d, 99, 1, buf), 0);
	vmdk_close(d);
}

/* Header field offsets (technote: SparseExtentHeader). */
enum { OFF_VERSION = 4, OFF_CAPACITY = 12, OFF_GRAIN = 20, OFF_GTES = 44,
       OFF_RGD = 48, OFF_GD = 56, OFF_OVERHEAD = 64 };

Test(sparse, rejects_absurd_capacity_fast)
{
	create_disk("big.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 1024, 0);
	patch_le64(tpath("big.vmdk"), OFF_CAPACITY, 1ull << 61);
	open_fails("big.vmdk", VMDK_OPEN_RDONLY, "64 TiB");
}

Test(sparse, rejects_bad_grain_size)
{
	create_disk("g.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 1024, 0);
	patch_le64(tpath("g.vmdk"), OFF_GRAIN, 100);
	open_fails("g.vmdk", VMDK_OPEN_RDONLY, "grain size 100");
	patch_le64(tpath("g.vmdk"), OFF_GRAIN, 0);
	open_fails("g.vmdk", VMDK_OPEN_RDONLY, "grain size 0");
}

Test(sparse, rejects_unknown_version)
{
	create_disk("v.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 1024, 0);
	patch_le32(tpath("v.vmdk"), OFF_VERSION, 4);
	cr_assert_eq(open_fails("v.vmdk", VMDK_OPEN_RDONLY, "version 4"),
		     VMDK_E_UNSUPPORTED_VERSION);
}

Test(sparse, rejects_text_mode_damage)
{
	create_disk("nl.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 1024, 0);
	patch(tpath("nl.vmdk"), 75, "\n", 1);
	open_fails("nl.vmdk", VMDK_OPEN_RDONLY, "text mode");
}

Test(sparse, rejects_gd_outside_file)
{
	create_disk("gd.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 1024, 0);
	patch_le64(tpath("gd.vmdk"), OFF_GD, 1000000);
	open_fails("gd.vmdk", VMDK_OPEN_RDONLY, "grain directory at sector 1000000");
}

Test(sparse, rejects_truncated_file)
{
	create_disk("t.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 1024, 0);
	cr_assert_eq(truncate(tpath("t.vmdk"), 30 * 512), 0);
	open_fails("t.vmdk", VMDK_OPEN_RDONLY, "t.vmdk: truncated");
	cr_assert_eq(truncate(tpath("t.vmdk"), 20 * 512), 0);
	open_fails("t.vmdk", VMDK_OPEN_RDONLY, "lies outside the file");
	cr_assert_eq(truncate(tpath("t.vmdk"), 100), 0);
	open_fails("t.vmdk", VMDK_OPEN_RDONLY, "sparse header truncated");
}

Test(sparse, gd_entry_past_eof_fails_on_read)
{
	uint32_t gd = 0;
	uint8_t buf[512];
	vmdk_disk *d;

	create_disk("e.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 1024, 0);
	gd = peek_le32(tpath("e.vmdk"), OFF_GD);
	patch_le32(tpath("e.vmdk"), gd * 512ull, 0x7fffffff);
	d = open_ok("e.vmdk", VMDK_OPEN_RDONLY);
	cr_assert_eq(vmdk_read(d, 0, 1, buf), VMDK_E_NEEDS_REPAIR);
	cr_assert(strstr(vmdk_errmsg(d), "outside the file") != NULL, "%s",
		  vmdk_errmsg(d));
	vmdk_close(d);
}

static uint64_t first_gt(const char *name)
{
	uint32_t gd = peek_le32(tpath(name), OFF_GD);

	return peek_le32(tpath(name), gd * 512ull);
}

/* The first redundant grain table (the header's rgdOffset is at 48). */
static uint64_t first_rgt(const char *name)
{
	uint32_t rgd = peek_le32(tpath(name), 48);

	return peek_le32(tpath(name), rgd * 512ull);
}

/* The same entry in both copies of the first table. */
static void patch_gte(const char *name, unsigned entry, uint32_t v)
{
	patch_le32(tpath(name), first_gt(name) * 512 + 4 * entry, v);
	patch_le32(tpath(name), first_rgt(name) * 512 + 4 * entry, v);
}

/* A disk with data in grains 0 and 1. */
static void with_data(const char *name, uint64_t sectors)
{
	uint8_t w[512];
	vmdk_disk *d;

	create_disk(name, VMDK_TYPE_MONOLITHIC_SPARSE, sectors, 0);
	memset(w, 0x5a, sizeof(w));
	cr_assert_eq(vmdk_open(tpath(name), 0, &d), 0);
	cr_assert_eq(vmdk_write(d, 0, 1, w), 0);
	cr_assert_eq(vmdk_write(d, 128, 1, w), 0);
	vmdk_close(d);
}

Test(sparse, primary_table_damage_is_refused_not_served)
{
	uint8_t buf[512];
	uint32_t second;
	vmdk_disk *d;

	with_data("m.vmdk", 1024);
	/* Entry 0 pointed at entry 1's grain: the primary alone says so. */
	second = peek_le32(tpath("m.vmdk"), first_gt("m.vmdk") * 512 + 4);
	patch_le32(tpath("m.vmdk"), first_gt("m.vmdk") * 512, second);
	d = open_ok("m.vmdk", VMDK_OPEN_RDONLY);
	cr_assert_eq(vmdk_read(d, 0, 1, buf), VMDK_E_NEEDS_REPAIR);
	cr_assert(strstr(vmdk_errmsg(d), "grain table 0 differs from its redundant "
			 "copy") != NULL, "%s", vmdk_errmsg(d));
	cr_assert(strstr(vmdk_errmsg(d), "vmdk-check --repair") != NULL);
	vmdk_close(d);
}

Test(sparse, primary_directory_damage_is_refused_at_open)
{
	vmdk_disk *d;

	with_data("m.vmdk", 1024);
	patch_le32(tpath("m.vmdk"), peek_le32(tpath("m.vmdk"), OFF_GD) * 512ull, 0);
	cr_assert_eq(vmdk_open(tpath("m.vmdk"), VMDK_OPEN_RDONLY, &d),
		     VMDK_E_NEEDS_REPAIR);
	cr_assert(strstr(vmdk_errmsg(NULL), "grain directory entry 0") != NULL, "%s",
		  vmdk_errmsg(NULL));
}

Test(sparse, tables_sharing_a_place_are_refused_at_open)
{
	vmdk_disk *d;
	uint32_t gd;

	create_disk("m.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 65536 * 2, 0);
	gd = peek_le32(tpath("m.vmdk"), OFF_GD);
	/* Directory entry 1 names entry 0's table, in both directories. */
	patch_le32(tpath("m.vmdk"), gd * 512ull + 4, peek_le32(tpath("m.vmdk"), gd * 512ull));
	cr_assert_eq(vmdk_open(tpath("m.vmdk"), VMDK_OPEN_RDONLY, &d),
		     VMDK_E_NEEDS_REPAIR);
	cr_assert(strstr(vmdk_errmsg(NULL), "overlap") != NULL, "%s", vmdk_errmsg(NULL));
}

/* A crash between the two table writes leaves the redundant copy ahead:
 * after an unclean shutdown its entry is the newer one, and complete. */
Test(sparse, interrupted_table_update_reads_after_unclean_shutdown)
{
	uint8_t buf[512];
	vmdk_disk *d;

	with_data("m.vmdk", 1024);
	patch_le32(tpath("m.vmdk"), first_gt("m.vmdk") * 512 + 4, 0);
	cr_assert_eq(vmdk_open(tpath("m.vmdk"), VMDK_OPEN_RDONLY, &d), 0);
	cr_assert_eq(vmdk_read(d, 128, 1, buf), VMDK_E_NEEDS_REPAIR);	/* clean */
	vmdk_close(d);
	patch(tpath("m.vmdk"), SPARSE_UNCLEAN_OFFSET, "\1", 1);
	d = open_ok("m.vmdk", VMDK_OPEN_RDONLY);
	cr_assert_eq(vmdk_read(d, 128, 1, buf), 0, "%s", vmdk_errmsg(d));
	cr_assert_eq(buf[0], 0x5a);
	vmdk_close(d);
}

Test(sparse, gte_into_metadata_or_past_eof_is_an_error)
{
	uint8_t buf[512];
	vmdk_disk *d;

	create_disk("m.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 1024, 0);
	patch_gte("m.vmdk", 0, 5);	/* inside the header area */
	patch_gte("m.vmdk", 1, 1u << 30);
	d = open_ok("m.vmdk", VMDK_OPEN_RDONLY);
	cr_assert_eq(vmdk_read(d, 0, 1, buf), VMDK_E_NEEDS_REPAIR);
	cr_assert(strstr(vmdk_errmsg(d), "inside the metadata") != NULL);
	cr_assert_eq(vmdk_read(d, 128, 1, buf), VMDK_E_NEEDS_REPAIR);
	cr_assert(strstr(vmdk_errmsg(d), "past the end") != NULL);
	vmdk_close(d);
}

Test(sparse, zeroed_grain_entry_reads_zeros)
{
	uint8_t w[512], r[512];
	vmdk_disk *d;

	create_disk("z.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 1024, 0);
	memset(w, 0x5a, sizeof(w));
	d = open_ok("z.vmdk", 0);
	cr_assert_eq(vmdk_write(d, 0, 1, w), 0);
	vmdk_close(d);
	/* Version 2 with the zeroed-grain flag: GTE 1 means zeros. */
	patch_le32(tpath("z.vmdk"), OFF_VERSION, 2);
	patch_le32(tpath("z.vmdk"), 8, 3 | SPARSE_FLAG_ZERO_GTE);
	patch_gte("z.vmdk", 0, 1);
	d = open_ok("z.vmdk", 0);
	memset(r, 1, sizeof(r));
	cr_assert_eq(vmdk_read(d, 0, 1, r), 0);
	cr_assert(vmdk_is_zero(r, sizeof(r)));
	/* Writing there allocates a zero-filled grain. */
	cr_assert_eq(vmdk_write(d, 5, 1, w), 0, "%s", vmdk_errmsg(d));
	cr_assert_eq(vmdk_read(d, 4, 1, r), 0);
	cr_assert(vmdk_is_zero(r, sizeof(r)));
	cr_assert_eq(vmdk_read(d, 5, 1, r), 0);
	cr_assert_eq(memcmp(r, w, 512), 0);
	vmdk_close(d);
}

Test(sparse, redundant_gd_before_or_after_primary)
{
	uint8_t w[512], r[512];
	uint64_t gd, rgd;
	vmdk_disk *d;

	create_disk("s.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 1024, 0);
	gd = peek_le32(tpath("s.vmdk"), OFF_GD);
	rgd = peek_le32(tpath("s.vmdk"), OFF_RGD);
	cr_assert_lt(rgd, gd);
	/* Swap them: now the redundant copy comes after the primary. */
	patch_le64(tpath("s.vmdk"), OFF_GD, rgd);
	patch_le64(tpath("s.vmdk"), OFF_RGD, gd);
	memset(w, 0xc3, sizeof(w));
	d = open_ok("s.vmdk", 0);
	cr_assert_eq(vmdk_write(d, 600, 1, w), 0);
	vmdk_close(d);
	d = open_ok("s.vmdk", VMDK_OPEN_RDONLY);
	cr_assert_eq(vmdk_read(d, 600, 1, r), 0);
	cr_assert_eq(memcmp(r, w, 512), 0);
	vmdk_close(d);
	/* Both tables point at the grain. */
	cr_assert_neq(peek_le32(tpath("s.vmdk"), peek_le32(tpath("s.vmdk"), rgd * 512) * 512ull + 4 * 4), 0);
	cr_assert_neq(peek_le32(tpath("s.vmdk"), peek_le32(tpath("s.vmdk"), gd * 512) * 512ull + 4 * 4), 0);
}

Test(sparse, missing_grain_table_is_allocated_on_write)
{
	uint8_t w[512], r[512];
	uint64_t gd, rgd;
	vmdk_disk *d;

	create_disk("n.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 200000, 0);
	gd = peek_le32(tpath("n.vmdk"), OFF_GD);
	rgd = peek_le32(tpath("n.vmdk"), OFF_RGD);
	patch_le32(tpath("n.vmdk"), gd * 512 + 4, 0);
	patch_le32(tpath("n.vmdk"), rgd * 512 + 4, 0);
	memset(w, 0x77, sizeof(w));
	d = open_ok("n.vmdk", 0);
	cr_assert_eq(vmdk_read(d, 65536, 1, r), 0);
	cr_assert(vmdk_is_zero(r, 512));
	cr_assert_eq(vmdk_write(d, 65536 + 3, 1, w), 0, "%s", vmdk_errmsg(d));
	vmdk_close(d);
	cr_assert_neq(peek_le32(tpath("n.vmdk"), gd * 512 + 4), 0);
	cr_assert_neq(peek_le32(tpath("n.vmdk"), rgd * 512 + 4), 0);
	d = open_ok("n.vmdk", VMDK_OPEN_RDONLY);
	cr_assert_eq(vmdk_read(d, 65536 + 3, 1, r), 0);
	cr_assert_eq(memcmp(r, w, 512), 0);
	vmdk_close(d);
}

Test(sparse, split_sparse_spans_extents)
{
	enum { CAP = 4192256 + 1000 };
	uint8_t w[4096], r[4096];
	vmdk_disk *d;
	struct vmdk_info info;

	create_disk("sp.vmdk", VMDK_TYPE_SPLIT_SPARSE, CAP, 0);
	fill_pattern(w, 4192256 - 4, 8);
	d = open_ok("sp.vmdk", 0);
	vmdk_get_info(d, &info);
	cr_assert_eq(info.extents, 2);
	cr_assert_eq(info.type, VMDK_TYPE_SPLIT_SPARSE);
	cr_assert_eq(vmdk_write(d, 4192256 - 4, 8, w), 0);
	vmdk_close(d);
	d = open_ok("sp.vmdk", VMDK_OPEN_RDONLY);
	cr_assert_eq(vmdk_read(d, 4192256 - 4, 8, r), 0);
	cr_assert_eq(memcmp(r, w, sizeof(w)), 0);
	vmdk_close(d);
}

Test(sparse, opening_an_extent_without_descriptor_is_explained)
{
	create_disk("x.vmdk", VMDK_TYPE_SPLIT_SPARSE, 2048, 0);
	open_fails("x-s001.vmdk", VMDK_OPEN_RDONLY, "without a descriptor");
}

Test(sparse, missing_extent_is_named)
{
	create_disk("me.vmdk", VMDK_TYPE_SPLIT_SPARSE, 2048, 0);
	cr_assert_eq(unlink(tpath("me-s001.vmdk")), 0);
	cr_assert_eq(open_fails("me.vmdk", VMDK_OPEN_RDONLY, "me-s001.vmdk: file is missing"),
		     VMDK_E_MISSING_EXTENT);
}

Test(sparse, create_refuses_existing_files_and_cleans_up)
{
	struct vmdk_create_params p = { .capacity = 2048,
					.type = VMDK_TYPE_SPLIT_SPARSE };
	int fd = open(tpath("o-s001.vmdk"), O_CREAT | O_WRONLY, 0644);

	close(fd);
	cr_assert_eq(vmdk_create(tpath("o.vmdk"), &p), VMDK_E_EXISTS);
	cr_assert_neq(access(tpath("o.vmdk"), F_OK), 0);
	create_disk("o2.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 64, 0);
	p.type = VMDK_TYPE_MONOLITHIC_SPARSE;
	cr_assert_eq(vmdk_create(tpath("o2.vmdk"), &p), VMDK_E_EXISTS);
}

Test(sparse, child_reads_through_and_copies_on_write)
{
	uint8_t base[128 * 512], w[512], r[128 * 512];
	const char *desc_fmt =
		"# Disk DescriptorFile\nversion=1\nCID=11111111\nparentCID=%08x\n"
		"createType=\"monolithicFlat\"\nparentFileNameHint=\"p.vmdk\"\n"
		"RW 256 FLAT \"c-flat.vmdk\" 0\n";
	struct vmdk_info info;
	vmdk_disk *d;
	char desc[512];
	FILE *f;

	/* A sparse child over a sparse parent. */
	create_disk("p.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 256, 0);
	fill_pattern(base, 0, 128);
	d = open_ok("p.vmdk", 0);
	cr_assert_eq(vmdk_write(d, 0, 128, base), 0);
	vmdk_get_info(d, &info);
	vmdk_close(d);
	create_disk("c.vmdk", VMDK_TYPE_MONOLITHIC_SPARSE, 256, 0);
	d = open_ok("c.vmdk", 0);
	vmdk_close(d);
	{
		/* Point it at the parent: rewrite its embedded descriptor. */
		struct vmdk_errbuf eb;
		struct vmdk_descriptor *dd;
		char text[20 * 512] = { 0 }, hex[16];
		int fd = open(tpath("c.vmdk"), O_RDWR);
		cr_assert_eq(pread(fd, text, sizeof(text) - 1, 512), (ssize_t)sizeof(text) - 1);
		cr_assert_eq(vmdk_desc_parse(text, strlen(text), &dd, &eb), 0);
		snprintf(hex, sizeof(hex), "%08x", info.cid);
		vmdk_desc_set(dd, "parentCID", hex);
		vmdk_desc_set(dd, "parentFileNameHint", "p.vmdk");
		char *out = vmdk_desc_serialize(dd, NULL);
		memset(text, 0, sizeof(text));
		strcpy(text, out);
		cr_assert_eq(pwrite(fd, text, sizeof(text), 512), (ssize_t)sizeof(text));
		free(out);
		vmdk_desc_free(dd);
		close(fd);
	}
	d = open_ok("c.vmdk", 0);
	vmdk_get_info(d, &info);
	cr_assert_eq(info.links, 2);
	memset(w, 0xee, sizeof(w));
	cr_assert_eq(vmdk_write(d, 10, 1, w), 0, "%s", vmdk_errmsg(d));
	cr_assert_eq(vmdk_read(d, 0, 128, r), 0);
	memcpy(base + 10 * 512, w, 512);
	cr_assert_eq(memcmp(r, base, sizeof(base)), 0);
	vmdk_close(d);
	/* The parent is unchanged. */
	d = open_ok("p.vmdk", VMDK_OPEN_RDONLY);
	cr_assert_eq(vmdk_read(d, 10, 1, r), 0);
	cr_assert_neq(memcmp(r, w, 512), 0);
	vmdk_close(d);
	/* A flat child whose parentCID is stale is refused. */
	snprintf(desc, sizeof(desc), desc_fmt, 0x1234u);
	f = fopen(tpath("stale.vmdk"), "w");
	fputs(desc, f);
	fclose(f);
	f = fopen(tpath("c-flat.vmdk"), "w");
	fclose(f);
	cr_assert_eq(truncate(tpath("c-flat.vmdk"), 256 * 512), 0);
	cr_assert_eq(open_fails("stale.vmdk", VMDK_OPEN_RDONLY, "changed since"),
		     VMDK_E_CID_MISMATCH);
}

Test(sparse, parent_loop_is_detected)
{
	FILE *f = fopen(tpath("loop.vmdk"), "w");

	fputs("version=1\nCID=1\nparentCID=1\ncreateType=\"monolithicFlat\"\n"
	      "parentFileNameHint=\"loop.vmdk\"\nRW 8 ZERO\n", f);
	fclose(f);
	cr_assert_eq(open_fails("loop.vmdk", VMDK_OPEN_RDONLY, "loops"),
		     VMDK_E_OPEN_PARENT);
}
