/* SPDX-License-Identifier: MIT */
/* test_descriptor.c --- the descriptor parser and writer */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmdk_int.h"

static struct vmdk_descriptor *parse_ok(const char *text)
{
	struct vmdk_errbuf eb = { .msg = "" };
	struct vmdk_descriptor *d = NULL;
	int err = vmdk_desc_parse(text, strlen(text), &d, &eb);

	cr_assert_eq(err, 0, "parse failed: %d %s", err, eb.msg);
	return d;
}

static int parse_err(const char *text, char *msg, size_t n)
{
	struct vmdk_errbuf eb = { .msg = "" };
	struct vmdk_descriptor *d = NULL;
	int err = vmdk_desc_parse(text, strlen(text), &d, &eb);

	cr_assert_lt(err, 0, "accepted: %s", text);
	cr_assert_null(d);
	snprintf(msg, n, "%s", eb.msg);
	return err;
}

static const char vmware_style[] =
	"# Disk DescriptorFile\n"
	"version=1\n"
	"encoding=\"UTF-8\"\n"
	"CID=fffffffe\n"
	"parentCID=ffffffff\n"
	"isNativeSnapshot=\"no\"\n"
	"createType=\"twoGbMaxExtentSparse\"\n"
	"\n"
	"# Extent description\n"
	"RW 4192256 SPARSE \"test-s001.vmdk\"\n"
	"RW 4192256 SPARSE \"test-s002.vmdk\"\n"
	"RW 2101248 SPARSE \"test-s003.vmdk\"\n"
	"\n"
	"# The Disk Data Base \n"
	"#DDB\n"
	"\n"
	"ddb.adapterType = \"ide\"\n"
	"ddb.geometry.sectors = \"63\"\n"
	"ddb.geometry.heads = \"16\"\n"
	"ddb.geometry.cylinders = \"10402\"\n";

/* The technote's own example is indented and has CRLF ends here. */
static const char indented_crlf[] =
	"# Written on a Windows host\r\n"
	"# Disk DescriptorFile\r\n"
	"version=1\r\n"
	"                CID=12ab34cd\r\n"
	"                parentCID=ffffffff\r\n"
	"                createType=\"monolithicFlat\"\r\n"
	"                RW 20480 FLAT \"x-flat.vmdk\" 0\r\n"
	"                #DDB\r\n"
	"                ddb.adapterType = \"lsilogic\"";

static const char *const roundtrips[] = {
	vmware_style,
	indented_crlf,
	"# Description file created by VMDK stream converter\n"
	"version=1\nCID=1\nparentCID=ffffffff\ncreateType=\"streamOptimized\"\n"
	"RW 2048 SPARSE \"generated-stream.vmdk\"\n",
	"version=1\ncreateType=\"vmfs\"\nRW 20480 VMFS \"x-flat.vmdk\" 0\n"
	"RW 100 ZERO\nRDONLY 5 FLAT \"/abs/path with space\" 7\n"
	"NOACCESS 9 VMFSRDM \"rdm.vmdk\"\n",
	"createType=\"monolithicSparse\"\nRW 10240 SPARSE \"\"\n",
};

Test(descriptor, untouched_roundtrip_is_byte_stable)
{
	for (size_t i = 0; i < sizeof(roundtrips) / sizeof(*roundtrips); i++) {
		struct vmdk_descriptor *d = parse_ok(roundtrips[i]);
		size_t len;
		char *out = vmdk_desc_serialize(d, &len);
		cr_assert_eq(len, strlen(roundtrips[i]));
		cr_assert_str_eq(out, roundtrips[i]);
		free(out);
		vmdk_desc_free(d);
	}
}

Test(descriptor, reads_header_fields)
{
	struct vmdk_descriptor *d = parse_ok(vmware_style);

	cr_assert_eq(d->version, 1);
	cr_assert_eq(d->cid, 0xfffffffe);
	cr_assert_eq(d->parent_cid, 0xffffffff);
	cr_assert_str_eq(d->create_type, "twoGbMaxExtentSparse");
	cr_assert_null(d->parent_hint);
	cr_assert_eq(vmdk_desc_extent_count(d), 3);
	cr_assert_eq(vmdk_desc_extent(d, 2)->sectors, 2101248);
	cr_assert_str_eq(vmdk_desc_extent(d, 1)->file, "test-s002.vmdk");
	cr_assert_str_eq(vmdk_desc_get(d, "DDB.ADAPTERTYPE"), "ide");
	cr_assert_str_eq(vmdk_desc_get(d, "ddb.geometry.cylinders"), "10402");
	vmdk_desc_free(d);
}

Test(descriptor, reads_extent_line_variants)
{
	struct vmdk_descriptor *d = parse_ok(roundtrips[3]);
	const struct vmdk_extent_line *e;

	e = vmdk_desc_extent(d, 0);
	cr_assert_str_eq(e->kind, "VMFS");
	cr_assert(e->has_offset);
	cr_assert_eq(e->offset, 0);
	e = vmdk_desc_extent(d, 1);
	cr_assert_str_eq(e->kind, "ZERO");
	cr_assert_null(e->file);
	e = vmdk_desc_extent(d, 2);
	cr_assert_eq(e->access, VMDK_ACCESS_RDONLY);
	cr_assert_str_eq(e->file, "/abs/path with space");
	cr_assert_eq(e->offset, 7);
	e = vmdk_desc_extent(d, 3);
	cr_assert_eq(e->access, VMDK_ACCESS_NOACCESS);
	cr_assert_str_eq(e->kind, "VMFSRDM");
	vmdk_desc_free(d);
}

Test(descriptor, parent_hint)
{
	struct vmdk_descriptor *d = parse_ok(
		"version=1\nCID=00000002\nparentCID=0000abcd\n"
		"createType=\"monolithicSparse\"\n"
		"parentFileNameHint=\"../base.vmdk\"\nRW 8 SPARSE \"c.vmdk\"\n");

	cr_assert_str_eq(d->parent_hint, "../base.vmdk");
	cr_assert_eq(d->parent_cid, 0xabcd);
	vmdk_desc_free(d);
}

struct bad_case {
	const char *text;
	const char *message_part;
};

static const struct bad_case bad_cases[] = {
	{ "createType=\"x\"\nRX 10 FLAT \"a\" 0\n", "line 2: access" },
	{ "createType=\"x\"\nRW ten FLAT \"a\" 0\n", "line 2: size" },
	{ "createType=\"x\"\nRW 0 FLAT \"a\" 0\n", "zero" },
	{ "createType=\"x\"\nRW 99999999999999999999 FLAT \"a\"\n", "size" },
	{ "createType=\"x\"\nRW 1099511627777 FLAT \"a\"\n", "64 TiB" },
	{ "createType=\"x\"\nRW 10 WEIRD \"a\"\n", "unknown extent type" },
	{ "createType=\"x\"\nRW 10 FLAT a.vmdk 0\n", "double quotes" },
	{ "createType=\"x\"\nRW 10 FLAT \"a.vmdk 0\n", "closing quote" },
	{ "createType=\"x\"\nRW 10 SPARSE \"a.vmdk\" 0\n", "offset" },
	{ "createType=\"x\"\nRW 10 FLAT \"a.vmdk\" zero\n", "offset" },
	{ "createType=\"x\"\nRW 10 ZERO \"a.vmdk\"\n", "ZERO" },
	{ "createType=\"x\"\ncreateType=\"y\"\n", "line 2: createType given twice" },
	{ "createType=\"x\"\nCID=xyz\n", "line 2: CID" },
	{ "createType=\"x\"\nCID=123456789\n", "CID" },
	{ "createType=\"x\"\nparentCID=-1\n", "parentCID" },
	{ "version=4\ncreateType=\"x\"\n", "version '4'" },
	{ "version=1\nCID=1\n", "no createType" },
	{ "createType=\"x\nRW 1 ZERO\n", "closing quote" },
	{ "createType=\"x\"\nthis is not a descriptor line\n", "line 2" },
	{ "createType=\"x\"\n = value\n", "bad key" },
	{ "createType=\"x\"\nddb.adapterType = \"ide\n", "closing quote" },
};

/* One test over the table: Criterion may re-execute the binary for each
 * test, so parameters holding pointers are not portable there. */
Test(descriptor, rejects_bad_input)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(*bad_cases); i++) {
		char msg[VMDK_ERRMSG_MAX];
		parse_err(bad_cases[i].text, msg, sizeof(msg));
		cr_expect(strstr(msg, bad_cases[i].message_part) != NULL,
			  "case %zu: message '%s' lacks '%s'", i, msg,
			  bad_cases[i].message_part);
	}
}

Test(descriptor, rejects_binary_and_huge)
{
	static const char bin[] = "createType=\"x\"\n\0\x01\x02";
	struct vmdk_errbuf eb = { .msg = "" };
	struct vmdk_descriptor *d = NULL;
	size_t big = VMDK_MAX_DESCRIPTOR + 1;
	char *huge = malloc(big);

	cr_assert_eq(vmdk_desc_parse(bin, sizeof(bin) - 1, &d, &eb),
		     VMDK_E_NOT_A_DISK);
	memset(huge, '#', big);
	cr_assert_eq(vmdk_desc_parse(huge, big, &d, &eb), VMDK_E_NOT_A_DISK);
	free(huge);
}

Test(descriptor, set_changes_one_line_only)
{
	struct vmdk_descriptor *d = parse_ok(vmware_style);
	char *out, *expect = strdup(vmware_style);

	cr_assert_eq(vmdk_desc_set(d, "CID", "0badcafe"), 0);
	cr_assert_eq(d->cid, 0x0badcafe);
	memcpy(strstr(expect, "CID=fffffffe"), "CID=0badcafe", 12);
	out = vmdk_desc_serialize(d, NULL);
	cr_assert_str_eq(out, expect);
	free(out);
	free(expect);
	vmdk_desc_free(d);
}

Test(descriptor, set_keeps_indentation_and_crlf)
{
	struct vmdk_descriptor *d = parse_ok(indented_crlf);
	char *out;

	cr_assert_eq(vmdk_desc_set(d, "cid", "00000001"), 0);
	out = vmdk_desc_serialize(d, NULL);
	cr_assert(strstr(out, "\r\n                CID=00000001\r\n") != NULL, "%s", out);
	free(out);
	vmdk_desc_free(d);
}

Test(descriptor, set_adds_missing_keys_in_their_section)
{
	struct vmdk_descriptor *d = parse_ok(vmware_style);
	char *out;

	cr_assert_eq(vmdk_desc_set(d, "ddb.uuid", "60 00 C2 9a"), 0);
	cr_assert_eq(vmdk_desc_set(d, "parentFileNameHint", "base.vmdk"), 0);
	out = vmdk_desc_serialize(d, NULL);
	cr_assert(strstr(out, "ddb.geometry.cylinders = \"10402\"\n"
			      "ddb.uuid = \"60 00 C2 9a\"\n") != NULL, "%s", out);
	cr_assert(strstr(out, "createType=\"twoGbMaxExtentSparse\"\n"
			      "parentFileNameHint=\"base.vmdk\"\n") != NULL, "%s", out);
	cr_assert_str_eq(d->parent_hint, "base.vmdk");
	free(out);
	vmdk_desc_free(d);
	/* A missing final newline stays missing. */
	d = parse_ok("createType=\"x\"\nddb.a = \"1\"");
	cr_assert_eq(vmdk_desc_set(d, "ddb.b", "2"), 0);
	out = vmdk_desc_serialize(d, NULL);
	cr_assert_str_eq(out, "createType=\"x\"\nddb.a = \"1\"\nddb.b = \"2\"");
	free(out);
	vmdk_desc_free(d);
}

Test(descriptor, extent_lines_change_and_grow)
{
	struct vmdk_descriptor *d = parse_ok(
		"createType=\"twoGbMaxExtentFlat\"\n"
		"  RW 100 FLAT \"a-f001.vmdk\" 0\n"
		"ddb.adapterType = \"ide\"");
	struct vmdk_extent_line e = { .access = VMDK_ACCESS_RW, .sectors = 7,
				      .kind = "FLAT", .file = "a-f002.vmdk",
				      .has_offset = true };
	char *out;

	cr_assert_eq(vmdk_desc_set_extent_sectors(d, 0, 200), 0);
	cr_assert_eq(vmdk_desc_add_extent(d, &e), 0);
	cr_assert_eq(vmdk_desc_set_extent_file(d, 0, "b-f001.vmdk"), 0);
	out = vmdk_desc_serialize(d, NULL);
	cr_assert_str_eq(out, "createType=\"twoGbMaxExtentFlat\"\n"
			      "  RW 200 FLAT \"b-f001.vmdk\" 0\n"
			      "  RW 7 FLAT \"a-f002.vmdk\" 0\n"
			      "ddb.adapterType = \"ide\"");
	cr_assert_eq(vmdk_desc_extent_count(d), 2);
	cr_assert_eq(vmdk_desc_extent(d, 1)->sectors, 7);
	free(out);
	vmdk_desc_free(d);
}
